"""Notebook 02's own code (the functions a student reads) on more cases than the notebook shows: the NumPy
perceptron and the PyTorch one produce the identical sequence of weights on separable and non-separable data,
several learning rates and starts, XOR (never converges) and a 1-example dataset; predictions have the right
shapes and match nn.Linear + heaviside; badly shaped inputs are rejected with a clear message; the exercises
give the right feedback."""

import numpy as np
import pytest
import torch
from exercise_feedback import assert_not_attempted, exercise_tests, first_hints

from helpers.compare import assert_close
from helpers.exercises.solutions.nb02 import SOLUTIONS
from tools.notebooks import notebook_defs

NB = notebook_defs("02_perceptron.ipynb")

X_GATE = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
GATES = {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "NAND": [1, 1, 1, 0], "XOR": [0, 1, 1, 0]}


def separable(n, d, seed, gap=0.1):
    """n examples in d dimensions labelled by a random hyperplane, none closer than `gap` to it."""
    rng = np.random.default_rng(seed)
    w_true, b_true = rng.normal(size=d), rng.normal(scale=0.5)
    X = rng.normal(size=(4 * n, d))
    z = (X @ w_true + b_true) / np.linalg.norm(w_true)
    X, z = X[np.abs(z) > gap][:n], z[np.abs(z) > gap][:n]
    assert len(X) == n
    return X, (z >= 0).astype(np.float64)


def random_labels(n, d, seed):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), (rng.random(n) < 0.5).astype(np.float64)


def iris_sepals():
    from helpers import data

    iris = data.load("iris")
    X = iris.X[:, :2]
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    order = np.random.default_rng(0).permutation(len(X))
    return X[order], (iris.y[order] == 0).astype(np.float64)


DATASETS = {
    "separable 2-D": lambda: separable(40, 2, 0),
    "separable 1-D": lambda: separable(25, 1, 1),
    "separable 5-D": lambda: separable(60, 5, 2),
    "random labels 3-D": lambda: random_labels(30, 3, 3),
    "XOR": lambda: (X_GATE, np.array(GATES["XOR"], dtype=np.float64)),
    "AND": lambda: (X_GATE, np.array(GATES["AND"], dtype=np.float64)),
    "one example, label 0": lambda: (np.array([[0.5, -2.0]]), np.array([0.0])),
    "one example, label 1": lambda: (np.array([[0.5, -2.0]]), np.array([1.0])),
    "three on a line": lambda: (np.array([[-1.0], [0.0], [1.0]]), np.array([0.0, 1.0, 0.0])),
    "iris sepals": iris_sepals,
}


def assert_same_run(ours, theirs, name):
    """Two Histories agree: the same updates, the same mistakes, and the same weights after every update."""
    assert np.array_equal(ours.corrected, theirs.corrected), f"{name}: different examples were corrected"
    assert np.array_equal(ours.mistakes, theirs.mistakes), f"{name}: different mistakes per epoch"
    assert ours.converged == theirs.converged
    assert_close(f"{name}: weights along the run", np.column_stack([ours.w, ours.b]),
                 np.column_stack([theirs.w, theirs.b]), quiet=True)


def assert_well_formed(h, n, d):
    K = len(h.corrected)
    assert h.w.shape == (K + 1, d) and h.b.shape == (K + 1,) and h.corrected.shape == (K,)
    assert h.w.dtype == np.float64 and h.b.dtype == np.float64
    assert h.mistakes.ndim == 1 and h.mistakes.sum() == K
    assert np.all((h.corrected >= 0) & (h.corrected < n))
    assert h.converged == (h.mistakes[-1] == 0)


@pytest.mark.parametrize("lr", [0.01, 0.5, 1.0, 3.0])
@pytest.mark.parametrize("name", list(DATASETS))
def test_numpy_and_pytorch_make_the_identical_sequence_of_weights(name, lr):
    X, y = DATASETS[name]()
    ours = NB.train_perceptron(X, y, lr=lr, num_epochs=40)
    theirs = NB.train_perceptron_torch(X, y, lr=lr, num_epochs=40)
    assert_well_formed(ours, *X.shape)
    assert_well_formed(theirs, *X.shape)
    assert_same_run(ours, theirs, name)


