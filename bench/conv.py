"""Our NumPy conv2d (helpers.scratch.conv, notebook 05) against PyTorch's F.conv2d, forward pass on the CPU.

Target (notebook 05's issue): within 5x of PyTorch on both layers of notebook 05's CNN. A missed target makes
``dev.py bench`` exit non-zero.
"""

import time

TARGET = 5.0  # NumPy time / PyTorch time must stay below this
# The two layers of notebook 05's CNN: (in channels, out channels, image size)
CONFIGS = {"1 -> 16 channels, 28x28": (1, 16, 28), "16 -> 32 channels, 14x14": (16, 32, 14)}


def run(calls: int = 60) -> dict:
    """Time both layers; print one line per layer; return {layer: NumPy time / PyTorch time}.

    Each function's time is the fastest of `calls` single calls: on a shared machine noise only ever adds
    time, so the minimum is the best estimate of the code's own cost (notebook 05, section 7, explains).
    """
    for C, F_, H in CONFIGS.values():
        # A first pass over both shapes, not timed: in a fresh process the memory allocator hands big arrays
        # back to the OS after each call and maps them afresh on the next (slow) until larger ones have
        # been freed; a notebook, with its earlier cells, is long past that point.
        time_layer(C, F_, H, calls=3)
    ratios = {}
    for label, (C, F_, H) in CONFIGS.items():
        t_numpy, t_torch = time_layer(C, F_, H, calls)
        ratios[label] = t_numpy / t_torch
        print(f"conv2d {label:26s} NumPy {t_numpy * 1e3:6.2f} ms   PyTorch {t_torch * 1e3:6.2f} ms"
              f"   {ratios[label]:4.1f}x   {'within' if ratios[label] < TARGET else 'OVER'} the {TARGET:.0f}x target",
              flush=True)
    return ratios


def missed(ratios: dict) -> list[str]:
    """The layers whose NumPy / PyTorch ratio misses the target."""
    return [label for label, r in ratios.items() if not r < TARGET]


def time_layer(C: int, F_: int, H: int, calls: int) -> tuple:
    """(NumPy seconds, PyTorch seconds) of one forward pass of a 3x3 conv C -> F_ on 64 images H x H, float32."""
    import timeit

    import numpy as np
    import torch
    import torch.nn.functional as F

    from helpers.scratch.conv import conv2d

    rng = np.random.default_rng(0)
    x, w, b = (rng.normal(size=s).astype(np.float32) for s in ((64, C, H, H), (F_, C, 3, 3), (F_,)))
    x_t, w_t, b_t = (torch.from_numpy(a) for a in (x, w, b))
    with torch.no_grad():
        if not np.allclose(conv2d(x, w, b), F.conv2d(x_t, w_t, b_t).numpy(), rtol=1e-4, atol=1e-4):
            raise AssertionError(f"conv2d disagrees with PyTorch for {C} -> {F_} channels at {H}x{H}")
        best = []
        for f in (lambda: conv2d(x, w, b), lambda: F.conv2d(x_t, w_t, b_t)):
            time.sleep(0.2)  # let the other library's spinning threads go to sleep first
            best.append(min(timeit.repeat(f, number=1, repeat=calls)))
    return tuple(best)
