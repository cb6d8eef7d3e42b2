"""Training recipes: one home for how a model family is trained, used by the notebooks' checks, ``bench/``,
``data/checkpoints.py`` (the shipped checkpoints) and the tests.

A recipe is a frozen dataclass of numbers at the top; one train loop per model family below it.

- GPT (notebook 13): ``Recipe``, ``RECIPES`` ("nanoGPT (baseline)": nanoGPT's README recipe for a CPU: 4 layers,
  4 heads, width 128, context 64, batch 12, AdamW with learning rate 1e-3, betas (0.9, 0.99), weight decay 0.1 on
  the matrices, 100 warm-up steps, a cosine decay to 1e-4, gradient clipping at 1, no dropout; "ours": the same with
  a peak learning rate of 3e-3), ``char_split`` (nanoGPT's 90/10 split of the characters), ``learning_rate``,
  ``validation_loss`` (every position of the validation part) and ``train`` (for a number of seconds or of steps,
  the cosine stretched over either).
"""

import math
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Recipe:
    layers: int = 4
    width: int = 128
    heads: int = 4
    block: int = 64  # context length, in characters
    batch: int = 12
    lr: float = 1e-3
    min_lr: float = 1e-4
    warmup: int = 100
    weight_decay: float = 0.1
    beta2: float = 0.99


# The numbers of "ours" were chosen by measurement: bench/results/gpt_recipes.md keeps every run tried.
RECIPES = {"nanoGPT (baseline)": Recipe(), "ours": Recipe(lr=3e-3)}


def char_split(text):
    """(vocabulary (sorted characters), train ids, validation ids): the first 90 % of characters train."""
    import torch

    chars = sorted(set(text))
    index = {c: i for i, c in enumerate(chars)}
    ids = torch.tensor([index[c] for c in text])
    cut = int(0.9 * len(ids))
    return chars, ids[:cut], ids[cut:]


def learning_rate(step, elapsed, r: Recipe):
    """Linear warm-up over r.warmup steps, then a cosine from r.lr down to r.min_lr as `elapsed` (the fraction of
    the budget used, 0..1: of its seconds or of its steps) goes to 1: the schedule is stretched over the budget."""
    if step < r.warmup:
        return r.lr * (step + 1) / r.warmup
    return r.min_lr + 0.5 * (r.lr - r.min_lr) * (1 + math.cos(math.pi * min(1.0, elapsed)))


def validation_loss(model, val, block):
    """Mean cross-entropy (nats per character) over every position of non-overlapping windows of the validation ids."""
    import torch
    import torch.nn.functional as F

    n = (len(val) - 1) // block
    x, y = val[:n * block].view(n, block), val[1:n * block + 1].view(n, block)
    total = 0.0
    model.eval()
    with torch.no_grad():
        for i in range(0, n, 256):
            logits = model(x[i:i + 256])
            total += F.cross_entropy(logits.flatten(0, 1), y[i:i + 256].flatten(), reduction="sum").item()
    model.train()
    return total / (n * block)


def train(recipe: Recipe, text, seconds=None, steps=None, seed=0, log=None, losses=None, clock=time.perf_counter):
    """Train a GPT with `recipe` for `seconds` of wall-clock time, or for a number of `steps` (one of the two; the
    cosine is stretched over it). Returns (model, validation loss, steps taken). `log`: a function called with a
    progress line every 500 steps; `losses`: a list that gets every step's training loss; `clock`: the clock that
    the budget is read from (tests pass a fake one, so that what they check does not depend on the machine)."""
    import torch
    import torch.nn.functional as F

    from helpers.models import GPT

    if (seconds is None) == (steps is None):
        raise ValueError("train: give seconds or steps (one of the two)")
    chars, train_ids, val_ids = char_split(text)
    torch.manual_seed(seed)
    r = recipe
    model = GPT(len(chars), r.block, r.width, r.layers, r.heads)
    matrices = [p for p in model.parameters() if p.dim() >= 2]
    vectors = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": matrices, "weight_decay": r.weight_decay},
                             {"params": vectors, "weight_decay": 0.0}], lr=r.lr, betas=(0.9, r.beta2))
    picker = torch.Generator().manual_seed(seed)
    start, step = clock(), 0
    done = (lambda: (clock() - start) / seconds) if seconds else (lambda: step / steps)
    while (elapsed := done()) < 1:
        for group in opt.param_groups:
            group["lr"] = learning_rate(step, elapsed, r)
        starts = torch.randint(len(train_ids) - r.block - 1, (r.batch,), generator=picker)
        window = torch.stack([train_ids[i:i + r.block + 1] for i in starts])
        loss = F.cross_entropy(model(window[:, :-1]).flatten(0, 1), window[:, 1:].flatten())
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        if losses is not None:
            losses.append(loss.item())
        if log and step % 500 == 0:
            log(f"step {step}, loss {loss.item():.3f}, {clock() - start:.0f} s")
    return model, validation_loss(model, val_ids, r.block), step


__all__ = ["Recipe", "RECIPES", "char_split", "learning_rate", "validation_loss", "train"]
