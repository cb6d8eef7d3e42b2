"""``python3 dev.py bench gpt``: the course's GPT recipe ("ours") against nanoGPT's, on the shipped Shakespeare with
characters as tokens: the first 90 % of the characters to train on, the last 10 % to validate (as nanoGPT splits),
the validation loss over the whole validation part (non-overlapping windows of the context length, every position
scored). Results: bench/results/gpt.md (and .json, every run).

The baseline is nanoGPT's own model (bench/nanogpt.py: no biases, exact GELU) with its README's recipe for a CPU:
4 layers, 4 heads, width 128, context 64, batch 12, AdamW at 1e-3, betas (0.9, 0.99), weight decay 0.1 on the
matrices, 100 warm-up steps, a cosine to 1e-4, gradients clipped at 1, no dropout. Two versions: its cosine over
2,000 steps as the README runs it, and the cosine stretched over the budget. "Ours" is the course's model
(helpers.models.GPT, GPT-2's layout) with ``RECIPES["ours"]`` (a peak learning rate of 3e-3, chosen by measurement:
bench/results/gpt_recipes.md) and its schedule stretched over the budget; the shipped checkpoint is trained so.

A budget is a number of seconds of training on this machine, turned into steps: each model's speed (steps per second
with every core, validation not counted) is measured first on the idle machine, then every run trains for its
budget's steps, one thread each, two runs at a time. After the speeds, a busy machine makes the benchmark slower,
never different, and each model still gets the steps its own speed buys. Every budget runs on SEEDS; a recipe wins
a budget only when its worst seed is below the other's best. The last row is the shipped checkpoint's budget:
13,000 steps of ours (its seed 0 is the shipped checkpoint, read from data/), and nanoGPT given the same seconds.
"""

import json
import multiprocessing
from dataclasses import asdict, dataclass
from pathlib import Path

from helpers.training import GPT_STEPS, RECIPES, train

RESULTS = Path(__file__).resolve().parent / "results" / "gpt.md"
BUDGETS = (30, 60, 120)  # seconds of training; the checkpoint's budget is added as the last row
SEEDS = (0, 1, 2)
CHECKPOINT = "checkpoint"  # the name of the last row's budget
OURS, NANO_2000, NANO = "ours", "nanoGPT, its 2,000-step cosine", "nanoGPT, cosine over the budget"
# nanoGPT's own model.py and train.py, measured once on another 2-core machine (issue 24): seconds -> (loss, steps)
NANOGPT_MEASURED = {NANO_2000: {30: (2.306, 610), 60: (2.065, 1334), 120: (1.966, 2458)},
                    NANO: {30: (2.311, 745), 60: (2.103, 1318), 120: (1.929, 2620)}}


@dataclass(frozen=True)
class Job:
    entry: str  # OURS, NANO_2000 or NANO
    budget: object  # seconds, or CHECKPOINT
    seconds: float
    steps: int
    seed: int


def _model(entry):
    """(recipe, make_model, schedule for a run of `steps`) of an entry."""
    if entry == OURS:
        return RECIPES["ours"], None, lambda steps: None
    from bench.nanogpt import NanoGPT, nanogpt_lr

    r = RECIPES["nanoGPT (baseline)"]

    def schedule(steps):
        decay = 2000 if entry == NANO_2000 else steps
        return lambda step, elapsed: nanogpt_lr(step, r.lr, r.min_lr, r.warmup, decay)

    return r, lambda vocab, r: NanoGPT(vocab, r.block, r.width, r.layers, r.heads), schedule


def speeds(seconds=20) -> dict:
    """Steps per second of our model and of nanoGPT's, trained with every core for `seconds` each."""
    from helpers import data

    text = data.load("shakespeare")
    out = {}
    for entry in (OURS, NANO):
        recipe, make_model, schedule = _model(entry)
        _, _, steps = train(recipe, text, seconds=seconds, make_model=make_model)
        out[entry] = steps / seconds
        print(f"speed: {entry}: {out[entry]:.1f} steps per second", flush=True)
    return out


def plan(speed, budgets=BUDGETS, seeds=SEEDS) -> list[Job]:
    """Every run: each budget's seconds at each model's speed, on every seed; then the checkpoint's row."""
    jobs = [Job(entry, s, s, round(s * speed[OURS if entry == OURS else NANO]), seed)
            for s in budgets for entry in (NANO_2000, NANO, OURS) for seed in seeds]
    seconds = GPT_STEPS / speed[OURS]
    jobs += [Job(NANO, CHECKPOINT, seconds, round(seconds * speed[NANO]), seed) for seed in seeds]
    jobs += [Job(OURS, CHECKPOINT, seconds, GPT_STEPS, seed) for seed in seeds if seed != 0]
    return jobs


def _run(job: Job) -> float:
    """One run on one thread (a worker process): the validation loss after job.steps steps."""
    import torch

    from helpers import data

    torch.set_num_threads(1)
    recipe, make_model, schedule = _model(job.entry)
    _, loss, _ = train(recipe, data.load("shakespeare"), steps=job.steps, seed=job.seed, make_model=make_model,
                       schedule=schedule(job.steps))
    return loss


def reproduction_plan(seeds=SEEDS) -> list[Job]:
    """nanoGPT's model for the steps that nanoGPT's own code took in NANOGPT_MEASURED, on every seed: the same steps
    must give the same loss (within the seeds' spread) if bench/nanogpt.py is nanoGPT."""
    return [Job(entry, seconds, seconds, steps, seed) for entry, row in NANOGPT_MEASURED.items()
            for seconds, (_, steps) in row.items() for seed in seeds]


