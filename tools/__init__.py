"""The course's machinery for contributors, one module per job (``dev.py`` is the command table over them).

    notebooks.py   the course's notebooks: list them, run one in a fresh kernel, read the code one teaches
    venv.py        the .venv that every command installs into, PyTorch first (CPU-only build without a GPU)
    publish.py     the course's GitHub path in every badge and setup cell (``pyproject.toml``'s [project.urls])

Nothing here is imported by a notebook or by ``helpers``: students never need it.
"""
