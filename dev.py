#!/usr/bin/env python3
"""The course's commands. Each one sets itself up on a fresh machine that has Python 3.10+ and pip.

    python3 dev.py lab        install the course into .venv and open it in JupyterLab
    python3 dev.py test       install the test tools into .venv and run the whole test suite
    python3 dev.py execute [NOTEBOOK ...]   re-run notebooks and store their outputs (deterministic)
    python3 dev.py bench [notebooks] [conv] [lstm] [attention] [gpt] [gpt_scaling] [resnet_depth]
                         [ddp] [--busy] [--readme] [NOTEBOOK ...]
                                            wall time and peak memory of each notebook, and the
                                            speed of our NumPy conv2d, LSTM and attention against
                                            PyTorch's (bench/); gpt (only when named, ~8 min): our
                                            GPT recipe against nanoGPT's for 30, 60, 120 s;
                                            gpt_scaling (only when named, ~8 min): notebook 13's
                                            five model sizes trained for the same tokens
                                            resnet_depth (only when named, ~11 min): notebook
                                            06's plain and residual MLPs on five seeds;
                                            ddp (only when named, ~2 min): notebook 13's data-parallel
                                            cell 30 times in one kernel (--busy: both cores kept busy).
                                            Exits 1 when a target is missed: notebooks never assert speed
    python3 dev.py sweep [NOTEBOOK ...]     each notebook with 5 seeds: every asserted training result
                                            -> bench/results/seed_sweep.{json,md}, which the floors follow
    python3 dev.py train NAME ...           retrain a shipped checkpoint (data/checkpoints.py: mnist_cnn,
                                            dcgan_generator, bert_pretrained, gpt_shakespeare) and
                                            record its checksum in data/SHA256SUMS
    python3 dev.py publish OWNER/NAME       set the course's GitHub path in every badge, setup cell,
                                            README, CONTRIBUTING and test at once (--check: verify)

Everything is installed into ``.venv`` next to this file, so nothing of your system is touched.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VENV_PY = VENV / "bin" / "python"
NOTEBOOKS = ROOT / "notebooks"
KERNEL_ENV = {"PYTHONHASHSEED": "0", "MPLBACKEND": "module://matplotlib_inline.backend_inline"}


def sh(*cmd, **kwargs):
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run([str(c) for c in cmd], check=True, **kwargs)


def ensure_venv(*pip_args) -> None:
    """Create .venv if needed and install what the command needs (pip skips what is already there).

    PyTorch comes first, on its own, so that a machine without an NVIDIA GPU gets the CPU-only build
    (a few hundred MB) rather than PyPI's default one with CUDA (gigabytes it cannot use).
    """
    if not VENV_PY.exists():
        venv.create(VENV, with_pip=True)
    ensure_torch(torch_requirement(pip_args))
    sh(VENV_PY, "-m", "pip", "install", "-q", "--disable-pip-version-check", *pip_args)


TORCH_MINIMUM = "torch>=2.4"  # pyproject.toml's minimum (tests/test_dev.py keeps the two equal)
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def torch_requirement(pip_args) -> str:
    """The torch requirement a command needs: a requirements file's torch line (`-r FILE`), else the minimum."""
    for flag, value in zip(pip_args, pip_args[1:], strict=False):
        if flag == "-r":
            for line in Path(value).read_text().splitlines():
                if re.fullmatch(r"torch\s*(==|>=)\s*[\w.+]+", line.strip()):
                    return line.strip().replace(" ", "")
    return TORCH_MINIMUM


def _release(version: str) -> tuple:
    """(2, 13, 0) for "2.13.0+cpu" or "2.13": the release numbers, local and pre-release labels dropped."""
    return tuple(int(n) for n in re.match(r"\d+(?:\.\d+)*", version).group().split("."))


def torch_satisfies(version, requirement: str) -> bool:
    """True if an installed torch `version` (None: not installed) meets "torch>=X.Y" or "torch==X.Y.Z"."""
    if version is None:
        return False
    op, wanted = re.fullmatch(r"torch(==|>=)([\d.]+)", requirement).groups()
    have, want = _release(version), _release(wanted)
    width = max(len(have), len(want))
    have, want = have + (0,) * (width - len(have)), want + (0,) * (width - len(want))
    return have == want if op == "==" else have >= want


