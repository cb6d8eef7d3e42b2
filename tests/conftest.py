"""What every test module needs before it is imported (pytest loads this file first).

- The import path comes from pyproject.toml (``pythonpath``): the repository root (``helpers``, ``tools``, ``bench``,
  ``dev``, ``data.checkpoints``) and ``tests/`` (``exercise_feedback``, ``browser_fixtures``); no test edits
  ``sys.path``.
- Every nbval item (a notebook's cell) gets the ``notebooks`` marker, so ``-m "not notebooks"`` leaves them out.
- Figures are drawn off-screen: ``dev.py test`` runs pytest with the notebooks' inline backend in MPLBACKEND (for
  nbval's kernels), which a plain Python process cannot show.
"""

import matplotlib

matplotlib.use("Agg")


def pytest_collection_modifyitems(config, items):
    import pytest

    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.notebooks)

