"""GPT-2 from scratch in NumPy, forward and backward, reading a state dict in the layout of Hugging Face's
``GPT2LMHeadModel`` as it is (so real GPT-2 weights run here unchanged).

Notebook 13 (GPT) teaches it verbatim.
It reuses notebook 11's layers (``helpers.scratch.attention``): GPT-2's block is a pre-norm decoder layer without
cross-attention, x = x + attention(LN(x)) with a causal mask, x = x + MLP(LN(x)) with the tanh GELU; a final layer
norm, and a head tied to the token embedding (the logits are dot products with every token's input vector).

GPT-2 stores its linear maps as ``Conv1D``: weight (in, out), y = x W + b, the transpose of nn.Linear's (out, in).
``gpt_block_weights`` transposes them into the layout of notebook 11's ``multi_head_attention`` and
``feed_forward``; ``gpt_backward`` transposes the gradients back, so every gradient has its parameter's name and shape.

    logits, cache = gpt_forward(ids, weights, n_heads=12)     ids (B, L) ints, logits (B, L, vocab)
    loss, dlogits = next_token_loss(logits, ids)               predict token t + 1 from tokens <= t
    grads = gpt_backward(dlogits, cache)                       {name: gradient} for every parameter

Generation (notebook 13): ``gpt_decode`` runs only the NEW tokens through the model, reading the keys and values of
the earlier ones from a cache (the KV cache); ``next_token_probs`` turns the last logits into the distribution to
sample from (temperature, top-k, top-p); ``generate`` strings the two together.
"""

import numpy as np

from helpers.scratch.attention import (
    attention,
    causal_mask,
    feed_forward,
    feed_forward_backward,
    layer_norm,
    layer_norm_backward,
    linear,
    merge_heads,
    multi_head_attention,
    multi_head_attention_backward,
    project_qkv,
    softmax,
)
from helpers.scratch.validate import check_positive_int

__all__ = ["gpt_block_weights", "gpt_forward", "next_token_loss", "gpt_backward", "gpt_parameter_count",
           "gpt_decode", "top_k_filter", "top_p_filter", "next_token_probs", "generate", "count_layers",
           "BLOCK_PREFIX"]

BLOCK_PREFIX = "transformer.h.{}."


def gpt_block_weights(weights, i):
    """Block i of a GPT2LMHeadModel state dict (NumPy) in the layout of notebook 11's layers (nn.Linear's)."""
    p = BLOCK_PREFIX.format(i)
    return {"in_proj_weight": weights[p + "attn.c_attn.weight"].T, "in_proj_bias": weights[p + "attn.c_attn.bias"],
            "out_proj_weight": weights[p + "attn.c_proj.weight"].T, "out_proj_bias": weights[p + "attn.c_proj.bias"],
            "W1": weights[p + "mlp.c_fc.weight"].T, "b1": weights[p + "mlp.c_fc.bias"],
            "W2": weights[p + "mlp.c_proj.weight"].T, "b2": weights[p + "mlp.c_proj.bias"],
            "ln_1": (weights[p + "ln_1.weight"], weights[p + "ln_1.bias"]),
            "ln_2": (weights[p + "ln_2.weight"], weights[p + "ln_2.bias"])}


def count_layers(weights):
    return 1 + max(int(k.split(".")[2]) for k in weights if k.startswith("transformer.h."))


