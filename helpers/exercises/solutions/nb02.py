"""Reference solutions for notebook 02 · The perceptron. Try the exercise first: the hints usually suffice."""

import numpy as np


def sgd_epoch(X, y, w, b, lr):
    """The perceptron's epoch with σ(z) in place of step(z): stochastic gradient descent on the cross-entropy,
    one example at a time, each update seen by the next example."""
    for x_n, y_n in zip(X, y, strict=True):
        error = y_n - np.exp(-np.logaddexp(0.0, -(x_n @ w + b)))     # y − σ(z), σ as in notebook 01
        w, b = w + lr * error * x_n, b + lr * error
    return w, b


SOLUTIONS = {
    # z = 1·1 + (−2)·2 + 0.5 = −2.5 < 0, so ŷ = 0 but y = 1: a mistake. y − ŷ = +1, so
    # w ← (1, −2) + 0.5·(1, 2) = (1.5, −1) and b ← 0.5 + 0.5 = 1.0 (now z = 1.5 − 2 + 1 = 0.5 >= 0: fixed).
    "02.one_update": (0, (1.5, -1.0), 1.0),
    # AND: only (1, 1) reaches x1 + x2 >= 1.5; NAND: the same line, signs flipped; NOR: only (0, 0) has
    # x1 + x2 <= 0.5.
    "02.logic_gates": {"AND": ((1.0, 1.0), -1.5), "NAND": ((-1.0, -1.0), 1.5), "NOR": ((-1.0, -1.0), 0.5)},
    "02.sgd_epoch": sgd_epoch,
    # OR visited as (1,1), (1,0), (0,1), (0,0) from w = 0, b = 0 with η = 1. Epoch 1: only (0,0) is wrong
    # (z = 0 gives ŷ = 1): b = -1. Epoch 2: (1,1) has z = -1, wrong: w = (1, 1), b = 0; then (0,0) has z = 0,
    # wrong again: b = -1. Epoch 3: no mistake. 3 updates. With η = 0.25 every weight is a quarter of the
    # η = 1 run, every z has the same sign: the same 3 updates.
    "02.count_updates": (3, 3),
}
