"""``python3 dev.py book``: the executed notebooks as a static HTML site, for reading before class.

One page per notebook (nbconvert's HTML exporter, JupyterLab's look), a contents page, and on every page links to
the contents and to the previous and next notebook; and for each notebook, its core path as reveal.js slides
(slides/NN_topic.slides.html: the cut of tools/slides.py and present mode's style sheet, for a room without a
kernel; nbconvert's reveal.js theme sets larger type than RISE, so a tall slide scrolls there). Nothing is run: a
page shows what its notebook stores (``dev.py execute`` refreshes that), every figure as an image, and each widget as
the picture of the figure it opens with (helpers.widgets stores one beside the live widget). The book works offline:
it carries reveal.js, MathJax (maths typeset), require.js and jQuery in vendor/, fetched once from the npm registry
(``VENDOR``; without npm, the pages load them from their CDNs). Written to build/book/ (``--out DIR`` for another
folder); open build/book/index.html.
"""

import html
import re
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from tools.notebooks import NOTEBOOKS, course_notebooks
from tools.reading_time import core_and_full
from tools.slides import css

BOOK = NOTEBOOKS.parent / "build" / "book"
COURSE = "Deep learning from scratch: from one neuron to GPT-3"
NAV_STYLE = ("font: 16px/1.5 system-ui, sans-serif; display: flex; gap: 2em; justify-content: space-between; "
             "max-width: 1100px; margin: 1em auto; padding: 0.6em 1em; background: #f3f4f6; border-radius: 6px")


# The web libraries nbconvert's pages and slides load from CDNs, at the versions its templates ask for (jQuery
# 2.0.3 is not on npm: 2.2.4, the last 2.x), fetched once from the npm registry into build/vendor/ and copied into
# the book, so that it works offline: maths typeset, slides stepping. Without npm, the pages load them from the CDNs.
VENDOR = {"reveal.js": "4.0.2", "mathjax": "2.7.7", "requirejs": "2.1.10", "jquery": "2.2.4"}
VENDOR_DIR = NOTEBOOKS.parent / "build" / "vendor"
MATHJAX_CONFIG = "TeX-AMS_CHTML-full,Safe"
# nbconvert's slides import mermaid (diagrams) from its CDN on every deck; the course draws none: an empty module
MERMAID_STUB = "data:text/javascript,export default {initialize() {}};"
# What a package needs (paths in it; a folder keeps everything under it): MathJax's 60 MB shrink to about 4, the
# whole vendor/ folder is about 10
NEEDED = {"reveal.js": ("dist/", "plugin/", "LICENSE"), "requirejs": ("require.js", "LICENSE"),
          "jquery": ("dist/jquery.min.js", "LICENSE.txt"),
          "mathjax": ("MathJax.js", "LICENSE", "config/TeX-AMS_CHTML-full.js", "config/Safe.js", "config/local/",
                      "extensions/", "jax/input/TeX/", "jax/output/CommonHTML/", "jax/output/PreviewHTML/",
                      "jax/element/", "fonts/HTML-CSS/TeX/woff/", "fonts/HTML-CSS/TeX/otf/", "localization/en/")}


def fetch_vendor() -> bool:
    """Fetch VENDOR into VENDOR_DIR (once; `npm pack` checks each tarball against the registry's checksum). False,
    with a note, when npm is missing or fails: then the book loads the libraries from their CDNs."""
    missing = [name for name, version in VENDOR.items() if not (VENDOR_DIR / f"{name}@{version}").is_dir()]
    if not missing:
        return True
    if shutil.which("npm") is None:
        print("npm not found: the book will load reveal.js, MathJax, require.js and jQuery from their CDNs")
        return False
    with tempfile.TemporaryDirectory() as tmp:
        specs = [f"{name}@{VENDOR[name]}" for name in missing]
        done = subprocess.run(["npm", "pack", *specs, "--silent", "--pack-destination", tmp], capture_output=True,
                              text=True, timeout=600)
        if done.returncode:
            print(f"npm pack {' '.join(specs)} failed ({done.stderr.strip()[-300:]}): the book will load them from "
                  "their CDNs")
            return False
        for name in missing:
            (tarball,) = Path(tmp).glob(f"{name}-{VENDOR[name]}.tgz")
            dest = VENDOR_DIR / f"{name}@{VENDOR[name]}"
            with tarfile.open(tarball) as tar:
                members = [m for m in tar.getmembers() if m.isfile() and m.name.startswith("package/")
                           and m.name[len("package/"):].startswith(NEEDED[name])]
                for m in members:
                    m.name = m.name[len("package/"):]
                safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}  # Python >= 3.10.12
                tar.extractall(dest.with_suffix(".part"), members=members, **safe)
            dest.with_suffix(".part").rename(dest)
    return True