@pytest.mark.parametrize("name", ["separable 2-D", "random labels 3-D", "XOR", "iris sepals"])
def test_identical_from_a_nonzero_start(name):
    X, y = DATASETS[name]()
    w0, b0 = np.linspace(-1.0, 1.0, X.shape[1]), 0.3
    ours = NB.train_perceptron(X, y, lr=0.1, num_epochs=30, w0=w0, b0=b0)
    theirs = NB.train_perceptron_torch(X, y, lr=0.1, num_epochs=30, w0=w0, b0=b0)
    assert_same_run(ours, theirs, name)
    assert np.array_equal(ours.w[0], w0) and ours.b[0] == b0


@pytest.mark.parametrize("name", ["separable 2-D", "separable 1-D", "separable 5-D", "AND", "iris sepals",
                                  "one example, label 0", "one example, label 1"])
def test_converges_on_separable_data_within_novikoffs_bound(name):
    X, y = DATASETS[name]()
    h = NB.train_perceptron(X, y, lr=1.0, num_epochs=1000)
    assert h.converged and h.mistakes[-1] == 0
    assert np.array_equal(NB.predict(X, h.w[-1], h.b[-1]), y)
    assert NB.misclassified(h, X, y)[-1] == 0
    # Novikoff: any plane with margin γ > 0 bounds the number of updates. The perceptron's own final line can
    # touch an example (AND: (1, 1) ends up exactly on it, z = 0 counts as 1), so for AND we use x1 + x2 = 1.5.
    w, b = (np.array([1.0, 1.0]), -1.5) if name == "AND" else (h.w[-1], h.b[-1])
    if len(h.corrected):
        bound, R, gamma = NB.novikoff_bound(X, y, w, b)
        assert gamma > 0 and len(h.corrected) <= bound * (1 + 1e-9)   # (the 1-example case meets it exactly)


def test_one_example_datasets():
    X, y0 = DATASETS["one example, label 0"]()
    h = NB.train_perceptron(X, y0)          # z = 0 says 1: one false alarm, then it is right
    assert h.mistakes.tolist() == [1, 0] and h.corrected.tolist() == [0]
    assert_close("after one update", np.append(h.w[-1], h.b[-1]), np.array([-0.5, 2.0, -1.0]), quiet=True)
    h1 = NB.train_perceptron(X, np.array([1.0]))    # z = 0 already says 1: nothing to learn
    assert h1.mistakes.tolist() == [0] and h1.w.shape == (1, 2) and len(h1.corrected) == 0


def test_xor_never_converges_and_cycles():
    X, y = DATASETS["XOR"]()
    for lr in (0.1, 1.0):
        h = NB.train_perceptron(X, y, lr=lr, num_epochs=50)
        assert not h.converged and np.all(h.mistakes >= 1) and len(h.mistakes) == 50
        ends = np.cumsum(h.mistakes)
        assert np.array_equal(h.w[ends[-1]], h.w[ends[-2]]) and h.b[ends[-1]] == h.b[ends[-2]], "expected a cycle"
        assert_same_run(h, NB.train_perceptron_torch(X, y, lr=lr, num_epochs=50), f"XOR lr={lr}")


@pytest.mark.parametrize("name", ["separable 2-D", "random labels 3-D", "XOR", "iris sepals"])
def test_from_zero_the_learning_rate_only_scales_the_weights(name):
    X, y = DATASETS[name]()
    ref = NB.train_perceptron(X, y, lr=1.0, num_epochs=20)
    for lr in (0.25, 0.01, 7.0):
        h = NB.train_perceptron(X, y, lr=lr, num_epochs=20)
        assert np.array_equal(h.corrected, ref.corrected) and np.array_equal(h.mistakes, ref.mistakes)
        assert_close(f"lr={lr}", np.column_stack([h.w, h.b]), lr * np.column_stack([ref.w, ref.b]), quiet=True)


@pytest.mark.parametrize("gate", list(GATES))
def test_the_trained_gates(gate):
    y = np.array(GATES[gate], dtype=np.float64)
    h = NB.train_perceptron(X_GATE, y, num_epochs=100)
    assert h.converged == (gate != "XOR")


