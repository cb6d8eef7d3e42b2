"""What every test module needs before it is imported (pytest loads this file first).

- The import path comes from pyproject.toml (``pythonpath``): the repository root (``helpers``, ``tools``, ``bench``,
  ``dev``, ``data.checkpoints``) and ``tests/`` (``exercise_feedback``, ``browser_fixtures``); no test edits
  ``sys.path``.
- Every nbval item (a notebook's cell) gets the ``notebooks`` marker, so ``-m "not notebooks"`` leaves them out.
- ``browser``: one headless Chromium for the browser tests (tests/test_browser.py, tests/test_book.py).
- Figures are drawn off-screen: ``dev.py test`` runs pytest with the notebooks' inline backend in MPLBACKEND (for
  nbval's kernels), which a plain Python process cannot show.
"""

from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium with a fresh, empty profile (Playwright's default); skipped where it is missing,
    except in CI (lab_driver.skip_or_fail)."""
    from lab_driver import CHROMIUM, CHROMIUM_ARGS, skip_or_fail

    if not Path(CHROMIUM).exists():
        skip_or_fail(f"{CHROMIUM} not found: install it with `apt-get install chromium`")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("the Python package playwright is not installed")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.notebooks)

