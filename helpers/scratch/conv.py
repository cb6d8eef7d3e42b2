"""Convolution and pooling from scratch in NumPy: forward and backward, as functions and as layers.

Taught in ``notebooks/05_cnn.ipynb``, which shows exactly this code (``tests/test_nb05_cnn.py`` fails
if the notebook and this file drift apart); later notebooks (06 ResNet, 07 transposed convolution,
10 GAN) import it. Every function follows PyTorch's conventions, so weights copy over directly:

    x: (N, C, H, W)      a batch of N images with C channels (NCHW, as in PyTorch)
    w: (F, C, KH, KW)    F filters, each with C channels of KH x KW weights (``nn.Conv2d.weight``)
    b: (F,)              one bias per filter (``nn.Conv2d.bias``)
    out: (N, F, OH, OW)  with OH = (H + 2·padding − KH) // stride + 1 (the same for OW)

    out = conv2d(x, w, b, stride=1, padding=1)
    dx, dw, db = conv2d_backward(dout, x, w, stride=1, padding=1)

Like every framework, ``conv2d`` computes a cross-correlation (the kernel is not flipped).
The workhorse is ``im2col``: it copies every receptive field into a column of a matrix
(C·KH·KW, N·OH·OW), so that the whole convolution is ONE matrix product; ``col2im`` is its adjoint
(it adds columns back onto the pixels they came from), which is what the backward pass, and the
transposed convolution of notebook 07, need. stride, padding, kernel and pooling sizes are ints or
``(height, width)`` pairs.

Layers follow the protocol of ``helpers.scratch.layers`` (``forward(X)``, ``backward(dY) -> dX``, ``params`` and
``grads`` dicts), so they stack with its ``Linear``, ``ReLU`` and ``Sequential``:

    net = Sequential(Conv2d(1, 8, 3, rng, padding=1), ReLU(), MaxPool2d(2), Flatten(), Linear(8 * 14 * 14, 10, rng))
"""

import numpy as np

from helpers.scratch.layers import Flatten  # the bridge from feature maps to the dense head, re-exported here
from helpers.scratch.validate import (  # input checks with clear error messages: read them there
    check_backward,
    check_cols,
    check_conv,
    check_forward,
    check_layer,
    check_pool,
    check_window,
    pair,
)

__all__ = [
    "conv_output_size", "im2col", "col2im", "conv2d", "conv2d_backward",
    "max_pool2d", "max_pool2d_backward", "avg_pool2d", "avg_pool2d_backward",
    "Conv2d", "MaxPool2d", "AvgPool2d", "Flatten",
]


# --------------------------------------------------------------------------------------------
# Convolution.
# --------------------------------------------------------------------------------------------

def conv_output_size(size, kernel, stride=1, padding=0):
    """Output length along one axis: (size + 2·padding − kernel) // stride + 1 (all ints)."""
    return (size + 2 * padding - kernel) // stride + 1


def im2col(x, kernel_size, stride=1, padding=0):
    """Every receptive field of x as one column: (N, C, H, W) -> cols (C·KH·KW, N·OH·OW).

    cols[(c, i, j), (n, oh, ow)] = x_padded[n, c, oh·stride + i, ow·stride + j]: row (c, i, j) holds
    what kernel entry w[:, c, i, j] multiplies, column (n, oh, ow) one output position of one image.
    """
    (kh, kw), (sh, sw), (ph, pw), (OH, OW) = check_window(x, kernel_size, stride, padding, "im2col")
    N, C, H, W = x.shape
    # Zero-pad and put channels first, in one copy: (C, N, H + 2ph, W + 2pw). Channels first puts the
    # columns of all N images side by side, so the convolution of the whole batch is one matrix product.
    xp = np.zeros((C, N, H + 2 * ph, W + 2 * pw), dtype=x.dtype)
    xp[:, :, ph:ph + H, pw:pw + W] = x.transpose(1, 0, 2, 3)
    cols = np.empty((C, kh, kw, N, OH, OW), dtype=x.dtype)
    for i in range(kh):  # a loop over the kh·kw kernel offsets (9 for 3x3), not over the pixels:
        for j in range(kw):  # offset (i, j) sees the padded images shifted by (i, j), every stride-th pixel
            cols[:, i, j] = xp[:, :, i:i + sh * OH:sh, j:j + sw * OW:sw]
    return cols.reshape(C * kh * kw, N * OH * OW)