def train_all(jobs, processes=2) -> list[dict]:
    """Every job, `processes` at a time on one thread each, longest first; its fields and validation loss."""
    jobs = sorted(jobs, key=lambda j: -j.steps)  # the workers end together
    runs = []
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        for job, loss in zip(jobs, pool.imap(_run, jobs), strict=True):
            runs.append({**asdict(job), "loss": loss})
            print(f"GPT on Shakespeare, {job.entry}, budget {job.budget} ({job.steps} steps), seed {job.seed}: "
                  f"validation loss {loss:.3f}", flush=True)
    return runs


def run(budgets=BUDGETS, seeds=SEEDS, processes=2) -> dict:
    """Measure the speeds, train every run and the reproduction, write bench/results/gpt.md and .json (about 80
    minutes on 2 cores); return the results."""
    from helpers import data

    speed = speeds()
    shipped = [{**asdict(Job(OURS, CHECKPOINT, GPT_STEPS / speed[OURS], GPT_STEPS, 0)),
                "loss": float(data.load("gpt_shakespeare")["log.val"][-1, 1]), "shipped": True}] if 0 in seeds else []
    results = {"speed": speed, "runs": shipped + train_all(plan(speed, budgets, seeds), processes),
               "reproduction": train_all(reproduction_plan(seeds), processes)}
    RESULTS.with_suffix(".json").write_text(json.dumps(results, indent=1) + "\n")
    RESULTS.write_text(markdown(results))
    return results


def table(results) -> dict:
    """{budget: {entry: (mean, worst, best, steps)}} from the runs, budgets in order, the checkpoint's last."""
    rows = {}
    for r in sorted(results["runs"], key=lambda r: (r["budget"] == CHECKPOINT, str(r["budget"]).zfill(9))):
        rows.setdefault(r["budget"], {}).setdefault(r["entry"], []).append(r)
    return {budget: {entry: (sum(x["loss"] for x in rs) / len(rs), max(x["loss"] for x in rs),
                             min(x["loss"] for x in rs), rs[0]["steps"], len(rs)) for entry, rs in row.items()}
            for budget, row in rows.items()}


def verdict(ours, baseline) -> str:
    """A win or a loss only when one recipe's worst seed is below the other's best; else within the spread."""
    if ours[1] < baseline[2]:
        return f"ours lower by {baseline[0] - ours[0]:.3f}"
    if baseline[1] < ours[2]:
        return f"nanoGPT lower by {ours[0] - baseline[0]:.3f}"
    return "within the spread of the seeds"


def missed(results) -> bool:
    """True unless ours wins against both nanoGPT schedules at every budget."""
    return not all(verdict(row[OURS], row[e]).startswith("ours")
                   for row in table(results).values() for e in (NANO_2000, NANO) if e in row)


def summary_table(results) -> str:
    """The main table (mean over the seeds, best–worst, steps; the verdict): bench/results/gpt.md and the README."""
    rows, speed = table(results), results["speed"]
    label = lambda b: (f"the checkpoint's budget ({GPT_STEPS:,} steps of ours: {GPT_STEPS / speed[OURS] / 60:.1f} "  # noqa: E731
                       "min here)" if b == CHECKPOINT else f"{b} s")
    out = [f"| training time | {NANO_2000} | {NANO} | {OURS} | ours against nanoGPT (its 2,000-step cosine; "
           "cosine over the budget) |", "|---|---|---|---|---|"]
    for budget, row in rows.items():
        out.append(f"| {label(budget)} | " + " | ".join(_cell(row[e]) if e in row else "—"
                                                        for e in (NANO_2000, NANO, OURS))
                   + " | " + "; ".join(verdict(row[OURS], row[e]) for e in (NANO_2000, NANO) if e in row) + " |")
    return "\n".join(out) + "\n"


def _cell(v) -> str:
    return f"{v[0]:.3f} ({v[2]:.3f}–{v[1]:.3f}), {v[3]:,} steps"


def markdown(results) -> str:
    rows, speed = table(results), results["speed"]
    seeds = max(v[4] for row in rows.values() for v in row.values())
    out = ["# Character-level GPT on the shipped Shakespeare: validation loss (nats per character)", "",
           f"Mean over {seeds} seeds (best–worst), and the steps each model's speed buys in the budget on this "
           f"machine: ours {speed[OURS]:.1f} steps per second, nanoGPT's model {speed[NANO]:.1f} (2 cores). "
           "A recipe wins a budget only when its worst seed is below the other's best.", "",
           summary_table(results),
           "In the checkpoint's row, our seed 0 is the shipped data/gpt_shakespeare.pt (trained with every core).",
           "", "Is bench/nanogpt.py nanoGPT? nanoGPT's own model.py and train.py, measured once on another 2-core "
           "machine (issue 24), against bench/nanogpt.py trained for the same steps here:", "",
           "| training time there | " + " | ".join(f"{e}: its code | {e}: bench/nanogpt.py, same steps"
                                                   for e in NANOGPT_MEASURED) + " |",
           "|---|" + "---|---|" * len(NANOGPT_MEASURED)]
    same = table({"runs": results.get("reproduction", [])})
    for seconds in NANOGPT_MEASURED[NANO]:
        out.append(f"| {seconds} s | " + " | ".join(
            f"{NANOGPT_MEASURED[e][seconds][0]:.3f} ({NANOGPT_MEASURED[e][seconds][1]:,} steps) | "
            + (_cell(same[seconds][e]) if e in same.get(seconds, {}) else "not run") for e in NANOGPT_MEASURED) + " |")
    return "\n".join(out) + "\n"


__all__ = ["BUDGETS", "SEEDS", "CHECKPOINT", "Job", "speeds", "plan", "reproduction_plan", "train_all", "run",
           "table", "verdict", "missed", "summary_table", "markdown"]
