"""Checkers for notebook 02 · The perceptron (reference solutions: ``solutions/nb02.py``)."""

import numpy as np

from helpers.exercises import NotAttempted, dict_answer, exercise, tuple_answer

# The four inputs of a two-input logic gate, in the order the notebook uses: (0,0), (0,1), (1,0), (1,1).
GATE_INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
GATE_TRUTH = {"AND": [0, 0, 0, 1], "NAND": [1, 1, 1, 0], "NOR": [1, 0, 0, 0]}

# Which of the notebook's small datasets can one straight line separate (and why, for the feedback)?
SEPARABLE = {
    "AND": (True, "a line such as x1 + x2 = 1.5 puts (1, 1) alone on its side"),
    "XOR": (False, "section 6 proves that no line works: the four inequalities contradict each other"),
    "three on a line": (False, "in 1-D a perceptron is a threshold, 'x >= t' or 'x <= t', so it cannot say "
                               "yes to the middle point and no to both ends"),
    "setosa vs the rest": (True, "by their sepals, the perceptron reached 0 mistakes in section 4, so a "
                                 "separating line exists"),
    "versicolor vs virginica": (False, "by their petals (notebook 01) the two clouds overlap: the best line "
                                       "still gets a few flowers wrong"),
}


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


@exercise("02.one_update", hint="z = w·x + b = 1·1 + (−2)·2 + 0.5. ŷ = 1 if z >= 0 else 0. Then "
                                "w ← w + lr·(y − ŷ)·x and b ← b + lr·(y − ŷ), with lr = 0.5.")
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


@exercise("02.logic_gates", hint="Draw the four inputs and a line with the 1s on one side and the 0s on the "
                                 "other (for AND, x1 + x2 = 1.5 works). Write the line as w·x + b = 0 with w "
                                 "pointing to the 1s. NAND outputs the opposite of AND: flip every sign.")
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


@exercise("02.separable", hint="Try to draw one straight line with all the 1s on one side and all the 0s on "
                               "the other. If the perceptron reached 0 mistakes, such a line exists.")
def _separable(answer):
    answer = dict_answer(answer, SEPARABLE, "{dataset name: True or False}")
    wrong = []
    for name, (truth, why) in SEPARABLE.items():
        value = answer[name]
        if not isinstance(value, (bool, np.bool_)):
            raise AssertionError(f"'{name}': answer True or False, got {value!r}")
        if bool(value) != truth:
            wrong.append(f"'{name}' {'IS' if truth else 'is NOT'} linearly separable ({why})")
    if wrong:
        raise AssertionError(f"{len(wrong)} of {len(SEPARABLE)} wrong: " + "; ".join(wrong))


@exercise("02.count_updates", hint="Trace it: start with w = (0, 0), b = 0; visit (1,1), (1,0), (0,1), (0,0); "
                                   "for each compute z, ŷ = 1 if z >= 0, and update only when ŷ ≠ y. Count until "
                                   "a whole epoch passes with no update. For η = 0.25, remember what the learning "
                                   "rate does when you start from w = 0.")
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
