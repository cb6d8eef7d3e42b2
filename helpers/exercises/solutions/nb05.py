"""Reference solutions for notebook 05 · Convolutional neural networks. Try the exercise first."""

import numpy as np


def output_size(H, K, P, S):
    """(H + 2P − K) // S + 1: the positions where a K-wide window fits in the padded input, S apart."""
    return (H + 2 * P - K) // S + 1


def conv_params(c_in, c_out, k):
    """c_out filters of c_in·k·k weights each, plus one bias per filter."""
    return c_out * c_in * k * k + c_out


SOLUTIONS = {
    "05.output_size": output_size,
    # Sobel x: right column minus left column, rows weighted 1-2-1 (every row sums to 0).
    "05.vertical_edge": np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]),
    "05.conv_params": conv_params,
    # blocks [[1, 5], [3, 2]], [[2, 0], [8, 1]], [[0, 7], [6, 1]], [[4, 4], [3, 9]]
    "05.max_pool_by_hand": [[5, 8], [7, 9]],
    # conv 3x3 -> 3 pixels; max pool 2 -> 3 + (2 - 1)·1 = 4, step 2; conv 3x3 -> 4 + (3 - 1)·2 = 8
    "05.receptive_field": 8,
}
