"""Checkers for notebook 02 · The perceptron (reference solutions: ``solutions/nb02.py``)."""

import numpy as np

from helpers.exercises import NotAttempted, dict_answer, exercise, forbid, tuple_answer

# The four inputs of a two-input logic gate, in the order the notebook uses: (0,0), (0,1), (1,0), (1,1).
GATE_INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
GATE_TRUTH = {"AND": [0, 0, 0, 1], "NAND": [1, 1, 1, 0], "NOR": [1, 0, 0, 0]}

def _step(z):
    return np.where(z >= 0, 1.0, 0.0)


def _count_updates(X, y, lr):
    """Updates made by the perceptron from w = 0, b = 0, visiting X in order, until a clean epoch."""
    w, b, updates = np.zeros(X.shape[1]), 0.0, 0
    for _ in range(100):
        mistakes = 0
        for x, t in zip(X, y, strict=True):
            error = t - float(x @ w + b >= 0)
            if error != 0:
                w, b, mistakes = w + lr * error * x, b + lr * error, mistakes + 1
        updates += mistakes
        if mistakes == 0:
            return updates
    raise RuntimeError("the perceptron did not converge")  # never for OR


def _number(value, what):
    if value is None or value is Ellipsis:
        raise NotAttempted
    try:
        return float(value)
    except (TypeError, ValueError):
        raise AssertionError(f"{what} must be a number, got {value!r}") from None


@exercise("02.one_update", hints=(
    "First predict: compute z = w·x + b and apply the step. Is that prediction right? Only a mistake moves w and b.",
    "The rule: w ← w + η(y − ŷ)x and b ← b + η(y − ŷ), with η = 0.5; y − ŷ is +1, 0 or −1.",
    "z = 1·1 + (−2)·2 + 0.5, so ŷ = step(z); then w ← (1, −2) + 0.5·(y − ŷ)·(1, 2) and b ← 0.5 + 0.5·(y − ŷ).",
))
def _one_update(answer):
    y_hat, w_new, b_new = tuple_answer(answer, 3, "three things: (y_hat, w_new, b_new)")
    y_hat = _number(y_hat, "y_hat")
    w_new = np.asarray(w_new, dtype=np.float64)
    b_new = _number(b_new, "b_new")
    if w_new.shape != (2,):
        raise AssertionError(f"w_new must hold two weights, shape (2,), got shape {w_new.shape}")
    if y_hat == 1:
        raise AssertionError("ŷ = 1 would need z >= 0, but z = 1 − 4 + 0.5 = −2.5 is negative, so ŷ = 0")
    assert y_hat == 0, f"ŷ is the step of z, so 0 or 1, not {y_hat:g}"
    if np.allclose(w_new, [1.0, -2.0]) and np.isclose(b_new, 0.5):
        raise AssertionError("ŷ = 0 is right and y = 1, so this is a mistake: the perceptron must update")
    if np.allclose(w_new, [0.5, -3.0]):
        raise AssertionError("the update went the wrong way: y − ŷ = 1 − 0 = +1, so ADD lr·x to w")
    if np.allclose(w_new, [2.0, 0.0]):
        raise AssertionError("you added x itself: the step is lr·(y − ŷ)·x with lr = 0.5")
    assert np.allclose(w_new, [1.5, -1.0]), \
        f"w_new = ({w_new[0]:g}, {w_new[1]:g}) is not w + lr·(y − ŷ)·x = (1, −2) + 0.5·1·(1, 2)"
    if np.isclose(b_new, 0.5):
        raise AssertionError("w_new is right, but the bias learns too: b ← b + lr·(y − ŷ)")
    assert np.isclose(b_new, 1.0), f"w_new is right, but b_new = {b_new:g} is not b + lr·(y − ŷ) = 0.5 + 0.5·1"


