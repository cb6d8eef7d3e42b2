"""The browser test's driver: a JupyterLab server on 127.0.0.1 over a temporary copy of the notebooks, and one
notebook in it driven through headless Chromium (Playwright): Run All, find every widget control the kernel
created, move each and watch the figure redraw. tests/test_browser.py holds the tests; tests/browser/page.js the
JavaScript the page runs (window.__bt). Later browser tests (present mode, the static book) reuse this module.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import nbformat
import pytest
from browser_fixtures import FIXTURE_DIR, write_fixtures

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS_DIR = Path(os.environ.get("BROWSER_TEST_NOTEBOOKS", REPO / "notebooks")).resolve()
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# Timeouts only catch a hang, never a slow machine: each notebook takes about a minute on 2 idle CPU cores, and
# several times that on a busy one (notebook 11 once took 264 s beside a CI run), so each limit is far above it.
SERVER_START_S = 300
OPEN_NOTEBOOK_S = 300
RUN_ALL_S = int(os.environ.get("BROWSER_TEST_RUN_ALL_S", 1200))
REDRAW_S = 60  # the most a move may take to be handled by the kernel and drawn
MAX_ARROW_STEPS = 20  # ArrowRight presses to bring back a slider whose readout cannot be typed into
QUIET_S = 0.4  # once handled, the drawing must stay the same this long (late outputs still render)
WARNING = re.compile(r"\b[A-Z]\w*Warning: ")  # as Python's warnings module prints one


WIDGET_CODE = re.compile(r"\bipywidgets\b|\bwidgets\.|helpers\.widgets|\binteractive_plot\b")


def widget_notebooks(directory: Path) -> list[Path]:
    """The notebooks in ``directory`` with a code cell that uses ipywidgets."""
    found = []
    for path in sorted(directory.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        if any(c.cell_type == "code" and WIDGET_CODE.search(c.source) for c in nb.cells):
            found.append(path)
    return found


WIDGET_NOTEBOOKS = widget_notebooks(NOTEBOOKS_DIR) if NOTEBOOKS_DIR.is_dir() else []


def skip_or_fail(reason: str):
    """Skip on a developer machine, fail in CI: CI must never pass by silently skipping."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true, so this is a failure, not a skip)")
    pytest.skip(reason)


# --------------------------------------------------------------------------------------------
# JupyterLab server
# --------------------------------------------------------------------------------------------

# Settings that keep JupyterLab quiet, offline and predictable. windowingMode "none" keeps every
# cell in the DOM (the default only renders what is near the viewport), autosave off is a second
# guard on top of serving a copy.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none", "kernelShutdown": True},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False,
                                                    "doNotDisturbMode": True},
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    "@jupyterlab/extensionmanager-extension/plugin": {"enabled": False},
}



@dataclass
class LabServer:
    url: str
    token: str
    log_path: Path
    proc: subprocess.Popen

    def log_tail(self, lines: int = 60) -> str:
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def copy_notebooks(dest: Path) -> Path:
    """Copy the notebooks to ``dest/notebooks``, outputs cleared and kernel set to ``python3``.

    Cleared outputs: stale widget outputs of a committed notebook would say "model not found".
    Kernel ``python3``: the venv's kernel, and no "Select Kernel" dialog for an unknown name.
    ``dest/data`` links to the repo's data so that ``../data`` paths resolve as in the repo.
    """
    copy = dest / "notebooks"
    shutil.copytree(NOTEBOOKS_DIR, copy, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    for path in copy.glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, path)
    write_fixtures(copy / FIXTURE_DIR)
    data = NOTEBOOKS_DIR.parent / "data"
    if data.is_dir():
        (dest / "data").symlink_to(data)
    return copy


