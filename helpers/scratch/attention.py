"""Attention and the Transformer from scratch in NumPy: softmax, scaled dot-product attention, multi-head
attention (forward and backward), layer norm, positional encodings, the feed-forward block with ReLU/GELU, and
the encoder and decoder layers.

Taught in notebook 11 (the Transformer: every function here is written out there, the same code); notebooks 12
(BERT) and 13 (GPT) import it. GELU lives in ``helpers.scratch.gelu`` (notebook 12), the input checks in
``helpers.scratch.validate``.
Shapes and weights follow PyTorch with ``batch_first=True``, so a state_dict copies over directly:

    x: (B, L, E)          a batch of B sequences of L tokens, E features (d_model) per token
    q, k, v: (..., L, d)  queries, keys, values; one head of multi-head attention is (B, h, L, d), d = E / h
    in_proj_weight: (3E, E), in_proj_bias: (3E,)     ``nn.MultiheadAttention``'s packed W_q, W_k, W_v (rows)
    out_proj_weight: (E, E), out_proj_bias: (E,)     ``out_proj.weight``, ``out_proj.bias``
    weights: (B, h, Lq, Lk)                          the attention weights: each row is a softmax, sums to 1

    out, weights = attention(q, k, v, mask=causal_mask(L))          softmax(q k^T / sqrt(d)) v
    dq, dk, dv = attention_backward(dout, q, k, v, weights)
    out, weights = multi_head_attention(x, x, x, *mha_params, n_heads=4, mask=padding_mask(lengths, L))
    y = encoder_layer(x, {k: v.detach().numpy() for k, v in layer.state_dict().items()}, n_heads=4)

THE MASK CONVENTION: a boolean array, True = "may attend" (this query may look at this key), broadcastable
to (..., Lq, Lk). This is the OPPOSITE of PyTorch's boolean ``attn_mask`` and ``key_padding_mask`` for
``nn.MultiheadAttention`` and ``nn.Transformer*Layer``, where True means "masked out" (it is the same as the
boolean ``attn_mask`` of ``F.scaled_dot_product_attention``, where True means "take part"). From PyTorch:

    attn_mask (Lq, Lk) bool, True = blocked         ->  mask = ~attn_mask
    key_padding_mask (B, Lk) bool, True = padding   ->  mask = ~key_padding_mask[:, None, None, :]  (B, 1, 1, Lk)
    is_causal=True, or generate_square_subsequent_mask(L) (a float mask, -inf above the diagonal)
                                                    ->  mask = causal_mask(L)
    both                                            ->  mask = causal_mask(L) & padding_mask(lengths, L)
Masks combine with ``&``, and broadcasting does the rest. Float ("additive") masks are not accepted.

A query whose keys are ALL masked (a row of the mask that is all False) gets attention weights of 0 and an
output of 0, not NaN, as ``F.scaled_dot_product_attention`` does (``nn.MultiheadAttention`` returns NaN there).
"""

import math

import numpy as np

from helpers.scratch.gelu import gelu, gelu_backward, gelu_tanh, gelu_tanh_backward
from helpers.scratch.layers import relu, relu_backward  # notebook 04's
from helpers.scratch.validate import (  # input checks with clear error messages: read them there
    check_activation,
    check_attention,
    check_float_array,
    check_layer_input,
    check_mask,
    check_mha,
    check_params,
    check_positive_int,
    check_same_dtype,
)

__all__ = [
    "softmax", "softmax_backward", "causal_mask", "padding_mask", "attention", "attention_backward",
    "split_heads", "merge_heads", "linear", "project_qkv", "multi_head_attention", "multi_head_attention_backward",
    "layer_norm", "layer_norm_backward", "sinusoidal_positions", "ACTIVATIONS", "feed_forward",
    "feed_forward_backward", "MHA_KEYS", "FF_NORM_KEYS", "ENCODER_LAYER_KEYS", "DECODER_LAYER_KEYS", "attend", "norm",
    "ff", "encoder_layer", "decoder_layer",
]


# --------------------------------------------------------------------------------------------
# Softmax and masks.
# --------------------------------------------------------------------------------------------