def col2im(cols, x_shape, kernel_size, stride=1, padding=0):
    """The adjoint of im2col: add each column back onto the pixels it was copied from.

    cols: (C·KH·KW, N·OH·OW)  ->  (N, C, H, W) = x_shape. A pixel that lies in several receptive
    fields receives the SUM of their entries (that is exactly how a gradient flows back).
    """
    (kh, kw), (sh, sw), (ph, pw), (OH, OW) = check_cols(cols, x_shape, kernel_size, stride, padding)
    N, C, H, W = x_shape
    cols = cols.reshape(C, kh, kw, N, OH, OW)
    xp = np.zeros((C, N, H + 2 * ph, W + 2 * pw), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):  # += : where receptive fields overlap, their contributions add up
            xp[:, :, i:i + sh * OH:sh, j:j + sw * OW:sw] += cols[:, i, j]
    # drop the padding, back to (N, C, H, W)
    return np.ascontiguousarray(xp[:, :, ph:ph + H, pw:pw + W].transpose(1, 0, 2, 3))


def conv2d(x, w, b=None, stride=1, padding=0):
    """2-D convolution (cross-correlation, as in PyTorch), via im2col and one matrix product.

    x: (N, C, H, W), w: (F, C, KH, KW), b: (F,) or None  ->  out: (N, F, OH, OW) with
    out[n, f, oh, ow] = b[f] + sum_{c, i, j} w[f, c, i, j] · x_padded[n, c, oh·stride + i, ow·stride + j].
    """
    stride, padding, (OH, OW) = check_conv(x, w, b, stride, padding, "conv2d")
    N, F = len(x), len(w)
    cols = im2col(x, w.shape[2:], stride, padding)  # (C·KH·KW, N·OH·OW)
    out = w.reshape(F, -1) @ cols  # (F, C·KH·KW) @ (C·KH·KW, N·OH·OW): every filter, everywhere, at once
    if b is not None:
        out += b[:, None]  # one bias per filter, added at every position
    # (F, N·OH·OW) -> (N, F, OH, OW), copied so that the next layer reads contiguous memory
    return np.ascontiguousarray(out.reshape(F, N, OH, OW).transpose(1, 0, 2, 3))


def conv2d_backward(dout, x, w, stride=1, padding=0):
    """Gradients of conv2d.   dout: (N, F, OH, OW) = dL/dout  ->  dx (N, C, H, W), dw (F, C, KH, KW), db (F,).

    With cols = im2col(x), the forward pass is out = W cols + b, a linear layer (W: (F, C·KH·KW)),
    so its backward pass is a linear layer's: dW = dout cols^T, dcols = W^T dout, db = the sum of
    dout over everything but the filter; then col2im sends dcols back to the pixels they came from.
    """
    stride, padding, (OH, OW) = check_conv(x, w, None, stride, padding, "conv2d_backward", dout=dout)
    F = len(w)
    d = dout.transpose(1, 0, 2, 3).reshape(F, -1)  # (F, N·OH·OW): the layout of the forward product
    cols = im2col(x, w.shape[2:], stride, padding)  # recomputed: cheaper to rebuild than to keep around
    dw = (d @ cols.T).reshape(w.shape)  # a sum over every image and every position
    dx = col2im(w.reshape(F, -1).T @ d, x.shape, w.shape[2:], stride, padding)
    db = d.sum(axis=1)  # b[f] was added at every position of every image
    return dx, dw, db


# --------------------------------------------------------------------------------------------
# Pooling: the same loop over window offsets, with a max (or a mean) instead of a weighted sum.
# --------------------------------------------------------------------------------------------

def max_pool2d(x, size=2, stride=None):
    """Max over each size x size window (stride defaults to size: the windows tile the image).

    x: (N, C, H, W) -> (N, C, OH, OW) with OH = (H − size) // stride + 1 (leftover rows are dropped).
    """
    (kh, kw), (sh, sw), (OH, OW) = check_pool(x, size, stride, "max_pool2d")
    out = np.full((*x.shape[:2], OH, OW), -np.inf, dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):  # entry (i, j) of every window at once
            np.maximum(out, x[:, :, i:i + sh * OH:sh, j:j + sw * OW:sw], out=out)
    return out


def max_pool2d_backward(dout, x, size=2, stride=None):
    """Gradient of max_pool2d: each window's gradient goes, whole, to the input that was its max.

    dout: (N, C, OH, OW) -> dx: (N, C, H, W). On a tie the first max in reading order gets it (as in
    PyTorch); the window's other inputs did not affect the output, so their gradient is 0.
    """
    (kh, kw), (sh, sw), (OH, OW) = check_pool(x, size, stride, "max_pool2d_backward", dout=dout)
    out = max_pool2d(x, size, stride)
    dx = np.zeros_like(x, dtype=np.result_type(x, dout))
    routed = np.zeros(out.shape, dtype=bool)  # windows whose max has already received the gradient
    for i in range(kh):
        for j in range(kw):
            hit = (x[:, :, i:i + sh * OH:sh, j:j + sw * OW:sw] == out) & ~routed
            dx[:, :, i:i + sh * OH:sh, j:j + sw * OW:sw] += dout * hit  # += : windows may overlap
            routed |= hit
    return dx


