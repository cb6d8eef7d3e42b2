"""A scalar autograd engine (micrograd-style), taught in notebook 04: each operation's backward rule sits next to its
forward, and nothing else is in this file.

    a, b = Value(2.0), Value(-3.0)
    c = a * b + a            # every operation builds a node that remembers its inputs
    c.backward()             # dc/da = b + 1 = -2, dc/db = a = 2, in reverse topological order
    a.grad, b.grad

Notebook 04 shows exactly this code (``tests/test_nb04_backprop.py`` fails if the two drift apart).
"""

import numpy as np

__all__ = ["Value"]


class Value:
    """A scalar that remembers how it was computed, so that ``backward()`` can apply the chain rule.

    ``data``: the number; ``grad``: dL/d(this value), filled by ``backward()`` on the final L.
    Each operation creates a new Value whose ``_backward`` pushes the output's grad to its inputs.
    """

    def __init__(self, data, _children=(), _op=""):
        if not isinstance(data, (int, float)) or isinstance(data, bool):
            raise ValueError(f"Value holds one Python number (int or float), got {type(data).__name__}")
        self.data = float(data)
        self.grad = 0.0
        self._backward = lambda: None  # a leaf has no inputs to pass gradient to
        self._prev = tuple(_children)
        self._op = _op

    def __repr__(self):
        return f"Value(data={self.data:.4g}, grad={self.grad:.4g})"

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():  # d(a + b)/da = 1 and d(a + b)/db = 1: the gradient passes through unchanged
            self.grad += out.grad  # += not =: a value used twice receives gradient from both uses
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():  # d(a b)/da = b and d(a b)/db = a: each input gets the OTHER input's value
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, k):
        if not isinstance(k, (int, float)) or isinstance(k, bool):
            raise ValueError(f"Value ** k supports a constant number k, got {type(k).__name__}")
        out = Value(self.data**k, (self,), f"**{k}")

        def _backward():  # d(a^k)/da = k a^(k-1)
            self.grad += k * self.data ** (k - 1) * out.grad

        out._backward = _backward
        return out

    def exp(self):
        out = Value(float(np.exp(self.data)), (self,), "exp")

        def _backward():  # d(e^a)/da = e^a, which is the output itself
            self.grad += out.data * out.grad

        out._backward = _backward
        return out

    def tanh(self):
        out = Value(float(np.tanh(self.data)), (self,), "tanh")

        def _backward():  # d tanh(a)/da = 1 - tanh(a)^2
            self.grad += (1.0 - out.data**2) * out.grad

        out._backward = _backward
        return out

    def relu(self):
        out = Value(max(self.data, 0.0), (self,), "relu")

        def _backward():  # slope 1 where the input was positive, 0 elsewhere
            self.grad += (self.data > 0) * out.grad

        out._backward = _backward
        return out

    def log(self):
        if self.data <= 0:
            raise ValueError(f"log needs a positive number, got {self.data}")
        out = Value(float(np.log(self.data)), (self,), "log")

        def _backward():  # d log(a)/da = 1/a
            self.grad += out.grad / self.data

        out._backward = _backward
        return out

    # The rest is built from the operations above, so it needs no backward rule of its own.
    def __radd__(self, other):  # 2 + a
        return self + other

    def __rmul__(self, other):  # 2 * a
        return self * other

    def __truediv__(self, other):  # a / b = a * b^-1
        other = other if isinstance(other, Value) else Value(other)
        return self * other**-1

    def __rtruediv__(self, other):  # 2 / a
        return Value(other) * self**-1

    def backward(self):
        """Fill ``.grad`` of every value this one depends on with d(self)/d(that value)."""
        order, seen = [], set()

        def visit(v):  # depth-first: a value is appended only after everything it depends on
            if v not in seen:
                seen.add(v)
                for child in v._prev:
                    visit(child)
                order.append(v)

        visit(self)
        self.grad = 1.0  # dL/dL = 1
        for v in reversed(order):  # outputs before inputs: a node's grad is complete when it is used
            v._backward()
