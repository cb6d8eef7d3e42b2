"""Notebook 10's own code (what a student reads): Adam is notebook 04's (tested there), the DCGAN and the judge are
helpers.models'; the NumPy GAN updates equal PyTorch's (also with packing), the ring metrics measure what the text
says, the NumPy generator equals the PyTorch one, the sliders' figures change; every exercise's reference solution
passes and common mistakes are caught with a hint."""





import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from exercise_feedback import exercise_tests, first_hints

import helpers.models
import helpers.scratch.optim
from helpers import data
from helpers.exercises import check
from helpers.exercises.solutions.nb10 import SOLUTIONS, discriminator_grads, generator_grads
from helpers.widgets import dropdown, int_slider, slider, sweep
from tools.notebooks import assert_same_source, notebook_defs

NOTEBOOK = "10_gan.ipynb"
NB = notebook_defs(NOTEBOOK)


def test_notebook_teaches_exactly_the_helpers_code():
    assert NB.Adam is helpers.scratch.optim.Adam  # imported, not taught again: notebook 04 teaches it
    assert_same_source(NOTEBOOK, helpers.models.dcgan, ["Generator", "make_discriminator"])
    assert_same_source(NOTEBOOK, helpers.models.cnn, ["make_cnn"])
    assert NB.Z_DIM == helpers.models.Z_DIM


def test_the_judge_is_notebook_05s_cnn():
    assert_same_source("05_cnn.ipynb", helpers.models.cnn, ["make_cnn"])


def test_every_public_helper_is_taught():
    # Bert, BertLayer and BertPretraining are notebook 12's (tests/test_nb12_bert.py); Conv1D, GPTBlock and GPT are
    # notebook 13's (tests/test_nb13_gpt.py)
    assert set(helpers.models.__all__) == {"make_cnn", "Z_DIM", "Generator", "make_discriminator", "Bert", "BertLayer",
                                           "BertPretraining", "Conv1D", "GPTBlock", "GPT"}


# ---------------------------------------------------------------------------------------------------------------
# The ring and the NumPy GAN


def test_ring_samples_sit_on_the_modes():
    x = NB.sample_ring(4000, np.random.default_rng(0))
    assert x.shape == (4000, 2)
    np.testing.assert_allclose(np.linalg.norm(NB.MODES, axis=1), NB.RADIUS)
    dist = np.linalg.norm(x[:, None] - NB.MODES[None], axis=2).min(axis=1)
    assert abs(np.sqrt(np.mean(dist**2) / 2) - NB.SIGMA) < 0.002  # the noise has standard deviation SIGMA


def test_ring_quality_counts_modes_and_high_quality_samples():
    rng = np.random.default_rng(0)
    modes, hq = NB.ring_quality(NB.sample_ring(20_000, rng))
    assert modes == 8 and abs(hq - (1 - np.exp(-4.5))) < 0.003  # P(beyond 3σ) in 2-D is e^(-9/2)
    one_mode = NB.MODES[3] + NB.SIGMA * rng.normal(size=(2500, 2)) * 0.5
    assert NB.ring_quality(one_mode) == (1, 1.0)  # collapse: every sample good, one mode
    between = NB.RADIUS * np.stack([np.cos(np.pi / 8 + np.arange(8) * np.pi / 4),
                                    np.sin(np.pi / 8 + np.arange(8) * np.pi / 4)], axis=1)  # halfway between modes
    assert NB.ring_quality(np.repeat(between, 300, axis=0)) == (0, 0.0)
    # 24 high-quality samples at a mode do not cover it, 25 do (1 % of 2,500)
    few = np.concatenate([np.repeat(NB.MODES[:1], 24, axis=0), np.repeat(between[:1], 2476, axis=0)])
    assert NB.ring_quality(few)[0] == 0
    few[24] = NB.MODES[0]
    assert NB.ring_quality(few) == (1, 0.01)
    # the boundary: within 3 standard deviations is high-quality
    edge = NB.MODES[:1] + np.array([[2.9 * NB.SIGMA, 0], [3.1 * NB.SIGMA, 0]])
    assert NB.ring_quality(edge, min_count=1) == (1, 0.5)


