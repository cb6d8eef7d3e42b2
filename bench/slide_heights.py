"""Every slide of every notebook's core path, measured in RISE at 1280x720 (the projector tools/slides.py cuts for).

    .venv/bin/python -m bench.slide_heights [NOTEBOOK ...] [--shots DIR]

in present mode's environment (`python3 dev.py lab --present` or `dev.py test --present`: RISE, ipywidgets 7).

Opens each notebook's slideshow (``/rise/NOTEBOOK``) in headless Chromium on a temporary copy of the notebooks that
keeps their stored outputs, with present mode's style sheet (notebooks/rise.css); steps through it with the space
bar and records, for each slide, its height (the shown reveal.js section's ``scrollHeight``), where it ends on the
screen and its first line -> results/slide_heights.json. Prints the slides that end below the screen and exits 1 if
there is one; ``--shots DIR`` keeps a screenshot of every slide. A widget's slide is measured as stored: its controls
appear only when its cell runs (tests/test_present.py runs one and measures it; tools.slides.PX["widget"] adds them
to the estimate).
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "slide_heights.json"
sys.path.insert(0, str(ROOT / "tests"))

# The leaf <section> reveal.js shows now (tests/test_present.py reads slides the same way)
PRESENT = ("[...document.querySelectorAll('.reveal .slides section.present')]"
           ".filter(s => !s.querySelector('section'))[0]")
SHOWN = (f"() => {{ const s = {PRESENT}; const top = s.getBoundingClientRect().top;"
         " return {px: s.scrollHeight, bottom: Math.round(top + s.scrollHeight), first: s.innerText.trim()"
         ".replace(/^\\[[ \\d]*\\]:\\s*/, '').split('\\n')[0].slice(0, 60)}; }")


def measure(names: list[str], shots: Path | None = None) -> dict[str, list[dict]]:
    """{notebook: [{"px": height, "bottom": its bottom on the screen, "first": first line} for each slide, in
    order]}; with `shots`, a screenshot of every slide there (NN_topic-SS.png)."""
    from lab_driver import (
        LabServer,
        free_port,
        lab_command,
        lab_environment,
        stop,
        wait_until_serving,
        write_lab_settings,
    )
    from playwright.sync_api import sync_playwright

    from tools.slides import RISE

    heights = {}
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        root = home / "course" / "notebooks"  # a copy that keeps the stored outputs (the tests' copy clears them)
        shutil.copytree(ROOT / "notebooks", root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        (root.parent / "data").symlink_to(ROOT / "data")
        write_lab_settings(home / "settings")
        token, port = secrets.token_hex(8), free_port()
        with open(home / "lab.log", "w") as log:
            proc = subprocess.Popen(lab_command(root, home, port, token), stdout=log, stderr=subprocess.STDOUT,
                                    env=lab_environment(home), cwd=root, start_new_session=True)
        try:
            server = LabServer(f"http://127.0.0.1:{port}", token, home / "lab.log", proc)
            wait_until_serving(server)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])
                for name in names:
                    context = browser.new_context(viewport={"width": RISE["width"], "height": RISE["height"]})
                    page = context.new_page()
                    page.goto(f"{server.url}/rise/{name}?token={token}", timeout=120_000)
                    page.wait_for_function(f"() => {PRESENT} !== undefined", timeout=120_000)
                    page.wait_for_timeout(3000)  # the markdown and maths render
                    rows = []
                    for _ in range(300):
                        row = page.evaluate(SHOWN)
                        if rows and row == rows[-1]:
                            break  # the last slide: the space bar stays on it
                        rows.append(row)
                        if shots:
                            page.screenshot(path=str(shots / f"{Path(name).stem}-{len(rows):02d}.png"))
                        page.keyboard.press("Space")
                        page.wait_for_timeout(1000)  # reveal.js's transition (0.8 s) is over
                    heights[name] = rows
                    tall = [f"{r['bottom']} px {r['first'][:40]!r}" for r in rows if r["bottom"] > RISE["height"]]
                    print(f"{name}: {len(rows)} slides, {len(tall)} taller than {RISE['height']} px"
                          + (": " + "; ".join(tall) if tall else ""), flush=True)
                    context.close()
                browser.close()
        finally:
            stop(proc)
    return heights


def main(args: list[str]) -> int:
    from tools.notebooks import course_notebooks
    from tools.slides import RISE

    shots = Path(args[args.index("--shots") + 1]) if "--shots" in args else None
    if shots:
        shots.mkdir(parents=True, exist_ok=True)
    names = [Path(a).name for a in args if a.endswith(".ipynb")] or [p.name for p in course_notebooks()]
    heights = measure(names, shots)
    stored = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    RESULTS.write_text(json.dumps(stored | heights, indent=1) + "\n")
    tall = sum(r["bottom"] > RISE["height"] for rows in heights.values() for r in rows)
    print(f"{sum(map(len, heights.values()))} slides measured, {tall} taller than the screen -> {RESULTS}")
    return 1 if tall else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
