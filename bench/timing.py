"""Timing shared by the speed benchmarks (bench/lstm.py, bench/attention.py): NumPy against PyTorch on one core.

Each benchmark module defines ``time_forward(calls) -> (NumPy seconds, PyTorch seconds)``; ``one_core`` runs it in
a fresh Python process with OPENBLAS_NUM_THREADS=1 and OMP_NUM_THREADS=1, set before NumPy and PyTorch load.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def one_core(module: str, calls: int) -> tuple[float, float]:
    """(NumPy seconds, PyTorch seconds) from ``bench.<module>.time_forward(calls)``, run in a one-thread process."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    code = f"import json; from bench.{module} import time_forward; print(json.dumps(time_forward({int(calls)})))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    t_numpy, t_torch = json.loads(out.stdout.strip().splitlines()[-1])
    return t_numpy, t_torch


def fastest_in_turns(functions, calls: int) -> list[float]:
    """The fastest of `calls` single calls of each function, taken in turns (f, g, f, g, ...), after one untimed call
    of each: on a shared machine noise only ever adds time, so the minimum is the best estimate of the code's cost."""
    for f in functions:
        f()
    times = [[] for _ in functions]
    for _ in range(calls):
        for f, t in zip(functions, times, strict=True):
            start = time.perf_counter()
            f()
            t.append(time.perf_counter() - start)
    return [min(t) for t in times]
