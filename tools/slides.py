"""Slides of a notebook's core path: each cell's ``slideshow.slide_type``, read by RISE (present mode in JupyterLab)
and by nbconvert's reveal.js export (``dev.py book`` writes build/book/slides/).

The cut follows the notebook's own structure, so it needs no upkeep by hand:
- the title cell and every core ``##`` heading start a slide; every core ``###`` heading starts a sub-slide (a
  step down in reveal.js);
- a code cell whose output draws a figure or a widget starts a sub-slide, so that its picture gets the screen;
- every cell of a section marked ★ optional (tools/reading_time.py) is skipped, and so is the Colab setup cell:
  a class is shown the core path, and Run All still runs everything;
- every other cell continues the slide above it. A slide taller than the screen scrolls (``rise.scroll``).

    python3 -m tools.slides          write the slide types into every notebook (only metadata changes)
    python3 -m tools.slides --check  exit 1 if a notebook's slide types are not the ones computed here
"""

import sys

import nbformat

from tools.reading_time import HEADING, optional_after

RISE = {"scroll": True, "width": 1280, "height": 720}
FIGURE_TYPES = ("image/png", "image/svg+xml", "application/vnd.jupyter.widget-view+json")


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
    return types


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
