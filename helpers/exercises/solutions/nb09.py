"""Reference solutions for notebook 09. Try the exercises first!"""

import numpy as np


def _sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * z))


def lstm_step_backward(dh_new, dc_new, x, h, c, W, b):
    """Gradients (dx, dh, dc, dW, db) of one LSTM step (fused W: (D + H, 4H), gates i, f, g, o)."""
    H = h.shape[1]
    xh = np.concatenate([x, h], axis=1)
    z = xh @ W + b
    i, f, g, o = _sigmoid(z[:, :H]), _sigmoid(z[:, H:2 * H]), np.tanh(z[:, 2 * H:3 * H]), _sigmoid(z[:, 3 * H:])
    tanh_c = np.tanh(f * c + i * g)
    dc_total = dc_new + dh_new * o * (1 - tanh_c**2)  # the new cell reaches the loss directly and through h_new
    dz = np.concatenate([dc_total * g * i * (1 - i), dc_total * c * f * (1 - f), dc_total * i * (1 - g**2),
                         dh_new * tanh_c * o * (1 - o)], axis=1)
    dxh = dz @ W.T
    D = x.shape[1]
    return dxh[:, :D], dxh[:, D:], dc_total * f, xh.T @ dz, dz.sum(axis=0)


def gru_step(x, h, W_x, W_h, b_x, b_h):
    """One GRU step (PyTorch's gates r, z, n)."""
    H = h.shape[1]
    gx, gh = x @ W_x + b_x, h @ W_h + b_h
    r = _sigmoid(gx[:, :H] + gh[:, :H])
    z = _sigmoid(gx[:, H:2 * H] + gh[:, H:2 * H])
    n = np.tanh(gx[:, 2 * H:] + r * gh[:, 2 * H:])
    return (1 - z) * n + z * h


SOLUTIONS = {
    # 4 gates x (128 x 32 input weights + 128 x 128 hidden weights) + 2 bias vectors of 4 x 128
    "09.param_count": 4 * 128 * (32 + 128) + 2 * 4 * 128,
    # the smallest n with 0.95 ** n < 0.01: ln(0.01) / ln(0.95) = 89.8 -> 90
    "09.forget_horizon": 90,
    "09.lstm_step_backward": lstm_step_backward,
    "09.gru_step": gru_step,
}
