#!/usr/bin/env python3
"""The course's commands. Each one sets itself up on a fresh machine that has Python 3.10+ and pip.

    python3 dev.py lab        install the course into .venv and open it in JupyterLab
    python3 dev.py test       install the test tools into .venv and run the whole test suite
    python3 dev.py execute [NOTEBOOK ...]   re-run notebooks and store their outputs (deterministic)
    python3 dev.py bench [--readme]         wall time and peak memory of each notebook, and the
                                            speed of our NumPy conv2d against PyTorch's

Everything is installed into ``.venv`` next to this file, so nothing of your system is touched.
"""

import json
import os
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
    """Create .venv if needed and install what the command needs (pip skips what is already there)."""
    if not VENV_PY.exists():
        venv.create(VENV, with_pip=True)
    sh(VENV_PY, "-m", "pip", "install", "-q", "--disable-pip-version-check", *pip_args)


def in_venv_env() -> dict:
    """Environment whose PATH finds the venv's python first (Jupyter kernels start `python`)."""
    env = dict(os.environ)
    env["PATH"] = f"{VENV / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(VENV)
    env.update(KERNEL_ENV)
    return env


def lab(args) -> int:
    ensure_venv("-e", f"{ROOT}[lab]")
    return subprocess.call([str(VENV / "bin" / "jupyter"), "lab", str(NOTEBOOKS), *args], env=in_venv_env())


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


_BENCH_CHILD = """
import json, resource, sys, time
sys.path.insert(0, sys.argv[2])
import dev, shutil, tempfile
from pathlib import Path
src = Path(sys.argv[1])
with tempfile.TemporaryDirectory() as tmp:  # run a copy: the stored notebook is not touched
    copy = Path(tmp) / src.name
    shutil.copy(src, copy)
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.read(copy, as_version=4)
    t = time.perf_counter()
    NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(src.parent)}}).execute()
    wall = time.perf_counter() - t
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the kernel's peak resident memory
print(json.dumps({"wall_s": wall, "peak_mib": peak_kib / 1024}))
"""


def bench(args) -> int:
    """Run each notebook in a fresh kernel (on a copy) and report wall time and peak memory."""
    if Path(sys.prefix).resolve() != VENV.resolve():
        ensure_venv("-r", ROOT / "requirements-test.txt", "-e", ROOT)
        return subprocess.call([str(VENV_PY), __file__, "bench", *args], env=in_venv_env())
    write_readme = "--readme" in args
    results = {}
    for path in _notebook_paths([a for a in args if a != "--readme"]):
        out = subprocess.run([sys.executable, "-c", _BENCH_CHILD, str(path), str(ROOT)], check=True,
                             capture_output=True, text=True, env=in_venv_env()).stdout
        results[path.name] = json.loads(out.strip().splitlines()[-1])
        r = results[path.name]
        print(f"{path.name:32s} {r['wall_s']:6.1f} s   {r['peak_mib']:6.0f} MiB", flush=True)
    if write_readme:
        update_readme_table(results)
    bench_conv()
    return 0


def update_readme_table(results: dict) -> None:
    """Write measured times into README.md's notebook table (the 'CPU time' and 'peak memory' columns)."""
    readme = ROOT / "README.md"
    lines = readme.read_text().splitlines()
    for i, line in enumerate(lines):
        for name, r in results.items():
            if line.startswith("|") and f"notebooks/{name})" in line:
                cells = line.split("|")
                cells[-3] = f" {r['wall_s']:.0f} s "
                cells[-2] = f" {r['peak_mib']:.0f} MiB "
                lines[i] = "|".join(cells)
    readme.write_text("\n".join(lines) + "\n")
    print("README.md table updated")


# The two layers of notebook 05's CNN; its issue asks our NumPy conv2d to stay within 5x of PyTorch on both.
CONV_SPEED_CONFIGS = {"1 -> 16 channels, 28x28": (1, 16, 28), "16 -> 32 channels, 14x14": (16, 32, 14)}


def bench_conv(calls: int = 60) -> dict:
    """Forward time of helpers.scratch.conv.conv2d against torch's F.conv2d (CPU, float32, batch 64, 3x3 kernels).

    Each function's time is the fastest of `calls` single calls: on a shared machine noise only ever adds
    time, so the minimum is the best estimate of the code's own cost (notebook 05, section 7, explains).
    Prints one line per layer shape and returns {shape: ratio numpy / torch}.
    """
    for C, F_, H in CONV_SPEED_CONFIGS.values():
        # A first pass over both shapes, not timed: in a fresh process the memory allocator hands big arrays
        # back to the OS after each call and maps them afresh on the next (slow) until larger ones have
        # been freed; a notebook, with its earlier cells, is long past that point.
        _time_conv(C, F_, H, calls=3)
    ratios = {}
    for label, (C, F_, H) in CONV_SPEED_CONFIGS.items():
        t_numpy, t_torch = _time_conv(C, F_, H, calls)
        ratios[label] = t_numpy / t_torch
        print(f"conv2d {label:26s} NumPy {t_numpy * 1e3:6.2f} ms   PyTorch {t_torch * 1e3:6.2f} ms"
              f"   {ratios[label]:4.1f}x   {'within' if ratios[label] < 5 else 'OVER'} the 5x target", flush=True)
    return ratios


def _time_conv(C: int, F_: int, H: int, calls: int) -> tuple:
    """(NumPy seconds, PyTorch seconds) of one forward pass of a 3x3 conv C -> F_ on 64 images H x H."""
    import timeit

    import numpy as np
    import torch
    import torch.nn.functional as F

    from helpers.scratch.conv import conv2d

    rng = np.random.default_rng(0)
    x, w, b = (rng.normal(size=s).astype(np.float32) for s in ((64, C, H, H), (F_, C, 3, 3), (F_,)))
    x_t, w_t, b_t = (torch.from_numpy(a) for a in (x, w, b))
    with torch.no_grad():
        if not np.allclose(conv2d(x, w, b), F.conv2d(x_t, w_t, b_t).numpy(), rtol=1e-4, atol=1e-4):
            raise AssertionError(f"conv2d disagrees with PyTorch for {C} -> {F_} channels at {H}x{H}")
        best = []
        for f in (lambda: conv2d(x, w, b), lambda: F.conv2d(x_t, w_t, b_t)):
            time.sleep(0.2)  # let the other library's spinning threads go to sleep first
            best.append(min(timeit.repeat(f, number=1, repeat=calls)))
    return tuple(best)


COMMANDS = {"lab": lab, "test": test, "execute": execute, "bench": bench}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    sys.exit(COMMANDS[sys.argv[1]](sys.argv[2:]))
