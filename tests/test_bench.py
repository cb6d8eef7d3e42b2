"""bench/: the README table update, the machine check, the dispatch and the sweep's pure parts (no notebook runs)."""

from pathlib import Path

import nbformat
import pytest

import dev
from bench import (
    attention,
    conv,
    date_warmup,
    ddp_repeat,
    gpt,
    gpt_scaling,
    lstm,
    machine,
    notebooks,
    resnet_depth,
    run,
    seeds,
)
from tools.notebooks import course_notebooks

ROOT = Path(__file__).resolve().parent.parent

TABLE_MACHINE = machine.Machine(cores=2, cpu="AMD EPYC", arch="x86_64", torch="2.5.0", numpy="2.1.0", gpu=None)
README = """intro
| # | Notebook | What | Colab | Wall time | Peak memory |
|---|---|---|---|---|---|
| 01 | [The neuron](notebooks/01_neuron.ipynb) | one neuron | [badge](x) | 16 s | 346 MiB |
| 02 | [The perceptron](notebooks/02_perceptron.ipynb) | a rule | [badge](x) | 13 s | 326 MiB |
| 08 | RNN *(planned)* | recurrence | | | |

Wall time and peak memory: one notebook top to bottom.
Last measured on: an old machine.
"""


# ---- README table --------------------------------------------------------------------------------------------

def test_update_table_writes_wall_time_memory_and_the_machine():
    text = notebooks.update_table(README, {"02_perceptron.ipynb": {"wall_s": 21.4, "peak_mib": 400.2}},
                                  TABLE_MACHINE.line())
    lines = text.splitlines()
    assert lines[3] == README.splitlines()[3]  # 01 not measured: unchanged
    assert lines[4].endswith("| 21 s | 400 MiB |") and lines[4].startswith("| 02 | [The perceptron]")
    assert lines[5] == "| 08 | RNN *(planned)* | recurrence | | | |"
    assert lines[-1] == "Last measured on: 2 cores, AMD EPYC (x86_64), torch 2.5.0, numpy 2.1.0, no GPU."
    assert text.count("\n") == README.count("\n")


def test_update_table_refuses_a_notebook_without_a_row_or_a_readme_without_the_machine_line():
    with pytest.raises(ValueError, match="no row for"):
        notebooks.update_table(README, {"09_lstm.ipynb": {"wall_s": 1, "peak_mib": 1}}, "m")
    with pytest.raises(ValueError, match="Last measured on"):
        notebooks.update_table(README.replace("Last measured on", "Measured"),
                               {"01_neuron.ipynb": {"wall_s": 1, "peak_mib": 1}}, "m")


def test_the_real_readme_has_the_columns_and_the_machine_line():
    readme = (ROOT / "README.md").read_text()
    assert "| Wall time | Peak memory |" in readme and "| CPU time |" not in readme
    rows = {f"{p.name}": {"wall_s": 1.0, "peak_mib": 2.0} for p in course_notebooks()}
    notebooks.update_table(readme, rows, TABLE_MACHINE.line())  # every notebook has a row; one machine line


# ---- the machine check ----------------------------------------------------------------------------------------

def test_table_machine_passes_and_every_other_machine_is_named_with_its_reason():
    assert machine.table_mismatch(TABLE_MACHINE) is None
    cases = {"cores": TABLE_MACHINE.__class__(**{**TABLE_MACHINE.__dict__, "cores": 16}),
             "GPU": TABLE_MACHINE.__class__(**{**TABLE_MACHINE.__dict__, "gpu": "NVIDIA H200"}),
             "x86-64": TABLE_MACHINE.__class__(**{**TABLE_MACHINE.__dict__, "arch": "arm64"})}
    for word, other in cases.items():
        assert word in machine.table_mismatch(other)


def test_describe_names_this_machine():
    here = machine.describe()
    assert here.cores >= 1 and here.torch and here.numpy and here.cpu
    assert ("no GPU" in here.line()) == (here.gpu is None)


# ---- dispatch -------------------------------------------------------------------------------------------------

