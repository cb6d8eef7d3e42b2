"""``python3 dev.py bench ddp [--busy]``: notebook 13's data-parallel cell, run many times in one Jupyter kernel.

The cell (``data_parallel_step``: two gloo worker processes started from inside the kernel) once died with SIGABRT
in the browser test while the machine was busy. This runs the notebook's own import cell once and then its
data-parallel cell, verbatim, RUNS times in a row in one kernel (started by jupyter_client, as JupyterLab starts
its kernels), and counts how each run ended. ``--busy``: two more processes spin both cores for the whole run,
as other work on a shared machine or a classroom laptop would. Exit 1 if any run failed, or if any worker died even
once (``data_parallel_step`` retries once, which a student would not notice, but the cause must stay fixed).
"""

import json
import multiprocessing
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "13_gpt.ipynb"
RUNS = 30

# What the data-parallel cell reads from the notebook's earlier cells, made small and random here.
PRELUDE = """
vocab_size = 65
rng = np.random.default_rng(0)
train_ids = rng.integers(0, vocab_size, size=5000)
torch.manual_seed(0)
from helpers.models import GPT
small = GPT(vocab_size, n_positions=16, width=32, layers=2, heads=4).double()
TIGHT = {"atol": 1e-10, "rtol": 1e-10}
"""


def notebook_cells() -> tuple[str, str]:
    """(the import cell's source, the data-parallel cell's source) of notebook 13."""
    cells = [c for c in json.loads(NOTEBOOK.read_text())["cells"] if c["cell_type"] == "code"]
    sources = ["".join(c["source"]) for c in cells]
    imports = next(s for s in sources if "from helpers.parallel import" in s)
    step = next(s for s in sources if "data_parallel_step(" in s and "import" not in s)
    return imports, step


def _spin(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def run(runs: int = RUNS, busy: bool = False, limit_s: float = 1800) -> dict:
    """Run the cell `runs` times in one kernel; print a line per run; return {"ok": n, "failed": [messages]}."""
    from jupyter_client.manager import start_new_kernel

    imports, step = notebook_cells()
    spinners = [multiprocessing.Process(target=_spin, args=(limit_s,), daemon=True) for _ in range(2 if busy else 0)]
    for p in spinners:
        p.start()
    km, kc = start_new_kernel(kernel_name="python3", cwd=str(NOTEBOOK.parent))
    result = {"ok": 0, "failed": [], "retried": []}
    try:
        for code in (imports, PRELUDE):
            reply = kc.execute_interactive(code, timeout=300, output_hook=lambda msg: None)
            if reply["content"]["status"] != "ok":
                raise RuntimeError(f"the set-up failed: {reply['content'].get('evalue')}")
        for i in range(runs):
            outputs = []

            def keep(msg, outputs=outputs):
                if msg["msg_type"] in ("stream", "error"):
                    outputs.append(msg["content"].get("text") or msg["content"].get("evalue", ""))

            start = time.perf_counter()
            reply = kc.execute_interactive(step, timeout=300, output_hook=keep)
            seconds = time.perf_counter() - start
            text = "".join(outputs).strip()
            retried = _failed_tries(kc)[len(result["retried"]):]  # a try that failed and was repeated
            result["retried"] += retried
            if reply["content"]["status"] == "ok" and "did not finish" not in text:
                result["ok"] += 1
                print(f"run {i + 1}/{runs}: ok in {seconds:.1f} s"
                      + "".join(f" (a first try failed: {r})" for r in retried), flush=True)
            else:
                result["failed"].append(text or reply["content"].get("evalue", "?"))
                print(f"run {i + 1}/{runs}: FAILED: {result['failed'][-1][-500:]}", flush=True)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
        for p in spinners:
            p.terminate()
    print(f"data-parallel cell in one kernel{' on a busy machine' if busy else ''}: {result['ok']} of {runs} runs "
          f"ok, {len(result['failed'])} failed; {len(result['retried'])} worker failures caught by the retry",
          flush=True)
    return result


def _failed_tries(kc) -> list:
    """helpers.parallel.failed_tries as the kernel holds it: every try that failed so far."""
    found = []
    code = "import json\nfrom helpers import parallel as _p\nprint(json.dumps(_p.failed_tries))"
    kc.execute_interactive(code, timeout=60, output_hook=lambda msg: found.append(msg["content"].get("text", ""))
                           if msg["msg_type"] == "stream" else None)
    return json.loads("".join(found).strip() or "[]")


def missed(result: dict) -> bool:
    """A failure: a run that failed, or a worker that died even once (the retry hides it from a student)."""
    return bool(result["failed"] or result["retried"])


if __name__ == "__main__":
    sys.exit(1 if missed(run(busy="--busy" in sys.argv)) else 0)
