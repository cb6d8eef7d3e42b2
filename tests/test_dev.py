"""dev.py's newcomer commands: `lab` (which PyTorch build it installs, root, and a real headless start) and
`publish` (the GitHub path set everywhere at once, on a temporary copy of the repository)."""

import http.server
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
import tomllib

from tools import publish, venv
from tools.notebooks import course_notebooks

ROOT = Path(__file__).resolve().parent.parent

NOTEBOOK_NAMES = sorted(p.name for p in course_notebooks())


# --- which PyTorch `lab` installs, and as root --------------------------------------------

@pytest.mark.parametrize(("gpu", "reachable", "index", "says"), [
    (True, True, None, "NVIDIA GPU found"),
    (True, False, None, "NVIDIA GPU found"),
    (False, True, venv.TORCH_CPU_INDEX, "CPU-only build"),
    (False, False, None, "did not answer"),
])
def test_torch_build_choice(gpu, reachable, index, says):
    options, message = venv.torch_install_plan(gpu, reachable)
    assert options == ([] if index is None else ["--index-url", index])
    assert says in message


def test_jupyter_gets_allow_root_only_as_root():
    assert venv.jupyter_root_flags(0) == ["--allow-root"]
    assert venv.jupyter_root_flags(1000) == []
    assert venv.jupyter_root_flags(None) == []  # Windows has no user ids


@pytest.mark.parametrize(("version", "requirement", "ok"), [
    ("2.13.0+cpu", "torch>=2.4", True),
    ("2.4.0", "torch>=2.4", True),
    ("2.3.1", "torch>=2.4", False),
    ("10.0", "torch>=2.4", True),
    ("2.13.0+cpu", "torch==2.13.0", True),
    ("2.13.1", "torch==2.13.0", False),
    ("2.12.0", "torch==2.13.0", False),
    (None, "torch>=2.4", False),
])
def test_torch_satisfies(version, requirement, ok):
    assert venv.torch_satisfies(version, requirement) is ok


def test_torch_requirements_come_from_pyproject_and_the_test_file():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    minimum = next(r for r in project["dependencies"] if r.startswith("torch"))
    assert venv.TORCH_MINIMUM == re.sub(r"\s+", "", minimum.split("#")[0])
    assert venv.torch_requirement(("-e", f"{ROOT}[lab]")) == venv.TORCH_MINIMUM
    lines = (ROOT / "requirements-test.txt").read_text().splitlines()
    pinned = next(line for line in lines if line.startswith("torch"))
    assert venv.torch_requirement(("-r", ROOT / "requirements-test.txt", "-e", ROOT)) == pinned


@pytest.fixture
def pip_calls(monkeypatch):
    """Record what ensure_torch would run instead of running it."""
    calls = []
    monkeypatch.setattr(venv, "sh", lambda *cmd, **kw: calls.append([str(c) for c in cmd]))
    return calls


def test_ensure_torch_installs_nothing_when_a_suitable_torch_is_there(pip_calls, monkeypatch, capsys):
    monkeypatch.setattr(venv, "installed_version", lambda package: "2.13.0+cpu")
    monkeypatch.setattr(venv, "url_reachable", lambda *a, **k: pytest.fail("no probe needed"))
    venv.ensure_torch("torch>=2.4")
    assert pip_calls == [] and "nothing to download" in capsys.readouterr().out


@pytest.mark.parametrize(("reachable", "index"), [(True, True), (False, False)])
def test_ensure_torch_without_gpu_uses_the_cpu_index_when_it_answers(pip_calls, monkeypatch, capsys, reachable, index):
    monkeypatch.setattr(venv, "installed_version", lambda package: None)
    monkeypatch.setattr(venv, "has_nvidia_gpu", lambda: False)
    monkeypatch.setattr(venv, "url_reachable", lambda url, timeout=5.0: reachable)
    venv.ensure_torch("torch>=2.4")
    (cmd,) = pip_calls
    assert cmd[-1] == "torch>=2.4" and ("--index-url" in cmd) is index
    assert ("CPU-only" if index else "did not answer") in capsys.readouterr().out


