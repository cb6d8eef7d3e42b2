"""The repository keeps its promises: one dependency list, a README that tells the truth, clean lint."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import tomllib

from tools.notebooks import course_notebooks

ROOT = Path(__file__).resolve().parent.parent


def _name_and_spec(req: str):
    m = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*(.*)", req)
    name = m.group(1).lower().replace("_", "-")
    return {"pytorch": "torch"}.get(name, name), m.group(2).replace(" ", "")


def test_environment_yml_matches_pyproject():
    """Binder/conda users and pip users must get the same packages at the same minimum versions."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = dict(_name_and_spec(r) for r in project["dependencies"] + project["optional-dependencies"]["lab"])
    env_text = (ROOT / "environment.yml").read_text()
    env_lines = env_text.split("dependencies:", 1)[1].splitlines()
    conda = {}
    for line in env_lines:
        m = re.match(r"  - ([A-Za-z][\w\-]*)(.*)$", line)
        if m and m.group(1) not in ("python", "pip"):
            name, spec = _name_and_spec(m.group(1) + m.group(2))
            conda[name] = spec
    assert conda == wanted, f"environment.yml {conda} != pyproject.toml {wanted}"


def test_no_exact_pins_for_users():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for req in project["dependencies"]:
        assert "==" not in req, f"{req}: users get minimum versions, never exact pins"


def test_readme_lists_every_notebook_and_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    for nb in course_notebooks():
        row = next((line for line in readme.splitlines() if f"(notebooks/{nb.name})" in line), None)
        assert row, f"README table has no row for {nb.name}"
        assert f"blob/main/notebooks/{nb.name}" in row, f"{nb.name}: README row needs its Colab badge"
        assert re.search(r"\| \d+ s \| \d+ MiB \|$", row), f"{nb.name}: measured time and memory missing"
    assert "python3 dev.py lab" in readme and "python3 dev.py test" in readme


def test_ci_runs_the_readme_test_command():
    assert "python3 dev.py test" in (ROOT / ".ci" / "run").read_text()


def test_ruff_is_clean():
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    result = subprocess.run([ruff, "check", "helpers", "tests", "notebooks", "bench", "dev.py", "data"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
