"""helpers.scratch.rnn against PyTorch (float64, autograd): nn.RNN + a Linear head with copied weights, on several
shapes (batch 1, length 1, D = 1, H = 1); finite differences; bad shapes rejected with a clear message."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from helpers.compare import numerical_gradient, rel_error
from helpers.scratch.rnn import check_rnn, rnn_backward, rnn_forward, rnn_step, rnn_step_backward

# (B, T, D, H, V)
SHAPES = [(4, 9, 5, 7, 6), (1, 6, 3, 4, 5), (3, 1, 2, 5, 4), (1, 1, 1, 1, 2), (2, 20, 1, 3, 3), (5, 4, 8, 1, 2)]


def _torch_reference(B, T, D, H, V, seed):
    """Random inputs, nn.RNN + nn.Linear in float64, a cross-entropy loss at every step; NumPy copies + grads."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    x, h0 = rng.normal(size=(B, T, D)), rng.normal(size=(B, H))
    targets = rng.integers(0, V, size=(B, T))
    rnn, head = nn.RNN(D, H, batch_first=True, dtype=torch.float64), nn.Linear(H, V, dtype=torch.float64)
    xt, h0t = torch.tensor(x, requires_grad=True), torch.tensor(h0[None], requires_grad=True)
    out, hT = rnn(xt, h0t)
    out.retain_grad()
    loss = F.cross_entropy(head(out).reshape(B * T, V), torch.tensor(targets).reshape(B * T))
    loss.backward()
    W = {"W_xh": rnn.weight_ih_l0, "W_hh": rnn.weight_hh_l0}
    W = {k: v.detach().numpy() for k, v in W.items()}
    b = (rnn.bias_ih_l0 + rnn.bias_hh_l0).detach().numpy()
    ref = {"out": out.detach().numpy(), "hT": hT.detach().numpy()[0], "dhs": out.grad.numpy(), "dx": xt.grad.numpy(),
           "dh0": h0t.grad.numpy()[0], "dW_xh": rnn.weight_ih_l0.grad.numpy(), "dW_hh": rnn.weight_hh_l0.grad.numpy(),
           "dbias_ih": rnn.bias_ih_l0.grad.numpy(), "dbias_hh": rnn.bias_hh_l0.grad.numpy()}
    return x, h0, W, b, ref


@pytest.mark.parametrize("shape", SHAPES, ids=[str(s) for s in SHAPES])
def test_forward_and_bptt_match_nn_rnn(shape):
    x, h0, W, b, ref = _torch_reference(*shape, seed=sum(shape))
    hs = rnn_forward(x, h0, W["W_xh"], W["W_hh"], b)
    assert rel_error(hs, ref["out"]) <= 1e-8 and rel_error(hs[:, -1], ref["hT"]) <= 1e-8
    dx, dh0, dW_xh, dW_hh, db = rnn_backward(ref["dhs"], x, h0, W["W_xh"], W["W_hh"], hs)
    for ours, theirs in [(dx, ref["dx"]), (dh0, ref["dh0"]), (dW_xh, ref["dW_xh"]), (dW_hh, ref["dW_hh"]),
                         (db, ref["dbias_ih"]), (db, ref["dbias_hh"])]:
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=1e-13)


