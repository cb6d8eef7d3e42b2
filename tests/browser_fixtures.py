"""Tiny notebooks for the browser test's own test: one broken in each way the browser test must catch (a
control with no effect, a JavaScript error, a warning or stderr at a slider end, a control that is created
but never shown). Apart from its one fault each works, so it must fail for that fault alone.

They are written into the folder JupyterLab serves (``tests/lab_driver.py`` calls ``write_fixtures``),
never into the repository, so nbval never collects them as course notebooks. Each runs in seconds: no
torch, one small figure. ``expect``: every pattern must match a reported problem, and every reported
problem must match a pattern.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat

FIXTURE_DIR = "browser_fixtures"

IMPORTS = """\
import sys

import numpy as np
from IPython.display import Javascript, display

from helpers.widgets import every_control_works, dropdown, interactive_plot, slider"""

WORKING = """\
def draw_power(ax, a, power):
    x = np.linspace(-1, 1, 40)
    ax.plot(x, a * x ** {"line": 1, "parabola": 2, "cubic": 3}[power])


controls = {"a": slider("a", 1.0, -2, 2), "power": dropdown("power", ["line", "parabola", "cubic"])}
ui = interactive_plot(draw_power, controls, figsize=(3, 2))
display(ui)
assert every_control_works(ui)"""

NO_EFFECT = """\
def draw_ghost(ax, a, ghost):
    x = np.linspace(-1, 1, 40)
    ax.plot(x, a * x)  # forgets ghost


ui = interactive_plot(draw_ghost, {"a": slider("a", 1.0, -2, 2), "ghost": slider("ghost", 0.5, 0, 1)}, figsize=(3, 2))
display(ui)"""

NO_EFFECT_CHECKED = """\
def draw_title_only(ax, a, ghost):
    x = np.linspace(-1, 1, 40)
    ax.plot(x, a * x)
    ax.set_title(f"ghost = {ghost:.2f}")  # the title changes, the data does not


ui = interactive_plot(draw_title_only, {"a": slider("a", 1.0, -2, 2), "ghost": slider("ghost", 0.5, 0, 1)},
                      figsize=(3, 2))
display(ui)
assert every_control_works(ui)"""

JS_ERROR = WORKING + """
display(Javascript("setTimeout(() => { throw new Error('bt-broken: a JavaScript error'); }, 0)"))"""

WARNING_AT_END = """\
def draw_log(ax, a, b):
    x = np.linspace(0.1, 1, 40)
    ax.plot(x, np.log(a) + b * x)  # log(0) at the slider's Home end: RuntimeWarning
    if b == 2:
        print("bt-broken: b is at its end", file=sys.stderr)


ui = interactive_plot(draw_log, {"a": slider("a", 1.0, 0, 2), "b": slider("b", 1.0, 0, 2)}, figsize=(3, 2))
display(ui)"""

PICTURE_SHOWN = WORKING + """
from IPython.display import Image

display(Image(ui.png))  # the static picture, meant for front ends without widgets, shown beside the live one"""

HIDDEN_CONTROL = WORKING + """
forgotten = slider("forgotten", 0.5, 0, 1)  # created, never displayed"""


@dataclass(frozen=True)
class Fixture:
    code: str
    expect: tuple[str, ...]


FIXTURES = {
    "no_effect": Fixture(NO_EFFECT, (r"slider 'ghost'.*did not change: the control has no effect",)),
    "no_effect_checked": Fixture(NO_EFFECT_CHECKED, (r"AssertionError: control 'ghost' has no effect",)),
    "js_error": Fixture(JS_ERROR, (r"JavaScript error in the page .*bt-broken: a JavaScript error",)),
    "warning_at_end": Fixture(WARNING_AT_END, (r"slider 'a'.*after Home.*RuntimeWarning: divide by zero",
                                               r"slider 'b'.*after End.*printed on stderr: bt-broken")),
    "picture_shown": Fixture(PICTURE_SHOWN, (r"shows the widget's static picture beside the live widget",)),
    "hidden_control": Fixture(HIDDEN_CONTROL, (r"the kernel created 2 enabled slider\(s\), the page shows 1",)),
}


def write_fixtures(folder: Path) -> None:
    """Write every fixture notebook (imports cell + its widget cell) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, fixture in FIXTURES.items():
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nb.cells = [nbformat.v4.new_markdown_cell(f"# browser-test fixture: {name}"),
                    nbformat.v4.new_code_cell(IMPORTS), nbformat.v4.new_code_cell(fixture.code)]
        nbformat.write(nb, folder / f"{name}.ipynb")
