"""Checkers for notebook 04 (backpropagation and gradient descent); reference solutions: ``solutions/nb04.py``."""

import numpy as np

from helpers.exercises import NotAttempted, dict_answer, exercise, forbid, tuple_answer


@exercise("04.hand_backward",
          hints=("a is used twice. Rule 2 of the chain rule: add up what comes back to a from each use.",
                 "Name d = a·b + c, so L = d·a. Through the outer product ∂L/∂a gets d; through d it gets "
                 "∂L/∂d · ∂d/∂a = a · b.",
                 "∂L/∂a = (a·b + c) + a·b, ∂L/∂b = a·a, ∂L/∂c = a: put in a = 3, b = −2, c = 5."))
def _hand_backward(answer):
    answer = dict_answer(answer, "abc", "{'a': number, 'b': number, 'c': number}")
    a, b, c = 3.0, -2.0, 5.0
    try:
        got = {k: float(answer[k]) for k in "abc"}
    except (TypeError, ValueError):
        raise AssertionError("give a number for each of 'a', 'b' and 'c'") from None
    if np.isclose(got["a"], a * b + c) or np.isclose(got["a"], a * b):
        raise AssertionError(f"∂L/∂a = {got['a']:g} counts only one of the two uses of a")
    assert np.isclose(got["a"], 2 * a * b + c), f"∂L/∂a = {got['a']:g} is not right"
    assert np.isclose(got["b"], a * a), f"∂L/∂b = {got['b']:g} is not right (upstream gradient × local derivative)"
    assert np.isclose(got["c"], a), f"∂L/∂c = {got['c']:g} is not right"


@exercise("04.leaky_relu_backward",
          hints=("An elementwise layer's backward is dX = dY ⊙ φ'(X). What is the slope of LeakyReLU on each "
                 "side of 0?",
                 "The slope is 1 where X > 0 and `slope` elsewhere; np.where(condition, a, b) picks between two "
                 "values entry by entry. Then multiply by the upstream gradient dY.",
                 "Entry by entry, dX is dY where X > 0 and slope · dY elsewhere, with the shape of X. Build the "
                 "local slope (1 or slope) with np.where on the condition X > 0, then multiply it by dY "
                 "elementwise (*, not @)."))
def _leaky_relu_backward(answer):
    import torch
    import torch.nn.functional as F

    rng = np.random.default_rng()  # fresh inputs on every check: the answer must be right everywhere
    for slope in (0.01, float(rng.uniform(0.05, 0.5))):
        shape = tuple(int(n) for n in rng.integers(2, 7, size=2))
        X, dY = rng.normal(size=shape), rng.normal(size=shape)
        X.flat[0], X.flat[1] = -abs(X.flat[0]), abs(X.flat[1])  # both sides of 0, always: else ReLU's backward passes
        X_t = torch.tensor(X, requires_grad=True)
        F.leaky_relu(X_t, slope).backward(torch.tensor(dY))
        expected = X_t.grad.numpy()
        got = np.asarray(answer(dY.copy(), X.copy(), slope), dtype=np.float64)
        assert got.shape == X.shape, f"dX must have the shape of X, {X.shape}; got {got.shape}"
        if np.allclose(got, dY * (X > 0)):
            raise AssertionError("that is ReLU's backward: where x ≤ 0 a leaky ReLU still passes slope·dY")
        if np.allclose(got, np.where(X > 0, 1.0, slope)):
            raise AssertionError("that is the local slope alone: multiply it by the upstream gradient dY")
        if np.allclose(got, np.where(X > 0, dY, slope)):
            raise AssertionError("where x ≤ 0 the gradient is slope · dY, not the slope alone")
        if not np.allclose(got, expected, rtol=1e-12, atol=1e-12):
            raise AssertionError(f"wrong values for slope = {slope:.3g}" +
                                 (": use the `slope` argument" if slope != 0.01 else "") +
                                 " (compared with PyTorch's autograd of F.leaky_relu)")


