"""Notebook 05 teaches exactly helpers.scratch.conv, and its own NumPy code agrees with PyTorch on more cases
than the notebook has room for (the notebook checks them too; here they are checked again); its kernel editor
draws what it promises; every exercise's reference solution passes and plausible wrong answers are rejected."""


import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from exercise_feedback import assert_feedback, assert_not_attempted, assert_solutions_pass, first_hints

import helpers.scratch.conv
from helpers.exercises.nb05 import POOL_EXERCISE
from helpers.exercises.solutions.nb05 import SOLUTIONS, conv_weight_grads
from helpers.widgets import render, slider
from tools.notebooks import assert_same_source, notebook_defs

NOTEBOOK = "05_cnn.ipynb"
TAUGHT = ["conv_output_size", "im2col", "col2im", "conv2d", "conv2d_backward", "max_pool2d",
          "max_pool2d_backward", "avg_pool2d", "avg_pool2d_backward", "Conv2d", "MaxPool2d"]


@pytest.fixture(scope="module")
def nb():
    return notebook_defs(NOTEBOOK)


def test_notebook_teaches_the_helper_code():
    assert_same_source(NOTEBOOK, helpers.scratch.conv, TAUGHT)


@pytest.mark.parametrize("shape", [(5, 5, 3, 3), (7, 9, 3, 2), (8, 6, 1, 4), (6, 6, 6, 6), (28, 28, 5, 5)])
def test_loops_and_filter2d_are_torch_conv2d(nb, shape):
    H, W, KH, KW = shape
    rng = np.random.default_rng(H * W + KH)
    image, kernel = rng.normal(size=(H, W)), rng.normal(size=(KH, KW))
    ref = F.conv2d(torch.tensor(image)[None, None], torch.tensor(kernel)[None, None])[0, 0].numpy()
    np.testing.assert_allclose(nb.correlate2d_loops(image, kernel), ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(nb.filter2d(image, kernel), ref, rtol=1e-10, atol=1e-12)


def test_kernel_presets(nb):
    assert all(k.shape == (3, 3) and k.dtype == np.float64 for k in nb.KERNELS.values())
    for name, k in nb.KERNELS.items():
        total = k.sum()
        if name.startswith(("edge", "outline")):
            assert abs(total) < 1e-12, f"{name} must ignore flat regions"
        elif name.startswith(("blur", "identity", "sharpen", "emboss")):
            assert abs(total - 1) < 1e-12, f"{name} must keep the brightness of flat regions"
    assert nb.EDGE_FILTERS.shape == (4, 1, 3, 3)


@pytest.mark.parametrize("C, F_, H", [(1, 16, 28), (16, 32, 14), (3, 4, 9)])
def test_timed_alternatives_are_correct(nb, C, F_, H):
    rng = np.random.default_rng(C)
    x, w, b = rng.normal(size=(2, C, H, H)), rng.normal(size=(F_, C, 3, 3)), rng.normal(size=F_)
    ref = F.conv2d(torch.tensor(x), torch.tensor(w), torch.tensor(b)).numpy()
    for f in (nb.conv2d, nb.conv2d_im2col_rows, nb.conv2d_einsum):
        np.testing.assert_allclose(f(x, w, b), ref, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("case", [(1, 1, 5, 5, 1, 3, 3, 1, 0), (2, 3, 7, 9, 4, 3, 3, 2, 1),
                                  (1, 2, 12, 10, 3, 5, 3, 3, 2)])
def test_notebook_conv2d_and_backward_match_autograd(nb, case):
    N, C, H, W, F_, KH, KW, S, P = case
    rng = np.random.default_rng(sum(case))
    x, w, b = rng.normal(size=(N, C, H, W)), rng.normal(size=(F_, C, KH, KW)), rng.normal(size=F_)
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    y = F.conv2d(xt, wt, bt, stride=S, padding=P)
    np.testing.assert_allclose(nb.conv2d(x, w, b, S, P), y.detach().numpy(), rtol=1e-10, atol=1e-12)
    dout = rng.normal(size=tuple(y.shape))
    y.backward(torch.tensor(dout))
    for ours, theirs in zip(nb.conv2d_backward(dout, x, w, S, P), (xt, wt, bt), strict=True):
        np.testing.assert_allclose(ours, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_numpy_cnn_and_its_torch_copy_agree(nb):
    nb.to_torch_cnn.__globals__["device"] = torch.device("cpu")
    rng = np.random.default_rng(0)
    net = nb.numpy_cnn(rng)
    X = rng.normal(size=(3, 1, 28, 28))
    tnet = nb.to_torch_cnn(net)
    out = net.forward(X)
    assert out.shape == (3, 10)
    np.testing.assert_allclose(out, tnet(torch.tensor(X)).detach().numpy(), rtol=1e-10, atol=1e-12)
    assert sum(p.size for p in net.params.values()) == sum(p.numel() for p in tnet.parameters()) == 9098


def test_kernel_editor_draws_every_preset_and_reports_the_size(nb):
    nb.show_feature_map.__globals__["photo_small"] = np.random.default_rng(1).random((128, 128))
    k = {f"k{i}{j}": float(v) for (i, j), v in np.ndenumerate(nb.KERNELS["sharpen"])}
    for stride, padding, size in [(1, 1, 128), (2, 0, 63), (4, 4, 34), (3, 2, 44), (4, 1, 32), (1, 0, 126)]:
        fig, text = render(nb.draw_kernel_editor, {"preset": "blur (box)", "stride": stride, "padding": padding,
                                                   **k}, figsize=(11, 4.2), ncols=3)
        assert text.endswith(f"a {size}×{size} feature map"), text
        assert fig.axes[0].images[0].get_array().shape == (128 + 2 * padding,) * 2
        for ax in fig.axes[1:]:  # your kernel and the preset, each as a feature map of the formula's size
            assert ax.images[0].get_array().shape == (size, size)
        plt.close(fig)
    for preset in nb.KERNELS:  # the preset panel shows the preset's own feature map
        fig, _ = render(nb.draw_kernel_editor, {"preset": preset, "stride": 1, "padding": 0, **k}, figsize=(11, 4.2),
                        ncols=3)
        expected = nb.filter2d(nb.show_feature_map.__globals__["photo_small"], nb.KERNELS[preset])
        np.testing.assert_allclose(fig.axes[2].images[0].get_array(), expected, rtol=1e-10, atol=1e-12)
        plt.close(fig)


def test_choosing_a_preset_loads_its_kernel_into_the_sliders(nb):
    sliders = {f"k{i}{j}": slider(f"K[{i},{j}]", 0.0, -5.0, 5.0, step=0.01) for i in range(3) for j in range(3)}
    nb.load_preset.__globals__["kernel_sliders"] = sliders
    for preset in ("blur (box)", "edge-x (Sobel)", "emboss"):
        nb.load_preset({"new": preset})
        np.testing.assert_allclose([s.value for s in sliders.values()], nb.KERNELS[preset].ravel(), atol=0.005)


def test_cnn_architecture(nb):
    torch.manual_seed(0)
    cnn = nb.make_cnn()
    assert cnn(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    assert sum(p.numel() for p in cnn.parameters()) == 207_018


# Exercises: every reference solution passes; every plausible wrong answer is rejected with a hint.

def test_stubs_count_as_not_attempted(capsys):
    def stub(*args):
        ...  # your code here

    stubs = {"05.unvisited_rows": stub, "05.vertical_edge": ..., "05.dense_params": stub, "05.max_pool_by_hand": ...,
             "05.receptive_field": ..., "05.conv_weight_grads": stub}
    assert set(stubs) == set(SOLUTIONS)
    assert_not_attempted(stubs, capsys)


def _unvisited_via_helper(H, K, P, S):
    O = helpers.scratch.conv.conv_output_size(H, K, S, P)  # noqa: F841 -- the helper the exercise excludes
    return H + 2 * P - ((O - 1) * S + K)


def _grads_via_im2col(dout, x, KH, KW):
    F_ = dout.shape[1]
    d = dout.transpose(1, 0, 2, 3).reshape(F_, -1)
    cols = helpers.scratch.conv.im2col(x, (KH, KW))
    return (d @ cols.T).reshape(F_, x.shape[1], KH, KW), d.sum(axis=1)


BLOCKS = POOL_EXERCISE.reshape(2, 2, 2, 2).transpose(0, 2, 1, 3).reshape(2, 2, 4)

WRONG = [
    ("05.unvisited_rows", lambda H, K, P, S: (H - K) % S, "left out the padding"),
    ("05.unvisited_rows", lambda H, K, P, S: (H + P - K) % S, "2P in all"),
    ("05.unvisited_rows", lambda H, K, P, S: (H + 2 * P) % S, "all K rows"),
    ("05.unvisited_rows", lambda H, K, P, S: (H + 2 * P - K) // S, "how many steps"),
    ("05.unvisited_rows", lambda H, K, P, S: 0, "unvisited_rows(28, 3, 0, 2) = 0"),
    ("05.unvisited_rows", lambda H, K, P, S: (H + 2 * P - K) % S + (S > 3), "rows are never reached"),
    ("05.unvisited_rows", lambda H, K, P, S: (H + 2 * P - K) / S, "whole number"),
    ("05.unvisited_rows", _unvisited_via_helper, "your code uses conv_output_size"),
    ("05.vertical_edge", [[1, 1, 1], [0, 0, 0], [-1, -1, -1]], "HORIZONTAL edges"),
    ("05.vertical_edge", [[0, 0, 1], [0, 0, 1], [0, 0, 1]], "must add up to 0"),
    ("05.vertical_edge", [[-1, 0, 1], [-1, 0, 2], [-1, 0, 1]], "must add up to 0"),
    ("05.vertical_edge", [[-1, 0, 1], [0, 0, 0], [1, 0, -1]], "does not respond to a vertical edge"),
    ("05.vertical_edge", [[-2, 0, 1], [0, 0, 0], [0, 0, 1]], "horizontal edges"),
    ("05.vertical_edge", np.zeros((3, 3)), "all-zero kernel"),
    ("05.vertical_edge", [[-1, 0, 1], [-1, 0, 1]], "must be 3x3"),
    ("05.dense_params", lambda C, H, W, F_: (C * H * W) * (F_ * H * W), "forgot the biases"),
    ("05.dense_params", lambda C, H, W, F_: (C * H * W) * (F_ * H * W) + F_, "one bias per output NUMBER"),
    ("05.dense_params", lambda C, H, W, F_: F_ * C * 9 + F_, "a convolution's count"),
    ("05.dense_params", lambda C, H, W, F_: C * H * W * F_ + F_, "its own weights"),
    ("05.dense_params", lambda C, H, W, F_: C * H * W + F_ * H * W, "PyTorch's nn.Linear"),
    ("05.dense_params", lambda C, H, W, F_: float(C * H * W) ** 2 + 0.5, "whole number"),
    ("05.max_pool_by_hand", BLOCKS.mean(axis=2), "block averages"),
    ("05.max_pool_by_hand", BLOCKS.max(axis=2).T, "transposed"),
    ("05.max_pool_by_hand", [[5, 8], [7, 4]], "entry [1][1]"),
    ("05.max_pool_by_hand", POOL_EXERCISE, "turns 4x4 into 2x2"),
    ("05.receptive_field", 5, "two 3x3 convolutions in a row"),
    ("05.receptive_field", 6, "is close"),
    ("05.receptive_field", 10, "count how far apart"),
    ("05.receptive_field", 8.5, "whole number"),
    ("05.conv_weight_grads", lambda dout, x, KH, KW: (conv_weight_grads(dout, x, KH, KW)[0],
                                                      dout.mean(axis=(0, 2, 3))), "mean of dout"),
    ("05.conv_weight_grads", lambda dout, x, KH, KW: (conv_weight_grads(dout, x, KH, KW)[0],
                                                      dout.sum(axis=(2, 3))), "db must have shape"),
    ("05.conv_weight_grads", lambda dout, x, KH, KW: (conv_weight_grads(dout, x, KH, KW)[0].transpose(1, 0, 2, 3),
                                                      dout.sum(axis=(0, 2, 3))), "dw must have the shape"),
    ("05.conv_weight_grads", lambda dout, x, KH, KW: (conv_weight_grads(dout, x, KH, KW)[0][:, :, ::-1, ::-1],
                                                      dout.sum(axis=(0, 2, 3))), "flipped"),
    ("05.conv_weight_grads", lambda dout, x, KH, KW: conv_weight_grads(dout[:1], x[:1], KH, KW), "first image"),
    ("05.conv_weight_grads", lambda dout, x, KH, KW: (2 * conv_weight_grads(dout, x, KH, KW)[0],
                                                      dout.sum(axis=(0, 2, 3))), "dw is wrong"),
    ("05.conv_weight_grads", lambda dout, x, KH, KW: conv_weight_grads(dout, x, KH, KW)[0], "(dw, db)"),
    ("05.conv_weight_grads", _grads_via_im2col, "your code uses im2col"),
]


@pytest.mark.parametrize("key,answer,message", WRONG, ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(WRONG)])
def test_wrong_answers_are_rejected_with_a_hint(key, answer, message, capsys):
    for _ in range(3 if key in ("05.unvisited_rows", "05.conv_weight_grads") else 1):  # fresh random inputs
        assert_feedback(key, answer, message, capsys)


def test_every_checker_has_wrong_answers():
    assert {k for k, _, _ in WRONG} == set(SOLUTIONS)


@pytest.mark.parametrize("layers,expected", [([(3, 1)], 3), ([(3, 1)] * 4, 9), ([(5, 1), (3, 1)], 7),
                                             ([(3, 1), (2, 2), (3, 1)], 8), ([(3, 2), (3, 2), (3, 1)], 15)])
def test_receptive_field_formula_and_its_measurement(nb, layers, expected):
    assert nb.receptive_field(layers) == expected
    seen = nb.gradient_footprint(layers, size=31) > 0
    if all(k % 2 for k, _ in layers):  # odd kernels with 'same' padding: the measured square is centred, width r
        assert int(seen.any(axis=0).sum()) == int(seen.any(axis=1).sum()) == expected


def test_reference_solutions_pass(capsys):
    assert_solutions_pass(SOLUTIONS, capsys)


def test_first_hints_do_not_give_the_answer_away():
    firsts = first_hints("05", SOLUTIONS)
    assert "-2" not in firsts["05.vertical_edge"] and "Sobel" not in firsts["05.vertical_edge"]
    assert not any(s in firsts["05.max_pool_by_hand"] for s in ("5", "8", "7", "9"))
    assert "8" not in firsts["05.receptive_field"]
    assert "einsum" not in firsts["05.conv_weight_grads"] and "sum(axis" not in firsts["05.conv_weight_grads"]
    assert "//" not in firsts["05.unvisited_rows"] and "%" not in firsts["05.unvisited_rows"]
