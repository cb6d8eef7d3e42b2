"""Exercises with instant feedback: correct, wrong with a hint, or not attempted yet.

A notebook's exercise cell looks like::

    def sigmoid_prime(z):
        ...  # your code here

    _ = check("01.sigmoid_prime", sigmoid_prime)  # `_ =`: check returns True/False, not worth printing

``check`` never raises, so a notebook with unattempted exercises still runs top to bottom.

Hints are staged: the first wrong try shows the first hint (a nudge toward the idea), each later wrong
try the next one (closer to the code); ``hint("01.sigmoid_prime", 2)`` (or ``hint(2)`` for the exercise
checked last) shows a chosen stage at once.
The checkers for notebook NN live in ``helpers/exercises/nbNN.py``; reference solutions live in
``helpers/exercises/solutions/nbNN.py`` (out of sight, and tests prove each one passes its checker).

Writing a checker::

    @exercise("01.sigmoid_prime", hints=("How does σ(z) change when z moves a little? Think of the chain rule.",
                                         "σ'(z) can be written with σ(z) itself.",
                                         "σ'(z) = σ(z)(1 − σ(z))"))
    def _(answer):
        z = np.linspace(-4, 4, 9)
        assert np.allclose(answer(z), ...), "wrong values at z = -4..4"

Before judging a tuple, dict or array answer, ``tuple_answer``, ``dict_answer`` and ``array_answer`` check
its form and turn a placeholder into "not attempted" and a malformed answer into a message the student can
act on.

Where an exercise says "without X", the checker calls ``forbid(answer, {"X": "why not"})``: it fails an
answer whose code (nested functions included) names X.
"""

import functools
import importlib
import inspect
import types
from dataclasses import dataclass
from typing import Callable

import numpy as np

__all__ = ["exercise", "check", "hint", "NotAttempted", "registered", "load_all", "number_answer", "tuple_answer",
           "dict_answer", "array_answer", "names_used", "forbid", "WRONG_TRIES"]


class NotAttempted(Exception):
    """Raised by a checker (or by the student's stub) while an exercise has not been tried yet."""


@dataclass(frozen=True)
class Exercise:
    key: str
    checker: Callable
    hints: tuple  # staged: a nudge toward the idea first, closer to the code later


_REGISTRY: dict = {}
WRONG_TRIES: dict = {}  # key -> wrong answers so far in this kernel (picks the hint stage; clear it to start over)
_LAST_CHECKED: list = []  # the key checked last, for hint(level)


def exercise(key: str, hints=(), hint: str = ""):
    """Decorator: register ``checker(answer)``, which raises AssertionError("what is wrong") on a wrong answer.

    hints: the staged hints, a nudge toward the idea first and the code (if ever) last; each wrong try shows
    the next stage. (``hint="..."`` registers a single stage.)
    """
    _parse(key)
    if isinstance(hints, str):
        raise TypeError(f"exercise {key!r}: hints is a sequence of stages, e.g. hints=('nudge', 'closer')")
    stages = tuple(hints) + ((hint,) if hint else ())
    if not all(isinstance(h, str) and h.strip() for h in stages):
        raise ValueError(f"exercise {key!r}: every hint stage must be a non-empty str")

    def register(checker):
        _REGISTRY[key] = Exercise(key, checker, stages)
        return checker

    return register


def _hint_line(ex: Exercise, stage: int) -> str:
    """'Hint (1 of 3): ...' for stage 1..n (clamped), or '' when the exercise has no hints."""
    if not ex.hints:
        return ""
    if len(ex.hints) == 1:
        return f"\n  Hint: {ex.hints[0]}"
    stage = min(max(stage, 1), len(ex.hints))
    more = f'; hint("{ex.key}", {stage + 1}) shows the next' if stage < len(ex.hints) else ""
    return f"\n  Hint ({stage} of {len(ex.hints)}{more}): {ex.hints[stage - 1]}"


