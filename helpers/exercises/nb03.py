"""Checkers for notebook 03 · Feed-forward networks (reference solutions: ``solutions/nb03.py``)."""

import numpy as np

from helpers.exercises import exercise, forbid, tuple_answer


def _expected_shapes(N, sizes):
    shapes = [(N, sizes[0])]
    for a, b in zip(sizes[:-1], sizes[1:], strict=True):
        shapes += [(a, b), (b,), (N, b)]
    return shapes


def _names(L):
    return ["X"] + [f"{s}{l}" for l in range(1, L + 1) for s in ("W", "b", "H")]


@exercise("03.forward_shapes", hints=(
    "List the arrays in the order the forward pass meets them: the input X, then for each layer its W, its b and "
    "its output H.",
    "A batch X is (N, d_0); a layer d_in → d_out has W (d_in, d_out), b (d_out,) and outputs H (N, d_out).",
    "Start with [(N, sizes[0])]; for each pair (d_in, d_out) of neighbouring sizes append (d_in, d_out), (d_out,) "
    "and (N, d_out).",
))
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


@exercise("03.softmax", hints=(
    "Softmax does not change when you add the same number to every logit of a row (section 5). Which number keeps "
    "every e^z from overflowing?",
    "Subtract each row's largest logit before np.exp: the largest exponent becomes e^0 = 1 and the row sum is at "
    "least 1. keepdims=True keeps the shapes broadcasting.",
    "softmax(z)_k = e^(z_k − m) / Σ_j e^(z_j − m), with m the row's largest logit. Z.max(axis=1, keepdims=True) "
    "has shape (N, 1), so subtracting it from Z (N, K) shifts each row by its own maximum; take the row sums of "
    "the exponentials the same way (.sum(axis=1, keepdims=True)) and divide.",
))
def _softmax_checker(answer):
    forbid(answer, {"softmax": "write it yourself, with the trick that keeps it stable, not with a library's "
                               "softmax or the notebook's",
                    "log_softmax": "write it yourself, with the trick that keeps it stable",
                    "logsumexp": "write it yourself, with the trick that keeps it stable"})
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
    return (Z >= 0).astype(float)  # z = 0 counts as 1, the convention of notebooks 02 and 03


@exercise("03.xnor", hints=(
    "Like XOR in section 3: each hidden step unit draws one line. One unit should fire only for (1, 1), the other "
    "only for (0, 0); the output fires when either does.",
    "A unit fires when w1·x1 + w2·x2 + b ≥ 0. AND: x1 + x2 ≥ 1.5. NOR fires only for (0, 0): flip the signs of an "
    "OR unit (x1 + x2 ≥ 0.5). The output unit is an OR of h1 and h2.",
    "W1 columns: AND (1, 1) with bias −1.5, NOR (−1, −1) with bias 0.5; the output OR: W2 = [[1], [1]], b2 = [−0.5].",
))
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


@exercise("03.collapse", hints=(
    "Section 2 turned two linear layers into one. Do the same again and again, one layer at a time.",
    "After a layer (Wl, bl), the composed map x W + b becomes (x W + b) Wl + bl = x (W Wl) + (b Wl + bl). Start "
    "from the map that does nothing.",
    "The map that does nothing has W = the identity matrix and b = zeros (np.eye, np.zeros). Then loop over the "
    "layers and apply the composition rule of the previous hint, updating W and b together.",
))
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


def _torch_output_grad(H, W, b, y):
    """The reference: autograd's gradient of F.cross_entropy(H W + b, y) w.r.t. W and b, in float64."""
    import torch
    import torch.nn.functional as F

    W_t = torch.tensor(W, requires_grad=True)
    b_t = torch.tensor(b, requires_grad=True)
    F.cross_entropy(torch.tensor(H) @ W_t + b_t, torch.tensor(y)).backward()
    return W_t.grad.numpy(), b_t.grad.numpy()


def _diagnose_output_grad(H, W, b, y, dW, db):
    """Name the mistake when the student's gradient is a common wrong one."""
    N, K = len(y), W.shape[1]
    P = _softmax(H @ W + b)
    G = (P - np.eye(K)[y]) / N                           # ∂CE/∂Z, (N, K)

    def close(a, c):
        return np.allclose(a, c, rtol=1e-7, atol=1e-10)

    if close(dW, H.T @ P / N):
        return "dW leaves out the true class: ∂CE/∂Z = (softmax(Z) − onehot(y)) / N, not softmax(Z) / N"
    if close(dW, -H.T @ G):
        return "dW has the wrong sign: the gradient points uphill, (softmax(Z) − onehot(y)) / N"
    if close(dW, H.T @ G * N):
        return f"dW is {N} times too large: the cross-entropy is the MEAN over the N = {N} examples"
    if not close(dW, H.T @ G):
        return "dW is not Hᵀ ∂CE/∂Z: each W[j, k] multiplies column j of H into column k of Z"
    if close(db, G.mean(axis=0)):
        return "dW is right; db is the SUM of ∂CE/∂Z over the rows (b is added to every row), not the mean"
    return "dW is right; db is not: b[k] is added to every row of column k of Z"


@exercise("03.output_layer_grad", hints=(
    "Section 5 gave the gradient with respect to the logits Z. The output layer computes Z = H W + b: one more "
    "link of the chain rule.",
    "With G = ∂CE/∂Z = (softmax(Z) − onehot(y)) / N of shape (N, K) (that is cross_entropy_grad): W[j, k] "
    "multiplies column j of H into column k of Z, and b[k] is added to every row of column k.",
    "Get G from the logits with cross_entropy_grad. dW must have W's shape (hidden, K): which product of H and "
    "G gives it? db has one entry per class: sum G over the rows.",
))
def _output_layer_grad(answer):
    forbid(answer, {"torch": "write the gradient with NumPy: PyTorch's autograd is what the checker compares "
                             "it with",
                    "autograd": "write the gradient with NumPy, by the chain rule"})
    rng = np.random.default_rng()   # fresh data on every check: the answer has to be the formula, not a number
    for N, d, K in [(6, 4, 3), (16, 8, 10), (1, 1, 2)]:
        H = np.maximum(rng.normal(size=(N, d)), 0.0) + 0.1 * rng.normal(size=(N, d))
        W, b, y = rng.normal(size=(d, K)), rng.normal(size=K), rng.integers(0, K, size=N)
        dW, db = tuple_answer(answer(H.copy(), W.copy(), b.copy(), y.copy()), 2, "a pair (dW, db)")
        dW, db = np.asarray(dW, dtype=np.float64), np.asarray(db, dtype=np.float64)
        assert dW.shape == (d, K), f"dW must have W's shape {(d, K)}, one entry per weight; got {dW.shape}" + \
            (": transpose it (Hᵀ G, not Gᵀ H)" if dW.shape == (K, d) else "")
        assert db.shape == (K,), f"db must have b's shape {(K,)}; got {db.shape}"
        dW_ref, db_ref = _torch_output_grad(H, W, b, y)
        if not (np.allclose(dW, dW_ref, rtol=1e-7, atol=1e-10) and np.allclose(db, db_ref, rtol=1e-7, atol=1e-10)):
            raise AssertionError(_diagnose_output_grad(H, W, b, y, dW, db))
