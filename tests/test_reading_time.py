"""tools/reading_time.py: a notebook's core and full minutes (150 words a minute of prose, a minute per code cell),
the core leaving out every section whose heading ends with "★ optional", up to the next heading of its level."""

import nbformat
import pytest

from tools.reading_time import OPTIONAL, core_and_full, minutes, sections, stated


def notebook(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c[5:]) if c.startswith("code:") else nbformat.v4.new_markdown_cell(c)
                for c in cells]
    return nb


WORDS_150 = " ".join(["word"] * 150)  # one minute


def test_an_optional_section_runs_to_the_next_heading_of_its_level_or_higher():
    nb = notebook("# 01 · Title\n\n" + WORDS_150,
                  "## 1 · Core\n\n" + WORDS_150, "code:x = 1",
                  f"## 2 · Extra {OPTIONAL}\n\n" + WORDS_150, "code:y = 2",
                  "### 2.1 · Inside the extra\n\n" + WORDS_150, "code:z = 3",
                  "## 3 · Core again", "code:w = 4",
                  f"### 3.1 · A side road {OPTIONAL}\n\n" + WORDS_150,
                  "## Exercises\n\n" + WORDS_150)
    parts = sections(nb)
    assert [p["optional"] for p in parts] == [False, False, True, True, False, True, False]
    assert [p["code_cells"] for p in parts] == [0, 1, 1, 1, 1, 0, 0]
    # words: the heading's own words count too (a heading is read)
    assert [round(minutes(p)) for p in parts] == [1, 2, 2, 2, 1, 1, 1]
    core, full = core_and_full(nb)
    assert full == round(sum(minutes(p) for p in parts)) and core == round(sum(
        minutes(p) for p in parts if not p["optional"]))
    assert full - core == round(minutes(parts[2]) + minutes(parts[3]) + minutes(parts[5]))


def test_a_star_in_the_middle_of_a_heading_does_not_make_it_optional():
    nb = notebook("# T", f"## 1 · Not {OPTIONAL} at all\n\n" + WORDS_150)
    assert not any(p["optional"] for p in sections(nb))


@pytest.mark.parametrize(("text", "found"), [
    ("**Time:** about 42 minutes for the core, 75 for the whole notebook (150 words ...)", (42, 75)),
    ("about forty minutes", None),
])
def test_the_stated_time_is_read_from_the_title_cell(text, found):
    assert stated(notebook("# T\n\n" + text)) == found
