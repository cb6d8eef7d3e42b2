"""helpers.scratch.conv against PyTorch (float64, autograd) on many shapes; the layers; bad inputs rejected."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from helpers.compare import assert_gradient
from helpers.scratch.conv import (
    AvgPool2d,
    Conv2d,
    Flatten,
    MaxPool2d,
    avg_pool2d,
    avg_pool2d_backward,
    col2im,
    conv2d,
    conv2d_backward,
    conv_output_size,
    im2col,
    max_pool2d,
    max_pool2d_backward,
)
from helpers.scratch.layers import Linear, ReLU, Sequential, softmax_cross_entropy

# (N, C, H, W, F, KH, KW, stride, padding): batch 1, odd sizes, C = 1 and C > 1, stride 2,
# padding 1-2, non-square kernels, (h, w) pairs, a kernel as large as the padded input.
CONV_CASES = [
    (1, 1, 5, 5, 1, 3, 3, 1, 0),
    (2, 3, 7, 9, 4, 3, 3, 1, 0),
    (1, 1, 28, 28, 8, 3, 3, 1, 1),
    (3, 2, 11, 11, 5, 3, 3, 2, 1),
    (2, 4, 10, 7, 3, 5, 5, 2, 2),
    (1, 3, 9, 8, 2, 2, 3, 1, (1, 2)),
    (2, 2, 8, 6, 5, 3, 1, (2, 1), 1),
    (2, 5, 6, 6, 3, 1, 1, 1, 0),
    (1, 2, 4, 4, 2, 6, 6, 1, 1),
    (2, 3, 13, 12, 2, 4, 4, 3, 2),
]


def ids(cases):
    return ["-".join(str(v).replace(" ", "") for v in c) for c in cases]


@pytest.mark.parametrize("case", CONV_CASES, ids=ids(CONV_CASES))
@pytest.mark.parametrize("bias", [True, False])
def test_conv2d_forward_and_backward_match_torch(case, bias):
    N, C, H, W, Fo, KH, KW, stride, padding = case
    rng = np.random.default_rng(sum(case[:7]))
    x = rng.standard_normal((N, C, H, W))
    w = rng.standard_normal((Fo, C, KH, KW))
    b = rng.standard_normal(Fo) if bias else None
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    bt = torch.tensor(b, requires_grad=True) if bias else None
    ref = F.conv2d(xt, wt, bt, stride=stride, padding=padding)
    out = conv2d(x, w, b, stride=stride, padding=padding)
    assert out.shape == tuple(ref.shape) and out.dtype == np.float64
    np.testing.assert_allclose(out, ref.detach().numpy(), rtol=1e-10, atol=1e-12)

    dout = rng.standard_normal(out.shape)
    ref.backward(torch.tensor(dout))
    dx, dw, db = conv2d_backward(dout, x, w, stride=stride, padding=padding)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dw, wt.grad.numpy(), rtol=1e-10, atol=1e-12)
    if bias:
        np.testing.assert_allclose(db, bt.grad.numpy(), rtol=1e-10, atol=1e-12)
    assert dx.shape == x.shape and dw.shape == w.shape and db.shape == (Fo,)


def test_conv2d_output_size_formula():
    for H, K, P, S in [(28, 3, 1, 1), (28, 5, 0, 1), (32, 3, 1, 2), (7, 3, 0, 2), (10, 4, 2, 3)]:
        out = conv2d(np.zeros((1, 1, H, H)), np.zeros((1, 1, K, K)), stride=S, padding=P)
        assert out.shape[-1] == conv_output_size(H, K, S, P) == (H + 2 * P - K) // S + 1


def test_conv2d_float32_stays_float32_and_agrees():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 3, 12, 12)).astype(np.float32)
    w = rng.standard_normal((6, 3, 3, 3)).astype(np.float32)
    b = rng.standard_normal(6).astype(np.float32)
    out = conv2d(x, w, b, padding=1)
    assert out.dtype == np.float32
    ref = F.conv2d(torch.tensor(x), torch.tensor(w), torch.tensor(b), padding=1).numpy()
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-5)


def test_conv2d_backward_agrees_with_finite_differences():
    rng = np.random.default_rng(2)
    x, w, b = rng.standard_normal((2, 2, 5, 5)), rng.standard_normal((3, 2, 3, 3)), rng.standard_normal(3)
    dout = rng.standard_normal((2, 3, 3, 3))
    dx, dw, db = conv2d_backward(dout, x, w, stride=2, padding=1)
    assert_gradient("dx", lambda v: np.sum(conv2d(v, w, b, 2, 1) * dout), x, dx)
    assert_gradient("dw", lambda v: np.sum(conv2d(x, v, b, 2, 1) * dout), w, dw)
    assert_gradient("db", lambda v: np.sum(conv2d(x, w, v, 2, 1) * dout), b, db)


def test_im2col_col2im_are_adjoint():
    """<im2col(x), c> = <x, col2im(c)> for all x, c: col2im is im2col's transpose (the backward rule)."""
    rng = np.random.default_rng(3)
    for stride, padding in [(1, 0), (2, 1), ((1, 2), (2, 0))]:
        x = rng.standard_normal((2, 3, 7, 8))
        cols = im2col(x, (3, 2), stride, padding)
        c = rng.standard_normal(cols.shape)
        lhs = np.sum(cols * c)
        rhs = np.sum(x * col2im(c, x.shape, (3, 2), stride, padding))
        assert abs(lhs - rhs) < 1e-9 * max(1.0, abs(lhs))


