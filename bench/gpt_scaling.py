"""``python3 dev.py bench gpt_scaling``: a mini scaling experiment for notebook 13 (about 8 min on 2 cores).

Five character-level GPTs of growing width (4 layers each, widths 32 to 128: about 55 thousand to 0.8 million
parameters) are trained on the shipped Shakespeare for the SAME number of tokens (the same steps, batch and
context), each with the recipe of ``helpers/training.py`` (``RECIPES["ours"]``, the width changed), on two seeds. Their
validation losses (the last 10 % of the characters) go to data/gpt_scaling.json, which notebook 13 plots on
log-log axes and fits with a power law. Parameters are counted without the position table, as in Kaplan et al.
(2020) (it is not part of what scales).
"""

import json
from dataclasses import replace
from pathlib import Path

from helpers.training import RECIPES, train

# shipped: notebook 13 reads it with helpers.data.load("gpt_scaling"); a test points RESULTS elsewhere
RESULTS = SHIPPED = Path(__file__).resolve().parent.parent / "data" / "gpt_scaling.json"
WIDTHS = (32, 48, 64, 96, 128)
STEPS = 1000  # x batch 12 x context 64 = 0.77 million tokens, most of one pass over the training part
SEEDS = (0, 1)


def run(widths=WIDTHS, steps=STEPS, seeds=SEEDS) -> dict:
    """Train every width on every seed; write and return {"steps", "tokens", "runs": [{width, params, seed, val}]}."""
    import torch

    from helpers import data

    torch.set_num_threads(max(1, torch.get_num_threads()))
    text = data.load("shakespeare")
    base = RECIPES["ours"]
    runs = []
    for width in widths:
        recipe = replace(base, width=width, heads=max(1, width // 32))
        for seed in seeds:
            model, loss, _ = train(recipe, text, steps=steps, seed=seed)
            params = sum(p.numel() for p in model.parameters()) - model.transformer["wpe"].weight.numel()
            runs.append({"width": width, "params": params, "seed": seed, "val": round(loss, 4)})
            print(f"GPT scaling: width {width:4d}, {params:8,d} parameters, seed {seed}: validation loss "
                  f"{loss:.3f}", flush=True)
    result = {"steps": steps, "tokens": steps * base.batch * base.block, "recipe": {**base.__dict__},
              "runs": runs}
    RESULTS.write_text(json.dumps(result, indent=1) + "\n")
    if RESULTS == SHIPPED:
        from helpers.data import record_checksum

        record_checksum("gpt_scaling")  # the notebook's load() checks the file against it
    return result


__all__ = ["WIDTHS", "STEPS", "SEEDS", "run"]
