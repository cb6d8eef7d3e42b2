"""Notebook 03's own NumPy code (the functions a student reads) against PyTorch, on more cases than the
notebook shows: the MLP forward pass vs nn.Sequential for several architectures, activations and batch
sizes (1 included), softmax / log-softmax / cross-entropy and its gradient vs torch on extreme logits,
the parameter-count formula vs PyTorch, clear errors for shapes that do not chain, the hand-set XOR
network, and the "many nets at once" trainer of the play section."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from exercise_feedback import assert_not_attempted, exercise_tests, first_hints
from torch import nn

from helpers.compare import assert_close
from helpers.exercises.solutions.nb03 import SOLUTIONS
from tools.notebooks import notebook_defs

NB = notebook_defs("03_feedforward.ipynb")

TORCH_ACT = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "identity": nn.Identity}
ARCHITECTURES = [
    ([1, 1], ["identity"]),
    ([4, 3], ["sigmoid"]),
    ([3, 4, 4, 2], ["relu", "relu", "identity"]),
    ([64, 32, 10], ["tanh", "identity"]),
    ([2, 8, 8, 8, 1], ["relu", "tanh", "relu", "sigmoid"]),
    ([5, 1, 7, 3], ["tanh", "relu", "identity"]),  # a 1-unit bottleneck
]
BATCHES = [1, 2, 33]


def reference_sequential(params, activations):
    """nn.Sequential built here, independently of the notebook's to_torch: Linear weight = W.T."""
    layers = []
    for (W, b), act in zip(params, activations, strict=True):
        lin = nn.Linear(*W.shape, dtype=torch.float64)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(W).T)
            lin.bias.copy_(torch.from_numpy(b))
        layers += [lin, TORCH_ACT[act]()]
    return nn.Sequential(*layers)


@pytest.mark.parametrize("batch", BATCHES)
@pytest.mark.parametrize("sizes, acts", ARCHITECTURES, ids=lambda a: str(a))
def test_mlp_forward_matches_nn_sequential(sizes, acts, batch):
    rng = np.random.default_rng(batch)
    params = NB.init_mlp(sizes, rng)
    X = rng.normal(scale=2.0, size=(batch, sizes[0]))
    ours = NB.mlp_forward(X, params, acts)
    assert ours.shape == (batch, sizes[-1])
    assert_close(f"MLP {sizes}", ours, reference_sequential(params, acts)(torch.from_numpy(X)), quiet=True)
    # ... and the notebook's own copy into PyTorch agrees too
    assert_close(f"to_torch {sizes}", ours, NB.to_torch(params, acts)(torch.from_numpy(X)), quiet=True)


def test_init_mlp_shapes_and_scale():
    rng = np.random.default_rng(0)
    params = NB.init_mlp([100, 50, 3], rng)
    assert [(W.shape, b.shape) for W, b in params] == [((100, 50), (50,)), ((50, 3), (3,))]
    W1, b1 = params[0]
    assert np.abs(W1).max() <= 0.1 and np.abs(b1).max() <= 0.1  # U(-1/sqrt(100), 1/sqrt(100))
    assert W1.std() > 0.04  # really spread over that range, not all zeros
    with pytest.raises(ValueError, match="at least 2 positive ints"):
        NB.init_mlp([3], rng)
    with pytest.raises(ValueError, match="at least 2 positive ints"):
        NB.init_mlp([3, 0, 2], rng)


def test_rows_are_independent():
    """A batch is N examples side by side: each output row depends only on its own input row."""
    rng = np.random.default_rng(1)
    params = NB.init_mlp([6, 5, 4], rng)
    X = rng.normal(size=(9, 6))
    full = NB.mlp_forward(X, params, ["tanh", "identity"])
    for i in [0, 4, 8]:
        np.testing.assert_allclose(NB.mlp_forward(X[i:i + 1], params, ["tanh", "identity"]), full[i:i + 1])


@pytest.mark.parametrize("sizes", [[2, 1], [1, 1, 1], [3, 4, 4, 2], [64, 64, 10], [784, 128, 64, 10],
                                   [10, 300, 300, 300, 1]], ids=str)
