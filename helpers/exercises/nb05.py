"""Checkers for notebook 05 · Convolutional neural networks (reference solutions: ``solutions/nb05.py``)."""

import numpy as np

from helpers.exercises import array_answer, exercise

# The 4x4 feature map of exercise 05.max_pool_by_hand (the notebook prints the same array).
POOL_EXERCISE = np.array([[1, 5, 2, 0],
                          [3, 2, 8, 1],
                          [0, 7, 4, 4],
                          [6, 1, 3, 9]])


def _as_int(value, what):
    if isinstance(value, (bool, np.bool_)) or not np.isscalar(value) or not np.isreal(value):
        raise AssertionError(f"{what} must be one whole number, got {value!r}")
    if value != int(value):
        raise AssertionError(f"{what} must be a whole number, got {value!r}")
    return int(value)


@exercise("05.output_size", hint="Pad first: the padded input has H + 2P pixels. The window's first pixel can "
                                 "sit at 0, S, 2S, ... up to H + 2P − K: that is (H + 2P − K) // S + 1 places.")
def _output_size(answer):
    cases = [(28, 3, 0, 1, 26), (28, 3, 1, 1, 28), (28, 5, 2, 1, 28), (28, 3, 1, 2, 14), (32, 3, 1, 2, 16),
             (7, 3, 0, 2, 3), (224, 7, 3, 2, 112), (10, 4, 0, 3, 3), (5, 5, 0, 1, 1), (9, 2, 0, 2, 4)]
    for H, K, P, S, expected in cases:
        got = _as_int(answer(H, K, P, S), f"output_size({H}, {K}, {P}, {S})")
        if got == expected:
            continue
        if P and got == (H - K) // S + 1:
            raise AssertionError(f"output_size({H}, {K}, {P}, {S}) = {got}: you left out the padding "
                                 f"(it adds P pixels on BOTH sides)")
        if got == (H + P - K) // S + 1:
            raise AssertionError(f"output_size({H}, {K}, {P}, {S}) = {got}: padding adds P pixels on both "
                                 f"sides, so 2P in all")
        if got == (H + 2 * P - K) // S:
            raise AssertionError(f"output_size({H}, {K}, {P}, {S}) = {got}: one short; the first position "
                                 f"counts too (+1)")
        if S > 1 and got == H + 2 * P - K + 1:
            raise AssertionError(f"output_size({H}, {K}, {P}, {S}) = {got}: you forgot the stride "
                                 f"(divide the free room by S, rounding down)")
        raise AssertionError(f"output_size({H}, {K}, {P}, {S}) should be {expected}, you give {got}")


def _response(kernel, image):
    """Cross-correlation of a 2-D image with a 3x3 kernel, 'valid' positions only."""
    H, W = image.shape
    return sum(kernel[i, j] * image[i:H - 2 + i, j:W - 2 + j] for i in range(3) for j in range(3))


@exercise("05.vertical_edge", hint="A vertical edge is a change from LEFT to RIGHT. Give the right column "
                                   "positive weights and the left column the opposite ones, e.g. "
                                   "[[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]] (Prewitt), or Sobel's 1-2-1 version.")
def _vertical_edge(answer):
    k = array_answer(answer, (3, 3), "a 3x3 array of numbers, e.g. np.array([[...], [...], [...]])",
                     "the kernel must be 3x3")
    scale = np.abs(k).max()
    if scale == 0:
        raise AssertionError("an all-zero kernel responds to nothing at all")
    flat = np.full((9, 9), 0.7)
    vertical = np.tile((np.arange(9) >= 4).astype(float), (9, 1))   # dark left half, bright right half
    horizontal = vertical.T                                           # dark top half, bright bottom half
    r_flat, r_v, r_h = (np.abs(_response(k, img)).max() / scale for img in (flat, vertical, horizontal))
    if r_flat > 1e-9:
        raise AssertionError(f"on a flat grey image your kernel gives {r_flat * scale:.3g}, not 0: an edge "
                             f"detector must ignore uniform regions, so its weights must add up to 0")
    if r_v < 1e-9 and r_h > 1e-9:
        raise AssertionError("your kernel responds to HORIZONTAL edges (top/bottom change), not vertical "
                             "ones: transpose it")
    if r_h > 1e-9:
        raise AssertionError(f"your kernel also responds to horizontal edges ({r_h * scale:.3g}): make every "
                             f"ROW add up to 0, so that a top/bottom change gives nothing")
    if r_v < 1e-9:
        raise AssertionError("your kernel does not respond to a vertical edge: the left and right columns "
                             "need different sums")


