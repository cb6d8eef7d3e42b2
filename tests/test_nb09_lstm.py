"""Notebook 09's own code (what a student reads) is helpers.scratch.lstm's code; its other functions (the adding
problem, the models, the gradient measurement, the cell-state heatmap) do what the text says; every exercise's
reference solution passes and common mistakes are caught with a hint."""

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from exercise_feedback import exercise_tests, first_hints
from torch import nn

import helpers.scratch.lstm
from helpers.exercises import check
from helpers.exercises.solutions.nb09 import SOLUTIONS, coupled_lstm_step, gru_step_backward
from helpers.widgets import int_slider, sweep
from tools.notebooks import assert_same_source, notebook_defs

NOTEBOOK = "09_lstm.ipynb"
TAUGHT = ["check_lstm", "fuse_lstm_weights", "lstm_step", "lstm_step_backward", "lstm_forward",
          "lstm_backward", "check_gru", "gru_forward"]
NB = notebook_defs(NOTEBOOK)


def test_notebook_teaches_exactly_the_helpers_code():
    assert_same_source(NOTEBOOK, helpers.scratch.lstm, TAUGHT)


def test_every_public_helper_is_taught():
    assert set(helpers.scratch.lstm.__all__) <= set(TAUGHT)


@pytest.mark.parametrize("shape", [(2, 5, 3, 4), (1, 1, 1, 1), (3, 8, 2, 6)], ids=str)
def test_the_notebook_lstm_matches_torch(shape):
    B, T, D, H = shape
    torch.manual_seed(0)
    rng = np.random.default_rng(sum(shape))
    lstm = nn.LSTM(D, H, batch_first=True).double()
    x = torch.tensor(rng.normal(size=(B, T, D)), requires_grad=True)
    hs_ref, (hT, cT) = lstm(x)
    dhs = rng.normal(size=(B, T, H))
    ((hs_ref * torch.tensor(dhs)).sum() + cT.sum()).backward()
    W, b = NB.fuse_lstm_weights(*(p.detach().numpy() for p in (lstm.weight_ih_l0, lstm.weight_hh_l0,
                                                                lstm.bias_ih_l0, lstm.bias_hh_l0)))
    zeros = np.zeros((B, H))
    hs, (h_T, c_T), cache = NB.lstm_forward(x.detach().numpy(), zeros, zeros, W, b)
    np.testing.assert_allclose(hs, hs_ref.detach().numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(c_T, cT[0].detach().numpy(), rtol=1e-9, atol=1e-12)
    dx, _, _, dW, db = NB.lstm_backward(dhs, None, np.ones((B, H)), cache)
    np.testing.assert_allclose(dx, x.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(dW[D:].T, lstm.weight_hh_l0.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(db, lstm.bias_hh_l0.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_adding_batches_follow_the_task():
    x, y = NB.adding_batch(200, torch.Generator().manual_seed(0))
    assert x.shape == (200, NB.SEQ_LEN, 2) and y.shape == (200,)
    marks, values = x[..., 1], x[..., 0] + 0.5
    assert torch.all(marks.sum(dim=1) == 2)
    half = NB.SEQ_LEN // 2
    assert torch.all(marks[:, :half].sum(dim=1) == 1) and torch.all(marks[:, half:].sum(dim=1) == 1)
    assert torch.allclose(y, (values * marks).sum(dim=1), atol=1e-6)
    assert values.min() >= 0 and values.max() <= 1
    x2, y2 = NB.adding_batch(200, torch.Generator().manual_seed(0))
    assert torch.equal(x, x2) and torch.equal(y, y2)
    assert abs(NB.BASELINE - 1 / 6) < 1e-15


def test_adder_starts_its_forget_gates_open():
    torch.manual_seed(0)
    lstm_model, rnn_model = NB.Adder(nn.LSTM), NB.Adder(nn.RNN)
    bias = lstm_model.rnn.bias_ih_l0.detach()
    W = NB.WIDTH
    assert bias[W:2 * W].mean() > bias[:W].mean() + 0.8  # the forget block got +1
    assert sum(p.numel() for p in lstm_model.rnn.parameters()) == 4 * sum(p.numel() for p in rnn_model.rnn.parameters())
    assert lstm_model(torch.zeros(3, 7, 2)).shape == (3,)


def test_state_gradients_shapes_and_forget_products():
    """One mean |gradient| per step, all positive; the forget products are products of numbers in (0, 1) that
    grow towards the end, where the product is empty (1)."""
    torch.manual_seed(0)
    x, y = NB.adding_batch(16, torch.Generator().manual_seed(1), seq_len=10)
    for recurrent in (nn.LSTM, nn.RNN):
        grads, products = NB.state_gradients(NB.Adder(recurrent), x, y)
        assert grads.shape == (10,) and np.all(grads > 0)
        if recurrent is nn.LSTM:
            assert products.shape == (10, NB.WIDTH) and np.all(products[-1] == 1)
            assert np.all(np.diff(products, axis=0) >= 0) and np.all((products[0] > 0) & (products[0] < 1))
        else:
            assert products is None


def test_state_gradients_last_step_is_the_heads_gradient():
    """For the RNN, dL/dh_T is the head's weight times dL/dprediction: the replay feeds the head like the model."""
    torch.manual_seed(1)
    model = NB.Adder(nn.RNN)
    x, y = NB.adding_batch(8, torch.Generator().manual_seed(2), seq_len=5)
    grads, _ = NB.state_gradients(model, x, y)
    with torch.no_grad():
        pred = model(x)
    dpred = 2 * (pred - y) / len(y)  # d MSE / d prediction
    expected = (dpred[:, None] * model.head.weight).abs().mean().item()
    assert abs(grads[-1] - expected) < 1e-6 * max(1.0, expected)


def test_state_gradients_lstm_replay_equals_nn_lstm():
    torch.manual_seed(2)
    model = NB.Adder(nn.LSTM)
    x, y = NB.adding_batch(8, torch.Generator().manual_seed(3), seq_len=6)
    cell = nn.LSTMCell(2, NB.WIDTH)
    cell.load_state_dict({k.removesuffix("_l0"): v for k, v in model.rnn.state_dict().items()})
    h = c = torch.zeros(8, NB.WIDTH)
    for t in range(6):
        h, c = cell(x[:, t], (h, c))
    torch.testing.assert_close(h, model.rnn(x)[0][:, -1])


def test_names_split_and_encoding_are_notebook_08s():
    nb08 = Path(__file__).resolve().parent.parent / "notebooks" / "08_rnn.ipynb"
    if not nb08.exists():
        pytest.skip("notebook 08 is not there yet")
    src08 = "\n".join(c.source for c in __import__("nbformat").read(nb08, as_version=4).cells if c.cell_type == "code")
    src09 = "\n".join(c.source for c in __import__("nbformat").read(
        Path(__file__).resolve().parent.parent / "notebooks" / NOTEBOOK, as_version=4).cells if c.cell_type == "code")
    for line in ['all_names = sorted(set(data.load("names").name.tolist()))',
                 "order = np.random.default_rng(0).permutation(len(all_names))", "n_test = len(all_names) // 10"]:
        assert line in src08 and line in src09, line
    X, Y = NB.encode_names(["emma", "bo"])
    assert X.tolist() == [[0, 5, 13, 13, 1], [0, 2, 15, 0, 0]]
    assert Y.tolist() == [[5, 13, 13, 1, 0], [2, 15, 0, NB.PAD, NB.PAD]]


def test_char_model_shapes():
    torch.manual_seed(0)
    for recurrent in (nn.RNN, nn.LSTM):
        model = NB.CharModel(recurrent)
        assert model(torch.zeros(2, 5, dtype=torch.long)).shape == (2, 5, NB.V_NAMES)


SAMPLE = ["emma", "olivia", "ava", "christopher"]


def _fake_cell_states():
    """Cell states for SAMPLE as cell_states returns them: (names, longest + 1, HIDDEN), NaN after each end."""
    rng = np.random.default_rng(0)
    cs = rng.normal(size=(len(SAMPLE), 12, NB.HIDDEN)).astype(np.float32)
    for r, name in enumerate(SAMPLE):
        cs[r, len(name) + 1:] = np.nan
    return cs


def test_cell_states_are_the_nn_lstm_states():
    torch.manual_seed(0)
    model = NB.CharModel(nn.LSTM)
    names = ["anna", "bob", "christopher"]
    cs = NB.cell_states(model, names)
    X, _ = NB.encode_names(names)
    with torch.no_grad():
        _, (_, c_T) = model.rnn(model.embed(torch.tensor(X[1:2, :4])))  # "bob" read through its end: 4 steps
    np.testing.assert_allclose(cs[1, 3], c_T[0, 0].numpy(), rtol=1e-4, atol=1e-5)
    assert np.isnan(cs[1, 4:]).all() and not np.isnan(cs[2]).any()


def test_cell_unit_heatmap_draws_every_unit_and_the_slider_matters():
    NB.draw_cell_unit.__globals__.update(cs_sample=_fake_cell_states(), sample_names=SAMPLE)
    controls = {"unit": int_slider("cell unit", 0, 0, NB.HIDDEN - 1)}
    sweep(NB.draw_cell_unit, controls, figsize=(8, 5))  # raises if an end draws nothing or the slider changes nothing
    fig, ax = plt.subplots()
    NB.draw_cell_unit(ax, 3)
    letters = {t.get_text() for t in ax.texts}
    assert set("".join(SAMPLE)) <= letters and "." in letters
    shown = ax.images[0].get_array()  # the heatmap is unit 3's cell states (0 after a name's end), nothing else
    np.testing.assert_array_equal(np.asarray(shown), np.nan_to_num(_fake_cell_states()[:, :, 3]))
    assert "Cell unit 3" in ax.get_title()
    plt.close(fig)


def test_lstm_diagram_draws():
    fig, ax = plt.subplots()
    NB.draw_lstm_cell(ax)
    texts = " ".join(t.get_text() for t in ax.texts)
    for word in ("forget f", "input i", "candidate g", "output o", "+", "×"):
        assert word in texts
    plt.close(fig)


# ---------------------------------------------------------------------------------------------------------------
# Exercises


def test_stubs_count_as_not_attempted(capsys):
    def stub(*args):
        ...  # your code here

    for key, answer in [("09.param_count", ...), ("09.forget_horizon", ...), ("09.gru_step_backward", stub),
                        ("09.coupled_gates", stub)]:
        assert check(key, answer) is False
        assert "not attempted yet" in capsys.readouterr().out


def _sig(z):
    return 1 / (1 + np.exp(-z))


def _gru_backward(mistake):
    """The reference GRU step backward with one deliberate mistake."""
    def answer(dh_new, x, h, W_x, W_h, b_x, b_h):
        H = h.shape[1]
        gx, gh = x @ W_x + b_x, h @ W_h + b_h
        r, z = _sig(gx[:, :H] + gh[:, :H]), _sig(gx[:, H:2 * H] + gh[:, H:2 * H])
        n = np.tanh(gx[:, 2 * H:] + r * gh[:, 2 * H:])
        dn, dz = dh_new * (1 - z), dh_new * ((n - h) if mistake == "z sign" else (h - n))
        dh = np.zeros_like(h) if mistake == "no direct path" else dh_new * z
        da_n = dn * (1 - n**2)
        da_r, da_z = da_n * gh[:, 2 * H:] * r * (1 - r), dz * z * (1 - z)
        dgx = np.concatenate([da_r, da_z, da_n], axis=1)
        dgh = np.concatenate([da_r, da_z, da_n if mistake == "no r on h's n" else da_n * r], axis=1)
        db_h = dgh.sum(axis=0)
        if mistake == "no r on b_hn":
            db_h = dgx.sum(axis=0)
        return dgx @ W_x.T, dh + dgh @ W_h.T, x.T @ dgx, h.T @ dgh, dgx.sum(axis=0), db_h
    return answer


def _coupled(mistake):
    def answer(x, h, c, W, b):
        H = h.shape[1]
        z = np.concatenate([x, h], axis=1) @ W + b
        f, g, o = _sig(z[:, :H]), np.tanh(z[:, H:2 * H]), _sig(z[:, 2 * H:])
        if mistake == "order f, o, g":
            o, g = _sig(z[:, H:2 * H]), np.tanh(z[:, 2 * H:])
        i = {"i = f": f, "no input gate": 1.0}.get(mistake, 1 - f)
        c_new = f * c + i * g
        return (o * c_new if mistake == "no tanh" else o * np.tanh(c_new)), c_new
    return answer


WRONG = [
    ("09.param_count", 81920, "biases are parameters too"),
    ("09.param_count", 82432, "two bias vectors"),
    ("09.param_count", 20736, "ONE gate"),
    ("09.param_count", 20608, "ONE gate"),
    ("09.param_count", 62208, "GRU"),
    ("09.param_count", 4 * 128 * 32 + 8 * 128, "BOTH the input"),
    ("09.param_count", 82945, "is not the count"),
    ("09.param_count", "82944", "whole number"),
    ("09.param_count", 8.29e4 + 0.5, "whole number"),
    ("09.forget_horizon", 20, "1 / (1 − f)"),
    ("09.forget_horizon", 89, "one step more"),
    ("09.forget_horizon", 45, "10 %"),
    ("09.forget_horizon", 100, "FIRST n"),
    ("09.forget_horizon", 120, "already below 0.01"),
    ("09.forget_horizon", 50, "not below 0.01 yet"),
    ("09.forget_horizon", 89.8, "whole number"),
    ("09.gru_step_backward", _gru_backward("no direct path"), "reaches h_new directly"),
    ("09.gru_step_backward", _gru_backward("no r on b_hn"), "carries the factor r"),
    ("09.gru_step_backward", _gru_backward("z sign"), "differ from PyTorch"),
    ("09.gru_step_backward", _gru_backward("no r on h's n"), "differ from PyTorch"),
    ("09.gru_step_backward", lambda dh, x, h, W_x, W_h, b_x, b_h: (x, h, W_x, W_h, b_x), "a tuple (dx, dh, dW_x"),
    ("09.gru_step_backward", lambda dh, x, h, W_x, W_h, b_x, b_h: (x, h, W_x.T, W_h, b_x, b_h), "should have shape"),
    ("09.gru_step_backward", lambda dh, x, h, W_x, W_h, b_x, b_h: (x, h, W_x, W_h, b_x, torch.zeros(1)), "uses torch"),
    ("09.coupled_gates", _coupled("i = f"), "i = 1 − f"),
    ("09.coupled_gates", _coupled("no input gate"), "added whole"),
    ("09.coupled_gates", _coupled("no tanh"), "through tanh"),
    ("09.coupled_gates", _coupled("order f, o, g"), "order of the blocks"),
    ("09.coupled_gates", lambda x, h, c, W, b: (h, c[:, :1]), "should both have shape"),
    ("09.coupled_gates", lambda x, h, c, W, b: h, "a tuple (h_new, c_new)"),
    ("09.coupled_gates", lambda x, h, c, W, b: helpers.scratch.lstm.lstm_step(x, h, c, W, b)[:2],
     "write the step yourself"),
]


(test_reference_solutions_pass, test_wrong_answers_are_rejected_with_a_hint,
 test_every_checker_has_wrong_answers) = exercise_tests(SOLUTIONS, WRONG)


def test_first_hints_do_not_give_the_answer_away():
    firsts = first_hints("09", SOLUTIONS)
    assert "82944" not in firsts["09.param_count"] and "4·" not in firsts["09.param_count"]
    assert "90" not in firsts["09.forget_horizon"] and "ln" not in firsts["09.forget_horizon"]
    assert "h − n" not in firsts["09.gru_step_backward"] and "factor r" not in firsts["09.gru_step_backward"]
    assert "1 − f" not in firsts["09.coupled_gates"]


def test_solutions_are_independent_of_the_helpers():
    """The GRU backward solution equals autograd through our gru_forward's step, and the coupled step is
    lstm_step with the input gate's block made from the forget gate's."""
    rng = np.random.default_rng(0)
    x, h, c = rng.normal(size=(2, 3)), rng.normal(size=(2, 4)), rng.normal(size=(2, 4))
    Wx, Wh = rng.normal(size=(3, 12)), rng.normal(size=(4, 12))
    bx, bh, dh = rng.normal(size=12), rng.normal(size=12), rng.normal(size=(2, 4))
    ts = [torch.tensor(a, requires_grad=True) for a in (x, h, Wx, Wh, bx, bh)]
    gru = nn.GRUCell(3, 4).double()
    with torch.no_grad():
        for p, a in zip((gru.weight_ih, gru.weight_hh, gru.bias_ih, gru.bias_hh), ts[2:], strict=True):
            p.copy_(a.T if a.ndim == 2 else a)
    h_new = torch.func.functional_call(gru, {"weight_ih": ts[2].T, "weight_hh": ts[3].T, "bias_ih": ts[4],
                                             "bias_hh": ts[5]}, (ts[0], ts[1]))
    np.testing.assert_allclose(h_new.detach().numpy(), helpers.scratch.lstm.gru_forward(x[:, None], h, Wx, Wh, bx,
                                                                                         bh)[1], rtol=1e-12)
    (h_new * torch.tensor(dh)).sum().backward()
    for ours, t in zip(gru_step_backward(dh, x, h, Wx, Wh, bx, bh), ts, strict=True):
        np.testing.assert_allclose(ours, t.grad.numpy(), rtol=1e-10, atol=1e-12)
    W3, b3 = rng.normal(size=(7, 12)), rng.normal(size=12)
    f_block = (W3[:, :4], b3[:4])
    W4 = np.concatenate([-f_block[0], W3], axis=1)  # σ(−a) = 1 − σ(a): an input gate that is 1 − f
    b4 = np.concatenate([-f_block[1], b3])
    for ours, theirs in zip(coupled_lstm_step(x, h, c, W3, b3), helpers.scratch.lstm.lstm_step(x, h, c, W4, b4)[:2],
                            strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)
