"""Checkers for notebook 07 (transposed convolution and upsampling)."""

import numpy as np

from helpers.exercises import exercise

# The (kernel_size, stride) pairs of exercise 07.checkerboard, in the order the notebook lists them.
CHECKERBOARD_PAIRS = [(3, 2), (4, 2), (5, 2), (6, 3), (3, 1), (5, 3), (2, 2), (9, 3), (7, 4)]


@exercise("07.output_shape",
          hint="Apply OH = (H − 1)·stride − 2·padding + kernel_size + output_padding once per layer, feeding "
               "the first layer's output size into the second; the channels are the last out_channels.")
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
          hint="Draw the overlap map: conv_transpose2d(np.ones((1, 1, 8, 8)), np.ones((1, 1, K, K)), stride=s). "
               "Away from the border every output pixel is covered by the same number of stamps exactly "
               "when the stride divides the kernel size.")
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
          hint="Output row r copies input row r // scale: rows = np.arange(H * scale) // scale (the same for "
               "columns), then x[:, :, rows][:, :, :, cols].")
def _nearest_by_index(answer):
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
          hint="z = np.zeros((N, C_in, (H − 1)·stride + 1, (W − 1)·stride + 1)); z[:, :, ::stride, ::stride] = x; "
               "then conv2d(z, w.transpose(1, 0, 2, 3)[:, :, ::-1, ::-1], padding=K − 1): swap the channel "
               "axes and flip the kernel upside down and left to right.")
def _zero_insertion(answer):
    from helpers.scratch.deconv import conv_transpose2d

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
