"""Transposed convolution ("deconvolution") and upsampling from scratch in NumPy, forward and backward.

Taught in ``notebooks/07_deconvolution.ipynb``, which shows exactly this code
(``tests/test_nb07_deconvolution.py`` fails if the notebook and this file drift apart); later notebooks
(10 GAN) import it. Every function follows PyTorch's conventions, so weights copy over directly:

    x: (N, C_in, H, W)          a batch of N images with C_in channels (NCHW)
    w: (C_in, C_out, KH, KW)    ``nn.ConvTranspose2d.weight``: input channels FIRST (the reverse of Conv2d)
    b: (C_out,)                 one bias per output channel
    out: (N, C_out, OH, OW)     with OH = (H − 1)·stride − 2·padding + KH + output_padding (same for OW)

    out = conv_transpose2d(x, w, b, stride=2, padding=1)              # F.conv_transpose2d
    dx, dw, db = conv_transpose2d_backward(dout, x, w, stride=2, padding=1)
    up = upsample_nearest(x, 2); up = upsample_bilinear(x, 2)        # F.interpolate(scale_factor=2, ...)

A transposed convolution is the TRANSPOSE (adjoint) of a convolution, not its inverse: every input
pixel stamps a copy of the kernel, scaled by its value, onto the output, ``stride`` pixels apart, and
overlapping stamps add up. ``conv_transpose2d_loop`` does that literally (a loop over input pixels),
``conv_transpose2d`` does it vectorised, and ``conv_transpose2d_via_gradient`` computes the same thing as
the gradient of ``helpers.scratch.conv.conv2d`` with respect to its input. stride, padding and output_padding
are ints or ``(height, width)`` pairs.

Layers follow the protocol of ``helpers.scratch.layers`` (``forward(X)``, ``backward(dY) -> dX``, ``params`` and
``grads`` dicts), so they stack with its ``Linear``, ``ReLU``, ``Sequential`` and ``SGD``:

    decoder = Sequential(ConvTranspose2d(16, 8, 4, rng, stride=2, padding=1), ReLU(),
                         Upsample(2), Conv2d(8, 1, 3, rng, padding=1))
"""

import numpy as np

from helpers.scratch.conv import conv2d, conv2d_backward
from helpers.scratch.validate import check_images, check_layer, pair

__all__ = ["conv_transpose_output_size", "conv_transpose2d_loop", "conv_transpose2d", "conv_matrix",
           "conv_transpose2d_via_gradient", "conv_transpose2d_backward", "upsample_nearest", "bilinear_matrix",
           "upsample_bilinear", "ConvTranspose2d", "Upsample", "check_scale"]


def _check_conv_transpose(x, w, b, stride, padding, output_padding, where):
    """Check the arguments of a transposed convolution (stride, padding, output_padding already pairs);
    return the sizes N, C_in, H, W, C_out, KH, KW, OH, OW."""
    check_images(x, where)
    if not isinstance(w, np.ndarray) or w.dtype not in (np.float32, np.float64) or w.ndim != 4:
        raise ValueError(f"{where} expects w as a float NumPy array of shape (C_in, C_out, KH, KW), got "
                         f"{type(w).__name__} {getattr(w, 'dtype', '')} {getattr(w, 'shape', '')}")
    (N, C_in, H, W), (Cw, C_out, KH, KW) = x.shape, w.shape
    if Cw != C_in:
        raise ValueError(f"{where}: x has {C_in} channels but w {w.shape} expects {Cw}: a transposed "
                         f"convolution's weight is (C_in, C_out, KH, KW) = ({C_in}, C_out, KH, KW), input "
                         f"channels first (PyTorch's ConvTranspose2d layout, the reverse of Conv2d's)")
    if b is not None and (not isinstance(b, np.ndarray) or b.shape != (C_out,)):
        raise ValueError(f"{where} expects b of shape ({C_out},) (one bias per output channel) or None, "
                         f"got {getattr(b, 'shape', type(b).__name__)}")
    (sh, sw), (ph, pw), (oph, opw) = stride, padding, output_padding
    if oph >= sh or opw >= sw:
        raise ValueError(f"{where}: output_padding {output_padding} must be smaller than stride {stride}: "
                         f"it only chooses among the stride-many output sizes that a strided convolution "
                         f"would shrink back to the same input size")
    OH, OW = (H - 1) * sh - 2 * ph + KH + oph, (W - 1) * sw - 2 * pw + KW + opw
    if OH < 1 or OW < 1:
        raise ValueError(f"{where}: padding {padding} crops away the whole output ({OH}x{OW}): in a "
                         f"transposed convolution padding REMOVES rows and columns; use less padding")
    return N, C_in, H, W, C_out, KH, KW, OH, OW


