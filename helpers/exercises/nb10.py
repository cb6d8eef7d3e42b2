"""Checkers for notebook 10 (generative adversarial networks)."""

import numpy as np

from helpers.exercises import dict_answer, exercise, forbid, number_answer, tuple_answer


@exercise("10.divergences",
          hints=("Draw the two boxes on a line. Do they overlap? What does the JSD say about two distributions that "
                 "share no point, and what does W1 measure?",
                 "Where p_data > 0 the fakes' density is 0 and the other way round, so the mixture m = (p + q) / 2 is "
                 "p / 2 on one box and q / 2 on the other: each KL term is log 2. W1 is the cost of moving all the "
                 "mass.",
                 "Every grain of the real box has to travel to the same place in the fake box: how far is that?"))
def _divergences(answer):
    jsd, w1 = (number_answer(v, name) for v, name in zip(
        tuple_answer(answer, 2, "a tuple (jsd, w1) of two numbers"), ("the JSD in nats", "W1"), strict=True))
    if abs(jsd) < 1e-9:
        raise AssertionError("a JSD of 0 means the two distributions are EQUAL; these do not even overlap")
    if abs(jsd - 1.0) < 1e-9:
        raise AssertionError("1 is the largest JSD in bits (log base 2); the question asks for nats (natural log)")
    if jsd > np.log(2) + 1e-9:
        raise AssertionError("the JSD is never larger than log 2 (two distributions with nothing in common)")
    assert abs(jsd - np.log(2)) < 1e-3, (f"JSD {jsd}: the boxes do not overlap, so the JSD takes its largest value; "
                                         "which is it?")
    if abs(w1 - 1.5) < 1e-9:
        raise AssertionError("1.5 is the empty gap between the boxes; W1 moves every grain of mass, each by the "
                             "whole shift")
    if abs(w1 - np.log(2)) < 1e-3:
        raise AssertionError("W1 is not stuck like the JSD: it is a distance along the line, in units of x")
    assert abs(w1 - 2.5) < 1e-9, f"W1 = {w1}: the real box has to move by how much to become the fake box?"


@exercise("10.who_is_ahead",
          hints=("First recall the losses when D says ½ to everything: L_D = 2 log 2 ≈ 1.39 and L_G = log 2 ≈ 0.69 "
                 "(section 8's dotted lines).",
                 "L_G = mean(−log D(G(z))): above log 2 means D(G(z)) is below ½ on average (fakes caught), below "
                 "log 2 means most fakes pass as real. L_D below 2 log 2 means D does better than a coin.",
                 "Check each pair against both lines: a low L_D with a high L_G is one player winning, a high L_D "
                 "with a low L_G the other."))
def _who_is_ahead(answer):
    got = dict_answer(answer, ("a", "b", "c"), '{"a": "D", "b": ..., "c": ...}')
    valid = {"D", "G", "neither"}
    for run, verdict in got.items():
        if verdict not in valid:
            raise AssertionError(f"run {run}: answer with one of \"D\", \"G\" or \"neither\", got {verdict!r}")
    if got["a"] == "G":
        raise AssertionError("run (a): L_G = 3.2 means D(G(z)) is about e^−3.2 ≈ 0.04 for a typical fake: a large "
                             "loss is bad news for its owner")
    if got["c"] == "D":
        raise AssertionError("run (c): L_D = 1.60 is worse than a coin's 1.39, and L_G = 0.45 < log 2 means "
                             "D(G(z)) > ½: the fakes pass")
    if got["b"] != "neither":
        raise AssertionError("run (b): compare both losses with their values when D says ½ to everything")
    assert got["a"] == "D", "run (a): which player has the small loss?"
    assert got["c"] == "G", "run (c): which player's loss is below its coin value?"


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