def test_parse_picks_benchmarks_notebooks_and_the_readme_flag():
    every = run.parse([])
    assert every.benchmarks == run.DEFAULT and not every.readme
    assert not {"gpt", "gpt_scaling", "resnet_depth", "date_warmup", "ddp"} & set(every.benchmarks)
    assert [p.name for p in every.notebooks] == sorted(p.name for p in course_notebooks())
    assert run.parse(["conv"]) == run.Plan(("conv",), (), False)
    nb = str(ROOT / "notebooks" / "01_neuron.ipynb")
    assert run.parse([nb, "--readme"]) == run.Plan(("notebooks",), (Path(nb),), True)
    assert run.parse(["gpt", "conv"]) == run.Plan(("conv", "gpt"), (), False)
    assert run.parse(["gpt_scaling"]) == run.Plan(("gpt_scaling",), (), False)
    assert run.parse(["ddp", "--busy"]) == run.Plan(("ddp",), (), False, busy=True)
    for bad in (["gtp"], ["conv", "--readme"], ["notebooks/99_missing.ipynb"], ["conv", "--busy"]):
        with pytest.raises(ValueError):
            run.parse(bad)


def _fake(monkeypatch, here=TABLE_MACHINE, ratios=None, lstm_ratio=1.5, attention_ratio=1.2,
          gpt_results=None):
    """Benchmarks that record their calls instead of running notebooks or timing convolutions."""
    calls = []
    monkeypatch.setattr(notebooks, "run", lambda paths: calls.append(("notebooks", len(paths))) or
                        {p.name: {"wall_s": 1.0, "peak_mib": 2.0} for p in paths})
    monkeypatch.setattr(notebooks, "write_readme", lambda results, line: calls.append(("readme", line)))
    monkeypatch.setattr(conv, "run", lambda: calls.append(("conv",)) or (ratios or {"a": 2.0, "b": 3.0}))
    monkeypatch.setattr(lstm, "run", lambda: calls.append(("lstm",)) or lstm_ratio)
    monkeypatch.setattr(attention, "run", lambda: calls.append(("attention",)) or attention_ratio)
    monkeypatch.setattr(gpt, "run", lambda: calls.append(("gpt",)) or gpt_results)
    monkeypatch.setattr(gpt_scaling, "run", lambda: calls.append(("gpt_scaling",)) or {})
    monkeypatch.setattr(resnet_depth, "run", lambda: calls.append(("resnet_depth",)) or {})
    monkeypatch.setattr(date_warmup, "run", lambda: calls.append(("date_warmup",)) or {})
    return calls, (lambda: here)


def test_readme_is_refused_before_anything_runs_on_another_machine(monkeypatch, capsys):
    for other in ({"cores": 4}, {"gpu": "NVIDIA H200"}):
        calls, describe = _fake(monkeypatch, machine.Machine(**{**TABLE_MACHINE.__dict__, **other}))
        assert run.main(["--readme"], describe=describe) == 2
        assert calls == []
        assert "refusing to write README.md" in capsys.readouterr().out


def test_readme_is_written_on_the_table_machine_and_the_machine_is_printed(monkeypatch, capsys):
    calls, describe = _fake(monkeypatch)
    assert run.main(["--readme"], describe=describe) == 0
    n = len(list(course_notebooks()))
    assert calls == [("notebooks", n), ("readme", TABLE_MACHINE.line()), ("conv",), ("lstm",), ("attention",)]
    assert TABLE_MACHINE.line() in capsys.readouterr().out


