"""Reference solutions for notebook 01 · The neuron. Try the exercise first: the hints usually suffice."""

import numpy as np


def _sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -z))


def silu_prime(z):
    """d/dz [z σ(z)] = σ(z) + z σ'(z) = σ(z) + z σ(z) (1 - σ(z)) (product rule)."""
    s = _sigmoid(z)
    return s + z * s * (1.0 - s)


def bias_through(w, p):
    """w·p + b = 0  =>  b = -w·p."""
    return -float(np.dot(w, p))


def mse_step(X, y, w, b, lr):
    """One gradient-descent step on L = mean((σ(Xw + b) − y)²): the chain rule through the square, the sigmoid
    and the transfer function gives ∂L/∂z_n = (2/N)(σ(z_n) − y_n)σ'(z_n); then ∂L/∂w = Xᵀ ∂L/∂z, ∂L/∂b = Σ ∂L/∂z."""
    p = _sigmoid(X @ w + b)
    dz = 2.0 * (p - y) * p * (1.0 - p) / len(y)     # (N,)
    return w - lr * X.T @ dz, b - lr * dz.sum()


SOLUTIONS = {
    "01.silu_prime": silu_prime,
    # z = 2(0.5) + (-1)(2) + 3(-1) + 0.5 = -3.5; ReLU(-3.5) = 0; leaky ReLU(-3.5) = 0.1 * -3.5
    "01.neuron_by_hand": (-3.5, 0.0, -0.35),
    "01.bias_through_point": bias_through,
    "01.mse_step": mse_step,
}
