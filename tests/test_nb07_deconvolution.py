"""Notebook 07's own code (what a student reads) is helpers.scratch.deconv's code, and it agrees with PyTorch on
more cases than the notebook shows; its drawing functions draw every slider setting; its autoencoder has
the shapes the table promises; every exercise's reference solution passes and common mistakes are caught."""


import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from exercise_feedback import exercise_tests, first_hints

import helpers.scratch.deconv
from helpers.exercises import check
from helpers.exercises.solutions.nb07 import SOLUTIONS
from helpers.widgets import render
from tools.notebooks import assert_same_source, notebook_defs

NOTEBOOK = "07_deconvolution.ipynb"
TAUGHT = ["check_scale", "upsample_nearest", "bilinear_matrix", "upsample_bilinear", "_check_conv_transpose",
          "conv_transpose_output_size", "conv_transpose2d_loop", "conv_transpose2d", "conv_matrix",
          "conv_transpose2d_via_gradient", "conv_transpose2d_backward", "ConvTranspose2d", "Upsample"]
NB = notebook_defs(NOTEBOOK)


def test_notebook_teaches_exactly_the_helpers_code():
    assert_same_source(NOTEBOOK, helpers.scratch.deconv, TAUGHT)


def test_every_public_helper_is_taught():
    assert set(helpers.scratch.deconv.__all__) <= set(TAUGHT)


# A few configurations the notebook does not show: stride 3 with every output padding, wide kernels,
# a single pixel, (h, w) pairs.
EXTRA = [(1, 1, 2, 1, 1, 5, 3, 0, 2), (2, 3, 3, 4, 7, 2, 3, 1, 1), (1, 4, 1, 6, 5, 6, 2, 2, 1),
         (3, 2, 4, 3, 3, (1, 3), (3, 1), (0, 1), (2, 0))]