def test_softplus_and_the_losses_do_not_overflow():
    a = np.array([[-1000.0], [0.0], [1000.0]])
    np.testing.assert_allclose(NB.softplus(a)[:, 0], [0.0, np.log(2), 1000.0])
    loss, da_real, da_fake = NB.discriminator_loss(a, a)
    assert np.isfinite(loss) and np.all(np.isfinite(da_real)) and np.all(np.isfinite(da_fake))


@pytest.mark.parametrize("k", [1, 2, 4])
def test_numpy_gan_steps_match_torch(k):
    """One D step and one G step with packing k, against autograd and torch.optim.Adam (float64)."""
    rng = np.random.default_rng(k)
    G, D = NB.generator(rng, hidden=8), NB.discriminator(rng, k, hidden=8)
    G_t, D_t = NB.to_torch_mlp(G), NB.to_torch_mlp(D)
    real = NB.sample_ring(6 * k, rng)
    z_d, z_g = rng.normal(size=(6 * k, NB.Z_RING)), rng.normal(size=(6 * k, NB.Z_RING))
    NB.discriminator_step(G, D, NB.Adam(D, 0.01, (0.5, 0.999)), real, z_d, k)
    dD = [g.copy() for _, g in D.parameters()]
    _, feedback = NB.generator_step(G, D, NB.Adam(G, 0.01, (0.5, 0.999)), z_g, k)
    dG = [g.copy() for _, g in G.parameters()]

    opt_D, opt_G = torch.optim.Adam(D_t.parameters(), 0.01, (0.5, 0.999)), torch.optim.Adam(G_t.parameters(), 0.01,
                                                                                            (0.5, 0.999))
    a_real = D_t(torch.tensor(real).reshape(6, 2 * k))
    a_fake = D_t(G_t(torch.tensor(z_d)).detach().reshape(6, 2 * k))
    (F.softplus(-a_real).mean() + F.softplus(a_fake).mean()).backward()
    for ours, theirs in zip(dD, NB.in_our_layout(p.grad for p in D_t.parameters()), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-14)  # the gradients, not only Adam's signs
    opt_D.step()
    fake = G_t(torch.tensor(z_g))
    fake.retain_grad()
    opt_G.zero_grad()
    F.softplus(-D_t(fake.reshape(6, 2 * k))).mean().backward()
    for ours, theirs in zip(dG, NB.in_our_layout(p.grad for p in G_t.parameters()), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-14)
    opt_G.step()
    for ours, theirs in ((D, D_t), (G, G_t)):
        for (p, _), q in zip(ours.parameters(), NB.in_our_layout(theirs.parameters()), strict=True):
            np.testing.assert_allclose(p, q, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(feedback, fake.grad.numpy(), rtol=1e-9, atol=1e-14)


def test_pack_puts_k_samples_side_by_side():
    x = np.arange(12.0).reshape(6, 2)
    assert np.array_equal(NB.pack(x, 1), x)
    assert np.array_equal(NB.pack(x, 3), [[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11]])


def test_short_training_moves_the_samples_to_the_ring_and_snapshots_fit_the_slider():
    """A few hundred steps: the samples leave the centre for the ring; snapshots hold points and (k = 1) D's surface."""
    G, D, snaps = NB.train_ring_gan(k=1, steps=300, batch=64)
    assert len(snaps) == 2 and snaps[0][0].shape == (500, 2) and snaps[0][1].shape == (len(NB.GRID),) * 2
    start, end = (np.linalg.norm(s[0], axis=1).mean() for s in (snaps[0], snaps[-1]))
    assert abs(end - NB.RADIUS) < 0.5 < abs(start - NB.RADIUS)
    _, _, packed = NB.train_ring_gan(k=2, steps=10, batch=8)
    assert packed[0][1] is None


def test_ring_slider_changes_the_figure():
    rng = np.random.default_rng(0)
    snaps = [(rng.normal(size=(500, 2)) * s, rng.uniform(size=(len(NB.GRID),) * 2)) for s in (0.1, 1.0, 2.0)]
    NB.draw_training.__globals__.update(plain_snaps=snaps, packed_snaps=[(p, None) for p, _ in snaps])
    controls = {"snapshot_index": int_slider("snapshot", 2, 0, 2)}
    sweep(NB.draw_training, controls, figsize=(13, 5.5), ncols=2)  # raises if an end draws nothing or no change


# ---------------------------------------------------------------------------------------------------------------
# The DCGAN, the judge and the shipped checkpoints


def test_dcgan_shapes_and_numpy_generator_equals_torch():
    torch.manual_seed(0)
    G, D = NB.Generator(), NB.make_discriminator()
    z = torch.randn(5, NB.Z_DIM)
    assert G(z).shape == (5, 1, 28, 28) and D(G(z)).shape == (5, 1)
    G = G.double()
    with torch.no_grad():  # batch norm's running statistics, made non-trivial
        for m in G.modules():
            if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
                m.running_mean.normal_()
                m.running_var.uniform_(0.5, 2.0)
                m.weight.normal_()
                m.bias.normal_()
    G.eval()
    with torch.no_grad():
        ref = G(z.double()).numpy()
    np.testing.assert_allclose(NB.generator_numpy(G, z.double().numpy()), ref, rtol=1e-9, atol=1e-12)


def test_dcgan_step_updates_both_networks_and_detach_keeps_d_step_off_g():
    torch.manual_seed(0)
    G, D = NB.Generator(), NB.make_discriminator()
    opt_G, opt_D = torch.optim.Adam(G.parameters(), 1e-3), torch.optim.Adam(D.parameters(), 1e-3)
    g_before = [p.detach().clone() for p in G.parameters()]
    d_before = [p.detach().clone() for p in D.parameters()]
    loss_D, loss_G = NB.dcgan_step(G, D, opt_G, opt_D, torch.rand(8, 1, 28, 28))
    assert np.isfinite(loss_D) and np.isfinite(loss_G)
    assert all(not torch.equal(a, b) for a, b in zip(g_before, G.parameters(), strict=True) if a.numel() > 1)
    assert all(not torch.equal(a, b) for a, b in zip(d_before, D.parameters(), strict=True) if a.numel() > 1)


def test_shipped_checkpoints_load_into_the_notebooks_models():
    judge = helpers.models.make_cnn()
    judge.load_state_dict(data.load("mnist_cnn"))
    G = helpers.models.Generator()
    G.load_state_dict(data.load("dcgan_generator"))
    sizes = {n: data.path(n).stat().st_size for n in ("mnist_cnn", "dcgan_generator")}
    assert sizes["dcgan_generator"] <= 2_000_000 and sizes["mnist_cnn"] <= 2_000_000, sizes


def test_judge_samples_histogram_and_entropy():
    class Fixed(torch.nn.Module):  # a "generator" that returns 1,000 given images
        def __init__(self, images):
            super().__init__()
            self.images = images

        def forward(self, z):
            return self.images[: len(z)]

    mnist = data.load("mnist")
    judge = helpers.models.make_cnn()
    judge.load_state_dict(data.load("mnist_cnn"))
    judge.eval()
    NB.judge_samples.__globals__.update(judge=judge)
    real = torch.tensor(mnist.X_test[:1000] / 255.0, dtype=torch.float32)[:, None]
    confident, hist, spread = NB.judge_samples(Fixed(real), z=torch.zeros(1000, NB.Z_DIM))
    assert hist.shape == (10,) and abs(hist.sum() - 1) < 1e-12
    assert confident > 0.9 and spread > 0.97  # real test digits: confident and spread over all classes
    ones = real[torch.tensor(mnist.y_test[:1000] == 1)].repeat(10, 1, 1, 1)[:1000]
    confident, hist, spread = NB.judge_samples(Fixed(ones), z=torch.zeros(1000, NB.Z_DIM))
    assert hist[1] > 0.95 and spread < 0.1  # a collapsed generator: one class, entropy near 0


def test_dcgan_sliders_change_the_figure():
    rng = np.random.default_rng(0)
    NB.draw_gan_snapshot.__globals__.update(gan_snapshots=[rng.uniform(size=(16, 28, 28)) for _ in range(3)])
    controls = {"snapshot_index": int_slider("snapshot", 2, 0, 2)}
    sweep(NB.draw_gan_snapshot, controls, figsize=(5.5, 5.5))  # raises if an end draws nothing or no change
    judge, G = helpers.models.make_cnn(), helpers.models.Generator()
    judge.load_state_dict(data.load("mnist_cnn"))
    G.load_state_dict(data.load("dcgan_generator"))
    NB.draw_latent_walk.__globals__.update(judge=judge.eval(), G_long=G, walk_pairs=torch.randn(3, 2, NB.Z_DIM))
    controls = {"pair": dropdown("walk", [("a", 0), ("b", 1), ("c", 2)]), "t": slider("t", 0.5, 0.0, 1.0, step=0.05)}
    sweep(NB.draw_latent_walk, controls, figsize=(9, 3.8), ncols=3)  # raises if a control draws nothing or does nothing


def test_diagram_and_one_d_discriminator():
    fig, ax = plt.subplots()
    NB.draw_gan(ax)
    texts = " ".join(t.get_text() for t in ax.texts)
    for word in ("generator G", "discriminator D", "noise z", "training data", "feedback"):
        assert word in texts
    plt.close(fig)
    rng = np.random.default_rng(0)
    D = NB.fit_discriminator_1d(rng.normal(1.5, 0.5, 20_000), rng.normal(-0.5, 1.0, 20_000))
    xs = np.array([-1.0, 0.5, 1.5])
    p_data, p_g = NB.gaussian_pdf(xs, 1.5, 0.5), NB.gaussian_pdf(xs, -0.5, 1.0)
    np.testing.assert_allclose(D(xs), p_data / (p_data + p_g), atol=0.03)


def test_xy_game_spirals_out_together_and_loops_in_turns():
    together, in_turns = NB.play_xy(50, 0.2, in_turns=False), NB.play_xy(50, 0.2, in_turns=True)
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.04 ** (np.arange(51) / 2), rtol=1e-12)
    # in turns the step is a linear map of determinant 1: it neither grows nor shrinks areas, and the orbit stays near 1
    radii = np.linalg.norm(in_turns, axis=1)
    assert radii.max() < 1.12 and radii.min() > 0.89


