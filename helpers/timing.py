"""How the course measures speed: one way, shared by the notebooks (05, 08, 09, 11, 13) and ``dev.py bench``.

A timing is the fastest of many single calls: on a shared machine noise (other programs, the browser, a busy
Colab VM) only ever adds time, so the minimum is the best estimate of what the code itself costs. Several
functions are timed in turns (f, g, h, f, g, h, ...), so that a busy moment slows all of them, not only one, and
their ratio stays fairer than with one block of calls each.

One more thing makes a fresh process slower than a notebook, and it is not the code: the memory allocator. glibc
hands an array bigger than 128 KiB straight from the operating system (mmap) and returns it on free, so in a new
process every call that makes a 3 MB array pays for ~700 fresh pages (zeroed by the OS, one page fault each). Once
the program has freed a large array, glibc raises that threshold and keeps such arrays for reuse. A notebook is
long past that point after its first cells; ``dev.py bench`` runs in a fresh process. Measured on notebook 05's
first conv layer: PyTorch 1.3 ms and our NumPy conv 2.1 ms in a fresh process, 0.18 ms and 0.58 ms once the
threshold was raised (the notebook's own numbers). ``fastest_in_turns`` therefore frees one large array first
(``settle_allocator``), so that a benchmark and a notebook measure the same steady state.

A notebook prints what it measured and explains it; it never asserts a time or a ratio of times, because those
depend on the CPU and on what else runs on it. The targets are enforced by ``python3 dev.py bench`` alone.
"""

import time
from collections.abc import Callable

__all__ = ["fastest_in_turns", "settle_allocator", "synchronize"]


def synchronize(device=None) -> None:
    """Wait until a GPU has finished its queued work (it runs asynchronously); nothing on a CPU."""
    if device is not None and getattr(device, "type", device) == "cuda":
        import torch

        torch.cuda.synchronize()


def settle_allocator(size: int = 16 * 2**20) -> None:
    """Allocate and free one block of `size` bytes (no page of it is touched), as a program does in its first
    minutes: glibc then keeps arrays up to that size for reuse instead of mapping them fresh from the OS on every
    call. Harmless where the allocator works otherwise (macOS, Windows)."""
    import numpy as np

    block = np.empty(size, dtype=np.uint8)  # above glibc's first threshold (128 KiB): mapped, and freed below
    del block


def fastest_in_turns(functions: dict[str, Callable], rounds: int = 20, calls: int = 1, warmup: int = 1,
                     pause: float = 0.0, device=None, clock: Callable[[], float] = time.perf_counter) -> dict:
    """{name: seconds of its fastest call} for each function of `functions`, called with no arguments.

    Each function is first called `warmup` times untimed (a first call pays for memory mapping, caches and
    lazy set-up). Then come `rounds` rounds; in each, every function in turn gets `calls` timed single calls.
    `pause`: seconds of sleep before each function's turn, so the threads the other library left spinning go
    to sleep and do not compete for the cores (with a pause, give each turn several calls). `device`: a torch
    device, synchronised around each call so that a GPU's time is counted whole. `clock`: the clock that is
    read (tests pass a fake one).
    """
    if not isinstance(functions, dict) or not functions or not all(callable(f) for f in functions.values()):
        raise ValueError(f"fastest_in_turns expects a dict of name -> function of no arguments, got {functions!r}")
    if rounds < 1 or calls < 1 or warmup < 0 or pause < 0:
        raise ValueError(f"fastest_in_turns expects rounds >= 1, calls >= 1, warmup >= 0 and pause >= 0, got "
                         f"rounds={rounds}, calls={calls}, warmup={warmup}, pause={pause}")
    settle_allocator()
    for f in functions.values():
        for _ in range(warmup):
            f()
    best = dict.fromkeys(functions, float("inf"))
    for _ in range(rounds):
        for name, f in functions.items():
            if pause:
                time.sleep(pause)
            for _ in range(calls):
                synchronize(device)
                start = clock()
                f()
                synchronize(device)
                best[name] = min(best[name], clock() - start)
    return best