@exercise("02.logic_gates", hints=(
    "Draw the four inputs as corners of a square. A perceptron draws one line and says 1 on the side w points to: "
    "which line puts the 1s of each gate on one side?",
    "For AND, x1 + x2 = 1.5 works: write it as w·x + b = 0 with w pointing to the 1s. NAND outputs the opposite of "
    "AND; NOR says 1 only for (0, 0).",
    "AND: w = (1, 1), b = −1.5. NAND: flip every sign of AND. NOR: the line x1 + x2 = 0.5 with w pointing toward "
    "(0, 0), i.e. w = (−1, −1).",
))
def _logic_gates(answer):
    answer = dict_answer(answer, GATE_TRUTH, "{'AND': (w, b), 'NAND': (w, b), 'NOR': (w, b)}")
    for gate, truth in GATE_TRUTH.items():
        entry = answer[gate]
        if not (isinstance(entry, (tuple, list)) and len(entry) == 2):
            raise AssertionError(f"{gate}: give a pair (w, b), e.g. ((1.0, 1.0), -1.5)")
        w, b = np.asarray(entry[0], dtype=np.float64), entry[1]
        if w.shape != (2,) or np.ndim(b) != 0:
            raise AssertionError(f"{gate}: w must be two numbers (shape (2,)) and b one number, "
                                 f"got shapes {w.shape} and {np.shape(b)}")
        got = _step(GATE_INPUTS @ w + float(b))
        wrong = [tuple(int(v) for v in x) for x, g, t in zip(GATE_INPUTS, got, truth, strict=True) if g != t]
        if wrong:
            raise AssertionError(f"{gate} with w = ({w[0]:g}, {w[1]:g}), b = {float(b):g} gives the wrong "
                                 f"output for input(s) {wrong} (outputs {got.astype(int).tolist()}, "
                                 f"want {truth}; remember z = 0 counts as 1)")


@exercise("02.count_updates", hints=(
    "Trace the rule by hand, one example at a time and epoch after epoch; remember that z = 0 counts as ŷ = 1.",
    "Start with w = (0, 0), b = 0; visit (1,1), (1,0), (0,1), (0,0); compute z and ŷ and update only when ŷ ≠ y. "
    "Count until a whole epoch passes with no update.",
    "For η = 0.25, section 4 proved what the learning rate changes when you start from w = 0: every weight is "
    "η times the η = 1 run's, so every z keeps its sign.",
))
def _count_updates_checker(answer):
    answer = tuple_answer(answer, 2, "two numbers: (updates with η = 1, updates with η = 0.25)")
    n1, n_quarter = (_number(a, "the number of updates") for a in answer)
    X, y = GATE_INPUTS[::-1], np.array([1.0, 1.0, 1.0, 0.0])     # OR, visited as (1,1), (1,0), (0,1), (0,0)
    ref1, ref_quarter = _count_updates(X, y, 1.0), _count_updates(X, y, 0.25)
    if n1 == 1:
        raise AssertionError("1 is the number of updates in the FIRST epoch; keep going until an epoch "
                             "passes with no mistake at all")
    if n1 != ref1:
        raise AssertionError(f"with η = 1 it is not {n1:g} updates. Check z = 0: it counts as ŷ = 1, and count "
                             f"every update until a clean epoch")
    if n_quarter == 4 * ref1:
        raise AssertionError("a smaller learning rate does not mean more updates here: from w = 0, every "
                             "weight and bias is η times the η = 1 run, so every sign, every mistake and "
                             "every update is the same")
    assert n_quarter == ref_quarter, f"with η = 0.25 it is not {n_quarter:g} updates (think: what does η " \
                                     f"change when you start from w = 0, b = 0?)"


def _sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -z))