def test_divergences_on_the_line():
    p, q = NB.gaussian_pdf(NB.LINE, 0.0, 0.3), NB.gaussian_pdf(NB.LINE, 3.0, 0.3)
    assert abs(NB.js_divergence(p, p)) < 1e-12 and abs(NB.js_divergence(p, q) - np.log(2)) < 1e-6
    assert abs(NB.wasserstein_1(p, q) - 3.0) < 1e-6 and abs(NB.wasserstein_1(p, p)) < 1e-12
    wide = NB.gaussian_pdf(NB.LINE, 0.0, 0.6)  # KL of two Gaussians in closed form: log(s2/s1) + s1²/(2 s2²) − ½
    assert abs(NB.kl_divergence(p, wide) - (np.log(2) + 0.3**2 / (2 * 0.6**2) - 0.5)) < 1e-6


def test_divergence_slider_changes_the_figure():
    p_line = NB.gaussian_pdf(NB.LINE, 0.0, 0.3)
    NB.draw_divergences.__globals__.update(p_line=p_line, js_curve=np.zeros(len(NB.SHIFTS)),
                                           w1_curve=np.abs(NB.SHIFTS))
    sweep(NB.draw_divergences, {"shift": slider("shift", 2.0, -4.0, 4.0, step=0.25)}, figsize=(12, 4.2), ncols=2)