def test_a_missed_speed_target_exits_non_zero(monkeypatch, capsys):
    calls, describe = _fake(monkeypatch, ratios={"1 -> 16": 4.9, "16 -> 32": 5.2})
    assert run.main(["conv"], describe=describe) == 1
    out = capsys.readouterr().out
    assert "speed target missed" in out and "16 -> 32" in out
    calls, describe = _fake(monkeypatch, ratios={"1 -> 16": 4.9})
    assert run.main(["conv"], describe=describe) == 0
    calls, describe = _fake(monkeypatch, lstm_ratio=3.1)
    assert run.main(["lstm"], describe=describe) == 1
    assert "NumPy LSTM forward is more than 3.0x" in capsys.readouterr().out
    calls, describe = _fake(monkeypatch, lstm_ratio=2.9)
    assert run.main(["lstm"], describe=describe) == 0
    calls, describe = _fake(monkeypatch, attention_ratio=1.6)
    assert run.main(["attention"], describe=describe) == 1
    assert "multi-head attention is more than 1.5x" in capsys.readouterr().out
    calls, describe = _fake(monkeypatch, attention_ratio=1.4)
    assert run.main(["attention"], describe=describe) == 0 and calls == [("attention",)]
    assert run.main(["nonsense"], describe=describe) == 2
    for ours, code in ((1.9, 1), (1.7, 0)):
        runs = [{"entry": entry, "budget": 60, "steps": 100, "seed": seed, "loss": loss + seed / 100}
                for seed in (0, 1, 2) for entry, loss in ((gpt.NANO_2000, 1.9), (gpt.NANO, 1.8), (gpt.OURS, ours))]
        calls, describe = _fake(monkeypatch, gpt_results={"speed": {gpt.OURS: 1.0, gpt.NANO: 1.0}, "runs": runs})
        assert run.main(["gpt"], describe=describe) == code and calls == [("gpt",)]
    assert "not below nanoGPT's" in capsys.readouterr().out


def test_dev_py_only_dispatches_to_bench(monkeypatch):
    assert {"bench", "sweep"} <= set(dev.COMMANDS)
    for name in ("bench_conv", "_time_conv", "_BENCH_CHILD", "update_readme_table"):
        assert not hasattr(dev, name), f"dev.py still holds {name}: benchmarks live in bench/"
    seen = []
    monkeypatch.setattr(dev, "_in_venv", lambda command, args: None)
    monkeypatch.setattr(run, "main", lambda args: seen.append(("bench", args)) or 7)
    monkeypatch.setattr(seeds, "main", lambda paths: seen.append(("sweep", [p.name for p in paths])) or 0)
    assert dev.COMMANDS["bench"](["conv"]) == 7
    assert dev.COMMANDS["sweep"]([str(ROOT / "notebooks" / "01_neuron.ipynb")]) == 0
    assert seen == [("bench", ["conv"]), ("sweep", ["01_neuron.ipynb"])]


def test_conv_benchmark_times_both_layers_of_notebook_05():
    ratios = conv.run(rounds=1, calls=2)
    assert set(ratios) == set(conv.CONFIGS) and all(0 < r < float("inf") for r in ratios.values())
    assert conv.missed({"a": 4.99, "b": 5.0}) == ["b"]


# ---- the seed sweep's pure parts ------------------------------------------------------------------------------

def test_offset_seeds_moves_every_explicit_seed_and_nothing_else():
    src = ("rng = seed_everything(0)\ntorch.manual_seed(0)\nb = np.random.default_rng(1)\n"
           "loader = data.torch_loader(X, y, batch_size=64, seed=0)\ndef f(model, seed=0, desc='x'):\n"
           "    g = torch.Generator().manual_seed(seed)\nprint('seed=0 is the default')  # seed=0 in a comment")
    assert seeds.offset_seeds(src, 0) == (src, 0)
    out, n = seeds.offset_seeds(src, 3)
    assert n == 5
    for expected in ("seed_everything(0 + 3)", "torch.manual_seed(0 + 3)", "default_rng(1 + 3)",
                     "batch_size=64, seed=0 + 3)", "def f(model, seed=0 + 3, desc='x')", "manual_seed(seed)",
                     "print('seed=0 is the default')  # seed=0 in a comment"):
        assert expected in out, expected
    compile(out, "<offset>", "exec")


def test_floors_move_the_worst_seed_by_the_margin_away_from_the_good_side():
    acc = seeds.Metric("acc", "acc", ">=", r"acc >= ([0-9.]+)", 0.01)
    assert seeds.floor_of([0.91, 0.87, 0.9], acc) == (0.87, pytest.approx(0.86))
    assert seeds.literal_ok(0.85, 0.86, acc) and not seeds.literal_ok(0.87, 0.86, acc)
    assert seeds.suggested_literal(0.8666, acc) == 0.86
    mse = seeds.Metric("mse", "mse", "<", r"mse < ([0-9.]+)", 0.001)
    assert seeds.floor_of([0.0113, 0.0118], mse) == (0.0118, pytest.approx(0.0128))
    assert seeds.literal_ok(0.014, 0.0128, mse) and not seeds.literal_ok(0.012, 0.0128, mse)
    assert seeds.suggested_literal(0.0128, mse) == 0.013
    ratio = seeds.Metric("ratio", "ratio", "<", r"ratio < ([0-9.e-]+)", 1.0, scale="log")
    assert seeds.floor_of([2e-7, 3e-6], ratio)[1] == pytest.approx(3e-5)
    assert seeds.suggested_literal(3e-5, ratio) == 3e-5
    assert seeds.asserted_literals(["x", "assert acc >= 0.85 and acc >= 0.9"], acc.pattern) == [(1, 0.85), (1, 0.9)]


