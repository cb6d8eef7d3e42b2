"""Checkers for notebook 04 (backpropagation and gradient descent)."""

import numpy as np

from helpers.exercises import NotAttempted, dict_answer, exercise


@exercise("04.hand_backward",
          hint="L = (a·b + c)·a uses a twice, so ∂L/∂a adds both uses: the outer '·a' contributes (a·b + c); "
               "inside a·b, the upstream gradient a times the local derivative b contributes a·b.")
def _hand_backward(answer):
    answer = dict_answer(answer, "abc", "{'a': number, 'b': number, 'c': number}")
    a, b, c = 3.0, -2.0, 5.0
    got = {k: float(answer[k]) for k in "abc"}
    if np.isclose(got["a"], a * b + c) or np.isclose(got["a"], a * b):
        raise AssertionError(f"∂L/∂a = {got['a']:g} counts only one of the two uses of a")
    assert np.isclose(got["a"], 2 * a * b + c), f"∂L/∂a = {got['a']:g} is not right"
    assert np.isclose(got["b"], a * a), f"∂L/∂b = {got['b']:g} is not right (upstream gradient × local derivative)"
    assert np.isclose(got["c"], a), f"∂L/∂c = {got['c']:g} is not right"


@exercise("04.leaky_relu_backward",
          hint="The local slope is 1 where x > 0 and `slope` elsewhere; multiply it by the upstream dY: "
               "dY * np.where(X > 0, 1.0, slope).")
def _leaky_relu_backward(answer):
    rng = np.random.default_rng(0)
    X, dY = rng.normal(size=(4, 5)), rng.normal(size=(4, 5))
    got = np.asarray(answer(dY, X, 0.01))
    assert got.shape == X.shape, f"dX must have the shape of X, {X.shape}; got {got.shape}"
    if np.allclose(got, dY * (X > 0)):
        raise AssertionError("that is ReLU's backward: where x ≤ 0 a leaky ReLU still passes slope·dY")
    if np.allclose(got, np.where(X > 0, 1.0, 0.01)):
        raise AssertionError("that is the local slope alone: multiply it by the upstream gradient dY")
    assert np.allclose(got, dY * np.where(X > 0, 1.0, 0.01)), "wrong values for slope = 0.01"
    got = np.asarray(answer(dY, X, 0.2))
    assert np.allclose(got, dY * np.where(X > 0, 1.0, 0.2)), "wrong values for slope = 0.2: use the argument"


@exercise("04.max_lr",
          hint="∇L = (4·w1, 1·w2): the curvatures are 4 and 1. Each step multiplies w_i by (1 − lr·λ_i), "
               "which must stay between −1 and 1 along every axis.")
def _max_lr(answer):
    try:
        lr = float(answer)
    except (TypeError, ValueError):
        raise AssertionError(f"answer with one number, got {answer!r}") from None
    if np.isclose(lr, 2.0):
        raise AssertionError("2/λ for the SHALLOW direction: the steep one (λ = 4) diverges first")
    if np.isclose(lr, 0.25):
        raise AssertionError("1/λ_max makes the steep direction converge in one step, but larger "
                             "steps still converge (with oscillation)")
    assert np.isclose(lr, 0.5, atol=1e-3), f"lr = {lr:g} is not the threshold"


@exercise("04.value_sub",
          hint="No new backward rule is needed: -a is a * -1, and a - b is a + (-b).")
def _value_sub(answer):
    a = answer(3.0)
    n = -a
    if n is None:
        raise NotAttempted
    assert abs(n.data + 3.0) < 1e-12, f"-a should be -3.0 for a = 3.0, got {n.data}"
    n.backward()
    assert abs(a.grad + 1.0) < 1e-12, f"d(-a)/da should be -1, got {a.grad}"
    a, b = answer(3.0), answer(-2.0)
    d = a - b
    if d is None:
        raise NotAttempted
    assert abs(d.data - 5.0) < 1e-12, f"a - b should be 5.0 for a = 3, b = -2; got {d.data}"
    d.backward()
    assert abs(a.grad - 1.0) < 1e-12 and abs(b.grad + 1.0) < 1e-12, \
        f"d(a - b)/da should be 1 and d(a - b)/db should be -1; got {a.grad} and {b.grad}"
    a = answer(3.0)
    z = a - 1.0
    assert abs(z.data - 2.0) < 1e-12, f"a - 1.0 should be 2.0 for a = 3; got {z.data}"
    a = answer(3.0)
    z = a - a
    z.backward()
    assert abs(z.data) < 1e-12 and abs(a.grad) < 1e-12, f"a - a: value and gradient should be 0; got {a.grad}"
