"""Every notebook has the course's shape: title, Colab badge, setup cell, a NumPy-vs-PyTorch check,
exercises, a summary; no absolute paths and nothing downloaded; every cell executed; every silenced
cell still asserts what it shows."""

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
GITHUB_REPO = "dl-from-scratch/notebooks"  # where the course lives on GitHub (Colab opens it from there)

SETUP_CELL = f'''# Setup: on Colab, fetch the course's helpers and data; on your own machine this does nothing.
import sys

if "google.colab" in sys.modules:
    import os
    import subprocess

    REPO = "/content/notebooks"
    if not os.path.isdir(REPO):
        subprocess.run(["git", "clone", "--depth", "1", "https://github.com/{GITHUB_REPO}", REPO], check=True)
    sys.path.insert(0, REPO)'''

COURSE = ["01_neuron", "02_perceptron", "03_feedforward", "04_backprop", "05_cnn", "06_resnet",
          "07_deconvolution", "08_rnn", "09_lstm", "10_gan", "11_transformer", "12_bert", "13_gpt"]


def load(path):
    return nbformat.read(path, as_version=4)


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def test_notebooks_exist_and_follow_the_course_order():
    assert NOTEBOOKS, "no notebooks found"
    for path in NOTEBOOKS:
        assert path.stem in COURSE, f"{path.name}: notebooks are named NN_topic.ipynb from {COURSE}"


ids = [p.name for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_title_badge_and_runtime(path):
    first = load(path).cells[0]
    assert first.cell_type == "markdown"
    nn = path.name[:2]
    assert re.match(rf"# {nn} · \S", first.source), f"first cell must start with '# {nn} · Title'"
    badge = f"https://colab.research.google.com/github/{GITHUB_REPO}/blob/main/notebooks/{path.name}"
    assert badge in first.source, f"Colab badge must point at {badge}"
    assert re.search(r"Runs in about .+ on a 2-core CPU", first.source), "state the CPU run time"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_setup_cell_is_second_and_verbatim(path):
    cell = load(path).cells[1]
    assert cell.cell_type == "code" and cell.source.strip() == SETUP_CELL, \
        "the second cell must be the setup cell from CONTRIBUTING.md, verbatim"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_story_parts_are_there(path):
    nb = load(path)
    code = "\n".join(c.source for c in code_cells(nb))
    md = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "assert_close(" in code, "needs a NumPy-vs-PyTorch check (helpers.checks.assert_close)"
    assert "import torch" in code
    assert re.search(r"^## .*Exercises", md, re.M) and "check(" in code, "needs an Exercises section with check()"
    assert re.search(r"^## .*Summary", md, re.M), "needs a Summary section"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_no_absolute_paths_and_no_downloads(path):
    for i, cell in enumerate(code_cells(load(path))[1:], start=2):  # the setup cell may clone the repo
        src = cell.source
        assert not re.search(r"['\"](/home/|/work/|/Users/|/root/|/tmp/|[A-Za-z]:\\\\)", src), \
            f"code cell {i} uses an absolute path"
        assert not re.search(r"https?://|urllib|requests\.|wget|curl |urlretrieve|download=True", src), \
            f"code cell {i} looks like it downloads something: ship data in data/ instead"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_every_cell_executed_in_order(path):
    counts = [c.execution_count for c in code_cells(load(path))]
    assert None not in counts, "some code cells were never executed: run `python dev.py execute`"
    assert counts == list(range(1, len(counts) + 1)), "execute top to bottom in a fresh kernel"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_silenced_cells_still_assert(path):
    for i, cell in enumerate(code_cells(load(path)), start=1):
        tags = cell.metadata.get("tags", [])
        if "nbval-ignore-output" in tags or "NBVAL_IGNORE_OUTPUT" in cell.source:
            assert re.search(r"^\s*assert\b", cell.source, re.M), \
                f"code cell {i} ignores its output under nbval but asserts nothing"
        assert "nbval-skip" not in tags and "NBVAL_SKIP" not in cell.source, f"code cell {i} is skipped"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_no_errors_or_warnings_stored(path):
    for i, cell in enumerate(code_cells(load(path)), start=1):
        for out in cell.get("outputs", []):
            assert out.output_type != "error", f"code cell {i} stored an error"
            text = out.get("text", "") if out.output_type == "stream" else ""
            assert "Warning" not in text, f"code cell {i} prints a warning: fix it, do not hide it"
            assert not re.search(r" at 0x[0-9a-f]+", str(out.get("data", {}).get("text/plain", ""))), \
                f"code cell {i} prints an object repr with a memory address"
