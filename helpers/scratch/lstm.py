"""The LSTM and the GRU in NumPy (notebook 09): one step, a whole sequence, and backpropagation through time.

Taught in ``notebooks/09_lstm.ipynb``, which shows exactly this code (``tests/test_nb09_lstm.py`` fails if the
notebook and this file drift apart). Shapes follow ``nn.LSTM(D, H, batch_first=True)``, as notebook 08's RNN:

    x: (B, T, D)      a batch of B sequences, T steps each, D features per step
    h0, c0: (B, H)    the hidden state and the cell state before the first step
    W: (D + H, 4H)    ALL four gates' weights in one matrix: rows for x, then for h; columns for the gates in
                      PyTorch's order i, f, g, o (input, forget, candidate, output). From PyTorch:
                      ``W, b = fuse_lstm_weights(lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0,
                      lstm.bias_hh_l0)`` (as NumPy arrays)
    b: (4H,)          PyTorch's two biases, added
    hs: (B, T, H)     every hidden state h_1 .. h_T (what ``nn.LSTM`` returns as its output)

    hs, (h_T, c_T), caches = lstm_forward(x, h0, c0, W, b)
    dx, dh0, dc0, dW, db = lstm_backward(dhs, dh_T, dc_T, caches)
"""

import numpy as np

from helpers.scratch.layers import sigmoid  # notebook 04's: never overflows

__all__ = ["check_lstm", "fuse_lstm_weights", "lstm_step", "lstm_step_backward", "lstm_forward",
           "lstm_backward", "check_gru", "gru_forward"]


def check_lstm(x, h0, c0, W, b, where):
    """Check the arguments of an LSTM over a sequence; return (B, T, D, H). Each message names the expected shape."""
    for name, a in (("x", x), ("h0", h0), ("c0", c0), ("W", W), ("b", b)):
        if not isinstance(a, np.ndarray) or a.dtype not in (np.float32, np.float64):
            raise ValueError(f"{where} expects {name} as a float32 or float64 NumPy array, got "
                             f"{type(a).__name__} {getattr(a, 'dtype', '')}")
    if x.ndim != 3:
        raise ValueError(f"{where} expects x of shape (B, T, D): B sequences of T steps with D features, got "
                         f"{x.shape}; for a single sequence use x[None]")
    B, T, D = x.shape
    if W.ndim != 2 or W.shape[1] % 4 or W.shape[0] != D + W.shape[1] // 4:
        raise ValueError(f"{where} expects the fused weight W of shape (D + H, 4H) with D = {D} input features, "
                         f"got {W.shape}: rows for x then for h, columns for the gates i, f, g, o")
    H = W.shape[1] // 4
    if b.shape != (4 * H,):
        raise ValueError(f"{where} expects b of shape (4H,) = ({4 * H},), one bias per gate unit, got {b.shape}")
    for name, s in (("h0", h0), ("c0", c0)):
        if s.shape != (B, H):
            raise ValueError(f"{where} expects {name} of shape (B, H) = ({B}, {H}), got {s.shape}")
    if T < 1 or B < 1:
        raise ValueError(f"{where} needs at least one sequence of at least one step, got x of shape {x.shape}")
    return B, T, D, H


def fuse_lstm_weights(weight_ih, weight_hh, bias_ih, bias_hh):
    """PyTorch's LSTM weights -> our fused (W, b).

    weight_ih: (4H, D), weight_hh: (4H, H), bias_ih, bias_hh: (4H,) (NumPy arrays, gates stacked i, f, g, o)
    ->  W: (D + H, 4H), so that [x, h] @ W gives all four gates at once; b: (4H,) (the two biases add up).
    """
    return np.concatenate([weight_ih.T, weight_hh.T], axis=0), bias_ih + bias_hh


def lstm_step(x, h, c, W, b):
    """One LSTM step. x: (B, D), h, c: (B, H), W: (D + H, 4H), b: (4H,) -> (h_new, c_new, cache).

    The four gates come out of ONE matrix product; the cell state is updated by ADDITION,
    c_new = f * c + i * g, and the output gate decides how much of it to show: h_new = o * tanh(c_new).
    """
    H = h.shape[1]
    xh = np.concatenate([x, h], axis=1)  # (B, D + H)
    z = xh @ W + b  # (B, 4H): the pre-activations of the gates i, f, g, o side by side
    i, f, o = sigmoid(z[:, :H]), sigmoid(z[:, H:2 * H]), sigmoid(z[:, 3 * H:])
    g = np.tanh(z[:, 2 * H:3 * H])  # the candidate: what could be written into the cell
    c_new = f * c + i * g
    tanh_c = np.tanh(c_new)
    h_new = o * tanh_c
    return h_new, c_new, (xh, c, i, f, g, o, tanh_c, W)


def lstm_step_backward(dh_new, dc_new, cache):
    """Backward through one lstm_step. dh_new, dc_new: (B, H), the loss's gradients with respect to its outputs.

    Returns (dx, dh, dc, dW, db) with the shapes of x, h, c, W, b.
    """
    xh, c, i, f, g, o, tanh_c, W = cache
    dc_total = dc_new + dh_new * o * (1 - tanh_c**2)  # the new cell reaches the loss directly and through h_new
    di, df, dg, do = dc_total * g, dc_total * c, dc_total * i, dh_new * tanh_c
    dz = np.concatenate([di * i * (1 - i), df * f * (1 - f), dg * (1 - g**2), do * o * (1 - o)], axis=1)  # (B, 4H)
    dxh = dz @ W.T  # (B, D + H)
    D = xh.shape[1] - c.shape[1]
    # dc_total * f: back one step along the cell, the gradient is only multiplied by the forget gate (section 6)
    return dxh[:, :D], dxh[:, D:], dc_total * f, xh.T @ dz, dz.sum(axis=0)