def avg_pool2d(x, size=2, stride=None):
    """Mean over each size x size window.   x: (N, C, H, W) -> (N, C, OH, OW)."""
    (kh, kw), (sh, sw), (OH, OW) = check_pool(x, size, stride, "avg_pool2d")
    out = np.zeros((*x.shape[:2], OH, OW), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            out += x[:, :, i:i + sh * OH:sh, j:j + sw * OW:sw]
    return out / (kh * kw)


def avg_pool2d_backward(dout, x, size=2, stride=None):
    """Gradient of avg_pool2d: each window shares its gradient equally among its kh·kw inputs."""
    (kh, kw), (sh, sw), (OH, OW) = check_pool(x, size, stride, "avg_pool2d_backward", dout=dout)
    dx = np.zeros_like(x, dtype=np.result_type(x, dout))
    for i in range(kh):
        for j in range(kw):
            dx[:, :, i:i + sh * OH:sh, j:j + sw * OW:sw] += dout / (kh * kw)
    return dx


# --------------------------------------------------------------------------------------------
# Layers (the protocol of helpers.scratch.layers): forward caches its input, backward fills grads.
# --------------------------------------------------------------------------------------------

class Conv2d:
    """A convolutional layer: (N, in_channels, H, W) -> (N, out_channels, OH, OW).

    params: "W" (out_channels, in_channels, KH, KW) and "b" (out_channels,), the layout of PyTorch's
    nn.Conv2d, so copying is direct: conv.weight <- W, conv.bias <- b (no transpose, unlike Linear).
    Init (He uniform, as helpers.scratch.layers.Linear): W ~ U(±sqrt(6 / fan_in)), fan_in = in_channels·KH·KW,
    the number of inputs that each output sums over; b = 0.
    """

    def __init__(self, in_channels, out_channels, kernel_size, rng, stride=1, padding=0, dtype=np.float64):
        check_layer(in_channels, out_channels, rng, dtype)
        self.kernel_size = pair(kernel_size, "kernel_size", 1)
        self.stride, self.padding = pair(stride, "stride", 1), pair(padding, "padding", 0)
        shape = (out_channels, in_channels, *self.kernel_size)
        bound = np.sqrt(6.0 / np.prod(shape[1:]))
        self.params = {"W": rng.uniform(-bound, bound, size=shape).astype(dtype),
                       "b": np.zeros(out_channels, dtype=dtype)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.X = None  # the input, cached by forward for backward

    def __repr__(self):
        F, C, *_ = self.params["W"].shape
        k, s, p = (v[0] if v[0] == v[1] else v for v in (self.kernel_size, self.stride, self.padding))
        return f"Conv2d({C}, {F}, kernel_size={k}, stride={s}, padding={p})"

    def forward(self, X):
        check_forward(self, X)
        self.X = X
        return conv2d(X, self.params["W"], self.params["b"], self.stride, self.padding)

    def backward(self, dY):
        check_backward(self)
        dX, self.grads["W"], self.grads["b"] = conv2d_backward(dY, self.X, self.params["W"],
                                                               self.stride, self.padding)
        return dX


class MaxPool2d:
    """Max pooling over size x size windows (stride defaults to size). No parameters."""

    def __init__(self, size=2, stride=None):
        self.size = pair(size, "size", 1)
        self.stride = self.size if stride is None else pair(stride, "stride", 1)
        self.params, self.grads = {}, {}  # nothing to learn
        self.X = None

    def __repr__(self):
        return f"MaxPool2d({self.size[0] if self.size[0] == self.size[1] else self.size})"

    def forward(self, X):
        check_forward(self, X)
        self.X = X
        return max_pool2d(X, self.size, self.stride)

    def backward(self, dY):
        check_backward(self)
        return max_pool2d_backward(dY, self.X, self.size, self.stride)


class AvgPool2d:
    """Average pooling over size x size windows (stride defaults to size). No parameters."""

    def __init__(self, size=2, stride=None):
        self.size = pair(size, "size", 1)
        self.stride = self.size if stride is None else pair(stride, "stride", 1)
        self.params, self.grads = {}, {}
        self.X = None

    def __repr__(self):
        return f"AvgPool2d({self.size[0] if self.size[0] == self.size[1] else self.size})"

    def forward(self, X):
        check_forward(self, X)
        self.X = X
        return avg_pool2d(X, self.size, self.stride)

    def backward(self, dY):
        check_backward(self)
        return avg_pool2d_backward(dY, self.X, self.size, self.stride)
