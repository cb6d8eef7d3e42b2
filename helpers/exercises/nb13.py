"""Checkers for notebook 13 (GPT)."""

import numpy as np

from helpers.exercises import array_answer, exercise, forbid, number_answer, tuple_answer
from helpers.scratch.gpt import top_p_filter


def _softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _causal_head(X, Wq, Wk, Wv):
    """One causal attention head over the whole sequence X (T, E), recomputed at once: (T, d)."""
    q, k, v = X @ Wq, X @ Wk, X @ Wv
    T, d = q.shape
    return _softmax(np.where(np.tri(T, dtype=bool), q @ k.T / np.sqrt(d), -np.inf)) @ v


def _kv_step_variants(x, K, V, Wq, Wk, Wv):
    """What common mistakes return as the new token's output, given a cache of P >= 1 tokens: name -> (d,)."""
    q, k, v = x @ Wq, x @ Wk, x @ Wv
    d = len(q)
    K1, V1 = np.vstack([K, k]), np.vstack([V, v])
    return {
        "past only": _softmax(K @ q / np.sqrt(d)) @ V,
        "itself only": v,
        "no scale": _softmax(K1 @ q) @ V1,
        "swapped": _softmax(V1 @ q / np.sqrt(d)) @ K1,
        "no softmax": np.exp(K1 @ q / np.sqrt(d)) @ V1,
        "values unweighted": V1.mean(axis=0),
    }


_KV_MISTAKES = {
    "past only": "the new token attends to the cached tokens only; it attends to ITSELF too: add its key and value to "
                 "the cache first, then attend",
    "itself only": "the new token attends only to itself: its query meets every key in the cache, the earlier "
                   "tokens' too",
    "no scale": "divide the scores by sqrt(d) before the softmax, as the full recompute does",
    "swapped": "the query is compared with the KEYS, and the weights average the VALUES",
    "no softmax": "the weights must sum to 1: a softmax over the scores (exp, then divide by the sum)",
    "values unweighted": "every value gets the same weight: weight them by the softmax of the query's scores with "
                         "the keys",
}


def _cache_mistake(got, want, name, P):
    """Say what is wrong with the returned cache `got` (K or V, as `name`), which should be `want` (P + 1, d)."""
    if P > 0 and got.shape == want[-1:].shape:
        return (f"the returned {name} has one row: keep the cached rows and add the new one below them "
                "(np.vstack or np.concatenate), do not replace them")
    if got.shape == want[:-1].shape:
        return f"the returned {name} has not grown: add this token's row to it ({P} rows in, {P + 1} out)"
    if got.shape != want.shape:
        return (f"the returned {name} must have shape {want.shape} (the {P} cached rows, then the new one), not "
                f"{got.shape}")
    if P > 0 and np.allclose(got, np.vstack([want[-1:], want[:-1]])):
        return f"the new row goes at the END of {name}: row i of the cache is token i's"
    return None


@exercise("13.kv_cache_step",
          hints=("Three steps: the new token's query, key and value; the cache grows by that key and value; then the "
                 "query attends to every row of the grown cache, itself included.",
                 "q, k, v = x @ Wq, x @ Wk, x @ Wv, each (d,); K = np.vstack([K, k]) and the same for V; the scores "
                 "K @ q / sqrt(d) have one entry per token so far, shape (P + 1,).",
                 "weights = softmax(scores) (subtract the max, exp, divide by the sum); out = weights @ V; "
                 "return out, K, V."))
