"""Our NumPy multi-head attention forward (helpers.scratch.attention, for notebook 11) against PyTorch's
nn.MultiheadAttention, on the CPU, in float32.

Target (issue 12): batch 32, length 128, width 128, 4 heads, self-attention: NumPy within 1.5x of PyTorch's
forward pass (``need_weights=True, average_attn_weights=False``: both return every head's weights). Both run on one
core: the timing runs in a fresh Python process with OPENBLAS_NUM_THREADS=1 and OMP_NUM_THREADS=1, set before
NumPy and PyTorch load. A missed target makes ``dev.py bench`` exit non-zero.
"""

from bench.timing import SpeedTarget
from helpers.timing import fastest_in_turns

TARGET = 1.5  # NumPy time / PyTorch time must stay below this
B, L, E, HEADS = 32, 128, 128, 4


SPEED = SpeedTarget("attention", f"multi-head attention forward, batch {B}, length {L}, width {E}, {HEADS} heads",
                    TARGET, calls=20)
run, missed = SPEED.run, SPEED.missed  # what ``dev.py bench attention`` calls


def time_forward(calls: int) -> tuple:
    """(NumPy seconds, PyTorch seconds) of one self-attention forward pass, float32, on the CPU."""
    import numpy as np
    import torch
    from torch import nn

    from helpers.scratch.attention import multi_head_attention

    torch.manual_seed(0)
    mha = nn.MultiheadAttention(E, HEADS, batch_first=True).eval()
    x = torch.randn(B, L, E)
    weights = [p.detach().numpy() for p in (mha.in_proj_weight, mha.in_proj_bias, mha.out_proj.weight,
                                             mha.out_proj.bias)]
    x_np = x.numpy()

    def ours():
        return multi_head_attention(x_np, x_np, x_np, *weights, HEADS)

    def theirs():
        return mha(x, x, x, need_weights=True, average_attn_weights=False)

    with torch.no_grad():
        (out, w), (out_ref, w_ref) = ours(), theirs()
        if not (np.allclose(out, out_ref.numpy(), rtol=1e-4, atol=1e-5) and np.allclose(w, w_ref.numpy(), atol=1e-5)):
            raise AssertionError("multi_head_attention disagrees with nn.MultiheadAttention")
        t = fastest_in_turns({"NumPy": ours, "PyTorch": theirs}, rounds=calls)
    return t["NumPy"], t["PyTorch"]
