"""``python3 dev.py bench [notebooks] [conv] [lstm] [attention] [gpt] [gpt_scaling] [resnet_depth] [date_warmup]
[ddp] [--busy] [--readme] [NOTEBOOK ...]``: pick benchmarks, run them.

No name: every benchmark but ``gpt``, ``gpt_scaling``, ``resnet_depth`` and ``date_warmup`` (they train for 5 to 80
minutes each: name them to run them) and ``ddp`` (notebook 13's data-parallel cell 30 times in one kernel, ~2 min;
``--busy``: with both cores kept busy by two more processes). A notebook path selects the notebooks benchmark for
those notebooks only. ``--readme`` writes the notebooks' wall time and peak memory into README.md, and refuses (exit
2, before anything runs) on a machine other than the 2-core x86-64 CPU without a GPU that the table describes. Exit
1 when a target is missed: NumPy conv2d more than 5x PyTorch's time, the LSTM forward more than 3x, multi-head
attention more than 1.5x; our GPT recipe not below nanoGPT's validation loss (our worst seed below nanoGPT's best)
at every budget; a data-parallel run that failed. The notebooks print their timings and never assert them: the
targets live here.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench import attention, conv, date_warmup, ddp_repeat, gpt, gpt_scaling, lstm, machine, notebooks, resnet_depth
from tools.notebooks import course_notebooks

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
DEFAULT = ("notebooks", "conv", "lstm", "attention")  # what no name runs: the long trainings only when asked for


@dataclass(frozen=True)
class Benchmark:
    """One benchmark: `run(plan)` measures and prints; `missed(result)` is what missed its target (falsy: none);
    `says` is the line printed then (a function of what `missed` returned, or a fixed line)."""

    run: Callable
    missed: Callable = lambda result: None  # a benchmark with no target never misses
    says: Callable | str = ""


# Every benchmark but "notebooks" (which also writes the README table). Lambdas, so that a module's function is
# looked up when it runs (tests replace them).
REGISTRY = {
    "conv": Benchmark(lambda plan: conv.run(), lambda r: conv.missed(r),
                      lambda late: f"speed target missed: our NumPy conv2d is more than {conv.TARGET:.0f}x PyTorch's "
                                   f"time on {', '.join(late)}"),
    "lstm": Benchmark(lambda plan: lstm.run(), lambda r: lstm.missed(r),
                      f"speed target missed: our NumPy LSTM forward is more than {lstm.TARGET}x PyTorch's time"),
    "attention": Benchmark(lambda plan: attention.run(), lambda r: attention.missed(r),
                           f"speed target missed: our NumPy multi-head attention is more than {attention.TARGET}x "
                           "PyTorch's time"),
    "gpt": Benchmark(lambda plan: gpt.run(), lambda r: gpt.missed(r),
                     "target missed: our GPT recipe is not below nanoGPT's validation loss (worst seed against "
                     "best) at every training budget: see bench/results/gpt.md"),
    "gpt_scaling": Benchmark(lambda plan: gpt_scaling.run()),
    "resnet_depth": Benchmark(lambda plan: resnet_depth.run()),
    "date_warmup": Benchmark(lambda plan: date_warmup.run()),
    "ddp": Benchmark(lambda plan: ddp_repeat.run(busy=plan.busy), lambda r: ddp_repeat.missed(r),
                     "the data-parallel cell failed (or a worker died and was retried): see the runs above"),
}

BENCHMARKS = ("notebooks", *REGISTRY)  # in the order they run


@dataclass(frozen=True)
class Plan:
    benchmarks: tuple[str, ...]
    notebooks: tuple[Path, ...]
    readme: bool
    busy: bool = False


def parse(args: list[str], notebook_dir: Path = NOTEBOOKS) -> Plan:
    """The benchmarks, notebooks and --readme flag that `args` ask for. Raises ValueError on a bad argument."""
    names, paths, readme, busy = [], [], False, False
    for arg in args:
        if arg == "--readme":
            readme = True
        elif arg == "--busy":
            busy = True
        elif arg in BENCHMARKS:
            names.append(arg)
        elif arg.endswith(".ipynb"):
            path = Path(arg).resolve()
            if not path.exists():
                raise ValueError(f"no such notebook: {arg}")
            paths.append(path)
        else:
            raise ValueError(f"unknown benchmark {arg!r}: choose from {', '.join(BENCHMARKS)}, "
                             "--readme, --busy, or notebook paths")
    if paths and "notebooks" not in names:
        names.append("notebooks")
    chosen = tuple(b for b in BENCHMARKS if b in names) if names else DEFAULT
    if readme and "notebooks" not in chosen:
        raise ValueError("--readme writes the notebook table: run the notebooks benchmark with it")
    if "notebooks" in chosen and not paths:
        paths = course_notebooks(notebook_dir)
    if busy and "ddp" not in chosen:
        raise ValueError("--busy applies to the ddp benchmark: name it")
    return Plan(chosen, tuple(paths), readme, busy)


def main(args: list[str], describe=machine.describe) -> int:
    """Run the plan; print the machine next to the results. 0: done; 1: a speed target missed; 2: refused."""
    try:
        plan = parse(args)
    except ValueError as err:
        print(f"dev.py bench: {err}")
        return 2
    here = describe()
    print(f"machine: {here.line()}", flush=True)
    if plan.readme:
        why = machine.table_mismatch(here)
        if why:
            print(f"dev.py bench --readme: refusing to write README.md, this is not the machine its table "
                  f"describes: {why}. Run without --readme to see this machine's numbers.")
            return 2
    code = 0
    if "notebooks" in plan.benchmarks:
        results = notebooks.run(list(plan.notebooks))
        print(f"(wall time and peak memory on: {here.line()})", flush=True)
        if plan.readme:
            notebooks.write_readme(results, here.line())
    for name in plan.benchmarks:
        if name in REGISTRY:
            bench = REGISTRY[name]
            missed = bench.missed(bench.run(plan))
            if missed:
                print(bench.says(missed) if callable(bench.says) else bench.says)
                code = 1
    return code
