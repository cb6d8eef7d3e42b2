"""What every notebook's exercise tests share (01 to 13, one form): every reference solution passes, the notebook's
stubs count as not attempted, a wrong answer is rejected with its own message and a hint, and a notebook's first
hints (one per exercise, at least two stages each) are read in one place."""

import importlib

import pytest

from helpers.exercises import check, registered


def assert_feedback(key, answer, message, capsys):
    """check() rejects `answer` for exercise `key` and prints `message` (what is wrong) with a hint."""
    assert check(key, answer) is False, f"{key} accepted a wrong answer: {answer!r}"
    out = capsys.readouterr().out
    assert "✗" in out and message in out and "Hint (" in out, out


def assert_solutions_pass(solutions, capsys):
    """Every reference solution ({key: answer}) is accepted."""
    for key, answer in solutions.items():
        assert check(key, answer) is True, capsys.readouterr().out
    capsys.readouterr()


def assert_not_attempted(stubs, capsys):
    """The notebook's stubs ({key: what the exercise cell holds before the student writes}) count as not
    attempted: no verdict, no hint."""
    for key, stub in stubs.items():
        assert check(key, stub) is False, key
        assert "not attempted yet" in capsys.readouterr().out, key


def first_hints(notebook, solutions):
    """{key: first hint} of notebook `notebook`'s ("07") exercises; they must be exactly those with a solution."""
    importlib.import_module(f"helpers.exercises.nb{notebook}")  # registers its exercises
    exercises = {k: ex for k, ex in registered().items() if k.startswith(f"{notebook}.")}
    assert set(exercises) == set(solutions)
    assert all(len(ex.hints) >= 2 for ex in exercises.values()), "every exercise's hints come in stages"
    return {k: ex.hints[0] for k, ex in exercises.items()}


def exercise_tests(solutions, wrong):
    """The three tests every notebook's exercises get, for a test module to bind at its top level:

        (test_reference_solutions_pass, test_wrong_answers_are_rejected_with_a_hint,
         test_every_checker_has_wrong_answers) = exercise_tests(SOLUTIONS, WRONG)

    solutions: {key: reference answer}; wrong: [(key, wrong answer, what the message must say)], at least one for
    every exercise."""

    def test_reference_solutions_pass(capsys):
        assert_solutions_pass(solutions, capsys)

    @pytest.mark.parametrize("key,answer,message", wrong, ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(wrong)])
    def test_wrong_answers_are_rejected_with_a_hint(key, answer, message, capsys):
        assert_feedback(key, answer, message, capsys)

    def test_every_checker_has_wrong_answers():
        assert {k for k, _, _ in wrong} == set(solutions)

    return (test_reference_solutions_pass, test_wrong_answers_are_rejected_with_a_hint,
            test_every_checker_has_wrong_answers)

