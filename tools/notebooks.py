"""The course's notebooks as the tools see them: which they are, how one runs, what code one teaches.

One home for these three jobs, used by ``dev.py`` (execute), ``bench/`` (timings, sweeps, experiments that reuse a
notebook's functions), ``tests/`` (the taught code checked against PyTorch) and the GPU check.

    course_notebooks()                 notebooks/NN_*.ipynb, in the course's order
    run_notebook(nb, folder)           execute a notebook (a NotebookNode, in place) in a fresh kernel
    execute_and_store(path)            run a notebook file and store its outputs (``dev.py execute``)
    notebook_defs("01_neuron.ipynb")   a namespace with what the notebook defines: ns.sigmoid(np.zeros(3))
    taught_sources(name)               name -> source text of each top-level function and class
    assert_same_source(nb, module, names)   the taught code and the helpers module are one

``notebook_defs`` runs only top-level imports, function and class definitions (and simple constant assignments
in UPPER_CASE, longer than one letter, alone or several from literals) from the notebook's code cells: no training,
no plots, no widgets. A test of a notebook's NumPy code against PyTorch therefore tests exactly the code a student
reads.
"""

import ast
import types
from pathlib import Path

from tools import slides

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


def course_notebooks(folder: Path = NOTEBOOKS) -> list[Path]:
    """The course's notebooks (NN_topic.ipynb), in order; not the browser test's fixtures or scratch copies."""
    return sorted(folder.glob("[0-9][0-9]_*.ipynb"))


def run_notebook(nb, folder: Path, timeout: int = 600, allow_errors: bool = False, record_timing: bool = False):
    """Execute `nb` (an nbformat NotebookNode) top to bottom in a fresh python3 kernel whose working folder is
    `folder` (a notebook's own: its relative paths resolve as in JupyterLab); outputs are written into `nb`.
    `allow_errors`: go on after a cell raises (its error is stored in its outputs). Returns `nb`."""
    from nbclient import NotebookClient

    NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=allow_errors, record_timing=record_timing,
                   resources={"metadata": {"path": str(folder)}}).execute()
    return nb


def execute_and_store(path: Path, timeout: int = 600) -> float:
    """Run one notebook top to bottom in a fresh kernel, from its own folder; store outputs in place.

    Execution counts and outputs are stored; per-cell timing metadata is not, so that re-running an
    unchanged notebook leaves the file unchanged. Returns the wall time in seconds.
    """
    import time

    import nbformat

    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    run_notebook(nb, path.parent, timeout=timeout)
    elapsed = time.perf_counter() - start
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nb.metadata.pop("widgets", None)  # widget state holds random ids and every drawn image: not stored
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
    slides.apply(nb)  # the slide cut depends on the outputs' heights (tools/slides.py)
    nbformat.write(nb, path)
    return elapsed


def _keep(node) -> bool:
    if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)):
        return True
    if isinstance(node, ast.Assign):  # module constants such as ACTIVATIONS = {...} or PAD, UNK = range(2)
        # (longer than one letter: `X = ...` is data, not a constant)
        names = [n for t in node.targets for n in (t.elts if isinstance(t, ast.Tuple) else [t])]
        if len(names) > 1 and any(isinstance(n, ast.Name) and n.id != "range" for n in ast.walk(node.value)):
            return False  # several at once only from literals (PAD, UNK = range(2)), never from data (H, W = x.shape)
        return all(isinstance(n, ast.Name) and n.id.isupper() and len(n.id) > 1 for n in names)
    return False


def notebook_defs(name: str) -> types.SimpleNamespace:
    """Run the definitions of ``notebooks/<name>`` in a fresh namespace and return it."""
    import nbformat  # here, not at the top: dev.py lists notebooks with this module before .venv exists

    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    import torch

    # `device` is set by a notebook's first cells (not a definition); tests compare on the CPU
    ns: dict = {"__name__": f"notebook_{Path(name).stem}", "device": torch.device("cpu")}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        src = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
        tree = ast.parse(src)
        tree.body = [node for node in tree.body if _keep(node)]
        exec(compile(tree, f"{name}", "exec"), ns)
    return types.SimpleNamespace(**{k: v for k, v in ns.items() if not k.startswith("__")})


def taught_sources(name: str) -> dict:
    """Source text of every top-level function/class a notebook defines: name -> source."""
    import nbformat

    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    found = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        src = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
        lines = src.splitlines()
        for node in ast.parse(src).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                # whole lines, decorators first, like inspect.getsource (a comment ending the last line stays)
                start = min([node.lineno] + [d.lineno for d in node.decorator_list])
                found[node.name] = "\n".join(lines[start - 1:node.end_lineno])
    return found


def assert_same_source(notebook: str, module, names) -> None:
    """Assert that ``notebook`` teaches exactly the code that ``module`` (a helpers module) exports.

    The notebook is where a student reads a function; the helper is what later notebooks import.
    This test is what keeps the two from drifting apart: change one, and it says which to update.
    """
    import inspect

    taught = taught_sources(notebook)
    for n in names:
        assert n in taught, f"{notebook} no longer defines {n}(); it must teach {module.__name__}.{n}"
        lib = inspect.getsource(getattr(module, n)).strip()
        assert taught[n].strip() == lib, (
            f"{n}() in {notebook} differs from {module.__name__}.{n}: copy the notebook's version into "
            f"{module.__file__} (or the other way round) so the taught code and the reused code are one")
