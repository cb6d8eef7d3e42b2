"""Checkers for notebook 07 (transposed convolution and upsampling)."""

import numpy as np

from helpers.exercises import exercise, forbid, tuple_answer

# The (kernel_size, stride) pairs of exercise 07.checkerboard, in the order the notebook lists them.
CHECKERBOARD_PAIRS = [(3, 2), (4, 2), (5, 2), (6, 3), (3, 1), (5, 3), (2, 2), (9, 3), (7, 4)]


@exercise("07.output_shape",
          hints=("Go one layer at a time: the second layer's input is the first layer's output.",
                 "Apply OH = (H − 1)·stride − 2·padding + kernel_size + output_padding once per layer; the "
                 "channels are the last layer's out_channels.",
                 "Layer 1: (7 − 1)·2 − 2·1 + 3 + 1; layer 2: (that − 1)·3 − 2·2 + 5."))
def _output_shape(answer):
    if not (isinstance(answer, (tuple, list)) and len(answer) == 4
            and all(isinstance(v, (int, np.integer)) for v in answer)):
        raise AssertionError(f"answer with a tuple of 4 ints (N, C, H, W), got {answer!r}")
    answer = tuple(int(v) for v in answer)
    assert answer[0] == 1, "the batch size N does not change: it stays 1"
    assert answer[1] == 1, "the channels come from the LAST layer's out_channels"
    assert answer[2] == answer[3], "the input is square and both layers treat height and width alike"
    if answer[2] == 14:
        raise AssertionError("14 is the size after the FIRST layer; now apply the second one to it")
    if answer[2] in (13, 15):
        raise AssertionError(f"{answer[2]} is off by one in the first layer: (7 − 1)·2 − 2·1 + 3 + 1 = ?")
    if answer[2] in (44, 42):
        raise AssertionError("padding=2 removes 2 rows at EACH side: subtract 2·padding = 4")
    assert answer[2] == 40, f"{answer[2]} x {answer[3]} is not the final size; compute it layer by layer"


@exercise("07.checkerboard",
          hints=("Stamps start `stride` pixels apart and are K pixels wide. Count how many stamps cover each "
                 "output pixel away from the border: is it the same everywhere?",
                 "Draw the overlap map: conv_transpose2d(np.ones((1, 1, 8, 8)), np.ones((1, 1, K, K)), "
                 "stride=s), and look at its interior.",
                 "The overlap is even exactly when the stride divides the kernel size (K % s == 0)."))
def _checkerboard(answer):
    try:
        chosen = {(int(k), int(s)) for k, s in answer}
    except (TypeError, ValueError):
        raise AssertionError("answer with a set (or list) of (kernel_size, stride) pairs, "
                             "e.g. {(4, 2), ...}") from None
    unknown = sorted(chosen - set(CHECKERBOARD_PAIRS))
    assert not unknown, f"{unknown} are not in the list of pairs to choose from"
    even = {(k, s) for k, s in CHECKERBOARD_PAIRS if k % s == 0}
    wrong = sorted(chosen - even)
    if wrong:
        k, s = wrong[0]
        raise AssertionError(f"(kernel {k}, stride {s}) overlaps unevenly: away from the border its stamps "
                             f"cover some pixels with {-(-k // s)} stamps and others with {k // s}")
    missing = sorted(even - chosen)
    assert not missing, f"you missed {len(missing)} pair(s) whose overlap is even, e.g. {missing[0]}"


@exercise("07.nearest_by_index",
          hints=("Which input row does output row r copy? Write that as an array of row numbers, one per output "
                 "row, and index x with it.",
                 "Output row r copies input row r // scale: rows = np.arange(H * scale) // scale, and the same "
                 "for the columns.",
                 "x[:, :, rows][:, :, :, cols] with rows = np.arange(H * scale) // scale and cols = "
                 "np.arange(W * scale) // scale."))
def _nearest_by_index(answer):
    forbid(answer, {"repeat": "the exercise builds the copies by indexing, without repeat",
                    "kron": "build the copies by indexing: np.kron hides the index arithmetic",
                    "upsample_nearest": "write it yourself, by indexing, without upsample_nearest",
                    "Upsample": "write it yourself, by indexing, without the Upsample layer",
                    "interpolate": "write it yourself, by indexing, without F.interpolate"})
    rng = np.random.default_rng(7)
    for shape, scale in [((1, 1, 2, 3), 2), ((2, 3, 4, 5), 3), ((1, 2, 3, 3), 1), ((2, 1, 5, 2), 4)]:
        x = rng.normal(size=shape)
        got = np.asarray(answer(x, scale))
        expected = x.repeat(scale, axis=2).repeat(scale, axis=3)
        assert got.shape == expected.shape, \
            f"for x of shape {shape} and scale {scale} the output should be {expected.shape}, got {got.shape}"
        if scale > 1 and np.allclose(got, np.tile(x, (1, 1, scale, scale))):
            raise AssertionError("that tiles the whole image side by side; each PIXEL should become a block")
        assert np.allclose(got, expected), f"wrong values for x of shape {shape}, scale {scale}"


@exercise("07.zero_insertion",
          hints=("Three steps: spread the input out (zeros between its pixels), pad it so that the kernel can "
                 "hang over every edge, then run an ordinary conv2d with a rearranged kernel.",
                 "z = np.zeros((N, C_in, (H − 1)·stride + 1, (W − 1)·stride + 1)); z[:, :, ::stride, ::stride] = x; "
                 "then conv2d with padding K − 1.",
                 "conv2d(z, w.transpose(1, 0, 2, 3)[:, :, ::-1, ::-1], padding=K − 1): swap the channel axes and "
                 "flip the kernel upside down and left to right."))