def torch_install_plan(gpu: bool, cpu_index_reachable: bool) -> tuple[list, str]:
    """(pip options, the sentence that says which PyTorch build we install and why).

    With an NVIDIA GPU: PyPI's default build (it ships CUDA). Without one: the CPU-only build from
    PyTorch's own index, if that index answers; otherwise PyPI's default build, which also runs on a CPU.
    """
    if gpu:
        return [], "NVIDIA GPU found: installing PyTorch's default build from PyPI (with CUDA)."
    if cpu_index_reachable:
        return ["--index-url", TORCH_CPU_INDEX], (
            f"No NVIDIA GPU: installing PyTorch's CPU-only build (a few hundred MB) from {TORCH_CPU_INDEX}.")
    return [], (f"No NVIDIA GPU, but {TORCH_CPU_INDEX} did not answer: installing PyTorch's default build "
                "from PyPI instead (larger: it includes CUDA libraries this machine will not use).")


def has_nvidia_gpu() -> bool:
    """True if an NVIDIA driver is installed (then PyPI's default PyTorch build can use the GPU)."""
    return Path("/proc/driver/nvidia/version").exists() or shutil.which("nvidia-smi") is not None


def url_reachable(url: str, timeout: float = 5.0) -> bool:
    """True if `url` answers with a success within `timeout` seconds, in total (name lookup included)."""
    import threading
    import urllib.request

    answered = []

    def probe():
        try:
            with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=timeout):
                answered.append(True)
        except Exception:  # no route, no name, a refusal, an HTTP error: all mean "not usable"
            pass

    # A thread, because a slow name lookup ignores urlopen's timeout; a daemon, so it never holds us up.
    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(answered)


def installed_version(package: str):
    """The version of `package` installed in .venv, or None."""
    code = (f"import importlib.metadata as m\ntry: print(m.version({package!r}))\n"
            "except m.PackageNotFoundError: pass")
    out = subprocess.run([str(VENV_PY), "-c", code], capture_output=True, text=True).stdout.strip()
    return out or None


def ensure_torch(requirement: str) -> None:
    """Install PyTorch into .venv unless a version meeting `requirement` is already there (then nothing)."""
    version = installed_version("torch")
    if torch_satisfies(version, requirement):
        print(f"PyTorch {version} is installed ({requirement}): nothing to download for it.", flush=True)
        return
    gpu = has_nvidia_gpu()
    options, why = torch_install_plan(gpu, cpu_index_reachable=not gpu and url_reachable(TORCH_CPU_INDEX + "/"))
    print(why, flush=True)
    sh(VENV_PY, "-m", "pip", "install", "-q", "--disable-pip-version-check", *options, requirement)


def in_venv_env() -> dict:
    """Environment whose PATH finds the venv's python first (Jupyter kernels start `python`)."""
    env = dict(os.environ)
    env["PATH"] = f"{VENV / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(VENV)
    env.update(KERNEL_ENV)
    return env


def jupyter_root_flags(euid) -> list:
    """JupyterLab refuses to start as root unless told to; as root (containers, many classrooms) we tell it.

    euid: the effective user id (os.geteuid()), or None where there is none (Windows).
    """
    return ["--allow-root"] if euid == 0 else []


def lab(args) -> int:
    """Install the course into .venv and open JupyterLab on notebooks/; `args` go to `jupyter lab`."""
    ensure_venv("-e", f"{ROOT}[lab]")
    euid = os.geteuid() if hasattr(os, "geteuid") else None
    cmd = [str(VENV / "bin" / "jupyter"), "lab", str(NOTEBOOKS), *jupyter_root_flags(euid), *args]
    print("+", " ".join(cmd), flush=True)
    return subprocess.call(cmd, env=in_venv_env())


