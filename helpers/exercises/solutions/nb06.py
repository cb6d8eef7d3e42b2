"""Reference solutions for notebook 06. Try the exercises first!"""

import numpy as np


def residual_backward(dY, X, W1, b1, W2, b2):
    """Gradients of y = ReLU(X W1 + b1) W2 + b2 + X: (dX, dW1, db1, dW2, db2) for upstream dY (N, d)."""
    Z = X @ W1 + b1                      # the forward pass, recomputed: (N, d)
    H = np.maximum(Z, 0)
    dW2, db2 = H.T @ dY, dY.sum(axis=0)  # the second layer reads H
    dZ = (dY @ W2.T) * (Z > 0)           # through W2, then through the ReLU
    dW1, db1 = X.T @ dZ, dZ.sum(axis=0)
    dX = dY + dZ @ W1.T                  # the skip hands dY to X; the branch adds its part
    return dX, dW1, db1, dW2, db2


def projection_shortcut(x_shape, y_shape):
    """Weight shape and stride of the 1x1 convolution mapping x: (N, C_in, H, W) to y: (N, C_out, H', W')."""
    (_, c_in, h, _), (_, c_out, h_out, _) = x_shape, y_shape
    return (c_out, c_in, 1, 1), -(-h // h_out)  # ceil(H / H'): 28 -> 14 and 7 -> 4 both need stride 2


def resnet_param_count(blocks, c1, c2):
    """Parameters of conv_net(residual=True, blocks, c1, c2) of section 5, by formula."""
    def conv(c_in, c_out, k):
        return c_out * c_in * k * k + c_out      # weights + one bias per output channel

    stem = conv(1, c1, 3)
    first = conv(c1, c2, 3) + conv(c2, c2, 3) + conv(c1, c2, 1)   # stride 2, c1 -> c2: a 1x1 projection
    later = blocks * 2 * conv(c2, c2, 3)                         # identity shortcuts: no parameters
    head = c2 * 7 * 7 * 10 + 10
    return stem + first + later + head


SOLUTIONS = {
    "06.residual_backward": residual_backward,
    "06.projection_shape": projection_shortcut,
    # W2 = 0: only the last layer of the branch gets a gradient at the first step
    "06.zero_init_grads": {"branch.2.W", "branch.2.b"},
    "06.resnet_params": resnet_param_count,
}
