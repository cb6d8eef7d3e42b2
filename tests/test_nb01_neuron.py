"""Notebook 01's own NumPy code (the functions a student reads) against PyTorch, on more shapes than the
notebook shows: every activation and its derivative vs autograd, the neuron vs nn.Linear, the neuron's
and the loss's gradients vs autograd, and clear errors for badly shaped inputs."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from exercise_feedback import assert_not_attempted, exercise_tests, first_hints

from helpers.compare import assert_close
from helpers.exercises.solutions.nb01 import SOLUTIONS
from tools.notebooks import notebook_defs

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


# ---- the sliders: every control draws at both ends and changes the figure's data ------------------------

def _iris_globals():
    """The data the slider cell reads from the notebook's namespace (set by statements notebook_defs skips)."""
    from helpers import data

    iris = data.load("iris")
    keep = iris.y > 0
    X_cm, y_all = iris.X[keep][:, 2:4], (iris.y[keep] == 2).astype(np.float64)
    X_all = (X_cm - X_cm.mean(axis=0)) / X_cm.std(axis=0)
    NB.draw_iris_neuron.__globals__.update(X_all=X_all, y_all=y_all, X_train=X_all[::2], y_train=y_all[::2],
                                           X_test=X_all[1::2], y_test=y_all[1::2], test_acc=0.9)


def test_iris_neuron_slider_cell():
    from helpers.widgets import dropdown, slider, sweep

    _iris_globals()
    controls = {"w1": slider("w1", 1.0, -4, 4), "w2": slider("w2", 1.0, -4, 4), "b": slider("b", 0.0, -4, 4),
                "activation": dropdown("activation", NB.ACTIVATIONS, "sigmoid")}
    texts = sweep(NB.draw_iris_neuron, controls, figsize=(6.5, 4.5))
    assert len(texts) == 3 * 2 + len(NB.ACTIVATIONS)
    assert all(t.startswith("accuracy: train ") and "(trained neuron: test 0.900)" in t for t in texts.values())


def test_activation_slider_cell():
    import matplotlib.pyplot as plt

    from helpers.widgets import dropdown, render, slider, sweep

    controls = {"activation": dropdown("activation", NB.ACTIVATIONS, "sigmoid"),
                "w": slider("w", 1.0, -3, 3), "b": slider("b", 0.0, -3, 3)}
    texts = sweep(NB.draw_activation, controls)
    assert len(texts) == len(NB.ACTIVATIONS) + 4
    assert texts[("w", -3)] == "z = 0 (the middle of the curve) at x = -b/w = 0.00"
    assert texts[("b", 3)] == "z = 0 (the middle of the curve) at x = -b/w = -3.00"
    fig, text = render(NB.draw_activation, {"activation": "tanh", "w": 0.0, "b": 1.0})
    plt.close(fig)
    assert text.startswith("w = 0: the output is the constant")


# ---- exercises: the reference solutions pass, typical mistakes get a specific message ---------------

def _mse_grad(X, y, w, b):
    p = NB.sigmoid(X @ w + b)
    dz = 2 * (p - y) * p * (1 - p) / len(y)
    return X.T @ dz, dz.sum()


def _step_with(scale_w=1.0, sign=-1.0, bias=True, divide=True):
    """Wrong variants of the mse step: a factor, the sign, no bias update, a sum instead of a mean."""
    def step(X, y, w, b, lr):
        dw, db = _mse_grad(X, y, w, b)
        n = 1 if divide else len(y)
        return w + sign * lr * scale_w * n * dw, b + (sign * lr * scale_w * n * db if bias else 0.0)
    return step


def _bce_step(X, y, w, b, lr):
    dw, db = NB.bce_grad(X, y, w, b)
    return w - lr * dw, b - lr * db


def _autograd_step(X, y, w, b, lr):          # right numbers, but the exercise asks for the chain rule by hand
    w_t = torch.tensor(w, requires_grad=True)
    b_t = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    ((torch.sigmoid(torch.tensor(X) @ w_t + b_t) - torch.tensor(y)) ** 2).mean().backward()
    return w - lr * w_t.grad.numpy(), b - lr * b_t.grad.item()


