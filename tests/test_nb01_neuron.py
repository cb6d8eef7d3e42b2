"""Notebook 01's own NumPy code (the functions a student reads) against PyTorch, on more shapes than the
notebook shows: every activation and its derivative vs autograd, the neuron vs nn.Linear, the neuron's
and the loss's gradients vs autograd, and clear errors for badly shaped inputs."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from notebook_defs import notebook_defs

from helpers.checks import assert_close

NB = notebook_defs("01_neuron.ipynb")
SMOOTH = [name for name in NB.ACTIVATIONS if name != "step"]
SHAPES = [(), (1,), (17,), (5, 3), (2, 3, 4)]


def z_values(shape, seed=0):
    """Random z of the given shape (0-d included), kept away from the kink/jump at 0."""
    z = np.random.default_rng(seed).normal(scale=3.0, size=shape)
    return np.where(np.abs(z) < 1e-3, 0.5, z)


def autograd(torch_fn, z):
    z_t = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    y_t = torch_fn(z_t)
    (g,) = torch.autograd.grad(y_t.sum(), z_t)
    return y_t.detach().numpy(), g.numpy()


def test_the_tables_agree():
    assert list(NB.ACTIVATIONS) == list(NB.TORCH_ACTIVATIONS)
    assert set(NB.ACTIVATIONS) >= {"step", "sigmoid", "tanh", "ReLU", "leaky ReLU"}


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", SMOOTH)
def test_activation_and_derivative_match_autograd(name, shape):
    f, f_prime = NB.ACTIVATIONS[name]
    z = z_values(shape)
    y_ref, g_ref = autograd(NB.TORCH_ACTIVATIONS[name], z)
    y, g = np.asarray(f(z)), np.asarray(f_prime(z))
    assert y.shape == shape and g.shape == shape, f"{name} must keep the shape {shape}"
    assert y.dtype == np.float64 and g.dtype == np.float64
    assert_close(f"{name} {shape}", y, y_ref, quiet=True)
    assert_close(f"{name}' {shape}", g, g_ref, quiet=True)


@pytest.mark.parametrize("name", SMOOTH)
def test_activation_on_python_numbers(name):
    f, f_prime = NB.ACTIVATIONS[name]
    for z in (-2.5, 0.7, 3):
        y_ref, g_ref = autograd(NB.TORCH_ACTIVATIONS[name], np.float64(z))
        assert np.ndim(f(z)) == 0 and np.ndim(f_prime(z)) == 0
        assert_close(name, np.float64(f(z)), y_ref, quiet=True)
        assert_close(name + "'", np.float64(f_prime(z)), g_ref, quiet=True)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "softplus", "GELU"])
def test_no_overflow_and_no_warning_for_huge_inputs(name):
    f, f_prime = NB.ACTIVATIONS[name]
    z = np.array([-1000.0, -50.0, 50.0, 1000.0])
    with np.errstate(over="raise", divide="raise", invalid="raise"):  # no overflow warnings for students
        y, g = f(z), f_prime(z)
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(g))
    y_ref, g_ref = autograd(NB.TORCH_ACTIVATIONS[name], z)
    assert_close(name, y, y_ref, quiet=True)
    assert_close(name + "'", g, g_ref, quiet=True)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_step_and_its_derivative(shape):
    z = z_values(shape)
    y_ref = NB.TORCH_ACTIVATIONS["step"](torch.tensor(z)).numpy()
    assert_close("step", NB.step(z), y_ref, quiet=True)
    assert NB.step_prime(z).shape == shape and np.all(NB.step_prime(z) == 0)
    assert set(np.unique(NB.step(z))) <= {0.0, 1.0}


def test_kink_conventions_match_pytorch_at_zero():
    z = np.zeros(3)
    for name in ("ReLU", "leaky ReLU"):
        _, g_ref = autograd(NB.TORCH_ACTIVATIONS[name], z)
        assert_close(name + "'(0)", NB.ACTIVATIONS[name][1](z), g_ref, quiet=True)
    assert NB.step(0.0) == 1.0


NEURON_SHAPES = [(1, 1), (1, 5), (7, 1), (6, 4), (64, 10)]


@pytest.mark.parametrize("n,d", NEURON_SHAPES)
@pytest.mark.parametrize("name", list(NB.ACTIVATIONS))
def test_neuron_matches_nn_linear(name, n, d):
    rng = np.random.default_rng(n * 100 + d)
    x, w, b = rng.normal(size=(n, d)), rng.normal(size=d), float(rng.normal())
    linear = torch.nn.Linear(d, 1).double()
    with torch.no_grad():
        linear.weight.copy_(torch.tensor(w).reshape(1, d))
        linear.bias.fill_(b)
    f = NB.ACTIVATIONS[name][0]
    ref = NB.TORCH_ACTIVATIONS[name](linear(torch.tensor(x))).squeeze(1)
    out = NB.neuron(x, w, b, f)
    assert out.shape == (n,)
    assert_close(f"neuron {name} ({n}, {d})", out, ref, quiet=True)
    assert_close("transfer", NB.transfer(x, w, b), linear(torch.tensor(x)).squeeze(1), quiet=True)
    # one example (d,) gives one number, equal to the batch's row
    assert np.ndim(NB.neuron(x[0], w, b, f)) == 0
    assert_close("one example", np.float64(NB.neuron(x[0], w, b, f)), out[0], quiet=True)


# The notebook's PyTorch helpers read its global `device` (set by a statement, which notebook_defs does
# not run): give them the CPU here.
NB.torch_neuron.__globals__["device"] = torch.device("cpu")


def test_torch_neuron_copies_the_weights():
    rng = np.random.default_rng(3)
    w, b, x = rng.normal(size=4), 0.7, rng.normal(size=(5, 4))
    linear = NB.torch_neuron(w, b)
    assert linear.weight.dtype == torch.float64 and tuple(linear.weight.shape) == (1, 4)
    assert_close("torch_neuron", NB.transfer(x, w, b), linear(torch.tensor(x)).squeeze(1), quiet=True)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_autograd_derivative_helper(shape):
    z = z_values(shape)
    g = NB.autograd_derivative(torch.tanh, z)
    assert g.shape == shape
    assert_close("autograd_derivative(tanh)", g, 1 - np.tanh(z) ** 2, quiet=True)


@pytest.mark.parametrize("n,d", NEURON_SHAPES)
@pytest.mark.parametrize("name", SMOOTH)
def test_neuron_gradient_matches_autograd(name, n, d):
    rng = np.random.default_rng(7 * n + d)
    x, w, b = rng.normal(size=(n, d)), rng.normal(size=d), float(rng.normal())
    w_t = torch.tensor(w, requires_grad=True)
    b_t = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    NB.TORCH_ACTIVATIONS[name](torch.tensor(x) @ w_t + b_t).sum().backward()
    dw, db = NB.neuron_grad(x, w, b, NB.ACTIVATIONS[name][1])
    assert dw.shape == (d,) and np.ndim(db) == 0
    assert_close(f"dw {name}", dw, w_t.grad, quiet=True)
    assert_close(f"db {name}", np.float64(db), b_t.grad, quiet=True)


@pytest.mark.parametrize("n,d", [(1, 1), (9, 2), (50, 6)])
def test_cross_entropy_and_its_gradient_match_pytorch(n, d):
    rng = np.random.default_rng(n + d)
    x, w, b = rng.normal(size=(n, d)), rng.normal(size=d), float(rng.normal())
    y = (rng.random(n) < 0.5).astype(np.float64)
    w_t = torch.tensor(w, requires_grad=True)
    b_t = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(torch.tensor(x) @ w_t + b_t, torch.tensor(y))
    loss.backward()
    assert_close("bce", np.float64(NB.bce_loss(NB.transfer(x, w, b), y)), loss, quiet=True)
    dw, db = NB.bce_grad(x, y, w, b)
    assert_close("bce dw", dw, w_t.grad, quiet=True)
    assert_close("bce db", np.float64(db), b_t.grad, quiet=True)


def test_bce_is_finite_for_confident_logits():
    z = np.array([-800.0, 800.0])
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        assert NB.bce_loss(z, np.array([0.0, 1.0])) == pytest.approx(0.0, abs=1e-300)
        assert NB.bce_loss(z, np.array([1.0, 0.0])) == pytest.approx(800.0)


@pytest.mark.parametrize("x_shape,w_shape,b,match", [
    ((5, 3), (3, 1), 0.0, r"w must be a 1-D vector of shape \(d,\), got shape \(3, 1\).*ravel"),
    ((5, 3), (1, 3), 0.0, r"w must be a 1-D vector"),
    ((5, 3), (), 0.0, r"w must be a 1-D vector"),
    ((5, 3), (4,), 0.0, r"x must have shape \(N, 4\) or \(4,\).*got shape \(5, 3\)"),
    ((3, 5), (3,), 0.0, r"x must have shape \(N, 3\)"),
    ((2, 5, 3), (3,), 0.0, r"x must have shape \(N, 3\)"),
    ((5, 3), (3,), np.zeros(5), r"b must be a scalar"),
    ((5, 3), (3,), np.zeros((1,)), r"b must be a scalar"),
])
def test_bad_shapes_raise_clear_errors(x_shape, w_shape, b, match):
    x, w = np.ones(x_shape), np.ones(w_shape)
    with pytest.raises(ValueError, match=match):
        NB.transfer(x, w, b)
    with pytest.raises(ValueError, match=match):
        NB.neuron(x, w, b, NB.sigmoid)


def test_lists_are_accepted():
    assert NB.transfer([[1.0, 2.0]], [0.5, -1.0], 0.25).tolist() == [-1.25]
    assert NB.neuron([1.0, 2.0], [0.5, -1.0], 0.25, NB.relu) == 0.0


def test_two_linear_layers_collapse_is_taught_correctly():
    x = np.linspace(-2, 2, 9)[:, None]
    for act in (NB.identity, NB.relu):
        assert NB.neuron(x, np.array([2.0]), 1.0, act).shape == (9,)


# ---- exercises: the reference solutions pass, typical mistakes get a specific message ---------------

def test_exercise_feedback(capsys):
    from helpers.exercises import check
    from helpers.exercises.solutions.nb01 import SOLUTIONS

    for key, answer in SOLUTIONS.items():
        assert check(key, answer) is True, capsys.readouterr().out
    capsys.readouterr()

    wrong = [
        ("01.silu_prime", NB.sigmoid, "only the first term"),
        ("01.silu_prime", lambda z: z * NB.sigmoid_prime(z), "second term"),
        ("01.silu_prime", lambda z: np.zeros(3), "shape"),
        ("01.neuron_by_hand", (-4.0, 0.0, -0.4), "without the bias"),
        ("01.neuron_by_hand", (-3.5, -3.5, -0.35), "max(0, z)"),
        ("01.neuron_by_hand", (-3.5, 0.0, 0.0), "α·z"),
        ("01.neuron_by_hand", (1, 2), "three numbers"),
        ("01.bias_through_point", lambda w, p: float(w @ p), "sign is flipped"),
        ("01.bias_through_point", lambda w, p: 0.0, "not 0"),
        ("01.binary_activation", "sigmoid", "never reaches"),
        ("01.binary_activation", "ReLU", "non-negative"),
        ("01.binary_activation", "swish", "not one of"),
        ("01.binary_activation", 0, "as a string"),
    ]
    for key, answer, message in wrong:
        assert check(key, answer) is False
        out = capsys.readouterr().out
        assert "✗" in out and message in out, f"{key} with {answer!r}: {out}"

    for key in SOLUTIONS:  # the notebook's stubs count as "not attempted"
        stub = (..., ..., ...) if key == "01.neuron_by_hand" else NB.silu_prime if key == "01.silu_prime" else ...
        assert check(key, stub) is False
        assert "not attempted yet" in capsys.readouterr().out
    assert check("01.bias_through_point", NB.bias_through) is False
    assert "not attempted yet" in capsys.readouterr().out
    assert check("01.binary_activation", "Step ") is True
