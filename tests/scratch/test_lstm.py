"""helpers.scratch.lstm against PyTorch (float64, autograd): the LSTM step, the sequence forward and BPTT against
nn.LSTMCell / nn.LSTM, the GRU against nn.GRU, on several shapes (batch 1, length 1, one unit); finite
differences; float32; bad shapes rejected with a message that names the expected shape."""

import numpy as np
import pytest
import torch
from torch import nn

from helpers.compare import assert_gradient
from helpers.scratch.lstm import (
    fuse_lstm_weights,
    gru_forward,
    lstm_backward,
    lstm_forward,
    lstm_step,
    lstm_step_backward,
)

TOL = {"rtol": 1e-9, "atol": 1e-12}
# (B, T, D, H): several shapes, batch 1, length 1, one hidden unit, one input feature
SHAPES = [(3, 6, 4, 5), (1, 1, 2, 3), (1, 9, 3, 2), (4, 1, 5, 1), (2, 12, 1, 4), (5, 3, 7, 6)]


def _numpy(t):
    return t.detach().numpy()


def _torch_lstm(B, T, D, H, seed):
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    lstm = nn.LSTM(D, H, batch_first=True).double()
    x = torch.tensor(rng.normal(size=(B, T, D)), requires_grad=True)
    h0 = torch.tensor(rng.normal(size=(1, B, H)), requires_grad=True)
    c0 = torch.tensor(rng.normal(size=(1, B, H)), requires_grad=True)
    hs, (hT, cT) = lstm(x, (h0, c0))
    dhs, dh_T, dc_T = rng.normal(size=(B, T, H)), rng.normal(size=(B, H)), rng.normal(size=(B, H))
    loss = (hs * torch.tensor(dhs)).sum() + (hT[0] * torch.tensor(dh_T)).sum() + (cT[0] * torch.tensor(dc_T)).sum()
    loss.backward()
    W, b = fuse_lstm_weights(*(_numpy(p) for p in (lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0,
                                                   lstm.bias_hh_l0)))
    return lstm, (x, h0, c0), (hs, hT, cT), (dhs, dh_T, dc_T), (W, b)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_sequence_forward_and_bptt_match_nn_lstm(shape):
    B, T, D, H = shape
    lstm, (x, h0, c0), (hs_ref, hT_ref, cT_ref), (dhs, dh_T, dc_T), (W, b) = _torch_lstm(*shape, seed=sum(shape))
    hs, (h_T, c_T), cache = lstm_forward(_numpy(x), _numpy(h0[0]), _numpy(c0[0]), W, b)
    np.testing.assert_allclose(hs, _numpy(hs_ref), **TOL)
    np.testing.assert_allclose(h_T, _numpy(hT_ref[0]), **TOL)
    np.testing.assert_allclose(c_T, _numpy(cT_ref[0]), **TOL)
    dx, dh0, dc0, dW, db = lstm_backward(dhs, dh_T, dc_T, cache)
    for ours, theirs in [(dx, x.grad), (dh0, h0.grad[0]), (dc0, c0.grad[0]), (dW[:D].T, lstm.weight_ih_l0.grad),
                         (dW[D:].T, lstm.weight_hh_l0.grad), (db, lstm.bias_ih_l0.grad), (db, lstm.bias_hh_l0.grad)]:
        np.testing.assert_allclose(ours, _numpy(theirs), **TOL)


