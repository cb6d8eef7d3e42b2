"""Reference solutions for notebook 06. Try the exercises first!"""

import numpy as np


def chain_gradients(slopes):
    """dh_n/dh_0 through n plain layers (product of f_k') and n residual layers (product of 1 + f_k')."""
    slopes = np.asarray(slopes, dtype=np.float64)
    return np.prod(slopes), np.prod(1 + slopes)


def projection_shortcut(x_shape, y_shape):
    """Weight shape and stride of the 1x1 convolution mapping x: (N, C_in, H, W) to y: (N, C_out, H', W')."""
    (_, c_in, h, _), (_, c_out, h_out, _) = x_shape, y_shape
    return (c_out, c_in, 1, 1), -(-h // h_out)  # ceil(H / H'): 28 -> 14 and 7 -> 4 both need stride 2


SOLUTIONS = {
    "06.chain_gradient": chain_gradients,
    "06.projection_shape": projection_shortcut,
    # W2 = 0: only the last layer of the branch gets a gradient at the first step
    "06.zero_init_grads": {"branch.2.W", "branch.2.b"},
    # degradation shows up as a higher TRAINING loss: not overfitting
    "06.degradation": "b",
}