def test_frechet_distance_of_gaussians_in_closed_form():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(4000, 3)), rng.normal(size=(4000, 3))
    assert abs(NB.frechet_distance(a, a)) < 1e-9
    # diagonal covariances: ||mu1 - mu2||² + sum (s1 - s2)², from the samples' own statistics
    shifted = b * np.array([1.0, 2.0, 0.5]) + np.array([1.0, 0.0, -2.0])
    mu = a.mean(axis=0) - shifted.mean(axis=0)
    s1, s2 = a.std(axis=0, ddof=1), shifted.std(axis=0, ddof=1)
    assert abs(NB.frechet_distance(a, shifted) - (mu @ mu + np.sum((s1 - s2) ** 2))) < 0.05


def test_nearest_training_digit_finds_copies_at_distance_zero():
    rng = np.random.default_rng(0)
    train = rng.uniform(size=(50, 28, 28))
    NB.nearest_training_digit.__globals__["train_flat"] = train.reshape(50, -1)
    nearest, dist = NB.nearest_training_digit(train[[7, 3]] + np.array([0.0, 0.01])[:, None, None])
    assert list(nearest) == [7, 3] and dist[0] < 1e-6 and abs(dist[1] - 0.01 * 28) < 1e-6


# ---------------------------------------------------------------------------------------------------------------
# Exercises


