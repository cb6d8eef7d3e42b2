"""Notebook 04 teaches exactly the code that helpers/scratch/layers.py exports (so what the notebook teaches and
what later notebooks import cannot drift apart), and the notebook's own code is right: its Value engine
agrees with torch.autograd on several expressions, its pitfall demonstrations really go wrong, and its
gradient descent diverges exactly above 2 / λ_max."""

import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import helpers.scratch.layers

sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests/ is not a package: import its helpers

from notebook_defs import assert_same_source, notebook_defs  # noqa: E402

NOTEBOOK = "04_backprop.ipynb"
TAUGHT = ["Value", "_check_float_array", "_check_dY", "linear_forward", "linear_backward", "relu",
          "relu_backward", "sigmoid", "sigmoid_backward", "tanh", "tanh_backward", "log_softmax", "softmax",
          "softmax_cross_entropy", "Linear", "ReLU", "Sigmoid", "Tanh", "Flatten", "Sequential", "SGD"]


@pytest.fixture(scope="module")
def nb():
    return notebook_defs(NOTEBOOK)


def test_notebook_teaches_the_same_code_as_helpers_layers():
    assert_same_source(NOTEBOOK, helpers.scratch.layers, TAUGHT)
    assert set(helpers.scratch.layers.__all__) <= set(TAUGHT), "every exported name must be taught in the notebook"


def _torch_leaf(x):
    return torch.tensor(x, dtype=torch.float64, requires_grad=True)


EXPRESSIONS = {
    "product and sum": lambda a, b: a * b + a,
    "powers and division": lambda a, b: (a**3 + b**2) / (a * a + 1) + 2 / b,
    "tanh exp log": lambda a, b: ((a * b).tanh() + (b * -0.3).exp() + 1).log() * a,
    "relu both sides": lambda a, b: (a * 2 + b).relu() + (a * -1).relu() * b + (a + 10).relu(),
    "reused intermediate": lambda a, b: (lambda c: c * c.tanh() + c**2 / 3)(a * b + 1),
}


@pytest.mark.parametrize("a0,b0", [(-1.5, 0.8), (2.0, 3.0), (0.3, -0.7)])
@pytest.mark.parametrize("name", EXPRESSIONS)
def test_notebook_value_engine_matches_torch(nb, name, a0, b0):
    f = EXPRESSIONS[name]
    a, b = nb.Value(a0), nb.Value(b0)
    out = f(a, b)
    out.backward()
    at, bt = _torch_leaf(a0), _torch_leaf(b0)
    out_t = f(at, bt)
    out_t.backward()
    assert out.data == pytest.approx(out_t.item(), rel=1e-12, abs=1e-12)
    assert a.grad == pytest.approx(at.grad.item(), rel=1e-10, abs=1e-12)
    assert b.grad == pytest.approx(bt.grad.item(), rel=1e-10, abs=1e-12)


def test_notebook_expression_matches_torch(nb):
    a, b = nb.Value(-1.5), nb.Value(0.8)
    out = nb.expression(a, b)
    out.backward()
    at, bt = _torch_leaf(-1.5), _torch_leaf(0.8)
    nb.expression(at, bt).backward()
    assert a.grad == pytest.approx(at.grad.item(), rel=1e-12) and b.grad == pytest.approx(bt.grad.item(), rel=1e-12)


def test_pitfall_demonstrations_really_fail(nb):
    x = nb.ForgetfulValue(3.0)
    (x * x).backward()
    assert x.grad == 3.0  # the bug loses half the gradient
    a, L = nb.diamond()
    L.grad = 1.0
    nb.naive_backward(L)
    a_ok, L_ok = nb.diamond()
    L_ok.backward()
    assert a.grad == pytest.approx(2 * a_ok.grad)  # the naive recursion counts the shared node twice


def test_gradient_descent_diverges_exactly_above_two_over_lambda_max(nb):
    start = nb.bowl_loss(np.array(nb.W0))
    for lr in (0.01, 0.1, 0.19):
        assert nb.bowl_loss(nb.gradient_descent(nb.bowl_grad, nb.W0, lr, 300)[-1]) < start
    assert nb.bowl_loss(nb.gradient_descent(nb.bowl_grad, nb.W0, 0.21, 300)[-1]) > 1e6 * start
    path = nb.gradient_descent(nb.bowl_grad, nb.W0, 0.25, 10_000)
    assert len(path) < 10_001 and np.all(np.isfinite(path))  # stops early instead of overflowing


def test_deep_net_gradients_vanish_with_sigmoid_only(nb):
    rng = np.random.default_rng(0)
    X, y = rng.random((32, 784)), rng.integers(0, 10, size=32)
    sig = nb.gradient_norms(nb.deep_net(nb.Sigmoid), X, y)
    relu = nb.gradient_norms(nb.deep_net(nb.ReLU), X, y)
    assert len(sig) == len(relu) == nb.DEPTH
    assert sig[0] < 1e-4 * sig[-1] and relu[0] > 1e-2 * relu[-1]


def test_notebook_to_torch_copies_weights_transposed(nb):
    device = nb.get_device()
    nb.to_torch.__globals__["device"] = device  # set by a notebook cell that notebook_defs does not run
    rng = np.random.default_rng(1)
    net = nb.Sequential(nb.Linear(5, 4, rng), nb.Tanh(), nb.Linear(4, 3, rng))
    X = rng.normal(size=(2, 5))
    out_t = nb.to_torch(net)(torch.from_numpy(X).to(device)).detach().cpu().numpy()
    np.testing.assert_allclose(net.forward(X), out_t, rtol=1e-12, atol=1e-12)