# Exercises: every reference solution passes, the notebook's stubs are not attempted, every plausible wrong
# answer is rejected with its own message and a hint (tests/exercise_feedback.py: the form every notebook shares).

WRONG = [
    ("01.silu_prime", NB.sigmoid, "only the first term"),
    ("01.silu_prime", lambda z: z * NB.sigmoid_prime(z), "second term"),
    ("01.silu_prime", NB.sigmoid_prime, "the sigmoid's derivative"),
    ("01.silu_prime", lambda z: np.zeros(3), "shape"),
    ("01.silu_prime", lambda z: z * NB.sigmoid(z), "PyTorch autograd"),
    ("01.neuron_by_hand", (-4.0, 0.0, -0.4), "without the bias"),
    ("01.neuron_by_hand", (3.5, 3.5, 3.5), "check the signs"),
    ("01.neuron_by_hand", (-3.5, -3.5, -0.35), "max(0, z)"),
    ("01.neuron_by_hand", (-3.5, 0.0, 0.0), "α·z"),
    ("01.neuron_by_hand", (-3.5, 0.0, -3.5), "with α = 0.1"),
    ("01.neuron_by_hand", (1, 2), "three numbers"),
    ("01.bias_through_point", lambda w, p: float(w @ p), "sign is flipped"),
    ("01.bias_through_point", lambda w, p: 0.0, "not 0"),
    ("01.bias_through_point", lambda w, p: -w * p, "one number"),
    ("01.mse_step", _bce_step, "cross-entropy step"),
    ("01.mse_step", _step_with(scale_w=0.5), "half the step"),
    ("01.mse_step", _step_with(sign=1.0), "uphill"),
    ("01.mse_step", _step_with(divide=False), "MEAN"),
    ("01.mse_step", _step_with(bias=False), "the bias learns too"),
    ("01.mse_step", lambda X, y, w, b, lr: (w, b), "differs from autograd's"),
    ("01.mse_step", lambda X, y, w, b, lr: (w[:1], b), "w's shape"),
    ("01.mse_step", lambda X, y, w, b, lr: w - lr, "a pair (w_new, b_new)"),
    ("01.mse_step", _autograd_step, "uses torch"),
]


(test_reference_solutions_pass, test_wrong_answers_are_rejected_with_a_hint,
 test_every_checker_has_wrong_answers) = exercise_tests(SOLUTIONS, WRONG)


def test_stubs_count_as_not_attempted(capsys):
    stubs = {"01.neuron_by_hand": (..., ..., ...), "01.silu_prime": NB.silu_prime,
             "01.bias_through_point": NB.bias_through, "01.mse_step": NB.mse_step}
    assert set(stubs) == set(SOLUTIONS)
    assert_not_attempted(stubs, capsys)


def test_first_hints_do_not_give_the_answer_away():
    first = first_hints("01", SOLUTIONS)
    assert not any(s in first["01.neuron_by_hand"] for s in ("3.5", "0.35", "2·0.5"))
    assert "−w·p" not in first["01.bias_through_point"] and "np.dot" not in first["01.bias_through_point"]
    assert "sigmoid_prime" not in first["01.silu_prime"] and "σ'" not in first["01.silu_prime"]
    assert "2/N" not in first["01.mse_step"] and "sigmoid_prime" not in first["01.mse_step"]


def test_mse_step_checks_against_fresh_data(capsys):
    """A step that is right only for one stored input (a memorised answer) cannot pass: the data is new each time."""
    from helpers.exercises import check
    from helpers.exercises.solutions.nb01 import mse_step

    seen = []

    def spy(X, y, w, b, lr):
        seen.append(X.copy())
        return mse_step(X, y, w, b, lr)

    assert check("01.mse_step", spy) and check("01.mse_step", spy)
    capsys.readouterr()
    assert len(seen) == 6 and not np.array_equal(seen[0], seen[3])