POOL_CASES = [  # (N, C, H, W, size, stride)
    (1, 1, 4, 4, 2, None),
    (2, 3, 8, 8, 2, None),
    (2, 2, 7, 9, 2, None),
    (1, 3, 9, 9, 3, None),
    (2, 2, 9, 9, 3, 2),
    (3, 1, 6, 7, 2, 1),
    (2, 2, 8, 10, (2, 3), (1, 2)),
]


@pytest.mark.parametrize("case", POOL_CASES, ids=ids(POOL_CASES))
@pytest.mark.parametrize("relu", [False, True])
def test_max_pool_matches_torch(case, relu):
    """After a ReLU, many windows hold several zeros: ties must go where PyTorch sends them."""
    N, C, H, W, size, stride = case
    rng = np.random.default_rng(H * W + N)
    x = rng.standard_normal((N, C, H, W))
    if relu:
        x = np.maximum(x, 0)
    xt = torch.tensor(x, requires_grad=True)
    ref = F.max_pool2d(xt, size, stride)
    out = max_pool2d(x, size, stride)
    np.testing.assert_array_equal(out, ref.detach().numpy())
    dout = rng.standard_normal(out.shape)
    ref.backward(torch.tensor(dout))
    np.testing.assert_allclose(max_pool2d_backward(dout, x, size, stride), xt.grad.numpy(), atol=1e-14)


@pytest.mark.parametrize("case", POOL_CASES, ids=ids(POOL_CASES))
def test_avg_pool_matches_torch(case):
    N, C, H, W, size, stride = case
    rng = np.random.default_rng(H + W)
    x = rng.standard_normal((N, C, H, W))
    xt = torch.tensor(x, requires_grad=True)
    ref = F.avg_pool2d(xt, size, stride)
    out = avg_pool2d(x, size, stride)
    np.testing.assert_allclose(out, ref.detach().numpy(), rtol=1e-12, atol=1e-14)
    dout = rng.standard_normal(out.shape)
    ref.backward(torch.tensor(dout))
    np.testing.assert_allclose(avg_pool2d_backward(dout, x, size, stride), xt.grad.numpy(), atol=1e-14)


