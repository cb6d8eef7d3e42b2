"""``python3 dev.py publish OWNER/NAME``: the course's GitHub path in every Colab badge and setup cell, at once.

Every "Open in Colab" badge opens its notebook from GitHub and every setup cell clones the course from there; the
path's home is pyproject.toml's ``[project.urls] Repository``. Standard library only: it runs before .venv exists.
"""

import json
import re
import sys
from pathlib import Path

from tools.notebooks import course_notebooks

ROOT = Path(__file__).resolve().parent.parent


# The course's GitHub path (OWNER/NAME) appears in three forms; `publish` rewrites the middle group of each. Its one
# home is pyproject.toml's [project.urls]; the badges and setup cells must agree with it (tests/test_structure.py
# reads it from there, so no command rewrites a test).
_PATH = r"([A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+)"  # OWNER/NAME as GitHub allows them
GITHUB_PATH_FORMS = {
    "Colab badge": re.compile(r"(https://colab\.research\.google\.com/github/)" + _PATH + "(/blob/main/)"),
    "setup cell's git clone": re.compile(r'("clone", "--depth", "1", "https://github\.com/)' + _PATH + '(")'),
    "project URL": re.compile(r'^(Repository = "https://github\.com/)' + _PATH + '(")', re.M),
}
GITHUB_PATH = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?/[A-Za-z0-9._-]+")
# Where each form must appear, besides every notebook's badge (first cell) and setup cell (second cell).
PUBLISHED_FILES = {
    "README.md": ["Colab badge"],
    "CONTRIBUTING.md": ["Colab badge", "setup cell's git clone"],
    "pyproject.toml": ["project URL"],
}


def _published_notebooks() -> list:
    return course_notebooks(ROOT / "notebooks")


def _lines(file: Path) -> list:
    """The text lines the GitHub path may sit in: a notebook's cell sources (never its outputs), or the file."""
    if file.suffix != ".ipynb":
        return file.read_text(encoding="utf-8").splitlines()
    cells = json.loads(file.read_text(encoding="utf-8"))["cells"]
    return [line for cell in cells for line in "".join(cell["source"]).splitlines()]


def github_paths_in(file: Path) -> dict:
    """{form: [the GitHub paths found in that form]} for one file."""
    text = "\n".join(_lines(file))
    return {form: [m.group(2) for m in pattern.finditer(text)] for form, pattern in GITHUB_PATH_FORMS.items()}


def _set_github_path(line: str, new: str) -> str:
    for pattern in GITHUB_PATH_FORMS.values():
        line = pattern.sub(lambda m: m.group(1) + new + m.group(3), line)
    return line


def set_github_path(file: Path, new: str) -> bool:
    """Write `new` into every GitHub path of `file`; True if the file changed.

    A notebook is edited surgically: only its cells' source lines change; outputs, metadata and the
    JSON layout (nbformat's: indent 1, sorted keys) stay as they are, so nothing needs re-executing.
    """
    old_text = file.read_text(encoding="utf-8")
    if file.suffix == ".ipynb":
        nb = json.loads(old_text)
        for cell in nb["cells"]:
            lines = cell["source"] if isinstance(cell["source"], list) else [cell["source"]]
            lines = [_set_github_path(line, new) for line in lines]
            cell["source"] = lines if isinstance(cell["source"], list) else lines[0]
        new_text = json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    else:
        new_text = "".join(_set_github_path(line, new) for line in old_text.splitlines(keepends=True))
    if new_text != old_text:
        file.write_text(new_text, encoding="utf-8")
    return new_text != old_text


def check_github_paths(expected=None) -> tuple:
    """(the paths found, a list of problems): every place must name one and the same GitHub path."""
    needed = {ROOT / name: forms for name, forms in PUBLISHED_FILES.items()}
    needed.update({nb: ["Colab badge", "setup cell's git clone"] for nb in _published_notebooks()})
    found, problems = set(), []
    for file, forms in needed.items():
        where = file.relative_to(ROOT)
        if not file.exists():
            problems.append(f"{where}: missing")
            continue
        for form, paths in github_paths_in(file).items():
            found.update(paths)
            if form in forms and not paths:
                problems.append(f"{where}: no {form} found")
            for path in sorted(set(paths)):
                if expected is not None and path != expected:
                    problems.append(f"{where}: {form} points at {path}, not {expected}")
    if expected is None and len(found) > 1:
        for file in needed:
            for form, paths in github_paths_in(file).items():
                problems.extend(f"{file.relative_to(ROOT)}: {form} points at {p}" for p in sorted(set(paths)))
        problems.insert(0, f"the files disagree: {', '.join(sorted(found))}")
    return sorted(found), problems


def main(args) -> int:
    """`publish OWNER/NAME`: set the course's GitHub path everywhere, then check; `publish --check`: only check.

    The path is where the course lives on GitHub: every "Open in Colab" badge opens the notebook
    from there and every setup cell clones the course from there.
    """
    if args == ["--check"]:
        new = None
    elif len(args) == 1 and GITHUB_PATH.fullmatch(args[0]):
        new = args[0]
        files = [*(ROOT / name for name in PUBLISHED_FILES), *_published_notebooks()]
        changed = [file.relative_to(ROOT) for file in files if file.exists() and set_github_path(file, new)]
        print(f"set the GitHub path to {new} in {len(changed)} files" + "".join(f"\n  {f}" for f in changed))
    else:
        sys.exit("usage: python3 dev.py publish OWNER/NAME   (the course's GitHub repository, e.g. alice/dl-course)\n"
                 "       python3 dev.py publish --check       (only check that every place agrees)")
    found, problems = check_github_paths(new)
    if problems:
        print("GitHub paths disagree:\n  " + "\n  ".join(problems))
        return 1
    count = len(PUBLISHED_FILES) + len(_published_notebooks())
    print(f"all {count} files agree: the course's GitHub path is {found[0]}")
    return 0


def github_repo() -> str:
    """OWNER/NAME from pyproject.toml's [project.urls] Repository: where the course lives on GitHub."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    return GITHUB_PATH_FORMS["project URL"].search(text).group(2)