def _kv_cache_step(answer):
    forbid(answer, {"gpt_decode": "write the step yourself, not with the course's gpt_decode",
                    "attention": "write the step yourself, not with the course's attention",
                    "torch": "write it in NumPy"})
    rng = np.random.default_rng()  # fresh sizes, weights and tokens on every check
    E, d, T = int(rng.integers(4, 9)), int(rng.integers(2, 6)), int(rng.integers(6, 10))
    X = rng.normal(size=(T, E))
    Wq, Wk, Wv = (rng.normal(size=(E, d)) / np.sqrt(E) for _ in range(3))
    full = _causal_head(X, Wq, Wk, Wv)
    K_all, V_all = X @ Wk, X @ Wv

    def step(t, K, V):
        got = tuple_answer(answer(X[t].copy(), K.copy(), V.copy(), Wq, Wk, Wv), 3, "a tuple (out, K, V)")
        out = array_answer(got[0], (d,), "an array of d numbers",
                           f"out is the head's output for the new token, shape (d,) = ({d},)")
        return out, np.asarray(got[1], dtype=float), np.asarray(got[2], dtype=float)

    # first from a cache that already holds P tokens: the new token must attend to them AND to itself
    P = int(rng.choice([p for p in range(2, T - 2) if p + 1 != d]))  # P + 1 != d: a (P + 1,) answer is not (d,)
    out, K, V = step(P, K_all[:P], V_all[:P])
    case = f"E = {E}, d = {d}, a cache of P = {P} tokens"
    if not np.allclose(out, full[P], rtol=1e-9, atol=1e-12):
        for mistake, value in _kv_step_variants(X[P], K_all[:P], V_all[:P], Wq, Wk, Wv).items():
            if np.allclose(out, value, rtol=1e-9, atol=1e-12):
                raise AssertionError(f"{_KV_MISTAKES[mistake]} ({case})")
        raise AssertionError(f"out differs from the full recompute's row {P} ({case}; largest difference "
                             f"{np.abs(out - full[P]).max():.3g})")
    for got, want, name in ((K, K_all[:P + 1], "K"), (V, V_all[:P + 1], "V")):
        other = V_all[:P + 1] if name == "K" else K_all[:P + 1]
        if got.shape == want.shape and np.allclose(got, other):
            raise AssertionError("K and V come back swapped: return (out, K, V) in that order")
        mistake = _cache_mistake(got, want, name, P)
        if mistake:
            raise AssertionError(f"{mistake} ({case})")
        if not np.allclose(got, want, rtol=1e-9, atol=1e-12):
            raise AssertionError(f"the returned {name} should be the cached rows and, below them, this token's "
                                 f"x @ W{name.lower()} ({case})")

    # then a whole sequence from an empty cache, one token at a time
    K, V = np.zeros((0, d)), np.zeros((0, d))
    for t in range(T):
        try:
            out, K, V = step(t, K, V)
        except (ValueError, IndexError, ZeroDivisionError) as e:
            if t == 0:
                raise AssertionError(f"with an empty cache (the first token) your step raised {type(e).__name__}: "
                                     f"{e}. Add the token's key and value to the cache before it attends, so that "
                                     "it always has itself to attend to") from None
            raise
        assert np.allclose(out, full[t], rtol=1e-9, atol=1e-12), (
            f"token {t} of {T}, stepped from an empty cache, differs from the full recompute (largest difference "
            f"{np.abs(out - full[t]).max():.3g})")
    assert np.allclose(K, K_all) and np.allclose(V, V_all), "after the last token the cache should hold every token"


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


def _compute_optimal(C, r):
    N = np.sqrt(C / (6 * r))
    return N, r * N


_OPTIMAL_MISTAKES = {  # what each mistake returns for (C, r)
    "swapped": lambda C, r: _compute_optimal(C, r)[::-1],
    "no 6": lambda C, r: (np.sqrt(C / r), np.sqrt(C * r)),
    "2ND": lambda C, r: (np.sqrt(C / (2 * r)), r * np.sqrt(C / (2 * r))),
    "no root": lambda C, r: (C / (6 * r), C / 6),
    "no ratio": lambda C, r: (np.sqrt(C / 6), np.sqrt(C / 6)),
    "fixed 20": lambda C, r: _compute_optimal(C, 20),
}
_OPTIMAL_MESSAGES = {
    "swapped": "N and D are the other way round: return (N, D), the parameters first; with r tokens PER parameter "
               "the tokens are r times the parameters, D = r·N",
    "no 6": "the budget is C = 6·N·D operations, not N·D: keep the 6",
    "2ND": "2·N·D is the forward pass only; training (forward and backward) costs C = 6·N·D",
    "no root": "with D = r·N the budget is C = 6·N·(r·N), quadratic in N: solve for N with a square root",
    "no ratio": "N = D spends the budget on 1 token per parameter: use D = tokens_per_parameter·N",
    "fixed 20": "use the tokens_per_parameter you are given, not always 20",
}


@exercise("13.compute_optimal",
          hints=("Two equations, two unknowns: the budget C = 6·N·D, and D = r·N. Put the second into the first: one "
                 "unknown is left.",
                 "C = 6·N·(r·N) = 6·r·N². Solve for N, then D = r·N.",
                 "N = sqrt(C / (6·r)) and D = r·N; return (N, D)."))
def _compute_optimal_checker(answer):
    rng = np.random.default_rng()  # fresh budgets and ratios on every check
    cases = [(10 ** rng.uniform(18, 25), 20.0)] + [(10 ** rng.uniform(18, 25), float(rng.choice([5.0, 12.0, 40.0])))
                                                   for _ in range(3)]
    for C, r in cases:
        case = f"C = {C:.3g}, tokens_per_parameter = {r:g}"
        got = tuple_answer(answer(C, r), 2, "a tuple (N, D)")
        N, D = (number_answer(v, "N and D") for v in got)
        want = _compute_optimal(C, r)
        if np.allclose((N, D), want, rtol=1e-6, atol=0):
            continue
        for mistake, f in _OPTIMAL_MISTAKES.items():
            if np.allclose((N, D), f(C, r), rtol=1e-6, atol=0):
                raise AssertionError(f"{_OPTIMAL_MESSAGES[mistake]} ({case})")
        if not np.isclose(6 * N * D, C, rtol=1e-6):
            raise AssertionError(f"6·N·D = {6 * N * D:.3g} operations, not the budget C ({case})")
        raise AssertionError(f"N·D fits the budget, but D/N = {D / N:.3g}, not {r:g} tokens per parameter ({case})")
