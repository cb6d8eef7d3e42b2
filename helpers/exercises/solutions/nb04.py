"""Reference solutions for notebook 04. Try the exercises first!"""

import numpy as np

from helpers.scratch.layers import Value


def leaky_relu_backward(dY, X, slope=0.01):
    """dL/dX of Y = LeakyReLU(X): the local slope (1 or `slope`) times the upstream gradient."""
    return dY * np.where(X > 0, 1.0, slope)


class ValueWithSub(Value):
    def __neg__(self):  # -a = a * (-1): the backward rule of * does the work
        return self * -1

    def __sub__(self, other):  # a - b = a + (-b)
        return self + (-other)


SOLUTIONS = {
    # L = a²b + ac, so ∂L/∂a = 2ab + c = -7, ∂L/∂b = a² = 9, ∂L/∂c = a = 3
    "04.hand_backward": {"a": -7.0, "b": 9.0, "c": 3.0},
    "04.leaky_relu_backward": leaky_relu_backward,
    # curvatures 4 and 1: stable while |1 - 4·lr| < 1, that is lr < 2/4
    "04.max_lr": 0.5,
    "04.value_sub": ValueWithSub,
}
