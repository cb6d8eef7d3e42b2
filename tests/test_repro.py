"""helpers.repro: one seed call makes NumPy, Python and PyTorch repeat themselves."""

import random

import numpy as np
import pytest
import torch

from helpers.repro import get_device, seed_everything


def draw(rng):
    return rng.normal(size=3), np.random.rand(), random.random(), torch.rand(2)  # noqa: NPY002 (legacy API on purpose)


def test_seed_everything_reproduces_all_generators():
    a = draw(seed_everything(7))
    b = draw(seed_everything(7))
    c = draw(seed_everything(8))
    for x, y in zip(a, b, strict=True):
        assert np.array_equal(np.asarray(x), np.asarray(y))
    assert not np.array_equal(a[0], c[0])


@pytest.mark.parametrize("bad", [-1, 1.5, "0", True, None])
def test_seed_everything_rejects_bad_seeds(bad):
    with pytest.raises(ValueError, match="non-negative int"):
        seed_everything(bad)


def test_get_device_matches_cuda_availability():
    assert get_device().type == ("cuda" if torch.cuda.is_available() else "cpu")
