"""Reference solutions for notebook 13. Try the exercises first!"""

import numpy as np


def kv_cache_step(x, K, V, Wq, Wk, Wv):
    """One token through one causal attention head with a KV cache.

    x (E,): the new token's vector; K, V (P, d): the keys and values of the P tokens before it; Wq, Wk, Wv (E, d).
    Returns (out (d,), K (P + 1, d), V (P + 1, d)).
    """
    q, k, v = x @ Wq, x @ Wk, x @ Wv
    K, V = np.vstack([K, k]), np.vstack([V, v])  # into the cache first: a token attends to itself too
    scores = K @ q / np.sqrt(len(q))  # (P + 1,): one score per token so far
    weights = np.exp(scores - scores.max())
    return (weights / weights.sum()) @ V, K, V


def top_p(probs, p):
    """probs (V,) -> the nucleus: the most likely tokens until their total reaches p, renormalised."""
    order = np.argsort(-probs)
    before = np.cumsum(probs[order]) - probs[order]  # the probability of the tokens ahead of each
    keep = np.zeros(len(probs), dtype=bool)
    keep[order] = before < p
    kept = np.where(keep, probs, 0.0)
    return kept / kept.sum()


def compute_optimal(C, tokens_per_parameter=20):
    """A budget of C operations -> (N parameters, D tokens) with D = tokens_per_parameter * N and C = 6 N D."""
    N = np.sqrt(C / (6 * tokens_per_parameter))  # C = 6 N (r N) = 6 r N^2
    return N, tokens_per_parameter * N


SOLUTIONS = {
    "13.kv_cache_step": kv_cache_step,
    "13.top_p": top_p,
    "13.compute_optimal": compute_optimal,
}