def lab_environment(home: Path) -> dict:
    """Environment with every Jupyter/IPython directory in ``home``: nothing of the user's is read."""
    env = dict(os.environ)
    for var, sub in [("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                     ("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython")]:
        env[var] = str(home / sub)
        (home / sub).mkdir(parents=True, exist_ok=True)
    env["JUPYTER_PLATFORM_DIRS"] = "1"  # silences jupyter_core's deprecation warning
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def write_lab_settings(settings_dir: Path) -> None:
    for plugin, values in LAB_SETTINGS.items():
        path = settings_dir / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


def lab_command(root_dir: Path, home: Path, port: int, token: str) -> list[str]:
    return [
        sys.executable, "-m", "jupyterlab", "--no-browser",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root_dir}",
        "--ServerApp.open_browser=False", "--ServerApp.allow_root=True",  # CI containers run as root
        "--ServerApp.terminals_enabled=False",
        "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        "--LabApp.expose_app_in_browser=True",  # window.jupyterapp: commands and kernel status
        f"--LabApp.user_settings_dir={home / 'settings'}", f"--LabApp.workspaces_dir={home / 'workspaces'}",
    ]


class PortTaken(Exception):
    """JupyterLab could not bind its port: another program took it after free_port() found it free."""


def wait_until_serving(server: LabServer, give_up_on_port_in_use: bool = False) -> None:
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            if give_up_on_port_in_use and "already in use" in server.log_tail().lower():
                raise PortTaken(server.url)
            pytest.fail(f"JupyterLab exited with code {server.proc.returncode}:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(f"{server.url}/api/status?token={server.token}", timeout=5):
                return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"JupyterLab did not answer within {SERVER_START_S} s:\n{server.log_tail()}")


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM lets JupyterLab shut its kernels down; then kill whatever is left of its group."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()



PAGE_HELPERS = (Path(__file__).parent / "browser" / "page.js").read_text(encoding="utf-8")




# --------------------------------------------------------------------------------------------
# One notebook in the browser
# --------------------------------------------------------------------------------------------

def last_line(text: str) -> str:
    """The exception line of a traceback (or the whole text when short)."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


def drawing(snap: dict) -> tuple:
    """What counts as 'the plot': the images and the text."""
    return tuple(snap["imgs"]), snap["text"]


def describe(snap: dict | None) -> str:
    if snap is None:
        return "the widget is gone from the page"
    return f"{len(snap['imgs'])} image(s), text {snap['text'][:120]!r}"


class NotebookInLab:
    """A notebook opened in JupyterLab; collects problems instead of stopping at the first one."""

    def __init__(self, context, server: LabServer, path: str, shots_dir: Path):
        self.page = context.new_page()
        self.path = path  # relative to the served folder
        self.server = server
        self.shots_dir = shots_dir
        self.problems: list[str] = []
        self.screenshot_taken: set = set()  # one screenshot per control (or per phase), not per problem
        self.actions: list[str] = []  # what was done, printed with the test's output
        self.moved: set = set()  # ids of the controls moved to both ends (every option of a dropdown)
        self.phase = "opening"
        self.page_errors: list[tuple[str, str]] = []  # (phase, error)
        self.page.on("pageerror", lambda e: self.page_errors.append((self.phase, str(e)[:300])))

    def js(self, function: str, *args):
        """Call window.__bt.<function>(path, *args) in the page (most helpers take the notebook path)."""
        return self.page.evaluate(f"(a) => window.__bt.{function}(...a)", [self.path, *args])

    def js_call(self, function: str, *args):
        """Call window.__bt.<function>(*args) in the page."""
        return self.page.evaluate(f"(a) => window.__bt.{function}(...a)", list(args))

    def screenshot(self, what: str) -> Path:
        path = self.shots_dir / f"{Path(self.path).stem}-{len(list(self.shots_dir.glob('*.png'))):02d}-{what}.png"
        self.page.screenshot(path=str(path))
        return path

    def problem(self, message: str, control=None) -> None:
        """Record a failure, with a screenshot that shows the control when there is one."""
        key = "run all" if control is None else control["id"]
        if key in self.screenshot_taken:
            self.problems.append(message)
            return
        self.screenshot_taken.add(key)
        if control is not None and self.control(control).count():
            self.control(control).scroll_into_view_if_needed()
        shot = self.screenshot("run-all" if control is None else f"control{control['id']}")
        self.problems.append(f"{message}\n    screenshot: {shot}")

    def wait_for(self, condition: str, timeout_s: float, what: str, state: str = "") -> None:
        """Wait for the JS ``condition`` (on ``bt`` = window.__bt and ``p`` = path), else fail with a screenshot.

        ``state``: a JS expression describing where things stand, added to the failure message.
        """
        try:
            self.page.wait_for_function(f"(p) => {{ const bt = window.__bt; return {condition}; }}", arg=self.path,
                                        timeout=timeout_s * 1000, polling=500)
            return
        except Exception as e:  # playwright's TimeoutError; fail below, outside this block (no chained trace)
            error = type(e).__name__
        details = self.page.evaluate(f"(p) => {{ const bt = window.__bt; return {state}; }}", self.path) \
            if state else ""
        shot = self.screenshot("timeout")
        errors = [f"{k['error']} ({k['phase']})" for k in self.kernel_errors()]
        pytest.fail(f"{self.path}: {what} did not happen within {timeout_s} s ({error}) {details}\n"
                    f"    screenshot: {shot}\n    kernel errors so far: {errors or 'none'}", pytrace=False)

    def kernel_errors(self) -> list[dict]:
        """Errors the kernel sent: [{"phase": what the test was doing, "error": "ValueError: ..."}]."""
        return self.page.evaluate("() => window.__bt.kernelErrors")

    def set_phase(self, phase: str) -> None:
        self.phase = phase
        self.page.evaluate("(p) => { window.__bt.phase = p; }", phase)

    # -- opening and running ------------------------------------------------------------------

    def open(self) -> None:
        """Open the notebook in a fresh workspace and wait for an idle kernel."""
        workspace = f"bt-{re.sub(r'[^A-Za-z0-9]+', '-', Path(self.path).stem)}"
        url = f"{self.server.url}/lab/workspaces/{workspace}/tree/{quote(self.path)}?token={self.server.token}"
        self.page.goto(url, timeout=OPEN_NOTEBOOK_S * 1000)
        self.wait_for("bt.panel(p) !== null", OPEN_NOTEBOOK_S, "opening the notebook")
        self.wait_for("bt.kernelStatus(p) === 'idle'", OPEN_NOTEBOOK_S, "the kernel becoming idle")
        self.js("watchKernel")

    def run_all(self) -> bool:
        """Run All Cells, wait until every cell ran and the widgets rendered, record cell errors.

        Returns False when some cells did not run (Run All stops at the first error).
        """
        self.set_phase("running all cells")
        self.js("startRunAll")
        self.wait_for("bt.runFinished(p)", RUN_ALL_S, "running all cells",
                      state="(bt.scrollToRunning(p), bt.runState(p))")
        cells = self.js("cellProblems")
        for message in cells["errors"]:
            self.problem(message)
        if cells["notRun"]:
            self.problem(f"code cells {cells['notRun']} did not run (Run All stops at the first error)")
        try:
            self.page.wait_for_function("(p) => window.__bt.unrenderedWidgets(p).length === 0",
                                        arg=self.path, timeout=60_000, polling=500)
        except Exception:
            for cell in self.js("unrenderedWidgets"):
                self.problem(f"widget not rendered (is jupyterlab_widgets active?): {cell}")
        for cell in self.js("staticPicturesShown"):
            self.problem(f"{cell} shows the widget's static picture beside the live widget: two figures")
        self.settle()
        for text in self.js("domErrors"):
            self.problem(f"error shown after Run All: {last_line(text)}")
        return not cells["notRun"]

    def settle(self, quiet_s: float = 1.5, timeout_s: float = 60) -> None:
        """Wait until the kernel is idle and no output changed for quiet_s seconds."""
        deadline = time.monotonic() + timeout_s
        last, since = None, time.monotonic()
        while time.monotonic() < deadline:
            now = (self.js("kernelStatus"), self.js("outputSignature"))
            if now != last:
                last, since = now, time.monotonic()
            elif now[0] == "idle" and time.monotonic() - since >= quiet_s:
                return
            self.page.wait_for_timeout(250)

    # -- moving the widgets ---------------------------------------------------------------------

    def control(self, control: dict, inner: str = ""):
        """Locator of a control tagged by markControls (or of ``inner`` inside it)."""
        return self.page.locator(f'[data-bt-control="{control["id"]}"] {inner}'.strip())

    def slider_value(self, control: dict) -> str:
        """The slider's value as its readout shows it (its handle's aria-valuenow without a readout)."""
        readout = self.control(control, ".widget-readout")
        if readout.count() and readout.is_visible():
            return readout.inner_text().strip()
        return self.control(control, ".noUi-handle").first.get_attribute("aria-valuenow")

    def snapshot(self, control: dict) -> dict | None:
        return self.js_call("snapshot", control["id"])

    def wait_for_move(self, control: dict, before: dict, idles: int, target: tuple | None = None) -> dict | None:
        """After a move: wait until the group's drawing changed (or equals ``target``), or the kernel has
        handled the widget's message without changing it, then until it stays the same for QUIET_S.

        ``idles``: the kernel's count of handled widget messages before the move.
        Returns the last snapshot (None when the control left the page).
        """
        start = time.monotonic()
        deadline = start + REDRAW_S
        while time.monotonic() < deadline:
            state = self.js("moveState", control["id"])
            snap = state["snap"]
            if snap is None:
                return None
            now = drawing(snap)
            if now != drawing(before) or now == target or (state["idles"] > idles and state["status"] == "idle"):
                break
            self.page.wait_for_timeout(100)
        last, since = None, time.monotonic()
        while time.monotonic() < deadline:  # let the last outputs of the redraw arrive and render
            state = self.js("moveState", control["id"])
            if state["snap"] is None:
                return None
            now = (drawing(state["snap"]), state["status"])
            if now != last:
                last, since = now, time.monotonic()
            elif now[1] == "idle" and time.monotonic() - since >= QUIET_S:
                break
            self.page.wait_for_timeout(100)
        self.actions[-1] += f", handled in {time.monotonic() - start:.1f} s"
        return self.snapshot(control)

    def name(self, control: dict) -> str:
        return f"{self.path}: {control['kind']} '{control['label']}' (code cell {control['cell']})"

    def check_after_move(self, control: dict, action: str, moved: bool, before: dict, idles: int) -> dict | None:
        """The move redrew the group (if the value changed), and the result draws, without error or stderr."""
        name = self.name(control)
        self.actions.append(f"{control['kind']} '{control['label']}': {action}")
        after = self.wait_for_move(control, before, idles) if moved else self.snapshot(control)
        if after is None:
            self.problem(f"{name}: after {action} the widget disappeared from the page")
            return None
        if moved and drawing(after) == drawing(before):
            self.actions[-1] += ", NOT redrawn"
            self.problem(f"{name}: after {action} {after['where']} did not change: the control has no effect "
                         f"on the figure (still {describe(after)})", control)
        if after["errors"]:
            self.problem(f"{name}: after {action} {after['where']} shows an error or warning: "
                         f"{last_line(after['errors'][0])}", control)
        elif after["stderr"]:
            self.problem(f"{name}: after {action} {after['where']} printed on stderr: "
                         f"{last_line(after['stderr'][0])}", control)
        elif not after["imgs"] and not after["text"]:
            self.problem(f"{name}: after {action} {after['where']} is empty (no image, no text)", control)
        return after

    def widget_idles(self) -> int:
        return self.page.evaluate("() => window.__bt.widgetIdles")

    def check_restored(self, control: dict, value: str, shown: str, first: dict, after: dict | None) -> None:
        """After setting a control back: it shows its first value and the group its first drawing."""
        self.actions.append(f"{control['kind']} '{control['label']}': set back to {shown}")
        if shown != value:
            self.problem(f"{self.name(control)}: set back to {value!r}, it shows {shown!r}", control)
        elif after is not None and drawing(after) != drawing(first):
            self.problem(f"{self.name(control)}: set back to {value!r}, {after['where']} does not show its first "
                         f"drawing again (now {describe(after)}, first {describe(first)})", control)

    def exercise_slider(self, control: dict) -> None:
        """End, then Home on the noUiSlider handle (each fires its change event on release), then the
        first value typed back into the readout."""
        handle = self.control(control, ".noUi-handle").first
        first = before = self.snapshot(control)
        values, original = [], self.slider_value(control)
        for key in ["End", "Home"]:
            self.set_phase(f"slider '{control['label']}' after {key}")
            handle.scroll_into_view_if_needed()
            old, idles = self.slider_value(control), self.widget_idles()
            handle.focus()
            handle.press(key)
            new = self.slider_value(control)
            values.append(new)
            action = f"{key} (value {old} -> {new})"
            before = self.check_after_move(control, action, new != old, before, idles) or before
        if len(set(values)) < 2:
            self.problem(f"{self.name(control)}: did not move with the keyboard (values {values})", control)
            return
        self.moved.add(control["id"])
        self.restore_slider(control, original, first)

    def restore_slider(self, control: dict, value: str, first: dict) -> None:
        """Set the slider back to its first value, so that the next control is tested from the notebook's
        own setting (at Home, e.g. a weight of 0, another control may do nothing): typed into the editable
        readout, or (a SelectionSlider's readout takes no typed value) ArrowRight from Home until it shows it."""
        readout = self.control(control, ".widget-readout")
        if not readout.count() or not readout.is_visible():
            return  # readout=False: the next controls are tested with this one at Home
        after = self.snapshot(control)
        self.set_phase(f"slider '{control['label']}' set back to {value}")
        editable = control["typed"] and readout.get_attribute("contenteditable") == "true"
        if editable and self.slider_value(control) != value:
            idles = self.widget_idles()
            readout.click()
            self.page.keyboard.press("Control+A")
            self.page.keyboard.type(value.replace("\u2212", "-"))  # the readout shows a minus sign it cannot parse
            self.page.keyboard.press("Enter")
            self.actions.append(f"slider '{control['label']}': typing {value}")
            after = self.wait_for_move(control, after, idles, target=drawing(first))
        handle = self.control(control, ".noUi-handle").first
        for _ in range(0 if editable else MAX_ARROW_STEPS):
            old = self.slider_value(control)
            if old == value:
                break
            idles = self.widget_idles()
            handle.focus()
            handle.press("ArrowRight")
            if self.slider_value(control) == old:
                break  # at End
            self.actions.append(f"slider '{control['label']}': ArrowRight ({old} -> {self.slider_value(control)})")
            after = self.wait_for_move(control, after, idles, target=drawing(first))
        self.check_restored(control, value, self.slider_value(control), first, after)

    def exercise_dropdown(self, control: dict) -> None:
        """Pick every other option, one after the other (each must redraw), then the first one again."""
        select = self.control(control, "select")
        options = select.locator("option").evaluate_all("els => els.map(e => e.value)")
        original = select.input_value()
        others = [o for o in options if o != original]
        if not others:
            return  # a single option: nothing to pick
        first = before = self.snapshot(control)
        for option in others + [original]:
            self.set_phase(f"dropdown '{control['label']}' set to {option}")
            select.scroll_into_view_if_needed()
            idles = self.widget_idles()
            select.select_option(option)
            if option == original:
                self.actions.append(f"dropdown '{control['label']}': choosing {option!r} again")
                after = self.wait_for_move(control, before, idles, target=drawing(first))
                self.check_restored(control, original, select.input_value(), first, after)
            else:
                before = self.check_after_move(control, f"choosing {option!r}", True, before, idles) or before
        self.moved.add(control["id"])

    def exercise_text(self, control: dict) -> None:
        """Type a longer text and press Enter (it must redraw), then type the first text back."""
        box = self.control(control, 'input[type="text"]')
        original = box.input_value()
        first = before = self.snapshot(control)
        for text in [original + " and", original]:
            self.set_phase(f"text '{control['label']}' set to {text!r}")
            box.scroll_into_view_if_needed()
            idles = self.widget_idles()
            box.fill(text)
            box.press("Enter")
            if text == original:
                self.actions.append(f"text '{control['label']}': typing {text!r} again")
                after = self.wait_for_move(control, before, idles, target=drawing(first))
                self.check_restored(control, original, box.input_value(), first, after)
            else:
                before = self.check_after_move(control, f"typing {text!r}", True, before, idles) or before
        self.moved.add(control["id"])

    def check_control_count(self, controls: list[dict]) -> None:
        """Every control the kernel created is on the page: same number of sliders and of dropdowns, and no
        kind of control that this test cannot move."""
        result = self.js("kernelControls")
        if "error" in result:
            self.problem(f"{self.path}: could not count the kernel's controls: {result['error']}")
            return
        created = ast.literal_eval(result["repr"])
        self.actions.append(f"the kernel created {created}; the page shows "
                            f"{Counter(c['kind'] for c in controls)}")
        for kind in ["slider", "dropdown", "text"]:
            found = sum(c["kind"] == kind for c in controls)
            if found != created[kind]:
                self.problem(f"{self.path}: the kernel created {created[kind]} enabled {kind}(s), the page shows "
                             f"{found}: every control must be displayed (and found by this test)")
        if created["other"]:
            self.problem(f"{self.path}: controls this test cannot move yet: {', '.join(created['other'])} "
                         "(teach markControls and NotebookInLab to move them)")

    def exercise_widgets(self) -> None:
        controls = self.js("markControls")
        self.check_control_count(controls)
        if not controls:
            self.problem(f"{self.path}: uses ipywidgets but no slider or dropdown was rendered")
        for control in controls:
            try:
                if control["kind"] == "slider":
                    self.exercise_slider(control)
                elif control["kind"] == "text":
                    self.exercise_text(control)
                else:
                    self.exercise_dropdown(control)
            except Exception as e:  # e.g. playwright's TimeoutError when the control was re-rendered
                self.problem(f"{self.name(control)}: could not operate it: "
                             f"{type(e).__name__}: {str(e).splitlines()[0]}", control)
        unmoved = [c["label"] for c in controls if c["id"] not in self.moved]
        if unmoved:
            self.problem(f"{self.path}: {len(unmoved)} of {len(controls)} controls were not moved: {unmoved}")
        self.set_phase("end")

    def report_kernel_errors(self) -> None:
        """What the kernel sent that no check above reported (e.g. in a never-displayed Output): every
        error; stderr while a control moved (a warning at a slider end); a warning during Run All."""
        for e in self.kernel_errors():
            if not any(e["error"] in p for p in self.problems):
                self.problems.append(f"the kernel reported {e['error']} ({e['phase']})")
        for e in self.page.evaluate("() => window.__bt.kernelStderr"):
            moving = e["phase"].startswith(("slider", "dropdown", "text"))
            if (moving or WARNING.search(e["text"])) and not any(e["text"] in p for p in self.problems):
                self.problems.append(f"the kernel printed on stderr: {e['text'][:300]} ({e['phase']})")

    def report_page_errors(self) -> None:
        """Uncaught JavaScript errors (Playwright's ``pageerror``): a broken renderer or widget view."""
        for phase, error in self.page_errors:
            self.problems.append(f"JavaScript error in the page ({phase}): {error}")

    def close(self) -> None:
        """Shut the kernel down (frees memory for the next notebook) and close the page; best effort."""
        try:
            self.js("shutdown")
        except Exception as e:  # a crashed page must not hide the test's own failure
            print(f"could not shut the kernel of {self.path} down: {e}")
        self.page.close()


# --------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------


def run_in_lab(browser, server: LabServer, path: str, shots_dir: Path) -> NotebookInLab:
    """Open ``path`` (relative to the served folder), Run All, move every control; the problems are in
    the returned object's ``problems``."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(15_000)  # a click or key press on a control that is gone fails fast
    context.add_init_script(PAGE_HELPERS)
    nb = NotebookInLab(context, server, path, shots_dir)
    started = time.monotonic()
    try:
        nb.open()
        if nb.run_all():  # widgets of a half-run notebook would only add noise
            nb.exercise_widgets()
        nb.report_kernel_errors()
        nb.report_page_errors()
    except BaseException:
        print(f"--- JupyterLab log ({server.log_path}) ---\n{server.log_tail()}")
        raise
    finally:
        nb.close()
        context.close()
        print("\n".join(nb.actions))
        print(f"{path}: {time.monotonic() - started:.0f} s in the browser")
    if nb.problems:
        print(f"--- JupyterLab log ({server.log_path}) ---\n{server.log_tail()}")
    return nb
