"""Wall time and peak memory of each notebook, top to bottom in a fresh kernel; the README's notebook table.

Wall time is seconds on a clock (what a student waits), not CPU time: on 2 cores PyTorch's threads make the
two differ. Peak memory is the kernel process's largest resident set.
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
MEASURED_ON = "Last measured on: "  # the README line under the table that names the machine

# Runs in a child process, so that RUSAGE_CHILDREN holds only this notebook's kernel.
_CHILD = """
import json, resource, sys, time
from pathlib import Path
import nbformat
from tools.notebooks import run_notebook
src = Path(sys.argv[1])
nb = nbformat.read(src, as_version=4)  # run in memory: the stored notebook is not touched
t = time.perf_counter()
run_notebook(nb, src.parent, timeout=900)
wall = time.perf_counter() - t
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the kernel's peak resident memory
print(json.dumps({"wall_s": wall, "peak_mib": peak_kib / 1024}))
"""


def measure(path: Path) -> dict:
    """{"wall_s": seconds, "peak_mib": MiB} of one notebook run in a fresh kernel (on a copy)."""
    out = subprocess.run([sys.executable, "-c", _CHILD, str(path)], cwd=ROOT, check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def run(paths: list[Path]) -> dict:
    """Measure each notebook, printing one line each; {notebook file name: measurement}."""
    results = {}
    for path in paths:
        results[path.name] = r = measure(path)
        print(f"{path.name:32s} {r['wall_s']:6.1f} s wall   {r['peak_mib']:6.0f} MiB peak", flush=True)
    return results


def update_table(text: str, results: dict, machine_line: str) -> str:
    """README text with the measured wall time and peak memory in the rows of the notebooks measured.

    The table's last two columns are "Wall time" and "Peak memory"; rows are found by their link
    ``notebooks/NAME)``. The line starting with MEASURED_ON is replaced by one that names `machine_line`.
    Raises ValueError when a measured notebook has no row or the README has no MEASURED_ON line.
    """
    lines = text.splitlines()
    missing = set(results)
    for i, line in enumerate(lines):
        for name, r in results.items():
            if line.startswith("|") and f"notebooks/{name})" in line:
                cells = line.split("|")
                cells[-3] = f" {r['wall_s']:.0f} s "
                cells[-2] = f" {r['peak_mib']:.0f} MiB "
                lines[i] = "|".join(cells)
                missing.discard(name)
    if missing:
        raise ValueError(f"no row for {sorted(missing)} in the README's notebook table")
    where = [i for i, line in enumerate(lines) if line.startswith(MEASURED_ON)]
    if len(where) != 1:
        raise ValueError(f"the README needs exactly one line starting with {MEASURED_ON!r}, found {len(where)}")
    lines[where[0]] = f"{MEASURED_ON}{machine_line}."
    return "\n".join(lines) + "\n"


def write_readme(results: dict, machine_line: str, readme: Path = README) -> None:
    readme.write_text(update_table(readme.read_text(), results, machine_line))
    print(f"{readme.name}: notebook table updated", flush=True)