# L(w1, w2) = 2 w1² + ½ w2²: curvatures 4 and 1. A step multiplies w1 by (1 − 4·lr), which has magnitude
# < 1 exactly when 0 < lr < 0.5; at lr = 0.5 w1 flips sign forever, above it it diverges.
MAX_LR = 0.5


@exercise("04.max_lr",
          hints=("Each axis of this bowl behaves on its own: what does one gradient step do to w₁, and to w₂?",
                 "∇L = (4·w₁, 1·w₂). A step multiplies w_i by (1 − lr·λ_i) with λ = 4 and 1; for convergence "
                 "that factor must stay between −1 and 1 on every axis.",
                 "The steep axis (λ = 4) sets the limit: |1 − 4·lr| < 1 means lr < 2/4."))
def _max_lr(answer):
    if isinstance(answer, (bool, np.bool_)):
        raise AssertionError(f"answer with one number, got {answer!r}")
    try:
        lr = float(answer)
    except (TypeError, ValueError):
        raise AssertionError(f"answer with one number, got {answer!r}") from None
    if not np.isfinite(lr) or lr <= 0:
        raise AssertionError(f"a learning rate is a positive number, got {lr:g}")
    if np.isclose(lr, 2.0):
        raise AssertionError("2/λ for the SHALLOW direction (λ = 1): the steep one (λ = 4) diverges first")
    if np.isclose(lr, 1.0):
        raise AssertionError("the curvature along w₁ is ∂²L/∂w₁² = 4 (the gradient is 4·w₁), not the "
                             "coefficient 2 in front of w₁²")
    if np.isclose(lr, 0.25):
        raise AssertionError("1/λ_max makes the steep direction converge in one step, but larger "
                             "steps still converge (with oscillation)")
    if lr > MAX_LR + 1e-12:
        factor = 1 - 4 * lr
        raise AssertionError(f"at lr = {lr:g} each step multiplies w₁ by 1 − 4·lr = {factor:.4g}, whose size is "
                             f"above 1: w₁ grows at every step and gradient descent diverges")
    if lr < MAX_LR - 1e-4:
        raise AssertionError(f"lr = {lr:g} converges, but so do somewhat larger rates: find the largest")


@exercise("04.value_sub",
          hints=("No new backward rule is needed: which operations that Value already has can express −a and "
                 "a − b?",
                 "−a is a times −1, and a − b is a plus (−b). Return the result of those operations, so that "
                 "the graph (and the gradient) goes through them.",
                 "Both are one line: __neg__ multiplies self by a number, __sub__ adds the negation of other "
                 "(which calls your __neg__)."))
def _value_sub(answer):
    a = answer(3.0)
    n = -a
    if n is None:
        raise NotAttempted
    assert abs(n.data + 3.0) < 1e-12, f"-a should be -3.0 for a = 3.0, got {n.data}"
    n.backward()
    assert abs(a.grad + 1.0) < 1e-12, (f"d(-a)/da should be -1, got {a.grad}: build -a from an operation of "
                                       f"a, so that backward() can reach a")
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


PARAM_NAMES = ("W1", "b1", "W2", "b2")


def _torch_step(params, X, y, lr):
    """The reference: PyTorch's autograd on the same network in float64; returns (loss, grads, new params)."""
    import torch
    import torch.nn.functional as F

    p = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    logits = torch.relu(torch.tensor(X) @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]
    loss = F.cross_entropy(logits, torch.tensor(y))
    loss.backward()
    grads = {k: v.grad.numpy() for k, v in p.items()}
    return loss.item(), grads, {k: params[k] - lr * grads[k] for k in params}


