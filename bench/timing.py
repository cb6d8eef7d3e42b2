"""One-core timing for the speed benchmarks (bench/lstm.py, bench/attention.py): NumPy against PyTorch on one core.
The timing itself is helpers.timing.fastest_in_turns, the one the notebooks use.

Each benchmark module defines ``time_forward(calls) -> (NumPy seconds, PyTorch seconds)``; ``one_core`` runs it in
a fresh Python process with OPENBLAS_NUM_THREADS=1 and OMP_NUM_THREADS=1, set before NumPy and PyTorch load.
"""

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def one_core(module: str, calls: int) -> tuple[float, float]:
    """(NumPy seconds, PyTorch seconds) from ``bench.<module>.time_forward(calls)``, run in a one-thread process."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    code = f"import json; from bench.{module} import time_forward; print(json.dumps(time_forward({int(calls)})))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    t_numpy, t_torch = json.loads(out.stdout.strip().splitlines()[-1])
    return t_numpy, t_torch


@dataclass(frozen=True)
class SpeedTarget:
    """NumPy against PyTorch on one core, with a target: NumPy's time must stay below `target` times PyTorch's.

    module: the bench module whose ``time_forward(calls)`` times both; title: what is timed, in words."""

    module: str
    title: str
    target: float
    calls: int

    def run(self, calls: int | None = None) -> float:
        """Time both in a one-thread process; print one line; return NumPy time / PyTorch time."""
        t_numpy, t_torch = one_core(self.module, calls or self.calls)
        ratio = t_numpy / t_torch
        print(f"{self.title}, one core each:  NumPy {t_numpy * 1e3:6.2f} ms   PyTorch {t_torch * 1e3:6.2f} ms   "
              f"{ratio:4.2f}x   {'within' if ratio < self.target else 'OVER'} the {self.target}x target", flush=True)
        return ratio

    def missed(self, ratio: float) -> bool:
        return not ratio < self.target