def test_count_params_matches_pytorch(sizes):
    net = nn.Sequential(*[nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:], strict=True)])
    assert NB.count_params(sizes) == sum(p.numel() for p in net.parameters())
    assert NB.count_params(sizes) == sum(W.size + b.size for W, b in NB.init_mlp(sizes, np.random.default_rng(0)))


# --- bad shapes are rejected with a message that says what is wrong -------------------------------

def _params():
    return NB.init_mlp([3, 4, 2], np.random.default_rng(2))


@pytest.mark.parametrize("X, match", [
    (np.ones(3), r"X must be 2-D \(N, d_in\).*got shape \(3,\).*reshape\(1, -1\)"),
    (np.ones((2, 3, 1)), r"X must be 2-D"),
    (np.ones((5, 7)), r"layer 1: W has shape \(3, 4\), so it expects 3 inputs, but X has 7 features"),
])
def test_bad_input_is_rejected(X, match):
    with pytest.raises(ValueError, match=match):
        NB.mlp_forward(X, _params(), ["relu", "identity"])


def test_layers_that_do_not_chain_are_rejected():
    (W1, b1), (W2, b2) = _params()
    bad = [(W1, b1), (np.ones((5, 2)), b2)]  # layer 1 outputs 4 features, layer 2 expects 5
    with pytest.raises(ValueError, match=r"layer 2: W has shape \(5, 2\), so it expects 5 inputs, "
                                         r"but layer 1 outputs 4 features"):
        NB.mlp_forward(np.ones((2, 3)), bad, ["relu", "identity"])


def test_bad_bias_activation_count_and_name_are_rejected():
    (W1, b1), (W2, b2) = _params()
    X = np.ones((2, 3))
    with pytest.raises(ValueError, match=r"layer 1: W must be \(d_in, d_out\) and b \(d_out,\), got W \(3, 4\), "
                                         r"b \(1, 4\)"):
        NB.mlp_forward(X, [(W1, b1[None, :]), (W2, b2)], ["relu", "identity"])
    with pytest.raises(ValueError, match="2 layers of weights but 1 activations"):
        NB.mlp_forward(X, [(W1, b1), (W2, b2)], ["relu"])
    with pytest.raises(ValueError, match="layer 2: unknown activation 'softmax'"):
        NB.mlp_forward(X, [(W1, b1), (W2, b2)], ["relu", "softmax"])


# --- linear layers collapse; activations prevent it ---------------------------------------------------

def test_linear_layers_collapse_and_relu_does_not():
    rng = np.random.default_rng(3)
    W1, b1, W2, b2 = rng.normal(size=(4, 9)), rng.normal(size=9), rng.normal(size=(9, 3)), rng.normal(size=3)
    X = rng.normal(size=(6, 4))
    stacked = NB.mlp_forward(X, [(W1, b1), (W2, b2)], ["identity", "identity"])
    np.testing.assert_allclose(NB.dense(X, W1 @ W2, b1 @ W2 + b2), stacked, rtol=1e-12, atol=1e-12)
    X2 = rng.normal(size=(6, 4))
    assert NB.affine_gap(lambda A: NB.mlp_forward(A, [(W1, b1), (W2, b2)], ["identity", "identity"]), X, X2) < 1e-10
    assert NB.affine_gap(lambda A: NB.mlp_forward(A, [(W1, b1), (W2, b2)], ["relu", "identity"]), X, X2) > 0.1


def test_hand_set_xor_network():
    out = NB.mlp_forward(NB.X_XOR, NB.XOR_PARAMS, ["step", "step"])
    np.testing.assert_array_equal(out[:, 0], NB.Y_XOR)


# --- softmax, log-softmax, cross-entropy on extreme logits ---------------------------------------------

EXTREME = [
    np.array([[1000.0, 1001.0, 1002.0], [-1000.0, -1001.0, -1002.0]]),
    np.array([[1e4, 0.0, -1e4], [0.0, 0.0, 0.0]]),
    np.array([[710.0, -745.0, 0.0, 3.0]]),                          # just past exp's overflow / underflow
    np.random.default_rng(4).normal(scale=400.0, size=(7, 10)),
    np.random.default_rng(5).normal(size=(1, 2)),                   # a batch of 1, two classes
    np.full((3, 5), -3e5),                                          # all equal, hugely negative
]


