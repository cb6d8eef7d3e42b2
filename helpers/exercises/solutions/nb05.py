"""Reference solutions for notebook 05 · Convolutional neural networks. Try the exercise first."""

import numpy as np


def unvisited_rows(H, K, P, S):
    """The filter's top row sits at 0, S, 2S, ... up to H + 2P − K: what the steps leave over is never read."""
    return (H + 2 * P - K) % S


def dense_params(C, H, W, F):
    """Every one of the F·H·W outputs has a weight for each of the C·H·W inputs, plus its own bias."""
    return (C * H * W) * (F * H * W) + F * H * W


def conv_weight_grads(dout, x, KH, KW):
    """dw, db of a stride-1 convolution without padding, one kernel offset at a time.

    dout: (N, F, OH, OW), x: (N, C, H, W)  ->  dw: (F, C, KH, KW), db: (F,).
    """
    OH, OW = dout.shape[2:]
    dw = np.zeros((dout.shape[1], x.shape[1], KH, KW))
    for i in range(KH):
        for j in range(KW):  # offset (i, j) multiplied the window of x shifted by (i, j), at every position
            dw[:, :, i, j] = np.einsum("nfrs,ncrs->fc", dout, x[:, :, i:i + OH, j:j + OW])
    return dw, dout.sum(axis=(0, 2, 3))  # b[f] was added at every position of every image


SOLUTIONS = {
    "05.unvisited_rows": unvisited_rows,
    # Sobel x: right column minus left column, rows weighted 1-2-1 (every row sums to 0).
    "05.vertical_edge": np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]),
    "05.dense_params": dense_params,
    # blocks [[1, 5], [3, 2]], [[2, 0], [8, 1]], [[0, 7], [6, 1]], [[4, 4], [3, 9]]
    "05.max_pool_by_hand": [[5, 8], [7, 9]],
    # conv 3x3 -> 3 pixels; max pool 2 -> 3 + (2 - 1)·1 = 4, step 2; conv 3x3 -> 4 + (3 - 1)·2 = 8
    "05.receptive_field": 8,
    "05.conv_weight_grads": conv_weight_grads,
}
