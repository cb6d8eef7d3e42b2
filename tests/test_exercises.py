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
    ok = np.allclose(answer(z), z * z)
    assert ok, "wrong values for z = [-2, 0.5, 3]"


@ex.exercise("99.staged", hints=("Think of areas.", "A square's area is side times side.", "return z * z"))
def _staged_checker(answer):
    ex.forbid(answer, {"square": "multiply, without np.square", "power": "multiply, without np.power"})
    z = np.array([1.0, 2.0])
    ok = np.allclose(answer(z), z * z)
    assert ok, "wrong values"


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


def test_hints_are_staged_and_can_be_asked_for(capsys):
    ex.WRONG_TRIES.pop("99.staged", None)
    stages = []
    for _ in range(4):
        assert ex.check("99.staged", lambda z: z + 1) is False
        stages.append(capsys.readouterr().out)
    assert "Hint (1 of 3" in stages[0] and "Think of areas" in stages[0] and "z * z" not in stages[0]
    assert "Hint (2 of 3" in stages[1] and "side times side" in stages[1]
    assert "Hint (3 of 3)" in stages[2] and "return z * z" in stages[2] and "Hint (3 of 3)" in stages[3]
    ex.hint("99.staged", 1)
    assert "Think of areas" in capsys.readouterr().out
    ex.hint(2)  # the exercise checked last
    assert "side times side" in capsys.readouterr().out
    with pytest.raises(TypeError, match="sequence of stages"):
        ex.exercise("99.bad", hints="one string")


def test_forbid_rejects_an_answer_that_names_what_the_exercise_excludes(capsys):
    assert ex.check("99.staged", lambda z: z * z) is True
    capsys.readouterr()
    for bypass in (lambda z: np.square(z), lambda z: [np.power(v, 2) for v in z]):
        assert ex.check("99.staged", bypass) is False
        assert "without np." in capsys.readouterr().out

    def nested(z):
        def inner(v):
            return np.square(v)
        return inner(z)

    assert "square" in ex.names_used(nested)
    assert ex.check("99.staged", nested) is False


def test_bad_keys_are_explained():
    with pytest.raises(ValueError, match="look like '01.sigmoid_prime'"):
        ex.exercise("sigmoid")
    with pytest.raises(KeyError, match="no exercise"):
        ex.check("01.no_such_exercise", 1)


def test_tuple_answer_checks_the_form():
    assert ex.tuple_answer([1, np.zeros(2)], 2, "two things")[0] == 1
    for unattempted in ((1, ...), (None, None), [np.zeros(2), None]):
        with pytest.raises(ex.NotAttempted):
            ex.tuple_answer(unattempted, 2, "two things")
    for wrong in (None, 3, (1, 2, 3), "ab", {"a": 1, "b": 2}):
        with pytest.raises(AssertionError, match="give two things"):
            ex.tuple_answer(wrong, 2, "two things")


def test_dict_answer_checks_the_form():
    form = "{'a': number, 'b': number}"
    assert ex.dict_answer({"a": 1, "b": 2, "extra": 3}, "ab", form) == {"a": 1, "b": 2, "extra": 3}
    for unattempted in (None, ..., {"a": ..., "b": None}):
        with pytest.raises(ex.NotAttempted):
            ex.dict_answer(unattempted, "ab", form)
    for wrong, message in (([1, 2], "answer with a dict {'a'"), ({"a": 1}, r"no entry for \['b'\]"),
                           ({"a": 1, "b": ...}, "still empty: b; fill in every entry")):
        with pytest.raises(AssertionError, match=message):
            ex.dict_answer(wrong, "ab", form)


def test_number_answer_checks_the_form():
    assert ex.number_answer(3, "a count") == 3.0 and ex.number_answer(np.float32(0.5), "a factor") == 0.5
    count = ex.number_answer(12.0, "a count", whole=True)
    assert count == 12 and isinstance(count, int)
    for unattempted in (None, ...):
        with pytest.raises(ex.NotAttempted):
            ex.number_answer(unattempted, "a count")
    for wrong in ("0.75", True, [1.0]):
        with pytest.raises(AssertionError, match=r"answer with a number \(a factor\)"):
            ex.number_answer(wrong, "a factor")
    for wrong in (8.5, float("nan"), float("inf"), "12"):
        with pytest.raises(AssertionError, match=r"answer with a whole number \(a count\)"):
            ex.number_answer(wrong, "a count", whole=True)


def test_array_answer_checks_the_form():
    a = ex.array_answer([[1, 2], [3, 4]], (2, 2), "a 2x2 list")
    assert a.dtype == np.float64 and a.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    for unattempted in (None, ...):
        with pytest.raises(ex.NotAttempted):
            ex.array_answer(unattempted, (2, 2), "a 2x2 list")
    for wrong, message in ((["x", "y"], "answer with a 2x2 list"), ([1, 2, 3], r"has shape \(3,\)"),
                           ([[1, np.nan], [3, 4]], "NaN or inf")):
        with pytest.raises(AssertionError, match=message):
            ex.array_answer(wrong, (2, 2), "a 2x2 list")
    with pytest.raises(AssertionError, match=r"pooling halves it; your answer has shape \(4, 4\)"):
        ex.array_answer(np.zeros((4, 4)), (2, 2), "a 2x2 list", "pooling halves it")


def solution_modules():
    return [m.name for m in pkgutil.iter_modules(sol_pkg.__path__) if m.name.startswith("nb")]


def test_every_exercise_has_a_solution_and_every_solution_passes(capsys):
    ex.load_all()
    keys = {k for k in ex.registered() if not k.startswith("99.")}
    one_stage = sorted(k for k in keys if len(ex.registered()[k].hints) < 2)
    assert not one_stage, f"give these exercises staged hints (a nudge first, closer later): {one_stage}"
    solved = {}
    for name in solution_modules():
        solved.update(importlib.import_module(f"helpers.exercises.solutions.{name}").SOLUTIONS)
    assert keys, "no exercises registered"
    assert keys == set(solved), f"exercises without solutions: {keys - set(solved)}; " \
                                f"solutions without exercises: {set(solved) - keys}"
    for key in sorted(keys):
        assert ex.check(key, solved[key]) is True, capsys.readouterr().out
