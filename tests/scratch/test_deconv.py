"""helpers.scratch.deconv against PyTorch (float64, autograd) on many configurations: the transposed convolution
(all three ways), its backward pass, upsampling, the convolution matrix, the layers; bad inputs rejected."""

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from helpers.compare import assert_gradient
from helpers.scratch.conv import Conv2d, conv2d
from helpers.scratch.deconv import (
    ConvTranspose2d,
    Upsample,
    bilinear_matrix,
    conv_matrix,
    conv_transpose2d,
    conv_transpose2d_backward,
    conv_transpose2d_loop,
    conv_transpose2d_via_gradient,
    conv_transpose_output_size,
    upsample_bilinear,
    upsample_nearest,
)
from helpers.scratch.layers import SGD, ReLU, Sequential

VERSIONS = [conv_transpose2d, conv_transpose2d_loop, conv_transpose2d_via_gradient]
TOL = {"rtol": 1e-10, "atol": 1e-12}


def _grid_cases():
    """Every stride 1-3, padding 0-2 and legal output_padding, on a few kernel sizes and shapes."""
    cases = []
    shapes = [(1, 1, 1, 4, 4), (2, 3, 2, 5, 3), (1, 2, 5, 3, 6)]  # (N, C_in, C_out, H, W)
    for i, (stride, padding, kernel) in enumerate(itertools.product([1, 2, 3], [0, 1, 2], [1, 2, 3, 4, 5])):
        for op in range(stride):
            N, C_in, C_out, H, W = shapes[(i + op) % len(shapes)]
            if conv_transpose_output_size(min(H, W), kernel, stride, padding, op) >= 1:
                cases.append((N, C_in, C_out, H, W, kernel, stride, padding, op))
    return cases


# (N, C_in, C_out, H, W, kernel, stride, padding, output_padding); the grid plus (h, w) pairs and edge cases.
CASES = _grid_cases() + [
    (1, 1, 1, 1, 1, 3, 2, 0, 1),  # a single input pixel: the output is the kernel (plus output padding)
    (2, 4, 3, 7, 9, (3, 2), (2, 3), (1, 0), (1, 2)),
    (1, 3, 2, 6, 5, (5, 4), 2, (2, 1), (0, 1)),
    (3, 2, 2, 2, 2, 7, 3, 3, 2),  # padding crops most of the canvas
    (1, 1, 3, 9, 1, 3, (1, 2), (1, 0), 0),  # a one-pixel-wide input
]


def ids(cases):
    return ["-".join(str(v).replace(" ", "") for v in c) for c in cases]


def _pair(v):
    return v if isinstance(v, tuple) else (v, v)


def _random(case, seed):
    N, C_in, C_out, H, W, k, *_ = case
    rng = np.random.default_rng(seed)
    kh, kw = _pair(k)
    return (rng.standard_normal((N, C_in, H, W)), rng.standard_normal((C_in, C_out, kh, kw)),
            rng.standard_normal(C_out))


