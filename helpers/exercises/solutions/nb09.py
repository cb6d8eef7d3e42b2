"""Reference solutions for notebook 09. Try the exercises first!"""

import numpy as np


def _sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * z))


def gru_step_backward(dh_new, x, h, W_x, W_h, b_x, b_h):
    """Gradients (dx, dh, dW_x, dW_h, db_x, db_h) of one GRU step (PyTorch's gates r, z, n)."""
    H = h.shape[1]
    gx, gh = x @ W_x + b_x, h @ W_h + b_h
    r, z = _sigmoid(gx[:, :H] + gh[:, :H]), _sigmoid(gx[:, H:2 * H] + gh[:, H:2 * H])
    n = np.tanh(gx[:, 2 * H:] + r * gh[:, 2 * H:])
    # h_new = (1 - z) * n + z * h: three ways back
    dn, dz, dh = dh_new * (1 - z), dh_new * (h - n), dh_new * z
    da_n = dn * (1 - n**2)
    da_r, da_z = da_n * gh[:, 2 * H:] * r * (1 - r), dz * z * (1 - z)
    dgx = np.concatenate([da_r, da_z, da_n], axis=1)  # (B, 3H): gradients of x's products
    dgh = np.concatenate([da_r, da_z, da_n * r], axis=1)  # h's n block sits inside r * (...)
    return dgx @ W_x.T, dh + dgh @ W_h.T, x.T @ dgx, h.T @ dgh, dgx.sum(axis=0), dgh.sum(axis=0)


def coupled_lstm_step(x, h, c, W, b):
    """An LSTM step with coupled gates (i = 1 - f): W (D + H, 3H) holds f, g, o -> (h_new, c_new)."""
    H = h.shape[1]
    z = np.concatenate([x, h], axis=1) @ W + b
    f, g, o = _sigmoid(z[:, :H]), np.tanh(z[:, H:2 * H]), _sigmoid(z[:, 2 * H:])
    c_new = f * c + (1 - f) * g  # what is written is what is forgotten
    return o * np.tanh(c_new), c_new


SOLUTIONS = {
    # 4 gates x (128 x 32 input weights + 128 x 128 hidden weights) + 2 bias vectors of 4 x 128
    "09.param_count": 4 * 128 * (32 + 128) + 2 * 4 * 128,
    # the smallest n with 0.95 ** n < 0.01: ln(0.01) / ln(0.95) = 89.8 -> 90
    "09.forget_horizon": 90,
    "09.gru_step_backward": gru_step_backward,
    "09.coupled_gates": coupled_lstm_step,
}
