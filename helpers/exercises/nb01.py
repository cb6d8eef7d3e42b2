"""Checkers for notebook 01 · The neuron (reference solutions: ``solutions/nb01.py``)."""

import numpy as np

from helpers.exercises import exercise, forbid, tuple_answer


def _sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -z))


@exercise("01.silu_prime", hints=(
    "SiLU is a product of two functions of z. Which rule differentiates a product?",
    "The product rule: (f·g)' = f'·g + f·g', here with f(z) = z and g(z) = σ(z); σ' is sigmoid_prime.",
    "Two terms: σ(z) times the derivative of z (which is 1), plus z times σ'(z). Both functions are in the "
    "notebook; the result has the shape of z.",
))
def _silu_prime(answer):
    import torch
    import torch.nn.functional as F

    rng = np.random.default_rng(1)
    for shape in [(), (9,), (3, 4)]:
        z = rng.normal(scale=3.0, size=shape)
        z_t = torch.tensor(z, dtype=torch.float64, requires_grad=True)
        (ref,) = torch.autograd.grad(F.silu(z_t).sum(), z_t)
        ref = ref.numpy()
        got = np.asarray(answer(z), dtype=np.float64)
        assert got.shape == z.shape, f"for z of shape {z.shape} your function returned shape {got.shape}: " \
                                     f"it must work elementwise and keep the shape"
        if np.allclose(got, ref, rtol=1e-6, atol=1e-9):
            continue
        s = _sigmoid(z)
        if np.allclose(got, s):
            raise AssertionError("you returned σ(z), only the first term of the product rule")
        if np.allclose(got, z * s * (1 - s)):
            raise AssertionError("you returned z·σ'(z): the product rule has a second term, σ(z)·(dz/dz)")
        if np.allclose(got, s * (1 - s)):
            raise AssertionError("you returned σ'(z), the sigmoid's derivative, not SiLU's")
        i = np.unravel_index(np.argmax(np.abs(got - ref)), ref.shape) if ref.ndim else ()
        raise AssertionError(f"at z = {z[i]:.3f} you give {got[i]:.6f}, but silu'(z) = {ref[i]:.6f} "
                             f"(PyTorch autograd, float64)")


@exercise("01.neuron_by_hand", hints=(
    "z is the transfer function of section 2: multiply each input by its own weight, add the products, "
    "then add the bias.",
    "Pair them up: x₁·w₁, x₂·w₂, x₃·w₃ (mind the signs), add them and b. ReLU keeps a positive z and gives 0 "
    "otherwise; leaky ReLU multiplies a negative z by α = 0.1.",
    "z = 2·0.5 + (−1)·2 + 3·(−1) + 0.5; ReLU(z) = max(0, z); leaky ReLU(z) = 0.1·z when z < 0.",
))
def _neuron_by_hand(answer):
    answer = tuple_answer(answer, 3, "three numbers: (z, ReLU output, leaky ReLU output)")
    z, r, lk = (float(a) for a in answer)
    if np.isclose(z, -4.0):
        raise AssertionError(f"z = {z:g} is the weighted sum without the bias: add b = 0.5")
    if np.isclose(z, 4.0) or np.isclose(z, 3.5):
        raise AssertionError(f"z = {z:g}: check the signs, x2 = −1 and w3 = −1 are negative")
    assert np.isclose(z, -3.5), f"z = {z:g} is not w·x + b: multiply each x_i by its w_i, add them, add b"
    if np.isclose(r, -3.5):
        raise AssertionError("z is right, but ReLU(z) = max(0, z): a negative z gives 0")
    assert np.isclose(r, 0.0), f"z is right, but ReLU({z:g}) is not {r:g}: ReLU(z) = max(0, z)"
    if np.isclose(lk, 0.0):
        raise AssertionError("z and ReLU are right; leaky ReLU does not give 0 for negative z but α·z")
    assert np.isclose(lk, -0.35), f"z and ReLU are right, but leaky ReLU({z:g}) with α = 0.1 is not {lk:g}"


@exercise("01.bias_through_point", hints=(
    "A point lies on the decision boundary exactly when the neuron's z is 0 there.",
    "Write that condition for the point p, w·p + b = 0, and solve it for b.",
    "Solved for b, the condition gives b = −(w·p): minus the dot product of w and p, one number whatever the "
    "length of the vectors. np.dot computes a dot product.",
))
def _bias_through_point(answer):
    rng = np.random.default_rng(2)
    cases = [(np.array([2.0, -1.0]), np.array([1.0, 3.0]))]
    cases += [(rng.normal(size=d), rng.normal(size=d)) for d in (1, 2, 3, 5)]
    for w, p in cases:
        b = answer(w.copy(), p.copy())
        assert np.ndim(b) == 0, f"return one number (the bias), got something of shape {np.shape(b)}"
        b = float(b)
        if not np.isclose(w @ p + b, 0.0, atol=1e-9):
            if np.isclose(b, w @ p):
                raise AssertionError(f"for w = {np.round(w, 3)}, p = {np.round(p, 3)} you return w·p; "
                                     f"the sign is flipped: w·p + b must be 0")
            raise AssertionError(f"for w = {np.round(w, 3)}, p = {np.round(p, 3)} your b = {b:.4f} gives "
                                 f"w·p + b = {w @ p + b:.4f}, not 0")