def test_ensure_torch_with_gpu_never_probes(pip_calls, monkeypatch):
    monkeypatch.setattr(venv, "installed_version", lambda package: "2.3.0")
    monkeypatch.setattr(venv, "has_nvidia_gpu", lambda: True)
    monkeypatch.setattr(venv, "url_reachable", lambda *a, **k: pytest.fail("no probe with a GPU"))
    venv.ensure_torch("torch>=2.4")
    assert pip_calls and "--index-url" not in pip_calls[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_url_probe_answers_fast_both_ways():
    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        assert venv.url_reachable(f"http://127.0.0.1:{server.server_port}/", timeout=5)
    finally:
        server.shutdown()
        server.server_close()
    # Each probe gives up after its 2 s (a probe without a time limit can hang for minutes on a name lookup); the
    # bound leaves room for a busy machine's scheduling, far below what an unbounded probe would take.
    start = time.monotonic()
    assert not venv.url_reachable(f"http://127.0.0.1:{free_port()}/", timeout=2)  # nobody listens
    assert not venv.url_reachable("http://no-such-host.invalid/", timeout=2)  # no such name
    assert time.monotonic() - start < 10


def test_present_mode_installs_rise_with_ipywidgets_7_and_its_test_runs_last(monkeypatch):
    """`lab --present` installs pyproject's [present] extra (RISE; ipywidgets < 8, which RISE's slideshow needs) and
    passes the other arguments to JupyterLab; `test --present` installs the suite first, then [present] over it,
    and runs only tests/test_present.py (marker `present`, which every other run deselects)."""
    dev = importlib.import_module("dev")
    installs, commands = [], []
    monkeypatch.setattr(dev, "ensure_venv", lambda *args: installs.append([str(a) for a in args]))
    monkeypatch.setattr(dev.subprocess, "call", lambda cmd, **kw: commands.append([str(c) for c in cmd]) or 0)
    assert dev.lab(["--present", "--no-browser"]) == 0
    assert installs == [["-e", f"{ROOT}[present]"]]
    assert "--present" not in commands[0] and "--no-browser" in commands[0]
    installs.clear(), commands.clear()
    assert dev.test(["--present"]) == 0
    assert installs[0][-2:] == ["-e", str(ROOT)] and installs[1] == ["-e", f"{ROOT}[present]"]
    assert commands[0][-3:] == ["tests/test_present.py", "-m", "present"]
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert "ipywidgets>=7.8,<8" in extras["present"] and any(r.startswith("jupyterlab-rise") for r in extras["present"])
    addopts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["addopts"]
    assert "-m 'not present'" in addopts
    assert (ROOT / ".ci" / "run").read_text().strip().endswith("python3 dev.py test --present")


@pytest.mark.slow
def test_lab_starts_headless_and_serves_the_notebooks(tmp_path):
    """`python3 dev.py lab` on the existing .venv, as the user running the tests (root in CI): JupyterLab
    must answer with the notebook list. Bounded: ~180 s at most (pip checks the venv first), then the whole
    process group is killed."""
    version = venv.installed_version("torch")
    assert venv.torch_satisfies(version, venv.TORCH_MINIMUM), f".venv needs torch installed first (has {version})"
    port, token = free_port(), "dev-lab-test-token"
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    log = tmp_path / "lab.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "dev.py"), "lab", "--no-browser", f"--port={port}",
             "--ServerApp.port_retries=0", f"--ServerApp.token={token}", "--ServerApp.ip=127.0.0.1"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        listing, deadline = None, time.monotonic() + 180
        while listing is None and time.monotonic() < deadline and proc.poll() is None:
            try:
                url = f"http://127.0.0.1:{port}/api/contents?token={token}"
                with urllib.request.urlopen(url, timeout=5) as response:
                    listing = json.load(response)
            except OSError:
                time.sleep(0.5)
        output = log.read_text()
        assert listing is not None, f"JupyterLab did not answer (exit code {proc.poll()}):\n{output[-3000:]}"
        names = sorted(item["name"] for item in listing["content"])
        assert set(NOTEBOOK_NAMES) <= set(names), names
        assert "nothing to download" in output  # the installed torch was kept: no download
        if os.geteuid() == 0:
            assert "--allow-root" in output
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)
        except ProcessLookupError:
            pass


