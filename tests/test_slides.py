"""tools/slides.py: the slide types of a notebook's core path (RISE and nbconvert's reveal.js export read them).
Headings cut slides, figures get a sub-slide, ★ optional sections and the setup cell are skipped; every notebook
stores the types computed from its own headings."""

import nbformat
import pytest

from tools.notebooks import course_notebooks
from tools.reading_time import OPTIONAL
from tools.slides import RISE, apply, slide_types


def notebook(*cells):
    nb = nbformat.v4.new_notebook()
    for source in cells:
        if source.startswith("code:"):
            cell = nbformat.v4.new_code_cell(source[5:])
            if source.endswith("plt.show()"):
                cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": "iVBO", "text/plain": "F"})]
            nb.cells.append(cell)
        else:
            nb.cells.append(nbformat.v4.new_markdown_cell(source))
    return nb


def test_headings_cut_slides_figures_get_the_screen_and_optional_sections_are_skipped():
    nb = notebook("# 01 · Title", "code:setup()", "code:import numpy",
                  "## 1 · Core", "Some text.", "code:plt.show()", "code:x = 1",
                  "### 1.1 · A core detail", "code:y = 2",
                  f"## 2 · Extra {OPTIONAL}", "code:plt.show()", "### 2.1 · Inside it", "More text.",
                  "## 3 · Core again\n\nText.",
                  f"Core text, then a side road.\n\n### 3.1 · Side {OPTIONAL}\n\nIts text.",
                  "code:z = 3", "## Summary")
    assert slide_types(nb) == ["slide", "skip", "-",
                               "slide", "-", "subslide", "-",
                               "subslide", "-",
                               "skip", "skip", "skip", "skip",
                               "slide", "-",  # a cell that starts in the core is shown, its ★ tail with it
                               "skip",  # ...but the code after the ★ heading belongs to the side road
                               "slide"]


def test_apply_writes_the_types_and_rises_settings_once():
    nb = notebook("# T", "code:setup()", "## 1 · A")
    assert apply(nb) and nb.metadata["rise"] == RISE
    assert [c.metadata["slideshow"]["slide_type"] for c in nb.cells] == ["slide", "skip", "slide"]
    assert not apply(nb)  # already up to date


@pytest.mark.parametrize("path", course_notebooks(), ids=lambda p: p.stem)
def test_every_notebook_stores_the_slides_of_its_core_path(path):
    nb = nbformat.read(path, as_version=4)
    assert not apply(nb), f"{path.name}: slide types out of date with its headings: run python3 -m tools.slides"
    kinds = slide_types(nb)
    assert kinds.count("slide") >= 5 and "skip" in kinds
