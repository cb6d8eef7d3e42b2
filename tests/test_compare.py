"""helpers.compare: the comparison every notebook relies on must pass what agrees and catch what does not."""

import numpy as np
import pytest
import torch

from helpers.compare import assert_close, assert_gradient, numerical_gradient, rel_error, to_numpy


def test_assert_close_passes_and_prints_a_stable_line(capsys):
    x = np.linspace(-2, 2, 7)
    assert_close("sin", np.sin(x), torch.sin(torch.tensor(x)))
    out = capsys.readouterr().out
    assert out == "✓ sin matches: shape (7,), max |diff| < 1e-10 (float64)\n"


def test_assert_close_reports_where_and_how_much():
    a = np.zeros((2, 3))
    b = torch.zeros(2, 3, dtype=torch.float64)
    b[1, 2] = 1e-3
    with pytest.raises(AssertionError) as e:
        assert_close("layer output", a, b)
    msg = str(e.value)
    assert "layer output" in msg and "(1, 2)" in msg and "1.000e-03" in msg and "relative" in msg


def test_assert_close_float32_tolerance():
    x = torch.randn(5, 4, generator=torch.Generator().manual_seed(0))
    ours = x.numpy().astype(np.float32) * (1 + 1e-6)
    with pytest.raises(AssertionError):
        assert_close("f32", ours, x)  # default float64 tolerance is too tight for float32 noise
    assert_close("f32", ours, x, atol=1e-5, rtol=1e-5, quiet=True)


@pytest.mark.parametrize("ours, ref", [
    (np.zeros(3), torch.zeros(4)),
    (np.zeros((2, 3)), torch.zeros(3, 2)),
])
def test_assert_close_rejects_shape_mismatch(ours, ref):
    with pytest.raises(AssertionError, match="shapes differ"):
        assert_close("x", ours, ref)


def test_assert_close_rejects_nan_and_bad_arguments():
    with pytest.raises(AssertionError, match="NaN"):
        assert_close("x", np.array([np.nan]), torch.tensor([np.nan], dtype=torch.float64))
    with pytest.raises(ValueError, match="name"):
        assert_close("", np.zeros(1), np.zeros(1))
    with pytest.raises(ValueError, match="tolerances"):
        assert_close("x", np.zeros(1), np.zeros(1), atol=-1)
    with pytest.raises(TypeError, match="numeric"):
        assert_close("x", np.array(["a"]), np.array(["a"]))


def test_to_numpy_handles_grad_tensors():
    t = torch.ones(2, requires_grad=True) * 3
    assert np.array_equal(to_numpy(t), [3.0, 3.0])


def test_rel_error():
    assert rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
    assert rel_error(np.array([1.0]), np.array([1.0 + 2e-6])) == pytest.approx(1e-6, rel=1e-3)
    with pytest.raises(AssertionError, match="shapes"):
        rel_error(np.zeros(2), np.zeros(3))


def test_numerical_gradient_matches_analytic():
    x = np.array([[0.3, -1.2], [2.0, 0.5]])
    grad = numerical_gradient(lambda v: np.sum(v**3), x)
    assert rel_error(grad, 3 * x**2) < 1e-8
    assert np.array_equal(x, [[0.3, -1.2], [2.0, 0.5]]), "x must be restored"


def test_numerical_gradient_rejects_float32():
    with pytest.raises(TypeError, match="float64"):
        numerical_gradient(np.sum, np.zeros(3, dtype=np.float32))
    with pytest.raises(ValueError, match="eps"):
        numerical_gradient(np.sum, np.zeros(3), eps=0)


def test_check_gradient_catches_a_wrong_gradient(capsys):
    x = np.array([0.5, -0.25, 1.5])
    assert_gradient("cube", lambda v: np.sum(v**3), x, 3 * x**2)
    assert "relative error < 1e-06" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="disagrees"):
        assert_gradient("cube", lambda v: np.sum(v**3), x, 2 * x**2)