def softmax(z, axis=-1, out=None):
    """softmax along ``axis``: e^z / sum(e^z), computed as e^(z - max) so that exp never overflows.

    z: any shape, float. With ``out`` (may be z itself) the result is written there, nothing big is allocated.
    A slice that is all -inf (a query that may attend to nothing) gives zeros, not NaN: its max is -inf,
    z - max would be -inf - (-inf) = NaN, so we subtract 0 there instead, and divide its zero sum by 1.
    """
    m = np.max(z, axis=axis, keepdims=True)
    m[m == -np.inf] = 0  # all -inf: e^(-inf - 0) = 0, no NaN
    out = np.subtract(z, m, out=out)
    np.exp(out, out=out)
    s = np.sum(out, axis=axis, keepdims=True)
    s[s == 0] = 1  # only an all -inf slice sums to 0 (anything else has a 1 at its max): 0 / 1 = 0
    out /= s
    return out


def softmax_backward(dy, y, axis=-1):
    """Backward of y = softmax(z): dz = y * (dy - sum(dy * y)), the sum along ``axis``.

    dy: dL/dy; y: the forward OUTPUT (any shape, the same). The Jacobian diag(y) - y y^T is never built.
    """
    dz = dy * y
    dz -= y * np.sum(dz, axis=axis, keepdims=True)
    return dz


def causal_mask(L):
    """(L, L) boolean, True on and below the diagonal: query i may attend to keys 0..i, never to the future.

    PyTorch's ``is_causal=True`` / ``generate_square_subsequent_mask(L)`` mask out exactly the complement.
    """
    check_positive_int(L, "causal_mask", "L")
    return np.tri(L, dtype=bool)


def padding_mask(lengths, L):
    """(B, 1, 1, L) boolean, True for the first lengths[b] (real) tokens of sequence b, False for padding.

    lengths: B ints in [0, L]. The two middle axes broadcast over heads and queries: every query may attend
    to the real keys only. PyTorch's ``key_padding_mask`` (B, L) is ``~padding_mask(lengths, L)[:, 0, 0]``.
    """
    check_positive_int(L, "padding_mask", "L")
    lengths = np.asarray(lengths)
    if lengths.ndim != 1 or not np.issubdtype(lengths.dtype, np.integer) or np.any((lengths < 0) | (lengths > L)):
        raise ValueError(f"padding_mask expects lengths as B ints in [0, {L}], one per sequence, got {lengths!r}")
    return (np.arange(L) < lengths[:, None])[:, None, None, :]


# --------------------------------------------------------------------------------------------
# Scaled dot-product attention.
# --------------------------------------------------------------------------------------------


def attention(q, k, v, mask=None, scale=None):
    """Scaled dot-product attention: weights = softmax(q k^T * scale), out = weights v.

    q: (..., Lq, d), k: (..., Lk, d), v: (..., Lk, dv), the same leading axes (e.g. (B, h)).
    mask: None or boolean, broadcastable to (..., Lq, Lk), True = may attend (see the module docstring).
    scale: defaults to 1 / sqrt(d): it keeps the logits' variance near 1 whatever d is, so that the softmax
    does not saturate into a one-hot (whose gradient vanishes).
    Returns out (..., Lq, dv) and weights (..., Lq, Lk) (each row sums to 1; 0 at masked keys).
    """
    check_attention(q, k, v, "attention")
    check_mask(mask, q.shape[:-1] + k.shape[-2:-1], "attention")
    scores = np.matmul(q, k.swapaxes(-1, -2))  # (..., Lq, Lk): every query with every key, in ONE product
    if scale is None:
        scale = 1 / math.sqrt(q.shape[-1])
    if scale != 1:
        scores *= scale
    if mask is not None:
        # -inf where masked: e^(-inf) = 0 exactly, so a masked key gets no weight at all. Adding a small
        # (mask-shaped) array is cheaper than writing into the big one where the mask is False.
        scores += np.where(mask, 0, -np.inf).astype(scores.dtype)
    weights = softmax(scores, out=scores)  # in place: the scores are not needed any more
    return np.matmul(weights, v), weights