def hint(key_or_stage=None, stage=None) -> None:
    """Print a hint: ``hint("01.sigmoid_prime", 2)``, ``hint(2)`` (the exercise checked last), or ``hint()``
    (the next stage for the exercise checked last)."""
    if isinstance(key_or_stage, int) and stage is None:
        key_or_stage, stage = None, key_or_stage
    key = key_or_stage if key_or_stage is not None else (_LAST_CHECKED[-1] if _LAST_CHECKED else None)
    if key is None:
        print("Run an exercise's check cell first, or name it: hint(\"01.sigmoid_prime\", 1)")
        return
    ex = _lookup(key)
    if not ex.hints:
        print(f"Exercise {key} has no hints.")
        return
    stage = stage if stage is not None else WRONG_TRIES.get(key, 0) + 1
    print(f"Exercise {key}:" + _hint_line(ex, stage))


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

    @functools.wraps(answer)  # keeps __wrapped__: names_used reads the student's own code
    def guarded(*args, **kwargs):
        try:
            result = answer(*args, **kwargs)
        except NotImplementedError as e:
            raise NotAttempted from e
        if _is_unattempted(result):
            raise NotAttempted
        return result

    return guarded


def number_answer(answer, what: str, whole: bool = False):
    """The student's numeric answer: a float, or an int with ``whole=True`` (a count).

    Raises NotAttempted for a placeholder (None or ...); AssertionError ("answer with a number (what)", shown to
    the student) for anything that is not a number, a bool or a numeric string included, and with ``whole=True``
    for a number that is not whole.
    """
    if _is_unattempted(answer):
        raise NotAttempted
    kind = "a whole number" if whole else "a number"
    ok = not isinstance(answer, bool) and isinstance(answer, (int, float, np.integer, np.floating))
    if not ok or (whole and not (np.isfinite(answer) and answer == int(answer))):
        raise AssertionError(f"answer with {kind} ({what}), got {answer!r}")
    return int(answer) if whole else float(answer)


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


def names_used(func) -> set:
    """Every global, attribute and method name that ``func``'s code mentions, nested functions, lambdas and
    comprehensions included (``np.kron(x)`` -> {"np", "kron", ...}). Unwraps the checker's guard."""
    func = inspect.unwrap(func)
    code = getattr(func, "__code__", None)
    if code is None:
        return set()
    names, todo = set(), [code]
    while todo:
        c = todo.pop()
        names.update(c.co_names)
        todo.extend(k for k in c.co_consts if isinstance(k, types.CodeType))
    return names


def forbid(answer, forbidden: dict) -> None:
    """AssertionError when the answer's code names something the exercise says not to use.

    forbidden: name -> why, e.g. ``{"kron": "build it with indexing, not np.kron"}``.
    """
    found = [name for name in forbidden if name in names_used(answer)]
    if found:
        raise AssertionError(f"your code uses {found[0]}: {forbidden[found[0]]}")


def check(key: str, answer) -> bool:
    """Check a student's answer; print one feedback line (and the next hint stage when it is wrong);
    return True when correct. Never raises for a wrong or missing answer (only for a misspelt key)."""
    ex = _lookup(key)
    _LAST_CHECKED[:] = [key]
    if _is_unattempted(answer):
        print(f"◻ Exercise {key}: not attempted yet. Fill in your answer and run this cell again.")
        return False
    try:
        ex.checker(_guard(answer))
    except NotAttempted:
        print(f"◻ Exercise {key}: not attempted yet. Fill in your answer and run this cell again.")
        return False
    except Exception as e:
        WRONG_TRIES[key] = WRONG_TRIES.get(key, 0) + 1
        stage = _hint_line(ex, WRONG_TRIES[key])
        if isinstance(e, AssertionError):
            print(f"✗ Exercise {key}: not quite. {e}".rstrip() + stage)
        else:  # the student's code crashed: show why, kindly
            print(f"✗ Exercise {key}: your code raised {type(e).__name__}: {e}" + stage)
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
