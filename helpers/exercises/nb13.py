"""Checkers for notebook 13 (GPT)."""

import numpy as np

from helpers.exercises import array_answer, exercise, forbid, number_answer
from helpers.scratch.gpt import top_p_filter


def _softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _attention_variants(q, k, v):
    """What common mistakes compute, to name them: name -> output."""
    L, d = q.shape[-2], q.shape[-1]
    scores = q @ k.swapaxes(-1, -2) / np.sqrt(d)
    lower, upper = np.tri(L, dtype=bool), np.tri(L, dtype=bool).T
    return {
        "no mask": _softmax(scores) @ v,
        "future": _softmax(np.where(upper, scores, -np.inf)) @ v,
        "strict": _softmax(np.where(np.tri(L, k=-1, dtype=bool) | (np.arange(L) == 0)[:, None], scores,
                                    -np.inf)) @ v,
        "no scale": _softmax(np.where(lower, scores * np.sqrt(d), -np.inf)) @ v,
        "zero": _softmax(np.where(lower, scores, 0.0)) @ v,
        "axis": _softmax(np.where(lower, scores, -np.inf), axis=-2) @ v,
    }


_ATTENTION_MISTAKES = {
    "no mask": "every position attends to every position: hide the future (keys after the query) with -inf "
               "before the softmax",
    "future": "your mask keeps the FUTURE and hides the past: position t may attend to keys 0..t (on and below "
              "the diagonal)",
    "strict": "a position may attend to itself too (the diagonal stays): keys 0..t, t included",
    "no scale": "divide the scores q·k by sqrt(d) before the softmax",
    "zero": "a masked score set to 0 still gets weight (e^0 = 1): set it to -inf, so that e^(-inf) = 0",
    "axis": "the softmax runs over the KEYS (the last axis), so that each query's weights sum to 1",
}


@exercise("13.causal_attention",
          hints=("Three steps: the scores of every query with every key (scaled), the future hidden, a softmax "
                 "over the keys; then the weighted sum of the values.",
                 "scores = q @ k.swapaxes(-1, -2) / sqrt(d), shape (..., L, L); row t is query t. Keep the entries "
                 "on and below the diagonal (np.tri(L, dtype=bool)), -inf elsewhere.",
                 "weights = softmax(np.where(np.tri(L, dtype=bool), scores, -np.inf)) along the last axis; return "
                 "weights @ v."))
def _causal_attention(answer):
    import torch
    import torch.nn.functional as F

    forbid(answer, {"scaled_dot_product_attention": "write it in NumPy (PyTorch's is the referee)",
                    "torch": "write it in NumPy (PyTorch is the referee)",
                    "attention": "write it yourself, not with the course's attention"})
    rng = np.random.default_rng()  # fresh inputs on every check
    for shape in [(5, 4), (2, 7, 3), (2, 3, 6, 8)]:
        q, k, v = (rng.normal(size=shape) for _ in range(3))
        got = array_answer(answer(q.copy(), k.copy(), v.copy()), shape, "an array shaped like v",
                           f"the output has one vector per query, shape {shape}")
        want = F.scaled_dot_product_attention(*(torch.tensor(a) for a in (q, k, v)), is_causal=True).numpy()
        if np.allclose(got, want, rtol=1e-9, atol=1e-12):
            continue
        for mistake, value in _attention_variants(q, k, v).items():
            if np.allclose(got, value, rtol=1e-9, atol=1e-12):
                raise AssertionError(_ATTENTION_MISTAKES[mistake])
        raise AssertionError(f"for q, k, v of shape {shape} your output differs from causal attention's "
                             f"(largest difference {np.abs(got - want).max():.3g})")