# --- publish ---------------------------------------------------------------------------

GITHUB_REPO = publish.github_repo()  # pyproject.toml's [project.urls] Repository


def test_the_repository_agrees_on_its_github_path():
    found, problems = publish.check_github_paths()
    assert problems == [] and found == [GITHUB_REPO]


@pytest.fixture
def repo_copy(tmp_path):
    """The files `publish` edits, dev.py and tools/ (which publish runs), and the structure test (which reads the
    path), copied into a temporary repository."""
    tools = [f"tools/{p.name}" for p in (ROOT / "tools").glob("*.py")]
    for name in ["dev.py", *tools, "tests/test_structure.py", *publish.PUBLISHED_FILES,
                 *(f"notebooks/{n}" for n in NOTEBOOK_NAMES)]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def run_dev(repo: Path, *args):
    result = subprocess.run([sys.executable, str(repo / "dev.py"), *args], cwd=repo, capture_output=True, text=True,
                            timeout=120)
    return result.returncode, result.stdout + result.stderr


def test_publish_sets_the_path_everywhere_and_only_there(repo_copy):
    before = {p: p.read_bytes() for p in repo_copy.rglob("*") if p.is_file()}
    code, out = run_dev(repo_copy, "publish", "alice/dl-course.v2")
    assert code == 0, out
    assert f"all {len(publish.PUBLISHED_FILES) + len(NOTEBOOK_NAMES)} files agree" in out
    assert "alice/dl-course.v2" in out
    for path in before:
        if path.suffix != ".py":  # dev.py, tools/ and the test hold no path: they read pyproject.toml's
            assert GITHUB_REPO not in path.read_text(), f"{path.name} still names {GITHUB_REPO}"
        else:
            assert path.read_bytes() == before[path], f"publish rewrote {path.name}: no command rewrites code"

    # The copied structure test reads the new path from the copied pyproject.toml, and it matches every notebook.
    spec = importlib.util.spec_from_file_location("copied_structure", repo_copy / "tests/test_structure.py")
    structure = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(structure)
    assert structure.GITHUB_REPO == "alice/dl-course.v2"
    for name in NOTEBOOK_NAMES:
        old, new = (json.loads(p.read_text()) for p in (ROOT / "notebooks" / name, repo_copy / "notebooks" / name))
        first, setup = ("".join(cell["source"]) for cell in new["cells"][:2])
        assert f"https://colab.research.google.com/github/alice/dl-course.v2/blob/main/notebooks/{name}" in first
        assert setup.strip() == structure.SETUP_CELL
        # Surgical: outside the two cells' source, nothing changed (outputs, metadata, other cells).
        for cell in (*old["cells"][:2], *new["cells"][:2]):
            cell.pop("source")
        assert old == new, name

    assert run_dev(repo_copy, "publish", "--check")[0] == 0
    # Publishing the old path again restores every file byte for byte.
    assert run_dev(repo_copy, "publish", GITHUB_REPO)[0] == 0
    assert {p: p.read_bytes() for p in before} == before


def test_publish_check_fails_on_any_disagreement(repo_copy):
    notebook = repo_copy / "notebooks" / NOTEBOOK_NAMES[-1]
    notebook.write_text(notebook.read_text().replace(f"github/{GITHUB_REPO}/blob", "github/bob/other/blob"))
    code, out = run_dev(repo_copy, "publish", "--check")
    assert code == 1 and "bob/other" in out and NOTEBOOK_NAMES[-1] in out
    code, out = run_dev(repo_copy, "publish", "alice/course")  # publishing mends it
    assert code == 0 and "bob/other" not in notebook.read_text()
    (repo_copy / "CONTRIBUTING.md").write_text("no badge here\n")
    code, out = run_dev(repo_copy, "publish", "--check")
    assert code == 1 and "CONTRIBUTING.md: no Colab badge found" in out


@pytest.mark.parametrize("bad", [[], ["alice"], ["alice/x/y"], ["-alice/x"], ["a/b", "c/d"], ["https://github.com/a/b"]])
def test_publish_refuses_what_is_not_owner_slash_name(repo_copy, bad):
    code, out = run_dev(repo_copy, "publish", *bad)
    assert code != 0 and "usage" in out
