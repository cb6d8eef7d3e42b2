"""Checkers for notebook 06 (residual networks)."""

import numpy as np

from helpers.exercises import NotAttempted, exercise, forbid, tuple_answer

RESIDUAL_BACKWARD_FORM = "a tuple (dX, dW1, db1, dW2, db2) of NumPy arrays"


def _residual_block_torch(X, W1, b1, W2, b2, dY):
    """Gradients of y = ReLU(X W1 + b1) W2 + b2 + X for upstream dY, by PyTorch's autograd in float64."""
    import torch

    leaves = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (X, W1, b1, W2, b2)]
    Xt, W1t, b1t, W2t, b2t = leaves
    y = torch.relu(Xt @ W1t + b1t) @ W2t + b2t + Xt
    y.backward(torch.tensor(dY))
    return [t.grad.numpy() for t in leaves]


@exercise("06.residual_backward",
          hints=("Go through the forward pass backwards, one operation at a time, as in notebook 04. The sum "
                 "y = F(X) + X hands the same dY to both of its inputs.",
                 "Recompute Z = X W1 + b1 and H = ReLU(Z). Then dW2 = Hᵀ dY, db2 = dY summed over the batch, "
                 "dH = dY W2ᵀ, and ReLU lets dH through only where Z > 0.",
                 "dZ = dH * (Z > 0); dW1 = Xᵀ dZ; db1 = dZ.sum(axis=0); dX = dY + dZ W1ᵀ (the skip plus the "
                 "branch)."))
def _residual_backward(answer):
    forbid(answer, {"torch": "compute the gradients with NumPy, by the chain rule (PyTorch is the referee)",
                    "ResidualBlock": "write the backward pass yourself, without the notebook's ResidualBlock",
                    "Linear": "write the backward pass yourself, without the Linear layer's backward",
                    "Sequential": "write the backward pass yourself, without the layer classes"})
    rng = np.random.default_rng()  # fresh inputs on every check: the answer must be right, not lucky
    for N, d in [(4, 5), (1, 3), (7, 2), (3, 6)]:
        X, W1, W2, dY = rng.normal(size=(N, d)), rng.normal(size=(d, d)), rng.normal(size=(d, d)), \
            rng.normal(size=(N, d))
        b1, b2 = rng.normal(size=d), rng.normal(size=d)
        got = tuple_answer(answer(dY.copy(), X.copy(), W1.copy(), b1.copy(), W2.copy(), b2.copy()), 5,
                           RESIDUAL_BACKWARD_FORM)
        want = _residual_block_torch(X, W1, b1, W2, b2, dY)
        Z = X @ W1 + b1
        for name, g, w in zip(("dX", "dW1", "db1", "dW2", "db2"), got, want, strict=True):
            g = np.asarray(g, dtype=np.float64)
            if g.shape != w.shape:
                raise AssertionError(f"{name} should have the shape of {name[1:]}, {w.shape}, but has {g.shape} "
                                     f"(for X of shape {(N, d)})")
            if np.allclose(g, w, rtol=1e-9, atol=1e-10):
                continue
            if name == "dX" and np.allclose(g, w - dY, rtol=1e-9, atol=1e-10):
                raise AssertionError("dX misses the skip path: the sum y = F(X) + X sends dY straight to X too")
            if name == "dX" and np.allclose(g, dY, rtol=1e-9, atol=1e-10):
                raise AssertionError("dX is only the skip path: the branch F sends a gradient to X as well")
            no_mask = (dY @ W2.T) @ W1.T
            if name == "dX" and np.allclose(g, dY + no_mask, rtol=1e-9, atol=1e-10):
                raise AssertionError("the ReLU passes a gradient only where its input X W1 + b1 was positive")
            if name in ("dW2", "dW1") and np.allclose(g, w.T, rtol=1e-9, atol=1e-10):
                raise AssertionError(f"{name} is transposed: for Y = H W the weight gradient is Hᵀ dY, "
                                     f"(inputs, outputs) like W")
            if name == "dW2" and np.allclose(g, Z.T @ dY, rtol=1e-9, atol=1e-10):
                raise AssertionError("dW2 uses Z = X W1 + b1; the second layer reads H = ReLU(Z)")
            raise AssertionError(f"{name} differs from PyTorch's autograd (for X of shape {(N, d)})")


@exercise("06.projection_shape",
          hints=("A 1x1 convolution mixes the channels at every pixel separately. In which order does PyTorch "
                 "store a convolution's weight axes? And how does a stride shrink the picture?",
                 "The weight is (C_out, C_in, 1, 1). With stride s and no padding a 1x1 convolution keeps rows "
                 "0, s, 2s, ...: (H − 1) // s + 1 of them. Try odd sizes too, such as 7 -> 4.",
                 "The stride is the smallest s with (H − 1) // s + 1 = H′, which is ⌈H / H′⌉ = -(-H // H′); "
                 "H // H′ is too small when H′ does not divide H."))
