"""Slides of a notebook's core path: each cell's ``slideshow.slide_type``, read by RISE (present mode in JupyterLab)
and by nbconvert's reveal.js export (``dev.py book`` writes build/book/slides/).

The cut follows the notebook's own structure, so it needs no upkeep by hand:
- the title cell and every core ``##`` heading start a slide; every core ``###`` heading starts a sub-slide (a
  step down in reveal.js);
- a code cell whose output draws a figure or a widget starts a sub-slide, so that its picture gets the screen;
- every cell of a section marked ★ optional (tools/reading_time.py) is skipped, and so is the Colab setup cell:
  a class is shown the core path, and Run All still runs everything;
- every other cell continues the slide above it, unless the slide would then pass ``SLACK_PX`` above the bottom of
  the 1280x720 screen: then the cell starts a sub-slide (``cell_height`` estimates each cell's height). A cell cannot
  be split, so present mode's style sheet (``css()``, written to ``CSS_PATH``, notebooks/rise.css, which RISE loads
  for every notebook beside it; the book's slides carry it too) caps every cell on a slide: a listing shows in a box
  of at most ``CODE_LINES`` lines that scrolls (``FIGURE_CODE_LINES`` above a figure, so that the figure gets the
  screen), a printout in a box of ``OUTPUT_LINES``, and a picture at most ``PICTURE_PX`` tall. The notebook itself
  shows all. bench/slide_heights.py measures every slide in RISE (tests/test_slides.py checks its measurement).

    python3 -m tools.slides          write the slide types into every notebook (only metadata changes) and rise.css
    python3 -m tools.slides --check  exit 1 if a notebook's slide types or rise.css are not the ones computed here
"""

import base64
import re
import struct
import sys
from pathlib import Path

import nbformat

from tools.reading_time import HEADING, optional_after

# RISE's settings: a 1280x720 projector; a slide taller than it scrolls; slides start at the top of the screen (RISE
# centres a slide once, when shown, so an output run on it would push it past the bottom); and the slideshow opens on
# the title (RISE's default is the selected cell, which after Run All is the last one)
RISE = {"scroll": True, "width": 1280, "height": 720, "center": False, "start_slideshow_at": "beginning"}
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
FIGURE_TYPES = ("image/png", "image/svg+xml", WIDGET_VIEW)

# A cell's height on a RISE slide at 1280x720, in pixels: a linear fit to the 237 slides of the 13 notebooks as
# measured in RISE in Chromium at 1280x720 before the caps below (2026-12-07). Markdown re-wraps at about 150
# characters a line; a figure shows at its stored size, narrowed to fit the slide's width. Against the 424 slides
# measured with the caps (bench/results/slide_heights.json) it is 34 px off on average, at most 144 px; the
# measurement, not the estimate, shows that every slide fits.
PX = {"slide": 43, "markdown_cell": -17, "text_line": 18.7, "heading": 23.7, "paragraph": 31, "display_math": 34.6,
      "code_cell": 34.4, "code_line": 17.6, "output_line": 17.3,
      "widget": 120}  # a widget's controls and its text under the figure (not stored: measured on 01's Play slide)
SLIDE_WIDTH_PX, FIGURE_PX = 1180, 400  # FIGURE_PX: a picture whose size cannot be read
SLACK_PX = 50  # cut this much before the screen's bottom: a margin for the estimate's error
PROGRESS_PX = 30  # a progress bar (a widget with no picture)
PICTURE_MARGIN_PX = 35  # around a picture on a slide (measured: slides of one figure cell came out 35 px taller)

# Present mode's caps on one cell (see the module's docstring), in lines of code or printout and pixels
CODE_LINES, FIGURE_CODE_LINES, OUTPUT_LINES, PICTURE_PX = 20, 8, 12, 420
CSS_PATH = Path(__file__).resolve().parent.parent / "notebooks" / "rise.css"
FIGURE_CELL = ".reveal .jp-CodeCell:has(.jp-OutputArea-output img)"


def css() -> str:
    """Present mode's style sheet: the caps above, in pixels (a box taller than its cap scrolls)."""
    def box(lines, per_line):  # 10 px: the box's padding, so that its last line shows whole
        return f"max-height: {round(lines * per_line + 10)}px; overflow-y: auto;"
    return f"""/* Present mode (RISE; the book's slides carry it too, where larger type can still need a scroll): keeps
   every slide on a 1280x720 screen. On a slide a long listing scrolls in its box, a long printout too, and a
   picture is at most {PICTURE_PX} px tall; the notebook shows all.
   Written by python3 -m tools.slides from its CODE_LINES, FIGURE_CODE_LINES, OUTPUT_LINES and PICTURE_PX. */
/* the listing's box: JupyterLab's editor; in nbconvert's slides the editor is a table cell, so the .highlight in it */
.reveal .jp-CodeCell .jp-InputArea-editor, .reveal .jp-CodeCell .jp-InputArea-editor .highlight {{
  {box(CODE_LINES, PX["code_line"])} }}
{FIGURE_CELL} .jp-InputArea-editor, {FIGURE_CELL} .jp-InputArea-editor .highlight {{
  {box(FIGURE_CODE_LINES, PX["code_line"])} }}
.reveal .jp-OutputArea-output pre {{ {box(OUTPUT_LINES, PX["output_line"])} }}
.reveal .jp-OutputArea-output img {{ max-height: {PICTURE_PX}px; width: auto; max-width: 100%; }}
"""
ITEM = re.compile(r"\n(?=\s*(?:[-*]|\d+\.) )")  # a list item starts a new line


