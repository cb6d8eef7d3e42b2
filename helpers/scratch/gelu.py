"""GELU, the smooth ReLU of BERT and GPT, in NumPy: exact (x Φ(x), with Φ the normal CDF) and its tanh approximation,
each with its backward. Taught in notebook 12 (BERT); notebook 11's feed-forward block offers it by name.

NumPy has no erf, so Φ is computed here from a polynomial fitted once at import (``_fit_normal_tail``), to float64
(or float32) precision: the fit is numerical craft, not the lesson, which is why it lives here.
"""

import math
from fractions import Fraction

import numpy as np
from numpy.polynomial import chebyshev

from helpers.scratch.validate import check_float_array

__all__ = ["normal_cdf", "gelu", "gelu_backward", "gelu_tanh", "gelu_tanh_backward", "GELU_C"]


def _fit_normal_tail(a_max, degree, shift=3.0):
    """Coefficients of Φ(-x) = exp(-a²) · t · P(u) for x >= 0, a = x / √2, t = shift / (a + shift) in (0, 1],
    P(u) = sum_j c_j u^j and u = alpha t - beta in [-1, 1] for 0 <= a <= a_max. Returns (c, alpha, beta, shift).

    Φ(-x) = erfc(a) / 2, and exp(a²)·erfc(a) / t is smooth and slowly varying in t (from 1 at a = 0 to about
    shift / √π far out), so a polynomial fits it well: we interpolate it at Chebyshev points (a near-best fit),
    from Python's math.erfc, once, at import. The Fraction makes a² exact at those points: exp of a rounded a²
    would be off by up to a² ulps.
    """
    lo, hi = shift / (a_max + shift), 1.0  # the range of t

    def f(ts):
        a = [shift / t - shift for t in ts]
        return [0.5 * math.exp(ai * ai) * math.exp(float(Fraction(ai) ** 2 - Fraction(ai * ai))) * math.erfc(ai) / t
                for ai, t in zip(a, ts, strict=True)]

    coef = chebyshev.cheb2poly(chebyshev.Chebyshev.interpolate(f, degree, domain=[lo, hi]).coef)
    return [float(c) for c in coef], 2 / (hi - lo), (hi + lo) / (hi - lo), shift


# Beyond a_max, erfc(a) is below the smallest normal number (float64: 1e-308; float32: 1e-38); there the
# polynomial runs a little past its range and exp(-a²) takes the result to 0. Measured against math.erfc, the
# relative error of Φ(-|x|) is below 2e-14 for |x| < 4 and 3e-13 down to x = -37 in float64 (degree 18), and
# 2e-6 for |x| < 4 in float32 (degree 8). Most of it is exp(-a²) of a rounded a², off by about a² · eps: the
# price of computing from x at all (PyTorch's float32 erf pays it too).
_NORMAL_TAIL = {np.dtype(np.float64): _fit_normal_tail(26.5, 18), np.dtype(np.float32): _fit_normal_tail(10.0, 8)}


def _normal_tail_and_pdf(x):
    """Φ(-|x|) and φ(x) = exp(-x²/2) / sqrt(2π) for a float array x, in x's dtype.

    Φ(-|x|) = exp(-a²) t P(u) (``_fit_normal_tail``): ONE polynomial on the whole array, no masks, and full
    relative precision far out in the tail. NumPy has no erf.
    """
    coef, alpha, beta, shift = _NORMAL_TAIL[x.dtype]
    a = np.abs(x)
    a *= 1 / math.sqrt(2)
    t = np.add(a, shift)
    np.divide(shift, t, out=t)
    u = t * alpha
    u -= beta
    tail = np.full_like(u, coef[-1])
    for c in coef[-2::-1]:  # Horner: ((c_n u + c_{n-1}) u + ...) u + c_0
        tail *= u
        tail += c
    tail *= t
    np.square(a, out=a)
    np.negative(a, out=a)
    pdf = np.exp(a, out=a)  # exp(-a²) = exp(-x² / 2)
    tail *= pdf
    pdf *= 1 / math.sqrt(2 * math.pi)
    return tail, pdf


def normal_cdf(x):
    """Φ(x) = P(N(0, 1) <= x) = (1 + erf(x / √2)) / 2, elementwise, to float64 (or float32) precision.

    Φ(x) = Φ(-|x|) for x < 0 and 1 - Φ(-|x|) for x > 0, so the left tail keeps its relative precision
    (PyTorch's (1 + erf(x / √2)) / 2 loses all its digits there).
    """
    check_float_array(x, "normal_cdf", "x", "(any shape)")
    return _cdf_from_tail(x, _normal_tail_and_pdf(x)[0])


def _cdf_from_tail(x, tail):
    tail *= np.sign(x)
    return np.heaviside(x, 0.5).astype(x.dtype, copy=False) - tail  # x < 0: 0 + tail; x > 0: 1 - tail; x = 0: 1/2


def gelu(x):
    """GELU(x) = x Φ(x), the exact form (PyTorch's default ``F.gelu(x)``; BERT's activation).

    Like ReLU for large |x| (Φ -> 1 or 0), but smooth: it lets a little of a negative input through.
    Computed as max(x, 0) - |x| Φ(-|x|) (the same for x < 0 and for x > 0): ReLU minus a correction that
    vanishes far from 0, without a mask or a branch.
    """
    check_float_array(x, "gelu", "x", "(any shape)")
    correction = _normal_tail_and_pdf(x)[0]
    correction *= np.minimum(np.abs(x), np.finfo(x.dtype).max)  # finite: at x = ±inf, 0 * inf would be NaN
    y = np.maximum(x, 0)
    y -= correction
    return y


def gelu_backward(dy, x):
    """d GELU / dx = Φ(x) + x φ(x); returns dy times that (x: the forward input)."""
    tail, pdf = _normal_tail_and_pdf(x)
    pdf *= x
    pdf += _cdf_from_tail(x, tail)
    pdf *= dy
    return pdf


GELU_C = math.sqrt(2 / math.pi)


def gelu_tanh(x):
    """The tanh approximation of GELU, 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³))), as
    ``F.gelu(x, approximate="tanh")``: GPT-2's activation (an erf was slow on 2019 hardware)."""
    check_float_array(x, "gelu_tanh", "x", "(any shape)")
    t = _gelu_tanh_inner(x)
    t += 1
    t *= x
    t *= 0.5
    return t


def _gelu_tanh_inner(x):
    """tanh(√(2/π) (x + 0.044715 x³)), in place on one new array (x * x * x: x**3 would call the slow pow)."""
    t = x * x
    t *= 0.044715
    t += 1
    t *= x
    t *= GELU_C
    return np.tanh(t, out=t)


def gelu_tanh_backward(dy, x):
    """dy times d gelu_tanh / dx = 0.5 (1 + t) + 0.5 x (1 - t²) √(2/π) (1 + 3 · 0.044715 x²), t = tanh(...)."""
    t = _gelu_tanh_inner(x)
    return dy * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_C * (1 + 3 * 0.044715 * x * x))
