#!/usr/bin/env python3
"""The course's commands. Each one sets itself up on a fresh machine that has Python 3.10+ and pip.

    python3 dev.py lab        install the course into .venv and open it in JupyterLab
    python3 dev.py lab --present   (--present first) the same with RISE: each core path as slides with
                              live sliders; installs ipywidgets 7, as on Colab: RISE's slideshow needs it
                              (`dev.py test` puts 8 back)
    python3 dev.py test       install the test tools into .venv and run the whole test suite
    python3 dev.py test --fast   the same without nbval, the browser and the slow tests (a few minutes)
    python3 dev.py test --present   present mode's environment and its browser test (CI's last step)
    python3 dev.py execute [NOTEBOOK ...]   re-run notebooks and store their outputs (deterministic)
    python3 dev.py bench [notebooks] [conv] [lstm] [attention] [gpt] [gpt_scaling] [resnet_depth]
                         [date_warmup] [ddp] [--busy] [--readme] [NOTEBOOK ...]
                                            wall time and peak memory of each notebook, and the
                                            speed of our NumPy conv2d, LSTM and attention against
                                            PyTorch's (bench/); gpt (only when named, ~80 min): our
                                            GPT recipe against nanoGPT's model and recipe, 3 seeds
                                            for 30, 60, 120 s and the checkpoint's budget;
                                            gpt_scaling (only when named, ~8 min): notebook 13's
                                            five model sizes trained for the same tokens
                                            resnet_depth (only when named, ~11 min): notebook
                                            06's plain and residual MLPs on five seeds;
                                            date_warmup (only when named, ~5 min): notebook
                                            11's date Transformer with and without warm-up;
                                            ddp (only when named, ~2 min): notebook 13's data-parallel
                                            cell 30 times in one kernel (--busy: both cores kept busy).
                                            Exits 1 when a target is missed: notebooks never assert speed
    python3 dev.py sweep [NOTEBOOK ...]     each notebook with 5 seeds: every asserted training result
                                            -> bench/results/seed_sweep.{json,md}, which the floors follow
    python3 dev.py train NAME ...           retrain a shipped checkpoint (data/checkpoints.py: mnist_cnn,
                                            dcgan_generator, bert_pretrained, gpt_shakespeare) and
                                            record its checksum in data/SHA256SUMS
    python3 dev.py book [--out DIR]         the executed notebooks as a static HTML site (tools/book.py):
                                            build/book/index.html, for reading before class, and
                                            each core path as reveal.js slides (build/book/slides/)
    python3 dev.py publish OWNER/NAME       set the course's GitHub path in every badge, setup cell,
                                            README, CONTRIBUTING and pyproject.toml at once
                                            (tools/publish.py; --check: verify)

Everything is installed into ``.venv`` next to this file, so nothing of your system is touched.
"""

import os
import subprocess
import sys
from pathlib import Path

from tools.venv import KERNEL_ENV, VENV, VENV_PY, ensure_venv, in_venv_env, jupyter_root_flags

ROOT = Path(__file__).resolve().parent
NOTEBOOKS = ROOT / "notebooks"


PRESENT_HINT = ("present mode: open a notebook, Run All, then View > Render as Reveal Slideshow (Alt+R), or "
                "/rise/NOTEBOOK in a tab of its own; Space steps through the core path's slides, Ctrl+Enter runs a "
                "cell on its slide")


def lab(args) -> int:
    """Install the course into .venv and open JupyterLab on notebooks/; `args` go to `jupyter lab`.
    `--present` first: also install RISE (pyproject.toml's [present]: slides with live widgets)."""
    present = args[:1] == ["--present"]
    args = args[1:] if present else args
    ensure_venv("-e", f"{ROOT}[present]" if present else f"{ROOT}[lab]")
    if present:
        print(PRESENT_HINT, flush=True)
    euid = os.geteuid() if hasattr(os, "geteuid") else None
    cmd = [str(VENV / "bin" / "jupyter"), "lab", str(NOTEBOOKS), *jupyter_root_flags(euid), *args]
    print("+", " ".join(cmd), flush=True)
    return subprocess.call(cmd, env=in_venv_env())


FAST = ["tests", "-m", "not browser and not slow and not notebooks"]  # `test --fast`: minutes, not the full run


PRESENT = ["tests/test_present.py", "-m", "present"]  # `test --present`: the slides in RISE, in their environment


def test(args) -> int:
    """The whole suite (what CI runs); `--fast`: everything but nbval, the browser and the slow tests;
    `--present`: present mode's environment (as `lab --present` installs it) and its browser test."""
    ensure_venv("-r", ROOT / "requirements-test.txt", "-e", ROOT)
    if args[:1] == ["--present"]:
        ensure_venv("-e", f"{ROOT}[present]")  # after the line above: its ipywidgets 7 replaces the suite's 8
        args = [*PRESENT, *args[1:]]
    if args[:1] == ["--fast"]:
        args = [*FAST, *args[1:]]
    # Serial on purpose: every notebook's PyTorch already uses both cores, and two kernels at once on a
    # 2-core machine oversubscribe the threads and run many times slower (measured), not faster.
    return subprocess.call([str(VENV_PY), "-m", "pytest", *args], cwd=ROOT, env=in_venv_env())


def _notebook_paths(args):
    from tools.notebooks import course_notebooks

    paths = [Path(a).resolve() for a in args] or course_notebooks()
    for p in paths:
        if p.suffix != ".ipynb" or not p.exists():
            sys.exit(f"not a notebook: {p}")
    return paths


def execute(args) -> int:
    """Re-run notebooks in fresh kernels and store their outputs (tools/notebooks.py)."""
    code = _in_venv("execute", args)
    if code is not None:
        return code
    from tools.notebooks import execute_and_store

    for path in _notebook_paths(args):
        print(f"executing {path.name} ...", flush=True)
        print(f"  done in {execute_and_store(path):.1f} s", flush=True)
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


def book(args) -> int:
    """The stored notebooks as a static HTML site in build/book/ (tools/book.py)."""
    code = _in_venv("book", args)
    if code is not None:
        return code
    from tools.book import main

    return main(args)


def publish(args) -> int:
    """Set the course's GitHub path in every badge and setup cell (tools/publish.py)."""
    from tools.publish import main

    return main(args)


COMMANDS = {"lab": lab, "test": test, "execute": execute, "bench": bench, "sweep": sweep, "train": train,
            "book": book, "publish": publish}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    sys.exit(COMMANDS[sys.argv[1]](sys.argv[2:]))