def lstm_forward(x, h0, c0, W, b):
    """An LSTM over whole sequences: lstm_step T times, with the same W and b at every step.

    x: (B, T, D), h0, c0: (B, H), W: (D + H, 4H), b: (4H,). Returns (hs, (h_T, c_T), caches): hs (B, T, H)
    holds every step's h, as nn.LSTM(batch_first=True) returns it; caches, one per step, are for lstm_backward.
    """
    B, T, D, H = check_lstm(x, h0, c0, W, b, "lstm_forward")
    hs = np.empty((B, T, H), dtype=np.result_type(x, h0, c0, W, b))
    h, c, caches = h0, c0, []
    for t in range(T):  # one step after another: step t needs the h and c of step t - 1
        h, c, cache = lstm_step(x[:, t], h, c, W, b)
        hs[:, t] = h
        caches.append(cache)
    return hs, (h, c), caches


def lstm_backward(dhs, dh_T, dc_T, caches):
    """Backpropagation through time for lstm_forward: lstm_step_backward from the last step to the first.

    dhs: (B, T, H), the loss's gradient with respect to every step's h (zeros where the loss ignores a step);
    dh_T, dc_T: (B, H), its gradients with respect to the final state (or None). Returns (dx, dh0, dc0, dW, db).
    """
    xh, c, *_, W = caches[0]
    (B, H), T = c.shape, len(caches)
    D = xh.shape[1] - H
    if dhs.shape != (B, T, H):
        raise ValueError(f"lstm_backward expects dhs of shape (B, T, H) = ({B}, {T}, {H}), got {dhs.shape}")
    dh = np.zeros((B, H), dhs.dtype) if dh_T is None else dh_T
    dc = np.zeros((B, H), dhs.dtype) if dc_T is None else dc_T
    dx, dW, db = np.empty((B, T, D), dhs.dtype), np.zeros_like(W), np.zeros(4 * H, W.dtype)
    for t in reversed(range(T)):
        dh = dh + dhs[:, t]  # h_t reaches the loss directly, and through every later step
        dx[:, t], dh, dc, dW_t, db_t = lstm_step_backward(dh, dc, caches[t])
        dW += dW_t  # the same W at every step: its gradient is the sum of the steps' shares
        db += db_t
    return dx, dh, dc, dW, db


def check_gru(x, h0, W_x, W_h, b_x, b_h, where):
    """Check the arguments of a GRU over a sequence; return (B, T, D, H)."""
    for name, a in (("x", x), ("h0", h0), ("W_x", W_x), ("W_h", W_h), ("b_x", b_x), ("b_h", b_h)):
        if not isinstance(a, np.ndarray) or a.dtype not in (np.float32, np.float64):
            raise ValueError(f"{where} expects {name} as a float32 or float64 NumPy array, got "
                             f"{type(a).__name__} {getattr(a, 'dtype', '')}")
    if x.ndim != 3:
        raise ValueError(f"{where} expects x of shape (B, T, D): B sequences of T steps with D features, got "
                         f"{x.shape}")
    B, T, D = x.shape
    if W_h.ndim != 2 or W_h.shape[1] != 3 * W_h.shape[0]:
        raise ValueError(f"{where} expects W_h of shape (H, 3H), columns for the gates r, z, n, got {W_h.shape}")
    H = W_h.shape[0]
    if W_x.shape != (D, 3 * H):
        raise ValueError(f"{where} expects W_x of shape (D, 3H) = ({D}, {3 * H}), got {W_x.shape}")
    for name, a in (("b_x", b_x), ("b_h", b_h)):
        if a.shape != (3 * H,):
            raise ValueError(f"{where} expects {name} of shape (3H,) = ({3 * H},), got {a.shape}")
    if h0.shape != (B, H):
        raise ValueError(f"{where} expects h0 of shape (B, H) = ({B}, {H}), got {h0.shape}")
    if T < 1 or B < 1:
        raise ValueError(f"{where} needs at least one sequence of at least one step, got x of shape {x.shape}")
    return B, T, D, H


def gru_forward(x, h0, W_x, W_h, b_x, b_h):
    """A GRU over whole sequences, as nn.GRU(batch_first=True). x: (B, T, D), h0: (B, H), W_x: (D, 3H),
    W_h: (H, 3H), b_x, b_h: (3H,) (PyTorch's weight_ih.T, weight_hh.T, bias_ih, bias_hh; gates r, z, n).
    Returns (hs (B, T, H), h_T).

    r, z = σ(x W_x + b_x + h W_h + b_h) (their columns), n = tanh(x W_xn + b_xn + r * (h W_hn + b_hn)),
    h_new = (1 − z) * n + z * h. The reset gate multiplies the hidden state's share of n only, so x and h
    each get one product for all three gates, and the two are not added before the gates.
    """
    B, T, D, H = check_gru(x, h0, W_x, W_h, b_x, b_h, "gru_forward")
    gx = x @ W_x + b_x  # (B, T, 3H): the input's share of every step, at once
    hs = np.empty((B, T, H), np.result_type(x, h0, W_x, W_h))
    h = h0
    for t in range(T):
        gh = h @ W_h + b_h  # (B, 3H)
        r = sigmoid(gx[:, t, :H] + gh[:, :H])
        z = sigmoid(gx[:, t, H:2 * H] + gh[:, H:2 * H])
        n = np.tanh(gx[:, t, 2 * H:] + r * gh[:, 2 * H:])
        h = (1 - z) * n + z * h  # z decides how much of the old state to keep
        hs[:, t] = h
    return hs, h
