"""Checkers for notebook 01 · The neuron (reference solutions: ``solutions/nb01.py``)."""

import numpy as np

from helpers.exercises import exercise, tuple_answer


def _sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -z))


@exercise("01.silu_prime", hint="silu(z) = z·σ(z) is a product f·g with f(z) = z and g(z) = σ(z): "
                                "(f·g)' = f'·g + f·g', and σ' is sigmoid_prime.")
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


@exercise("01.neuron_by_hand", hint="z = 2·0.5 + (−1)·2 + 3·(−1) + 0.5. ReLU keeps positive z and gives 0 "
                                    "otherwise; leaky ReLU gives 0.1·z for negative z.")
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


@exercise("01.bias_through_point", hint="p is on the boundary when w·p + b = 0. Solve for b: b = −w·p, "
                                        "e.g. -np.dot(w, p).")
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


_NOT_BINARY = {
    "sigmoid": "σ(z) gets ever closer to 0 and 1 but never reaches them (σ(3) ≈ 0.953): "
               "its outputs lie strictly between 0 and 1",
    "tanh": "tanh outputs any value in (−1, 1), e.g. tanh(0.5) ≈ 0.462",
    "relu": "ReLU outputs any non-negative number, e.g. ReLU(2.5) = 2.5",
    "leaky relu": "leaky ReLU outputs any number, e.g. −0.25 for z = −2.5",
    "softplus": "softplus outputs any positive number, e.g. softplus(0) = log 2 ≈ 0.693",
    "gelu": "GELU outputs many values, e.g. GELU(1) ≈ 0.841",
    "identity": "with no activation the output is z itself, any number",
}


@exercise("01.binary_activation", hint="Look at the plots in section 3: which curve takes only two values?")
def _binary_activation(answer):
    if not isinstance(answer, str):
        raise AssertionError(f"answer with the activation's name as a string, e.g. \"tanh\", "
                             f"not a {type(answer).__name__}")
    name = answer.strip().lower().replace("_", " ").replace("-", " ")
    if name in {"step", "heaviside", "heaviside step", "step function", "unit step", "threshold"}:
        return
    if name in _NOT_BINARY:
        raise AssertionError(_NOT_BINARY[name])
    raise AssertionError(f"{answer!r} is not one of the activations in the table "
                         f"(step, sigmoid, tanh, ReLU, leaky ReLU, softplus, GELU)")
