"""helpers.exercises: feedback is right for correct, wrong and missing answers, and every reference
solution passes its own checker (so no exercise is impossible)."""

import importlib
import pkgutil

import numpy as np
import pytest

import helpers.exercises as ex
import helpers.exercises.solutions as sol_pkg


@ex.exercise("99.square", hint="Multiply z by itself.")
def _square_checker(answer):
    z = np.array([-2.0, 0.5, 3.0])
    assert np.allclose(answer(z), z * z), "wrong values for z = [-2, 0.5, 3]"


def test_feedback_lines(capsys):
    assert ex.check("99.square", lambda z: z * z) is True
    assert "✓ Exercise 99.square: correct" in capsys.readouterr().out

    assert ex.check("99.square", lambda z: z + z) is False
    out = capsys.readouterr().out
    assert "✗ Exercise 99.square: not quite. wrong values" in out and "Hint: Multiply" in out

    assert ex.check("99.square", lambda z: 1 / 0) is False
    assert "raised ZeroDivisionError" in capsys.readouterr().out

    def stub(z):
        ...  # your code here

    def not_implemented(z):
        raise NotImplementedError

    for unattempted in (None, ..., stub, not_implemented):
        assert ex.check("99.square", unattempted) is False
        assert "not attempted yet" in capsys.readouterr().out


def test_bad_keys_are_explained():
    with pytest.raises(ValueError, match="look like '01.sigmoid_prime'"):
        ex.exercise("sigmoid")
    with pytest.raises(KeyError, match="no exercise"):
        ex.check("01.no_such_exercise", 1)


def solution_modules():
    return [m.name for m in pkgutil.iter_modules(sol_pkg.__path__) if m.name.startswith("nb")]


def test_every_exercise_has_a_solution_and_every_solution_passes(capsys):
    ex.load_all()
    keys = {k for k in ex.registered() if not k.startswith("99.")}
    solved = {}
    for name in solution_modules():
        solved.update(importlib.import_module(f"helpers.exercises.solutions.{name}").SOLUTIONS)
    assert keys, "no exercises registered"
    assert keys == set(solved), f"exercises without solutions: {keys - set(solved)}; " \
                                f"solutions without exercises: {set(solved) - keys}"
    for key in sorted(keys):
        assert ex.check(key, solved[key]) is True, capsys.readouterr().out
