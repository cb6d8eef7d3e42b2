"""Train the small checkpoints the course ships, and record their SHA-256 in data/SHA256SUMS.

    python3 dev.py train mnist_cnn         # notebook 05's CNN on the shipped MNIST (about 30 s on 2 cores)
    python3 dev.py train dcgan_generator   # notebook 10's DCGAN generator, trained longer (about 8 min)
    python3 dev.py train bert_pretrained   # notebook 12's tiny BERT, masked LM + next sentence (about 13 min)
    python3 dev.py train gpt_shakespeare   # notebook 13's character-level GPT (about 15 min)

Each recipe is seeded, but float32 training on another CPU ends in slightly different weights: a retrained file
has new bytes (and a new checksum line), and the notebooks check what it reaches, never its digits. The models
come from helpers.models, which the notebooks teach line for line, so a state dict always fits its notebook.
Saved as plain state dicts (tensors only), read back with ``torch.load(..., weights_only=True)``.
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

DATA_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(DATA_DIR.parent))

from helpers import data, training  # noqa: E402  (training: the GPT recipe and its training loop)
from helpers.models import Z_DIM, BertPretraining, Generator, make_cnn, make_discriminator  # noqa: E402
from helpers.scratch import bert  # noqa: E402

SUMS = DATA_DIR / "SHA256SUMS"


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
GPT_RECIPE = training.RECIPES["ours"]  # notebook 13's model and learning rate (4 blocks of width 128, context 64)
GPT_STEPS = 13000  # about 67 ms each on 2 cores: 14.5 minutes
GPT_CONFIG = {"n_positions": GPT_RECIPE.block, "width": GPT_RECIPE.width, "layers": GPT_RECIPE.layers,
              "heads": GPT_RECIPE.heads}


def train_gpt_shakespeare(steps=GPT_STEPS, seed=0):
    """Notebook 13's character-level GPT: helpers/training.py's training loop and split (the first 90 % of the plays),
    GPT_RECIPE for GPT_STEPS steps (the cosine over all of them). Saved in float16 with the training loss averaged
    over every 100 steps under "log.loss"; prints the validation loss (the last 10 %)."""
    losses = []
    model, val, _ = training.train(GPT_RECIPE, data.load("shakespeare"), steps=steps, seed=seed, losses=losses,
                                    log=lambda line: print(f"gpt_shakespeare: {line}", flush=True))
    print(f"gpt_shakespeare: validation loss {val:.4f} nats per character")
    log = torch.tensor(losses[:len(losses) // 100 * 100]).view(-1, 100).mean(dim=1)
    return {k: v.half() for k, v in {**model.state_dict(), "log.loss": log}.items()}, val


RECIPES = {"mnist_cnn": train_mnist_cnn, "dcgan_generator": train_dcgan_generator,
           "bert_pretrained": train_bert_pretrained, "gpt_shakespeare": train_gpt_shakespeare}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="+", choices=sorted(RECIPES))
    parser.add_argument("--out", type=Path, default=DATA_DIR, help="folder to write to (default: data/)")
    args = parser.parse_args(argv)
    torch.set_num_threads(max(1, torch.get_num_threads()))
    for name in args.names:
        state, _ = RECIPES[name]()
        torch.save(state, args.out / f"{name}.pt")
        if args.out.resolve() == DATA_DIR:
            print(f"{name}.pt: SHA-256 {data.record_checksum(name)[:16]}... recorded in data/SHA256SUMS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