def _torch_sgd_epoch(X, y, w, b, lr):
    """The reference: nn.Linear in float64, one SGD step on each example's cross-entropy (autograd), in order."""
    import torch
    import torch.nn.functional as F

    linear = torch.nn.Linear(X.shape[1], 1, dtype=torch.float64)
    with torch.no_grad():
        linear.weight.copy_(torch.tensor(w).reshape(1, -1))
        linear.bias.fill_(b)
    opt = torch.optim.SGD(linear.parameters(), lr=lr)
    for x_n, y_n in zip(torch.tensor(X), torch.tensor(y), strict=True):
        loss = F.binary_cross_entropy_with_logits(linear(x_n), y_n.reshape(1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return linear.weight.detach().numpy()[0].copy(), float(linear.bias.detach())


def _diagnose_sgd_epoch(X, y, w, b, lr, w_new, b_new):
    """Name the mistake when the student's epoch is a common wrong one."""
    def same(cw, cb):
        return np.allclose(w_new, cw, rtol=1e-7, atol=1e-10) and np.isclose(b_new, cb, rtol=1e-7, atol=1e-10)

    def online(predict, sign=1.0, bias=True):
        cw, cb = w.copy(), b
        for x_n, y_n in zip(X, y, strict=True):
            err = y_n - predict(x_n @ cw + cb)
            cw, cb = cw + sign * lr * err * x_n, cb + (sign * lr * err if bias else 0.0)
        return cw, cb

    err0 = y - _sigmoid(X @ w + b)                    # every error computed with the STARTING weights
    if same(*online(lambda z: np.where(z >= 0, 1.0, 0.0))):
        return "that is the perceptron's epoch, with step(z): its twin predicts the probability σ(z)"
    if same(w + lr * X.T @ err0, b + lr * err0.sum()) or same(w + lr * X.T @ err0 / len(y), b + lr * err0.mean()):
        return ("you computed every example's error with the starting weights (one step for the whole batch): "
                "online, each update changes the w and b that the next example sees")
    if same(*online(_sigmoid, sign=-1.0)):
        return "the updates go the wrong way: w ← w + η(y − σ(z))x moves z toward the label"
    if same(*online(_sigmoid, bias=False)):
        return "w_new is right, but the bias learns too: b ← b + η(y − σ(z))"
    return "your epoch ends at other weights than PyTorch's SGD on the cross-entropy, one example at a time"


@exercise("02.sgd_epoch", hints=(
    "The perceptron's epoch with one change: in the update, its twin uses the probability σ(z) where the "
    "perceptron uses step(z).",
    "Visit the examples in order; for each, z = x_n·w + b, then w ← w + η(y_n − σ(z))x_n and b ← b + η(y_n − σ(z)). "
    "The next example sees the new w and b.",
    "for x_n, y_n in zip(X, y): error = y_n - sigmoid(x_n @ w + b); w = w + lr * error * x_n; b = b + lr * error",
))
def _sgd_epoch(answer):
    forbid(answer, {"torch": "write the epoch with NumPy: PyTorch's SGD is what the checker compares it with"})
    rng = np.random.default_rng()   # fresh data on every check: the answer has to be the rule, not a number
    for N, d in [(12, 3), (25, 2), (1, 4)]:
        X, w, b = rng.normal(size=(N, d)), rng.normal(size=d), float(rng.normal())
        y, lr = (rng.random(N) < 0.5).astype(np.float64), float(rng.uniform(0.2, 2.0))
        w_new, b_new = tuple_answer(answer(X.copy(), y.copy(), w.copy(), b, lr), 2, "a pair (w_new, b_new)")
        w_new = np.asarray(w_new, dtype=np.float64)
        assert w_new.shape == (d,), f"w_new must have w's shape ({d},), got {w_new.shape}"
        assert np.ndim(b_new) == 0, f"b_new must be one number, got shape {np.shape(b_new)}"
        b_new = float(b_new)
        w_ref, b_ref = _torch_sgd_epoch(X, y, w, b, lr)
        if not (np.allclose(w_new, w_ref, rtol=1e-7, atol=1e-10) and np.isclose(b_new, b_ref, rtol=1e-7,
                                                                               atol=1e-10)):
            raise AssertionError(_diagnose_sgd_epoch(X, y, w, b, lr, w_new, b_new))
