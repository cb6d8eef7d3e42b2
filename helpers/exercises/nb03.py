"""Checkers for notebook 03 · Feed-forward networks (reference solutions: ``solutions/nb03.py``)."""

import numpy as np

from helpers.exercises import exercise, tuple_answer

_MNIST_SIZES = [784, 128, 64, 10]


def _count(sizes):
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:], strict=True))


@exercise("03.count_params", hint="A layer d_in → d_out has d_in·d_out weights plus d_out biases. "
                                  "Add it up for 784 → 128, 128 → 64 and 64 → 10.")
def _count_params(answer):
    try:
        n = float(answer)
    except (TypeError, ValueError):
        raise AssertionError(f"give one whole number, got {type(answer).__name__} {answer!r}") from None
    if not n.is_integer():
        raise AssertionError(f"{answer} is not a whole number: a network has a whole number of parameters")
    n = int(n)
    weights = sum(a * b for a, b in zip(_MNIST_SIZES[:-1], _MNIST_SIZES[1:], strict=True))
    if n == weights:
        raise AssertionError(f"{n:,} counts the weights but forgets the biases (one per neuron of each layer)")
    if n == weights + sum(_MNIST_SIZES):
        raise AssertionError(f"{n:,} adds a bias for the input layer too: the input layer has no parameters")
    assert n == _count(_MNIST_SIZES), f"{n:,} is not the number of weights and biases of 784 → 128 → 64 → 10"


def _expected_shapes(N, sizes):
    shapes = [(N, sizes[0])]
    for a, b in zip(sizes[:-1], sizes[1:], strict=True):
        shapes += [(a, b), (b,), (N, b)]
    return shapes


def _names(L):
    return ["X"] + [f"{s}{l}" for l in range(1, L + 1) for s in ("W", "b", "H")]


@exercise("03.forward_shapes", hint="Start with [(N, sizes[0])]; then for each pair (d_in, d_out) of "
                                    "neighbouring sizes append (d_in, d_out), (d_out,) and (N, d_out).")
def _forward_shapes(answer):
    for N, sizes in [(5, [3, 4, 2]), (1, [64, 32, 16, 10]), (7, [2, 1]), (3, [784, 128, 64, 10])]:
        got = answer(N, list(sizes))
        try:
            got = [tuple(int(d) for d in s) for s in got]
        except TypeError:
            raise AssertionError(f"forward_shapes({N}, {sizes}) must return a list of shape tuples, "
                                 f"got {got!r}") from None
        want = _expected_shapes(N, sizes)
        names = _names(len(sizes) - 1)
        if len(got) != len(want):
            raise AssertionError(f"forward_shapes({N}, {sizes}) returned {len(got)} shapes; expected "
                                 f"{len(want)}: {', '.join(names)}")
        for name, g, w in zip(names, got, want, strict=True):
            if g != w:
                extra = " (a bias is 1-D: (d_out,), not (1, d_out))" if name.startswith("b") else ""
                raise AssertionError(f"forward_shapes({N}, {sizes}): {name} should be {w}, got {g}{extra}")


def _softmax(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


@exercise("03.softmax", hint="Subtract each row's maximum (Z.max(axis=1, keepdims=True)) before np.exp; "
                             "then divide by the row sums (keepdims=True so the shapes broadcast).")
def _softmax_checker(answer):
    rng = np.random.default_rng(3)
    cases = [rng.normal(size=(4, 5)),
             np.array([[1000.0, 1001.0, 1002.0], [-1000.0, -1001.0, -1002.0], [0.0, 0.0, 0.0]]),
             800.0 + rng.normal(size=(1, 10)),
             rng.normal(scale=300.0, size=(6, 3))]
    for Z in cases:
        Z_before = Z.copy()
        with np.errstate(all="ignore"):  # a naive softmax overflows here; we report it in words below
            P = np.asarray(answer(Z), dtype=np.float64)
        assert np.array_equal(Z, Z_before), "your function changed Z in place: compute Z - max into a new array"
        assert P.shape == Z.shape, f"for Z of shape {Z.shape} you returned shape {P.shape}"
        if not np.all(np.isfinite(P)):
            raise AssertionError(f"you returned nan or inf for logits like {Z[0, :3].round(1)}: "
                                 f"np.exp overflows for z > 709")
        assert np.allclose(P.sum(axis=1), 1.0), "the rows do not sum to 1: normalise each ROW (axis=1)"
        assert np.allclose(P, _softmax(Z), rtol=1e-9, atol=1e-12), \
            f"wrong probabilities for logits {Z[0, :3].round(3)}...: expected e^z_k / sum_j e^z_j per row"


def _step(Z):
    return (Z > 0).astype(float)


@exercise("03.xnor", hint="A step unit fires when w1·x1 + w2·x2 + b > 0. AND fires only for (1, 1): "
                          "x1 + x2 > 1.5. NOR fires only for (0, 0): flip the signs of an OR unit "
                          "(x1 + x2 > 0.5). The output is OR(h1, h2), a unit just like the OR unit.")
def _xnor(answer):
    answer = tuple_answer(answer, 4, "four arrays: (W1, b1, W2, b2)")
    W1, b1, W2, b2 = (np.asarray(a, dtype=np.float64) for a in answer)
    for name, a, shape in [("W1", W1, (2, 2)), ("b1", b1, (2,)), ("W2", W2, (2, 1)), ("b2", b2, (1,))]:
        if a.shape != shape:
            raise AssertionError(f"{name} must have shape {shape}, got {a.shape}")
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    H = _step(X @ W1 + b1)
    out = _step(H @ W2 + b2)[:, 0]
    want = np.array([1.0, 0.0, 0.0, 1.0])
    if not np.array_equal(out, want):
        raise AssertionError(f"for inputs (0,0), (0,1), (1,0), (1,1) your network outputs {out.astype(int)}, "
                             f"XNOR is [1 0 0 1]; your hidden units give {H.astype(int).tolist()}")


@exercise("03.collapse", hint="Fold the layers in one at a time: after a layer (Wl, bl), the composed map is "
                              "x (W Wl) + (b Wl + bl). Start from W = np.eye(d_in), b = np.zeros(d_in).")
def _collapse(answer):
    rng = np.random.default_rng(4)
    for sizes in [[3, 5, 2], [4, 4], [2, 6, 3, 7, 1]]:
        params = [(rng.normal(size=(a, b)), rng.normal(size=b)) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
        X = rng.normal(size=(6, sizes[0]))
        want = X
        for W, b in params:
            want = want @ W + b
        got = answer([(W.copy(), b.copy()) for W, b in params])
        if not (isinstance(got, (tuple, list)) and len(got) == 2):
            raise AssertionError("return a pair (W, b)")
        W, b = (np.asarray(a, dtype=np.float64) for a in got)
        if W.shape != (sizes[0], sizes[-1]) or b.shape != (sizes[-1],):
            raise AssertionError(f"for layer sizes {sizes}, W should be {(sizes[0], sizes[-1])} and b "
                                 f"{(sizes[-1],)}; got W {W.shape}, b {b.shape}")
        if np.allclose(X @ W, want - want.mean(0) + (X @ W).mean(0)) and not np.allclose(X @ W + b, want):
            raise AssertionError(f"for layer sizes {sizes} W is right but b is not: every earlier bias also "
                                 f"passes through all the later W's")
        assert np.allclose(X @ W + b, want), f"for layer sizes {sizes}, X W + b differs from the stacked layers"
