"""Comparisons (``assert_*``): does our NumPy code agree with PyTorch, and do our gradients agree with finite
differences?

Every comparison prints ONE line that does not change between runs: the bound that was met,
not the noise (``max |diff| < 1e-10``). A mismatch raises ``AssertionError`` with the largest
absolute and relative difference and where it happens, so a student sees at once what is wrong.
"""

import numpy as np

__all__ = ["to_numpy", "rel_error", "assert_close", "numerical_gradient", "assert_gradient"]


def to_numpy(x) -> np.ndarray:
    """A NumPy array from a NumPy array, a torch tensor (any device, with or without grad) or a number."""
    if hasattr(x, "detach") and hasattr(x, "cpu"):  # a torch tensor, without importing torch
        return x.detach().cpu().numpy()
    return np.asarray(x)


def rel_error(a, b) -> float:
    """CS231n's relative error ``max |a - b| / max(|a| + |b|)``: about 1e-7 or less means "agree"."""
    a, b = to_numpy(a).astype(np.float64), to_numpy(b).astype(np.float64)
    _check_same_shape(a, b, "rel_error")
    denom = np.maximum(np.abs(a) + np.abs(b), 1e-300)
    return float(np.max(np.abs(a - b) / denom)) if a.size else 0.0


def _check_same_shape(a: np.ndarray, b: np.ndarray, name: str) -> None:
    if a.shape != b.shape:
        raise AssertionError(f"{name}: shapes differ: ours {a.shape} vs reference {b.shape}")


def assert_close(name: str, ours, reference, atol: float = 1e-10, rtol: float = 1e-7,
                 quiet: bool = False) -> None:
    """Assert that ``ours`` (NumPy) equals ``reference`` (a torch tensor or array) elementwise.

    Passes when ``|ours - reference| <= atol + rtol * |reference|`` everywhere (``numpy.isclose``'s
    rule). The defaults suit float64; for float32 pass e.g. ``atol=1e-5, rtol=1e-4`` and say so.
    Prints ``✓ name matches (shape, max |diff| < atol)`` unless ``quiet``.

    Raises AssertionError naming the largest absolute and relative difference and its index.
    """
    if not isinstance(name, str) or not name:
        raise ValueError("assert_close needs a short name for what is compared, e.g. 'sigmoid output'")
    if atol < 0 or rtol < 0:
        raise ValueError(f"tolerances must be >= 0, got atol={atol}, rtol={rtol}")
    a, b = to_numpy(ours), to_numpy(reference)
    _check_same_shape(a, b, name)
    if not (np.issubdtype(a.dtype, np.number) and np.issubdtype(b.dtype, np.number)):
        raise TypeError(f"{name}: expected numeric arrays, got dtypes {a.dtype} and {b.dtype}")
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    if a64.size and not (np.all(np.isfinite(a64)) and np.all(np.isfinite(b64))):
        bad = "ours" if not np.all(np.isfinite(a64)) else "reference"
        raise AssertionError(f"{name}: {bad} contains NaN or inf")
    diff = np.abs(a64 - b64)
    ok = np.all(diff <= atol + rtol * np.abs(b64))
    if not ok:
        idx = np.unravel_index(np.argmax(diff), diff.shape)
        rel = diff / np.maximum(np.abs(b64), 1e-300)
        raise AssertionError(
            f"{name}: ours and the reference differ (allowed atol={atol:.0e}, rtol={rtol:.0e}): "
            f"max |diff| = {diff.max():.3e} at index {tuple(int(i) for i in idx)} "
            f"(ours {a64[idx]:.6g}, reference {b64[idx]:.6g}); max relative diff = {rel.max():.3e}"
        )
    if not quiet:
        print(f"✓ {name} matches: shape {tuple(a.shape)}, max |diff| < {atol:.0e} ({a.dtype})")


def numerical_gradient(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Centred finite differences ``(f(x + eps e_i) - f(x - eps e_i)) / (2 eps)`` for every entry of x.

    f: a function of the float64 array ``x`` (any shape) returning a scalar. The error of the
    centred formula is O(eps^2), so in float64 with eps=1e-6 expect a relative error around 1e-8.
    ``x`` is changed in place during the loop and restored afterwards.
    """
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise TypeError(f"numerical_gradient needs a float64 NumPy array, got {type(x).__name__} "
                        f"{getattr(x, 'dtype', '')}: finite differences are meaningless in float32")
    if not eps > 0:
        raise ValueError(f"eps must be > 0, got {eps}")
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + eps
        f_plus = float(f(x))
        x[i] = old - eps
        f_minus = float(f(x))
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def assert_gradient(name: str, f, x: np.ndarray, analytic, tol: float = 1e-6, eps: float = 1e-6) -> float:
    """Compare an analytic gradient with centred finite differences; print one verdict line.

    Returns the relative error (see ``rel_error``). Raises AssertionError above ``tol``.
    """
    numeric = numerical_gradient(f, x, eps)
    analytic = to_numpy(analytic)
    _check_same_shape(analytic, numeric, name)
    err = rel_error(analytic, numeric)
    if not err <= tol:
        raise AssertionError(f"{name}: analytic gradient disagrees with finite differences: "
                             f"relative error {err:.2e} > {tol:.0e}")
    print(f"✓ {name}: gradient agrees with finite differences (relative error < {tol:.0e})")
    return err
