"""Checkers for notebook 06 (residual networks)."""

import numpy as np

from helpers.exercises import NotAttempted, exercise


@exercise("06.chain_gradient",
          hint="The chain rule multiplies the slopes of the layers. A plain layer h_k = f_k(h_{k-1}) has slope "
               "f_k'; a residual layer h_k = h_{k-1} + f_k(h_{k-1}) has slope 1 + f_k'.")
def _chain_gradient(answer):
    cases = [np.full(20, 0.5), np.zeros(5), np.array([0.1, -0.2, 0.3, 2.0]), np.full(30, -0.05)]
    for slopes in cases:
        got = answer(slopes.copy())
        if not (isinstance(got, (tuple, list)) and len(got) == 2):
            raise AssertionError(f"return a pair (plain, residual) of numbers, got {got!r}")
        plain, residual = (float(np.asarray(v)) for v in got)
        want_plain, want_res = np.prod(slopes), np.prod(1 + slopes)
        if np.isclose(plain, want_res, rtol=1e-9) and np.isclose(residual, want_plain, rtol=1e-9):
            raise AssertionError("plain and residual are swapped: return (plain, residual)")
        if np.isclose(residual, 1 + want_plain, rtol=1e-9) and not np.isclose(residual, want_res, rtol=1e-9):
            raise AssertionError("1 + (product of the slopes) is not it: EVERY layer contributes its own "
                                 "factor (1 + f_k'), so multiply those")
        if np.isclose(residual, np.sum(1 + slopes), rtol=1e-9) and not np.isclose(residual, want_res):
            raise AssertionError("the chain rule multiplies the layers' slopes, it does not add them")
        assert np.isclose(plain, want_plain, rtol=1e-9, atol=1e-300), (
            f"plain chain wrong for slopes {np.array2string(slopes[:4], precision=2)}...: "
            f"got {plain:.4g}, expected the product of the slopes")
        assert np.isclose(residual, want_res, rtol=1e-9), (
            f"residual chain wrong for slopes {np.array2string(slopes[:4], precision=2)}...: got {residual:.4g}")


@exercise("06.projection_shape",
          hint="A 1x1 convolution maps C_in channels to C_out at every pixel: its weight is (C_out, C_in, 1, 1). "
               "Its stride must shrink H to H_out the way the branch does: output size = (H - 1) // stride + 1.")
def _projection_shape(answer):
    cases = [((8, 16, 28, 28), (8, 32, 14, 14)), ((1, 3, 32, 32), (1, 64, 32, 32)),
             ((4, 64, 56, 56), (4, 128, 28, 28)), ((2, 16, 14, 14), (2, 32, 7, 7))]
    for x_shape, y_shape in cases:
        got = answer(x_shape, y_shape)
        if not (isinstance(got, (tuple, list)) and len(got) == 2):
            raise AssertionError(f"return a pair (weight_shape, stride), got {got!r}")
        w_shape, stride = got
        if w_shape is None or w_shape is Ellipsis or stride is None or stride is Ellipsis:
            raise NotAttempted
        w_shape = tuple(int(s) for s in w_shape)
        (_, c_in, h, w), (_, c_out, h_out, w_out) = x_shape, y_shape
        if w_shape == (c_in, c_out, 1, 1):
            raise AssertionError("PyTorch's (and our) conv weights are (out_channels, in_channels, KH, KW): "
                                 "output channels come first")
        assert w_shape == (c_out, c_in, 1, 1), f"for x {x_shape} -> y {y_shape} the weight shape {w_shape} is wrong"
        ok = isinstance(stride, (int, np.integer)) and stride >= 1 and (h - 1) // stride + 1 == h_out \
            and (w - 1) // stride + 1 == w_out
        assert ok, f"for x {x_shape} -> y {y_shape} a stride of {stride!r} gives the wrong height/width"


@exercise("06.zero_init_grads",
          hint="With W2 = 0 the branch outputs 0, so y = x. Backward: dL/dW2 = relu(x W1 + b1)^T dL/dy and "
               "dL/db2 = sum of dL/dy need no W2, but everything inside the branch below W2 receives "
               "dL/dy W2^T = 0.")
def _zero_init_grads(answer):
    if isinstance(answer, str):
        answer = {answer}
    if not isinstance(answer, (set, frozenset, list, tuple)):
        raise AssertionError(f"answer with a set of names such as {{'branch.0.W'}}, got {type(answer).__name__}")
    if not answer:
        raise AssertionError("some parameters do get a gradient at the very first step")
    got = set(answer)
    names = {"branch.0.W", "branch.0.b", "branch.2.W", "branch.2.b"}
    unknown = got - names
    assert not unknown, f"unknown names {sorted(unknown)}; the block's parameters are {sorted(names)}"
    if got & {"branch.0.W", "branch.0.b"}:
        raise AssertionError("the first layer (branch.0) receives dL/dy · W2^T, and W2 is all zeros")
    if "branch.2.b" not in got:
        raise AssertionError("dL/db2 is the sum of dL/dy over the batch: it does not involve W2")
    assert got == {"branch.2.W", "branch.2.b"}, "dL/dW2 = h^T dL/dy with h = relu(x W1 + b1), which is not zero"


@exercise("06.degradation",
          hint="Overfitting means: fits the training data WELL but generalises badly. Which observation rules "
               "that out?")
def _degradation(answer):
    if not isinstance(answer, str) or len(answer.strip()) != 1:
        raise AssertionError("answer with one letter, e.g. 'a'")
    letter = answer.strip().lower()
    assert letter in "abcd", f"choose one of a, b, c, d (got {answer!r})"
    if letter == "a":
        raise AssertionError("a higher TEST error fits overfitting just as well: it cannot tell them apart")
    if letter == "c":
        raise AssertionError("the deeper net has more parameters: if anything it should fit the training set "
                             "better, and it does not")
    if letter == "d":
        raise AssertionError("He et al. saw the same with batch normalisation, which keeps the gradients "
                             "healthy; and our He-initialised plain nets start with healthy gradients too")
    assert letter == "b"
