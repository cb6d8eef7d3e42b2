"""Checkers for notebook 05 · Convolutional neural networks (reference solutions: ``solutions/nb05.py``)."""

import numpy as np

from helpers.exercises import array_answer, exercise, forbid, tuple_answer

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


def _unvisited_by_torch(H, K, P, S):
    """Rows at the bottom of the padded input (H + 2P rows) that no filter position reaches, measured with
    PyTorch: the gradient of a convolution's output is zero on exactly the rows it never read."""
    import torch
    import torch.nn.functional as F

    x = torch.ones(1, 1, H + 2 * P, 1, dtype=torch.float64, requires_grad=True)
    F.conv2d(x, torch.ones(1, 1, K, 1, dtype=torch.float64), stride=(S, 1)).sum().backward()
    read = torch.nonzero(x.grad[0, 0, :, 0]).max().item()
    return H + 2 * P - 1 - read


@exercise("05.unvisited_rows",
          hints=("Follow the filter down the padded input: where can its top row sit, and where does its last "
                 "position end?",
                 "The padded input has H + 2P rows. The filter's top row sits at 0, S, 2S, … as long as the K rows "
                 "still fit, so it never starts below row H + 2P − K. What is left over when the steps of S do "
                 "not divide that free room evenly?",
                 "(H + 2P − K) % S"))
def _unvisited_rows(answer):
    forbid(answer, {name: "count it from H, K, P and S yourself, without the notebook's functions"
                    for name in ("conv_output_size", "conv2d", "im2col", "correlate2d_loops", "filter2d")})
    forbid(answer, {"torch": "count it from H, K, P and S yourself (the checker asks PyTorch)"})
    rng = np.random.default_rng()  # fixed cases that catch the classic slips, then fresh random ones
    cases = [(28, 3, 0, 2), (9, 2, 0, 2), (32, 5, 1, 3), (7, 3, 0, 2), (10, 3, 2, 4), (28, 3, 1, 1)]
    for _ in range(12):
        K, P, S = (int(v) for v in rng.integers([1, 0, 1], [8, 4, 6]))
        cases.append((int(rng.integers(max(K - 2 * P, 1), 40)), K, P, S))
    for H, K, P, S in cases:
        expected = _unvisited_by_torch(H, K, P, S)
        got = _as_int(answer(H, K, P, S), f"unvisited_rows({H}, {K}, {P}, {S})")
        if got == expected:
            continue
        call = f"unvisited_rows({H}, {K}, {P}, {S}) = {got}"
        if P and got == (H - K) % S:
            raise AssertionError(f"{call}: you left out the padding (it adds P rows on BOTH sides)")
        if P and got == (H + P - K) % S:
            raise AssertionError(f"{call}: padding adds P rows at the top AND at the bottom, so 2P in all")
        if got == (H + 2 * P) % S:
            raise AssertionError(f"{call}: the last position must still hold all K rows of the filter")
        if got == (H + 2 * P - K) // S:
            raise AssertionError(f"{call}: that is how many steps the filter takes; the question is what is "
                                 f"left over after them")
        raise AssertionError(f"{call}, but {expected} rows are never reached (PyTorch's conv2d reads the others)")


def _response(kernel, image):
    """Cross-correlation of a 2-D image with a 3x3 kernel, 'valid' positions only."""
    H, W = image.shape
    return sum(kernel[i, j] * image[i:H - 2 + i, j:W - 2 + j] for i in range(3) for j in range(3))


@exercise("05.vertical_edge",
          hints=("A vertical edge is a change from LEFT to RIGHT: which columns should weigh positive, which "
                 "negative? And what must the weights add up to for a flat region to give 0?",
                 "Make the right column the opposite of the left one and the middle column 0: then every ROW "
                 "adds up to 0, so a change from top to bottom gives nothing.",
                 "[[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]] (Prewitt), or Sobel's 1-2-1 version"))
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


@exercise("05.dense_params",
          hints=("A dense layer has no sharing and no locality: every output number has its own weight for every "
                 "input number, and its own bias. How many numbers go in, and how many come out?",
                 "C·H·W numbers go in and F·H·W come out (the same output a conv with padding gives).",
                 "(C·H·W)·(F·H·W) weights + F·H·W biases"))
def _dense_params(answer):
    import torch

    rng = np.random.default_rng()
    cases = [(1, 28, 28, 16), (3, 8, 8, 4), (2, 5, 7, 3)]
    cases += [tuple(int(v) for v in rng.integers([1, 2, 2, 1], [5, 12, 12, 9])) for _ in range(4)]
    for C, H, W, F in cases:
        n_in, n_out = C * H * W, F * H * W  # the meta device counts parameters without allocating them
        expected = sum(p.numel() for p in torch.nn.Linear(n_in, n_out, device="meta").parameters())
        got = _as_int(answer(C, H, W, F), f"dense_params({C}, {H}, {W}, {F})")
        if got == expected:
            continue
        call = f"dense_params({C}, {H}, {W}, {F}) = {got}"
        if got == n_in * n_out:
            raise AssertionError(f"{call}: you forgot the biases (one per output number)")
        if got == n_in * n_out + F:
            raise AssertionError(f"{call}: a dense layer has one bias per output NUMBER, F·H·W of them, not one "
                                 f"per channel")
        if got in (F * C * 9 + F, F * C + F):
            raise AssertionError(f"{call}: that is a convolution's count; a dense layer shares nothing")
        if got == n_in * F + F:
            raise AssertionError(f"{call}: every output number, at each of the H·W positions, has its own weights")
        raise AssertionError(f"{call}; PyTorch's nn.Linear({n_in}, {n_out}) has {expected:,}")


