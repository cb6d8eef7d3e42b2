"""Training recipes: one home for how each model of the course is trained, used by ``bench/``,
``data/checkpoints.py`` (which saves the shipped checkpoints: ``python3 dev.py train NAME``) and the tests.

The GPT family has a recipe dataclass and one train loop for any budget; the four shipped checkpoints have one
function each (``train_mnist_cnn``, ``train_dcgan_generator``, ``train_bert_pretrained``, ``train_gpt_shakespeare``)
that returns (state dict, summary). Each is seeded, but float32 training on another CPU ends in slightly different
weights: the notebooks check what a checkpoint reaches, never its digits. The models come from helpers.models,
which the notebooks teach line for line, so a state dict always fits its notebook.

- GPT (notebook 13): ``Recipe``, ``RECIPES`` ("nanoGPT (baseline)": nanoGPT's README recipe for a CPU: 4 layers,
  4 heads, width 128, context 64, batch 12, AdamW with learning rate 1e-3, betas (0.9, 0.99), weight decay 0.1 on
  the matrices, 100 warm-up steps, a cosine decay to 1e-4, gradient clipping at 1, no dropout; bench/gpt.py trains it
  on nanoGPT's own model, bench/nanogpt.py; "ours": the same numbers with a peak learning rate of 3e-3, on the
  course's GPT), ``char_split`` (nanoGPT's 90/10 split of the characters), ``learning_rate``,
  ``validation_loss`` (every position of the validation part) and ``train`` (for a number of seconds or of steps,
  the cosine stretched over either).
"""

import math
import time
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from helpers import data
from helpers.models import GPT, Z_DIM, BertPretraining, Generator, make_cnn, make_discriminator
from helpers.scratch import bert


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
    chars = sorted(set(text))
    index = {c: i for i, c in enumerate(chars)}
    ids = torch.tensor([index[c] for c in text])
    cut = int(0.9 * len(ids))
    return chars, ids[:cut], ids[cut:]


def gpt_for(vocab_size, r: Recipe):
    """The course's GPT (helpers.models.GPT, GPT-2's layout) in the recipe's size, freshly initialised."""
    return GPT(vocab_size, r.block, r.width, r.layers, r.heads)


def learning_rate(step, elapsed, r: Recipe):
    """Linear warm-up over r.warmup steps, then a cosine from r.lr down to r.min_lr as `elapsed` (the fraction of
    the budget used, 0..1: of its seconds or of its steps) goes to 1: the schedule is stretched over the budget."""
    if step < r.warmup:
        return r.lr * (step + 1) / r.warmup
    return r.min_lr + 0.5 * (r.lr - r.min_lr) * (1 + math.cos(math.pi * min(1.0, elapsed)))


def validation_loss(model, val, block):
    """Mean cross-entropy (nats per character) over every position of non-overlapping windows of the validation ids."""
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


def train(recipe: Recipe, text, seconds=None, steps=None, seed=0, log=None, losses=None, val_losses=None,
          val_every=500, clock=time.perf_counter, make_model=None, schedule=None):
    """Train a GPT with `recipe` for `seconds` of wall-clock time, or for a number of `steps` (one of the two; the
    cosine is stretched over it). Returns (model, validation loss, steps taken). `log`: a function called with a
    progress line every 500 steps; `losses`: a list that gets every step's training loss; `val_losses`: a list that
    gets (step, validation loss) after every `val_every` steps (measuring it draws no random numbers, so the run is
    the same with or without it); `clock`: the clock that the budget is read from (tests pass a fake one, so that
    what they check does not depend on the machine). `make_model(vocab size, recipe)` and `schedule(step, elapsed)`
    replace the course's GPT and ``learning_rate`` (bench/gpt.py's nanoGPT baseline brings its own)."""

    if (seconds is None) == (steps is None):
        raise ValueError("train: give seconds or steps (one of the two)")
    chars, train_ids, val_ids = char_split(text)
    torch.manual_seed(seed)
    r = recipe
    model = (make_model or gpt_for)(len(chars), r)
    schedule = schedule or (lambda step, elapsed: learning_rate(step, elapsed, r))
    matrices = [p for p in model.parameters() if p.dim() >= 2]
    vectors = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": matrices, "weight_decay": r.weight_decay},
                             {"params": vectors, "weight_decay": 0.0}], lr=r.lr, betas=(0.9, r.beta2))
    picker = torch.Generator().manual_seed(seed)
    start, step = clock(), 0
    done = (lambda: (clock() - start) / seconds) if seconds else (lambda: step / steps)
    while (elapsed := done()) < 1:
        for group in opt.param_groups:
            group["lr"] = schedule(step, elapsed)
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
        if val_losses is not None and step % val_every == 0:
            val_losses.append((step, validation_loss(model, val_ids, r.block)))
        if log and step % 500 == 0:
            log(f"step {step}, loss {loss.item():.3f}, {clock() - start:.0f} s")
    return model, validation_loss(model, val_ids, r.block), step