def attention_backward(dout, q, k, v, weights, scale=None):
    """Backward of ``attention``: dout (..., Lq, dv) = dL/dout -> dq, dk, dv (the shapes of q, k, v).

    weights: what ``attention`` returned (they already hold the mask: 0 at masked keys, whose gradient is 0).
    scale: the same as in the forward pass (default 1 / sqrt(d)).
    out = W v, W = softmax(S), S = q k^T * scale: three products and a softmax, so backward is three
    products' backward (dA = dC B^T, dB = A^T dC) and softmax_backward.
    """
    check_attention(q, k, v, "attention_backward")
    lead, Lq, Lk = q.shape[:-2], q.shape[-2], k.shape[-2]
    for name, a, shape in (("dout", dout, lead + (Lq, v.shape[-1])), ("weights", weights, lead + (Lq, Lk))):
        check_float_array(a, "attention_backward", name, str(shape))
        if a.shape != shape:
            raise ValueError(f"attention_backward expects {name} of shape {shape}, got {a.shape}")
    if scale is None:
        scale = 1 / math.sqrt(q.shape[-1])
    dv = np.matmul(weights.swapaxes(-1, -2), dout)  # out = W v
    dS = softmax_backward(np.matmul(dout, v.swapaxes(-1, -2)), weights)
    if scale != 1:
        dS *= scale  # S = q k^T * scale
    return np.matmul(dS, k), np.matmul(dS.swapaxes(-1, -2), q), dv


# --------------------------------------------------------------------------------------------
# Multi-head attention, in nn.MultiheadAttention's layout.
# --------------------------------------------------------------------------------------------

