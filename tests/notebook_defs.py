"""Import the functions and classes a notebook teaches, so tests can check the taught code itself.

    ns = notebook_defs("01_neuron.ipynb")
    ns.sigmoid(np.zeros(3))

Only top-level imports, function and class definitions (and simple constant assignments in
UPPER_CASE, longer than one letter, alone or several from literals) from the notebook's code cells are run: no
training, no plots, no widgets. A test of a notebook's NumPy code against PyTorch therefore tests exactly the code a
student reads.
"""

import ast
import types
from pathlib import Path

import nbformat

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


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
