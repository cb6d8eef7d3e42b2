"""``python3 dev.py bench gpt``: nanoGPT's CPU recipe against ours, each trained for the same wall-clock seconds on
the shipped Shakespeare, characters as tokens: the first 90 % of the characters to train on, the last 10 % to
validate (as nanoGPT splits), the validation loss over the whole validation part (non-overlapping windows of the
recipe's context length, every position scored). Results: bench/results/gpt.md.

The baseline is nanoGPT's README recipe for a CPU (4 layers, 4 heads, width 128, context 64, batch 12, AdamW with
learning rate 1e-3, betas (0.9, 0.99), weight decay 0.1 on the matrices, 100 warm-up steps, a cosine decay to 1e-4,
gradient clipping at 1, no dropout), written here with ``helpers.models.GPT``. Its cosine is stretched over each
budget: the learning rate follows the fraction of the budget's seconds used (after the warm-up steps). Ours differs
only in the numbers of ``RECIPES["ours"]``, chosen by measurement (bench/results/gpt_recipes.md). The recipes and the
training loop live in helpers/training.py (the shipped checkpoint is trained with the same loop).
"""

from dataclasses import asdict
from pathlib import Path

from helpers.training import RECIPES, train

RESULTS = Path(__file__).resolve().parent / "results" / "gpt.md"
BUDGETS = (30, 60, 120)  # seconds of training


def run(budgets=BUDGETS) -> dict:
    """Train both recipes for every budget; print and write the table; return {budget: {name: val loss}}."""
    import torch

    from helpers import data

    torch.set_num_threads(max(1, torch.get_num_threads()))
    text = data.load("shakespeare")
    results = {}
    for seconds in budgets:
        results[seconds] = {}
        for name, recipe in RECIPES.items():
            _, loss, steps = train(recipe, text, seconds=seconds)
            results[seconds][name] = loss
            print(f"GPT on Shakespeare, {seconds:4d} s of training: {name:20s} validation loss {loss:.3f} "
                  f"({steps} steps)", flush=True)
    RESULTS.write_text(markdown(results))
    return results


def markdown(results) -> str:
    names = list(RECIPES)
    lines = ["# Character-level GPT on the shipped Shakespeare: validation loss (nats per character)", "",
             "| training time | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for seconds, row in results.items():
        lines.append(f"| {seconds} s | " + " | ".join(f"{row[n]:.3f}" for n in names) + " |")
    lines += ["", "Recipes:", ""] + [f"- {n}: {asdict(r)}" for n, r in RECIPES.items()]
    return "\n".join(lines) + "\n"


def missed(results) -> bool:
    """True if ours is not below the baseline at every budget."""
    return not all(row["ours"] < row["nanoGPT (baseline)"] for row in results.values())


__all__ = ["BUDGETS", "run", "markdown", "missed"]
