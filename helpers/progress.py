"""Training progress: a progress bar and a log of metrics that draws its own curves.

The bar is ``tqdm.auto``: a widget in JupyterLab and Colab, plain text in a terminal. Its timings
change from run to run, so a training cell that shows a bar is tagged ``nbval-ignore-output`` and
ends with an ``assert`` on what it reached; the next cell prints the numbers, which nbval checks.
"""

from collections import defaultdict

import matplotlib.pyplot as plt
import numpy as np
from tqdm.auto import tqdm

from helpers.plots import curves

__all__ = ["progress", "TrainingLog"]


def progress(iterable=None, total=None, desc: str = "training", **kwargs):
    """A tqdm progress bar with the course's settings (``leave=True``, no per-item flicker)."""
    kwargs.setdefault("mininterval", 0.2)
    kwargs.setdefault("leave", True)
    return tqdm(iterable, total=total, desc=desc, **kwargs)


WORDS = {"train": "training", "val": "validation", "acc": "accuracy", "mse": "MSE"}


def in_words(key: str) -> str:
    """A metric's name as a legend label: "train_loss" -> "training loss", "val_acc" -> "validation accuracy"."""
    return " ".join(WORDS.get(word, word) for word in key.split("_"))


class TrainingLog:
    """Collect metrics during training and plot them.

    >>> log = TrainingLog()
    >>> log.log(loss=0.9, acc=0.5); log.log(loss=0.4, acc=0.8)
    >>> log["loss"]                    # -> [0.9, 0.4]
    >>> log.plot(["loss"])             # draws the loss curve

    With ``live=True`` every ``log`` call redraws one figure in place (a display handle), which
    behaves the same in JupyterLab, on Colab and under nbval; use it for slow training loops.
    """

    def __init__(self, live: bool = False, keys=None, title: str = "Training curves", xlabel: str = "epoch"):
        self.history = defaultdict(list)
        self.live, self.keys, self.title, self.xlabel = live, keys, title, xlabel
        self._handle = None

    def log(self, **metrics) -> None:
        """Append one value per metric, e.g. ``log.log(loss=0.3, test_acc=0.91)``."""
        if not metrics:
            raise ValueError("log() needs at least one metric, e.g. log.log(loss=0.3)")
        for name, value in metrics.items():
            v = float(value)
            if not np.isfinite(v):
                raise ValueError(f"metric '{name}' is {v}: training has diverged (try a smaller learning rate)")
            self.history[name].append(v)
        if self.live:
            self._redraw()

    def __getitem__(self, name: str) -> list:
        if name not in self.history:
            raise KeyError(f"no metric '{name}' logged; logged so far: {sorted(self.history)}")
        return self.history[name]

    def last(self, name: str) -> float:
        """The most recent value of a metric."""
        return self[name][-1]

    def plot(self, keys=None, ax=None, title=None, ylabel: str = "value", logy: bool = False):
        """Draw the chosen metrics (default: all) as curves, labelled in words ("train_loss" -> "training
        loss"); returns the axes."""
        keys = keys or self.keys or sorted(self.history)
        return curves({in_words(k): self[k] for k in keys}, xlabel=self.xlabel, ylabel=ylabel,
                      title=title or self.title, ax=ax, logy=logy)

    def _redraw(self) -> None:
        from IPython.display import display

        fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
        self.plot(ax=ax)
        if self._handle is None:
            self._handle = display(fig, display_id=True)
        else:
            self._handle.update(fig)
        plt.close(fig)
