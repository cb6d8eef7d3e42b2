"""tools/slides.py: the slide types of a notebook's core path (RISE and nbconvert's reveal.js export read them).
Headings cut slides, figures get a sub-slide, a slide that would leave the 1280x720 screen is cut, ★ optional
sections and the setup cell are skipped; every notebook stores the types computed from its own cells."""

import base64
import struct

import nbformat
import pytest

from tools.notebooks import course_notebooks
from tools.reading_time import OPTIONAL
from tools.slides import PX, RISE, apply, cell_height, png_height, slide_types


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
    assert not apply(nb), f"{path.name}: slide types out of date with its cells: run python3 -m tools.slides"
    kinds = slide_types(nb)
    assert kinds.count("slide") >= 5 and "skip" in kinds


def png(width, height):
    """The first bytes of a PNG of that size, base64 (all that png_height reads)."""
    header = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">II", width, height) + bytes(5)
    return base64.b64encode(header + bytes(60)).decode()


def test_cell_heights_follow_lines_and_pictures():
    assert png_height(png(800, 450)) == 450
    assert png_height(png(2360, 900)) == pytest.approx(450)  # narrowed to the slide's 1180 px
    code = nbformat.v4.new_code_cell("a = 1\nb = 2")
    assert cell_height(code) == pytest.approx(PX["code_cell"] + 2 * PX["code_line"])
    code.outputs = [nbformat.v4.new_output("display_data", data={"image/png": png(640, 480), "text/plain": "F"})]
    assert cell_height(code) == pytest.approx(PX["code_cell"] + 2 * PX["code_line"] + 480)
    code.outputs[0].data["application/vnd.jupyter.widget-view+json"] = {"model_id": "m"}  # a widget's panel
    assert cell_height(code) == pytest.approx(PX["code_cell"] + 2 * PX["code_line"] + 480 + PX["widget"])
    code.outputs = [nbformat.v4.new_output("stream", text="one\ntwo\n")]
    assert cell_height(code) == pytest.approx(PX["code_cell"] + 2 * PX["code_line"] + 2 * PX["output_line"])
    short, long = (nbformat.v4.new_markdown_cell(t) for t in ("One line.", "word " * 300))  # 1500 characters
    assert cell_height(long) - cell_height(short) == pytest.approx(9 * PX["text_line"])  # 10 lines against 1


def test_a_slide_that_would_leave_the_screen_is_cut_before_the_cell_that_overflows():
    twenty_lines = "code:" + "\n".join(["x = 1"] * 20)  # about 390 px each
    nb = notebook("# T", "code:setup()", "## 1 · A", "word " * 600, twenty_lines, "code:y = 2", twenty_lines,
                  "## 2 · B", twenty_lines, twenty_lines)
    assert slide_types(nb) == ["slide", "skip", "slide", "-", "subslide", "-", "subslide", "slide", "-", "subslide"]
