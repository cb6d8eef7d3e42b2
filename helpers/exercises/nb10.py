"""Checkers for notebook 10 (generative adversarial networks)."""

import numpy as np

from helpers.exercises import exercise, forbid, number_answer, tuple_answer


@exercise("10.optimal_d",
          hints=("The best discriminator compares how likely x is under the real data with how likely it is "
                 "under the generator.",
                 "D*(x) = p_data(x) / (p_data(x) + p_g(x)): the share of the real data in the total density at x.",
                 "0.3 / (0.3 + 0.1)"))
def _optimal_d(answer):
    d = number_answer(answer, "a probability")
    if abs(d - 0.3 / 0.1) < 1e-9 or abs(d - 0.1 / 0.3) < 1e-9:
        raise AssertionError("a ratio of the two densities is not a probability: divide by their SUM")
    if abs(d - 0.25) < 1e-9:
        raise AssertionError("that is the generator's share, 0.1 / 0.4: D answers 'real', so the real data's share")
    if abs(d - 0.5) < 1e-9:
        raise AssertionError("½ is D*'s answer where the two densities are EQUAL; here the real data is 3x likelier")
    if abs(d - 0.3) < 1e-9:
        raise AssertionError("p_data alone is not a probability of 'real': compare it with p_g too")
    assert 0 <= d <= 1, f"{d} is not a probability (between 0 and 1)"
    assert abs(d - 0.75) < 1e-9, f"{d} is not D*(x) here"


@exercise("10.gradient_ratio",
          hints=("Write D = σ(a). Differentiate log(1 − σ(a)) and −log σ(a) with respect to a, using σ' = σ(1 − σ).",
                 "The sizes are D and 1 − D (section 2). Divide the non-saturating one by the saturating one.",
                 "(1 − 0.002) / 0.002"))
def _gradient_ratio(answer):
    r = number_answer(answer, "a factor")
    if abs(r - 0.002 / 0.998) < 1e-9:
        raise AssertionError("upside down: the non-saturating gradient is the LARGER one here")
    if abs(r - 1 / 0.002) < 1e-6:
        raise AssertionError("close: the non-saturating gradient's size is 1 − D, not 1")
    if abs(r - np.log(0.002) / np.log(0.998)) < 1e-3 or abs(r - np.log(0.998) / np.log(0.002)) < 1e-3:
        raise AssertionError("that compares the losses; the question is about their gradients (with respect to "
                             "the logit)")
    assert abs(r - 0.998 / 0.002) < 1e-6, f"{r} is not the ratio of the two gradients' sizes"


def _sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * z))


def _discriminator_torch(x_real, x_fake, w, b):
    import torch
    import torch.nn.functional as F

    wt, bt = torch.tensor(w, requires_grad=True), torch.tensor(b, dtype=torch.float64, requires_grad=True)
    a_real, a_fake = torch.tensor(x_real) @ wt + bt, torch.tensor(x_fake) @ wt + bt
    loss = F.softplus(-a_real).mean() + F.softplus(a_fake).mean()
    loss.backward()
    return loss.item(), wt.grad.numpy(), bt.grad.item()


def _check_against(got, want, names, case):
    for name, g, w in zip(names, got, want, strict=True):
        if np.shape(g) != np.shape(w):
            raise AssertionError(f"{name} should have shape {np.shape(w)}, got {np.shape(g)} ({case})")
    close = [np.allclose(g, w, rtol=1e-9, atol=1e-12) for g, w in zip(got, want, strict=True)]
    wrong = [n for n, ok in zip(names, close, strict=True) if not ok]
    return wrong


@exercise("10.discriminator_grads",
          hints=("Two terms, each a mean of a function of the logit a = x·w + b. How does each term's value change "
                 "when its logit changes a little?",
                 "With D = σ(a): d/da [−log σ(a)] = σ(a) − 1 (real points) and d/da [−log(1 − σ(a))] = σ(a) (fakes). "
                 "Each term is a mean, so divide by its own batch size.",
                 "da_real = (σ(a_real) − 1) / N, da_fake = σ(a_fake) / M; dw = x_realᵀ da_real + x_fakeᵀ da_fake, "
                 "db = da_real.sum() + da_fake.sum()."))
