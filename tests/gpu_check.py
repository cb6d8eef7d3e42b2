"""Run every notebook on a machine with a GPU and prove that its PyTorch cells used the GPU.

    python tests/gpu_check.py [NOTEBOOK ...]

Each notebook is executed (on a copy) in a fresh kernel; a last cell is appended that reports
``torch.cuda.max_memory_allocated()``. A notebook passes when it runs without error and allocated GPU
memory. Outputs are not compared (GPU numbers differ from the stored CPU ones in the last digits).
Not part of the CPU test suite: CI has no GPU.
"""

import sys
import time
from pathlib import Path

import nbformat

from tools.notebooks import course_notebooks, run_notebook

ROOT = Path(__file__).resolve().parent.parent
PROBE = "import torch\nprint('GPU_PEAK_BYTES', torch.cuda.max_memory_allocated() if torch.cuda.is_available() else 0)"


def run(path: Path) -> tuple[float, int]:
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    start = time.perf_counter()
    run_notebook(nb, path.parent)
    wall = time.perf_counter() - start
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    return wall, int(text.split("GPU_PEAK_BYTES")[1].split()[0])


def main(args) -> int:
    import torch

    print("torch", torch.__version__, "cuda available:", torch.cuda.is_available(),
          torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")
    paths = [Path(a) for a in args] or course_notebooks()
    failed = 0
    for path in paths:
        try:
            wall, peak = run(path.resolve())
            ok = peak > 0
            print(f"{'OK  ' if ok else 'FAIL'} {path.name}: {wall:.1f} s, GPU peak {peak / 2**20:.1f} MiB", flush=True)
            failed += not ok
        except Exception as e:  # report and go on with the next notebook
            print(f"FAIL {path.name}: {type(e).__name__}: {str(e)[-1500:]}", flush=True)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
