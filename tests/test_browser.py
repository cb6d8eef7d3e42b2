"""Real-browser test: every widget notebook runs in JupyterLab and every one of its controls redraws.

For each ``notebooks/*.ipynb`` whose code uses ipywidgets, a headless Chromium (Playwright) opens
the notebook in a real JupyterLab, runs all cells, then moves every control. It checks that

- every cell ran, no cell shows a traceback or a warning, and every widget really rendered (ipywidgets'
  JupyterLab extension is active: no "Error displaying widget");
- every control the kernel created is on the page: the kernel's count of sliders, dropdowns and text boxes
  (by a silent execution) equals the page's, and no kind of control this test cannot move exists;
- every slider goes to End and Home, every dropdown option is picked, every text box gets a longer text
  (then its own back), and after each move the figure
  (``<img>``) or text of the widget group's Output changed (a control with no effect fails), still
  draws something, and shows no error, no warning and nothing on stderr;
- each control is then set back (a slider's value typed into its readout, a dropdown's first option),
  and its value and the group's first drawing must come back; the next control is tested from there;
- the kernel sent no error at all, even for an Output that is never displayed, nothing on stderr while
  a control moved, and the page raised no JavaScript error (Playwright's ``pageerror``).

Tiny broken notebooks (``tests/browser_fixtures.py``, written into the served folder) prove that each
of these faults makes the test fail, naming it.

JupyterLab serves a temporary copy of ``notebooks/`` (autosave cannot touch the committed files)
with its config, data, runtime, settings and workspaces in temporary directories, offline (no news,
no update check, no extension manager lookups).

Needs Debian's Chromium at /usr/bin/chromium (``apt-get install chromium``; never ``playwright
install``). Without it the test is skipped, except when ``CI=true`` where it fails. Environment:

- ``BROWSER_TEST_NOTEBOOKS``: another notebooks directory (default: the repo's ``notebooks/``)
- ``BROWSER_TEST_RUN_ALL_S``: how long Run All may take per notebook (default 1200 s: only a hang should reach it)
- ``CHROMIUM``: another Chromium executable (default: /usr/bin/chromium)

Run: ``pytest -m browser tests/test_browser.py`` (about 1-2 minutes per notebook on 2 idle cores, and
20 s per broken notebook).
On a failure the message names the notebook, the control (its description) and the move, with a
screenshot path; the JupyterLab log is printed with the test's output.
"""

from __future__ import annotations

import re

import pytest
from browser_fixtures import FIXTURE_DIR, FIXTURES
from lab_driver import (
    NOTEBOOKS_DIR,
    RUN_ALL_S,
    WIDGET_NOTEBOOKS,
    run_in_lab,
    skip_or_fail,
)

pytestmark = pytest.mark.browser


def test_there_are_widget_notebooks():
    """Guard: an empty parametrize below is a skip, so a missing notebook set must fail here in CI."""
    if not WIDGET_NOTEBOOKS:
        skip_or_fail(f"no notebook in {NOTEBOOKS_DIR} uses ipywidgets: the browser test would test nothing")


@pytest.mark.timeout(max(600, RUN_ALL_S + 360))
@pytest.mark.parametrize("notebook", WIDGET_NOTEBOOKS, ids=[p.name for p in WIDGET_NOTEBOOKS])
def test_widgets_redraw_in_jupyterlab(notebook, browser, lab_server, tmp_path):
    """Run All in JupyterLab, then every control is found and moved (every slider to both ends, every
    dropdown option), redraws without error, warning or stderr, and comes back to its first value."""
    nb = run_in_lab(browser, lab_server, notebook.name, tmp_path)
    if nb.problems:
        # pytest.fail, not assert: the message is printed once, without introspection
        pytest.fail(f"{notebook.name}: {len(nb.problems)} problem(s):\n- " + "\n- ".join(nb.problems), pytrace=False)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("name", list(FIXTURES))
def test_the_browser_test_catches_each_broken_notebook(name, browser, lab_server, tmp_path):
    """Each tiny broken notebook in tests/browser_fixtures.py must fail, naming its fault, and for that
    fault alone (every reported problem matches an expected pattern: no noise, no other cause)."""
    expect = FIXTURES[name].expect
    nb = run_in_lab(browser, lab_server, f"{FIXTURE_DIR}/{name}.ipynb", tmp_path)
    report = "\n- ".join(nb.problems)
    print(f"{name}: reported\n- {report or 'no problem'}")
    for pattern in expect:
        assert re.search(pattern, report), f"{name}: no problem matches {pattern!r}; reported:\n- {report or 'none'}"
    for problem in nb.problems:
        assert any(re.search(p, problem) for p in expect), f"{name}: unexpected problem: {problem}"