def test_the_grid_covers_what_it_should():
    assert len(CASES) > 60
    assert {c[6] for c in CASES} >= {1, 2, 3} and {c[7] for c in CASES} >= {0, 1, 2}
    assert any(c[8] == 2 for c in CASES) and any(c[0] == 1 for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_forward_matches_torch_all_three_ways(case):
    N, C_in, C_out, H, W, k, s, p, op = case
    x, w, b = _random(case, seed=len(ids([case])[0]))
    ref = F.conv_transpose2d(torch.tensor(x), torch.tensor(w), torch.tensor(b), stride=s, padding=p,
                             output_padding=op).numpy()
    ref_nobias = F.conv_transpose2d(torch.tensor(x), torch.tensor(w), stride=s, padding=p,
                                    output_padding=op).numpy()
    for fn in VERSIONS:
        out = fn(x, w, b, stride=s, padding=p, output_padding=op)
        assert out.shape == ref.shape and out.dtype == np.float64, fn.__name__
        np.testing.assert_allclose(out, ref, **TOL, err_msg=fn.__name__)
        np.testing.assert_allclose(fn(x, w, None, s, p, op), ref_nobias, **TOL, err_msg=fn.__name__)
    kh, kw = _pair(k)
    (sh, sw), (ph, pw), (oph, opw) = _pair(s), _pair(p), _pair(op)
    assert ref.shape[2:] == (conv_transpose_output_size(H, kh, sh, ph, oph),
                             conv_transpose_output_size(W, kw, sw, pw, opw))


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_backward_matches_autograd(case):
    N, C_in, C_out, H, W, k, s, p, op = case
    x, w, b = _random(case, seed=7)
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    out = F.conv_transpose2d(xt, wt, bt, stride=s, padding=p, output_padding=op)
    dout = np.random.default_rng(8).standard_normal(tuple(out.shape))
    out.backward(torch.tensor(dout))
    dx, dw, db = conv_transpose2d_backward(dout, x, w, stride=s, padding=p, output_padding=op)
    np.testing.assert_allclose(dx, xt.grad.numpy(), **TOL)
    np.testing.assert_allclose(dw, wt.grad.numpy(), **TOL)
    np.testing.assert_allclose(db, bt.grad.numpy(), **TOL)


def test_backward_agrees_with_finite_differences():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((1, 2, 3, 3)), rng.standard_normal((2, 3, 3, 3))
    dout = rng.standard_normal((1, 3, 6, 6))  # (3 − 1)·2 − 2 + 3 + 1 = 6
    dx, dw, _ = conv_transpose2d_backward(dout, x, w, stride=2, padding=1, output_padding=1)

    def loss(_):
        return np.sum(conv_transpose2d(x, w, stride=2, padding=1, output_padding=1) * dout)

    assert_gradient("dx", loss, x, dx)
    assert_gradient("dw", loss, w, dw)


def test_float32_stays_float32_and_matches():
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((2, 3, 5, 5)).astype(np.float32), rng.standard_normal((3, 2, 4, 4)).astype(np.float32)
    ref = F.conv_transpose2d(torch.tensor(x), torch.tensor(w), stride=2, padding=1).numpy()
    for fn in VERSIONS:
        out = fn(x, w, stride=2, padding=1)
        assert out.dtype == np.float32, fn.__name__
        np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-5)


def test_the_tiny_example_by_hand():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])[None, None]
    out = conv_transpose2d(x, np.ones((1, 1, 3, 3)), stride=2)[0, 0]
    expected = np.array([[1, 1, 3, 2, 2], [1, 1, 3, 2, 2], [4, 4, 10, 6, 6], [3, 3, 7, 4, 4], [3, 3, 7, 4, 4]])
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("size,kernel,stride,padding", [((4, 4), (3, 3), 1, 0), ((5, 6), (3, 2), 2, 1),
                                                        ((7, 7), (4, 4), 3, 2), ((1, 3), (1, 1), 1, 0)])
def test_conv_matrix_is_conv2d_and_its_transpose_is_conv_transpose2d(size, kernel, stride, padding):
    rng = np.random.default_rng(2)
    w = rng.standard_normal(kernel)
    C = conv_matrix(w, size, stride=stride, padding=padding)
    x = rng.standard_normal((1, 1, *size))
    y = conv2d(x, w[None, None], stride=stride, padding=padding)
    assert C.shape == (y.size, x.size)
    np.testing.assert_allclose(C @ x.ravel(), y.ravel(), **TOL)
    dy = rng.standard_normal(y.shape)
    # output_padding recovers the sizes that a strided convolution rounded away
    op = tuple((n + 2 * padding - k) % stride for n, k in zip(size, kernel, strict=True))
    back = conv_transpose2d(dy, w[None, None], stride=stride, padding=padding, output_padding=op)
    assert back.shape == x.shape
    np.testing.assert_allclose(C.T @ dy.ravel(), back.ravel(), **TOL)