def test_perceptron_update_changes_only_on_mistakes_and_moves_z_toward_the_right_side():
    rng = np.random.default_rng(5)
    for _ in range(50):
        d = int(rng.integers(1, 6))
        w, b, x, lr = rng.normal(size=d), float(rng.normal()), rng.normal(size=d), float(rng.uniform(0.01, 3))
        z = x @ w + b
        right = float(z >= 0)
        w2, b2, e = NB.perceptron_update(w, b, x, right, lr)
        assert e == 0 and np.array_equal(w2, w) and b2 == b
        w3, b3, e = NB.perceptron_update(w, b, x, 1.0 - right, lr)
        assert e == 1.0 - 2 * right
        assert np.isclose((x @ w3 + b3) - z, lr * e * (x @ x + 1.0), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("n,d", [(1, 1), (1, 4), (7, 1), (6, 3), (50, 2)])
def test_predict_shapes_and_values_match_nn_linear(n, d):
    rng = np.random.default_rng(n * 10 + d)
    X, w, b = rng.normal(size=(n, d)), rng.normal(size=d), float(rng.normal())
    y_hat = NB.predict(X, w, b)
    assert y_hat.shape == (n,) and y_hat.dtype == np.float64 and set(np.unique(y_hat)) <= {0.0, 1.0}
    linear = torch.nn.Linear(d, 1, dtype=torch.float64)
    with torch.no_grad():
        linear.weight.copy_(torch.tensor(w).reshape(1, d))
        linear.bias.fill_(b)
        ref = torch.heaviside(linear(torch.tensor(X)).squeeze(1), torch.ones(1, dtype=torch.float64))
    assert_close("predict", y_hat, ref, quiet=True)
    assert np.ndim(NB.predict(X[0], w, b)) == 0 and NB.predict(X[0], w, b) == y_hat[0]
    assert NB.predict(X.tolist(), w.tolist(), b).tolist() == y_hat.tolist()     # lists are fine too


def test_step_convention_at_zero():
    assert NB.step(0.0) == 1.0 and NB.step(-0.0) == 1.0 and NB.step(-1e-300) == 0.0
    assert NB.predict(np.zeros((3, 2)), np.zeros(2), 0.0).tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("X_shape,w_shape,b,match", [
    ((5, 3), (3, 1), 0.0, r"w must be a 1-D vector of shape \(d,\), got shape \(3, 1\).*ravel"),
    ((5, 3), (1, 3), 0.0, r"w must be a 1-D vector"),
    ((5, 3), (), 0.0, r"w must be a 1-D vector"),
    ((5, 3), (4,), 0.0, r"X must have shape \(N, 4\) or \(4,\).*got shape \(5, 3\)"),
    ((2, 5, 3), (3,), 0.0, r"X must have shape \(N, 3\)"),
    ((5, 3), (3,), np.zeros(5), r"b must be a scalar"),
])
def test_predict_rejects_bad_shapes(X_shape, w_shape, b, match):
    with pytest.raises(ValueError, match=match):
        NB.predict(np.ones(X_shape), np.ones(w_shape), b)


@pytest.mark.parametrize("train", ["train_perceptron", "train_perceptron_torch"])
@pytest.mark.parametrize("X,y,kwargs,match", [
    (np.ones(4), np.ones(4), {}, r"X must have shape \(N, d\).*got shape \(4,\)"),
    (np.ones((0, 2)), np.ones(0), {}, r"N >= 1"),
    (np.ones((4, 2)), np.ones(3), {}, r"y must have shape \(4,\).*got shape \(3,\)"),
    (np.ones((4, 2)), np.ones((4, 1)), {}, r"y must have shape \(4,\)"),
    (np.ones((3, 2)), np.array([-1.0, 1.0, 1.0]), {}, r"labels must be 0 or 1.*\(y \+ 1\) / 2"),
    (np.ones((3, 2)), np.ones(3), {"lr": 0.0}, r"lr > 0"),
    (np.ones((3, 2)), np.ones(3), {"num_epochs": 0}, r"num_epochs >= 1"),
])
def test_training_rejects_bad_inputs(train, X, y, kwargs, match):
    with pytest.raises(ValueError, match=match):
        getattr(NB, train)(X, y, **kwargs)


def test_training_rejects_a_start_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"w must be a 1-D vector"):
        NB.train_perceptron(np.ones((3, 2)), np.ones(3), w0=np.ones((2, 1)))
    with pytest.raises(ValueError, match=r"X must have shape \(N, 3\)"):
        NB.train_perceptron(np.ones((3, 2)), np.ones(3), w0=np.ones(3))