def library_urls(prefix: str) -> dict:
    """The exporters' settings that load VENDOR from `prefix` (the book's vendor/ folder, relative to a page)."""
    lib = {name: f"{prefix}/{name}@{version}" for name, version in VENDOR.items()}
    return {"mathjax_url": f"{lib['mathjax']}/MathJax.js?config={MATHJAX_CONFIG}",
            "require_js_url": f"{lib['requirejs']}/require.js", "jquery_url": f"{lib['jquery']}/dist/jquery.min.js",
            "mermaid_js_url": MERMAID_STUB}


def title_of(nb) -> str:
    """The notebook's title: its first markdown heading, without the #."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    raise ValueError("a course notebook starts with a '# NN · Title' heading")


def page_of(path: Path) -> str:
    """The page a notebook becomes: notebooks/05_cnn.ipynb -> 05_cnn.html."""
    return path.stem + ".html"


def nav(prev: tuple[str, str] | None, next_: tuple[str, str] | None, slides: str | None = None) -> str:
    """The bar at the top and bottom of a page: (page, title) of the previous and next notebooks, if any, the
    contents, and the page's slides if given."""
    left = f'<a href="{prev[0]}">← {html.escape(prev[1])}</a>' if prev else "<span></span>"
    right = f'<a href="{next_[0]}">{html.escape(next_[1])} →</a>' if next_ else "<span></span>"
    middle = '<a href="index.html">Contents</a>' + (f' · <a href="{slides}">Slides (core path)</a>' if slides else "")
    return f'<nav class="book-nav" style="{NAV_STYLE}">{left}<span>{middle}</span>{right}</nav>'


def slides_of(path: Path) -> str:
    """Where a notebook's slides go in the book: slides/05_cnn.slides.html."""
    return f"slides/{path.stem}.slides.html"


def contents(entries: list[tuple[str, str]], times: list[tuple[int, int]]) -> str:
    """The contents page: every notebook's title, linked to its page, with its class time (core, full minutes)."""
    items = "\n".join(f'  <li><a href="{page}">{html.escape(title)}</a> · {core} min core, {full} in full</li>'
                      for (page, title), (core, full) in zip(entries, times, strict=True))
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>{html.escape(COURSE)}</title>'
            f'</head>\n<body style="font: 18px/1.6 system-ui, sans-serif; max-width: 900px; margin: 2em auto">\n'
            f"<h1>{html.escape(COURSE)}</h1>\n<p>The course's notebooks as they were last run: every output, "
            "figure and widget picture as stored. To run the code and move the sliders, open a notebook in "
            "JupyterLab or on Colab. Class time: the core path (every section not marked ★ optional) and the whole "
            "notebook, at 150 words a minute of prose plus a minute per code cell.</p>\n<ol>\n"
            + items + "\n</ol>\n</body>\n</html>\n")


def build(out: Path = BOOK, paths: list[Path] | None = None) -> list[Path]:
    """Write the book into `out`: index.html and one page per notebook (all course notebooks unless `paths`).
    Returns the files written: the contents page first, then each notebook's slides and page."""
    import nbformat
    from nbconvert import HTMLExporter, SlidesExporter

    paths = paths or course_notebooks()
    notebooks = [nbformat.read(p, as_version=4) for p in paths]
    entries = [(page_of(p), title_of(nb)) for p, nb in zip(paths, notebooks, strict=True)]
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "index.html"]
    written[0].write_text(contents(entries, [core_and_full(nb) for nb in notebooks]), encoding="utf-8")
    offline = fetch_vendor()
    if offline:
        shutil.copytree(VENDOR_DIR, out / "vendor", dirs_exist_ok=True)
    exporter = HTMLExporter(template_name="lab", **(library_urls("vendor") if offline else {}))
    urls = library_urls("../vendor") | {"reveal_url_prefix": f"../vendor/reveal.js@{VENDOR['reveal.js']}"}
    slides = SlidesExporter(reveal_scroll=True, reveal_width="1280", reveal_height="720", **(urls if offline else {}))
    (out / "slides").mkdir(exist_ok=True)
    for k, (path, nb) in enumerate(zip(paths, notebooks, strict=True)):
        page, title = entries[k]
        # the slides as the notebook stores their cut (tools/slides.py; tests/test_slides.py fails when it is stale)
        deck, _ = slides.from_notebook_node(nb, resources={"metadata": {"name": title}})
        deck = deck.replace("</head>", f"<style>\n{css()}</style>\n</head>", 1)  # present mode's caps (rise.css)
        (out / slides_of(path)).write_text(deck, encoding="utf-8")
        written.append(out / slides_of(path))
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
        bar = nav(entries[k - 1] if k else None, entries[k + 1] if k + 1 < len(entries) else None, slides_of(path))
        opening = re.search(r"<body[^>]*>", body).end()
        body = body[:opening] + "\n" + bar + body[opening:].replace("</body>", bar + "\n</body>", 1)
        (out / page).write_text(body, encoding="utf-8")
        written.append(out / page)
    return written


def main(args: list[str]) -> int:
    out = Path(args[args.index("--out") + 1]).resolve() if "--out" in args else BOOK
    pages = build(out)
    print(f"wrote {len(pages)} pages into {out}; open {pages[0]}")
    return 0
