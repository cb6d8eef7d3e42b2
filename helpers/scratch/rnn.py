"""A recurrent neural network (RNN) from scratch in NumPy: the cell, a whole sequence, and backpropagation
through time (BPTT), forward and backward.

Taught in ``notebooks/08_rnn.ipynb``, which shows exactly this code (``tests/test_nb08_rnn.py`` fails if the
notebook and this file drift apart). Shapes and weights follow ``nn.RNN(D, H, batch_first=True)``, so
weights copy over directly:

    x: (B, T, D)      a batch of B sequences, T steps each, D features per step
    h0: (B, H)        the state before the first step
    W_xh: (H, D)      ``rnn.weight_ih_l0``
    W_hh: (H, H)      ``rnn.weight_hh_l0``
    b: (H,)           ``rnn.bias_ih_l0 + rnn.bias_hh_l0`` (PyTorch keeps two biases that always add up)
    hs: (B, T, H)     every hidden state h_1 .. h_T (what ``nn.RNN`` returns as its output); hs[:, -1] is h_T

    h_t = tanh(x_t W_xh^T + h_{t-1} W_hh^T + b)        the same weights at every step

    hs = rnn_forward(x, h0, W_xh, W_hh, b)
    dx, dh0, dW_xh, dW_hh, db = rnn_backward(dhs, x, h0, W_xh, W_hh, hs)   # dhs = dL/dhs, (B, T, H)
"""

import numpy as np

__all__ = ["check_rnn", "rnn_step", "rnn_forward", "rnn_step_backward", "rnn_backward"]


def check_rnn(x, h0, W_xh, W_hh, b, where):
    """Check the arguments of an RNN over a sequence; return the sizes B, T, D, H. A wrong shape says which."""
    for name, a in [("x", x), ("h0", h0), ("W_xh", W_xh), ("W_hh", W_hh), ("b", b)]:
        if not isinstance(a, np.ndarray) or a.dtype not in (np.float32, np.float64):
            raise ValueError(f"{where} expects {name} as a float32/float64 NumPy array, got "
                             f"{type(a).__name__} {getattr(a, 'dtype', '')}")
    if x.ndim != 3:
        raise ValueError(f"{where} expects x of shape (B, T, D): B sequences of T steps with D features, got "
                         f"{x.shape} (one sequence? add a batch axis: x[None])")
    B, T, D = x.shape
    if W_hh.ndim != 2 or W_hh.shape[0] != W_hh.shape[1]:
        raise ValueError(f"{where} expects W_hh of shape (H, H), square: it maps the state to the state, got "
                         f"{W_hh.shape}")
    H = W_hh.shape[0]
    if W_xh.shape != (H, D):
        raise ValueError(f"{where} expects W_xh of shape (H, D) = ({H}, {D}) for x with D = {D} features and "
                         f"hidden size H = {H} (nn.RNN's weight_ih_l0 layout), got {W_xh.shape}")
    if b.shape != (H,):
        raise ValueError(f"{where} expects b of shape ({H},), one bias per hidden unit, got {b.shape}")
    if h0.shape != (B, H):
        raise ValueError(f"{where} expects h0 of shape (B, H) = ({B}, {H}), one state per sequence, got {h0.shape}")
    if T < 1:
        raise ValueError(f"{where} needs at least one step, got x of shape {x.shape}")
    return B, T, D, H


def rnn_step(x_t, h_prev, W_xh, W_hh, b):
    """One step of the recurrence: x_t (B, D), h_prev (B, H) -> h_t (B, H)."""
    return np.tanh(x_t @ W_xh.T + h_prev @ W_hh.T + b)


def rnn_forward(x, h0, W_xh, W_hh, b):
    """The recurrence over a whole sequence, with the SAME weights at every step.

    x: (B, T, D), h0: (B, H)  ->  hs: (B, T, H), every hidden state (hs[:, t] is h_{t+1}; hs[:, -1] is h_T).
    """
    B, T, D, H = check_rnn(x, h0, W_xh, W_hh, b, "rnn_forward")
    hs = np.empty((B, T, H), dtype=np.result_type(x, h0, W_xh, W_hh, b))
    h = h0
    for t in range(T):  # one step after another: step t needs the state of step t - 1
        h = rnn_step(x[:, t], h, W_xh, W_hh, b)
        hs[:, t] = h
    return hs


def rnn_step_backward(dh, x_t, h_prev, h_t, W_xh, W_hh):
    """Back through one step h_t = tanh(x_t W_xh^T + h_prev W_hh^T + b).

    dh: (B, H), ALL of dL/dh_t (from this step's output and from the steps after it).
    Returns dx_t (B, D), dh_prev (B, H), and this step's shares of dW_xh (H, D), dW_hh (H, H), db (H,).
    """
    da = dh * (1 - h_t ** 2)  # back through tanh: tanh'(a) = 1 - tanh(a)^2, and tanh(a) is h_t
    return da @ W_xh, da @ W_hh, da.T @ x_t, da.T @ h_prev, da.sum(axis=0)


def rnn_backward(dhs, x, h0, W_xh, W_hh, hs):
    """Backpropagation through time: walk the steps backwards, carrying the gradient of the state.

    dhs: (B, T, H), dL/dh_t that reaches each state directly (through the output head at step t).
    x, h0, W_xh, W_hh, hs: the forward pass's inputs and states.
    Returns dx (B, T, D), dh0 (B, H), dW_xh (H, D), dW_hh (H, H), db (H,).
    """
    B, T, D, H = check_rnn(x, h0, W_xh, W_hh, np.zeros(W_hh.shape[0]), "rnn_backward")
    if dhs.shape != (B, T, H) or hs.shape != (B, T, H):
        raise ValueError(f"rnn_backward expects dhs and hs of shape (B, T, H) = {(B, T, H)}, "
                         f"got {dhs.shape} and {hs.shape}")
    dx = np.zeros_like(x)
    dW_xh, dW_hh, db = np.zeros_like(W_xh), np.zeros_like(W_hh), np.zeros(H, dtype=W_hh.dtype)
    dh_next = np.zeros_like(h0)  # nothing flows back from beyond the last step
    for t in reversed(range(T)):
        h_prev = hs[:, t - 1] if t > 0 else h0
        # h_t feeds this step's output AND the next step: the two gradients add
        dx[:, t], dh_next, dW_xh_t, dW_hh_t, db_t = rnn_step_backward(dhs[:, t] + dh_next, x[:, t], h_prev,
                                                                      hs[:, t], W_xh, W_hh)
        dW_xh += dW_xh_t  # the same weights at every step: their gradients add up over the steps
        dW_hh += dW_hh_t
        db += db_t
    return dx, dh_next, dW_xh, dW_hh, db