def gpt_forward(ids, weights, n_heads, eps=1e-5):
    """GPT-2 on token ids (B, L): returns (logits (B, L, vocab), cache for ``gpt_backward``).

    weights: a GPT2LMHeadModel state dict as NumPy arrays (``lm_head.weight`` may be missing: it is tied to
    ``transformer.wte.weight``). Position t sees tokens 0..t only (the causal mask).
    """
    ids = np.asarray(ids)
    wte, wpe = weights["transformer.wte.weight"], weights["transformer.wpe.weight"]
    if ids.ndim != 2 or not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"gpt_forward expects integer token ids of shape (B, L), got {ids.dtype} {ids.shape}")
    if ids.shape[1] > len(wpe) or ids.min() < 0 or ids.max() >= len(wte):
        raise ValueError(f"gpt_forward: L must be <= {len(wpe)} positions and ids in [0, {len(wte)}), got "
                         f"L = {ids.shape[1]}, ids in [{ids.min()}, {ids.max()}]")
    check_positive_int(n_heads, "gpt_forward", "n_heads")
    L = ids.shape[1]
    mask = causal_mask(L)
    x = wte[ids] + wpe[:L]
    blocks = []
    for i in range(count_layers(weights)):
        w = gpt_block_weights(weights, i)
        h, ln_1 = layer_norm(x, *w["ln_1"], eps)
        a, attn_weights = multi_head_attention(h, h, h, w["in_proj_weight"], w["in_proj_bias"], w["out_proj_weight"],
                                               w["out_proj_bias"], n_heads, mask=mask)
        x = x + a  # the residual stream: each block ADDS to it
        h2, ln_2 = layer_norm(x, *w["ln_2"], eps)
        f, mlp = feed_forward(h2, w["W1"], w["b1"], w["W2"], w["b2"], activation="gelu_tanh")
        x = x + f
        blocks.append((w, h, attn_weights, ln_1, ln_2, mlp))
    y, ln_f = layer_norm(x, weights["transformer.ln_f.weight"], weights["transformer.ln_f.bias"], eps)
    logits = y @ wte.T  # the tied head: a token's score is its embedding's dot product with y
    return logits, {"ids": ids, "y": y, "wte": wte, "blocks": blocks, "ln_f": ln_f, "n_heads": n_heads,
                    "n_positions": len(wpe)}


