"""helpers.scratch.layers: every layer's forward and backward agrees with PyTorch (float64 tightly, float32 within
a stated tolerance) and with finite differences; Sequential + softmax_cross_entropy and SGD (with and
without momentum) agree with torch end to end; bad inputs are rejected with a message that helps."""

import warnings

import numpy as np
import pytest
import torch

from helpers.compare import assert_close, assert_gradient
from helpers.scratch.layers import (
    SGD,
    Flatten,
    Linear,
    ReLU,
    Sequential,
    Sigmoid,
    Tanh,
    Value,
    linear_backward,
    log_softmax,
    relu_backward,
    sigmoid,
    sigmoid_backward,
    softmax,
    softmax_cross_entropy,
    tanh_backward,
)

# float64: our NumPy and torch do the same arithmetic up to rounding, so agreement is ~1e-15.
F64 = {"atol": 1e-12, "rtol": 1e-10}
# float32: about 7 significant digits; sums over a few hundred terms lose a little more.
F32 = {"atol": 1e-5, "rtol": 1e-4}
SHAPES = [(1, 3, 2), (4, 5, 3), (16, 20, 7), (32, 784, 10)]  # (N, D_in, D_out), batch size 1 included


def t(a, grad=False):
    """A torch tensor sharing our array's dtype (float64 stays float64)."""
    return torch.tensor(a, requires_grad=grad)


def torch_linear_like(layer):
    """An nn.Linear holding the same weights as our Linear (PyTorch stores W transposed: (out, in))."""
    lin = torch.nn.Linear(layer.in_features, layer.out_features,
                          dtype=torch.float64 if layer.params["W"].dtype == np.float64 else torch.float32)
    with torch.no_grad():
        lin.weight.copy_(torch.from_numpy(layer.params["W"].T))
        lin.bias.copy_(torch.from_numpy(layer.params["b"]))
    return lin


# ---------------------------------------------------------------------------------------------
# Linear
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype,tol", [(np.float64, F64), (np.float32, F32)], ids=["float64", "float32"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_linear_forward_backward_match_torch(shape, dtype, tol):
    N, D_in, D_out = shape
    rng = np.random.default_rng(1)
    layer = Linear(D_in, D_out, rng, dtype=dtype)
    layer.params["b"] = rng.normal(size=D_out).astype(dtype)  # a nonzero bias, so db is tested for real
    X = rng.normal(size=(N, D_in)).astype(dtype)
    dY = rng.normal(size=(N, D_out)).astype(dtype)

    Y = layer.forward(X)
    dX = layer.backward(dY)
    assert Y.dtype == dtype and dX.dtype == dtype and layer.grads["W"].dtype == dtype

    lin = torch_linear_like(layer)
    Xt = t(X, grad=True)
    Yt = lin(Xt)
    Yt.backward(torch.from_numpy(dY))
    assert_close("Y", Y, Yt, **tol, quiet=True)
    assert_close("dX", dX, Xt.grad, **tol, quiet=True)
    assert_close("dW", layer.grads["W"], lin.weight.grad.T, **tol, quiet=True)
    assert_close("db", layer.grads["b"], lin.bias.grad, **tol, quiet=True)


def test_linear_init_is_kaiming_uniform():
    layer = Linear(400, 300, np.random.default_rng(0))
    W = layer.params["W"]
    bound = np.sqrt(6 / 400)
    assert W.shape == (400, 300) and np.abs(W).max() <= bound
    assert abs(W.var() - 2 / 400) < 0.05 * 2 / 400  # variance 2 / fan_in
    assert np.all(layer.params["b"] == 0)
    assert Linear(3, 2, np.random.default_rng(0), dtype=np.float32).params["W"].dtype == np.float32
    assert repr(layer) == "Linear(400, 300)"


def test_linear_gradients_by_finite_differences(capsys):
    rng = np.random.default_rng(2)
    X, W, b = rng.normal(size=(3, 4)), rng.normal(size=(4, 5)), rng.normal(size=5)
    dY = rng.normal(size=(3, 5))
    dX, dW, db = linear_backward(dY, X, W)

    def loss():  # L = sum(Y * dY) has dL/dY = dY exactly
        return np.sum((X @ W + b) * dY)

    for name, arr, grad in (("dX", X, dX), ("dW", W, dW), ("db", b, db)):
        assert assert_gradient(name, lambda _: loss(), arr, grad, tol=1e-7) < 1e-7
    capsys.readouterr()