# ---------------------------------------------------------------------------------------------------------------
# The shipped checkpoints (data/checkpoints.py saves what these return)

def mnist_tensors():
    """The shipped MNIST as float tensors in [0, 1]: X_train (8000, 1, 28, 28), y_train, X_test, y_test."""
    mnist = data.load("mnist")
    images = lambda X: torch.tensor(X / 255.0, dtype=torch.float32)[:, None]  # noqa: E731
    labels = lambda y: torch.tensor(y, dtype=torch.long)  # noqa: E731
    return images(mnist.X_train), labels(mnist.y_train), images(mnist.X_test), labels(mnist.y_test)


def train_mnist_cnn(epochs=8, batch=64, lr=1e-3, seed=0):
    """Notebook 05's CNN, Adam, `epochs` passes over the 8,000 training digits; returns (state dict, test acc)."""
    torch.manual_seed(seed)
    X, y, X_test, y_test = mnist_tensors()
    cnn = make_cnn()
    opt = torch.optim.Adam(cnn.parameters(), lr=lr)
    for _ in range(epochs):
        cnn.train()
        order = torch.randperm(len(X))
        for i in range(0, len(X), batch):
            idx = order[i:i + batch]
            loss = F.cross_entropy(cnn(X[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    cnn.eval()
    with torch.no_grad():
        acc = (cnn(X_test).argmax(dim=1) == y_test).float().mean().item()
    print(f"mnist_cnn: test accuracy {acc:.4f}")
    return cnn.state_dict(), acc


def train_dcgan_generator(steps=9000, batch=64, lr=1e-3, seed=0):
    """Notebook 10's DCGAN recipe, run longer: the learning rate decays linearly to 0 over `steps`."""
    torch.manual_seed(seed)
    X, *_ = mnist_tensors()
    G, D = Generator(), make_discriminator()
    opt_G = torch.optim.Adam(G.parameters(), lr=lr, betas=(0.5, 0.999))
    opt_D = torch.optim.Adam(D.parameters(), lr=lr, betas=(0.5, 0.999))
    ones, zeros = torch.ones(batch, 1), torch.zeros(batch, 1)
    start = time.time()
    for step in range(steps):
        for opt in (opt_G, opt_D):
            for group in opt.param_groups:
                group["lr"] = lr * (1 - step / steps)
        real = X[torch.randint(0, len(X), (batch,))]
        fake = G(torch.randn(batch, Z_DIM))
        loss_D = (F.binary_cross_entropy_with_logits(D(real), ones)
                  + F.binary_cross_entropy_with_logits(D(fake.detach()), zeros))
        opt_D.zero_grad()
        loss_D.backward()
        opt_D.step()
        loss_G = F.binary_cross_entropy_with_logits(D(fake), ones)  # the non-saturating loss −log D(G(z))
        opt_G.zero_grad()
        loss_G.backward()
        opt_G.step()
        if (step + 1) % 1000 == 0:
            print(f"dcgan_generator: step {step + 1}/{steps}, {time.time() - start:.0f} s", flush=True)
    G.eval()
    return G.state_dict(), None


# Notebook 12's tiny BERT: its vocabulary (the most frequent words of the training speeches), input length and size.
BERT_VOCAB, BERT_MAX_LEN = 3000, 32
BERT_CONFIG = {"hidden": 128, "layers": 2, "heads": 4, "intermediate": 512, "max_positions": BERT_MAX_LEN}


def bert_corpus():
    """Notebook 12's data: (vocab, train table, test table); the test part is the last 15 % of every play's speeches."""
    train, test = bert.hold_out(bert.play_speeches(data.load("shakespeare")))
    vocab = bert.build_vocab((bert.words(line) for speeches in train.values() for s in speeches for line in s),
                             BERT_VOCAB)
    index = {w: i for i, w in enumerate(vocab)}
    return vocab, bert.line_table(train, index), bert.line_table(test, index)


def train_bert_pretrained(steps=9000, batch=64, lr=2e-3, warmup=200, seed=0):
    """Masked LM + next-sentence prediction on line pairs of the training speeches: AdamW, linear warm-up, then a
    linear decay to 0. Saved in float16 (half the bytes; data.load gives float32 back), with the two training
    losses averaged over every 100 steps under the keys "log.mlm" and "log.nsp" (notebook 12 plots them)."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    _, table, _ = bert_corpus()
    model = BertPretraining(BERT_VOCAB, **BERT_CONFIG)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    start, log = time.time(), torch.zeros(2, steps)
    for step in range(steps):
        for group in opt.param_groups:
            group["lr"] = lr * min((step + 1) / warmup, (steps - step) / (steps - warmup))
        b = {k: torch.from_numpy(v) for k, v in bert.pretraining_batch(table, batch, rng, BERT_MAX_LEN,
                                                                        BERT_VOCAB).items()}
        mlm, nsp = model.losses(b)
        opt.zero_grad()
        (mlm + nsp).backward()
        opt.step()
        log[:, step] = torch.stack([mlm.detach(), nsp.detach()])
        if (step + 1) % 250 == 0:
            print(f"bert_pretrained: step {step + 1}/{steps}, MLM {mlm.item():.3f}, NSP {nsp.item():.3f}, "
                  f"{time.time() - start:.0f} s", flush=True)
    mlm_log, nsp_log = log.view(2, -1, 100).mean(dim=2)
    state = {**model.state_dict(), "log.mlm": mlm_log, "log.nsp": nsp_log}
    return {k: v.half() for k, v in state.items()}, None


# notebook 13's shipped model: ``helpers.models.GPT(76, **GPT_CONFIG)``, trained with GPT_RECIPE for GPT_STEPS
GPT_RECIPE = RECIPES["ours"]  # notebook 13's model and learning rate (4 blocks of width 128, context 64)
GPT_STEPS = 13000  # 43 to 67 ms each on 2 cores (two machines measured): 9.4 to 14.5 minutes
GPT_CONFIG = {"n_positions": GPT_RECIPE.block, "width": GPT_RECIPE.width, "layers": GPT_RECIPE.layers,
              "heads": GPT_RECIPE.heads}


def train_gpt_shakespeare(steps=GPT_STEPS, seed=0):
    """Notebook 13's character-level GPT: helpers/training.py's training loop and split (the first 90 % of the plays),
    GPT_RECIPE for GPT_STEPS steps (the cosine over all of them). Saved in float16 with the training loss averaged
    over every 100 steps under "log.loss" and the validation loss (the last 10 %) after every 500 steps under
    "log.val" (float32: a (k, 2) table of step, loss)."""
    losses, val_losses = [], []
    model, val, _ = train(GPT_RECIPE, data.load("shakespeare"), steps=steps, seed=seed, losses=losses,
                          val_losses=val_losses, log=lambda line: print(f"gpt_shakespeare: {line}", flush=True))
    print(f"gpt_shakespeare: validation loss {val:.4f} nats per character")
    log = torch.tensor(losses[:len(losses) // 100 * 100]).view(-1, 100).mean(dim=1)
    state = {k: v.half() for k, v in {**model.state_dict(), "log.loss": log}.items()}
    return {**state, "log.val": torch.tensor(val_losses, dtype=torch.float32)}, val


__all__ = ["Recipe", "RECIPES", "char_split", "gpt_for", "learning_rate", "validation_loss", "train", "mnist_tensors",
           "train_mnist_cnn", "train_dcgan_generator", "BERT_VOCAB", "BERT_MAX_LEN", "BERT_CONFIG", "bert_corpus",
           "train_bert_pretrained", "GPT_RECIPE", "GPT_STEPS", "GPT_CONFIG", "train_gpt_shakespeare"]