def conv_transpose_output_size(size, kernel, stride=1, padding=0, output_padding=0):
    """Output length along one axis: (size − 1)·stride − 2·padding + kernel + output_padding (ints)."""
    return (size - 1) * stride - 2 * padding + kernel + output_padding


def conv_transpose2d_loop(x, w, b=None, stride=1, padding=0, output_padding=0):
    """Transposed convolution, the obvious way: every input pixel stamps the kernel, scaled by its value.

    x: (N, C_in, H, W), w: (C_in, C_out, KH, KW), b: (C_out,) or None  ->  (N, C_out, OH, OW).
    Slow (a Python loop over the H·W input pixels) but it IS the definition; see conv_transpose2d.
    """
    stride, padding = pair(stride, "stride", 1), pair(padding, "padding", 0)
    output_padding = pair(output_padding, "output_padding", 0)
    N, C_in, H, W, C_out, KH, KW, OH, OW = _check_conv_transpose(x, w, b, stride, padding, output_padding,
                                                                 "conv_transpose2d_loop")
    (sh, sw), (ph, pw), (oph, opw) = stride, padding, output_padding
    # The full canvas that every stamp fits on (plus output_padding); padding crops it at the end.
    full = np.zeros((N, C_out, (H - 1) * sh + KH + oph, (W - 1) * sw + KW + opw), dtype=np.result_type(x, w))
    for i in range(H):
        for j in range(W):
            stamp = np.tensordot(x[:, :, i, j], w, axes=1)  # (N, C_in) · (C_in, C_out, KH, KW) -> (N, C_out, KH, KW)
            full[:, :, i * sh:i * sh + KH, j * sw:j * sw + KW] += stamp  # overlapping stamps ADD up
    out = full[:, :, ph:ph + OH, pw:pw + OW]
    return out if b is None else out + b[:, None, None]


def conv_transpose2d(x, w, b=None, stride=1, padding=0, output_padding=0):
    """Transposed convolution (PyTorch's F.conv_transpose2d), vectorised.

    x: (N, C_in, H, W), w: (C_in, C_out, KH, KW), b: (C_out,) or None  ->  out: (N, C_out, OH, OW),
    OH = (H − 1)·stride − 2·padding + KH + output_padding, and
    out[n, o, i·stride + ki − padding, j·stride + kj − padding] += x[n, c, i, j] · w[c, o, ki, kj].
    """
    stride, padding = pair(stride, "stride", 1), pair(padding, "padding", 0)
    output_padding = pair(output_padding, "output_padding", 0)
    N, C_in, H, W, C_out, KH, KW, OH, OW = _check_conv_transpose(x, w, b, stride, padding, output_padding,
                                                                 "conv_transpose2d")
    (sh, sw), (ph, pw), (oph, opw) = stride, padding, output_padding
    # Every pixel's stamp at once: (N, C_in, H, W) · (C_in, C_out, KH, KW) -> (N, C_out, KH, KW, H, W).
    stamps = np.tensordot(x, w, axes=([1], [0])).transpose(0, 3, 4, 5, 1, 2)
    full = np.zeros((N, C_out, (H - 1) * sh + KH + oph, (W - 1) * sw + KW + opw), dtype=stamps.dtype)
    for ki in range(KH):
        for kj in range(KW):  # entry (ki, kj) of the stamp of pixel (i, j) lands on (i·sh + ki, j·sw + kj)
            full[:, :, ki:ki + sh * H:sh, kj:kj + sw * W:sw] += stamps[:, :, ki, kj]
    out = full[:, :, ph:ph + OH, pw:pw + OW]
    return out if b is None else out + b[:, None, None]


