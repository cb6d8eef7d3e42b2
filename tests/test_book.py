"""``dev.py book`` (tools/book.py): the static site of the stored notebooks. A contents page, a page and a deck of
slides per notebook; every link inside the book leads to one of its files; every stored figure, widget pictures
included, is an image on its page; the slides show the core path (every core heading, no ★ optional one); and in a
real browser, offline (the book carries reveal.js, MathJax, require.js and jQuery, fetched once from the npm
registry), every page and every deck of slides loads with no JavaScript error and no broken image, its maths typeset,
and a deck steps from slide to slide."""

import html
import json
import re

import nbformat
import pytest

from tools.book import build, contents, nav, page_of, slides_of, title_of
from tools.notebooks import course_notebooks
from tools.reading_time import HEADING, OPTIONAL, core_and_full
from tools.slides import css

pytestmark = pytest.mark.slow  # building the book converts every notebook (about 20 s): not in the fast lane
NOTEBOOK_PATHS = course_notebooks()
LINK = re.compile(r'(?:href|src)="([^"#?]*)(?:[#?][^"]*)?"')


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    out = tmp_path_factory.mktemp("book")
    files = build(out)
    return out, [f for f in files if f.parent == out]  # the pages; the slides are in out/slides/


def test_the_book_has_a_contents_page_and_a_page_and_slides_per_notebook(book):
    out, pages = book
    assert [p.name for p in pages] == ["index.html", *(page_of(p) for p in NOTEBOOK_PATHS)]
    assert all((out / slides_of(p)).is_file() for p in NOTEBOOK_PATHS)
    index = pages[0].read_text(encoding="utf-8")
    for path in NOTEBOOK_PATHS:
        nb = nbformat.read(path, as_version=4)
        core, full = core_and_full(nb)
        assert f'<a href="{page_of(path)}">{html.escape(title_of(nb))}</a> · {core} min core, {full} in full' in index


def test_every_link_inside_the_book_leads_to_one_of_its_files(book):
    out, pages = book
    files = [*pages, *(out / "slides").iterdir()]
    broken = [f"{f.name} -> {target!r}" for f in files for target in LINK.findall(f.read_text("utf-8"))
              if target and not re.match(r"[a-z]+:", target) and not (f.parent / target).is_file()]  # "": same page
    assert not broken, f"links that lead nowhere: {broken}"


def test_each_page_links_to_the_contents_and_its_neighbours(book):
    out, pages = book
    names = [p.name for p in pages[1:]]
    for k, name in enumerate(names):
        text = (out / name).read_text(encoding="utf-8")
        assert text.count('href="index.html"') == 2, f"{name}: a bar at the top and one at the bottom"
        assert text.count(f'href="slides/{name.replace(".html", ".slides.html")}"') == 2
        neighbours = {names[j] for j in (k - 1, k + 1) if 0 <= j < len(names)}
        linked = set(re.findall(r'href="(\d\d_\w+\.html)"', text))
        assert linked == neighbours, f"{name} links to {sorted(linked)}, not its neighbours {sorted(neighbours)}"


def test_the_slides_show_the_core_path_only(book):
    out, _ = book
    for path in NOTEBOOK_PATHS:
        deck = (out / slides_of(path)).read_text(encoding="utf-8")
        headings = [m[2].strip() for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "markdown"
                    for line in cell.source.splitlines() if (m := HEADING.match(line)) and not m[2].endswith("$")]
        core = [h for h in headings if not h.endswith(OPTIONAL)][1:3]  # two plain core headings (no maths)
        assert all(html.escape(h, quote=False).split(" · ")[-1] in deck for h in core), f"{path.name}: {core}"
        assert OPTIONAL not in deck.replace("★ optional can wait", ""), f"{path.name}: an optional part is shown"
        assert css() in deck, f"{path.name}: the slides lack present mode's style sheet (long cells in a box)"


def test_the_bars_and_contents_escape_titles():
    bar = nav(("a.html", "x < y & z"), None)
    assert "x &lt; y &amp; z" in bar and bar.count("<a ") == 2
    assert "&lt;b&gt;" in contents([("b.html", "<b>")], [(40, 70)])


def test_every_stored_figure_and_widget_picture_is_an_image_on_its_page(book):
    out, _ = book
    for path in NOTEBOOK_PATHS:
        text = (out / page_of(path)).read_text(encoding="utf-8")
        outputs = [out_ for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"
                   for out_ in cell.get("outputs", [])]
        pictures = [out_.data["image/png"].strip() for out_ in outputs if "image/png" in out_.get("data", {})]
        missing = [i for i, png in enumerate(pictures) if f"data:image/png;base64,{png}" not in text]
        assert pictures and not missing, f"{path.name}: stored pictures {missing} are not on the page"


@pytest.mark.browser
def test_every_page_and_deck_loads_offline_without_errors_or_broken_images(book, browser):
    from lab_driver import skip_or_fail

    out, pages = book
    if not (out / "vendor").is_dir():
        skip_or_fail("the book has no vendor/ folder (npm could not fetch reveal.js and MathJax): it needs the web")
    decks = sorted((out / "slides").iterdir())
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
    errors, failed = [], set()
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    # a request cut short by going on to the next page (net::ERR_ABORTED) is no failure
    page.on("requestfailed", lambda request: request.failure == "net::ERR_ABORTED"
            or failed.add(request.url.split("?")[0]))
    present = ("() => [...document.querySelectorAll('.reveal.ready .slides section.present')]"
               ".filter(s => !s.querySelector('section')).map(s => s.innerText.slice(0, 80))[0]")
    try:
        for path in [*pages, *decks]:
            page.goto(path.as_uri(), wait_until="load")
            # the book's own images (data: and file: URLs); the Colab badge comes from the web, absent offline
            broken = page.evaluate("() => Array.from(document.images).filter(i => /^(data|file):/.test(i.src))"
                                   ".filter(i => !i.complete || !i.naturalWidth).map(i => i.src.slice(0, 60))")
            assert not broken, f"{path.name}: images that do not load: {broken}"
            if path.name == "index.html":
                continue
            assert page.evaluate("() => document.images.length") > 0
            page.wait_for_function("() => document.querySelectorAll('.MathJax_CHTML').length > 0", timeout=30_000)
            if path in decks:
                page.wait_for_function(f"() => ({present})() !== undefined", timeout=30_000)
                first = page.evaluate(present)
                page.keyboard.press("Space")
                page.wait_for_function(f"() => ({present})() !== {json.dumps(first)}", timeout=10_000)
    finally:
        page.close()
    assert not errors, f"JavaScript errors: {errors}"
    # only the web's: the Colab badge, and the fonts reveal.js's theme imports (offline the browser uses its own)
    web = ("https://colab.research.google.com/", "https://fonts.googleapis.com/")
    assert not [url for url in failed if not url.startswith(web)], f"requests that need the web: {sorted(failed)}"