def _discriminator_grads(answer):
    forbid(answer, {"torch": "compute the gradients with NumPy (PyTorch is the referee)"})
    rng = np.random.default_rng()  # fresh inputs on every check: the answer must be right, not lucky
    for N, M, d in [(5, 5, 3), (4, 7, 2), (1, 3, 1), (6, 2, 4)]:
        x_real, x_fake = rng.normal(size=(N, d)), rng.normal(size=(M, d))
        w, b = rng.normal(size=d), float(rng.normal())
        got = tuple_answer(answer(x_real.copy(), x_fake.copy(), w.copy(), b), 3, "a tuple (loss, dw, db)")
        got = (float(np.asarray(got[0])), np.asarray(got[1], dtype=np.float64), float(np.asarray(got[2])))
        want = _discriminator_torch(x_real, x_fake, w, b)
        case = f"N={N} real, M={M} fake, d={d}"
        wrong = _check_against(got, want, ("loss", "dw", "db"), case)
        if not wrong:
            continue
        a_real, a_fake = x_real @ w + b, x_fake @ w + b
        sums = (x_real.T @ (_sigmoid(a_real) - 1) + x_fake.T @ _sigmoid(a_fake))
        if "dw" in wrong and np.allclose(got[1], sums, rtol=1e-9):
            raise AssertionError(f"dw: each loss term is a MEAN over its own batch; divide by N and by M ({case})")
        flipped = x_real.T @ (_sigmoid(a_real) - 1) / N - x_fake.T @ _sigmoid(a_fake) / M
        if "dw" in wrong and np.allclose(got[1], flipped, rtol=1e-9):
            raise AssertionError(f"dw: the fakes' term has a + sign: d/da [−log(1 − σ(a))] = +σ(a) ({case})")
        raise AssertionError(f"{', '.join(wrong)} differ from PyTorch's autograd ({case}); the others are right")


def _generator_torch(z, A, c, w, b):
    import torch
    import torch.nn.functional as F

    At, ct = torch.tensor(A, requires_grad=True), torch.tensor(c, requires_grad=True)
    fake = torch.tensor(z) @ At + ct
    loss = F.softplus(-(fake @ torch.tensor(w) + b)).mean()
    loss.backward()
    return loss.item(), At.grad.numpy(), ct.grad.numpy()


@exercise("10.generator_grads",
          hints=("Chain rule in two hops: from the loss to the fakes x̃ = G(z) (through D), then from x̃ to A and c "
                 "(through G). D's weights are fixed.",
                 "At the fakes: dL/da = (σ(a) − 1) / N and a = x̃·w + b, so the feedback is dL/dx̃ = (dL/da) wᵀ, shape "
                 "(N, d). Then x̃ = z A + c is a linear layer.",
                 "feedback = np.outer(da, w); dA = zᵀ feedback; dc = feedback.sum(axis=0)."))
def _generator_grads(answer):
    forbid(answer, {"torch": "compute the gradients with NumPy (PyTorch is the referee)"})
    rng = np.random.default_rng()
    for N, k, d in [(5, 2, 3), (3, 4, 2), (1, 1, 1), (6, 3, 5)]:
        z, A, c = rng.normal(size=(N, k)), rng.normal(size=(k, d)), rng.normal(size=d)
        w, b = rng.normal(size=d), float(rng.normal())
        got = tuple_answer(answer(z.copy(), A.copy(), c.copy(), w.copy(), b), 3, "a tuple (loss, dA, dc)")
        got = (float(np.asarray(got[0])), np.asarray(got[1], dtype=np.float64), np.asarray(got[2], dtype=np.float64))
        want = _generator_torch(z, A, c, w, b)
        case = f"N={N}, k={k}, d={d}"
        wrong = _check_against(got, want, ("loss", "dA", "dc"), case)
        if not wrong:
            continue
        a = (z @ A + c) @ w + b
        saturating = np.outer(-_sigmoid(a) / N, w)  # the gradient of mean log(1 − D)
        if "dA" in wrong and np.allclose(got[1], z.T @ saturating, rtol=1e-9):
            raise AssertionError(f"that is the gradient of log(1 − D(G(z))); the loss here is −log D(G(z)) ({case})")
        if "dA" in wrong and np.allclose(got[1], -want[1], rtol=1e-9):
            raise AssertionError(f"dA has the wrong sign: d/da [−log σ(a)] = σ(a) − 1, which is negative ({case})")
        raise AssertionError(f"{', '.join(wrong)} differ from PyTorch's autograd ({case}); the others are right")