def _projection_shape(answer):
    cases = [((8, 16, 28, 28), (8, 32, 14, 14)), ((1, 3, 32, 32), (1, 64, 32, 32)),
             ((2, 16, 7, 7), (2, 32, 4, 4)), ((4, 64, 56, 56), (4, 128, 28, 28)), ((2, 16, 14, 14), (2, 32, 7, 7)),
             ((1, 8, 15, 15), (1, 12, 5, 5))]
    for x_shape, y_shape in cases:
        got = answer(x_shape, y_shape)
        if not (isinstance(got, (tuple, list)) and len(got) == 2):
            raise AssertionError(f"return a pair (weight_shape, stride), got {got!r}")
        w_shape, stride = got
        if w_shape is None or w_shape is Ellipsis or stride is None or stride is Ellipsis:
            raise NotAttempted
        w_shape = tuple(int(s) for s in w_shape)
        (_, c_in, h, w), (_, c_out, h_out, w_out) = x_shape, y_shape
        if w_shape == (c_in, c_out, 1, 1) and c_in != c_out:
            raise AssertionError("PyTorch's (and our) conv weights are (out_channels, in_channels, KH, KW): "
                                 "output channels come first")
        assert w_shape == (c_out, c_in, 1, 1), f"for x {x_shape} -> y {y_shape} the weight shape {w_shape} is wrong"
        ok = isinstance(stride, (int, np.integer)) and stride >= 1 and (h - 1) // stride + 1 == h_out \
            and (w - 1) // stride + 1 == w_out
        assert ok, f"for x {x_shape} -> y {y_shape} a stride of {stride!r} gives the wrong height/width"


@exercise("06.zero_init_grads",
          hints=("With W2 = 0 the branch outputs 0 whatever its first layer computes. On the way back, which "
                 "gradients have to pass through W2, and which are computed before it?",
                 "dL/dW2 = hᵀ dL/dy with h = ReLU(x W1 + b1), and dL/db2 = the sum of dL/dy: neither multiplies "
                 "by W2. Everything below W2 receives dL/dy W2ᵀ.",
                 "dL/dy W2ᵀ = 0, so branch.0 gets no gradient; branch.2.W and branch.2.b do."))
def _zero_init_grads(answer):
    if isinstance(answer, str):
        answer = {answer}
    if not isinstance(answer, (set, frozenset, list, tuple)):
        raise AssertionError(f"answer with a set of names such as {{'branch.0.W'}}, got {type(answer).__name__}")
    if not answer:
        raise AssertionError("some parameters do get a gradient at the very first step")
    got = set(answer)
    names = {"branch.0.W", "branch.0.b", "branch.2.W", "branch.2.b"}
    unknown = got - names
    assert not unknown, f"unknown names {sorted(unknown)}; the block's parameters are {sorted(names)}"
    if got & {"branch.0.W", "branch.0.b"}:
        raise AssertionError("the first layer (branch.0) receives dL/dy · W2^T, and W2 is all zeros")
    if "branch.2.b" not in got:
        raise AssertionError("dL/db2 is the sum of dL/dy over the batch: it does not involve W2")
    assert got == {"branch.2.W", "branch.2.b"}, "dL/dW2 = h^T dL/dy with h = relu(x W1 + b1), which is not zero"


def _conv_params(c_in, c_out, k):
    return c_out * c_in * k * k + c_out


def _resnet_params(blocks, c1, c2, projection_every_block=False, biases=True, head_pixels=49):
    """Parameters of section 5's conv_net(residual=True, blocks, c1, c2), and of common miscounts."""
    conv = _conv_params if biases else (lambda c_in, c_out, k: c_out * c_in * k * k)
    first = conv(c1, c2, 3) + conv(c2, c2, 3) + conv(c1, c2, 1)
    later = blocks * (2 * conv(c2, c2, 3) + (conv(c2, c2, 1) if projection_every_block else 0))
    head = c2 * head_pixels * 10 + (10 if biases else 0)
    return conv(1, c1, 3) + first + later + head


@exercise("06.resnet_params",
          hints=("Go through the table of section 5 layer by layer. How many weights and biases does one "
                 "convolution with C_in input channels, C_out output channels and a K×K kernel have?",
                 "A convolution has C_out·C_in·K·K weights and C_out biases. Only the first block changes the "
                 "shape (stride 2, c1 -> c2), so only it has a 1×1 projection; the head reads c2·7·7 numbers.",
                 "stem 10·c1; first block 9·c1·c2 + c2 + 9·c2² + c2 + c1·c2 + c2; every later block "
                 "2·(9·c2² + c2); head 490·c2 + 10."))
def _resnet_param_count(answer):
    forbid(answer, {"conv_net": "count by formula, without building the network",
                    "parameters": "count by formula, without asking PyTorch",
                    "numel": "count by formula, without asking PyTorch"})
    for blocks, c1, c2 in [(3, 16, 24), (0, 8, 8), (2, 8, 32), (5, 4, 12), (1, 32, 16)]:
        got = answer(blocks, c1, c2)
        if not isinstance(got, (int, np.integer)) or isinstance(got, bool):
            raise AssertionError(f"return the count as an int, got {got!r}")
        want = _resnet_params(blocks, c1, c2)
        if got == want:
            continue
        config = f"blocks={blocks}, c1={c1}, c2={c2}"
        if got == want - _conv_params(c1, c2, 1):
            raise AssertionError(f"for {config} you left out the projection shortcut of the first block (a 1×1 "
                                 f"convolution c1 -> c2 with its biases)")
        if got == _resnet_params(blocks, c1, c2, projection_every_block=True):
            raise AssertionError(f"for {config}: the blocks after the first keep the shape, so their shortcut is "
                                 f"the identity, with no parameters")
        if got == _resnet_params(blocks, c1, c2, biases=False):
            raise AssertionError(f"for {config} you counted the weights only: every convolution and the linear "
                                 f"head have one bias per output too")
        if got in (_resnet_params(blocks, c1, c2, head_pixels=196), _resnet_params(blocks, c1, c2, head_pixels=784)):
            raise AssertionError(f"for {config}: the head reads c2 channels of 7×7 pixels (28 -> 14 by the "
                                 f"max-pool, 14 -> 7 by the first block's stride)")
        raise AssertionError(f"for {config} the count is wrong: go through the layers one by one")