@pytest.mark.parametrize("Z", EXTREME, ids=lambda z: f"{z.shape}")
def test_softmax_family_matches_torch(Z):
    y = np.arange(Z.shape[0]) % Z.shape[1]
    Z_t = torch.tensor(Z, requires_grad=True)
    loss_t = F.cross_entropy(Z_t, torch.tensor(y))
    loss_t.backward()
    P = NB.softmax(Z)
    assert np.all(np.isfinite(P)) and np.allclose(P.sum(axis=1), 1.0)
    assert np.all(np.isfinite(NB.log_softmax(Z)))
    assert_close("softmax", P, torch.softmax(Z_t, dim=1), quiet=True)
    assert_close("log_softmax", NB.log_softmax(Z), F.log_softmax(Z_t, dim=1), quiet=True)
    assert_close("cross-entropy", NB.cross_entropy(Z, y), loss_t, quiet=True)
    assert_close("cross-entropy grad", NB.cross_entropy_grad(Z, y), Z_t.grad, quiet=True)


def test_softmax_does_not_modify_its_input_and_naive_one_breaks():
    Z = np.array([[1000.0, 1001.0, 1002.0]])
    Z_copy = Z.copy()
    NB.softmax(Z), NB.log_softmax(Z), NB.cross_entropy_grad(Z, np.array([1]))
    np.testing.assert_array_equal(Z, Z_copy)
    with np.errstate(over="ignore", invalid="ignore"):
        assert np.isnan(NB.softmax_naive(Z)).all()  # the lesson of the notebook: overflow gives nan