def test_max_pool_of_a_small_array_by_hand():
    x = np.array([[1, 3, 2, 0], [4, 2, 1, 1], [0, 0, 5, 6], [1, 2, 7, 8]], dtype=np.float64)[None, None]
    np.testing.assert_array_equal(max_pool2d(x)[0, 0], [[4, 2], [2, 8]])
    np.testing.assert_array_equal(avg_pool2d(x)[0, 0], [[2.5, 1.0], [0.75, 6.5]])
    dx = max_pool2d_backward(np.ones((1, 1, 2, 2)), x)[0, 0]
    np.testing.assert_array_equal(dx, [[0, 0, 1, 0], [1, 0, 0, 0], [0, 0, 0, 0], [0, 1, 0, 1]])


# ------------------------------------------------------------------------------------------
# Layers
# ------------------------------------------------------------------------------------------

def small_cnn(rng, dtype=np.float64):
    return Sequential(Conv2d(1, 4, 3, rng, padding=1, dtype=dtype), ReLU(), MaxPool2d(2),
                      Conv2d(4, 6, 3, rng, stride=2, padding=1, dtype=dtype), ReLU(), AvgPool2d(2),
                      Flatten(), Linear(6 * 2 * 2, 10, rng, dtype=dtype))


def torch_copy(net):
    """The same network in PyTorch, with our weights copied in (Conv2d: as is; Linear: transposed)."""
    c1, c2, lin = net.layers[0], net.layers[3], net.layers[7]
    tnet = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(4, 6, 3, stride=2, padding=1), torch.nn.ReLU(), torch.nn.AvgPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(24, 10)).double()
    with torch.no_grad():
        for ours, theirs in ((c1, tnet[0]), (c2, tnet[3])):
            theirs.weight.copy_(torch.tensor(ours.params["W"]))
            theirs.bias.copy_(torch.tensor(ours.params["b"]))
        tnet[7].weight.copy_(torch.tensor(lin.params["W"].T))
        tnet[7].bias.copy_(torch.tensor(lin.params["b"]))
    return tnet


