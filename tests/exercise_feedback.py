"""What every notebook's exercise tests share: a wrong answer is rejected with its own message and a hint, and a
notebook's first hints (one per exercise) are read in one place."""

import importlib

from helpers.exercises import check, registered


def assert_feedback(key, answer, message, capsys):
    """check() rejects `answer` for exercise `key` and prints `message` (what is wrong) with a hint."""
    assert check(key, answer) is False
    out = capsys.readouterr().out
    assert message in out and "Hint (" in out, out


def first_hints(notebook, solutions):
    """{key: first hint} of notebook `notebook`'s ("07") exercises; they must be exactly those with a solution."""
    importlib.import_module(f"helpers.exercises.nb{notebook}")  # registers its exercises
    firsts = {k: ex.hints[0] for k, ex in registered().items() if k.startswith(f"{notebook}.")}
    assert set(firsts) == set(solutions)
    return firsts
