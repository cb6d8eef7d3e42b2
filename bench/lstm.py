"""Our NumPy LSTM forward (helpers.scratch.lstm, notebook 09) against PyTorch's nn.LSTM, on the CPU, in float32.

Target: batch 32, 100 steps, 64 inputs, 128 hidden units: NumPy within 3x of PyTorch's forward pass. (Issue 10 set
2.5x for a forward written for speed: the inputs' products hoisted out of the loop, the gates made in place. Issue 25
asked notebook 09 to teach the plain loop of lstm_step instead, which measures 2.7-2.8x on the 2-core reference
machine: nearly all of the gap is one BLAS call per step, OpenBLAS taking ~59 us where PyTorch takes ~32 us for the
same (32, 192) @ (192, 512) float32 product.)
Both run on one core, as in notebook 09 (for matrices this small, a second thread costs about as much as it saves,
and on a busy machine far more): the timing runs in a fresh Python process with OPENBLAS_NUM_THREADS=1 and
OMP_NUM_THREADS=1, set before NumPy and PyTorch load. A missed target makes ``dev.py bench`` exit non-zero.
"""

from bench.timing import SpeedTarget
from helpers.timing import fastest_in_turns

TARGET = 3.0  # NumPy time / PyTorch time must stay below this
B, T, D, H = 32, 100, 64, 128


SPEED = SpeedTarget("lstm", f"LSTM forward, batch {B}, {T} steps, {D} -> {H}", TARGET, calls=15)
run, missed = SPEED.run, SPEED.missed  # what ``dev.py bench lstm`` calls


def time_forward(calls: int) -> tuple:
    """(NumPy seconds, PyTorch seconds) of one forward pass, float32, on the CPU, with the threads this process has."""
    import numpy as np
    import torch
    from torch import nn

    from helpers.scratch.lstm import fuse_lstm_weights, lstm_forward

    torch.manual_seed(0)
    lstm = nn.LSTM(D, H, batch_first=True)
    x, h0 = torch.randn(B, T, D), torch.zeros(1, B, H)
    W, b = fuse_lstm_weights(*(p.detach().numpy() for p in (lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0,
                                                            lstm.bias_hh_l0)))
    x_np, h_np = x.numpy(), h0[0].numpy()
    with torch.no_grad():
        if not np.allclose(lstm_forward(x_np, h_np, h_np, W, b)[0], lstm(x, (h0, h0))[0].numpy(), rtol=1e-4,
                           atol=1e-5):
            raise AssertionError("lstm_forward disagrees with nn.LSTM")
        t = fastest_in_turns({"NumPy": lambda: lstm_forward(x_np, h_np, h_np, W, b),
                              "PyTorch": lambda: lstm(x, (h0, h0))}, rounds=calls)
    return t["NumPy"], t["PyTorch"]