# ---------------------------------------------------------------------------------------------
# Activations and Flatten
# ---------------------------------------------------------------------------------------------

ACTIVATIONS = [(ReLU, torch.relu), (Sigmoid, torch.sigmoid), (Tanh, torch.tanh)]


@pytest.mark.parametrize("dtype,tol", [(np.float64, F64), (np.float32, F32)], ids=["float64", "float32"])
@pytest.mark.parametrize("shape", [(1, 1), (1, 7), (8, 5), (2, 3, 4, 5)], ids=str)
@pytest.mark.parametrize("cls,torch_fn", ACTIVATIONS, ids=lambda a: getattr(a, "__name__", ""))
def test_activations_match_torch(cls, torch_fn, shape, dtype, tol):
    rng = np.random.default_rng(3)
    X = (3 * rng.normal(size=shape)).astype(dtype)
    dY = rng.normal(size=shape).astype(dtype)
    layer = cls()
    Y = layer.forward(X)
    dX = layer.backward(dY)
    assert layer.params == {} and layer.grads == {}
    assert Y.dtype == dtype and dX.dtype == dtype

    Xt = t(X, grad=True)
    Yt = torch_fn(Xt)
    Yt.backward(torch.from_numpy(dY))
    assert_close(f"{cls.__name__} Y", Y, Yt, **tol, quiet=True)
    assert_close(f"{cls.__name__} dX", dX, Xt.grad, **tol, quiet=True)


@pytest.mark.parametrize("fn,backward", [(np.tanh, tanh_backward), (sigmoid, sigmoid_backward)])
def test_activation_backward_by_finite_differences(fn, backward, capsys):
    rng = np.random.default_rng(4)
    X, dY = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    analytic = backward(dY, fn(X))
    assert_gradient("dX", lambda x: np.sum(fn(x) * dY), X, analytic, tol=1e-7)
    # ReLU: away from the kink at 0 the finite difference is exact up to rounding
    Xr = X + np.sign(X) * 0.1
    assert_gradient("relu dX", lambda x: np.sum(np.maximum(x, 0) * dY), Xr, relu_backward(dY, Xr), tol=1e-7)
    capsys.readouterr()


def test_sigmoid_is_stable_at_extremes():
    X = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow warning would fail here
        Y = sigmoid(X)
        Y32 = sigmoid(X.astype(np.float32))
    # (1 + tanh(x/2)) / 2 is exact to ~1e-16 absolute; far below 0 it returns 0 where e^x is ~1e-22
    assert_close("sigmoid", Y, torch.sigmoid(torch.from_numpy(X)), atol=1e-16, rtol=1e-14, quiet=True)
    assert Y32.dtype == np.float32 and np.all(np.isfinite(Y32))


def test_flatten_round_trip():
    X = np.arange(2 * 3 * 4 * 5, dtype=np.float64).reshape(2, 3, 4, 5)
    f = Flatten()
    Y = f.forward(X)
    assert Y.shape == (2, 60) and np.array_equal(Y, torch.flatten(torch.from_numpy(X), 1).numpy())
    dX = f.backward(Y * 2)
    assert dX.shape == X.shape and np.array_equal(dX, 2 * X)


# ---------------------------------------------------------------------------------------------
# softmax + cross-entropy
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("N,K", [(1, 2), (5, 3), (64, 10)])
def test_softmax_cross_entropy_matches_torch(N, K):
    rng = np.random.default_rng(5)
    logits = 5 * rng.normal(size=(N, K))
    y = rng.integers(0, K, size=N)
    loss, dlogits = softmax_cross_entropy(logits, y)
    Lt = t(logits, grad=True)
    lt = torch.nn.functional.cross_entropy(Lt, torch.from_numpy(y))
    lt.backward()
    assert isinstance(loss, float)
    assert abs(loss - lt.item()) < 1e-12
    assert_close("dlogits", dlogits, Lt.grad, **F64, quiet=True)
    assert_close("softmax", softmax(logits), torch.softmax(torch.from_numpy(logits), 1), **F64, quiet=True)
    assert_close("log_softmax", log_softmax(logits), torch.log_softmax(torch.from_numpy(logits), 1),
                 **F64, quiet=True)


def test_softmax_cross_entropy_by_finite_differences(capsys):
    rng = np.random.default_rng(6)
    logits, y = rng.normal(size=(4, 5)), np.array([0, 4, 2, 2])
    _, dlogits = softmax_cross_entropy(logits, y)
    assert_gradient("dlogits", lambda z: softmax_cross_entropy(z, y)[0], logits, dlogits, tol=1e-7)
    capsys.readouterr()


