"""How long a notebook takes in class: its full time and its core time (without the sections marked optional).

The estimate (stated in every notebook's title cell and in the README's table): 150 words a minute of prose, plus
one minute per code cell, to skim it, run it and look at what it prints or draws. An optional section is one
whose heading (``##`` or ``###``) ends with OPTIONAL; it runs to the next heading of the same or a higher level.
The core is everything else: what a class needs, and nothing in it depends on an optional section's text (its
code cells still run with Run All).

    python3 -m tools.reading_time     every notebook's core and full minutes
"""

import re

import nbformat

OPTIONAL = "★ optional"
WORDS_PER_MINUTE = 150
HEADING = re.compile(r"^(#{2,3}) (.*)$")
WORD = re.compile(r"[A-Za-z0-9']+")
STATED = re.compile(r"about (\d+) minutes for the core, (\d+) for the whole notebook")


def sections(nb) -> list[dict]:
    """The notebook cut at its ## and ### headings: [{"title", "level", "optional", "words", "code_cells"}, ...];
    the first part (before any ## heading) has level 1. A section inside an optional one is optional too."""
    parts = [{"title": "(top)", "level": 1, "optional": False, "words": 0, "code_cells": 0}]
    optional_level = None  # the level of the optional heading we are under, if any
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            parts[-1]["code_cells"] += 1
            continue
        for line in cell.source.splitlines():
            optional_level = optional_after(line, optional_level)
            heading = HEADING.match(line)
            if heading:
                parts.append({"title": heading[2].strip(), "level": len(heading[1]),
                              "optional": optional_level is not None, "words": 0, "code_cells": 0})
            parts[-1]["words"] += len(WORD.findall(line))
    return parts


def optional_after(line: str, optional_level: int | None) -> int | None:
    """The level of the optional section we are in after reading `line` (None: the core). A heading ends an
    optional section of its own level or deeper; a heading that ends with OPTIONAL opens one (tools/slides.py
    follows the same rule)."""
    heading = HEADING.match(line)
    if heading:
        level = len(heading[1])
        if optional_level is not None and level <= optional_level:
            optional_level = None
        if heading[2].strip().endswith(OPTIONAL) and optional_level is None:
            optional_level = level
    return optional_level


def minutes(part: dict) -> float:
    return part["words"] / WORDS_PER_MINUTE + part["code_cells"]


def core_and_full(nb) -> tuple[int, int]:
    """(core minutes, full minutes), rounded: the core leaves out every optional section."""
    parts = sections(nb)
    return round(sum(minutes(p) for p in parts if not p["optional"])), round(sum(minutes(p) for p in parts))


def stated(nb) -> tuple[int, int] | None:
    """The (core, full) minutes the title cell states ("about 40 minutes for the core, 70 for the whole notebook")."""
    found = STATED.search(nb.cells[0].source)
    return (int(found[1]), int(found[2])) if found else None


def main() -> int:
    from tools.notebooks import course_notebooks

    for path in course_notebooks():
        nb = nbformat.read(path, as_version=4)
        core, full = core_and_full(nb)
        print(f"{path.name:28s} core {core:3d} min   full {full:3d} min   stated {stated(nb)}")
        for p in sections(nb):
            print(f"    {'★' if p['optional'] else ' '} {minutes(p):5.1f}  {'  ' * (p['level'] - 1)}{p['title'][:70]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