@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (2, 3, 5, 7), (1, 2, 4, 1), (3, 1, 6, 6)], ids=str)
@pytest.mark.parametrize("scale", [1, 2, 3, 4])
def test_upsampling_matches_interpolate(shape, scale):
    x = np.random.default_rng(scale).standard_normal(shape)
    xt = torch.tensor(x)
    np.testing.assert_array_equal(upsample_nearest(x, scale),
                                  F.interpolate(xt, scale_factor=scale, mode="nearest").numpy())
    np.testing.assert_allclose(upsample_bilinear(x, scale),
                               F.interpolate(xt, scale_factor=scale, mode="bilinear", align_corners=False).numpy(),
                               **TOL)
    assert upsample_bilinear(x.astype(np.float32), scale).dtype == np.float32


@pytest.mark.parametrize("n_in,scale", [(1, 3), (4, 2), (5, 3), (7, 1)])
def test_bilinear_matrix_rows_are_convex_weights(n_in, scale):
    A = bilinear_matrix(n_in, scale)
    assert A.shape == (n_in * scale, n_in)
    assert np.all(A >= 0) and np.allclose(A.sum(axis=1), 1.0)
    assert np.all((A > 0).sum(axis=1) <= 2)  # each output mixes at most two neighbours


def test_bilinear_x2_is_a_transposed_convolution_away_from_the_border():
    x = np.random.default_rng(3).standard_normal((2, 1, 6, 6))
    k = np.outer([1, 3, 3, 1], [1, 3, 3, 1])[None, None] / 16.0
    np.testing.assert_allclose(upsample_bilinear(x, 2)[:, :, 1:-1, 1:-1],
                               conv_transpose2d(x, k, stride=2, padding=1)[:, :, 1:-1, 1:-1], **TOL)


def test_checkerboard_overlap_is_even_exactly_when_stride_divides_kernel():
    ones = np.ones((1, 1, 16, 16))
    for k, s in itertools.product(range(1, 8), range(1, 4)):
        counts = conv_transpose2d(ones, np.ones((1, 1, k, k)), stride=s)[0, 0]
        centre = counts[k:-k, k:-k]  # the border effects reach k - 1 pixels in
        assert (np.ptp(centre) == 0) == (k % s == 0), (k, s)


def _copy_to_torch(layer, torch_layer):
    with torch.no_grad():
        torch_layer.weight.copy_(torch.from_numpy(layer.params["W"]))
        torch_layer.bias.copy_(torch.from_numpy(layer.params["b"]))


@pytest.mark.parametrize("args", [dict(kernel_size=3, stride=2, padding=1, output_padding=1),
                                  dict(kernel_size=4, stride=2, padding=1), dict(kernel_size=(2, 3), stride=1),
                                  dict(kernel_size=5, stride=3, padding=2, output_padding=2)], ids=str)
def test_conv_transpose_layer_matches_nn(args):
    rng = np.random.default_rng(4)
    layer = ConvTranspose2d(3, 2, rng=rng, **args)
    layer.params["b"] = rng.standard_normal(2)  # a nonzero bias, to test it too
    torch_layer = nn.ConvTranspose2d(3, 2, dtype=torch.float64, **args)
    _copy_to_torch(layer, torch_layer)
    x = rng.standard_normal((2, 3, 5, 4))
    xt = torch.tensor(x, requires_grad=True)
    y, yt = layer.forward(x), torch_layer(xt)
    np.testing.assert_allclose(y, yt.detach().numpy(), **TOL)
    dY = rng.standard_normal(y.shape)
    yt.backward(torch.tensor(dY))
    np.testing.assert_allclose(layer.backward(dY), xt.grad.numpy(), **TOL)
    np.testing.assert_allclose(layer.grads["W"], torch_layer.weight.grad.numpy(), **TOL)
    np.testing.assert_allclose(layer.grads["b"], torch_layer.bias.grad.numpy(), **TOL)