def test_softmax_cross_entropy_is_stable_for_huge_logits():
    logits = np.array([[1000.0, 0.0, -1000.0], [-1e4, 1e4, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, dlogits = softmax_cross_entropy(logits, np.array([0, 2]))
    assert np.isfinite(loss) and np.all(np.isfinite(dlogits))
    assert abs(loss - 1e4 / 2) < 1e-9  # first row: loss 0; second row: 1e4


# ---------------------------------------------------------------------------------------------
# Sequential + SGD end to end
# ---------------------------------------------------------------------------------------------

def make_pair(dtype=np.float64, rng_seed=7):
    rng = np.random.default_rng(rng_seed)
    ours = Sequential(Linear(6, 8, rng, dtype), ReLU(), Linear(8, 5, rng, dtype), Tanh(),
                      Linear(5, 4, rng, dtype), Sigmoid(), Linear(4, 3, rng, dtype))
    tmods = []
    for layer in ours.layers:
        tmods.append(torch_linear_like(layer) if isinstance(layer, Linear)
                     else {"ReLU": torch.nn.ReLU, "Tanh": torch.nn.Tanh, "Sigmoid": torch.nn.Sigmoid}
                     [type(layer).__name__]())
    return ours, torch.nn.Sequential(*tmods)


def test_sequential_and_loss_match_torch_end_to_end():
    ours, theirs = make_pair()
    rng = np.random.default_rng(8)
    X, y = rng.normal(size=(10, 6)), rng.integers(0, 3, size=10)
    loss, dlogits = softmax_cross_entropy(ours.forward(X), y)
    dX = ours.backward(dlogits)

    Xt = t(X, grad=True)
    lt = torch.nn.functional.cross_entropy(theirs(Xt), torch.from_numpy(y))
    lt.backward()
    assert abs(loss - lt.item()) < 1e-12
    assert_close("dX", dX, Xt.grad, **F64, quiet=True)
    torch_grads = dict(theirs.named_parameters())
    for key, grad in ours.grads.items():  # keys "0.W", "0.b", ... as PyTorch's "0.weight", "0.bias"
        i, name = key.split(".")
        ref = torch_grads[f"{i}.weight"].grad.T if name == "W" else torch_grads[f"{i}.bias"].grad
        assert_close(key, grad, ref, **F64, quiet=True)
    assert len(list(ours.parameters())) == 8
    assert repr(ours).startswith("Sequential(Linear(6, 8), ReLU(), ")


def test_nested_sequential_is_a_layer():
    rng = np.random.default_rng(9)
    inner = Sequential(Linear(3, 3, rng), ReLU())
    outer = Sequential(inner, Linear(3, 2, rng))
    assert list(outer.params) == ["0.0.W", "0.0.b", "1.W", "1.b"]
    outer.backward(np.ones_like(outer.forward(rng.normal(size=(2, 3)))))
    assert outer.grads["0.0.W"] is inner.layers[0].grads["W"]


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_sgd_steps_match_torch_optim(momentum):
    ours, theirs = make_pair()
    opt = SGD(ours, lr=0.1, momentum=momentum)
    topt = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=momentum)
    rng = np.random.default_rng(10)
    for _ in range(5):  # several steps, so the momentum buffer matters
        X, y = rng.normal(size=(8, 6)), rng.integers(0, 3, size=8)
        loss, dlogits = softmax_cross_entropy(ours.forward(X), y)
        ours.backward(dlogits)
        opt.step()
        topt.zero_grad()
        lt = torch.nn.functional.cross_entropy(theirs(torch.from_numpy(X)), torch.from_numpy(y))
        lt.backward()
        topt.step()
        assert abs(loss - lt.item()) < 1e-10
    for layer, tmod in zip(ours.layers, theirs, strict=True):
        if isinstance(layer, Linear):
            assert_close("W", layer.params["W"], tmod.weight.T, **F64, quiet=True)
            assert_close("b", layer.params["b"], tmod.bias, **F64, quiet=True)


def test_sgd_accepts_a_layer_or_a_list_and_updates_in_place():
    rng = np.random.default_rng(11)
    a, b = Linear(2, 2, rng), Linear(2, 2, rng)
    W = a.params["W"]
    before = W.copy()
    a.forward(np.ones((1, 2)))
    a.backward(np.ones((1, 2)))
    SGD(a, lr=0.5).step()
    assert a.params["W"] is W and np.allclose(W, before - 0.5 * a.grads["W"])
    SGD([a, b], lr=0.1)  # a list of layers works too


# ---------------------------------------------------------------------------------------------
# Bad inputs are rejected with a message that says what was expected
# ---------------------------------------------------------------------------------------------

def test_bad_inputs_are_explained():
    rng = np.random.default_rng(12)
    lin = Linear(784, 256, rng, dtype=np.float32)
    with pytest.raises(ValueError, match=r"Linear\(784, 256\)\.forward expects X of shape \(N, 784\), "
                                         r"got \(32, 28, 28\): flatten images first"):
        lin.forward(np.zeros((32, 28, 28), np.float32))
    with pytest.raises(ValueError, match=r"expects X of shape \(N, 784\), got \(32, 100\)$"):
        lin.forward(np.zeros((32, 100), np.float32))
    with pytest.raises(ValueError, match="got uint8.*astype"):
        lin.forward(np.zeros((2, 784), np.uint8))
    with pytest.raises(ValueError, match="X is float64 but the weights are float32"):
        lin.forward(np.zeros((2, 784)))
    with pytest.raises(ValueError, match="as a NumPy array, got list"):
        ReLU().forward([1.0, 2.0])
    with pytest.raises(ValueError, match="backward called before forward"):
        Linear(3, 2, rng).backward(np.zeros((1, 2)))
    with pytest.raises(ValueError, match="backward called before forward"):
        Sigmoid().backward(np.zeros((1, 2)))
    lin.forward(np.zeros((4, 784), np.float32))
    with pytest.raises(ValueError, match=r"expects dY of shape \(4, 256\).*got \(4, 10\)"):
        lin.backward(np.zeros((4, 10), np.float32))
    relu = ReLU()
    relu.forward(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"ReLU\(\)\.backward expects dY of shape \(2, 3\)"):
        relu.backward(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="positive int"):
        Linear(0, 3, rng)
    with pytest.raises(ValueError, match="default_rng"):
        Linear(3, 3, 0)
    with pytest.raises(ValueError, match="dtype"):
        Linear(3, 3, rng, dtype=np.int64)
    with pytest.raises(ValueError, match=r"logits of shape \(N, K\)"):
        softmax_cross_entropy(np.zeros(5), np.zeros(5, int))
    with pytest.raises(ValueError, match=r"y as \(2,\) integer labels"):
        softmax_cross_entropy(np.zeros((2, 3)), np.zeros(2))
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\]"):
        softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match="lacks"):
        Sequential(Linear(2, 2, rng), np.tanh)
    with pytest.raises(ValueError, match="lr > 0"):
        SGD(Linear(2, 2, rng), lr=0)
    with pytest.raises(ValueError, match="momentum"):
        SGD(Linear(2, 2, rng), lr=0.1, momentum=1.0)
    with pytest.raises(ValueError, match="2\\+ dimensions"):
        Flatten().forward(np.zeros(3))