def _random_problem(rng):
    """Fresh float64 weights, inputs and labels of random sizes for a D -> H -> K network on N examples."""
    N, D, H, K = (int(v) for v in rng.integers([3, 3, 3, 2], [9, 7, 7, 5]))
    params = {"W1": rng.normal(size=(D, H)), "b1": rng.normal(scale=0.5, size=H),
              "W2": rng.normal(size=(H, K)), "b2": rng.normal(scale=0.5, size=K)}
    return params, rng.normal(size=(N, D)), rng.integers(0, K, size=N), float(rng.uniform(0.05, 0.5))


def _same(a, b):
    return a.shape == b.shape and np.allclose(a, b, rtol=1e-9, atol=1e-12)


@exercise("04.train_step",
          hints=("Three stages, each with a function from section 3: forward to the logits, the loss and its "
                 "gradient dlogits, then backward layer by layer, last layer first; finally step downhill.",
                 "Keep the forward's intermediate results (Z1 = X W1 + b1 and A1 = ReLU(Z1)): the backward needs "
                 "them. linear_backward(dlogits, A1, W2) gives dA1, dW2, db2; relu_backward(dA1, Z1) gives dZ1; "
                 "linear_backward(dZ1, X, W1) gives the rest.",
                 "new[k] = params[k] - lr * grad[k] for each of W1, b1, W2, b2; return (loss, new)."))
def _train_step(answer):
    forbid(answer, {"torch": "write the backward pass yourself with the functions of section 3 (the checker "
                             "compares with PyTorch)",
                    "Sequential": "write the two layers out with the functions of section 3, not the layer classes",
                    "SGD": "write the update w - lr·grad yourself"})
    rng = np.random.default_rng()  # fresh sizes and numbers on every check
    for _ in range(2):
        params, X, y, lr = _random_problem(rng)
        loss_ref, grads, expected = _torch_step(params, X, y, lr)
        result = tuple_answer(answer({k: v.copy() for k, v in params.items()}, X.copy(), y.copy(), lr), 2,
                              "(loss, new_params): the loss before the step and a dict of the updated arrays")
        loss, new = result
        new = dict_answer(new, PARAM_NAMES, "{'W1': ..., 'b1': ..., 'W2': ..., 'b2': ...}")
        new = {k: np.asarray(new[k], dtype=np.float64) for k in PARAM_NAMES}
        for k in PARAM_NAMES:
            assert new[k].shape == params[k].shape, \
                f"new {k} has shape {new[k].shape}; it must keep the shape of {k}, {params[k].shape}"
        try:
            loss = float(loss)
        except (TypeError, ValueError):
            raise AssertionError(f"the loss must be one number, got {type(loss).__name__}") from None
        assert np.isclose(loss, loss_ref, rtol=1e-9, atol=1e-12), \
            f"loss {loss:.6g} should be {loss_ref:.6g}: the mean softmax cross-entropy of the logits, before the step"
        if all(_same(new[k], params[k]) for k in PARAM_NAMES):
            raise AssertionError("the parameters did not move: subtract lr times each gradient")
        if all(_same(new[k], params[k] + lr * grads[k]) for k in PARAM_NAMES):
            raise AssertionError("you stepped uphill: the update SUBTRACTS lr times the gradient")
        if all(_same(new[k], params[k] - lr * len(X) * grads[k]) for k in PARAM_NAMES):
            raise AssertionError("every gradient is N times too large: the loss is a MEAN over the batch")
        right = [k for k in PARAM_NAMES if _same(new[k], expected[k])]
        if set(right) == {"W2", "b2"}:
            raise AssertionError("W2 and b2 are right, W1 and b1 are not: the gradient reaches the first layer "
                                 "through W2 (dA1 = dlogits W2ᵀ) and through the ReLU (zero where Z1 ≤ 0)")
        wrong = [k for k in PARAM_NAMES if k not in right]
        if wrong:
            raise AssertionError(f"new {', '.join(wrong)} {'is' if len(wrong) == 1 else 'are'} not what gradient "
                                 f"descent gives (compared with PyTorch's autograd on random data)")
