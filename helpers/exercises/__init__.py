"""Exercises with instant feedback: correct, wrong with a hint, or not attempted yet.

A notebook's exercise cell looks like::

    def sigmoid_prime(z):
        ...  # your code here

    _ = check("01.sigmoid_prime", sigmoid_prime)  # `_ =`: check returns True/False, not worth printing

``check`` never raises, so a notebook with unattempted exercises still runs top to bottom.
The checkers for notebook NN live in ``helpers/exercises/nbNN.py``; reference solutions live in
``helpers/exercises/solutions/nbNN.py`` (out of sight, and tests prove each one passes its checker).

Writing a checker::

    @exercise("01.sigmoid_prime", hint="The derivative of σ is σ(z)(1 − σ(z)).")
    def _(answer):
        z = np.linspace(-4, 4, 9)
        assert np.allclose(answer(z), ...), "wrong values at z = -4..4"

Before judging a tuple, dict or array answer, ``tuple_answer``, ``dict_answer`` and ``array_answer`` check
its form and turn a placeholder into "not attempted" and a malformed answer into a message the student can
act on.
"""

import importlib
from dataclasses import dataclass
from typing import Callable

import numpy as np

__all__ = ["exercise", "check", "NotAttempted", "registered", "load_all", "tuple_answer", "dict_answer",
           "array_answer"]


class NotAttempted(Exception):
    """Raised by a checker (or by the student's stub) while an exercise has not been tried yet."""


@dataclass(frozen=True)
class Exercise:
    key: str
    checker: Callable
    hint: str


_REGISTRY: dict = {}


def exercise(key: str, hint: str = ""):
    """Decorator: register ``checker(answer)``, which raises AssertionError("what is wrong") on a wrong answer."""
    _parse(key)

    def register(checker):
        _REGISTRY[key] = Exercise(key, checker, hint)
        return checker

    return register


def _parse(key):
    nb, _, name = key.partition(".") if isinstance(key, str) else ("", "", "")
    if not (len(nb) == 2 and nb.isdigit() and name):
        raise ValueError(f"exercise keys look like '01.sigmoid_prime' (notebook number, dot, name); got {key!r}")
    return nb, name


def _lookup(key: str) -> Exercise:
    nb, _ = _parse(key)
    if key not in _REGISTRY:
        try:
            importlib.import_module(f"helpers.exercises.nb{nb}")
        except ModuleNotFoundError:
            raise KeyError(f"no exercise '{key}': there are no exercises for notebook {nb}") from None
    if key not in _REGISTRY:
        known = sorted(k for k in _REGISTRY if k.startswith(nb + "."))
        raise KeyError(f"no exercise '{key}'; notebook {nb} has {known}")
    return _REGISTRY[key]


def _is_unattempted(answer) -> bool:
    return answer is None or answer is Ellipsis


def _guard(answer):
    """Wrap a student's function so that a stub (body ``...``/``pass``/NotImplementedError) counts as unattempted."""
    if not callable(answer):
        return answer

    def guarded(*args, **kwargs):
        try:
            result = answer(*args, **kwargs)
        except NotImplementedError as e:
            raise NotAttempted from e
        if _is_unattempted(result):
            raise NotAttempted
        return result

    return guarded


def tuple_answer(answer, n: int, form: str) -> tuple:
    """The student's answer of `n` parts, e.g. (y_hat, w_new, b_new), once every part is filled in.

    Raises AssertionError (shown to the student: "give <form>") when it is not a tuple or list of `n`
    things, NotAttempted while any part is still a placeholder (None or ...).
    """
    if not (isinstance(answer, (tuple, list)) and len(answer) == n):
        raise AssertionError(f"give {form}")
    if any(_is_unattempted(a) for a in answer):
        raise NotAttempted
    return tuple(answer)


def dict_answer(answer, keys, form: str) -> dict:
    """The student's {key: value} answer, once it has every one of `keys` filled in.

    Raises NotAttempted while the answer, or every value in it, is still a placeholder (None or ...);
    AssertionError (shown to the student) when it is not a dict, lacks a key or leaves one empty.
    `form` shows the expected answer, e.g. "{'a': ..., 'b': ...}".
    """
    if _is_unattempted(answer):
        raise NotAttempted
    if not isinstance(answer, dict):
        raise AssertionError(f"answer with a dict {form}")
    missing = [k for k in keys if k not in answer]
    if missing:
        raise AssertionError(f"the dict has no entry for {missing}")
    empty = [k for k in keys if _is_unattempted(answer[k])]
    if len(empty) == len(keys):
        raise NotAttempted
    if empty:
        raise AssertionError(f"still empty: {', '.join(map(str, empty))}; fill in every entry of {form}")
    return answer


def array_answer(answer, shape: tuple, form: str, shape_why: str = "") -> np.ndarray:
    """The student's numeric answer as a float64 array of `shape`, all of it finite.

    Raises NotAttempted for a placeholder (None or ...); AssertionError (shown to the student) when the
    answer is not numbers, has another shape (`shape_why` says why the shape must be `shape`) or holds
    NaN or inf. `form` shows an example, e.g. "a 2x2 list of numbers, e.g. [[1, 2], [3, 4]]".
    """
    if _is_unattempted(answer):
        raise NotAttempted
    try:
        a = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        raise AssertionError(f"answer with {form}") from None
    if a.shape != tuple(shape):
        raise AssertionError(f"{shape_why or 'the answer must have shape ' + str(tuple(shape))}; "
                             f"your answer has shape {a.shape}")
    if not np.isfinite(a).all():
        raise AssertionError("the answer contains NaN or inf")
    return a


def check(key: str, answer) -> bool:
    """Check a student's answer; print one feedback line; return True when correct. Never raises
    for a wrong or missing answer (only for a misspelt exercise key)."""
    ex = _lookup(key)
    if _is_unattempted(answer):
        print(f"◻ Exercise {key}: not attempted yet. Fill in your answer and run this cell again.")
        return False
    try:
        ex.checker(_guard(answer))
    except NotAttempted:
        print(f"◻ Exercise {key}: not attempted yet. Fill in your answer and run this cell again.")
        return False
    except AssertionError as e:
        print(f"✗ Exercise {key}: not quite. {e}".rstrip() + (f"\n  Hint: {ex.hint}" if ex.hint else ""))
        return False
    except Exception as e:  # the student's code crashed: show why, kindly
        print(f"✗ Exercise {key}: your code raised {type(e).__name__}: {e}"
              + (f"\n  Hint: {ex.hint}" if ex.hint else ""))
        return False
    print(f"✓ Exercise {key}: correct, well done!")
    return True


def load_all() -> None:
    """Import every ``nbNN`` checker module (used by the tests)."""
    import pkgutil

    import helpers.exercises as pkg

    for mod in pkgutil.iter_modules(pkg.__path__):
        if mod.name.startswith("nb"):
            importlib.import_module(f"helpers.exercises.{mod.name}")


def registered() -> dict:
    """All registered exercises, key -> Exercise (after ``load_all``)."""
    return dict(_REGISTRY)