def png_height(data: str) -> float:
    """The height at which a base64 PNG shows on a slide (its stored size, narrowed to the slide's width)."""
    try:
        width, height = struct.unpack(">II", base64.b64decode(data[:100])[16:24])
    except (ValueError, struct.error):
        return FIGURE_PX
    return height * min(1.0, SLIDE_WIDTH_PX / max(width, 1))


def cell_height(cell) -> float:
    """Estimated height of `cell` (with its stored outputs) on a slide, in pixels (PX)."""
    if cell.cell_type == "markdown":
        height = PX["markdown_cell"]
        for block in re.split(r"\n\s*\n", cell.source.strip()):
            if block.startswith("#"):
                height += PX["heading"]
            elif block.lstrip().startswith("$$"):
                height += PX["display_math"]
            else:
                lines = sum(max(1, -(-len(" ".join(item.split())) // 150)) for item in ITEM.split(block))
                height += PX["paragraph"] + PX["text_line"] * lines
        return height
    outputs = cell.get("outputs", [])
    figure = any("image/png" in out.get("data", {}) for out in outputs)
    code_lines = min(len(cell.source.splitlines()), FIGURE_CODE_LINES if figure else CODE_LINES)
    height, text_lines = PX["code_cell"] + PX["code_line"] * code_lines, 0
    for out in outputs:
        data = out.get("data", {})
        if WIDGET_VIEW in data:
            # its controls (its stored picture is added below); a widget with no picture is a progress bar
            height += PX["widget"] if "image/png" in data else PROGRESS_PX
        if "image/png" in data:
            height += min(PICTURE_PX, png_height(data["image/png"])) + PICTURE_MARGIN_PX
        elif out.get("output_type") == "stream" or WIDGET_VIEW not in data:
            text = "".join(out.get("text", "")) or "".join(data.get("text/plain", ""))
            text_lines += sum(max(1, -(-len(line) // 160)) for line in text.splitlines())
    return height + PX["output_line"] * min(OUTPUT_LINES, text_lines)  # JupyterLab joins a cell's printouts


def slide_types(nb) -> list[str]:
    """One slide type per cell: "slide", "subslide", "skip" or "-" (continue the slide above)."""
    types, optional_level = [], None
    for k, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            figure = any(t in out.get("data", {}) for out in cell.get("outputs", []) for t in FIGURE_TYPES)
            setup = k == 1  # the Colab setup cell (tests/test_structure.py keeps it second)
            types.append("skip" if setup or optional_level is not None else "subslide" if figure else "-")
            continue
        lines = [line for line in cell.source.splitlines() if line.strip()]
        shown = False  # does any line of this cell lie in the core?
        for line in lines:
            optional_level = optional_after(line, optional_level)
            shown = shown or optional_level is None
        first = HEADING.match(lines[0]) if lines else None
        if k == 0:
            types.append("slide")
        elif not shown:
            types.append("skip")
        elif first:
            types.append("slide" if len(first[1]) == 2 else "subslide")
        else:
            types.append("-")
    return fit_to_screen(nb, types)


def fit_to_screen(nb, types: list[str]) -> list[str]:
    """Start a sub-slide at a cell that would push its slide below the bottom of the screen."""
    fitted, height = [], 0.0
    for cell, kind in zip(nb.cells, types, strict=True):
        if kind == "skip":
            fitted.append(kind)
            continue
        cell_px = cell_height(cell)
        if kind == "-" and height + cell_px > RISE["height"] - SLACK_PX:
            kind = "subslide"
        height = (PX["slide"] if kind != "-" else height) + cell_px
        fitted.append(kind)
    return fitted


def apply(nb) -> bool:
    """Write the slide types (and RISE's settings) into `nb`'s metadata; True if anything changed."""
    changed = nb.metadata.get("rise") != RISE
    nb.metadata["rise"] = dict(RISE)
    for cell, kind in zip(nb.cells, slide_types(nb), strict=True):
        if cell.metadata.get("slideshow", {}).get("slide_type") != kind:
            cell.metadata["slideshow"] = {"slide_type": kind}
            changed = True
    return changed


def main(args: list[str]) -> int:
    from tools.notebooks import course_notebooks

    stale = [] if CSS_PATH.exists() and CSS_PATH.read_text() == css() else [CSS_PATH.name]
    if stale and "--check" not in args:
        CSS_PATH.write_text(css())
    for path in course_notebooks():
        nb = nbformat.read(path, as_version=4)
        if apply(nb):
            stale.append(path.name)
            if "--check" not in args:
                nbformat.write(nb, path)
    if "--check" in args and stale:
        print(f"slide types out of date in {stale}: run python3 -m tools.slides")
        return 1
    print(f"slide types {'checked' if '--check' in args else 'written'}; changed: {stale or 'none'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
