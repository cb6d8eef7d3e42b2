"""Input checks for the from-scratch conv and deconv code (notebooks 05 and 07): fail early, with a message that
says what was expected. Each public function of ``helpers.scratch.conv`` and ``helpers.scratch.deconv`` calls one of
these first and gets back its sizes as (height, width) pairs."""

import numpy as np

from helpers.scratch.validate.arrays import check_float_array

__all__ = ["pair", "check_images", "sizes", "check_dout", "check_window", "check_cols", "check_conv",
           "check_pool", "check_layer", "check_forward", "check_backward"]


def pair(v, name, minimum):
    """An int or a (height, width) pair of ints, each >= minimum  ->  (vh, vw)."""
    vals = tuple(v) if isinstance(v, (tuple, list)) else (v, v)
    ok = len(vals) == 2 and all(isinstance(p, (int, np.integer)) and not isinstance(p, bool) for p in vals)
    if not ok or min(vals) < minimum:
        raise ValueError(f"{name} must be an int >= {minimum} or a (height, width) pair of them, got {v!r}")
    return int(vals[0]), int(vals[1])


def check_images(x, where, what="x"):
    """Raise ValueError unless x is a float NumPy array of shape (N, C, H, W)."""
    check_float_array(x, where, what, "(N, C, H, W)")
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
    check_float_array(dout, where, "dout", str(shape))
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
    check_float_array(cols, "col2im", "cols", "(C·KH·KW, N·OH·OW)")
    if cols.shape != (C * kh * kw, N * OH * OW):
        raise ValueError(f"col2im expects cols of shape {(C * kh * kw, N * OH * OW)} for x_shape "
                         f"{tuple(x_shape)}, got {cols.shape}")
    return (kh, kw), s, p, (OH, OW)


def check_conv(x, w, b, stride, padding, where, dout=None):
    """Checks for conv2d (and its backward pass, with dout); returns stride, padding, (OH, OW)."""
    check_images(x, where)
    check_float_array(w, where, "w", "(F, C, KH, KW)")
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