def test_conv_transpose_layer_init_and_repr():
    layer = ConvTranspose2d(16, 8, 4, np.random.default_rng(0), stride=2, padding=1)
    bound = np.sqrt(6.0 / (16 * 4 * 4 / 4))
    assert layer.params["W"].shape == (16, 8, 4, 4) and np.all(layer.params["b"] == 0)
    assert np.abs(layer.params["W"]).max() <= bound and np.abs(layer.params["W"]).max() > 0.9 * bound
    assert repr(layer) == "ConvTranspose2d(16, 8, kernel_size=4, stride=2, padding=1, output_padding=0)"
    assert ConvTranspose2d(1, 1, 2, np.random.default_rng(0), dtype=np.float32).params["W"].dtype == np.float32


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
@pytest.mark.parametrize("scale", [1, 2, 3])
def test_upsample_layer_matches_nn(mode, scale):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 3, 4, 5))
    xt = torch.tensor(x, requires_grad=True)
    extra = {} if mode == "nearest" else {"align_corners": False}
    yt = nn.Upsample(scale_factor=scale, mode=mode, **extra)(xt)
    up = Upsample(scale, mode)
    np.testing.assert_allclose(up.forward(x), yt.detach().numpy(), **TOL)
    dY = rng.standard_normal(tuple(yt.shape))
    yt.backward(torch.tensor(dY))
    np.testing.assert_allclose(up.backward(dY), xt.grad.numpy(), **TOL)
    assert up.params == {} and up.grads == {}


def test_a_numpy_decoder_trains_like_torch():
    """ConvTranspose2d, ReLU, Upsample and Conv2d in a Sequential, three SGD steps, against PyTorch."""
    rng = np.random.default_rng(6)
    net = Sequential(ConvTranspose2d(4, 3, 4, rng, stride=2, padding=1), ReLU(), Upsample(2, "bilinear"),
                     Conv2d(3, 1, 3, rng, padding=1))
    tnet = nn.Sequential(nn.ConvTranspose2d(4, 3, 4, stride=2, padding=1), nn.ReLU(),
                         nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
                         nn.Conv2d(3, 1, 3, padding=1)).double()
    for i in (0, 3):
        _copy_to_torch(net.layers[i], tnet[i])
    opt, topt = SGD(net, lr=0.05, momentum=0.9), torch.optim.SGD(tnet.parameters(), lr=0.05, momentum=0.9)
    for _ in range(3):
        x, target = rng.standard_normal((2, 4, 3, 3)), rng.standard_normal((2, 1, 12, 12))
        out = net.forward(x)
        net.backward(2 * (out - target) / out.size)
        opt.step()
        loss = F.mse_loss(tnet(torch.tensor(x)), torch.tensor(target))
        topt.zero_grad()
        loss.backward()
        topt.step()
    for i in (0, 3):
        np.testing.assert_allclose(net.layers[i].params["W"], tnet[i].weight.detach().numpy(), **TOL)
        np.testing.assert_allclose(net.layers[i].params["b"], tnet[i].bias.detach().numpy(), **TOL)


# ---------------------------------------------------------------------------------------------
# Bad inputs: each says what was expected.
# ---------------------------------------------------------------------------------------------

X = np.zeros((1, 2, 4, 4))
W = np.zeros((2, 3, 3, 3))


@pytest.mark.parametrize("fn", VERSIONS)
@pytest.mark.parametrize("kwargs,match", [
    (dict(output_padding=1), "output_padding .* must be smaller than stride"),
    (dict(stride=2, output_padding=2), "output_padding .* must be smaller than stride"),
    (dict(stride=(2, 1), output_padding=(1, 1)), "output_padding .* must be smaller than stride"),
    (dict(padding=3), "crops away the whole output"),
    (dict(stride=0), "stride must be an int >= 1"),
    (dict(stride=True), "stride must be an int >= 1"),
    (dict(padding=-1), "padding must be an int >= 0"),
    (dict(stride=1.5), "stride must be an int >= 1"),
    (dict(output_padding=(0, 0, 0)), "output_padding must be"),
])
def test_bad_arguments_are_explained(fn, kwargs, match):
    with pytest.raises(ValueError, match=match):
        fn(X, W, **kwargs)