def _top_p_variants(probs, p):
    order = np.argsort(-probs)
    sorted_p = probs[order]
    keep_upto = np.zeros(len(probs), bool)
    keep_upto[order] = np.cumsum(sorted_p) <= p  # stops before the token that crosses p
    least = np.zeros(len(probs), bool)
    least[order[::-1]] = np.cumsum(sorted_p[::-1]) - sorted_p[::-1] < p  # the LEAST likely tokens
    right = top_p_filter(probs, p)
    out = {"not renormalised": np.where(right > 0, probs, 0.0), "least likely": np.where(least, probs, 0.0)}
    if keep_upto.any():
        out["stops short"] = np.where(keep_upto, probs, 0.0) / np.where(keep_upto, probs, 0.0).sum()
    out["least likely"] = out["least likely"] / out["least likely"].sum()
    return out


_TOP_P_MISTAKES = {
    "not renormalised": "the kept probabilities must sum to 1 again: divide them by their total",
    "stops short": "keep the token that makes the total reach p too (keep a token if the tokens MORE likely than it "
                   "have less than p in total)",
    "least likely": "sort from the MOST likely token down",
}


@exercise("13.top_p",
          hints=("Sort the tokens from most to least likely and walk down the list, adding up probability: the "
                 "nucleus is where you are when the total first reaches p.",
                 "order = np.argsort(-probs); before = np.cumsum(probs[order]) - probs[order] is the probability "
                 "ahead of each token; keep the ones with before < p, zero the rest, divide by the sum.",
                 "keep = np.zeros(V, bool); keep[order] = before < p; kept = np.where(keep, probs, 0); "
                 "return kept / kept.sum()."))
def _top_p_exercise(answer):
    forbid(answer, {"top_p_filter": "write it yourself, not with the course's top_p_filter",
                    "next_token_probs": "write it yourself, not with the course's next_token_probs"})
    rng = np.random.default_rng()  # fresh inputs on every check
    for V, p in [(8, 0.5), (30, 0.9), (5, 0.99), (12, 0.2)]:
        probs = _softmax(rng.normal(scale=2.0, size=V))
        got = array_answer(answer(probs.copy(), p), (V,), "an array of V probabilities",
                           f"the answer has one probability per token, shape ({V},)")
        want = top_p_filter(probs, p)  # the course's version is the referee
        if np.allclose(got, want, atol=1e-12):
            continue
        if np.allclose(got, probs, atol=1e-12):
            raise AssertionError("these are the probabilities unchanged: set those outside the nucleus to 0")
        for mistake, value in _top_p_variants(probs, p).items():
            if np.allclose(got, value, atol=1e-12):
                raise AssertionError(_TOP_P_MISTAKES[mistake])
        raise AssertionError(f"for V = {V}, p = {p} your probabilities differ from the nucleus's (largest "
                             f"difference {np.abs(got - want).max():.3g})")


_XL = 1_557_611_200  # GPT-2 XL's parameters


@exercise("13.adam_memory",
          hints=("Count the numbers training keeps for every parameter, and the bytes of each (float32: 4 bytes).",
                 "Four numbers per parameter: the weight, its gradient, and Adam's two running averages (m and v).",
                 "16 bytes × 1,557,611,200 parameters, in gigabytes (1 GB = 1e9 bytes)."))
def _adam_memory(answer):
    gb = number_answer(answer, "gigabytes")
    for count, what in ((4, "only the weights"), (8, "the weights and gradients, but not Adam's m and v"),
                        (12, "three numbers per parameter; there are four: weight, gradient, m and v")):
        if np.isclose(gb, count * _XL / 1e9, rtol=1e-3):
            raise AssertionError(f"that counts {what}")
    if np.isclose(gb, 16 * _XL / 2**30, rtol=1e-3):
        raise AssertionError("use 1 GB = 1e9 bytes (you divided by 2^30)")
    if np.isclose(gb, 16 * _XL, rtol=1e-3):
        raise AssertionError("that is in bytes: give gigabytes (divide by 1e9)")
    assert np.isclose(gb, 16 * _XL / 1e9, rtol=1e-3), f"{gb} GB is not it: count the bytes per parameter"
