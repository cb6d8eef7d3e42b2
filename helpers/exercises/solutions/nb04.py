"""Reference solutions for notebook 04. Try the exercises first!"""

import numpy as np

from helpers.scratch.layers import Value, linear_backward, linear_forward, relu, relu_backward, softmax_cross_entropy


def leaky_relu_backward(dY, X, slope=0.01):
    """dL/dX of Y = LeakyReLU(X): the local slope (1 or `slope`) times the upstream gradient."""
    return dY * np.where(X > 0, 1.0, slope)


class ValueWithSub(Value):
    def __neg__(self):  # -a = a * (-1): the backward rule of * does the work
        return self * -1

    def __sub__(self, other):  # a - b = a + (-b)
        return self + (-other)


def train_step(params, X, y, lr):
    """One step of gradient descent on logits = ReLU(X W1 + b1) W2 + b2; returns (loss, new params)."""
    Z1 = linear_forward(X, params["W1"], params["b1"])  # (N, H)
    A1 = relu(Z1)
    loss, dlogits = softmax_cross_entropy(linear_forward(A1, params["W2"], params["b2"]), y)
    dA1, dW2, db2 = linear_backward(dlogits, A1, params["W2"])  # last layer first
    dX, dW1, db1 = linear_backward(relu_backward(dA1, Z1), X, params["W1"])
    grads = {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
    return loss, {k: params[k] - lr * grads[k] for k in params}


SOLUTIONS = {
    # L = a²b + ac, so ∂L/∂a = 2ab + c = -7, ∂L/∂b = a² = 9, ∂L/∂c = a = 3
    "04.hand_backward": {"a": -7.0, "b": 9.0, "c": 3.0},
    "04.leaky_relu_backward": leaky_relu_backward,
    # curvatures 4 and 1: stable while |1 - 4·lr| < 1, that is lr < 2/4
    "04.max_lr": 0.5,
    "04.value_sub": ValueWithSub,
    "04.train_step": train_step,
}