def _zero_insertion(answer):
    from helpers.scratch.deconv import conv_transpose2d

    why = "build it from conv2d on the spread-out input, without a transposed convolution"
    forbid(answer, {name: why for name in ("conv_transpose2d", "conv_transpose2d_loop", "conv_transpose2d_via_gradient",
                                           "conv2d_backward", "conv_transpose2d_backward", "ConvTranspose2d",
                                           "conv_matrix", "col2im")})
    rng = np.random.default_rng(3)
    for N, C_in, C_out, H, W, K, stride in [(1, 1, 1, 3, 3, 3, 2), (2, 3, 2, 4, 5, 3, 1),
                                            (1, 2, 3, 3, 4, 4, 2), (2, 1, 2, 2, 3, 5, 3)]:
        x, w = rng.normal(size=(N, C_in, H, W)), rng.normal(size=(C_in, C_out, K, K))
        expected = conv_transpose2d(x, w, stride=stride)
        got = np.asarray(answer(x, w, stride))
        assert got.shape == expected.shape, (
            f"for x {x.shape}, w {w.shape}, stride {stride} the output should be {expected.shape}, got "
            f"{got.shape}: insert stride − 1 zeros between pixels and pad by K − 1")
        if np.allclose(got, conv_transpose2d(x, w[:, :, ::-1, ::-1].copy(), stride=stride)):
            raise AssertionError("the kernel is flipped the wrong way round: flip it (or do not) so that the "
                                 "result matches conv_transpose2d")
        assert np.allclose(got, expected), (
            f"wrong values for x {x.shape}, w {w.shape}, stride {stride} (the shape is right: check the "
            f"channel swap and the flip)")


def _upsample_conv_torch(x, w, scale, dout):
    """dL/dx and dL/dw of y = conv2d(nearest_upsample(x, scale), w, padding=K // 2), by PyTorch in float64."""
    import torch
    import torch.nn.functional as F

    xt, wt = (torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (x, w))
    y = F.conv2d(F.interpolate(xt, scale_factor=scale, mode="nearest"), wt, padding=w.shape[2] // 2)
    y.backward(torch.tensor(dout))
    return xt.grad.numpy(), wt.grad.numpy()


@exercise("07.upsample_conv_backward",
          hints=("Chain rule, one layer at a time: first back through the convolution (notebook 05 has its "
                 "backward pass), then back through the upsampling. Every input pixel was copied several times.",
                 "conv2d_backward(dout, z, w, padding=K // 2) with z = upsample_nearest(x, s) gives dz and dw. Each "
                 "input pixel fed a scale × scale block of z: its gradient is the SUM of that block's gradients.",
                 "dx = dz.reshape(N, C, H, s, W, s).sum(axis=(3, 5))."))
def _upsample_conv_backward(answer):
    from helpers.scratch.conv import conv2d_backward

    forbid(answer, {"torch": "compute the gradients with NumPy (PyTorch is the referee)",
                    "Upsample": "write the upsampling's backward pass yourself, without the Upsample layer",
                    "interpolate": "compute the gradients with NumPy (PyTorch is the referee)"})
    rng = np.random.default_rng()  # fresh inputs on every check: the answer must be right, not lucky
    for N, C_in, C_out, H, W, K, s in [(2, 3, 2, 4, 5, 3, 2), (1, 1, 1, 3, 3, 3, 3), (1, 2, 4, 2, 3, 1, 2),
                                       (2, 2, 3, 3, 2, 5, 2)]:
        x, w = rng.normal(size=(N, C_in, H, W)), rng.normal(size=(C_out, C_in, K, K))
        dout = rng.normal(size=(N, C_out, H * s, W * s))
        got = tuple_answer(answer(dout.copy(), x.copy(), w.copy(), s), 2, "a tuple (dx, dw) of NumPy arrays")
        dx, dw = (np.asarray(g, dtype=np.float64) for g in got)
        want_dx, want_dw = _upsample_conv_torch(x, w, s, dout)
        case = f"x {x.shape}, w {w.shape}, scale {s}"
        assert dw.shape == w.shape, f"dw should have the shape of w, {w.shape}, but has {dw.shape} ({case})"
        if dx.shape == (N, C_in, H * s, W * s):
            raise AssertionError(f"dx has the shape of the UPSAMPLED input {dx.shape}; send the gradient back "
                                 f"through the upsampling to x's shape {x.shape}")
        assert dx.shape == x.shape, f"dx should have the shape of x, {x.shape}, but has {dx.shape} ({case})"
        assert np.allclose(dw, want_dw, rtol=1e-9, atol=1e-10), (
            f"dw differs from PyTorch's autograd ({case}): the convolution reads the UPSAMPLED input")
        if np.allclose(dx, want_dx, rtol=1e-9, atol=1e-10):
            continue
        dz, _, _ = conv2d_backward(dout, x.repeat(s, axis=2).repeat(s, axis=3), w, padding=K // 2)
        if np.allclose(dx, dz[:, :, ::s, ::s], rtol=1e-9, atol=1e-10):
            raise AssertionError("dx keeps the gradient of one copy of each pixel only: every copy of the "
                                 "pixel sends its gradient back, and they add up")
        if np.allclose(dx * s * s, want_dx, rtol=1e-9, atol=1e-10):
            raise AssertionError("dx averages the gradients of a pixel's copies; they add up (a sum, not a "
                                 "mean: each copy is the pixel itself)")
        raise AssertionError(f"dx differs from PyTorch's autograd ({case})")