def conv_matrix(w, in_size, stride=1, padding=0):
    """The matrix C of a one-channel convolution: conv2d(x, w).ravel() == C @ x.ravel().

    w: (KH, KW) kernel, in_size: (H, W)  ->  C: (OH·OW, H·W). Column k is the convolution of the k-th
    basis image (a single 1 at pixel k): a linear map is known once we know what it does to each basis vector.
    """
    if not isinstance(w, np.ndarray) or w.dtype not in (np.float32, np.float64) or w.ndim != 2:
        raise ValueError(f"conv_matrix expects w as one float kernel of shape (KH, KW), got "
                         f"{type(w).__name__} {getattr(w, 'dtype', '')} {getattr(w, 'shape', '')}")
    H, W = pair(in_size, "in_size", 1)
    basis = np.eye(H * W, dtype=w.dtype).reshape(H * W, 1, H, W)  # H·W images, one lit pixel each
    out = conv2d(basis, w[None, None], stride=stride, padding=padding)  # (H·W, 1, OH, OW): the columns
    return out.reshape(H * W, -1).T


def conv_transpose2d_via_gradient(x, w, b=None, stride=1, padding=0, output_padding=0):
    """Transposed convolution as the transpose of a convolution: conv2d's gradient w.r.t. its input.

    Read w (C_in, C_out, KH, KW) as a Conv2d weight (F = C_in filters over C_out channels): the
    convolution z -> conv2d(z, w) maps (N, C_out, OH, OW) to (N, C_in, H, W) as a matrix C. Its
    backward pass sends an upstream gradient x to Cᵀ x, which is exactly conv_transpose2d(x, w).
    """
    stride, padding = pair(stride, "stride", 1), pair(padding, "padding", 0)
    output_padding = pair(output_padding, "output_padding", 0)
    N, C_in, H, W, C_out, KH, KW, OH, OW = _check_conv_transpose(x, w, b, stride, padding, output_padding,
                                                                 "conv_transpose2d_via_gradient")
    z = np.zeros((N, C_out, OH, OW), dtype=x.dtype)  # any z will do: conv2d is linear, its Cᵀ never reads z
    dz, _, _ = conv2d_backward(x, z, w, stride=stride, padding=padding)  # dout = x  ->  dz = Cᵀ x
    return dz if b is None else dz + b[:, None, None]


def conv_transpose2d_backward(dout, x, w, stride=1, padding=0, output_padding=0):
    """Gradients of conv_transpose2d.   dout: (N, C_out, OH, OW)  ->  dx (N, C_in, H, W), dw, db.

    The forward pass is out = Cᵀ x (C: the convolution with the same w), so the input gradient is
    dx = C dout: an ORDINARY convolution. dw is conv2d's weight gradient with input and output swapped
    (the convolution reads dout and produces x's shape), and db sums dout over images and positions.
    """
    stride, padding = pair(stride, "stride", 1), pair(padding, "padding", 0)
    output_padding = pair(output_padding, "output_padding", 0)
    N, C_in, H, W, C_out, KH, KW, OH, OW = _check_conv_transpose(x, w, None, stride, padding, output_padding,
                                                                 "conv_transpose2d_backward")
    if not isinstance(dout, np.ndarray) or dout.dtype not in (np.float32, np.float64):
        raise ValueError(f"conv_transpose2d_backward expects dout as a float NumPy array, got "
                         f"{type(dout).__name__} {getattr(dout, 'dtype', '')}")
    if dout.shape != (N, C_out, OH, OW):
        raise ValueError(f"conv_transpose2d_backward expects dout of shape {(N, C_out, OH, OW)} (the shape "
                         f"of the forward output), got {dout.shape}")
    dx = conv2d(dout, w, stride=stride, padding=padding)  # (N, C_out, OH, OW) -> (N, C_in, H, W)
    _, dw, _ = conv2d_backward(x, dout, w, stride=stride, padding=padding)  # conv2d(dout, w) = x's shape
    db = dout.sum(axis=(0, 2, 3))
    return dx, dw, db