@exercise("05.conv_params", hint="Each of the C_out filters has C_in·K·K weights (it spans ALL input "
                                 "channels) plus one bias.")
def _conv_params(answer):
    import torch

    for c_in, c_out, k in [(1, 16, 3), (16, 32, 3), (3, 64, 7), (64, 128, 1), (8, 8, 5)]:
        expected = sum(p.numel() for p in torch.nn.Conv2d(c_in, c_out, k).parameters())
        got = _as_int(answer(c_in, c_out, k), f"conv_params({c_in}, {c_out}, {k})")
        if got == expected:
            continue
        if got == c_out * c_in * k * k:
            raise AssertionError(f"conv_params({c_in}, {c_out}, {k}) = {got}: you forgot the biases "
                                 f"(one per filter)")
        if got == c_out * k * k + c_out:
            raise AssertionError(f"conv_params({c_in}, {c_out}, {k}) = {got}: each filter spans all "
                                 f"{c_in} input channels, so it has C_in·K·K weights")
        raise AssertionError(f"conv_params({c_in}, {c_out}, {k}) should be {expected} (PyTorch counts it), "
                             f"you give {got}")


@exercise("05.max_pool_by_hand", hint="Cut the 4x4 map into four 2x2 blocks (top-left, top-right, "
                                      "bottom-left, bottom-right) and keep the largest number of each.")
def _max_pool_by_hand(answer):
    a = array_answer(answer, (2, 2), "a 2x2 list of numbers, e.g. [[1, 2], [3, 4]]",
                     "max pooling 2x2 with stride 2 turns 4x4 into 2x2")
    blocks = POOL_EXERCISE.reshape(2, 2, 2, 2).transpose(0, 2, 1, 3).reshape(2, 2, 4)
    if np.array_equal(a, blocks.mean(axis=2)):
        raise AssertionError("those are the block averages (average pooling); max pooling keeps the largest")
    if np.array_equal(a, blocks.max(axis=2).T):
        raise AssertionError("the numbers are right but transposed: the first row holds the top two blocks")
    wrong = [(r, c) for r in range(2) for c in range(2) if a[r, c] != blocks[r, c].max()]
    if wrong:
        r, c = wrong[0]
        raise AssertionError(f"entry [{r}][{c}] should be the max of the block "
                             f"{POOL_EXERCISE[2 * r:2 * r + 2, 2 * c:2 * c + 2].tolist()}")


@exercise("05.receptive_field", hint="Work backwards: one output of the second conv sees 3x3 pooled pixels; "
                                     "neighbouring pooled pixels are 2 input pixels apart and each covers 2x2 "
                                     "of the first conv's output, whose pixels each see 3x3 input pixels.")
def _receptive_field(answer):
    got = _as_int(answer, "the receptive field width")
    if got == 8:
        return
    if got == 5:
        raise AssertionError("5 would be right for two 3x3 convolutions in a row; the pooling in between "
                             "doubles the step between neighbouring positions")
    if got in (6, 7):
        raise AssertionError(f"{got} is close: the pooled map's pixels are 2 input pixels apart, so the second "
                             f"conv's 3-wide window adds (3 − 1)·2 = 4 pixels to the 4 that one pooled pixel sees")
    raise AssertionError(f"{got} pixels is not it: count how far apart the extreme input pixels are")
