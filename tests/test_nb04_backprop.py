"""Notebook 04 teaches exactly the code that helpers/scratch/layers.py exports (so what the notebook teaches and
what later notebooks import cannot drift apart), and the notebook's own code is right: its Value engine
agrees with torch.autograd on several expressions, its pitfall demonstrations really go wrong, and its
gradient descent diverges exactly above 2 / λ_max; its slider explorer shows that; every exercise's reference
solution passes and plausible wrong answers are rejected with a hint."""


import numpy as np
import pytest
import torch
from exercise_feedback import assert_not_attempted, exercise_tests, first_hints

import helpers.scratch.engine
import helpers.scratch.layers
import helpers.scratch.layers as L
import helpers.scratch.optim
from helpers.exercises import check
from helpers.exercises.solutions.nb04 import SOLUTIONS, train_step
from helpers.widgets import render
from tools.notebooks import assert_same_source, notebook_defs

NOTEBOOK = "04_backprop.ipynb"
TAUGHT = ["check_float_input", "check_dY", "linear_forward", "linear_backward", "relu",
          "relu_backward", "sigmoid", "sigmoid_backward", "tanh", "tanh_backward", "log_softmax", "softmax",
          "softmax_cross_entropy", "Linear", "ReLU", "Sigmoid", "Tanh", "Flatten", "Sequential", "SGD"]


@pytest.fixture(scope="module")
def nb():
    return notebook_defs(NOTEBOOK)


def test_notebook_teaches_the_same_code_as_helpers_layers():
    assert_same_source(NOTEBOOK, helpers.scratch.layers, TAUGHT)
    assert set(helpers.scratch.layers.__all__) <= {*TAUGHT, "Value"}, "every exported name is taught in the notebook"


def test_notebook_teaches_the_engine_as_helpers_engine_has_it():
    assert_same_source(NOTEBOOK, helpers.scratch.engine, ["Value"])  # its own file, as micrograd's engine.py
    assert helpers.scratch.engine.__all__ == ["Value"] and helpers.scratch.layers.Value is helpers.scratch.engine.Value


def test_notebook_teaches_adam_as_helpers_optim_has_it():
    assert_same_source(NOTEBOOK, helpers.scratch.optim, ["Adam"])  # notebooks 10-13 import it from there
    assert set(helpers.scratch.optim.__all__) == {"Adam"}


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
    a, c, L = nb.diamond()
    runs = []
    c_backward = c._backward
    c._backward = lambda: (runs.append(c.grad), c_backward())
    L.grad = 1.0
    nb.naive_backward(L)
    a_ok, c_ok, L_ok = nb.diamond()
    L_ok.backward()
    # the naive recursion runs the shared node's backward twice (here both times with its complete gradient)
    assert len(runs) == 2 and runs == pytest.approx([c_ok.grad, c_ok.grad])
    assert a.grad == pytest.approx(2 * a_ok.grad)


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


def test_descent_explorer_shows_divergence_only_above_the_limit(nb):
    """The slider cell's story: at the largest learning rate the path diverges, at the smallest it does not."""
    for lr, diverges in [(0.25, True), (0.21, True), (0.19, False), (0.005, False)]:
        fig, text = render(nb.draw_descent, {"lr": lr, "steps": 30, "momentum": 0.0}, figsize=(6.5, 4.0))
        assert ("diverged" in text) == diverges, text
    fig, text = render(nb.draw_descent, {"lr": 0.02, "steps": 30, "momentum": 0.8}, figsize=(6.5, 4.0))
    assert "diverged" not in text and text.startswith("lr = 0.020, momentum = 0.80")


# Exercises: every reference solution passes; every plausible wrong answer is rejected with a hint.

def test_stubs_count_as_not_attempted(capsys):
    def stub(*args):
        ...  # your code here

    class StubValue(L.Value):
        def __neg__(self):
            ...

        def __sub__(self, other):
            ...

    stubs = {"04.hand_backward": {"a": ..., "b": ..., "c": ...}, "04.leaky_relu_backward": stub, "04.max_lr": ...,
             "04.value_sub": StubValue, "04.train_step": stub}
    assert set(stubs) == set(SOLUTIONS)
    assert_not_attempted(stubs, capsys)


class _LeafNeg(L.Value):  # -a as a NEW leaf: right value, but backward cannot reach a
    def __neg__(self):
        return L.Value(-self.data)

    def __sub__(self, other):
        return self + (-other)


class _AddInsteadOfSub(L.Value):
    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + other


