"""Reference solutions for notebook 13. Try the exercises first!"""

import numpy as np


def causal_attention(q, k, v):
    """q, k, v: (..., L, d) -> (..., L, d): position t attends to positions 0..t only."""
    L, d = q.shape[-2], q.shape[-1]
    scores = q @ k.swapaxes(-1, -2) / np.sqrt(d)  # (..., L, L): row t is query t
    scores = np.where(np.tri(L, dtype=bool), scores, -np.inf)  # the future gets e^(-inf) = 0 weight
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights /= weights.sum(axis=-1, keepdims=True)
    return weights @ v


def top_p(probs, p):
    """probs (V,) -> the nucleus: the most likely tokens until their total reaches p, renormalised."""
    order = np.argsort(-probs)
    before = np.cumsum(probs[order]) - probs[order]  # the probability of the tokens ahead of each
    keep = np.zeros(len(probs), dtype=bool)
    keep[order] = before < p
    kept = np.where(keep, probs, 0.0)
    return kept / kept.sum()


SOLUTIONS = {
    "13.causal_attention": causal_attention,
    "13.top_p": top_p,
    # weight, gradient, Adam's m and v: four float32 numbers (16 bytes) per parameter
    "13.adam_memory": 16 * 1_557_611_200 / 1e9,
}