def test_misclassified_and_margin():
    X, y = DATASETS["separable 2-D"]()
    h = NB.train_perceptron(X, y)
    counts = NB.misclassified(h, X, y)
    assert counts.shape == (len(h.corrected) + 1,)
    for k in (0, len(counts) // 2, len(counts) - 1):
        assert counts[k] == np.sum(NB.predict(X, h.w[k], h.b[k]) != y)
    assert NB.margin(X, y, h.w[-1], h.b[-1]) > 0


# ---- the replay slider: every control draws at both ends and changes the figure's data ------------------

def _replay_globals():
    """The runs the slider cell reads from the notebook's namespace (computed by statements notebook_defs skips)."""
    X, y = iris_sepals()
    replays = {(start, lr): NB.train_perceptron(X, y, lr=lr, w0=w0, b0=b0)
               for start, (w0, b0) in NB.STARTS.items() for lr in NB.LEARNING_RATES}
    NB.draw_replay.__globals__.update(
        X_flowers=X, y_flowers=y, replays=replays, max_updates=max(len(h.corrected) for h in replays.values()),
        wrong_counts={key: NB.misclassified(h, X, y) for key, h in replays.items()})
    return replays


def test_replay_slider_cell():
    import matplotlib.pyplot as plt

    from helpers.widgets import dropdown, int_slider, render, sweep

    replays = _replay_globals()
    assert all(h.converged for h in replays.values())
    max_updates = NB.draw_replay.__globals__["max_updates"]
    controls = {"update": int_slider("update", 5, 0, max_updates),
                "lr": dropdown("learning rate η", NB.LEARNING_RATES, 1.0), "start": dropdown("start", list(NB.STARTS))}
    assert controls["start"].value.startswith("wrong line")   # the default start where η matters
    texts = sweep(NB.draw_replay, controls, figsize=(13, 4.6), ncols=2)
    assert len(texts) == 2 + len(NB.LEARNING_RATES) + len(NB.STARTS)
    assert all(t.startswith(("update", "slider")) for t in texts.values())
    assert "converged after" in texts[("update", max_updates)]
    fig, text = render(NB.draw_replay, {"update": 0, "lr": 1.0, "start": "w = 0, b = 0"}, ncols=2)
    assert "no boundary yet" in text
    assert any("no boundary yet" in t.get_text() for t in fig.axes[0].texts)
    plt.close("all")


def test_margins_of_five_shuffles():
    """Section 7's claim: every shuffle reaches 0 mistakes, the lines differ and so do their margins."""
    X, y = iris_sepals()
    rng = np.random.default_rng(1)
    margins = []
    for _ in range(5):
        order = rng.permutation(len(y))
        h = NB.train_perceptron(X[order], y[order], lr=1.0)
        assert h.converged and np.all(NB.predict(X, h.w[-1], h.b[-1]) == y)
        margins.append(NB.margin(X, y, h.w[-1], h.b[-1]))
    assert min(margins) > 0 and max(margins) > 1.5 * min(margins)


# ---- exercises: the reference solutions pass, typical mistakes get a specific message ---------------

def _online(predict, sign=1.0, bias=True):
    """Wrong (and right) variants of the twin's epoch."""
    def epoch(X, y, w, b, lr):
        for x_n, y_n in zip(X, y, strict=True):
            err = y_n - predict(x_n @ w + b)
            w, b = w + sign * lr * err * x_n, b + (sign * lr * err if bias else 0.0)
        return w, b
    return epoch


def _sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -z))


def _batch_epoch(X, y, w, b, lr):
    err = y - _sigmoid(X @ w + b)
    return w + lr * X.T @ err / len(y), b + lr * err.mean()


def _torch_epoch(X, y, w, b, lr):           # right numbers, but the exercise asks for NumPy
    w, b = torch.tensor(w), torch.tensor(b)
    for x_n, y_n in zip(torch.tensor(X), torch.tensor(y), strict=True):
        err = y_n - torch.sigmoid(x_n @ w + b)
        w, b = w + lr * err * x_n, b + lr * err
    return w.numpy(), float(b)


# Exercises: every reference solution passes, the notebook's stubs are not attempted, every plausible wrong
# answer is rejected with its own message and a hint (tests/exercise_feedback.py: the form every notebook shares).

