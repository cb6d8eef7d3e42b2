"""``python3 dev.py bench resnet_depth``: notebook 06's degradation experiment on five seeds (about 11 min on 2 cores).

Notebook 06 trains plain MLPs of 2, 10, 20 and 30 hidden layers and residual MLPs of 10, 20 and 30 for 3 epochs,
once. One run is one random start, and after 3 epochs the curves are still falling. This script trains the
same networks (the notebook's own ``plain_mlp``, ``residual_mlp`` and ``train``, read from the notebook) from five
random starts, for the notebook's 3 epochs and for 20 epochs (the cosine schedule stretched over the run, so
each run ends with its learning rate at zero: what a longer budget buys). Every run's final training loss,
validation accuracy (the notebook's 1,000 images set aside) and test accuracy (measured once, on the final
network) go to data/resnet_depth.json, which notebook 06 plots with error bars.

The seed sets the weights' random start; the minibatches are the notebook's (the same for every net).
"""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# shipped: notebook 06 reads it with helpers.data.load("resnet_depth"); a test points RESULTS elsewhere
RESULTS = SHIPPED = ROOT / "data" / "resnet_depth.json"
NOTEBOOK = "06_resnet.ipynb"
PLAIN_DEPTHS = (2, 10, 20, 30)
RESIDUAL_DEPTHS = (10, 20, 30)
EPOCHS = (3, 20)
SEEDS = (0, 1, 2, 3, 4)


def notebook_06():
    """Notebook 06's definitions, with the data its `train` reads (as the notebook's cells prepare it)."""
    import numpy as np
    import torch

    from helpers import data
    from tools.notebooks import notebook_defs

    nb = notebook_defs(NOTEBOOK)
    fmnist = data.load("fashion_mnist")
    pixels = fmnist.X_train / 255.0
    mu, sigma = pixels.mean(), pixels.std()
    images = ((fmnist.X_train / 255.0 - mu) / sigma)[:, None].astype(np.float32)
    labels = fmnist.y_train.astype(np.int64)
    test_images = ((fmnist.X_test / 255.0 - mu) / sigma)[:, None]
    nb.train.__globals__.update(   # the globals `train` and `accuracy` read in the notebook (its split: 9,000 | 1,000)
        train_X=images[:9000], y_train=labels[:9000],
        X_val_t=torch.tensor(images[9000:]), y_val_t=torch.tensor(labels[9000:]),
        X_test_t=torch.tensor(test_images, dtype=torch.float32), y_test_t=torch.tensor(fmnist.y_test.astype(np.int64)))
    return nb


def run(epochs=EPOCHS, seeds=SEEDS, plain_depths=PLAIN_DEPTHS, residual_depths=RESIDUAL_DEPTHS) -> dict:
    """Train every net on every seed and budget; write and return {"epochs", "seeds", "runs": [...]}."""
    from helpers.repro import seed_everything

    nb = notebook_06()
    test = nb.train.__globals__   # the test set, read once per trained network
    runs = []
    for budget in epochs:
        for seed in seeds:
            nets = (("plain", plain_depths, nb.plain_mlp), ("residual", residual_depths, nb.residual_mlp))
            for kind, depths, build in nets:
                for depth in depths:
                    seed_everything(seed)
                    net = build(depth)
                    log = nb.train(net, epochs=budget, desc=f"{kind} {depth}")
                    runs.append({"kind": kind, "depth": depth, "epochs": budget, "seed": seed,
                                 "train_loss": round(log.last("train_loss"), 4),
                                 "val_acc": round(log.last("val_acc"), 4),
                                 "test_acc": round(nb.accuracy(net, test["X_test_t"], test["y_test_t"]), 4)})
                    print(f"ResNet depth: {kind:8s} {depth:2d} layers, {budget:2d} epochs, seed {seed}: training loss "
                          f"{runs[-1]['train_loss']:.3f}, test accuracy {runs[-1]['test_acc']:.3f}", flush=True)
    result = {"epochs": list(epochs), "seeds": list(seeds), "runs": runs}
    RESULTS.write_text(json.dumps(result, indent=1) + "\n")
    if RESULTS == SHIPPED:
        from helpers.data import record_checksum

        record_checksum("resnet_depth")  # the notebook's load() checks the file against it
    return result


__all__ = ["EPOCHS", "SEEDS", "PLAIN_DEPTHS", "RESIDUAL_DEPTHS", "RESULTS", "run"]

if __name__ == "__main__":
    run()
