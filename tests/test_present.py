"""Present mode, as an instructor uses it: a notebook's core path shown as RISE slides in JupyterLab, with a live
slider moved on its slide.

``python3 dev.py lab --present`` installs jupyterlab-rise. RISE's slideshow page (``/rise/NOTEBOOK``, what its
"Render as Reveal Slideshow" opens) cannot load the widget manager of ipywidgets 8 (jupyterlab-contrib/rise#119:
a slider shows as the text ``IntSlider(...)``), so that install puts ipywidgets on the 7 series, the one Colab
ships. This test needs that environment: ``python3 dev.py test --present`` installs it and runs this file (the
last step of .ci/run); elsewhere the marker ``present`` deselects it (pyproject.toml's addopts).

In headless Chromium at 1280x720 (a projector), on a temporary copy of the notebooks:

- JupyterLab has RISE's commands (the View menu's entries);
- the notebook runs all its cells in JupyterLab (its sliders live there too), then RISE's slideshow opens it on the
  same kernel;
- the slideshow opens on the title, and the space bar steps through every slide: the slides are exactly the cells
  tools/slides.py marks slide or sub-slide (the title, core ``##``/``###`` headings, figures, and the cuts that keep
  a slide on the screen), in order, with no ★ optional heading on any and no error in the page;
- on the slide of a widget cell the instructor runs the cell (Ctrl+Enter): its sliders render on the slide, and a
  click near the right end of a slider's track (its End key is RISE's "last slide") moves the slider and changes
  the widget's figure;
- a screenshot of that slide is kept, and the slide (code, controls and figure) fits the 1280x720 screen (this
  failed, 899 px tall, while 01's draw function shared the widget's cell);
- every slide of the core path fits the screen as the slideshow shows it here (the copy's outputs are cleared, but
  the widget's): present mode's style sheet (notebooks/rise.css, tools/slides.py) keeps a long listing in a box
  that scrolls. bench/slide_heights.py measures every slide with its stored outputs (tests/test_slides.py checks its
  last measurement).
"""

from __future__ import annotations

import importlib.util
import os
import re
import time
from pathlib import Path
from urllib.parse import quote

import nbformat
import pytest
from lab_driver import NOTEBOOKS_DIR, PAGE_HELPERS, NotebookInLab, skip_or_fail

from tools.reading_time import OPTIONAL
from tools.slides import RISE

pytestmark = [pytest.mark.browser, pytest.mark.present]

# The first notebook: its Play slide has the course's most used widget. PRESENT_NOTEBOOKS=all: every notebook whose
# core path has a widget (the first such widget of each; about a minute a notebook).
NOTEBOOKS = (sorted(p.name for p in NOTEBOOKS_DIR.glob("[01]*.ipynb")) if os.environ.get("PRESENT_NOTEBOOKS") == "all"
             else ["01_neuron.ipynb"])
WIDGET_CALL = "interactive_plot("
SCREEN = {"width": RISE["width"], "height": RISE["height"]}
SLIDE_S = 120  # only a hang reaches it: RISE's page and a cell's run take seconds
STEP_MS = 1000  # after Space: reveal.js's transition (0.8 s) is over, so the slide stands where it stays

# The leaf <section> that reveal.js shows now (a slide without sub-slides, or the sub-slide shown).
PRESENT = ("[...document.querySelectorAll('.reveal .slides section.present')]"
           ".filter(s => !s.querySelector('section'))[0]")


def expected_slides(path: Path) -> list[str]:
    """The first line of the cell that starts each slide and sub-slide, in order (the stored slide types)."""
    nb = nbformat.read(path, as_version=4)
    return [c.source.strip().splitlines()[0] for c in nb.cells
            if c.metadata.get("slideshow", {}).get("slide_type") in ("slide", "subslide")]


def first_line(text: str) -> str:
    """A slide's first line, without a code cell's prompt."""
    return re.sub(r"^\[[ \d*]*\]:\s*", "", text.strip()).split("\n")[0]


