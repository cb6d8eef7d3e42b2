"""Input checks for helpers.scratch.attention (notebooks 11-13): fail early, with a message that says what was
expected (shapes, dtypes, masks, parameter dicts)."""

import numpy as np

from helpers.scratch.validate.arrays import check_float_array

__all__ = ["check_float_array", "check_same_dtype", "check_mask", "check_positive_int", "check_attention",
           "check_mha", "check_layer_input", "check_params", "check_activation"]


def check_same_dtype(where, **arrays):
    dtypes = {a.dtype for a in arrays.values()}
    if len(dtypes) > 1:
        got = ", ".join(f"{n} {a.dtype}" for n, a in arrays.items())
        raise ValueError(f"{where} expects all arrays in ONE dtype (float32 or float64), got {got}: "
                         f"convert them first, e.g. a.astype(np.float32)")


def check_mask(mask, shape, where):
    """Raise ValueError unless mask is None or a boolean array broadcastable to ``shape`` (..., Lq, Lk)."""
    if mask is None:
        return
    if not isinstance(mask, np.ndarray) or mask.dtype != np.bool_:
        raise ValueError(f"{where} expects mask as a boolean NumPy array, True = may attend, got "
                         f"{type(mask).__name__} {getattr(mask, 'dtype', '')}: for PyTorch's boolean masks "
                         f"(True = masked out) pass ~mask; for 0/1 ints use mask.astype(bool)")
    try:
        fits = np.broadcast_shapes(mask.shape, shape) == tuple(shape)
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"{where} expects mask broadcastable to (..., Lq, Lk) = {tuple(shape)} (True = may "
                         f"attend), got shape {mask.shape}: causal_mask(L) is (L, L), padding_mask(lengths, L) is "
                         f"(B, 1, 1, L)")


def check_positive_int(n, where, name):
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
        raise ValueError(f"{where} expects {name} as an int >= 1, got {n!r}")


def check_attention(q, k, v, where):
    for name, a, s in (("q", q, "(..., Lq, d)"), ("k", k, "(..., Lk, d)"), ("v", v, "(..., Lk, dv)")):
        check_float_array(a, where, name, s)
        if a.ndim < 2:
            raise ValueError(f"{where} expects {name} of shape {s}, at least 2-D, got {a.shape}")
    check_same_dtype(where, q=q, k=k, v=v)
    if not (q.shape[:-2] == k.shape[:-2] == v.shape[:-2]) or q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise ValueError(f"{where} expects q (..., Lq, d), k (..., Lk, d), v (..., Lk, dv) with the same leading "
                         f"axes, the same d for q and k and the same Lk for k and v, got q {q.shape}, k {k.shape}, "
                         f"v {v.shape}")
    if min(q.shape[-2:] + k.shape[-2:] + v.shape[-1:]) < 1:
        raise ValueError(f"{where} needs at least one query, one key and one feature, got q {q.shape}, k {k.shape}, "
                         f"v {v.shape}")


def check_mha(query, key, value, in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias, n_heads, where):
    """Check multi-head attention's arguments; return (B, Lq, Lk, E)."""
    for name, a, s in (("query", query, "(B, Lq, E)"), ("key", key, "(B, Lk, E)"), ("value", value, "(B, Lk, E)"),
                       ("in_proj_weight", in_proj_weight, "(3E, E)"), ("in_proj_bias", in_proj_bias, "(3E,)"),
                       ("out_proj_weight", out_proj_weight, "(E, E)"), ("out_proj_bias", out_proj_bias, "(E,)")):
        check_float_array(a, where, name, s)
    check_same_dtype(where, query=query, key=key, value=value, in_proj_weight=in_proj_weight,
                      in_proj_bias=in_proj_bias, out_proj_weight=out_proj_weight, out_proj_bias=out_proj_bias)
    if query.ndim != 3:
        raise ValueError(f"{where} expects query of shape (B, Lq, E), batch first, got {query.shape}; for one "
                         f"sequence use query[None]")
    B, Lq, E = query.shape
    if key.ndim != 3 or key.shape[0] != B or key.shape[2] != E or value.shape != key.shape:
        raise ValueError(f"{where} expects key and value of shape (B, Lk, E) = ({B}, Lk, {E}), the same shape, got "
                         f"key {key.shape} and value {value.shape}")
    Lk = key.shape[1]
    check_positive_int(n_heads, where, "n_heads")
    if E % n_heads:
        raise ValueError(f"{where}: the width E = {E} must be divisible by n_heads = {n_heads} (each head gets "
                         f"E / n_heads features)")
    for name, a, shape in (("in_proj_weight", in_proj_weight, (3 * E, E)), ("in_proj_bias", in_proj_bias, (3 * E,)),
                           ("out_proj_weight", out_proj_weight, (E, E)), ("out_proj_bias", out_proj_bias, (E,))):
        if a.shape != shape:
            raise ValueError(f"{where} expects {name} of shape {shape} for E = {E} (nn.MultiheadAttention's "
                             f"layout: W_q, W_k, W_v stacked as rows), got {a.shape}")
    if min(B, Lq, Lk, E) < 1:
        raise ValueError(f"{where} needs at least one sequence, one query, one key and one feature, got query "
                         f"{query.shape} and key {key.shape}")
    return B, Lq, Lk, E


def check_layer_input(x, where, name, shape_text):
    check_float_array(x, where, name, shape_text)
    if x.ndim != 3:
        raise ValueError(f"{where} expects {name} of shape {shape_text}, batch first, got {x.shape}; for one "
                         f"sequence use {name}[None]")


def check_params(params, keys, where):
    if not isinstance(params, dict):
        raise ValueError(f"{where} expects params as a dict with the keys of the PyTorch layer's state_dict, "
                         f"got {type(params).__name__}")
    missing, extra = [k for k in keys if k not in params], [k for k in params if k not in keys]
    if missing or extra:
        raise ValueError(f"{where} expects params with exactly the state_dict keys {list(keys)}; missing "
                         f"{missing}, unexpected {extra}")
    for k in keys:
        if not isinstance(params[k], np.ndarray):
            raise ValueError(f"{where} expects params[{k!r}] as a NumPy array, got {type(params[k]).__name__}: "
                             f"use {{k: v.detach().numpy() for k, v in layer.state_dict().items()}}")


def check_activation(activation, where, known=("relu", "gelu", "gelu_tanh")):
    if activation not in known:
        raise ValueError(f"{where} expects activation 'relu', 'gelu' (exact, erf) or 'gelu_tanh' (the tanh "
                         f"approximation), got {activation!r}")