def check_scale(scale, where):
    if not isinstance(scale, (int, np.integer)) or isinstance(scale, bool) or scale < 1:
        raise ValueError(f"{where} expects scale as a positive int (2 doubles height and width), got {scale!r}")
    return int(scale)


def upsample_nearest(x, scale):
    """Nearest-neighbour upsampling: each pixel becomes a scale x scale block of copies.

    x: (N, C, H, W)  ->  (N, C, H·scale, W·scale), as F.interpolate(x, scale_factor=scale, mode="nearest").
    """
    check_images(x, "upsample_nearest")
    s = check_scale(scale, "upsample_nearest")
    # repeat every row s times, then every column
    return x.repeat(s, axis=2).repeat(s, axis=3)


def bilinear_matrix(n_in, scale):
    """The (n_in·scale, n_in) matrix A of linear interpolation along one axis: up = A @ column.

    PyTorch's rule for align_corners=False: output pixel r sits at input coordinate (r + 0.5)/scale − 0.5
    (pixel centres line up); it mixes the two nearest input pixels, weighted by closeness. Beyond the
    outermost centres the coordinate is clamped, so the edge pixel is copied.
    """
    if not isinstance(n_in, (int, np.integer)) or isinstance(n_in, bool) or n_in < 1:
        raise ValueError(f"bilinear_matrix expects n_in as a positive int, got {n_in!r}")
    s = check_scale(scale, "bilinear_matrix")
    rows = np.arange(n_in * s)
    src = np.clip((rows + 0.5) / s - 0.5, 0, n_in - 1)  # where output pixel r falls among the inputs
    lo = np.floor(src).astype(np.int64)
    hi = np.minimum(lo + 1, n_in - 1)
    frac = src - lo  # 0 on top of input pixel lo, -> 1 as we approach lo + 1
    A = np.zeros((n_in * s, n_in))
    np.add.at(A, (rows, lo), 1 - frac)  # add.at, not =: at the edge lo == hi and the weights must add
    np.add.at(A, (rows, hi), frac)
    return A


def upsample_bilinear(x, scale):
    """Bilinear upsampling: interpolate down the columns, then along the rows (two matrix products).

    x: (N, C, H, W)  ->  (N, C, H·scale, W·scale), as
    F.interpolate(x, scale_factor=scale, mode="bilinear", align_corners=False).
    """
    check_images(x, "upsample_bilinear")
    s = check_scale(scale, "upsample_bilinear")
    A_h = bilinear_matrix(x.shape[2], s).astype(x.dtype)  # (H·s, H)
    A_w = bilinear_matrix(x.shape[3], s).astype(x.dtype)  # (W·s, W)
    # (H·s, H) @ (N, C, H, W) @ (W, W·s) -> (N, C, H·s, W·s): matmul works on the last two axes
    return A_h @ x @ A_w.T


