"""Notebook 05 teaches exactly helpers.scratch.conv, and its own NumPy code agrees with PyTorch on more cases
than the notebook has room for (the notebook checks them too; here they are checked again)."""

import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).parent))

from notebook_defs import assert_same_source, notebook_defs  # noqa: E402

import helpers.scratch.conv  # noqa: E402
from helpers.widgets import render  # noqa: E402

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
    nb.draw_kernel_editor.__globals__["photo_small"] = np.random.default_rng(1).random((128, 128))
    k = {f"k{i}{j}": float(v) for (i, j), v in np.ndenumerate(nb.KERNELS["sharpen"])}
    for stride, padding, size in [(1, 1, 128), (2, 0, 63), (4, 4, 34), (3, 2, 44)]:
        fig, text = render(nb.draw_kernel_editor, {"preset": "sharpen", "stride": stride, "padding": padding, **k},
                           figsize=(8, 4), ncols=2)
        assert text.endswith(f"a {size}×{size} feature map"), text
        assert fig.axes[1].images[0].get_array().shape == (size, size)


def test_cnn_architecture(nb):
    torch.manual_seed(0)
    cnn = nb.make_cnn()
    assert cnn(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    assert sum(p.numel() for p in cnn.parameters()) == 207_018
