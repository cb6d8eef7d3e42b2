"""What every test module needs before it is imported (pytest loads this file first).

- The import path comes from pyproject.toml (``pythonpath``): the repository root (``helpers``, ``tools``, ``bench``,
  ``dev``, ``data.checkpoints``) and ``tests/`` (``exercise_feedback``, ``browser_fixtures``); no test edits
  ``sys.path``.
- Every nbval item (a notebook's cell) gets the ``notebooks`` marker, so ``-m "not notebooks"`` leaves them out.
- ``browser``: one headless Chromium for the browser tests (tests/test_browser.py, tests/test_book.py).
- ``lab_server``: one JupyterLab on a temporary copy of the notebooks (tests/test_browser.py, tests/test_present.py).
- Figures are drawn off-screen: ``dev.py test`` runs pytest with the notebooks' inline backend in MPLBACKEND (for
  nbval's kernels), which a plain Python process cannot show.
"""

import secrets
import subprocess
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


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory):
    """A JupyterLab on 127.0.0.1 serving a temporary copy of the notebooks (tests/test_browser.py and
    tests/test_present.py); its log in lab/jupyterlab.log."""
    from lab_driver import (
        LabServer,
        PortTaken,
        copy_notebooks,
        free_port,
        lab_command,
        lab_environment,
        stop,
        wait_until_serving,
        write_lab_settings,
    )

    home = tmp_path_factory.mktemp("lab")
    root_dir = copy_notebooks(home / "course")
    write_lab_settings(home / "settings")
    token, log_path = secrets.token_hex(16), home / "jupyterlab.log"
    for attempt in range(3):  # a free port can be taken by another program before JupyterLab binds it: try another
        port = free_port()
        with open(log_path, "w") as log:
            proc = subprocess.Popen(lab_command(root_dir, home, port, token), stdout=log, stderr=subprocess.STDOUT,
                                    env=lab_environment(home), cwd=root_dir, start_new_session=True)
        server = LabServer(f"http://127.0.0.1:{port}", token, log_path, proc)
        try:
            wait_until_serving(server, give_up_on_port_in_use=attempt < 2)
        except PortTaken:
            stop(proc)
            continue
        try:
            yield server
        finally:
            stop(proc)
        return


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.notebooks)