sol = SOLUTIONS["02.logic_gates"]
WRONG = [
    ("02.one_update", (1, (1.5, -1.0), 1.0), "z = 1 − 4 + 0.5"),
    ("02.one_update", (0, (1.0, -2.0), 0.5), "must update"),
    ("02.one_update", (0, (0.5, -3.0), 0.0), "wrong way"),
    ("02.one_update", (0, (2.0, 0.0), 1.5), "lr·(y − ŷ)·x"),
    ("02.one_update", (0, (1.5, -1.0), 0.5), "bias learns too"),
    ("02.one_update", (0, (1.5, -1.0), 1.5), "b_new = 1.5"),
    ("02.one_update", (0.5, (1.5, -1.0), 1.0), "0 or 1"),
    ("02.one_update", (0, (1.5, -1.0, 0.0), 1.0), "shape (2,)"),
    ("02.one_update", (0, "w", 1.0), "could not convert"),
    ("02.one_update", (0, 1), "three things"),
    ("02.logic_gates", {**sol, "AND": ((1.0, 1.0), -1.0)}, "AND with w = (1, 1), b = -1"),
    ("02.logic_gates", {**sol, "NOR": ((1.0, 1.0), -0.5)}, "NOR"),
    ("02.logic_gates", {**sol, "NAND": sol["AND"]}, "NAND"),
    ("02.logic_gates", {**sol, "AND": ((1.0, 1.0), -2.5)}, "input(s) [(1, 1)]"),
    ("02.logic_gates", {"AND": sol["AND"]}, "no entry for ['NAND', 'NOR']"),
    ("02.logic_gates", {**sol, "NAND": ...}, "still empty: NAND"),
    ("02.logic_gates", {**sol, "AND": (1.0, 1.0, -1.5)}, "pair (w, b)"),
    ("02.logic_gates", {**sol, "AND": ((1.0, 1.0, 1.0), -1.5)}, "shape (2,)"),
    ("02.logic_gates", [1, 2], "dict"),
    ("02.sgd_epoch", _online(lambda z: np.where(z >= 0, 1.0, 0.0)), "perceptron's epoch"),
    ("02.sgd_epoch", _batch_epoch, "starting weights"),
    ("02.sgd_epoch", _online(_sigmoid, sign=-1.0), "wrong way"),
    ("02.sgd_epoch", _online(_sigmoid, bias=False), "bias learns too"),
    ("02.sgd_epoch", _online(lambda z: np.tanh(z)), "other weights than PyTorch's SGD"),
    ("02.sgd_epoch", lambda X, y, w, b, lr: (w, b), "other weights"),
    ("02.sgd_epoch", lambda X, y, w, b, lr: (np.append(w, b), b), "w's shape"),
    ("02.sgd_epoch", lambda X, y, w, b, lr: w, "a pair (w_new, b_new)"),
    ("02.sgd_epoch", _torch_epoch, "uses torch"),
    ("02.count_updates", (1, 3), "FIRST epoch"),
    ("02.count_updates", (3, 12), "does not mean more updates"),
    ("02.count_updates", (4, 4), "not 4 updates"),
    ("02.count_updates", (3, 2), "not 2 updates"),
    ("02.count_updates", ("three", 3), "must be a number"),
    ("02.count_updates", (3,), "two numbers"),
]


(test_reference_solutions_pass, test_wrong_answers_are_rejected_with_a_hint,
 test_every_checker_has_wrong_answers) = exercise_tests(SOLUTIONS, WRONG)


def test_stubs_count_as_not_attempted(capsys):
    stubs = {"02.one_update": (..., ..., ...), "02.logic_gates": {"AND": ..., "NAND": ..., "NOR": ...},
             "02.sgd_epoch": NB.sgd_epoch, "02.count_updates": (..., ...)}
    assert set(stubs) == set(SOLUTIONS)
    assert_not_attempted(stubs, capsys)


def test_first_hints_do_not_give_the_answer_away():
    first = first_hints("02", SOLUTIONS)
    assert not any(s in first["02.one_update"] for s in ("−2.5", "1.5", "ŷ = 0", "η = 0.5"))
    assert not any(s in first["02.logic_gates"] for s in ("1.5", "−1.5", "0.5"))
    assert "for x_n" not in first["02.sgd_epoch"] and "η(y" not in first["02.sgd_epoch"]
    assert not any(ch.isdigit() for ch in first["02.count_updates"].replace("z = 0", "").replace("ŷ = 1", ""))


def test_sgd_epoch_the_notebook_sigmoid_is_the_stable_one():
    with np.errstate(over="raise"):
        assert NB.sigmoid(np.array([-1000.0, 0.0, 1000.0])).tolist() == [0.0, 0.5, 1.0]