# ---------------------------------------------------------------------------------------------
# The scalar engine (notebook 04 teaches it; tests/test_nb04_backprop.py checks the notebook's copy)
# ---------------------------------------------------------------------------------------------

def test_value_matches_torch_autograd():
    a, b = Value(-4.0), Value(2.0)
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + a * -1
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b + a * -1).relu()
    e = c * d.tanh() + (a / 8).exp()
    f = (e**2 + 1).log()
    g = f / 2.0 + 10.0 / (f + 1)
    g.backward()

    at = torch.tensor(-4.0, dtype=torch.float64, requires_grad=True)
    bt = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    c = at + bt
    d = at * bt + bt**3
    c = c + c + 1
    c = c + 1 + c - at
    d = d + d * 2 + (bt + at).relu()
    d = d + 3 * d + (bt - at).relu()
    e = c * d.tanh() + (at / 8).exp()
    f = (e**2 + 1).log()
    gt = f / 2.0 + 10.0 / (f + 1)
    gt.backward()
    assert abs(g.data - gt.item()) < 1e-12
    assert abs(a.grad - at.grad.item()) < 1e-12 and abs(b.grad - bt.grad.item()) < 1e-12


def test_value_rejects_bad_inputs():
    with pytest.raises(ValueError, match="one Python number"):
        Value(np.zeros(3))
    with pytest.raises(ValueError, match="constant number"):
        Value(2.0) ** Value(3.0)
    with pytest.raises(ValueError, match="positive"):
        Value(-1.0).log()
