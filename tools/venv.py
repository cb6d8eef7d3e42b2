"""The .venv every ``dev.py`` command installs into, PyTorch first: the CPU-only build where there is no NVIDIA GPU.

Standard library only: ``dev.py`` runs this with whatever Python 3.10+ the machine has, before anything is installed.
"""

import os
import re
import shutil
import subprocess
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
VENV_PY = VENV / "bin" / "python"
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