def shown_slide(page) -> dict | None:
    """What the present slide shows: its text, its height against the screen's, and its pictures' sources."""
    return page.evaluate(f"""() => {{
        const s = {PRESENT};
        if (!s) return null;
        const box = s.getBoundingClientRect();
        return {{text: s.innerText, top: box.top, bottom: box.bottom, height: s.scrollHeight,
                 imgs: [...s.querySelectorAll('.widget-output img')].map(i => i.src.length + ':' + i.src.slice(-64)),
                 readout: s.querySelector('.widget-slider .widget-readout')?.innerText,
                 sliders: s.querySelectorAll('.widget-slider .ui-slider-handle, .widget-slider .noUi-handle').length}};
    }}""")


def wait_until(page, condition: str, what: str, screenshot: Path) -> None:
    """Wait for the JS `condition` (a function of no argument), else fail with a screenshot."""
    try:
        page.wait_for_function(condition, timeout=SLIDE_S * 1000, polling=250)
    except Exception as e:  # playwright's TimeoutError: fail outside this block (no chained trace)
        error = type(e).__name__
    else:
        return
    page.screenshot(path=str(screenshot))
    pytest.fail(f"present mode: {what} did not happen within {SLIDE_S} s ({error}); "
                f"screenshot {screenshot}", pytrace=False)


