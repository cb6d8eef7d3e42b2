"""The one float-array check that both halves of validate/ (conv and attention) use."""

import numpy as np

__all__ = ["check_float_array"]


def check_float_array(a, where, name, shape_text):
    """Raise ValueError unless `a` is a float32 or float64 NumPy array; the message names the function (`where`),
    the argument, the shape it should have, and how to convert one of another dtype."""
    if not isinstance(a, np.ndarray):
        raise ValueError(f"{where} expects {name} of shape {shape_text} as a float32 or float64 NumPy array, got "
                         f"{type(a).__name__}")
    if a.dtype not in (np.float32, np.float64):
        raise ValueError(f"{where} expects {name} of shape {shape_text} as a float32 or float64 NumPy array, got "
                         f"{a.dtype}: convert it first, e.g. {name}.astype(np.float32) (and scale images to [0, 1])")