@pytest.mark.parametrize("shape", SHAPES[:4], ids=str)
def test_step_and_step_backward_match_nn_lstmcell(shape):
    B, _, D, H = shape
    rng = np.random.default_rng(B + D + H)
    torch.manual_seed(0)
    cell = nn.LSTMCell(D, H).double()
    x, h, c = (torch.tensor(rng.normal(size=s), requires_grad=True) for s in ((B, D), (B, H), (B, H)))
    h_ref, c_ref = cell(x, (h, c))
    dh_new, dc_new = rng.normal(size=(B, H)), rng.normal(size=(B, H))
    ((h_ref * torch.tensor(dh_new)).sum() + (c_ref * torch.tensor(dc_new)).sum()).backward()
    W, b = fuse_lstm_weights(*(_numpy(p) for p in (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)))
    h_new, c_new, cache = lstm_step(_numpy(x), _numpy(h), _numpy(c), W, b)
    np.testing.assert_allclose(h_new, _numpy(h_ref), **TOL)
    np.testing.assert_allclose(c_new, _numpy(c_ref), **TOL)
    dx, dh, dc, dW, db = lstm_step_backward(dh_new, dc_new, cache)
    for ours, theirs in [(dx, x.grad), (dh, h.grad), (dc, c.grad), (dW[:D].T, cell.weight_ih.grad),
                         (dW[D:].T, cell.weight_hh.grad), (db, cell.bias_ih.grad)]:
        np.testing.assert_allclose(ours, _numpy(theirs), **TOL)