def _mse_grad(X, y, w, b):
    """∇ of mean((σ(Xw + b) − y)²) w.r.t. w and b, with NumPy (the checker's own diagnosis of mistakes)."""
    p = _sigmoid(X @ w + b)
    dz = 2.0 * (p - y) * p * (1.0 - p) / len(y)
    return X.T @ dz, dz.sum()


def _torch_mse_step(X, y, w, b, lr):
    """The reference: autograd's gradient of the same loss in float64, then w − η∇L, b − η∂L/∂b."""
    import torch

    w_t = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    b_t = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    loss = ((torch.sigmoid(torch.tensor(X) @ w_t + b_t) - torch.tensor(y)) ** 2).mean()
    loss.backward()
    return w - lr * w_t.grad.numpy(), b - lr * float(b_t.grad)


def _diagnose_mse_step(X, y, w, b, lr, w_new, b_new):
    """A message for a step that differs from autograd's, naming the mistake when it is a common one."""
    p = _sigmoid(X @ w + b)
    dw, db = _mse_grad(X, y, w, b)
    N = len(y)

    def same(cw, cb):
        return np.allclose(w_new, cw, rtol=1e-7, atol=1e-10) and np.isclose(b_new, cb, rtol=1e-7, atol=1e-10)

    if same(w - lr * X.T @ (p - y) / N, b - lr * np.mean(p - y)):
        return ("that is a cross-entropy step (section 6): the squared error's chain rule keeps the "
                "sigmoid's slope σ'(z) = σ(z)(1 − σ(z))")
    if same(w - lr * dw / 2, b - lr * db / 2):
        return "half the step: the derivative of (σ(z) − y)² is 2(σ(z) − y)·σ'(z)"
    if same(w + lr * dw, b + lr * db):
        return "the step goes uphill: gradient DESCENT subtracts, w − η∇L"
    if same(w - lr * dw * N, b - lr * db * N):
        return f"the step is {N} times too large: L is the MEAN over the N = {N} examples"
    if same(w - lr * dw, b):
        return "w_new is right, but the bias learns too: b − η ∂L/∂b"
    return (f"for N = {N}, d = {len(w)} your step differs from autograd's by up to "
            f"{max(np.abs(w_new - (w - lr * dw)).max(), abs(b_new - (b - lr * db))):.2e}")


@exercise("01.mse_step", hints=(
    "Follow one flower through the chain: w and b give z, z gives p = σ(z), p gives the loss (p − y)². "
    "Multiply the slopes of the links.",
    "∂L/∂z_n = (2/N)(σ(z_n) − y_n)·σ'(z_n), a vector of shape (N,); then, as in section 6, ∂L/∂w = Xᵀ(∂L/∂z) "
    "and ∂L/∂b is the sum of ∂L/∂z.",
    "Compute the vector ∂L/∂z first (three factors and the 1/N), then one product with X for w and one sum for b; "
    "the step moves each against its gradient, scaled by lr.",
))
def _mse_step(answer):
    forbid(answer, {"torch": "write the gradient with NumPy: PyTorch's autograd is what the checker compares "
                             "your step with",
                    "autograd": "write the gradient with NumPy, by the chain rule"})
    rng = np.random.default_rng()   # fresh data on every check: the answer has to be the formula, not a number
    for N, d in [(7, 2), (30, 5), (1, 1)]:
        X, w, b = rng.normal(size=(N, d)), rng.normal(size=d), float(rng.normal())
        y, lr = (rng.random(N) < 0.5).astype(np.float64), float(rng.uniform(0.1, 2.0))
        w_new, b_new = tuple_answer(answer(X.copy(), y.copy(), w.copy(), b, lr), 2, "a pair (w_new, b_new)")
        w_new = np.asarray(w_new, dtype=np.float64)
        assert w_new.shape == (d,), f"w_new must have w's shape ({d},), got {w_new.shape}"
        assert np.ndim(b_new) == 0, f"b_new must be one number, got shape {np.shape(b_new)}"
        b_new = float(b_new)
        w_ref, b_ref = _torch_mse_step(X, y, w, b, lr)
        if not (np.allclose(w_new, w_ref, rtol=1e-7, atol=1e-10) and np.isclose(b_new, b_ref, rtol=1e-7,
                                                                               atol=1e-10)):
            raise AssertionError(_diagnose_mse_step(X, y, w, b, lr, w_new, b_new))