def test_stubs_count_as_not_attempted(capsys):
    def stub(*args):
        ...  # your code here

    for key, answer in [("10.divergences", (..., ...)),
                        ("10.who_is_ahead", {"a": ..., "b": ..., "c": ...}), ("10.discriminator_grads", stub),
                        ("10.generator_grads", stub)]:
        assert check(key, answer) is False
        assert "not attempted yet" in capsys.readouterr().out


def _sig(z):
    return 1 / (1 + np.exp(-z))


def _d_grads(mistake):
    def answer(x_real, x_fake, w, b):
        a_r, a_f = x_real @ w + b, x_fake @ w + b
        loss = np.logaddexp(0, -a_r).mean() + np.logaddexp(0, a_f).mean()
        n_r, n_f = (1, 1) if mistake == "sums" else (len(a_r), len(a_f))
        if mistake == "one mean":
            n_r = n_f = len(a_r) + len(a_f)
        sign = -1 if mistake == "fake sign" else 1
        da_r, da_f = (_sig(a_r) - 1) / n_r, sign * _sig(a_f) / n_f
        db = da_r.sum() + da_f.sum()
        return loss, x_real.T @ da_r + x_fake.T @ da_f, (db if mistake != "no db" else 0.0)
    return answer


def _g_grads(mistake):
    def answer(z, A, c, w, b):
        a = (z @ A + c) @ w + b
        loss = np.logaddexp(0, -a).mean()
        da = -_sig(a) / len(a) if mistake == "saturating" else (_sig(a) - 1) / len(a)
        feedback = np.outer(da, w)
        if mistake == "sign":
            feedback = -feedback
        dA = z.T @ feedback if mistake != "transposed" else (z.T @ feedback).T
        return loss, dA, feedback.sum(axis=0) if mistake != "dc mean" else feedback.mean(axis=0)
    return answer