def test_forward_is_the_step_repeated_and_backward_without_final_gradients():
    rng = np.random.default_rng(3)
    x, h0, c0 = rng.normal(size=(2, 7, 3)), rng.normal(size=(2, 4)), rng.normal(size=(2, 4))
    W, b = rng.normal(size=(7, 16)), rng.normal(size=16)
    hs, (h_T, c_T), cache = lstm_forward(x, h0, c0, W, b)
    h, c, caches = h0, c0, []
    for t in range(7):
        h, c, step_cache = lstm_step(x[:, t], h, c, W, b)
        caches.append(step_cache)
        np.testing.assert_allclose(hs[:, t], h, rtol=0, atol=1e-14)
    np.testing.assert_allclose(c_T, c, rtol=0, atol=1e-14)
    dhs = rng.normal(size=(2, 7, 4))
    dx, dh0, dc0, dW, db = lstm_backward(dhs, None, None, cache)
    dh, dc, dW_sum = np.zeros((2, 4)), np.zeros((2, 4)), 0
    for t in reversed(range(7)):  # BPTT = the step backward, in reverse, with the weight gradients summed
        dx_t, dh, dc, dW_t, _ = lstm_step_backward(dh + dhs[:, t], dc, caches[t])
        np.testing.assert_allclose(dx[:, t], dx_t, rtol=1e-10, atol=1e-13)
        dW_sum = dW_sum + dW_t
    np.testing.assert_allclose(dW, dW_sum, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dh0, dh, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(dc0, dc, rtol=1e-10, atol=1e-13)


def test_bptt_agrees_with_finite_differences():
    rng = np.random.default_rng(5)
    args = [rng.normal(size=(2, 5, 2)), rng.normal(size=(2, 3)), rng.normal(size=(2, 3)),
            rng.normal(size=(5, 12)) * 0.7, rng.normal(size=12) * 0.5]
    R = rng.normal(size=(2, 5, 3))

    def loss(*a):
        hs, (h_T, c_T), _ = lstm_forward(*a)
        return float((R * hs).sum() + (h_T**2).sum() + c_T.sum())

    hs, (h_T, c_T), cache = lstm_forward(*args)
    grads = lstm_backward(R, 2 * h_T, np.ones_like(c_T), cache)
    for k in range(5):
        assert_gradient(f"arg {k}", lambda a, k=k: loss(*args[:k], a, *args[k + 1:]), args[k], grads[k], tol=1e-6)


def test_float32_stays_float32_and_matches_in_float32():
    torch.manual_seed(1)
    lstm = nn.LSTM(8, 16, batch_first=True)
    x = torch.randn(4, 20, 8)
    W, b = fuse_lstm_weights(*(_numpy(p) for p in (lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0,
                                                   lstm.bias_hh_l0)))
    zeros = np.zeros((4, 16), np.float32)
    hs, (h_T, c_T), _ = lstm_forward(x.numpy(), zeros, zeros, W, b)
    assert hs.dtype == h_T.dtype == c_T.dtype == np.float32
    with torch.no_grad():
        np.testing.assert_allclose(hs, lstm(x)[0].numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_gru_forward_matches_nn_gru(shape):
    B, T, D, H = shape
    torch.manual_seed(sum(shape))
    rng = np.random.default_rng(sum(shape))
    gru = nn.GRU(D, H, batch_first=True).double()
    x, h0 = rng.normal(size=(B, T, D)), rng.normal(size=(B, H))
    with torch.no_grad():
        hs_ref, hT_ref = gru(torch.tensor(x), torch.tensor(h0[None]))
    p = [_numpy(t) for t in (gru.weight_ih_l0, gru.weight_hh_l0, gru.bias_ih_l0, gru.bias_hh_l0)]
    hs, h_T = gru_forward(x, h0, p[0].T, p[1].T, p[2], p[3])
    np.testing.assert_allclose(hs, hs_ref.numpy(), **TOL)
    np.testing.assert_allclose(h_T, hT_ref[0].numpy(), **TOL)


def _lstm_args(B=2, T=3, D=4, H=5):
    rng = np.random.default_rng(0)
    return [rng.normal(size=(B, T, D)), np.zeros((B, H)), np.zeros((B, H)), rng.normal(size=(D + H, 4 * H)),
            np.zeros(4 * H)]


@pytest.mark.parametrize("change,message", [
    ((0, np.zeros((3, 4))), "x of shape (B, T, D)"),
    ((0, np.zeros((2, 3, 4), dtype=np.int64)), "x as a float32 or float64 NumPy array"),
    ((0, [[[0.0] * 4] * 3] * 2), "x as a float32 or float64 NumPy array"),
    ((3, np.zeros((4 + 5, 16))), "W of shape (D + H, 4H) with D = 4"),
    ((3, np.zeros((8, 20))), "W of shape (D + H, 4H) with D = 4"),
    ((3, np.zeros((9, 19))), "W of shape (D + H, 4H)"),
    ((4, np.zeros(16)), "b of shape (4H,) = (20,)"),
    ((1, np.zeros((3, 5))), "h0 of shape (B, H) = (2, 5)"),
    ((2, np.zeros((2, 4))), "c0 of shape (B, H) = (2, 5)"),
    ((0, np.zeros((2, 0, 4))), "at least one sequence of at least one step"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_lstm_forward_rejects_bad_shapes_with_a_clear_message(change, message):
    args = _lstm_args()
    args[change[0]] = change[1]
    with pytest.raises(ValueError) as err:
        lstm_forward(*args)
    assert message in str(err.value)


def test_lstm_backward_rejects_a_wrong_upstream_shape():
    _, _, cache = lstm_forward(*_lstm_args())
    with pytest.raises(ValueError, match=r"dhs of shape \(B, T, H\) = \(2, 3, 5\)"):
        lstm_backward(np.zeros((3, 2, 5)), None, None, cache)


@pytest.mark.parametrize("index,bad,message", [
    (0, np.zeros((3, 4)), "x of shape (B, T, D)"),
    (2, np.zeros((4, 12)), "W_x of shape (D, 3H) = (4, 15)"),
    (2, np.zeros((5, 15)), "W_x of shape (D, 3H) = (4, 15)"),
    (3, np.zeros((5, 10)), "W_h of shape (H, 3H)"),
    (4, np.zeros(10), "b_x of shape (3H,) = (15,)"),
    (5, np.zeros(14), "b_h of shape (3H,) = (15,)"),
    (1, np.zeros((1, 5)), "h0 of shape (B, H) = (2, 5)"),
    (1, np.zeros((2, 5), dtype=np.int32), "h0 as a float32 or float64 NumPy array"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_gru_forward_rejects_bad_shapes_with_a_clear_message(index, bad, message):
    rng = np.random.default_rng(0)
    args = [rng.normal(size=(2, 3, 4)), np.zeros((2, 5)), rng.normal(size=(4, 15)), rng.normal(size=(5, 15)),
            np.zeros(15), np.zeros(15)]
    args[index] = bad
    with pytest.raises(ValueError) as err:
        gru_forward(*args)
    assert message in str(err.value)