def test_instrument_and_read_results_on_a_small_notebook():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("text"),
        nbformat.v4.new_code_cell("rng = seed_everything(0)\nacc = 0.9"),
        nbformat.v4.new_code_cell("assert acc >= 0.85"),
        nbformat.v4.new_code_cell("acc = 0.1  # later cells may reuse the name"),
    ])
    sweep = seeds.Sweep(metrics=(seeds.Metric("acc", "acc", ">=", r"acc >= ([0-9.]+)", 0.01),),
                        claims=(seeds.Claim("positive", "acc > 0", r"acc = 0\.9"),))
    new, n = seeds.instrument(nb, sweep, 2)
    assert n == 1 and "seed_everything(0 + 2)" in new.cells[2].source
    assert [c.metadata.get("sweep", False) for c in new.cells] == [True, False, False, True, False, True, False, True]
    assert "'acc'" in new.cells[5].source and "'positive'" in new.cells[3].source  # read right after its cell
    env = {}
    for cell in new.cells:
        if cell.cell_type == "code":
            exec(cell.source.replace("rng = seed_everything(0 + 2)\n", ""), env)
    assert env["_sweep"] == {"acc": 0.9, "positive": True}
    new.cells[4].outputs = [nbformat.v4.new_output("error", ename="AssertionError", evalue="", traceback=[])]
    new.cells[-1].outputs = [nbformat.v4.new_output("stream", name="stdout",
                                                    text=seeds.MARKER + '{"acc": 0.9, "positive": true}\n')]
    values, errors = seeds.read_results(new)
    assert values == {"acc": 0.9, "positive": True}
    assert errors == [{"code_cell": 1, "ename": "AssertionError", "evalue": "", "first_line": "assert acc >= 0.85",
                       "sweep_cell": False}]
    with pytest.raises(LookupError):
        seeds.instrument(nb, seeds.Sweep(claims=(seeds.Claim("x", "x", "nowhere"),)), 1)


def test_gpt_scaling_runs_only_when_named(monkeypatch):
    calls, describe = _fake(monkeypatch)
    assert run.main(["gpt_scaling"], describe=describe) == 0
    assert calls == [("gpt_scaling",)]


def test_resnet_depth_runs_only_when_named(monkeypatch):
    calls, describe = _fake(monkeypatch)
    assert run.main(["resnet_depth", "conv"], describe=describe) == 0
    assert calls == [("conv",), ("resnet_depth",)]


def test_date_warmup_runs_only_when_named(monkeypatch):
    calls, describe = _fake(monkeypatch)
    assert run.main(["date_warmup"], describe=describe) == 0
    assert calls == [("date_warmup",)]


def test_ddp_benchmark_reads_notebook_13s_cells_and_fails_on_any_worker_death(monkeypatch):
    imports, step = ddp_repeat.notebook_cells()
    assert "from helpers.parallel import" in imports and "data_parallel_step(" in step and "WorkerFailed" in step
    assert not ddp_repeat.missed({"ok": 30, "failed": [], "retried": []})
    assert ddp_repeat.missed({"ok": 30, "failed": [], "retried": ["process 1 terminated with signal SIGABRT"]})
    assert ddp_repeat.missed({"ok": 29, "failed": ["The data-parallel step did not finish"], "retried": []})
    seen = []
    monkeypatch.setattr(ddp_repeat, "run", lambda busy: seen.append(busy) or {"ok": 1, "failed": [], "retried": ["x"]})
    assert run.main(["ddp", "--busy"], describe=lambda: TABLE_MACHINE) == 1 and seen == [True]

