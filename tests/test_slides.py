"""tools/slides.py: the slide types of a notebook's core path (RISE and nbconvert's reveal.js export read them).
Headings cut slides, figures get a sub-slide, a slide that would leave the 1280x720 screen is cut, ★ optional
sections and the setup cell are skipped; every notebook stores the types computed from its own cells."""

import base64
import json
import re
import struct
from pathlib import Path

import nbformat
import pytest

from tools.notebooks import course_notebooks
from tools.reading_time import HEADING, OPTIONAL
from tools.slides import (
    CODE_LINES,
    CSS_PATH,
    FIGURE_CODE_LINES,
    OUTPUT_LINES,
    PICTURE_MARGIN_PX,
    PICTURE_PX,
    PROGRESS_PX,
    PX,
    RISE,
    WIDGET_VIEW,
    apply,
    cell_height,
    css,
    png_height,
    slide_types,
)

ROOT = Path(__file__).resolve().parent.parent


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
    code.outputs = [nbformat.v4.new_output("display_data", data={"image/png": png(640, 400), "text/plain": "F"})]
    picture = 400 + PICTURE_MARGIN_PX
    assert cell_height(code) == pytest.approx(PX["code_cell"] + 2 * PX["code_line"] + picture)
    code.outputs[0].data["application/vnd.jupyter.widget-view+json"] = {"model_id": "m"}  # a widget's panel
    assert cell_height(code) == pytest.approx(PX["code_cell"] + 2 * PX["code_line"] + picture + PX["widget"])
    code.outputs = [nbformat.v4.new_output("stream", text="one\ntwo\n")]
    assert cell_height(code) == pytest.approx(PX["code_cell"] + 2 * PX["code_line"] + 2 * PX["output_line"])
    short, long = (nbformat.v4.new_markdown_cell(t) for t in ("One line.", "word " * 300))  # 1500 characters
    assert cell_height(long) - cell_height(short) == pytest.approx(9 * PX["text_line"])  # 10 lines against 1


def test_on_a_slide_long_code_long_printouts_and_tall_pictures_stay_in_their_box():
    """Present mode's caps (notebooks/rise.css): the estimate counts a cell as the slide shows it."""
    code = nbformat.v4.new_code_cell("\n".join(f"x{i} = {i}" for i in range(60)))
    assert cell_height(code) == pytest.approx(PX["code_cell"] + CODE_LINES * PX["code_line"])
    code.outputs = [nbformat.v4.new_output("stream", text="line\n" * 50),
                    nbformat.v4.new_output("stream", text="more\n" * 50)]  # JupyterLab shows them as one box
    assert cell_height(code) == pytest.approx(PX["code_cell"] + (CODE_LINES * PX["code_line"])
                                              + OUTPUT_LINES * PX["output_line"])
    code.outputs = [nbformat.v4.new_output("display_data", data={"image/png": png(1000, 900), "text/plain": "F"})]
    # above a figure the listing gets fewer lines, and the picture shrinks to its cap
    assert cell_height(code) == pytest.approx(PX["code_cell"] + FIGURE_CODE_LINES * PX["code_line"] + PICTURE_PX
                                              + PICTURE_MARGIN_PX)
    code.outputs = [nbformat.v4.new_output("display_data", data={WIDGET_VIEW: {"model_id": "m"}, "text/plain": "F"})]
    assert cell_height(code) == pytest.approx(PX["code_cell"] + CODE_LINES * PX["code_line"] + PROGRESS_PX)


def test_the_style_sheet_is_written_from_the_caps():
    sheet = css()
    assert CSS_PATH.read_text() == sheet, "notebooks/rise.css is out of date: run python3 -m tools.slides"
    # 20 and 8 lines of code, 12 of printout (with the box's padding), pictures of 420 px: the caps as written
    for px in (362, 151, 218, 420):
        assert f"max-height: {px}px" in sheet


@pytest.mark.parametrize("path", course_notebooks(), ids=lambda p: p.stem)
def test_every_heading_starts_its_cell(path):
    """A ## or ### heading cuts a slide only at the top of a cell: one further down would share its slide with the
    section above."""
    nb = nbformat.read(path, as_version=4)
    inside = [(k, line) for k, c in enumerate(nb.cells) if c.cell_type == "markdown"
              for line in c.source.strip().splitlines()[1:] if HEADING.match(line)]
    assert not inside, f"headings inside a cell (cell, heading): {inside}: start a new markdown cell there"


def test_a_slide_that_would_leave_the_screen_is_cut_before_the_cell_that_overflows():
    twenty_lines = "code:" + "\n".join(["x = 1"] * 20)  # about 390 px each
    nb = notebook("# T", "code:setup()", "## 1 · A", "word " * 600, twenty_lines, "code:y = 2", twenty_lines,
                  "## 2 · B", twenty_lines, twenty_lines)
    assert slide_types(nb) == ["slide", "skip", "slide", "-", "subslide", "-", "subslide", "slide", "-", "subslide"]


def test_every_slide_was_measured_on_the_screen():
    """bench/slide_heights.py's last measurement in RISE (stored outputs, 1280x720) is of the slides the notebooks
    store now, and every one of them ended on the screen."""
    measured = json.loads((ROOT / "bench" / "results" / "slide_heights.json").read_text())
    for path in course_notebooks():
        nb = nbformat.read(path, as_version=4)
        firsts = [c.source.strip().splitlines()[0] for c in nb.cells
                  if c.metadata["slideshow"]["slide_type"] in ("slide", "subslide")]
        rows = measured.get(path.name, [])
        assert len(rows) == len(firsts), (f"{path.name}: {len(rows)} slides measured, {len(firsts)} stored: run "
                                          ".venv/bin/python -m bench.slide_heights " + path.name)
        # a slide's first line is stored cut at 60 characters
        words = [re.findall(r"[A-Za-z]{4,}", re.sub(r"\$[^$]*\$", " ", first[:60]))[:2] for first in firsts]
        seen = [re.findall(r"[A-Za-z]{4,}", row["first"])[:len(w)] for row, w in zip(rows, words, strict=True)]
        assert seen == words, f"{path.name}: the measured slides are not the stored ones: measure again"
        tall = [(k, r["bottom"]) for k, r in enumerate(rows) if r["bottom"] > RISE["height"]]
        assert not tall, f"{path.name}: slides that end below the {RISE['height']} px screen (slide, px): {tall}"
