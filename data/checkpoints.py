"""Train the small checkpoints the course ships, and record their SHA-256 in data/SHA256SUMS.

    python3 dev.py train mnist_cnn         # notebook 05's CNN on the shipped MNIST (about 30 s on 2 cores)
    python3 dev.py train dcgan_generator   # notebook 10's DCGAN generator, trained longer (about 8 min)
    python3 dev.py train bert_pretrained   # notebook 12's tiny BERT, masked LM + next sentence (about 13 min)
    python3 dev.py train gpt_shakespeare   # notebook 13's character-level GPT (about 15 min)

The recipes live in helpers/training.py (this file only runs them and saves what they return). Each is seeded, but
float32 training on another CPU ends in slightly different weights: a retrained file has new bytes (and a new
checksum line), and the notebooks check what it reaches, never its digits.
Saved as plain state dicts (tensors only), read back with ``torch.load(..., weights_only=True)``.
"""

import argparse
import sys
from pathlib import Path

import torch

DATA_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(DATA_DIR.parent))

from helpers import data, training  # noqa: E402  (the recipes: one home, helpers/training.py)

SUMS = DATA_DIR / "SHA256SUMS"


RECIPES = {"mnist_cnn": training.train_mnist_cnn, "dcgan_generator": training.train_dcgan_generator,
           "bert_pretrained": training.train_bert_pretrained, "gpt_shakespeare": training.train_gpt_shakespeare}


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