WRONG = [
    ("10.divergences", (0.0, 2.5), "EQUAL"),
    ("10.divergences", (1.0, 2.5), "in bits"),
    ("10.divergences", (1.2, 2.5), "never larger than log 2"),
    ("10.divergences", (0.5, 2.5), "takes its largest value"),
    ("10.divergences", (np.log(2), 1.5), "empty gap"),
    ("10.divergences", (np.log(2), np.log(2)), "not stuck like the JSD"),
    ("10.divergences", (np.log(2), 3.5), "move by how much"),
    ("10.divergences", 0.69, "a tuple (jsd, w1)"),
    ("10.who_is_ahead", {"a": "G", "b": "neither", "c": "G"}, "bad news for its owner"),
    ("10.who_is_ahead", {"a": "D", "b": "neither", "c": "D"}, "the fakes pass"),
    ("10.who_is_ahead", {"a": "D", "b": "D", "c": "G"}, "when D says ½ to everything"),
    ("10.who_is_ahead", {"a": "neither", "b": "neither", "c": "G"}, "which player has the small loss"),
    ("10.who_is_ahead", {"a": "D", "b": "neither", "c": "neither"}, "below its coin value"),
    ("10.who_is_ahead", {"a": "d", "b": "neither", "c": "G"}, "answer with one of"),
    ("10.who_is_ahead", {"a": "D", "b": "neither"}, "no entry for ['c']"),
    ("10.discriminator_grads", _d_grads("sums"), "MEAN over its own batch"),
    ("10.discriminator_grads", _d_grads("fake sign"), "+ sign"),
    ("10.discriminator_grads", _d_grads("one mean"), "differ from PyTorch"),
    ("10.discriminator_grads", _d_grads("no db"), "db differ"),
    ("10.discriminator_grads", lambda x_real, x_fake, w, b: (0.0, w), "a tuple (loss, dw, db)"),
    ("10.discriminator_grads", lambda x_real, x_fake, w, b: torch.zeros(3), "uses torch"),
    ("10.generator_grads", _g_grads("saturating"), "log(1 − D(G(z)))"),
    ("10.generator_grads", _g_grads("sign"), "wrong sign"),
    ("10.generator_grads", _g_grads("dc mean"), "dc differ"),
    ("10.generator_grads", _g_grads("transposed"), "dA should have shape"),
    ("10.generator_grads", lambda z, A, c, w, b: torch.zeros(3), "uses torch"),
]


(test_reference_solutions_pass, test_wrong_answers_are_rejected_with_a_hint,
 test_every_checker_has_wrong_answers) = exercise_tests(SOLUTIONS, WRONG)


def test_first_hints_do_not_give_the_answer_away():
    firsts = first_hints("10", SOLUTIONS)
    assert "log 2" not in firsts["10.divergences"] and "2.5" not in firsts["10.divergences"]
    assert "ahead" not in firsts["10.who_is_ahead"] and "\"D\"" not in firsts["10.who_is_ahead"]
    assert "σ(a) − 1" not in firsts["10.discriminator_grads"]
    assert "np.outer" not in firsts["10.generator_grads"] and "σ(a) − 1" not in firsts["10.generator_grads"]


def test_solutions_agree_with_the_notebooks_code():
    """The reference gradients equal the notebook's discriminator_loss / generator_loss chained by hand."""
    rng = np.random.default_rng(0)
    x_real, x_fake, w, b = rng.normal(size=(5, 3)), rng.normal(size=(4, 3)), rng.normal(size=3), 0.3
    a_r, a_f = (x_real @ w + b)[:, None], (x_fake @ w + b)[:, None]
    loss, da_r, da_f = NB.discriminator_loss(a_r, a_f)
    got = discriminator_grads(x_real, x_fake, w, b)
    np.testing.assert_allclose(got[0], loss, rtol=1e-12)
    np.testing.assert_allclose(got[1], x_real.T @ da_r[:, 0] + x_fake.T @ da_f[:, 0], rtol=1e-12)
    z, A, c = rng.normal(size=(6, 2)), rng.normal(size=(2, 3)), rng.normal(size=3)
    loss, da = NB.generator_loss(((z @ A + c) @ w + b)[:, None])
    got = generator_grads(z, A, c, w, b)
    np.testing.assert_allclose(got[0], loss, rtol=1e-12)
    np.testing.assert_allclose(got[2], (da * w).sum(axis=0), rtol=1e-12)