class ConvTranspose2d:
    """A transposed-convolution layer: (N, in_channels, H, W) -> (N, out_channels, OH, OW).

    params: ``"W"`` (in_channels, out_channels, KH, KW) and ``"b"`` (out_channels,): the layout of
    PyTorch's ``nn.ConvTranspose2d``, so copying is direct: ``deconv.weight = W``, ``deconv.bias = b``.
    Init (He uniform): W ~ U(±sqrt(6 / fan_in)) with fan_in = in_channels·KH·KW / (sh·sw), the number
    of products an output pixel sums over on average (each sees about KH/sh x KW/sw input pixels); b = 0.
    """

    def __init__(self, in_channels, out_channels, kernel_size, rng, stride=1, padding=0, output_padding=0,
                 dtype=np.float64):
        check_layer(in_channels, out_channels, rng, dtype, "ConvTranspose2d")   # the same checks as Conv2d's
        self.kernel_size = pair(kernel_size, "kernel_size", 1)
        self.stride, self.padding = pair(stride, "stride", 1), pair(padding, "padding", 0)
        self.output_padding = pair(output_padding, "output_padding", 0)
        if self.output_padding[0] >= self.stride[0] or self.output_padding[1] >= self.stride[1]:
            raise ValueError(f"ConvTranspose2d: output_padding {output_padding} must be smaller than "
                             f"stride {stride}")
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        bound = np.sqrt(6.0 / max(1.0, self.in_channels * kh * kw / (sh * sw)))
        shape = (self.in_channels, self.out_channels, kh, kw)
        self.params = {"W": rng.uniform(-bound, bound, size=shape).astype(dtype),
                       "b": np.zeros(self.out_channels, dtype=dtype)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.X = None  # the input, cached by forward for backward

    def __repr__(self):
        def one(v):
            return v[0] if v[0] == v[1] else v
        return (f"ConvTranspose2d({self.in_channels}, {self.out_channels}, kernel_size={one(self.kernel_size)}"
                f", stride={one(self.stride)}, padding={one(self.padding)}"
                f", output_padding={one(self.output_padding)})")

    def forward(self, X):
        check_images(X, f"{self!r}.forward", "X")
        if X.dtype != self.params["W"].dtype:
            raise ValueError(f"{self!r}.forward: X is {X.dtype} but the weights are {self.params['W'].dtype}; "
                             f"use X.astype(np.{self.params['W'].dtype}) (or build the layer with that dtype)")
        self.X = X
        return conv_transpose2d(X, self.params["W"], self.params["b"], self.stride, self.padding,
                                self.output_padding)

    def backward(self, dY):
        if self.X is None:
            raise ValueError(f"{self!r}.backward called before forward: forward caches what backward needs")
        dX, self.grads["W"], self.grads["b"] = conv_transpose2d_backward(
            dY, self.X, self.params["W"], self.stride, self.padding, self.output_padding)
        return dX


class Upsample:
    """Upsampling by an integer factor, ``mode="nearest"`` or ``"bilinear"``; no parameters.

    Both modes are linear maps, so backward applies their transpose: nearest sums each scale x scale
    block of dY (every copy passes its gradient back to the one pixel it came from); bilinear applies
    the transposed interpolation matrices.
    """

    def __init__(self, scale=2, mode="nearest"):
        self.scale = check_scale(scale, "Upsample")
        if mode not in ("nearest", "bilinear"):
            raise ValueError(f"Upsample mode must be 'nearest' or 'bilinear', got {mode!r}")
        self.mode = mode
        self.params, self.grads = {}, {}
        self.X_shape = None

    def __repr__(self):
        return f"Upsample(scale={self.scale}, mode={self.mode!r})"

    def forward(self, X):
        check_images(X, f"{self!r}.forward", "X")
        self.X_shape = X.shape
        up = upsample_nearest if self.mode == "nearest" else upsample_bilinear
        return up(X, self.scale)

    def backward(self, dY):
        if self.X_shape is None:
            raise ValueError(f"{self!r}.backward called before forward: forward caches what backward needs")
        N, C, H, W = self.X_shape
        s = self.scale
        if not isinstance(dY, np.ndarray) or dY.shape != (N, C, H * s, W * s):
            raise ValueError(f"{self!r}.backward expects dY of shape {(N, C, H * s, W * s)} (the shape "
                             f"forward returned), got {getattr(dY, 'shape', type(dY).__name__)}")
        if self.mode == "nearest":
            return dY.reshape(N, C, H, s, W, s).sum(axis=(3, 5))
        A_h, A_w = bilinear_matrix(H, s).astype(dY.dtype), bilinear_matrix(W, s).astype(dY.dtype)
        return A_h.T @ dY @ A_w
