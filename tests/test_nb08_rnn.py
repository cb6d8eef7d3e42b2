"""Notebook 08's own code (what a student reads) is helpers.scratch.rnn's code, and the notebook's language-model
code agrees with PyTorch; its baselines and data helpers do what the text says; its drawing functions draw every
slider setting; every exercise's reference solution passes and common mistakes are caught."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from exercise_feedback import exercise_tests, first_hints
from torch import nn

import helpers.scratch.rnn
from helpers.exercises import check
from helpers.exercises.solutions.nb08 import SOLUTIONS
from tools.notebooks import assert_same_source, notebook_defs

NOTEBOOK = "08_rnn.ipynb"
TAUGHT = ["check_rnn", "rnn_step", "rnn_forward", "rnn_step_backward", "rnn_backward"]
NB = notebook_defs(NOTEBOOK)


def test_notebook_teaches_exactly_the_helpers_code():
    assert_same_source(NOTEBOOK, helpers.scratch.rnn, TAUGHT)


def test_every_public_helper_is_taught():
    assert set(helpers.scratch.rnn.__all__) <= set(TAUGHT)


@pytest.mark.parametrize("B,T,D,H,V", [(3, 5, 4, 6, 7), (1, 1, 2, 3, 2), (2, 12, 1, 4, 5)])
def test_char_rnn_loss_matches_torch(B, T, D, H, V):
    """The notebook's whole-model loss and gradients (RNN + head + cross-entropy) equal PyTorch's."""
    torch.manual_seed(B + T)
    rng = np.random.default_rng(B * T)
    x, h0, y = rng.normal(size=(B, T, D)), rng.normal(size=(B, H)), rng.integers(0, V, size=(B, T))
    rnn, head = nn.RNN(D, H, batch_first=True, dtype=torch.float64), nn.Linear(H, V, dtype=torch.float64)
    params = {"W_xh": rnn.weight_ih_l0, "W_hh": rnn.weight_hh_l0, "b": rnn.bias_ih_l0 + rnn.bias_hh_l0,
              "W_hy": head.weight, "b_y": head.bias}
    params = {k: v.detach().numpy().copy() for k, v in params.items()}
    loss, grads, h_T = NB.char_rnn_loss(params, x, y, h0)
    h0_t = torch.tensor(h0[None], requires_grad=True)
    out, hT_t = rnn(torch.tensor(x), h0_t)
    loss_t = F.cross_entropy(head(out).reshape(B * T, V), torch.tensor(y).reshape(B * T))
    loss_t.backward()
    assert abs(loss - loss_t.item()) < 1e-12
    np.testing.assert_allclose(h_T, hT_t[0].detach().numpy(), rtol=1e-10, atol=1e-13)
    for ours, theirs in [(grads["W_xh"], rnn.weight_ih_l0.grad), (grads["W_hh"], rnn.weight_hh_l0.grad),
                         (grads["b"], rnn.bias_hh_l0.grad), (grads["W_hy"], head.weight.grad),
                         (grads["b_y"], head.bias.grad), (grads["h0"], h0_t.grad[0])]:
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-8, atol=1e-13)


def test_adam_update_matches_torch_adam():
    rng = np.random.default_rng(0)
    params = {"w": rng.normal(size=(3, 4)), "b": rng.normal(size=3)}
    tensors = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in params.items()}
    opt = torch.optim.Adam(tensors.values(), lr=1e-2)
    state = {}
    for _ in range(5):
        grads = {k: rng.normal(size=v.shape) for k, v in params.items()}
        NB.adam_update(params, grads, state, 1e-2)
        for k, t in tensors.items():
            t.grad = torch.tensor(grads[k])
        opt.step()
    for k in params:
        np.testing.assert_allclose(params[k], tensors[k].detach().numpy(), rtol=1e-10, atol=1e-12)


def test_encode_names_frames_each_name_and_pads():
    X, Y = NB.encode_names(["emma", "al"])
    ids = {c: i for i, c in enumerate(NB.NAME_CHARS)}
    assert X.shape == Y.shape == (2, 5)
    assert X[0].tolist() == [0, ids["e"], ids["m"], ids["m"], ids["a"]]
    assert Y[0].tolist() == [ids["e"], ids["m"], ids["m"], ids["a"], 0]
    assert X[1].tolist() == [0, ids["a"], ids["l"], 0, 0] and Y[1].tolist() == [ids["a"], ids["l"], 0, NB.PAD, NB.PAD]


def test_bigram_model_counts_with_add_one_and_rows_sum_to_one():
    prev, nxt = np.array([0, 0, 1, 1, 1]), np.array([1, 1, 0, 2, 2])
    P = NB.bigram_model(prev, nxt, 3)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    np.testing.assert_allclose(P[0], [1 / 5, 3 / 5, 1 / 5])  # counts 0, 2, 0 plus one each, over 2 + 3
    assert NB.nats_per_char(np.full((3, 3), 1 / 3), prev, nxt) == pytest.approx(math.log(3))


def test_chunk_reads_consecutive_windows():
    ids = np.arange(100)
    x, y = NB.chunk(ids, np.array([0, 50]), 2, 5)
    assert x.tolist() == [[10, 11, 12, 13, 14], [60, 61, 62, 63, 64]] and (y == x + 1).all()


def _model():
    torch.manual_seed(0)
    return NB.CharRNN(NB.V_NAMES)


def test_char_rnn_shapes_and_parameter_count():
    model = _model()
    logits, h = model(torch.zeros(3, 7, dtype=torch.long))
    assert logits.shape == (3, 7, NB.V_NAMES) and h.shape == (1, 3, NB.HIDDEN)
    assert sum(p.numel() for p in model.parameters()) == SOLUTIONS["08.param_count"]


def test_sampling_is_seeded_and_stops_at_the_end_token():
    model = _model()
    NB.sample.__globals__["device"] = torch.device("cpu")
    a = NB.name_samples(model, 5, temperature=1.0, seed=3)
    assert a == NB.name_samples(model, 5, temperature=1.0, seed=3)
    assert len(a) == 5 and all("." not in s and len(s) <= 20 for s in a)
    cold = NB.sample(model, [0], 4, 10, temperature=1e-3, seed=0)  # almost greedy: every draw the same
    assert all(s == cold[0] for s in cold)


def test_held_out_loss_skips_padding():
    model = _model()
    X, Y = NB.encode_names(["anna", "bo"])
    logits, _ = model(torch.tensor(X))
    mask = Y != NB.PAD
    manual = F.cross_entropy(logits[torch.tensor(mask)], torch.tensor(Y[mask])).item()
    assert NB.held_out_loss(model, X, Y) == pytest.approx(manual, rel=1e-6)


def test_scaled_to_radius_and_gradient_norms():
    rng = np.random.default_rng(0)
    W = NB.scaled_to_radius(rng.normal(size=(6, 6)), 0.7)
    assert np.abs(np.linalg.eigvals(W)).max() == pytest.approx(0.7)
    x, g = rng.normal(size=(2, 10, 3)), rng.normal(size=(2, 6))
    W_in = rng.normal(size=(6, 3)) * 0.1
    small = NB.state_gradient_norms(NB.scaled_to_radius(W, 0.5), W_in, x, g)
    large = NB.state_gradient_norms(NB.scaled_to_radius(W, 2.5), W_in, x, g)
    assert small.shape == (10,) and small[-1] == pytest.approx(np.linalg.norm(g, axis=1).mean())
    assert small[0] < 1e-2 * small[-1] and large[0] > large[-1]


def test_temperature_widget_draws_every_setting():
    from helpers.widgets import dropdown, slider, sweep

    NB.draw_temperature.__globals__["name_model"] = _model()
    NB.draw_temperature.__globals__["device"] = torch.device("cpu")
    controls = {"prefix": dropdown("prefix", NB.PREFIXES),
                "temperature": slider("temperature", 1.0, 0.2, 3.0, step=0.1)}
    results = sweep(NB.draw_temperature, controls, figsize=(9, 3.4))
    assert len(results) == len(NB.PREFIXES) + 2
    assert all(text.startswith("samples: ") and text.count(",") == 7 for text in results.values())


def test_gradient_norm_widget_draws_every_setting():
    from helpers.widgets import slider, sweep

    rng = np.random.default_rng(0)
    NB.draw_gradient_norms.__globals__["grad_norms"] = {r: np.exp(rng.normal(size=60)) * r for r in NB.RADII}
    NB.draw_gradient_norms.__globals__["default_radius"] = 0.61  # as measured in the notebook
    sweep(NB.draw_gradient_norms, {"radius": slider("radius", 1.0, 0.5, 2.5, step=0.1)}, figsize=(6.5, 4))
    import matplotlib.pyplot as plt

    for radius in (0.5, 1.23, 2.5):  # the thick line is the run at the radius nearest the slider's
        fig, ax = plt.subplots()
        NB.draw_gradient_norms(ax, radius)
        nearest = NB.RADII[np.argmin(np.abs(NB.RADII - radius))]
        chosen = ax.get_lines()[-1]
        np.testing.assert_array_equal(chosen.get_ydata(), NB.draw_gradient_norms.__globals__["grad_norms"][nearest])
        assert f"radius {nearest:.1f}" in ax.get_title()
        default = [line for line in ax.get_lines() if "default start" in line.get_label()]
        assert len(default) == 1 and "radius 0.6" in default[0].get_label()  # nn.RNN's start, on the 0.1 grid
        np.testing.assert_array_equal(default[0].get_ydata(), NB.draw_gradient_norms.__globals__["grad_norms"][0.6])
        plt.close(fig)


def test_bptt_figure_draws_both_gradient_paths_in_red():
    import matplotlib.pyplot as plt

    for T in (1, 4):
        fig, ax = plt.subplots()
        NB.draw_bptt(ax, T)
        red = [a for a in ax.texts if getattr(a, "arrow_patch", None) is not None
               and a.arrow_patch.get_edgecolor()[:3] == plt.matplotlib.colors.to_rgb("#d62728")]
        assert len(red) == 2 * T - 1  # one from each output, one from each next state (the last state has none)
        plt.close(fig)


def test_bits_and_perplexity():
    bits, perplexity = NB.bits_and_perplexity(np.log(27))
    assert np.isclose(perplexity, 27) and np.isclose(bits, np.log2(27))


def test_layer_weights_reads_one_layer_or_direction():
    rnn = torch.nn.RNN(3, 4, num_layers=2, bidirectional=True, batch_first=True)
    W_xh, W_hh, b = NB.layer_weights(rnn, "l1_reverse")
    assert W_xh.shape == (4, 8) and W_hh.shape == (4, 4)  # layer 2 reads both directions of layer 1: 2H inputs
    np.testing.assert_allclose(b, (rnn.bias_ih_l1_reverse + rnn.bias_hh_l1_reverse).detach().numpy())


def test_stubs_count_as_not_attempted(capsys):
    def stub(*args):
        ...  # your code here

    for key, answer in [("08.param_count", ...), ("08.temperature_shares", {0.5: ..., 1.0: ..., 1.5: ...}),
                        ("08.temperature_shares", ...), ("08.clip_grad_norm", stub), ("08.truncated_bptt", stub)]:
        assert check(key, answer) is False
        assert "not attempted yet" in capsys.readouterr().out


def _truncated(K_used=None, transpose=False):
    """truncated_dW_hh with one deliberate mistake: K_used(K, T) steps instead of K, or the result transposed."""
    def answer(x, h0, W_xh, W_hh, b, g, K):
        T = x.shape[1]
        hs = [h0]
        for t in range(T):
            hs.append(np.tanh(x[:, t] @ W_xh.T + hs[-1] @ W_hh.T + b))
        steps = K if K_used is None else K_used(K, T)
        dW_hh, dh = np.zeros_like(W_hh), g
        for t in range(T, T - steps, -1):
            da = dh * (1 - hs[t] ** 2)
            dW_hh += da.T @ hs[t - 1]
            dh = da @ W_hh
        return dW_hh.T if transpose else dW_hh
    return answer


def _global_norm(grads):
    return np.sqrt(sum((g ** 2).sum() for g in grads.values()))


WRONG = [
    ("08.param_count", SOLUTIONS["08.param_count"] - 128, "one bias vector short"),
    ("08.param_count", SOLUTIONS["08.param_count"] - 27 * 32, "left out the embedding"),
    ("08.param_count", SOLUTIONS["08.param_count"] - 27, "head Linear(128, 27) has one bias"),
    ("08.param_count", SOLUTIONS["08.param_count"] - 128 * 128, "left out W_hh"),
    ("08.param_count", 12345, "is not the count"),
    ("08.param_count", "25083", "answer with an int"),
    ("08.temperature_shares", {0.5: 0.05, 1.0: 0.19, 1.5: 0.56}, "RISE with the temperature"),
    ("08.temperature_shares", {0.5: 168, 1.0: 57, 1.5: 15}, "not a count"),
    ("08.temperature_shares", {0.5: 0.19, 1.0: 0.19, 1.5: 0.19}, "three shares are equal"),
    ("08.temperature_shares", {0.5: 0.5, 1.0: 0.5, 1.5: 0.1}, "should fall at every step"),
    ("08.temperature_shares", {0.5: 0.1, 1.0: 0.05, 1.5: 0.01}, "far from what this model gives"),
    ("08.temperature_shares", {0.5: 0.3 - 0.01, 1.0: 0.2, 1.5: 0.1}, "at temperature 0.5"),
    ("08.temperature_shares", {0.5: 0.5, 1.0: 0.4, 1.5: 0.1}, "at temperature 1.0"),
    ("08.temperature_shares", {0.5: -0.5, 1.0: -0.6, 1.5: -0.7}, "cannot be negative"),
    ("08.temperature_shares", {0.5: 0.56, 1.0: 0.19}, "no entry for [1.5]"),
    ("08.temperature_shares", [0.56, 0.19, 0.05], "answer with a dict"),
    ("08.clip_grad_norm", lambda g, c: {k: np.clip(v, -c, c) for k, v in g.items()}, "np.clip caps each ENTRY"),
    ("08.clip_grad_norm",
     lambda g, c: {k: v * min(1.0, c / np.linalg.norm(v)) for k, v in g.items()}, "each array was clipped on its own"),
    ("08.clip_grad_norm", lambda g, c: {k: v * c / _global_norm(g) for k, v in g.items()}, "already below max_norm"),
    ("08.clip_grad_norm",
     lambda g, c: {k: v * min(1.0, c / sum((w ** 2).sum() for w in g.values())) for k, v in g.items()},
     "wrong result for a global norm"),
    ("08.clip_grad_norm", lambda g, c: list(g.values()), "return a dict"),
    ("08.clip_grad_norm", lambda g, c: {k: v.ravel() for k, v in g.items()}, "should keep its shape"),
    ("08.truncated_bptt", _truncated(K_used=lambda K, T: min(K + 1, T)), "K + 1"),
    ("08.truncated_bptt", _truncated(K_used=lambda K, T: max(K - 1, 0)), "K − 1"),
    ("08.truncated_bptt", _truncated(K_used=lambda K, T: T), "full BPTT"),
    ("08.truncated_bptt", _truncated(transpose=True), "transposed"),
    ("08.truncated_bptt", lambda x, h0, W_xh, W_hh, b, g, K: W_hh[:1], "should have shape"),
    ("08.truncated_bptt", lambda x, h0, W_xh, W_hh, b, g, K: np.zeros_like(W_hh), "differs from PyTorch"),
    ("08.truncated_bptt", lambda x, h0, W_xh, W_hh, b, g, K: torch.zeros(1), "uses torch"),
]


(test_reference_solutions_pass, test_wrong_answers_are_rejected_with_a_hint,
 test_every_checker_has_wrong_answers) = exercise_tests(SOLUTIONS, WRONG)


def test_first_hints_do_not_give_the_answer_away():
    firsts = first_hints("08", SOLUTIONS)
    assert str(SOLUTIONS["08.param_count"]) not in firsts["08.param_count"] and "128" not in firsts["08.param_count"]
    assert "fall" not in firsts["08.temperature_shares"] and "real ones" not in firsts["08.temperature_shares"]
    assert "sqrt" not in firsts["08.clip_grad_norm"] and "min(" not in firsts["08.clip_grad_norm"]
    assert "da" not in firsts["08.truncated_bptt"] and "T − K + 1" not in firsts["08.truncated_bptt"]
