"""Checkers for notebook 11 (the Transformer)."""

import numpy as np

from helpers.exercises import exercise, forbid, number_answer


def _torch_attention(q, k, v, mask):
    import torch
    import torch.nn.functional as F

    return F.scaled_dot_product_attention(torch.tensor(q), torch.tensor(k), torch.tensor(v),
                                          attn_mask=torch.tensor(mask)).numpy()


def _variants(q, k, v, mask):
    """What common mistakes compute, to name them: name -> output."""
    d = q.shape[-1]

    def soft(s, axis=-1):
        e = np.exp(s - s.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)

    s = q @ k.swapaxes(-1, -2)
    masked = np.where(mask, s / np.sqrt(d), -np.inf)
    return {
        "no scale": soft(np.where(mask, s, -np.inf)) @ v,
        "scale by d": soft(np.where(mask, s / d, -np.inf)) @ v,
        "mask ignored": soft(s / np.sqrt(d)) @ v,
        "mask inverted": _safe(lambda: soft(np.where(~mask, s / np.sqrt(d), -np.inf)) @ v),
        "mask after softmax": (soft(s / np.sqrt(d)) * mask) @ v,
        "softmax over queries": _safe(lambda: soft(masked, axis=-2) @ v),
    }


def _safe(f):
    with np.errstate(all="ignore"):
        return f()


@exercise("11.masked_attention",
          hints=("Three steps: scores of every query with every key (one matrix product), scaled; masked scores "
                 "made impossible; a softmax over the keys; then a weighted sum of the values.",
                 "scores = q @ k.swapaxes(-1, -2) / sqrt(d); set the scores where mask is False to -inf (np.where) "
                 "BEFORE the softmax, so that those weights come out exactly 0 and the others still sum to 1.",
                 "w = exp(scores − max over the last axis); w /= w.sum(axis=-1, keepdims=True); return w @ v."))
def _masked_attention(answer):
    forbid(answer, {"attention": "write it yourself, without our attention()",
                    "scaled_dot_product_attention": "write it in NumPy, without PyTorch's attention",
                    "torch": "write it in NumPy (PyTorch is the referee)"})
    rng = np.random.default_rng()  # fresh inputs on every check: the answer must be right, not lucky
    for B, Lq, Lk, d, dv in [(2, 4, 6, 8, 3), (1, 5, 5, 4, 4), (3, 1, 3, 2, 5), (2, 6, 6, 16, 2)]:
        q, k, v = rng.normal(size=(B, Lq, d)), rng.normal(size=(B, Lk, d)), rng.normal(size=(B, Lk, dv))
        mask = rng.random((Lq, Lk)) < 0.6
        mask[np.arange(Lq), rng.integers(0, Lk, Lq)] = True  # every query may attend to at least one key
        got = np.asarray(answer(q.copy(), k.copy(), v.copy(), mask.copy()), dtype=np.float64)
        want = _torch_attention(q, k, v, mask)
        case = f"B={B}, Lq={Lq}, Lk={Lk}, d={d}"
        if got.shape != want.shape:
            raise AssertionError(f"the output should have shape (B, Lq, dv) = {want.shape}, got {got.shape} ({case})")
        if np.allclose(got, want, rtol=1e-9, atol=1e-12):
            continue
        for mistake, out in _variants(q, k, v, mask).items():
            if np.all(np.isfinite(out)) and np.allclose(got, out, rtol=1e-9, atol=1e-12):
                raise AssertionError({
                    "no scale": "the scores are not scaled: divide q·k by sqrt(d), d = q.shape[-1]",
                    "scale by d": "divide the scores by sqrt(d), not by d",
                    "mask ignored": "the mask has no effect: keys where mask is False must get weight 0",
                    "mask inverted": "True means MAY attend: you masked out the keys that should be kept",
                    "mask after softmax": "the masked weights are zeroed after the softmax, so the rest no longer "
                                          "sum to 1: mask the scores (with -inf) before the softmax",
                    "softmax over queries": "the softmax runs over the wrong axis: each query's weights over the "
                                            "KEYS (the last axis) must sum to 1",
                }[mistake])
        raise AssertionError(f"the output differs from PyTorch's ({case}): max difference "
                             f"{np.nanmax(np.abs(got - want)):.3g}")


_E, _H = 512, 8


@exercise("11.mha_params",
          hints=("Four linear maps of E = 512 inputs and 512 outputs each: W_Q, W_K, W_V and the output map W_O. "
                 "Does the number of heads change their sizes?",
                 "Each map has a (512, 512) weight and a bias of 512; the 8 heads share out the 512 features, they "
                 "do not multiply them.",
                 "4 · 512 · 512 + 4 · 512."))
def _mha_params(answer):
    n = number_answer(answer, "a count of parameters")
    weights, biases = 4 * _E * _E, 4 * _E
    if n == weights:
        raise AssertionError("you counted the weights; each of the four maps also has a bias of 512")
    if n in (3 * _E * _E + 3 * _E, 3 * _E * _E):
        raise AssertionError("queries, keys and values make three maps; the heads' outputs are mixed by a fourth, "
                             "the output projection W_O")
    if n in (_H * (weights + biases), _H * weights, _H * (3 * _E * _E + 3 * _E)):
        raise AssertionError("the heads do not multiply the parameters: each head works on 512 / 8 = 64 of the "
                             "512 features, so together they use one (512, 512) map for Q, one for K, one for V")
    if n in (4 * (_E // _H) * _E + 4 * _E, 4 * (_E // _H) ** 2 * _H + 4 * _E):
        raise AssertionError("each head's map is (512, 64), but there are 8 of them: together one (512, 512) map")
    assert n == weights + biases, f"{n:.0f} is not the count: add up four (512, 512) weights and four biases of 512"


@exercise("11.attention_memory",
          hints=("Each head of the layer stores one weight for every (query, key) pair.",
                 "1,024 × 1,024 weights per head, 12 heads, 4 bytes each; then divide by 2^20.",
                 "12 · 1024² · 4 / 2^20."))
def _attention_memory(answer):
    x = number_answer(answer, "MiB")
    want = 12 * 1024**2 * 4 / 2**20  # 48
    if abs(x - want / 12) < 1e-6:
        raise AssertionError("that is one head's weights; the layer has 12 heads")
    if abs(x - 2 * want) < 1e-6:
        raise AssertionError("float32 takes 4 bytes per number, not 8")
    if abs(x - want * 12) < 1e-6:
        raise AssertionError("that is all 12 layers; the question asks for one")
    if abs(x - 12 * 1024 * 4 / 2**20) < 1e-6:
        raise AssertionError("each of the 1,024 queries has a weight for each of the 1,024 keys: 1,024² per head")
    if abs(x - want * 2**20 / 1e6) < 1e-6:
        raise AssertionError("that is in MB (10^6 bytes); 1 MiB is 2^20 = 1,048,576 bytes")
    assert abs(x - want) < 1e-6, f"{x:g} MiB is not it: count the weights per head, the heads, and the bytes"