class _SubByValue(L.Value):  # a - b computed on the numbers: right value, no gradient
    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        other = other if isinstance(other, L.Value) else L.Value(other)
        return L.Value(self.data - other.data)


def _step_with(grad_scale=1.0, sign=-1.0, through_relu=True, first_layer=True):
    """A training step with one classic mistake switched on."""
    def step(params, X, y, lr):
        Z1 = L.linear_forward(X, params["W1"], params["b1"])
        A1 = L.relu(Z1)
        loss, dlogits = L.softmax_cross_entropy(L.linear_forward(A1, params["W2"], params["b2"]), y)
        dA1, dW2, db2 = L.linear_backward(dlogits * grad_scale, A1, params["W2"])
        dZ1 = L.relu_backward(dA1, Z1) if through_relu else dA1
        _, dW1, db1 = L.linear_backward(dZ1, X, params["W1"])
        grads = {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
        if not first_layer:
            grads["W1"], grads["b1"] = 0 * dW1, 0 * db1
        return loss, {k: params[k] + sign * lr * grads[k] for k in params}
    return step


def _step_via_torch(params, X, y, lr):
    import torch  # the bypass: autograd does the work
    p = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    loss = torch.nn.functional.cross_entropy(torch.relu(torch.tensor(X) @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"],
                                             torch.tensor(y))
    loss.backward()
    return loss.item(), {k: params[k] - lr * p[k].grad.numpy() for k in params}


WRONG = [
    ("04.hand_backward", {"a": -1.0, "b": 9.0, "c": 3.0}, "only one of the two uses"),  # ab + c
    ("04.hand_backward", {"a": -6.0, "b": 9.0, "c": 3.0}, "only one of the two uses"),  # ab
    ("04.hand_backward", {"a": -7.0, "b": 3.0, "c": 3.0}, "∂L/∂b"),
    ("04.hand_backward", {"a": -7.0, "b": 9.0, "c": 1.0}, "∂L/∂c"),
    ("04.hand_backward", {"a": 7.0, "b": 9.0, "c": 3.0}, "∂L/∂a = 7 is not right"),
    ("04.hand_backward", {"a": "x", "b": 9.0, "c": 3.0}, "give a number"),
    ("04.hand_backward", [-7, 9, 3], "answer with a dict"),
    ("04.leaky_relu_backward", lambda dY, X, slope=0.01: dY * (X > 0), "ReLU's backward"),
    ("04.leaky_relu_backward", lambda dY, X, slope=0.01: np.where(X > 0, 1.0, slope), "local slope alone"),
    ("04.leaky_relu_backward", lambda dY, X, slope=0.01: np.where(X > 0, dY, slope), "slope · dY"),
    ("04.leaky_relu_backward", lambda dY, X, slope=0.01: dY * np.where(X > 0, 1.0, 0.01), "use the `slope`"),
    ("04.leaky_relu_backward", lambda dY, X, slope=0.01: dY * np.where(X > 0, slope, 1.0), "wrong values"),
    ("04.leaky_relu_backward", lambda dY, X, slope=0.01: dY.sum(axis=0), "shape of X"),
    ("04.max_lr", 2.0, "SHALLOW direction"),
    ("04.max_lr", 1.0, "not the coefficient 2"),
    ("04.max_lr", 0.25, "converge in one step"),
    ("04.max_lr", 0.5009, "diverges"),  # just above the limit: |1 - 4·lr| > 1
    ("04.max_lr", 0.6, "diverges"),
    ("04.max_lr", 0.49, "find the largest"),
    ("04.max_lr", 0.0, "positive number"),
    ("04.max_lr", "half", "one number"),
    ("04.max_lr", True, "one number"),
    ("04.value_sub", _LeafNeg, "d(-a)/da should be -1"),
    ("04.value_sub", _AddInsteadOfSub, "a - b should be 5.0"),
    ("04.value_sub", _SubByValue, "d(a - b)/da should be 1"),
    ("04.train_step", lambda params, X, y, lr: (0.0, params), "loss"),
    ("04.train_step", lambda params, X, y, lr: (train_step(params, X, y, lr)[0], params), "did not move"),
    ("04.train_step", _step_with(sign=+1.0), "uphill"),
    ("04.train_step", _step_with(through_relu=False), "through the ReLU"),
    ("04.train_step", _step_with(first_layer=False), "W2 and b2 are right"),
    ("04.train_step", lambda params, X, y, lr: train_step(params, X, y, lr)[1], "(loss, new_params)"),
    ("04.train_step", _step_via_torch, "your code uses torch"),
    ("04.train_step", lambda params, X, y, lr: (train_step(params, X, y, lr)[0],
                                                {**train_step(params, X, y, lr)[1], "b1": params["b1"]}),
     "new b1 is not what gradient descent gives"),
]


(test_reference_solutions_pass, test_wrong_answers_are_rejected_with_a_hint,
 test_every_checker_has_wrong_answers) = exercise_tests(SOLUTIONS, WRONG)


def test_train_step_catches_a_gradient_n_times_too_large(capsys):
    def step(params, X, y, lr):  # the loss is a mean: forgetting the 1/N makes every gradient N times larger
        return _step_with(grad_scale=len(X))(params, X, y, lr)
    assert check("04.train_step", step) is False
    assert "N times too large" in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------------------------
# Section 2: the ValueMLP trained with the engine


@pytest.mark.parametrize("sizes", [(2, 4, 1), (3, 5, 4, 1)])
def test_value_mlp_gradients_equal_autograd(nb, sizes):
    rng = np.random.default_rng(sum(sizes))
    net = nb.ValueMLP(sizes, rng)
    for p in net.parameters():  # random biases too, so that their gradients are tested
        p.data += float(rng.normal(scale=0.1))
    X, t = rng.normal(size=(7, sizes[0])), rng.choice([-1.0, 1.0], size=7)
    loss = nb.logistic_loss([net(list(x)) for x in X], t)
    loss.backward()
    layers = [nb.as_tensors(layer) for layer in net.layers]
    H = torch.tensor(X)
    for i, (W, b) in enumerate(layers):
        H = H @ W.T + b
        if i < len(layers) - 1:
            H = torch.relu(H)
    loss_t = torch.nn.functional.softplus(-torch.tensor(t) * H[:, 0]).mean()
    loss_t.backward()
    theirs = torch.cat([torch.cat([W.grad, b.grad[:, None]], dim=1).flatten() for W, b in layers])
    assert loss.data == pytest.approx(loss_t.item(), rel=1e-12)
    np.testing.assert_allclose([p.grad for p in net.parameters()], theirs.numpy(), rtol=1e-10, atol=1e-13)


# ---------------------------------------------------------------------------------------------------------------
# Section 5: minibatch gradients, Adam (taught here; notebooks 10-13 import it), the optimiser comparison


def test_gradient_vector_is_every_gradient_of_the_mean_loss(nb):
    rng = np.random.default_rng(3)
    net = nb.Sequential(nb.Linear(6, 5, rng), nb.ReLU(), nb.Linear(5, 4, rng))
    net_t = nb.to_torch(net)
    X, y = rng.normal(size=(9, 6)), rng.integers(0, 4, size=9)
    torch.nn.functional.cross_entropy(net_t(torch.tensor(X)), torch.tensor(y)).backward()
    expected = np.concatenate([(p.grad.T if p.dim() == 2 else p.grad).numpy().ravel() for p in net_t.parameters()])
    np.testing.assert_allclose(nb.gradient_vector(net, X, y), expected, rtol=1e-10, atol=1e-14)


def test_assert_same_training_catches_an_optimiser_that_differs(nb):
    rng = np.random.default_rng(4)
    net = nb.Sequential(nb.Linear(20, 6, rng), nb.Tanh(), nb.Linear(6, 5, rng))
    net_t = nb.to_torch(net)
    with pytest.raises(AssertionError):  # Adam's betas differ from torch's defaults: the twins drift apart
        nb.assert_same_training(net, net_t, nb.Adam(net, lr=0.01, betas=(0.5, 0.999)),
                                torch.optim.Adam(net_t.parameters(), lr=0.01))


@pytest.mark.parametrize("betas,lr", [((0.9, 0.999), 1e-3), ((0.5, 0.999), 0.05), ((0.0, 0.9), 0.3)], ids=str)
def test_adam_matches_torch_over_several_steps(nb, betas, lr):
    rng = np.random.default_rng(0)
    layer = nb.Linear(3, 4, rng)
    layer.params["b"][:] = rng.normal(size=4)
    W_t = torch.tensor(layer.params["W"], requires_grad=True)
    b_t = torch.tensor(layer.params["b"], requires_grad=True)
    ours, theirs = nb.Adam(layer, lr, betas), torch.optim.Adam([W_t, b_t], lr=lr, betas=betas)
    for step in range(6):
        X, R = rng.normal(size=(5, 3)), rng.normal(size=(5, 4))
        layer.forward(X)
        layer.backward(R * (step + 1) ** 2)  # gradients of growing size: the second moment matters
        theirs.zero_grad()
        ((torch.tensor(X) @ W_t + b_t) * torch.tensor(R * (step + 1) ** 2)).sum().backward()
        ours.step()
        theirs.step()
        np.testing.assert_allclose(layer.params["W"], W_t.detach().numpy(), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(layer.params["b"], b_t.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_adam_changes_the_parameters_in_place_and_follows_a_schedule(nb):
    rng = np.random.default_rng(1)
    net = nb.Sequential(nb.Linear(2, 3, rng), nb.ReLU(), nb.Linear(3, 1, rng))
    W = net.layers[0].params["W"]
    before = W.copy()
    opt = nb.Adam(net, 0.1)
    net.forward(rng.normal(size=(4, 2)))
    net.backward(np.ones((4, 1)))
    opt.lr = 0.0  # a schedule that has run out: no change
    opt.step()
    assert np.array_equal(W, before)
    opt.lr = 0.1
    opt.step()
    assert net.layers[0].params["W"] is W and not np.array_equal(W, before)
    # Adam's first step moves every parameter with a nonzero gradient by about lr, whatever the gradient's size
    moved = np.abs(W - before)[net.layers[0].grads["W"] != 0]
    np.testing.assert_allclose(moved, 0.1, rtol=1e-6)


@pytest.mark.parametrize("kwargs,message", [({"lr": 0}, "lr > 0"), ({"lr": "0.1"}, "lr > 0"),
                                            ({"lr": 0.1, "betas": (0.9,)}, "betas"),
                                            ({"lr": 0.1, "betas": (1.0, 0.9)}, "betas")])
def test_adam_rejects_bad_settings(nb, kwargs, message):
    with pytest.raises(ValueError, match=message):
        nb.Adam(nb.Linear(2, 2, np.random.default_rng(0)), **kwargs)
    with pytest.raises(ValueError, match="params and grads"):
        nb.Adam([object()], 0.1)


# ---------------------------------------------------------------------------------------------------------------
# Section 6: initialisation and clipping


def test_activation_sizes_follow_the_variance_argument(nb):
    X = np.random.default_rng(5).normal(size=(256, 64))
    he = nb.activation_sizes(lambda d_in, d_out: np.sqrt(2 / d_in), X, depth=10, width=128)
    small = nb.activation_sizes(lambda d_in, d_out: np.sqrt(0.5 / d_in), X, depth=10, width=128)
    assert he.shape == (10,) and 0.5 < he[-1] / he[0] < 2  # He keeps a ReLU network's signal
    # a quarter of He's variance: each layer multiplies the size by about sqrt(1/4) = 1/2
    np.testing.assert_allclose(small[1:] / small[:-1], 0.5, rtol=0.15)


@pytest.mark.parametrize("scale,max_norm", [(10.0, 1.0), (0.01, 1.0), (3.0, 0.5)])
def test_clip_gradients_equals_torch_clip_grad_norm(nb, scale, max_norm):
    rng = np.random.default_rng(6)
    grads = [scale * rng.normal(size=shape) for shape in [(4, 3), (3,), (3, 2)]]
    tensors = [torch.nn.Parameter(torch.zeros(g.shape, dtype=torch.float64)) for g in grads]
    for t, g in zip(tensors, grads, strict=True):
        t.grad = torch.tensor(g)
    before = [g.copy() for g in grads]
    norm = nb.clip_gradients(grads, max_norm)
    norm_t = torch.nn.utils.clip_grad_norm_(tensors, max_norm)
    assert norm == pytest.approx(norm_t.item(), rel=1e-12)
    for g, t, b in zip(grads, tensors, before, strict=True):
        np.testing.assert_allclose(g, t.grad.numpy(), rtol=1e-12, atol=1e-15)
        assert np.allclose(g / np.linalg.norm(g), b / np.linalg.norm(b))  # the direction is kept
    joint = np.sqrt(sum(np.sum(g * g) for g in grads))
    assert joint <= max_norm * (1 + 1e-9) and (norm > max_norm or np.allclose(joint, norm))


def test_first_hints_do_not_give_the_answer_away():
    firsts = first_hints("04", SOLUTIONS)
    assert not any(s in firsts["04.hand_backward"] for s in ("-7", "−7", "9", "3."))
    assert "0.01" not in firsts["04.leaky_relu_backward"] and "np.where" not in firsts["04.leaky_relu_backward"]
    assert "0.5" not in firsts["04.max_lr"] and "2/" not in firsts["04.max_lr"]
    assert "* -1" not in firsts["04.value_sub"] and "__neg__" not in firsts["04.value_sub"]
    assert "@" not in firsts["04.train_step"] and ".T" not in firsts["04.train_step"]
