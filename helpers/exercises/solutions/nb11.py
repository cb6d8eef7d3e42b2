"""Reference solutions for notebook 11. Try the exercises first!"""

import numpy as np


def masked_attention(q, k, v, mask):
    """softmax(q k^T / sqrt(d), keys where mask is False excluded) v."""
    scores = q @ k.swapaxes(-1, -2) / np.sqrt(q.shape[-1])
    scores = np.where(mask, scores, -np.inf)  # before the softmax: the masked weights become exactly 0
    w = np.exp(scores - scores.max(axis=-1, keepdims=True))
    w /= w.sum(axis=-1, keepdims=True)
    return w @ v


SOLUTIONS = {
    "11.masked_attention": masked_attention,
    # four (512, 512) maps (W_Q, W_K, W_V, W_O) and their biases; the heads share out the features
    "11.mha_params": 4 * 512 * 512 + 4 * 512,
    # 12 heads x 1024 x 1024 weights x 4 bytes = 48 MiB
    "11.attention_memory": 12 * 1024**2 * 4 / 2**20,
}