def test_step_is_one_step_of_the_sequence():
    rng = np.random.default_rng(0)
    x, h0 = rng.normal(size=(3, 1, 4)), rng.normal(size=(3, 5))
    W_xh, W_hh, b = rng.normal(size=(5, 4)), rng.normal(size=(5, 5)), rng.normal(size=5)
    np.testing.assert_array_equal(rnn_forward(x, h0, W_xh, W_hh, b)[:, 0], rnn_step(x[:, 0], h0, W_xh, W_hh, b))
    # the step's backward equals the sequence's backward for T = 1
    h1 = rnn_step(x[:, 0], h0, W_xh, W_hh, b)
    dh = rng.normal(size=(3, 5))
    step = rnn_step_backward(dh, x[:, 0], h0, h1, W_xh, W_hh)
    seq = rnn_backward(dh[:, None], x, h0, W_xh, W_hh, h1[:, None])
    for a, c in zip((step[0], step[1], *step[2:]), (seq[0][:, 0], seq[1], *seq[2:]), strict=True):
        np.testing.assert_allclose(a, c, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("name", ["W_xh", "W_hh", "b", "h0", "x"])
def test_gradients_match_finite_differences(name):
    rng = np.random.default_rng(5)
    B, T, D, H = 2, 5, 3, 4
    v = {"x": rng.normal(size=(B, T, D)), "h0": rng.normal(size=(B, H)), "W_xh": rng.normal(size=(H, D)),
         "W_hh": rng.normal(size=(H, H)) * 0.6, "b": rng.normal(size=H)}
    G = rng.normal(size=(B, T, H))  # L = sum(G * hs): dL/dhs = G

    def loss(_):
        return float((G * rnn_forward(v["x"], v["h0"], v["W_xh"], v["W_hh"], v["b"])).sum())

    hs = rnn_forward(v["x"], v["h0"], v["W_xh"], v["W_hh"], v["b"])
    grads = dict(zip(["x", "h0", "W_xh", "W_hh", "b"], rnn_backward(G, v["x"], v["h0"], v["W_xh"], v["W_hh"], hs),
                     strict=True))
    numeric = numerical_gradient(loss, v[name])
    assert np.abs(grads[name] - numeric).max() <= 1e-6 * np.abs(numeric).max()


def test_float32_stays_float32_and_agrees():
    rng = np.random.default_rng(1)
    args64 = [rng.normal(size=(2, 6, 3)), rng.normal(size=(2, 4)), rng.normal(size=(4, 3)), rng.normal(size=(4, 4)),
              rng.normal(size=4)]
    hs32 = rnn_forward(*[a.astype(np.float32) for a in args64])
    assert hs32.dtype == np.float32
    np.testing.assert_allclose(hs32, rnn_forward(*args64), atol=1e-5)


def _good():
    rng = np.random.default_rng(2)
    return {"x": rng.normal(size=(2, 3, 4)), "h0": np.zeros((2, 5)), "W_xh": rng.normal(size=(5, 4)),
            "W_hh": rng.normal(size=(5, 5)), "b": np.zeros(5)}


BAD = [
    ("x", np.zeros((3, 4)), "x of shape (B, T, D)"),
    ("x", np.zeros((2, 0, 4)), "at least one step"),
    ("x", np.zeros((2, 3, 4), dtype=np.int64), "float32/float64"),
    ("x", [[[0.0] * 4] * 3] * 2, "NumPy array"),
    ("W_hh", np.zeros((5, 4)), "W_hh of shape (H, H), square"),
    ("W_xh", np.zeros((4, 5)), "W_xh of shape (H, D) = (5, 4)"),
    ("b", np.zeros(4), "b of shape (5,)"),
    ("h0", np.zeros((5,)), "h0 of shape (B, H) = (2, 5)"),
    ("h0", np.zeros((1, 5)), "h0 of shape (B, H) = (2, 5)"),
]


@pytest.mark.parametrize("name,value,message", BAD, ids=[f"{n}-{m}" for n, _, m in BAD])
def test_bad_shapes_are_rejected_with_a_clear_message(name, value, message):
    args = {**_good(), name: value}
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        rnn_forward(args["x"], args["h0"], args["W_xh"], args["W_hh"], args["b"])


def test_backward_rejects_mismatched_gradients():
    g = _good()
    hs = rnn_forward(g["x"], g["h0"], g["W_xh"], g["W_hh"], g["b"])
    with pytest.raises(ValueError, match=r"dhs and hs of shape \(B, T, H\)"):
        rnn_backward(hs[:, :-1], g["x"], g["h0"], g["W_xh"], g["W_hh"], hs)
    assert check_rnn(g["x"], g["h0"], g["W_xh"], g["W_hh"], g["b"], "here") == (2, 3, 4, 5)
