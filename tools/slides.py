"""Slides of a notebook's core path: each cell's ``slideshow.slide_type``, read by RISE (present mode in JupyterLab)
and by nbconvert's reveal.js export (``dev.py book`` writes build/book/slides/).

The cut follows the notebook's own structure, so it needs no upkeep by hand:
- the title cell and every core ``##`` heading start a slide; every core ``###`` heading starts a sub-slide (a
  step down in reveal.js);
- a code cell whose output draws a figure or a widget starts a sub-slide, so that its picture gets the screen;
- every cell of a section marked ★ optional (tools/reading_time.py) is skipped, and so is the Colab setup cell:
  a class is shown the core path, and Run All still runs everything;
- every other cell continues the slide above it, unless the slide would then be taller than the 1280x720 screen:
  then the cell starts a sub-slide (``cell_height`` estimates each cell's height). Only a cell taller than the
  screen by itself (a long function) still needs its slide to scroll (``rise.scroll``).

    python3 -m tools.slides          write the slide types into every notebook (only metadata changes)
    python3 -m tools.slides --check  exit 1 if a notebook's slide types are not the ones computed here
"""

import base64
import re
import struct
import sys

import nbformat

from tools.reading_time import HEADING, optional_after

# RISE's settings: a 1280x720 projector; a slide taller than it scrolls; slides start at the top of the screen (RISE
# centres a slide once, when shown, so an output run on it would push it past the bottom); and the slideshow opens on
# the title (RISE's default is the selected cell, which after Run All is the last one)
RISE = {"scroll": True, "width": 1280, "height": 720, "center": False, "start_slideshow_at": "beginning"}
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
FIGURE_TYPES = ("image/png", "image/svg+xml", WIDGET_VIEW)

# A cell's height on a RISE slide at 1280x720, in pixels: a linear fit to all 237 slides of the 13 notebooks as
# measured in RISE in Chromium at 1280x720 (2026-12-07; mean error 23 px, largest 158 px). Markdown re-wraps at
# about 150 characters a line; a figure shows at its stored size, narrowed to fit the slide's width.
PX = {"slide": 43, "markdown_cell": -17, "text_line": 18.7, "heading": 23.7, "paragraph": 31, "display_math": 34.6,
      "code_cell": 34.4, "code_line": 17.6, "output_line": 17.3,
      "widget": 120}  # a widget's controls and its text under the figure (not stored: measured on 01's Play slide)
SLIDE_WIDTH_PX, FIGURE_PX = 1180, 400  # FIGURE_PX: a picture whose size cannot be read
SLACK_PX = 30  # cut this much before the screen's bottom: the estimate's mean error
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
    height = PX["code_cell"] + PX["code_line"] * len(cell.source.splitlines())
    for out in cell.get("outputs", []):
        data = out.get("data", {})
        if WIDGET_VIEW in data:
            height += PX["widget"]  # its controls (its stored picture is added below)
        if "image/png" in data:
            height += png_height(data["image/png"])
        elif out.get("output_type") == "stream" or WIDGET_VIEW not in data:
            text = "".join(out.get("text", "")) or "".join(data.get("text/plain", ""))
            height += PX["output_line"] * sum(max(1, -(-len(line) // 160)) for line in text.splitlines())
    return height


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

    stale = []
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
