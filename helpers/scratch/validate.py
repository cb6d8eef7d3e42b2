"""Input checks for the from-scratch conv, deconv and attention code: fail early, with a message that says what
was expected.

Each public function of ``helpers.scratch.conv`` and ``helpers.scratch.deconv`` calls one of these first and
gets back its sizes as (height, width) pairs. They live apart from the code they guard so that notebooks 05
and 07 can show the convolution itself, short, and import the checks (read them here).
"""

import numpy as np

__all__ = ["pair", "check_float", "check_images", "sizes", "check_dout", "check_window", "check_cols",
           "check_conv", "check_pool", "check_layer", "check_forward", "check_backward",
           "check_float_array", "check_same_dtype", "check_mask", "check_positive_int", "check_attention", "check_mha",
           "check_layer_input", "check_params", "check_activation"]


def pair(v, name, minimum):
    """An int or a (height, width) pair of ints, each >= minimum  ->  (vh, vw)."""
    vals = tuple(v) if isinstance(v, (tuple, list)) else (v, v)
    ok = len(vals) == 2 and all(isinstance(p, (int, np.integer)) and not isinstance(p, bool) for p in vals)
    if not ok or min(vals) < minimum:
        raise ValueError(f"{name} must be an int >= {minimum} or a (height, width) pair of them, got {v!r}")
    return int(vals[0]), int(vals[1])


def check_float(a, where, what, shape_text):
    if not isinstance(a, np.ndarray):
        raise ValueError(f"{where} expects {what} as a NumPy array of shape {shape_text}, got {type(a).__name__}")
    if a.dtype not in (np.float32, np.float64):
        raise ValueError(f"{where} expects {what} as float32 or float64, got {a.dtype}: convert it first, "
                         f"e.g. {what}.astype(np.float32) (and scale images to [0, 1])")


def check_images(x, where, what="x"):
    """Raise ValueError unless x is a float NumPy array of shape (N, C, H, W)."""
    check_float(x, where, what, "(N, C, H, W)")
    if x.ndim != 4:
        hint = {2: f"; for one grayscale image use {what}[None, None]", 3: f"; for one image use {what}[None]"}
        raise ValueError(f"{where} expects {what} of shape (N, C, H, W), got {x.shape}{hint.get(x.ndim, '')}")


def sizes(H, W, kernel, stride, padding, where, what="kernel"):
    """Normalise kernel/stride/padding to pairs, check the window fits; add the output size (OH, OW)."""
    (kh, kw), (sh, sw), (ph, pw) = (pair(kernel, f"{what} size", 1), pair(stride, "stride", 1),
                                    pair(padding, "padding", 0))
    if kh > H + 2 * ph or kw > W + 2 * pw:
        raise ValueError(f"{where}: the {what} ({kh}x{kw}) is larger than the padded input "
                         f"({H + 2 * ph}x{W + 2 * pw}); use a smaller {what} or more padding")
    return (kh, kw), (sh, sw), (ph, pw), ((H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1)


def check_dout(dout, shape, where):
    check_float(dout, where, "dout", str(shape))
    if dout.shape != shape:
        raise ValueError(f"{where} expects dout of shape {shape} (the shape of the forward output), "
                         f"got {dout.shape}")


def check_window(x, kernel_size, stride, padding, where):
    """Checks for im2col; returns (kh, kw), (sh, sw), (ph, pw), (OH, OW)."""
    check_images(x, where)
    return sizes(*x.shape[2:], kernel_size, stride, padding, where)


def check_cols(cols, x_shape, kernel_size, stride, padding):
    """Checks for col2im; returns (kh, kw), (sh, sw), (ph, pw), (OH, OW)."""
    N, C, H, W = x_shape
    (kh, kw), s, p, (OH, OW) = sizes(H, W, kernel_size, stride, padding, "col2im")
    check_float(cols, "col2im", "cols", "(C·KH·KW, N·OH·OW)")
    if cols.shape != (C * kh * kw, N * OH * OW):
        raise ValueError(f"col2im expects cols of shape {(C * kh * kw, N * OH * OW)} for x_shape "
                         f"{tuple(x_shape)}, got {cols.shape}")
    return (kh, kw), s, p, (OH, OW)


def check_conv(x, w, b, stride, padding, where, dout=None):
    """Checks for conv2d (and its backward pass, with dout); returns stride, padding, (OH, OW)."""
    check_images(x, where)
    check_float(w, where, "w", "(F, C, KH, KW)")
    if w.ndim != 4:
        raise ValueError(f"{where} expects w of shape (F, C, KH, KW), got {w.shape}")
    (N, C, H, W), (F, Cw, KH, KW) = x.shape, w.shape
    if Cw != C:
        raise ValueError(f"{where}: x has {C} channels but the filters w {w.shape} expect {Cw}: "
                         f"w must have shape (F, {C}, KH, KW)")
    if b is not None and (not isinstance(b, np.ndarray) or b.shape != (F,)):
        raise ValueError(f"{where} expects b of shape ({F},) (one bias per filter) or None, "
                         f"got {getattr(b, 'shape', type(b).__name__)}")
    _, stride, padding, (OH, OW) = sizes(H, W, (KH, KW), stride, padding, where)
    if dout is not None:
        check_dout(dout, (N, F, OH, OW), where)
    return stride, padding, (OH, OW)


def check_pool(x, size, stride, where, dout=None):
    """Checks for the pooling functions; returns (kh, kw), (sh, sw), (OH, OW). stride None = size."""
    check_images(x, where)
    (kh, kw), (sh, sw), _, (OH, OW) = sizes(*x.shape[2:], size, size if stride is None else stride, 0,
                                             where, what="pooling window")
    if dout is not None:
        check_dout(dout, (*x.shape[:2], OH, OW), where)
    return (kh, kw), (sh, sw), (OH, OW)


def check_layer(in_channels, out_channels, rng, dtype, layer="Conv2d"):
    """The constructor arguments of a conv layer (Conv2d here, ConvTranspose2d in helpers.scratch.deconv)."""
    for name, n in (("in_channels", in_channels), ("out_channels", out_channels)):
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
            raise ValueError(f"{layer} expects {name} as a positive int, got {n!r}")
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"{layer} expects rng = np.random.default_rng(seed) (or seed_everything(seed)), "
                         f"got {type(rng).__name__}")
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"{layer} expects dtype np.float32 or np.float64, got {dtype}")


def check_forward(layer, X):
    check_images(X, f"{layer!r}.forward", "X")
    if "W" in layer.params and X.dtype != layer.params["W"].dtype:
        raise ValueError(f"{layer!r}.forward: X is {X.dtype} but the weights are {layer.params['W'].dtype}; "
                         f"use X.astype(np.{layer.params['W'].dtype}) (or build the layer with that dtype)")


def check_backward(layer):
    if layer.X is None:
        raise ValueError(f"{layer!r}.backward called before forward: forward caches what backward needs")

# --------------------------------------------------------------------------------------------
# Checks for helpers.scratch.attention (notebooks 11-13).
# --------------------------------------------------------------------------------------------


def check_float_array(a, where, name, shape_text):
    if not isinstance(a, np.ndarray) or a.dtype not in (np.float32, np.float64):
        raise ValueError(f"{where} expects {name} of shape {shape_text} as a float32 or float64 NumPy array, got "
                         f"{type(a).__name__} {getattr(a, 'dtype', '')}".rstrip())


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
