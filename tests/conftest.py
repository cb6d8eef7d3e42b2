"""What every test module needs before it is imported (pytest loads this file first).

- The import path comes from pyproject.toml (``pythonpath``): the repository root (``helpers``, ``tools``, ``bench``,
  ``dev``, ``data.checkpoints``) and ``tests/`` (``exercise_feedback``, ``browser_fixtures``); no test edits
  ``sys.path``.
- Figures are drawn off-screen: ``dev.py test`` runs pytest with the notebooks' inline backend in MPLBACKEND (for
  nbval's kernels), which a plain Python process cannot show.
"""

import matplotlib

matplotlib.use("Agg")
