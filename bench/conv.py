"""Our NumPy conv2d (helpers.scratch.conv, notebook 05) against PyTorch's F.conv2d, forward pass on the CPU.

Target (notebook 05's issue): within 5x of PyTorch on both layers of notebook 05's CNN. A missed target makes
``dev.py bench`` exit non-zero.
"""

TARGET = 5.0  # NumPy time / PyTorch time must stay below this
# The two layers of notebook 05's CNN: (in channels, out channels, image size)
CONFIGS = {"1 -> 16 channels, 28x28": (1, 16, 28), "16 -> 32 channels, 14x14": (16, 32, 14)}


def run(rounds: int = 4, calls: int = 20) -> dict:
    """Time both layers as notebook 05 does (`rounds` x `calls`: fewer only in tests); print one line per layer;
    return {layer: NumPy time / PyTorch time}."""
    ratios = {}
    for label, (C, F_, H) in CONFIGS.items():
        t_numpy, t_torch = time_layer(C, F_, H, rounds, calls)
        ratios[label] = t_numpy / t_torch
        print(f"conv2d {label:26s} NumPy {t_numpy * 1e3:6.2f} ms   PyTorch {t_torch * 1e3:6.2f} ms"
              f"   {ratios[label]:4.1f}x   {'within' if ratios[label] < TARGET else 'OVER'} the {TARGET:.0f}x target",
              flush=True)
    return ratios


def missed(ratios: dict) -> list[str]:
    """The layers whose NumPy / PyTorch ratio misses the target."""
    return [label for label, r in ratios.items() if not r < TARGET]


def time_layer(C: int, F_: int, H: int, rounds: int = 4, calls: int = 20) -> tuple:
    """(NumPy seconds, PyTorch seconds) of one forward pass of a 3x3 conv C -> F_ on 64 images H x H, float32,
    timed exactly as notebook 05 times it (helpers.timing.fastest_in_turns: 4 rounds of 20 calls, a pause before
    each turn)."""
    import numpy as np
    import torch
    import torch.nn.functional as F

    from helpers.scratch.conv import conv2d
    from helpers.timing import fastest_in_turns

    rng = np.random.default_rng(0)
    x, w, b = (rng.normal(size=s).astype(np.float32) for s in ((64, C, H, H), (F_, C, 3, 3), (F_,)))
    x_t, w_t, b_t = (torch.from_numpy(a) for a in (x, w, b))
    with torch.no_grad():
        if not np.allclose(conv2d(x, w, b), F.conv2d(x_t, w_t, b_t).numpy(), rtol=1e-4, atol=1e-4):
            raise AssertionError(f"conv2d disagrees with PyTorch for {C} -> {F_} channels at {H}x{H}")
        t = fastest_in_turns({"PyTorch": lambda: F.conv2d(x_t, w_t, b_t), "ours": lambda: conv2d(x, w, b)},
                             rounds=rounds, calls=calls, pause=0.1)
    return t["ours"], t["PyTorch"]
