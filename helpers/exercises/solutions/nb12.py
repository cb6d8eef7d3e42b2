"""Reference solutions for notebook 12. Try the exercises first!"""

import numpy as np


def mlm_loss(logits, labels):
    """Mean over the chosen positions (labels != -100) of -log softmax(logits)[true word]."""
    shifted = logits - logits.max(axis=-1, keepdims=True)  # stable: exp never overflows
    log_p = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    chosen = labels != -100
    picked = np.take_along_axis(log_p, np.where(chosen, labels, 0)[..., None], axis=-1)[..., 0]
    return -picked[chosen].mean()


SOLUTIONS = {
    "12.mlm_loss": mlm_loss,
    # 15 % of 10,000 are chosen (1,500); of those 80 % [MASK], 10 % random, 10 % unchanged
    "12.mask_counts": (1200, 150, 150),
    # word, position and segment tables, 768 wide, and the layer norm's scale and shift
    "12.embedding_params": (30522 + 512 + 2) * 768 + 2 * 768,
}
