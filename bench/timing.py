"""One-core timing for the speed benchmarks (bench/lstm.py, bench/attention.py): NumPy against PyTorch on one core.
The timing itself is helpers.timing.fastest_in_turns, the one the notebooks use.

Each benchmark module defines ``time_forward(calls) -> (NumPy seconds, PyTorch seconds)``; ``one_core`` runs it in
a fresh Python process with OPENBLAS_NUM_THREADS=1 and OMP_NUM_THREADS=1, set before NumPy and PyTorch load.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def one_core(module: str, calls: int) -> tuple[float, float]:
    """(NumPy seconds, PyTorch seconds) from ``bench.<module>.time_forward(calls)``, run in a one-thread process."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    code = f"import json; from bench.{module} import time_forward; print(json.dumps(time_forward({int(calls)})))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    t_numpy, t_torch = json.loads(out.stdout.strip().splitlines()[-1])
    return t_numpy, t_torch