def next_token_loss(logits, ids):
    """Mean cross-entropy of predicting ids[:, t + 1] from logits[:, t]; returns (loss, dlogits (B, L, V)).

    The last position has no next token: its gradient is 0.
    """
    z = logits[:, :-1]
    target = ids[:, 1:]
    z = z - z.max(axis=-1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    n = target.size
    loss = -np.take_along_axis(log_p, target[..., None], axis=-1).mean()
    dlogits = np.zeros_like(logits)
    dz = np.exp(log_p)  # softmax - one_hot, over n predictions
    np.put_along_axis(dz, target[..., None], np.take_along_axis(dz, target[..., None], axis=-1) - 1, axis=-1)
    dlogits[:, :-1] = dz / n
    return loss, dlogits


def gpt_backward(dlogits, cache):
    """Backward of ``gpt_forward``: dlogits (B, L, V) -> {name: gradient}, names and shapes as in the state dict.

    The token embedding is used twice (input and tied head): its gradient is the sum of both uses.
    """
    ids, y, wte, n_heads = cache["ids"], cache["y"], cache["wte"], cache["n_heads"]
    V, E = wte.shape
    d2 = dlogits.reshape(-1, V)
    grads = {"transformer.wte.weight": d2.T @ y.reshape(-1, E)}  # the head: logits = y wte^T
    dx, grads["transformer.ln_f.weight"], grads["transformer.ln_f.bias"] = layer_norm_backward(
        (d2 @ wte).reshape(y.shape), cache["ln_f"])
    for i in reversed(range(len(cache["blocks"]))):
        w, h, attn_weights, ln_1, ln_2, mlp = cache["blocks"][i]
        p = BLOCK_PREFIX.format(i)
        # x = x + f: the residual passes dx through, and f's branch adds its own part
        dh2, dW1, db1, dW2, db2 = feed_forward_backward(dx, mlp)
        dres, grads[p + "ln_2.weight"], grads[p + "ln_2.bias"] = layer_norm_backward(dh2, ln_2)
        dx = dx + dres
        grads[p + "mlp.c_fc.weight"], grads[p + "mlp.c_fc.bias"] = dW1.T, db1
        grads[p + "mlp.c_proj.weight"], grads[p + "mlp.c_proj.bias"] = dW2.T, db2
        dq, dk, dv, dWin, dbin, dWout, dbout = multi_head_attention_backward(
            dx, h, h, h, w["in_proj_weight"], w["in_proj_bias"], w["out_proj_weight"], w["out_proj_bias"], n_heads,
            attn_weights)
        dres, grads[p + "ln_1.weight"], grads[p + "ln_1.bias"] = layer_norm_backward(dq + dk + dv, ln_1)
        dx = dx + dres
        grads[p + "attn.c_attn.weight"], grads[p + "attn.c_attn.bias"] = dWin.T, dbin
        grads[p + "attn.c_proj.weight"], grads[p + "attn.c_proj.bias"] = dWout.T, dbout
    # x = wte[ids] + wpe[:L]: every position's row of wpe, every token's row of wte, summed over the batch
    grads["transformer.wpe.weight"] = np.zeros((cache["n_positions"], E), dtype=dx.dtype)
    grads["transformer.wpe.weight"][:dx.shape[1]] = dx.sum(axis=0)  # positions beyond L were not used: 0
    np.add.at(grads["transformer.wte.weight"], ids.reshape(-1), dx.reshape(-1, E))
    return grads


def gpt_parameter_count(vocab, positions, layers, width):
    """Parameters of GPT-2 (head tied to the token embedding, so it adds none), by formula.

    Each block: two layer norms (2 x 2E), attention's W_qkv (E x 3E) and W_o (E x E) with biases, and the MLP's
    E x 4E and 4E x E maps with biases: 12 E^2 + 13 E. Plus the token and position tables and a final layer norm.
    """
    block = 12 * width * width + 13 * width
    return (vocab + positions) * width + layers * block + 2 * width


def gpt_decode(new_ids, weights, n_heads, kv, eps=1e-5):
    """Run only the NEW tokens through GPT-2, the earlier ones read from the KV cache: logits (B, T, vocab).

    new_ids: (B, T) ints, the tokens after the P already in ``kv``; kv: a list with one [K, V] per block, the keys
    and values of those P tokens, each (B, heads, P, d) (an empty list to start); it is extended in place.
    A token's key and value never change once computed (a later token cannot change an earlier one: the causal
    mask), so keeping them saves recomputing the whole prefix at every step of generation.
    """
    P = kv[0][0].shape[2] if kv else 0
    T = new_ids.shape[1]
    wte, wpe = weights["transformer.wte.weight"], weights["transformer.wpe.weight"]
    if P + T > len(wpe):
        raise ValueError(f"gpt_decode: the context is full: {P} cached + {T} new tokens > the model's {len(wpe)} "
                         f"positions (it has no position embedding beyond). Start again from the last tokens.")
    x = wte[new_ids] + wpe[P:P + T]
    mask = causal_mask(P + T)[P:]  # (T, P + T): new token i sees the P cached ones and new ones up to itself
    for i in range(count_layers(weights)):
        w = gpt_block_weights(weights, i)
        h, _ = layer_norm(x, *w["ln_1"], eps)
        q, k, v = project_qkv(h, h, h, w["in_proj_weight"], w["in_proj_bias"], n_heads)
        if len(kv) == i:
            kv.append([k[:, :, :0], v[:, :, :0]])
        kv[i] = [np.concatenate([kv[i][0], k], axis=2), np.concatenate([kv[i][1], v], axis=2)]
        heads, _ = attention(q, kv[i][0], kv[i][1], mask, scale=1.0)  # the scale is already in q
        x = x + linear(merge_heads(heads), w["out_proj_weight"], w["out_proj_bias"])
        h2, _ = layer_norm(x, *w["ln_2"], eps)
        x = x + feed_forward(h2, w["W1"], w["b1"], w["W2"], w["b2"], activation="gelu_tanh")[0]
    y, _ = layer_norm(x, weights["transformer.ln_f.weight"], weights["transformer.ln_f.bias"], eps)
    return y @ wte.T


def top_k_filter(logits, k):
    """Keep the k largest logits, -inf for the rest (ties with the k-th are kept). logits: (..., V)."""
    kth = np.sort(logits, axis=-1)[..., -k, None]
    return np.where(logits < kth, -np.inf, logits)


def top_p_filter(probs, p):
    """Nucleus: keep the most likely tokens until their total probability reaches p, zero the rest, renormalise.

    probs: (..., V), each row summing to 1; p in (0, 1]. A token is kept if the tokens MORE likely than it have less
    than p in total, so the most likely token is always kept.
    """
    order = np.argsort(-probs, axis=-1)
    sorted_p = np.take_along_axis(probs, order, axis=-1)
    before = np.cumsum(sorted_p, axis=-1) - sorted_p  # the probability of the tokens ahead of each
    keep = np.empty_like(probs, dtype=bool)
    np.put_along_axis(keep, order, before < p, axis=-1)
    kept = np.where(keep, probs, 0.0)
    return kept / kept.sum(axis=-1, keepdims=True)


def next_token_probs(logits, temperature=1.0, top_k=0, top_p=1.0):
    """The distribution to sample the next token from: logits (..., V) -> probabilities (..., V).

    temperature divides the logits (below 1 sharpens, above 1 flattens; 0 means always the most likely token);
    top_k > 0 keeps only the k most likely tokens; top_p < 1 keeps the nucleus (``top_p_filter``).
    """
    if temperature < 0 or not 0 < top_p <= 1 or top_k < 0:
        raise ValueError(f"next_token_probs expects temperature >= 0, 0 < top_p <= 1 and top_k >= 0, got "
                         f"{temperature}, {top_p}, {top_k}")
    logits = np.asarray(logits, dtype=np.float64)
    if temperature == 0:
        best = logits == logits.max(axis=-1, keepdims=True)
        return best / best.sum(axis=-1, keepdims=True)
    z = logits / temperature
    if top_k:
        z = top_k_filter(z, min(top_k, z.shape[-1]))
    probs = softmax(z - z.max(axis=-1, keepdims=True))
    return top_p_filter(probs, top_p) if top_p < 1 else probs


def generate(prompt_ids, weights, n_heads, n_new, rng, cache=True, **sampling):
    """Extend the 1-D token ids ``prompt_ids`` by n_new sampled tokens; returns all ids (prompt + new), 1-D.

    cache=True: each step runs one token through the model (``gpt_decode`` with the KV cache); cache=False:
    each step runs the whole text so far again (``gpt_forward``): the same tokens, more work. When the text
    outgrows the model's positions, both continue from the last half of its context.
    sampling: temperature, top_k, top_p, as in ``next_token_probs``.
    """
    ids = [int(i) for i in prompt_ids]
    n_positions = len(weights["transformer.wpe.weight"])
    if not ids or len(ids) > n_positions:
        raise ValueError(f"generate expects a prompt of 1 to {n_positions} tokens, got {len(ids)}")
    start, kv = 0, []  # the model sees ids[start:]; kv holds the keys and values of the tokens it has seen
    for _ in range(n_new):
        if len(ids) - start > n_positions:  # the context is full: keep its last half, start a new cache
            start, kv = len(ids) - n_positions // 2, []
        if cache:
            seen = kv[0][0].shape[2] if kv else 0
            logits = gpt_decode(np.array([ids[start + seen:]]), weights, n_heads, kv)[0, -1]
        else:
            logits = gpt_forward(np.array([ids[start:]]), weights, n_heads)[0][0, -1]
        ids.append(int(rng.choice(len(logits), p=next_token_probs(logits, **sampling))))
    return np.array(ids)
