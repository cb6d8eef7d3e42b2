"""Reference solutions for notebook 12. Try the exercises first!"""

import numpy as np

IGNORE = -100  # the label of a position that is not predicted


def mlm_loss(logits, labels):
    """Mean over the chosen positions (labels != -100) of -log softmax(logits)[true word]."""
    shifted = logits - logits.max(axis=-1, keepdims=True)  # stable: exp never overflows
    log_p = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    chosen = labels != -100
    picked = np.take_along_axis(log_p, np.where(chosen, labels, 0)[..., None], axis=-1)[..., 0]
    return -picked[chosen].mean()


def my_mask_tokens(ids, maskable, rng, vocab_size, n_special, mask_id, rate=0.15):
    """BERT's rule: choose each maskable position with probability rate; of the chosen, 80 % become mask_id, 10 % a
    random ordinary id (n_special..vocab_size-1), 10 % stay. Returns (masked_ids, labels), labels the original id
    where chosen and IGNORE elsewhere; ids itself is left as it was."""
    ids = np.asarray(ids)
    chosen = (rng.random(ids.shape) < rate) & maskable
    labels = np.where(chosen, ids, IGNORE)
    what = rng.random(ids.shape)  # one draw decides the action: < 0.8 mask, < 0.9 random, else keep
    masked = ids.copy()
    masked[chosen & (what < 0.8)] = mask_id
    random = chosen & (what >= 0.8) & (what < 0.9)
    masked[random] = rng.integers(n_special, vocab_size, size=int(random.sum()))
    return masked, labels


def segment_ids(ids, sep_id, pad_id):
    """(B, L) ints: 1 where exactly one [SEP] comes before the position (sentence B and the [SEP] that closes it),
    0 elsewhere ([CLS], sentence A and its [SEP]; the padding, after two [SEP]s)."""
    ids = np.asarray(ids)
    is_sep = ids == sep_id
    before = np.cumsum(is_sep, axis=1) - is_sep  # the [SEP]s strictly before each position
    return ((before == 1) & (ids != pad_id)).astype(np.int64)


SOLUTIONS = {
    "12.mlm_loss": mlm_loss,
    "12.mask_tokens": my_mask_tokens,
    "12.segment_ids": segment_ids,
}