@pytest.mark.parametrize("case", NB.CASES + EXTRA, ids=str)
def test_the_notebook_versions_match_torch(case):
    N, C_in, C_out, H, W, k, s, p, op = case
    kh, kw = k if isinstance(k, tuple) else (k, k)
    rng = np.random.default_rng(N + C_in + C_out + H + W)
    x, w, b = rng.normal(size=(N, C_in, H, W)), rng.normal(size=(C_in, C_out, kh, kw)), rng.normal(size=C_out)
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    ref = F.conv_transpose2d(xt, wt, bt, stride=s, padding=p, output_padding=op)
    for name, fn in NB.VERSIONS.items():
        np.testing.assert_allclose(fn(x, w, b, s, p, op), ref.detach().numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=name)
    dout = rng.normal(size=tuple(ref.shape))
    ref.backward(torch.tensor(dout))
    for ours, theirs in zip(NB.conv_transpose2d_backward(dout, x, w, s, p, op), (xt, wt, bt), strict=True):
        np.testing.assert_allclose(ours, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_the_notebook_kernels_and_matrix():
    C = NB.conv_matrix(NB.KERNEL, (4, 4))
    assert C.shape == (4, 16) and set(np.unique(C)) == set(range(10))  # the weights 1..9 and zeros
    assert np.allclose(NB.BLUR.sum(), 1.0)


def test_explorer_draws_every_setting_and_reports_the_size():
    for stride in (1, 2, 3):
        for kernel in (1, 3, 5):
            for padding in (0, 1, 2):
                fig, text = render(NB.draw_spread, {"stride": stride, "kernel": kernel, "padding": padding,
                                                    "pixel": 15}, figsize=(8.5, 4.2), ncols=2)
                plt.close(fig)
                size = (NB.SPREAD_SIZE - 1) * stride - 2 * padding + kernel
                assert text.startswith("output size") and f"= {size}" in text
                assert ("nothing left" in text) == (size < 1)


def test_stacks_show_the_checkerboard_and_its_remedy():
    rng = np.random.default_rng(11)
    ch = [1, 4, 1]
    w_t = [np.abs(rng.normal(size=(a, b, 3, 3))) for a, b in zip(ch[:-1], ch[1:], strict=True)]
    w_c = [np.abs(rng.normal(size=(b, a, 3, 3))) for a, b in zip(ch[:-1], ch[1:], strict=True)]
    constant = np.ones((1, 1, 8, 8))
    t, u = NB.transposed_stack(constant, w_t)[0, 0], NB.upsample_conv_stack(constant, w_c)[0, 0]
    assert t.shape == u.shape == (32, 32)
    assert np.ptp(u[6:-6, 6:-6]) < 1e-9 * u.max()  # upsample + conv: constant away from the border
    assert np.ptp(t[6:-6, 6:-6]) > 0.05 * t.max()  # kernel 3, stride 2: a pattern


def test_autoencoder_shapes_match_the_table():
    torch.manual_seed(0)
    model = NB.ConvAutoencoder()
    x = torch.rand(3, 1, 28, 28)
    code = model.encoder(x)
    assert code.shape == (3, NB.CODE_SIZE)
    out = model.decoder(code)
    assert out.shape == (3, 1, 28, 28) and 0 <= out.min() and out.max() <= 1
    assert sum(p.numel() for p in model.parameters()) == 54425


def test_add_noise_is_seeded_and_clipped():
    x = torch.full((2, 1, 4, 4), 0.5)
    a = NB.add_noise(x, torch.Generator().manual_seed(0))
    b = NB.add_noise(x, torch.Generator().manual_seed(0))
    assert torch.equal(a, b) and a.min() >= 0 and a.max() <= 1 and not torch.equal(a, x)


def test_stubs_count_as_not_attempted(capsys):
    def stub(*args):
        ...  # your code here

    for key, answer in [("07.output_shape", ...), ("07.checkerboard", ...), ("07.nearest_by_index", stub),
                        ("07.zero_insertion", stub), ("07.upsample_conv_backward", stub)]:
        assert check(key, answer) is False
        assert "not attempted yet" in capsys.readouterr().out


def _zero_insertion(flip=True, swap=True, pad=None):
    """The zero-insertion transposed convolution with one deliberate mistake switched off/on."""
    def answer(x, w, stride):
        N, C_in, H, W = x.shape
        K = w.shape[2]
        z = np.zeros((N, C_in, (H - 1) * stride + 1, (W - 1) * stride + 1))
        z[:, :, ::stride, ::stride] = x
        kernel = w.transpose(1, 0, 2, 3) if swap else w
        kernel = np.ascontiguousarray(kernel[:, :, ::-1, ::-1] if flip else kernel)
        return NB.conv2d(z, kernel, padding=K - 1 if pad is None else pad)
    return answer


def _upsample_conv(reduce="sum", upsampled_input=True, keep_shape=False):
    """upsample_conv_backward with one deliberate mistake."""
    def answer(dout, x, w, scale):
        N, C, H, W = x.shape
        z = x.repeat(scale, axis=2).repeat(scale, axis=3)
        dz, dw, _ = NB.conv2d_backward(dout, z, w, padding=w.shape[2] // 2)
        if not upsampled_input:
            dw = dw * 2
        if keep_shape:
            return dz, dw
        if reduce == "one copy":
            return dz[:, :, ::scale, ::scale], dw
        blocks = dz.reshape(N, C, H, scale, W, scale)
        return (blocks.sum(axis=(3, 5)) if reduce == "sum" else blocks.mean(axis=(3, 5))), dw
    return answer


WRONG = [
    ("07.output_shape", (1, 1, 14, 14), "after the FIRST layer"),
    ("07.output_shape", (1, 1, 44, 44), "2·padding"),
    ("07.output_shape", (1, 1, 13, 13), "off by one"),
    ("07.output_shape", (1, 1, 41, 41), "not the final size"),
    ("07.output_shape", (1, 8, 40, 40), "LAST layer's out_channels"),
    ("07.output_shape", (2, 1, 40, 40), "batch size N does not change"),
    ("07.output_shape", "40x40", "tuple of 4 ints"),
    ("07.checkerboard", {(3, 2), (4, 2)}, "overlaps unevenly"),
    ("07.checkerboard", {(4, 2)}, "you missed"),
    ("07.checkerboard", {(8, 4)}, "not in the list"),
    ("07.checkerboard", 42, "set (or list) of (kernel_size, stride) pairs"),
    ("07.nearest_by_index", lambda x, s: np.tile(x, (1, 1, s, s)), "tiles the whole image"),
    ("07.nearest_by_index", lambda x, s: x, "should be"),
    ("07.nearest_by_index", lambda x, s: x[:, :, np.arange(x.shape[2] * s) % x.shape[2]][
        :, :, :, np.arange(x.shape[3] * s) % x.shape[3]], "tiles the whole image"),
    ("07.nearest_by_index", lambda x, s: x.repeat(s, axis=2).repeat(s, axis=3), "without repeat"),
    ("07.nearest_by_index", lambda x, s: np.kron(x, np.ones((s, s))), "np.kron hides"),
    ("07.nearest_by_index", lambda x, s: upsample_nearest(x, s), "without upsample_nearest"),  # noqa: F821
    ("07.zero_insertion", _zero_insertion(flip=False), "flipped the wrong way"),
    ("07.zero_insertion", _zero_insertion(pad=0), "should be"),
    ("07.zero_insertion", lambda x, w, s: np.zeros((1, 1, 2, 2)), "should be"),
    ("07.zero_insertion", lambda x, w, s: conv_transpose2d(x, w, stride=s), "without a transposed"),  # noqa: F821
    ("07.zero_insertion",
     lambda x, w, s: helpers.scratch.deconv.conv_transpose2d_via_gradient(x, w, stride=s), "without a transposed"),
    ("07.upsample_conv_backward", _upsample_conv(reduce="one copy"), "one copy of each pixel"),
    ("07.upsample_conv_backward", _upsample_conv(reduce="mean"), "averages the gradients"),
    ("07.upsample_conv_backward", _upsample_conv(keep_shape=True), "shape of the UPSAMPLED input"),
    ("07.upsample_conv_backward", _upsample_conv(upsampled_input=False), "dw differs"),
    ("07.upsample_conv_backward", lambda dout, x, w, s: (x, np.zeros((1, 1))), "dw should have the shape"),
    ("07.upsample_conv_backward", lambda dout, x, w, s: (2 * x, _upsample_conv()(dout, x, w, s)[1]),
     "dx differs"),
    ("07.upsample_conv_backward", lambda dout, x, w, s: x, "a tuple (dx, dw)"),
    ("07.upsample_conv_backward", lambda dout, x, w, s: torch.zeros(1), "uses torch"),
]


(test_reference_solutions_pass, test_wrong_answers_are_rejected_with_a_hint,
 test_every_checker_has_wrong_answers) = exercise_tests(SOLUTIONS, WRONG)


def test_first_hints_do_not_give_the_answer_away():
    firsts = first_hints("07", SOLUTIONS)
    assert "40" not in firsts["07.output_shape"] and "divides" not in firsts["07.checkerboard"]
    assert "//" not in firsts["07.nearest_by_index"] and "::-1" not in firsts["07.zero_insertion"]
    assert "sum(" not in firsts["07.upsample_conv_backward"]


def test_explorer_controls_all_change_the_drawing():
    from helpers.widgets import int_slider, sweep

    controls = {"stride": int_slider("stride", 2, 1, 3), "kernel": int_slider("kernel size", 3, 1, 5),
                "padding": int_slider("padding", 0, 0, 2), "pixel": int_slider("lit pixel", 5, 0, 15)}
    results = sweep(NB.draw_spread, controls, figsize=(8.5, 4.2), ncols=2)
    assert results[("stride", 1)].endswith("= 6") and results[("stride", 3)].endswith("= 12")


def test_code_walk_controls_all_change_the_drawing():
    from helpers.widgets import dropdown, slider, sweep

    rng = np.random.default_rng(0)
    walks = {name: (rng.random((11, 28, 28)), rng.random((11, 28, 28))) for name in NB.PAIRS}
    NB.draw_walk.__globals__["walks"] = walks
    controls = {"pair": dropdown("digits", list(NB.PAIRS)),
                "t": slider("t", 0.5, 0.0, 1.0, step=0.1, readout_format=".1f")}
    sweep(NB.draw_walk, controls, figsize=(6.5, 3.4), ncols=2)  # raises if a control draws nothing or does nothing


@pytest.mark.parametrize("size", [(1, 1, 5, 5), (3, 1, 6, 9)])
def test_upsample_then_conv_is_one_transposed_conv_in_numpy_and_in_torch(size):
    rng = np.random.default_rng(size[-1])
    w, x = rng.normal(size=(1, 1, 3, 3)), rng.normal(size=size)
    k = NB.upsample_conv_as_transposed_kernel(w)
    assert k.shape == (1, 1, 4, 4)
    np.testing.assert_allclose(NB.conv_transpose2d(x, k, stride=2, padding=1),
                               NB.conv2d(NB.upsample_nearest(x, 2), w, padding=1), rtol=1e-10, atol=1e-12)
    x_t, w_t, k_t = (torch.tensor(a) for a in (x, w, k))
    np.testing.assert_allclose(F.conv_transpose2d(x_t, k_t, stride=2, padding=1).numpy(),
                               F.conv2d(F.interpolate(x_t, scale_factor=2, mode="nearest"), w_t, padding=1).numpy(),
                               rtol=1e-10, atol=1e-12)
    # the four stride-2 phases sum alike, so a constant input gives a constant interior (no checkerboard)
    flat = NB.conv_transpose2d(np.ones((1, 1, 6, 6)), k, stride=2, padding=1)[0, 0, 2:-2, 2:-2]
    np.testing.assert_allclose(flat, w.sum(), rtol=1e-12)
