"""``python3 dev.py bench date_warmup``: notebook 11's date Transformer with and without its warm-up, five seeds
each (about 5 minutes on 2 cores).

Notebook 11 trains its encoder-decoder for 600 steps with PyTorch's ``OneCycleLR``: the learning rate climbs from
LR / 25 to LR over the first 60 steps (the warm-up), then falls along a cosine. The comparison changes only that
climb: ``div_factor=1`` starts at LR at once, and everything else (steps, batches, the cosine, Adam's beta1 cycle)
stays the same. The notebook's own ``train_dates`` and ``exact_match`` are used, read from the notebook, with its
data split rebuilt as its cells build it. Each run's training loss (the mean of every 10 steps) and exact match on
the 2,000 held-out dates go to data/date_warmup.json, which notebook 11 plots.
"""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = SHIPPED = ROOT / "data" / "date_warmup.json"  # notebook 11 reads it with helpers.data.load("date_warmup")
NOTEBOOK = "11_transformer.ipynb"
SEEDS = (0, 1, 2, 3, 4)
EVERY = 10  # steps per logged loss


def notebook_11():
    """Notebook 11's definitions, with the dates, their ids and the split its cells make."""
    import datetime

    import numpy as np

    from tools.notebooks import notebook_defs

    nb = notebook_defs(NOTEBOOK)
    all_dates = [nb.FIRST_DAY + datetime.timedelta(days=n) for n in range(nb.N_DATES)]
    years = np.array([d.year for d in all_dates])
    split = np.random.default_rng(2017).permutation(np.flatnonzero(years < 2090))  # as the notebook's cell does
    src_all, tgt_all = nb.encode_dates(all_dates)
    nb.train_dates.__globals__.update(all_dates=all_dates, src_all=src_all, tgt_all=tgt_all,
                                      test_ids=split[:2000], train_ids=split[2000:])
    return nb


def run(seeds=SEEDS, steps=None) -> dict:
    """Train with and without the warm-up on every seed; write and return {"seeds", "every", "runs": [...]}."""
    import numpy as np

    nb = notebook_11()
    g = nb.train_dates.__globals__
    if steps is not None:  # a shorter run (tests)
        g["STEPS"] = steps
    runs = []
    for warmup in (True, False):
        for seed in seeds:
            model, losses, _ = nb.train_dates(seed=seed, warmup=warmup)
            logged = np.asarray(losses).reshape(-1, EVERY).mean(axis=1)
            runs.append({"warmup": warmup, "seed": seed, "loss": [round(float(x), 5) for x in logged],
                         "exact_match": round(float(nb.exact_match(model, g["test_ids"])), 4)})
            print(f"date warm-up: {'with' if warmup else 'without'} warm-up, seed {seed}: final loss "
                  f"{logged[-1]:.4f}, exact match {runs[-1]['exact_match']:.2%}", flush=True)
    result = {"seeds": list(seeds), "every": EVERY, "steps": int(g["STEPS"]), "runs": runs}
    RESULTS.write_text(json.dumps(result, indent=1) + "\n")
    if RESULTS == SHIPPED:
        from helpers.data import record_checksum

        record_checksum("date_warmup")  # the notebook's load() checks the file against it
    return result


__all__ = ["SEEDS", "RESULTS", "run"]

if __name__ == "__main__":
    run()