@pytest.mark.parametrize("fn", VERSIONS)
@pytest.mark.parametrize("x,w,b,match", [
    (np.zeros((1, 3, 4, 4)), W, None, r"x has 3 channels but w \(2, 3, 3, 3\) expects 2.*input channels first"),
    (np.zeros((2, 4, 4)), W, None, r"expects x of shape \(N, C, H, W\).*x\[None\]"),
    (np.zeros((4, 4)), W, None, r"x\[None, None\]"),
    (X.astype(np.int64), W, None, "float32 or float64"),
    ([[1.0]], W, None, "float32 or float64 NumPy array, got list"),
    (X, np.zeros((2, 3, 3)), None, r"w as a float NumPy array of shape \(C_in, C_out, KH, KW\)"),
    (X, W.astype(int), None, r"w as a float NumPy array"),
    (X, W, np.zeros(2), r"b of shape \(3,\)"),
    (X, W, 1.0, r"b of shape \(3,\)"),
])
def test_bad_shapes_are_explained(fn, x, w, b, match):
    with pytest.raises(ValueError, match=match):
        fn(x, w, b)


def test_backward_rejects_a_wrong_dout():
    with pytest.raises(ValueError, match=r"dout of shape \(1, 3, 6, 6\)"):
        conv_transpose2d_backward(np.zeros((1, 3, 5, 5)), X, W)
    with pytest.raises(ValueError, match="dout as a float NumPy array"):
        conv_transpose2d_backward(np.zeros((1, 3, 6, 6), dtype=int), X, W)


@pytest.mark.parametrize("scale", [0, -1, 1.5, 2.0, True, None])
def test_bad_scales_are_explained(scale):
    for fn in (upsample_nearest, upsample_bilinear):
        with pytest.raises(ValueError, match="scale as a positive int"):
            fn(X, scale)
    with pytest.raises(ValueError, match="scale as a positive int"):
        Upsample(scale)


def test_other_bad_inputs_are_explained():
    with pytest.raises(ValueError, match=r"expects x of shape \(N, C, H, W\)"):
        upsample_bilinear(np.zeros((4, 4)), 2)
    with pytest.raises(ValueError, match="n_in as a positive int"):
        bilinear_matrix(0, 2)
    with pytest.raises(ValueError, match="mode must be 'nearest' or 'bilinear'"):
        Upsample(2, "bicubic")
    with pytest.raises(ValueError, match=r"one float kernel of shape \(KH, KW\)"):
        conv_matrix(np.zeros((1, 1, 3, 3)), (4, 4))
    with pytest.raises(ValueError, match="in_size must be"):
        conv_matrix(np.zeros((3, 3)), (0, 4))
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="ConvTranspose2d expects in_channels as a positive int"):
        ConvTranspose2d(0, 2, 3, rng)
    with pytest.raises(ValueError, match="ConvTranspose2d expects rng = np.random.default_rng"):
        ConvTranspose2d(1, 2, 3, 0)
    with pytest.raises(ValueError, match="output_padding .* must be smaller than stride"):
        ConvTranspose2d(1, 2, 3, rng, stride=2, output_padding=2)
    with pytest.raises(ValueError, match="dtype np.float32 or np.float64"):
        ConvTranspose2d(1, 2, 3, rng, dtype=np.int64)
    layer = ConvTranspose2d(2, 3, 3, rng)
    with pytest.raises(ValueError, match="backward called before forward"):
        layer.backward(np.zeros((1, 3, 6, 6)))
    with pytest.raises(ValueError, match="X is float32 but the weights are float64"):
        layer.forward(X.astype(np.float32))
    up = Upsample(2)
    with pytest.raises(ValueError, match="backward called before forward"):
        up.backward(np.zeros((1, 2, 8, 8)))
    up.forward(X)
    with pytest.raises(ValueError, match=r"dY of shape \(1, 2, 8, 8\)"):
        up.backward(np.zeros((1, 2, 4, 4)))