def test_mse_and_sigmoid_match_torch():
    rng = np.random.default_rng(6)
    a, b = rng.normal(size=(8, 3)), rng.normal(size=(8, 3))
    assert_close("mse", NB.mse(a, b), F.mse_loss(torch.from_numpy(a), torch.from_numpy(b)), quiet=True)
    z = np.array([-1000.0, -40.0, -1.0, 0.0, 2.0, 40.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # no warning even at +-1000
        s = NB.sigmoid(z)
    assert_close("sigmoid", s, torch.sigmoid(torch.from_numpy(z)), quiet=True)


# --- the play section's trainer: M nets in one padded tensor are M independent nets --------------------

def test_train_many_is_the_same_as_training_alone():
    rng = np.random.default_rng(7)
    X = rng.uniform(-2, 2, size=(40, 1))
    Y = np.sin(3 * X)
    torch.manual_seed(0)
    alone = NB.train_many(X, Y, F.mse_loss, [3], depth=2, steps=60)[0]
    torch.manual_seed(0)  # net 0 draws its initial weights first, so it starts from the same weights
    together = NB.train_many(X, Y, F.mse_loss, [3, 8, 1], depth=2, steps=60)
    assert [W.shape for W, _ in together[1]] == [(1, 8), (8, 8), (8, 1)]
    for (Wa, ba), (Wt, bt) in zip(alone, together[0], strict=True):
        np.testing.assert_allclose(Wt, Wa, atol=1e-4)
        np.testing.assert_allclose(bt, ba, atol=1e-4)
    acts = ["tanh", "tanh", "identity"]
    torch.manual_seed(0)
    untrained = NB.train_many(X, Y, F.mse_loss, [8], depth=2, steps=0)[0]
    assert NB.mse(NB.mlp_forward(X, together[1], acts), Y) < NB.mse(NB.mlp_forward(X, untrained, acts), Y) / 2


def test_two_spirals():
    X, y = NB.two_spirals(50, np.random.default_rng(8))
    assert X.shape == (100, 2) and y.shape == (100,) and set(np.unique(y)) == {0, 1}
    assert np.abs(X).max() < 1.5


# --- the capacity sliders: every control draws at both ends and changes the figure's data --------------

def test_capacity_slider_cell():
    from ipywidgets import SelectionSlider

    from helpers.widgets import int_slider, sweep

    rng = np.random.default_rng(9)
    x_1d = np.sort(rng.uniform(-2, 2, 20))[:, None]
    X_sp, y_sp = NB.two_spirals(30, rng)
    fits_1d = {(w, d): NB.init_mlp([1] + [w] * d + [1], rng) for w in NB.WIDTHS for d in NB.DEPTHS}
    fits_sp = {(w, d): NB.init_mlp([2] + [w] * d + [1], rng) for w in NB.WIDTHS for d in NB.DEPTHS}
    NB.draw_capacity.__globals__.update(
        x_1d=x_1d, y_1d=np.sin(3 * x_1d), X_sp=X_sp, y_sp=y_sp, x_plot=np.linspace(-2.2, 2.2, 50)[:, None],
        FITS_1D=fits_1d, FITS_SP=fits_sp, MSE_1D=dict.fromkeys(fits_1d, 0.5), ACC_SP=dict.fromkeys(fits_sp, 0.75))
    controls = {"width": SelectionSlider(options=NB.WIDTHS, value=4, description="hidden width"),
                "depth": int_slider("hidden layers", 1, 1, 3)}
    texts = sweep(NB.draw_capacity, controls, figsize=(11, 4), ncols=2)
    assert len(texts) == len(NB.WIDTHS) + 2
    assert texts[("width", 32)] == (f"sine: {NB.count_params([1, 32, 1])} parameters, training MSE 0.500   |   "
                                    f"spirals: {NB.count_params([2, 32, 1])} parameters, training accuracy 75.0%")


# --- exercises: the reference solutions pass, typical mistakes are rejected with a hint -----------------

def _softmax_naive(Z):
    E = np.exp(Z)
    return E / E.sum(axis=1, keepdims=True)


def _softmax_in_place(Z):
    Z -= Z.max(axis=1, keepdims=True)
    E = np.exp(Z)
    return E / E.sum(axis=1, keepdims=True)


def _softmax_columns(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)


def _collapse_sum_biases(params):
    W = np.eye(params[0][0].shape[0])
    for Wl, _ in params:
        W = W @ Wl
    return W, params[-1][1]


def _grad(transpose=False, onehot=True, mean=True, db_mean=False, sign=1.0):
    """Wrong (and right) variants of the output layer's gradient."""
    def output_layer_grad(H, W, b, y):
        G = NB.softmax(H @ W + b)
        if onehot:
            G[np.arange(len(y)), y] -= 1.0
        G = sign * G / (len(y) if mean else 1)
        dW = G.T @ H if transpose else H.T @ G
        return dW, (G.mean(axis=0) if db_mean else G.sum(axis=0))
    return output_layer_grad


def _grad_with_autograd(H, W, b, y):     # right numbers, but the exercise asks for the chain rule by hand
    W_t, b_t = torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True)
    F.cross_entropy(torch.tensor(H) @ W_t + b_t, torch.tensor(y)).backward()
    return W_t.grad.numpy(), b_t.grad.numpy()


# Exercises: every reference solution passes, the notebook's stubs are not attempted, every plausible wrong
# answer is rejected with its own message and a hint (tests/exercise_feedback.py: the form every notebook shares).

W1, b1, W2, b2 = SOLUTIONS["03.xnor"]
WRONG = [
    ("03.forward_shapes", lambda N, sizes: [(N, sizes[0])], "returned 1 shapes"),
    ("03.forward_shapes", lambda N, sizes: [(N, sizes[0])] + [s for a, b in zip(sizes, sizes[1:], strict=False)
                                                             for s in [(a, b), (1, b), (N, b)]], "bias is 1-D"),
    ("03.forward_shapes", lambda N, sizes: [(N, sizes[0])] + [s for a, b in zip(sizes, sizes[1:], strict=False)
                                                             for s in [(b, a), (b,), (N, b)]], "W1 should be"),
    ("03.forward_shapes", lambda N, sizes: [(sizes[0], N)] + [s for a, b in zip(sizes, sizes[1:], strict=False)
                                                             for s in [(a, b), (b,), (b, N)]], "X should be"),
    ("03.forward_shapes", lambda N, sizes: [None], "list of shape tuples"),
    ("03.softmax", _softmax_naive, "np.exp overflows"),
    ("03.softmax", _softmax_in_place, "changed Z in place"),
    ("03.softmax", _softmax_columns, "normalise each ROW"),
    ("03.softmax", lambda Z: np.exp(Z - Z.max(axis=1, keepdims=True)), "do not sum to 1"),
    ("03.softmax", lambda Z: Z[:, :1], "you returned shape"),
    ("03.softmax", lambda Z: np.full(Z.shape, 1.0 / Z.shape[1]), "wrong probabilities"),
    ("03.softmax", lambda Z: torch.softmax(torch.tensor(Z), dim=1).numpy(), "uses softmax"),
    ("03.softmax", lambda Z: NB.softmax(Z), "uses softmax"),
    ("03.xnor", (W1, b1, W2, b2 + 1.0), "XNOR is [1 0 0 1]"),
    ("03.xnor", (-W1, -b1, W2, b2), "hidden units give"),
    ("03.xnor", (W1, b1, W2.ravel(), b2), "W2 must have shape (2, 1)"),
    ("03.xnor", (W1.T[:1], b1, W2, b2), "W1 must have shape (2, 2)"),
    ("03.xnor", (W1, b1, W2), "four arrays"),
    ("03.collapse", _collapse_sum_biases, "W is right but b is not"),
    ("03.collapse", lambda params: (params[0][0], params[0][1]), "should be"),
    ("03.collapse", lambda params: params[0][0], "pair (W, b)"),
    ("03.collapse", lambda params: (np.eye(params[0][0].shape[0], params[-1][0].shape[1]),
                                    np.zeros(params[-1][0].shape[1])), "differs from the stacked layers"),
    ("03.output_layer_grad", _grad(onehot=False), "leaves out the true class"),
    ("03.output_layer_grad", _grad(sign=-1.0), "wrong sign"),
    ("03.output_layer_grad", _grad(mean=False), "MEAN"),
    ("03.output_layer_grad", _grad(db_mean=True), "not the mean"),
    ("03.output_layer_grad", _grad(transpose=True), "transpose it"),
    ("03.output_layer_grad", lambda H, W, b, y: (H.T @ H @ W, b), "not Hᵀ ∂CE/∂Z"),
    ("03.output_layer_grad", lambda H, W, b, y: (_grad()(H, W, b, y)[0], 0 * b), "db is not"),
    ("03.output_layer_grad", lambda H, W, b, y: (W, b[:1]), "db must have b's shape"),
    ("03.output_layer_grad", lambda H, W, b, y: W, "a pair (dW, db)"),
    ("03.output_layer_grad", _grad_with_autograd, "uses torch"),
]


(test_reference_solutions_pass, test_wrong_answers_are_rejected_with_a_hint,
 test_every_checker_has_wrong_answers) = exercise_tests(SOLUTIONS, WRONG)


def test_stubs_count_as_not_attempted(capsys):
    stubs = {"03.forward_shapes": NB.forward_shapes, "03.softmax": NB.my_softmax, "03.xnor": (..., ..., ..., ...),
             "03.collapse": NB.collapse, "03.output_layer_grad": NB.output_layer_grad}
    assert set(stubs) == set(SOLUTIONS)
    assert_not_attempted(stubs, capsys)


def test_first_hints_do_not_give_the_answer_away():
    first = first_hints("03", SOLUTIONS)
    assert not any(s in first["03.softmax"] for s in ("largest", ".max(", "keepdims"))
    assert not any(s in first["03.xnor"] for s in ("1.5", "0.5", "−1"))
    assert "np.eye" not in first["03.collapse"] and "W Wl" not in first["03.collapse"]
    assert "H.T" not in first["03.output_layer_grad"] and "Hᵀ" not in first["03.output_layer_grad"]
    assert "(d_in, d_out)" not in first["03.forward_shapes"]