def test(args) -> int:
    ensure_venv("-r", ROOT / "requirements-test.txt", "-e", ROOT)
    # Serial on purpose: every notebook's PyTorch already uses both cores, and two kernels at once on a
    # 2-core machine oversubscribe the threads and run many times slower (measured), not faster.
    return subprocess.call([str(VENV_PY), "-m", "pytest", *args], cwd=ROOT, env=in_venv_env())


def _notebook_paths(args):
    paths = [Path(a).resolve() for a in args] or sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    for p in paths:
        if p.suffix != ".ipynb" or not p.exists():
            sys.exit(f"not a notebook: {p}")
    return paths


def execute_notebook(path: Path, timeout: int = 600) -> float:
    """Run one notebook top to bottom in a fresh kernel, from its own folder; store outputs in place.

    Execution counts and outputs are stored; per-cell timing metadata is not, so that re-running an
    unchanged notebook leaves the file unchanged. Returns the wall time in seconds.
    """
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    elapsed = time.perf_counter() - start
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nb.metadata.pop("widgets", None)  # widget state holds random ids and every drawn image: not stored
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
    nbformat.write(nb, path)
    return elapsed


def execute(args) -> int:
    if Path(sys.prefix).resolve() != VENV.resolve():  # run inside the venv, with its kernel
        ensure_venv("-r", ROOT / "requirements-test.txt", "-e", ROOT)
        return subprocess.call([str(VENV_PY), __file__, "execute", *args], env=in_venv_env())
    for path in _notebook_paths(args):
        print(f"executing {path.name} ...", flush=True)
        print(f"  done in {execute_notebook(path):.1f} s", flush=True)
    return 0


def _in_venv(command: str, args) -> int | None:
    """Re-run `dev.py command args` with the venv's python (installing it first) unless already inside it."""
    if Path(sys.prefix).resolve() == VENV.resolve():
        os.environ.update(KERNEL_ENV)  # the notebook kernels these commands start inherit it
        return None
    ensure_venv("-r", ROOT / "requirements-test.txt", "-e", ROOT)
    return subprocess.call([str(VENV_PY), __file__, command, *args], env=in_venv_env())


def bench(args) -> int:
    """The benchmarks in bench/ (notebooks: wall time and peak memory; conv: NumPy conv2d against PyTorch)."""
    code = _in_venv("bench", args)
    if code is not None:
        return code
    from bench.run import main

    return main(args)


def sweep(args) -> int:
    """Every notebook (or those named) with 5 seeds: bench/results/seed_sweep.{json,md} (bench/seeds.py)."""
    code = _in_venv("sweep", args)
    if code is not None:
        return code
    from bench.seeds import main

    return main(_notebook_paths(args))


def train(args) -> int:
    """Retrain the named checkpoints into data/ and record their checksums (data/checkpoints.py)."""
    code = _in_venv("train", args)
    if code is not None:
        return code
    return subprocess.call([sys.executable, str(ROOT / "data" / "checkpoints.py"), *args])


# The course's GitHub path (OWNER/NAME) appears in three forms; `publish` rewrites the middle group of each.
_PATH = r"([A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+)"  # OWNER/NAME as GitHub allows them
GITHUB_PATH_FORMS = {
    "Colab badge": re.compile(r"(https://colab\.research\.google\.com/github/)" + _PATH + "(/blob/main/)"),
    "setup cell's git clone": re.compile(r'("clone", "--depth", "1", "https://github\.com/)' + _PATH + '(")'),
    "GITHUB_REPO constant": re.compile(r'^(GITHUB_REPO = ")' + _PATH + '(")', re.M),
}
GITHUB_PATH = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?/[A-Za-z0-9._-]+")
# Where each form must appear, besides every notebook's badge (first cell) and setup cell (second cell).
PUBLISHED_FILES = {
    "README.md": ["Colab badge"],
    "CONTRIBUTING.md": ["Colab badge", "setup cell's git clone"],
    "tests/test_structure.py": ["GITHUB_REPO constant"],
}


def _published_notebooks() -> list:
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


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


def publish(args) -> int:
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


COMMANDS = {"lab": lab, "test": test, "execute": execute, "bench": bench, "sweep": sweep, "train": train,
            "publish": publish}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    sys.exit(COMMANDS[sys.argv[1]](sys.argv[2:]))