@pytest.mark.timeout(900)
@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_a_notebook_is_presented_as_slides_with_a_live_slider(notebook, browser, lab_server, tmp_path):
    if importlib.util.find_spec("jupyterlab_rise") is None:
        skip_or_fail("jupyterlab-rise is not installed: run `python3 dev.py test --present`")
    import ipywidgets

    assert int(ipywidgets.__version__.split(".")[0]) == 7, (
        f"ipywidgets {ipywidgets.__version__}: RISE's slideshow shows live widgets only with the 7 series "
        "(`python3 dev.py lab --present` installs it)")
    expected = expected_slides(NOTEBOOKS_DIR / notebook)
    context = browser.new_context(viewport=SCREEN)
    context.set_default_timeout(15_000)
    context.add_init_script(PAGE_HELPERS)
    lab = NotebookInLab(context, lab_server, notebook, tmp_path)
    errors: list[str] = []
    try:
        # 1. JupyterLab with RISE: Run All, as the instructor does before class.
        lab.open()
        commands = lab.page.evaluate("() => ['RISE:preview', 'RISE:fullscreen-plugin'].map("
                                     "c => window.jupyterapp.commands.hasCommand(c))")
        assert all(commands), f"RISE's commands are missing from JupyterLab: {commands}"
        lab.js("startRunAll")
        lab.wait_for("bt.runFinished(p)", 600, "running all cells", state="bt.runState(p)")
        problems = lab.js("cellProblems")
        assert not problems["errors"] and not problems["notRun"], problems
        # ipywidgets 7 still gives live sliders in the notebook itself, not only on the slides
        wait_until(lab.page, "() => document.querySelectorAll('.jp-Notebook .widget-slider').length > 0",
                   "a live slider in JupyterLab's notebook", tmp_path / "lab.png")

        # 2. RISE's slideshow of the same notebook, on the same kernel.
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)[:300]))
        page.goto(f"{lab_server.url}/rise/{quote(notebook)}?token={lab_server.token}", timeout=SLIDE_S * 1000)
        wait_until(page, f"() => {PRESENT} !== undefined", "showing the first slide", tmp_path / "open.png")
        page.wait_for_timeout(2000)  # let the markdown and maths render
        first = shown_slide(page)
        assert first["text"].startswith(expected[0].lstrip("# ")), f"the slideshow opens on {first['text'][:60]!r}"

        # 3. Every slide, with the space bar: exactly the core path, in order.
        shown, widget_slide = [], None
        for _ in range(len(expected) + 5):
            slide = shown_slide(page)
            if shown and slide["text"] == shown[-1]["text"]:
                break  # the last slide: the space bar stays on it
            shown.append(slide)
            if widget_slide is None and WIDGET_CALL in slide["text"]:
                widget_slide = len(shown) - 1
                break  # run it here (below), then walk on
            page.keyboard.press("Space")
            page.wait_for_timeout(STEP_MS)
        assert widget_slide is not None, f"no slide shows a cell that calls {WIDGET_CALL}"

        # 4. Run the widget cell on its slide and move its first slider: the figure changes.
        page.locator(f".reveal .slides section.present .jp-CodeCell:has-text('{WIDGET_CALL}')").first.click()
        page.keyboard.press("Escape")  # command mode, as after a click on the prompt
        page.keyboard.press("Control+Enter")  # run it and stay (Shift+Enter moves on to the next cell's slide)
        wait_until(page, "() => document.querySelector('.reveal .slides section.present .widget-slider') !== null "
                         "&& document.querySelectorAll('.reveal .slides section.present .jp-OutputArea img, "
                         ".reveal .slides section.present .widget-output img').length > 0",
                   "the widget rendering on its slide", tmp_path / "widget.png")
        page.wait_for_timeout(1500)
        before = shown_slide(page)
        assert before["sliders"] >= 1 and before["imgs"], f"no slider or no figure on the widget's slide: {before}"
        # With the mouse, as on a projector: a click near the right end of the first slider's track (its End key
        # is taken by RISE: the last slide).
        track = page.locator(".reveal .slides section.present .widget-slider .ui-slider").first
        box = track.bounding_box()
        page.mouse.click(box["x"] + 0.9 * box["width"], box["y"] + box["height"] / 2)
        deadline = time.monotonic() + SLIDE_S
        after = shown_slide(page)
        while after["imgs"] == before["imgs"] and time.monotonic() < deadline:
            page.wait_for_timeout(250)
            after = shown_slide(page)
        shot = tmp_path / "present-widget-slide.png"
        page.screenshot(path=str(shot))
        assert WIDGET_CALL in after["text"], f"moving the slider left the widget's slide ({shot})"
        assert after["readout"] != before["readout"], f"the click did not move the slider ({shot})"
        assert after["imgs"] != before["imgs"], f"moving the slider on its slide did not change the figure ({shot})"
        fits = after["top"] >= 0 and after["bottom"] <= SCREEN["height"] and after["height"] <= SCREEN["height"]
        assert fits, (f"the widget's slide does not fit {SCREEN['width']}x{SCREEN['height']}: top {after['top']:.0f}, "
                      f"bottom {after['bottom']:.0f}, height {after['height']} ({shot})")

        # 5. On to the last slide.
        shown[-1] = after
        page.keyboard.press("Escape")
        for pressed in range(len(expected) + 5):
            slide = shown_slide(page)
            # by the first line: the widget's slide can still change its text (a printout after the figure)
            if first_line(slide["text"]) != first_line(shown[-1]["text"]):
                shown.append(slide)
            elif pressed:
                break  # the last slide: the space bar stays on it
            page.keyboard.press("Space")
            page.wait_for_timeout(STEP_MS)
    finally:
        lab.close()
        context.close()
    texts = [re.sub(r"^\[[ \d*]*\]:\s*", "", s["text"].strip()) for s in shown]
    print("\n".join(f"{k:2d}: {text.splitlines()[0][:70]}" for k, text in enumerate(texts)))
    assert len(shown) == len(expected), f"{len(shown)} slides shown, the core path has {len(expected)}"
    tall = [(k, round(s["top"] + s["height"]), text.splitlines()[0][:40])  # where the slide's content ends
            for k, (s, text) in enumerate(zip(shown, texts, strict=True)) if s["top"] + s["height"] > SCREEN["height"]]
    assert not tall, f"slides taller than the {SCREEN['height']} px screen (slide, px, first line): {tall}"
    # The first words of each slide against its cell's first line, maths left out: rendered maths can break the
    # slide's text into lines, so the slide's words are read across its lines.
    words = lambda text: re.findall(r"[A-Za-z]{4,}", re.sub(r"\$[^$]*\$", " ", text))[:4]  # noqa: E731
    for k, (seen, cell) in enumerate(zip(texts, expected, strict=True)):
        assert words(seen)[:len(words(cell))] == words(cell), f"slide {k}: shows {seen[:120]!r}, expected {cell!r}"
    headings = [line for s in shown for line in s["text"].splitlines() if line.rstrip(" ¶").endswith(OPTIONAL)]
    assert not headings, f"a ★ optional section is on a slide: {headings}"
    assert not errors, f"JavaScript errors in RISE's page: {errors}"
