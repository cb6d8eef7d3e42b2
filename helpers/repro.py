"""Reproducibility and device choice: one call to seed everything, one to pick the device."""

import os
import random

import numpy as np


def seed_everything(seed: int = 0) -> np.random.Generator:
    """Seed Python, NumPy and PyTorch (CPU and CUDA); return a fresh NumPy ``Generator``.

    Re-running a notebook after this call reproduces its numbers on the same machine.
    The returned generator is what from-scratch code should draw from (``rng.normal(...)``),
    so that no hidden global state decides the result.
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)  # noqa: NPY002 (seeds the legacy global generator for code that uses it)
    os.environ["PYTHONHASHSEED"] = str(seed)  # only affects subprocesses, set for completeness
    try:
        import torch
    except ImportError:  # the NumPy-only parts of the course still work
        return np.random.default_rng(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    return np.random.default_rng(seed)


def get_device():
    """``torch.device('cuda')`` when a GPU is present, else ``torch.device('cpu')``.

    Every PyTorch cell in the course moves its model and data to this device, so the same
    notebook uses a GPU on a machine that has one and runs unchanged on a laptop or Colab CPU.
    """
    import torch

    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