def split_heads(x, n_heads):
    """(B, L, E) -> (B, h, L, E / h): head j gets features j*d .. (j+1)*d - 1. A view: nothing is copied."""
    check_float_array(x, "split_heads", "x", "(B, L, E)")
    check_positive_int(n_heads, "split_heads", "n_heads")
    if x.ndim != 3 or x.shape[-1] % n_heads:
        raise ValueError(f"split_heads expects x of shape (B, L, E) with E divisible by n_heads = {n_heads}, got "
                         f"{x.shape}")
    B, L, E = x.shape
    return x.reshape(B, L, n_heads, E // n_heads).transpose(0, 2, 1, 3)


def merge_heads(x):
    """(B, h, L, d) -> (B, L, h * d), the inverse of split_heads: the heads side by side again (one copy)."""
    check_float_array(x, "merge_heads", "x", "(B, h, L, d)")
    if x.ndim != 4:
        raise ValueError(f"merge_heads expects x of shape (B, h, L, d), got {x.shape}")
    B, h, L, d = x.shape
    return x.transpose(0, 2, 1, 3).reshape(B, L, h * d)


def linear(x, W, b):
    """x (..., D_in) @ W^T + b, W (D_out, D_in) in nn.Linear's layout: ONE matrix product for all the tokens."""
    y = np.matmul(x.reshape(-1, x.shape[-1]), W.T)
    y += b  # in place: no second (N, D_out) array
    return y.reshape(x.shape[:-1] + (W.shape[0],))


def project_qkv(query, key, value, in_proj_weight, in_proj_bias, n_heads):
    """The three input projections, the scale 1/sqrt(d) already in q; each split into heads: (B, h, L, d).

    The scale goes into W_q and b_q (E x E numbers) instead of into the (Lq, Lk) scores: the same result,
    fewer multiplications. Self-attention (query is key is value) needs ONE product for all three.
    """
    E = query.shape[-1]
    scale = 1 / math.sqrt(E // n_heads)
    W, b = in_proj_weight.copy(), in_proj_bias.copy()  # small: (3E, E) and (3E,)
    W[:E] *= scale
    b[:E] *= scale
    if query is key and key is value:
        qkv = linear(query, W, b)  # (B, L, 3E)
        q, k, v = qkv[..., :E], qkv[..., E:2 * E], qkv[..., 2 * E:]  # views
    elif key is value:  # cross-attention: keys and values come from the same memory
        q = linear(query, W[:E], b[:E])
        kv = linear(key, W[E:], b[E:])
        k, v = kv[..., :E], kv[..., E:]
    else:
        q, k, v = (linear(x, W[i * E:(i + 1) * E], b[i * E:(i + 1) * E]) for i, x in enumerate((query, key, value)))
    return split_heads(q, n_heads), split_heads(k, n_heads), split_heads(v, n_heads)


def multi_head_attention(query, key, value, in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias, n_heads,
                         mask=None):
    """Multi-head attention, as ``nn.MultiheadAttention(E, n_heads, batch_first=True)``.

    query: (B, Lq, E); key, value: (B, Lk, E) (pass the same array three times for self-attention: then the
    three projections are ONE matrix product). Weights in PyTorch's layout (module docstring).
    mask: None or boolean, broadcastable to (B, h, Lq, Lk), True = may attend.
    Returns out (B, Lq, E) and weights (B, h, Lq, Lk): what PyTorch returns with need_weights=True,
    average_attn_weights=False.

    Each head attends on its own d = E / h features: split into heads, attention on all heads at once
    (a (B, h) batch of matrix products), heads side by side again, one output projection.
    """
    B, Lq, Lk, E = check_mha(query, key, value, in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias,
                              n_heads, "multi_head_attention")
    check_mask(mask, (B, n_heads, Lq, Lk), "multi_head_attention")
    q, k, v = project_qkv(query, key, value, in_proj_weight, in_proj_bias, n_heads)
    heads, weights = attention(q, k, v, mask, scale=1.0)  # (B, h, Lq, d); the scale is already in q
    return linear(merge_heads(heads), out_proj_weight, out_proj_bias), weights


def multi_head_attention_backward(dout, query, key, value, in_proj_weight, in_proj_bias, out_proj_weight,
                                  out_proj_bias, n_heads, weights):
    """Backward of ``multi_head_attention``: the forward's arguments and its weights (no mask: the weights hold it).

    dout: (B, Lq, E) = dL/dout. Returns dquery, dkey, dvalue (the shapes of query, key, value) and
    din_proj_weight (3E, E), din_proj_bias (3E,), dout_proj_weight (E, E), dout_proj_bias (E,).
    For self-attention (one x passed three times) the input's gradient is dquery + dkey + dvalue: x reaches
    the loss along three paths, and the gradients of the paths add up.
    The projections are recomputed from the inputs (cheap: matrix products) rather than kept from forward.
    """
    B, Lq, Lk, E = check_mha(query, key, value, in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias,
                              n_heads, "multi_head_attention_backward")
    for name, a, shape in (("dout", dout, (B, Lq, E)), ("weights", weights, (B, n_heads, Lq, Lk))):
        check_float_array(a, "multi_head_attention_backward", name, str(shape))
        if a.shape != shape:
            raise ValueError(f"multi_head_attention_backward expects {name} of shape {shape}, got {a.shape}")
    scale = 1 / math.sqrt(E // n_heads)
    q, k, v = project_qkv(query, key, value, in_proj_weight, in_proj_bias, n_heads)
    concat = merge_heads(np.matmul(weights, v)).reshape(-1, E)  # the heads side by side, as in forward
    dout2 = dout.reshape(-1, E)
    dout_proj_weight, dout_proj_bias = dout2.T @ concat, dout2.sum(axis=0)  # out = concat W_o^T + b_o
    dheads = split_heads((dout2 @ out_proj_weight).reshape(B, Lq, E), n_heads)
    dq, dk, dv = attention_backward(dheads, q, k, v, weights, scale=1.0)
    dq = merge_heads(dq).reshape(-1, E)
    dq *= scale  # q = (query W_q^T + b_q) * scale
    dk, dv = merge_heads(dk).reshape(-1, E), merge_heads(dv).reshape(-1, E)
    din_proj_weight = np.concatenate([dq.T @ query.reshape(-1, E), dk.T @ key.reshape(-1, E),
                                      dv.T @ value.reshape(-1, E)])
    din_proj_bias = np.concatenate([dq.sum(axis=0), dk.sum(axis=0), dv.sum(axis=0)])
    dquery, dkey, dvalue = (
        (d @ in_proj_weight[i * E:(i + 1) * E]).reshape(x.shape)
        for i, (d, x) in enumerate(((dq, query), (dk, key), (dv, value))))
    return dquery, dkey, dvalue, din_proj_weight, din_proj_bias, dout_proj_weight, dout_proj_bias


# --------------------------------------------------------------------------------------------
# Layer norm and positional encodings.
# --------------------------------------------------------------------------------------------

def layer_norm(x, weight, bias, eps=1e-5):
    """Layer norm over the last axis, as ``nn.LayerNorm(E)``: each token normalised on its own features.

    x: (..., E); weight, bias: (E,). y = (x - mean) / sqrt(var + eps) * weight + bias, mean and (biased)
    variance over the E features of each token: unlike batch norm, nothing depends on the other examples.
    Returns (y, cache) for ``layer_norm_backward``.
    """
    for name, a, s in (("x", x, "(..., E)"), ("weight", weight, "(E,)"), ("bias", bias, "(E,)")):
        check_float_array(a, "layer_norm", name, s)
    check_same_dtype("layer_norm", x=x, weight=weight, bias=bias)
    if x.ndim < 1 or x.shape[-1] < 1 or weight.shape != x.shape[-1:] or bias.shape != x.shape[-1:]:
        raise ValueError(f"layer_norm expects x of shape (..., E) and weight, bias of shape (E,), got x {x.shape}, "
                         f"weight {weight.shape}, bias {bias.shape}")
    if not eps > 0:
        raise ValueError(f"layer_norm expects eps > 0 (it keeps a constant token from dividing by 0), got {eps}")
    xhat = x - x.mean(axis=-1, keepdims=True)
    rstd = 1 / np.sqrt(np.mean(xhat * xhat, axis=-1, keepdims=True) + eps)  # (..., 1)
    xhat *= rstd
    return xhat * weight + bias, (xhat, rstd, weight)


def layer_norm_backward(dy, cache):
    """Backward of ``layer_norm``: dy (..., E) -> dx (..., E), dweight (E,), dbias (E,).

    With g = dy * weight: dx = rstd * (g - mean(g) - xhat * mean(g * xhat)), the means over the E features:
    the mean and the variance depend on every feature of the token, hence the two correction terms.
    """
    xhat, rstd, weight = cache
    check_float_array(dy, "layer_norm_backward", "dy", str(xhat.shape))
    if dy.shape != xhat.shape:
        raise ValueError(f"layer_norm_backward expects dy of shape {xhat.shape} (the forward output's), got {dy.shape}")
    lead = tuple(range(dy.ndim - 1))
    dweight, dbias = np.sum(dy * xhat, axis=lead), np.sum(dy, axis=lead)
    g = dy * weight
    dx = g - g.mean(axis=-1, keepdims=True)
    dx -= xhat * np.mean(g * xhat, axis=-1, keepdims=True)
    dx *= rstd
    return dx, dweight, dbias


def sinusoidal_positions(L, E, dtype=np.float64):
    """The positional encoding of Vaswani et al. (2017): (L, E), row p for position p.

    PE[p, 2i] = sin(p / 10000^(2i/E)), PE[p, 2i+1] = cos(p / 10000^(2i/E)): each pair of columns is a clock
    hand turning at its own speed, from one turn per 2π positions (i = 0) down to one per 10000·2π. Added to
    the token embeddings, it tells attention (which by itself ignores order) where each token is.
    """
    check_positive_int(L, "sinusoidal_positions", "L")
    check_positive_int(E, "sinusoidal_positions", "E")
    angles = np.arange(L)[:, None] / 10000.0 ** (np.arange(0, E, 2) / E)  # (L, ceil(E / 2))
    pe = np.empty((L, E), dtype)
    pe[:, 0::2] = np.sin(angles)
    pe[:, 1::2] = np.cos(angles[:, :E // 2])  # an odd E has one sine column more than cosine columns
    return pe


# --------------------------------------------------------------------------------------------
# The feed-forward block.
# --------------------------------------------------------------------------------------------

# name -> (function, its backward). GELU (exact, and GPT-2's tanh approximation): notebook 12.
ACTIVATIONS = {"relu": (relu, relu_backward), "gelu": (gelu, gelu_backward),
               "gelu_tanh": (gelu_tanh, gelu_tanh_backward)}


def feed_forward(x, W1, b1, W2, b2, activation="relu"):
    """The position-wise feed-forward block: act(x W1^T + b1) W2^T + b2, the same for every token.

    x: (..., E); W1: (F, E), b1: (F,), W2: (E, F), b2: (E,) in nn.Linear's layout (``linear1``, ``linear2``),
    F the hidden width (usually 4E). activation: "relu", "gelu" (exact) or "gelu_tanh".
    Returns (y (..., E), cache) for ``feed_forward_backward``.
    """
    check_activation(activation, "feed_forward")
    for name, a, s in (("x", x, "(..., E)"), ("W1", W1, "(F, E)"), ("b1", b1, "(F,)"), ("W2", W2, "(E, F)"),
                       ("b2", b2, "(E,)")):
        check_float_array(a, "feed_forward", name, s)
    check_same_dtype("feed_forward", x=x, W1=W1, b1=b1, W2=W2, b2=b2)
    E = x.shape[-1] if x.ndim else 0
    F = W1.shape[0] if W1.ndim == 2 else 0
    if x.ndim < 1 or W1.shape != (F, E) or b1.shape != (F,) or W2.shape != (E, F) or b2.shape != (E,) or F < 1:
        raise ValueError(f"feed_forward expects x (..., E), W1 (F, E), b1 (F,), W2 (E, F), b2 (E,) (nn.Linear's "
                         f"layout) with E = {E}, got W1 {W1.shape}, b1 {b1.shape}, W2 {W2.shape}, b2 {b2.shape}")
    pre = linear(x, W1, b1)  # (..., F)
    hidden = ACTIVATIONS[activation][0](pre)
    return linear(hidden, W2, b2), (x, pre, hidden, W1, W2, activation)


def feed_forward_backward(dy, cache):
    """Backward of ``feed_forward``: dy (..., E) -> dx (..., E), dW1 (F, E), db1 (F,), dW2 (E, F), db2 (E,)."""
    x, pre, hidden, W1, W2, activation = cache
    check_float_array(dy, "feed_forward_backward", "dy", str(x.shape))
    if dy.shape != x.shape:
        raise ValueError(f"feed_forward_backward expects dy of shape {x.shape} (the forward output's), got {dy.shape}")
    E, F = x.shape[-1], pre.shape[-1]
    dy2, hidden2 = dy.reshape(-1, E), hidden.reshape(-1, F)  # every token is one more row: sums over tokens
    dpre = ACTIVATIONS[activation][1](dy2 @ W2, pre.reshape(-1, F))
    dx = (dpre @ W1).reshape(x.shape)
    return dx, dpre.T @ x.reshape(-1, E), dpre.sum(axis=0), dy2.T @ hidden2, dy2.sum(axis=0)


# --------------------------------------------------------------------------------------------
# Encoder and decoder layers, as nn.TransformerEncoderLayer / nn.TransformerDecoderLayer (forward only).
# --------------------------------------------------------------------------------------------

MHA_KEYS = ("in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias")
FF_NORM_KEYS = ("linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias")
ENCODER_LAYER_KEYS = (tuple(f"self_attn.{k}" for k in MHA_KEYS) + FF_NORM_KEYS
                      + ("norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias"))
DECODER_LAYER_KEYS = (tuple(f"self_attn.{k}" for k in MHA_KEYS) + tuple(f"multihead_attn.{k}" for k in MHA_KEYS)
                      + FF_NORM_KEYS + ("norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias",
                                         "norm3.weight", "norm3.bias"))


def attend(params, prefix, query, memory, n_heads, mask):
    """Multi-head attention with the weights under ``prefix`` ('self_attn.' or 'multihead_attn.'): out only."""
    p = [params[prefix + k] for k in MHA_KEYS]
    return multi_head_attention(query, memory, memory, *p, n_heads, mask=mask)[0]


def norm(params, name, x, eps):
    """Layer norm with the weights ``name``.weight and ``name``.bias ('norm1', ...): y only."""
    return layer_norm(x, params[f"{name}.weight"], params[f"{name}.bias"], eps)[0]


def ff(params, x, activation):
    """The feed-forward block with the weights linear1.* and linear2.*: y only."""
    return feed_forward(x, params["linear1.weight"], params["linear1.bias"], params["linear2.weight"],
                        params["linear2.bias"], activation)[0]


def encoder_layer(x, params, n_heads, mask=None, norm_first=False, activation="relu", eps=1e-5):
    """One Transformer encoder layer, as ``nn.TransformerEncoderLayer(E, n_heads, F, dropout=0.0,
    batch_first=True, norm_first=norm_first, activation=...)`` in eval mode.

    x: (B, L, E); params: the layer's state_dict as NumPy arrays (keys: ``ENCODER_LAYER_KEYS``).
    mask: None or boolean broadcastable to (B, h, L, L), True = may attend: from PyTorch's ``src_mask`` and
    ``src_key_padding_mask`` (True = masked out) use ``~src_mask`` and ``~src_key_padding_mask[:, None, None, :]``;
    ``is_causal=True`` is ``causal_mask(L)`` (module docstring). Returns (B, L, E).

    Post-norm (the 2017 paper, norm_first=False):  x = norm1(x + SA(x)),  x = norm2(x + FF(x))
    Pre-norm (GPT-2 and most models since, True):  x = x + SA(norm1(x)), x = x + FF(norm2(x))
    """
    check_layer_input(x, "encoder_layer", "x", "(B, L, E)")
    check_params(params, ENCODER_LAYER_KEYS, "encoder_layer")
    check_activation(activation, "encoder_layer")
    if norm_first:
        h = norm(params, "norm1", x, eps)
        x = x + attend(params, "self_attn.", h, h, n_heads, mask)
        return x + ff(params, norm(params, "norm2", x, eps), activation)
    x = norm(params, "norm1", x + attend(params, "self_attn.", x, x, n_heads, mask), eps)
    return norm(params, "norm2", x + ff(params, x, activation), eps)


def decoder_layer(x, memory, params, n_heads, self_mask=None, memory_mask=None, norm_first=False,
                  activation="relu", eps=1e-5):
    """One Transformer decoder layer, as ``nn.TransformerDecoderLayer(E, n_heads, F, dropout=0.0,
    batch_first=True, norm_first=norm_first, activation=...)`` in eval mode.

    x: (B, L, E) the target so far; memory: (B, Lm, E) the encoder's output; params: the layer's state_dict as
    NumPy arrays (keys: ``DECODER_LAYER_KEYS``). self_mask: broadcastable to (B, h, L, L), usually
    ``causal_mask(L)`` (PyTorch's ``tgt_mask`` / ``tgt_is_causal``, negated); memory_mask: broadcastable to
    (B, h, L, Lm), usually ``padding_mask(memory_lengths, Lm)`` (``~memory_key_padding_mask[:, None, None, :]``).
    Returns (B, L, E).

    Post-norm:  x = norm1(x + SA(x)),  x = norm2(x + CA(x, memory)),  x = norm3(x + FF(x))
    Pre-norm:   x = x + SA(norm1(x)),  x = x + CA(norm2(x), memory),  x = x + FF(norm3(x))
    In cross-attention (CA) the queries come from the decoder and the keys and values from the memory.
    """
    check_layer_input(x, "decoder_layer", "x", "(B, L, E)")
    check_layer_input(memory, "decoder_layer", "memory", "(B, Lm, E)")
    check_params(params, DECODER_LAYER_KEYS, "decoder_layer")
    check_activation(activation, "decoder_layer")
    if norm_first:
        h = norm(params, "norm1", x, eps)
        x = x + attend(params, "self_attn.", h, h, n_heads, self_mask)
        x = x + attend(params, "multihead_attn.", norm(params, "norm2", x, eps), memory, n_heads, memory_mask)
        return x + ff(params, norm(params, "norm3", x, eps), activation)
    x = norm(params, "norm1", x + attend(params, "self_attn.", x, x, n_heads, self_mask), eps)
    x = norm(params, "norm2", x + attend(params, "multihead_attn.", x, memory, n_heads, memory_mask), eps)
    return norm(params, "norm3", x + ff(params, x, activation), eps)
