"""Reference solutions for notebook 08's exercises (try first!)."""

import numpy as np

# embedding 27·32, nn.RNN: W_xh 128·32, W_hh 128·128, bias_ih 128, bias_hh 128; head 128·27 + 27
param_count = 27 * 32 + (128 * 32 + 128 * 128 + 128 + 128) + (128 * 27 + 27)


# 08.temperature_shares: measured in the notebook (300 samples per temperature from the names model, seed 0)
temperature_shares = {0.5: 0.51, 1.0: 0.193, 1.5: 0.067}


def clip_by_global_norm(grads, max_norm):
    total = np.sqrt(sum((g ** 2).sum() for g in grads.values()))  # one norm over all arrays together
    scale = min(1.0, max_norm / (total + 1e-6))  # shrink only; the same factor for every array
    return {k: g * scale for k, g in grads.items()}


def truncated_dW_hh(x, h0, W_xh, W_hh, b, g, K):
    """dL/dW_hh for L = sum(g * h_T), backpropagated through the last K steps only."""
    T = x.shape[1]
    hs = [h0]
    for t in range(T):
        hs.append(np.tanh(x[:, t] @ W_xh.T + hs[-1] @ W_hh.T + b))
    dW_hh, dh = np.zeros_like(W_hh), g
    for t in range(T, T - K, -1):  # hs[t] is h_t: steps T, T - 1, ..., T - K + 1
        da = dh * (1 - hs[t] ** 2)
        dW_hh += da.T @ hs[t - 1]
        dh = da @ W_hh
    return dW_hh


SOLUTIONS = {
    "08.param_count": param_count,
    "08.temperature_shares": temperature_shares,
    "08.clip_grad_norm": clip_by_global_norm,
    "08.truncated_bptt": truncated_dW_hh,
}