def test_cnn_layers_match_torch_end_to_end():
    rng = np.random.default_rng(4)
    net = small_cnn(rng)
    for layer in (net.layers[0], net.layers[3]):  # nonzero biases, so their gradients are tested too
        layer.params["b"][:] = rng.standard_normal(layer.params["b"].shape)
    X, y = rng.standard_normal((5, 1, 16, 16)), rng.integers(0, 10, 5)
    tnet = torch_copy(net)
    Xt = torch.tensor(X, requires_grad=True)
    ref_logits = tnet(Xt)
    torch.nn.functional.cross_entropy(ref_logits, torch.tensor(y)).backward()

    logits = net.forward(X)
    loss, dlogits = softmax_cross_entropy(logits, y)
    dX = net.backward(dlogits)
    np.testing.assert_allclose(logits, ref_logits.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dX, Xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(net.grads["0.W"], tnet[0].weight.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(net.grads["0.b"], tnet[0].bias.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(net.grads["3.W"], tnet[3].weight.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(net.grads["7.W"], tnet[7].weight.grad.numpy().T, rtol=1e-9, atol=1e-12)


def test_conv2d_layer_init_shapes_and_repr():
    rng = np.random.default_rng(5)
    conv = Conv2d(3, 8, (3, 5), rng, stride=2, padding=(1, 2), dtype=np.float32)
    assert conv.params["W"].shape == (8, 3, 3, 5) and conv.params["W"].dtype == np.float32
    assert conv.params["b"].shape == (8,) and not conv.params["b"].any()
    bound = np.sqrt(6 / (3 * 3 * 5))
    assert np.abs(conv.params["W"]).max() <= bound
    assert repr(conv) == "Conv2d(3, 8, kernel_size=(3, 5), stride=2, padding=(1, 2))"
    assert conv.forward(np.zeros((2, 3, 9, 9), np.float32)).shape == (2, 8, 5, 5)
    assert set(conv.grads) == {"W", "b"}
    assert repr(MaxPool2d(2)) == "MaxPool2d(2)" and MaxPool2d().params == {}


def test_numpy_cnn_learns():
    """A few SGD steps on a fixed batch lower the loss clearly (float32, as the notebook trains)."""
    from helpers.scratch.layers import SGD

    rng = np.random.default_rng(6)
    net = small_cnn(rng, dtype=np.float32)
    X = rng.standard_normal((32, 1, 16, 16)).astype(np.float32)
    y = rng.integers(0, 10, 32)
    opt = SGD(net, lr=0.1, momentum=0.9)
    losses = []
    for _ in range(40):
        loss, dlogits = softmax_cross_entropy(net.forward(X), y)
        net.backward(dlogits)
        opt.step()
        losses.append(loss)
    assert losses[-1] < 0.5 * losses[0]


# ------------------------------------------------------------------------------------------
# Bad inputs: a clear message, not a cryptic broadcasting error
# ------------------------------------------------------------------------------------------

X4 = np.zeros((2, 3, 8, 8))
W4 = np.zeros((4, 3, 3, 3))


@pytest.mark.parametrize("call, message", [
    (lambda: conv2d(np.zeros((3, 8, 8)), W4), r"shape \(N, C, H, W\).*x\[None\]"),
    (lambda: conv2d(np.zeros((8, 8)), W4), r"x\[None, None\]"),
    (lambda: conv2d(X4, np.zeros((4, 2, 3, 3))), r"x has 3 channels .* expect 2"),
    (lambda: conv2d(X4, np.zeros((4, 3, 3)), None), r"w of shape \(F, C, KH, KW\), got \(4, 3, 3\)"),
    (lambda: conv2d(X4.astype(np.uint8), W4), r"float32 or float64 NumPy array, got uint8"),
    (lambda: conv2d(X4.tolist(), W4), r"of shape \(N, C, H, W\) as a float32 or float64 NumPy array, got list"),
    (lambda: conv2d(X4, W4, np.zeros(3)), r"b of shape \(4,\)"),
    (lambda: conv2d(X4, np.zeros((4, 3, 11, 11))), r"larger than the padded input \(8x8\)"),
    (lambda: conv2d(X4, np.zeros((4, 3, 11, 11)), padding=1), r"larger than the padded input \(10x10\)"),
    (lambda: conv2d(X4, W4, stride=0), r"stride must be an int >= 1"),
    (lambda: conv2d(X4, W4, padding=-1), r"padding must be an int >= 0"),
    (lambda: conv2d(X4, W4, stride=1.5), r"stride must be an int"),
    (lambda: conv2d(X4, W4, padding=(1, 2, 3)), r"padding must be .* \(height, width\) pair"),
    (lambda: conv2d_backward(np.zeros((2, 4, 5, 5)), X4, W4), r"dout of shape \(2, 4, 6, 6\)"),
    (lambda: max_pool2d(np.zeros((2, 3, 1, 8))), r"pooling window \(2x2\) is larger"),
    (lambda: max_pool2d(np.zeros((8, 8))), r"shape \(N, C, H, W\)"),
    (lambda: max_pool2d(X4, size=0), r"pooling window size must be an int >= 1"),
    (lambda: max_pool2d_backward(np.zeros((2, 3, 3, 3)), X4), r"dout of shape \(2, 3, 4, 4\)"),
    (lambda: avg_pool2d_backward(np.zeros((2, 3, 4)), X4), r"dout of shape \(2, 3, 4, 4\)"),
    (lambda: col2im(np.zeros((27, 71)), X4.shape, 3), r"cols of shape \(27, 72\)"),
    (lambda: Conv2d(0, 4, 3, np.random.default_rng()), r"in_channels as a positive int"),
    (lambda: Conv2d(3, 4, 3, 0), r"rng = np.random.default_rng"),
    (lambda: Conv2d(3, 4, 3, np.random.default_rng()).forward(X4.astype(np.float32)),
     r"X is float32 but the weights are float64"),
    (lambda: Conv2d(3, 4, 3, np.random.default_rng()).backward(np.zeros((2, 4, 6, 6))), r"before forward"),
    (lambda: Conv2d(2, 4, 3, np.random.default_rng()).forward(X4), r"x has 3 channels|X has 3 channels"),
])
def test_bad_inputs_are_rejected_clearly(call, message):
    with pytest.raises(ValueError, match=message):
        call()