@exercise("05.max_pool_by_hand",
          hints=("2x2 windows with stride 2 tile the 4x4 map without overlap: how many windows are there, and "
                 "which four numbers fall in each?",
                 "The windows are the top-left, top-right, bottom-left and bottom-right 2x2 blocks; keep the "
                 "largest number of each, in the same layout.",
                 "The top-left block [[1, 5], [3, 2]] gives 5; do the same for the other three blocks."))
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


@exercise("05.receptive_field",
          hints=("Work backwards from one output pixel of the second conv: how many pooled pixels does it see, "
                 "and how far apart are they in the input image?",
                 "It sees 3x3 pooled pixels; neighbouring pooled pixels are 2 input pixels apart; each pooled "
                 "pixel covers 2x2 outputs of the first conv, each of which sees 3x3 input pixels.",
                 "first conv: 3 pixels; after the pool: 3 + (2 − 1)·1 = 4, now with a step of 2; second conv: "
                 "4 + (3 − 1)·2"))
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


def _torch_conv_grads(dout, x, w):
    """PyTorch's autograd of conv2d (float64, stride 1, no padding): (dw, db)."""
    import torch
    import torch.nn.functional as F

    w_t = torch.tensor(w, requires_grad=True)
    b_t = torch.zeros(len(w), dtype=torch.float64, requires_grad=True)
    F.conv2d(torch.tensor(x), w_t, b_t).backward(torch.tensor(dout))
    return w_t.grad.numpy(), b_t.grad.numpy()


@exercise("05.conv_weight_grads",
          hints=("In the forward pass w[f, c, i, j] multiplies x[n, c, r + i, s + j] for EVERY image n and "
                 "position (r, s). Its gradient adds up all of those uses, each weighted by dout[n, f, r, s].",
                 "Loop over the kernel offsets (i, j), as filter2d does: for one offset the window "
                 "x[:, :, i:i + OH, j:j + OW] lines up with dout; multiply and sum over n, r and s for each pair "
                 "(f, c). db[f] adds dout over everything but f.",
                 "dw[:, :, i, j] = np.einsum('nfrs,ncrs->fc', dout, x[:, :, i:i + OH, j:j + OW]);  "
                 "db = dout.sum(axis=(0, 2, 3))"))
def _conv_weight_grads(answer):
    forbid(answer, {"im2col": "build dw from shifted windows of x, without im2col",
                    "col2im": "build dw from shifted windows of x, without col2im",
                    "conv2d_backward": "that is the notebook's answer; write your own",
                    "Conv2d": "that is the notebook's answer; write your own",
                    "torch": "write it in NumPy (the checker compares with PyTorch)"})
    rng = np.random.default_rng()  # fresh shapes and numbers on every check
    for _ in range(3):
        N, C, KH, KW = (int(v) for v in rng.integers([2, 1, 2, 1], [4, 4, 5, 5]))  # KH > 1: a flip shows
        F = C + int(rng.integers(1, 3))  # F ≠ C: a dw with its two channel axes swapped shows in its shape
        H, W = int(rng.integers(KH + 1, 10)), int(rng.integers(KW + 1, 10))
        x, w = rng.normal(size=(N, C, H, W)), rng.normal(size=(F, C, KH, KW))
        dout = rng.normal(size=(N, F, H - KH + 1, W - KW + 1))
        dw_ref, db_ref = _torch_conv_grads(dout, x, w)
        dw, db = tuple_answer(answer(dout.copy(), x.copy(), KH, KW), 2, "(dw, db)")
        dw, db = np.asarray(dw, dtype=np.float64), np.asarray(db, dtype=np.float64)
        shapes = f"for dout {dout.shape}, x {x.shape} and a {KH}x{KW} kernel"
        assert dw.shape == w.shape, f"dw must have the shape of w, (F, C, KH, KW) = {w.shape} {shapes}; got {dw.shape}"
        assert db.shape == (F,), f"db must have shape (F,) = {(F,)} {shapes}; got {db.shape}"
        if np.allclose(db, db_ref / (N * dout.shape[2] * dout.shape[3])):
            raise AssertionError("db is the mean of dout; b[f] is ADDED at every position of every image, so "
                                 "its gradient is the sum")
        if np.allclose(dw, _torch_conv_grads(dout[:1], x[:1], w)[0], rtol=1e-10, atol=1e-12):
            raise AssertionError("dw holds the first image's share only: w is used on every image of the batch")
        assert np.allclose(db, db_ref, rtol=1e-10, atol=1e-12), f"db is wrong {shapes}"
        if np.allclose(dw, dw_ref[:, :, ::-1, ::-1], rtol=1e-10, atol=1e-12):
            raise AssertionError("dw is flipped: kernel entry (i, j) multiplies x[r + i, s + j], not x[r − i, s − j]")
        assert np.allclose(dw, dw_ref, rtol=1e-10, atol=1e-12), \
            f"dw is wrong {shapes} (compared with PyTorch's autograd)"
