"""Load the course's datasets from data/ (shipped with the repository: no downloads).

    from helpers.data import load, minibatches, torch_loader

    mnist = load("mnist")            # Dataset: mnist.X_train (8000, 28, 28) uint8, ...
    text = load("shakespeare")       # str, about 1 MB
    state = load("mnist_cnn")        # a trained checkpoint: a state dict for helpers.models.make_cnn()
    for X_batch, y_batch in minibatches(mnist.X_train, mnist.y_train, 64, rng=rng):
        ...

Every file is checked against data/SHA256SUMS before it is used, so a truncated or
half-downloaded file gives one clear error instead of strange numbers later on.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np

# helpers/data.py -> repository root -> data/. Works wherever the repo is cloned
# (a laptop, CI, or /content/<repo> on Colab).
DATA_DIR = Path(__file__).resolve().parent.parent / "data"

REBUILD_COMMAND = "python data/build.py"
# Where the notebooks' setup cell clones the course on Colab.
COLAB_REPO = "/content/notebooks"

# Dataset name -> file in DATA_DIR.
FILES = {
    "mnist": "mnist.npz",
    "fashion_mnist": "fashion_mnist.npz",
    "digits": "digits.npz",
    "iris": "iris.npz",
    "shakespeare": "shakespeare.txt",
    "names": "names.txt",
    "camera": "camera.npz",
    # trained checkpoints (data/checkpoints.py): state dicts of the helpers.models they are named after
    "mnist_cnn": "mnist_cnn.pt",
    "dcgan_generator": "dcgan_generator.pt",
    "bert_pretrained": "bert_pretrained.pt",
    "gpt_shakespeare": "gpt_shakespeare.pt",
    # measured results that a notebook plots (too long to run in it): made by `python3 dev.py bench NAME`
    "resnet_depth": "resnet_depth.json",
    "gpt_scaling": "gpt_scaling.json",
    "date_warmup": "date_warmup.json",
}

# Files already verified in this process: {(path, size, mtime_ns)}. Hashing ~6 MB
# takes a few milliseconds, but notebooks call load() often; once is enough, unless
# the file changes on disk (then size or mtime changes and we check again).
_verified: set[tuple[str, int, int]] = set()


class DataError(RuntimeError):
    """A data file is missing or does not match data/SHA256SUMS."""


class Dataset(dict):
    """A dict of NumPy arrays that also allows attribute access: ds.X_train == ds["X_train"]."""

    def __getattr__(self, key: str) -> np.ndarray:
        try:
            return self[key]
        except KeyError:
            raise AttributeError(f"Dataset has no key {key!r}; keys: {list(self)}") from None

    def __setattr__(self, key: str, value: np.ndarray) -> None:
        self[key] = value

    def __dir__(self) -> list[str]:
        # Lets Tab completion in Jupyter offer the keys.
        return [*super().__dir__(), *self.keys()]

    def __repr__(self) -> str:
        lines = [f"Dataset with {len(self)} arrays:"]
        for key, value in self.items():
            array = np.asarray(value)
            lines.append(f"  {key:<14} {str(array.dtype):<8} {array.shape}")
        return "\n".join(lines)


def _on_colab() -> bool:
    """True inside a Google Colab notebook."""
    return "google.colab" in sys.modules


def _rebuild_hint(file: Path, problem: str, also_restore: tuple[str, ...] = ()) -> DataError:
    """The one error we raise for a bad data file: what is wrong, and how each reader fixes it.

    A student restores the file from the repository (the shipped files are the right ones): on Colab
    by fetching the course again with the setup cell, elsewhere with git. A maintainer who changed
    the data on purpose rebuilds every file and SHA256SUMS.
    """
    if _on_colab() and Path(DATA_DIR).parent == Path(COLAB_REPO):
        restore = (f"To restore it, fetch a fresh copy of the course: run\n"
                   f"    !rm -rf {COLAB_REPO}\n"
                   f"in a cell, then re-run the notebook's setup cell (its first code cell).")
    else:
        files = " ".join(f"data/{name}" for name in (file.name, *also_restore))
        restore = (f"To restore it from the repository, run this from the repository root:\n"
                   f"    git checkout -- {files}\n"
                   f"(or download it again from the course's repository).")
    if file.suffix == ".pt":
        rebuild = (f"(Maintainers who changed the checkpoint on purpose retrain it, which also records its\n"
                   f"checksum in data/SHA256SUMS, with\n    python3 dev.py train {file.stem}\n")
    elif file.suffix == ".json":
        rebuild = (f"(Maintainers who changed the experiment on purpose run it again, which also records its\n"
                   f"checksum in data/SHA256SUMS, with\n    python3 dev.py bench {file.stem}\n")
    else:
        rebuild = (f"(Maintainers who changed the data on purpose rebuild every file and data/SHA256SUMS with\n"
                   f"    {REBUILD_COMMAND}\n")
    return DataError(
        f"Data file {file.name} ({file}) {problem}.\n{restore}\n"
        f"{rebuild}from the repository root; data/README.md explains.)"
    )


def _expected_sha256(file: Path) -> str:
    """The SHA-256 that data/SHA256SUMS lists for `file` (a path inside DATA_DIR)."""
    sums = file.parent / "SHA256SUMS"
    if not sums.is_file():
        raise _rebuild_hint(sums, "is missing, so the data files cannot be verified")
    for line in sums.read_text().splitlines():
        digest, _, name = line.partition("  ")
        if name == file.name:
            return digest
    raise _rebuild_hint(file, f"is not listed in {sums}", also_restore=(sums.name,))


def _sha256(file: Path) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with open(file, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _verify(file: Path) -> None:
    """Raise DataError unless `file` exists and matches data/SHA256SUMS."""
    if not file.is_file():
        raise _rebuild_hint(file, "is missing")
    stat = file.stat()
    key = (str(file), stat.st_size, stat.st_mtime_ns)
    if key in _verified:
        return
    expected, got = _expected_sha256(file), _sha256(file)
    if got != expected:
        raise _rebuild_hint(
            file, f"is corrupt: checksum mismatch (expected SHA-256 {expected[:16]}..., got {got[:16]}...)"
        )
    _verified.add(key)


def record_checksum(name: str) -> str:
    """Write (or replace) the line of dataset `name`'s file in data/SHA256SUMS, the other lines as they are; return
    its SHA-256. For maintainers' tools that make a shipped file: ``dev.py train`` (checkpoints), ``dev.py bench``
    (measured results)."""
    if name not in FILES:
        raise ValueError(f"unknown dataset {name!r}; expected one of: {', '.join(FILES)}")
    file, sums = Path(DATA_DIR) / FILES[name], Path(DATA_DIR) / "SHA256SUMS"
    digest = hashlib.sha256(file.read_bytes()).hexdigest()
    lines = [line for line in sums.read_text().splitlines() if line and not line.endswith(f"  {file.name}")]
    sums.write_text("".join(f"{line}\n" for line in sorted([*lines, f"{digest}  {file.name}"],
                                                           key=lambda line: line.split("  ")[1])))
    return digest


def path(name: str) -> Path:
    """Path of a dataset's file in data/, after checking it against data/SHA256SUMS.

    name: one of "mnist", "fashion_mnist", "digits", "iris", "shakespeare", "names", "camera", "mnist_cnn",
    "dcgan_generator", "bert_pretrained", "gpt_shakespeare", "resnet_depth", "gpt_scaling", "date_warmup".
    Raises ValueError for an unknown name, DataError for a missing or corrupt file.
    """
    if not isinstance(name, str) or name not in FILES:
        raise ValueError(f"unknown dataset {name!r}; expected one of: {', '.join(FILES)}")
    # Read DATA_DIR at call time (not at import) so tests can point it at a copy.
    file = Path(DATA_DIR) / FILES[name]
    _verify(file)
    return file


def _load_npz(file: Path) -> Dataset:
    """All arrays of a .npz, read fully into memory (the file is closed afterwards)."""
    with np.load(file, allow_pickle=False) as archive:
        return Dataset({key: archive[key] for key in archive.files})


def _load_names(file: Path) -> Dataset:
    """names.txt (CSV `name,sex,count`) as three aligned arrays, shape (N,) each."""
    lines = file.read_text(encoding="ascii").splitlines()
    if lines[0] != "name,sex,count":
        raise _rebuild_hint(file, f"has an unexpected header {lines[0]!r}")
    rows = [line.split(",") for line in lines[1:]]
    return Dataset(
        name=np.array([row[0] for row in rows]),
        sex=np.array([row[1] for row in rows]),
        count=np.array([row[2] for row in rows], dtype=np.int64),
    )


def load(name: str) -> Dataset | str:
    """Load a dataset. Shapes (N = number of samples):

    "mnist"          X_train (8000, 28, 28) uint8 0..255, y_train (8000,) uint8 0..9,
                     X_test (2000, 28, 28), y_test (2000,)
    "fashion_mnist"  X_train (10000, 28, 28) uint8, y_train (10000,), X_test (2000, 28, 28),
                     y_test (2000,), class_names (10,) str
    "digits"         X (1797, 64) uint8 0..16 (8x8 images), y (1797,) uint8 0..9
    "iris"           X (150, 4) float64, y (150,) uint8 0..2, feature_names (4,), target_names (3,)
    "camera"         image (512, 512) uint8
    "names"          name (N,) str, sex (N,) str 'F'/'M', count (N,) int64, most births first
    "shakespeare"    a str (not a Dataset) of about 1 MB
    "mnist_cnn"      a state dict (tensors only) for helpers.models.make_cnn(), trained on "mnist"
    "dcgan_generator"  a state dict for helpers.models.Generator(), notebook 10's DCGAN trained longer
    "bert_pretrained"  a state dict for helpers.models.BertPretraining (notebook 12), stored in float16 to halve
                     the file and returned in float32, plus its training losses per 100 steps under "log.mlm" and
                     "log.nsp" (pop them before load_state_dict)
    "gpt_shakespeare"  a state dict for helpers.models.GPT(76, **helpers.training.GPT_CONFIG), notebook 13's
                     character-level GPT, in float16 on disk (float32 here), with its training loss per 100 steps
                     under "log.loss" and its validation loss every 500 steps under "log.val" (rows of step,
                     loss; pop both before load_state_dict)
    "resnet_depth"   a dict: notebook 06's plain and residual MLPs on five seeds ("runs": one dict per run)
    "gpt_scaling"    a dict: notebook 13's five GPT sizes trained for the same tokens ("runs": params, val, ...)
    "date_warmup"    a dict: notebook 11's date Transformer with and without its warm-up on five seeds ("runs")
    """
    file = path(name)
    if name == "shakespeare":
        return file.read_text(encoding="utf-8")
    if name == "names":
        return _load_names(file)
    if file.suffix == ".json":
        return json.loads(file.read_text(encoding="utf-8"))
    if file.suffix == ".pt":
        import torch

        state = torch.load(file, map_location="cpu", weights_only=True)  # tensors only: no code is unpickled
        return {k: v.float() if v.dtype == torch.float16 else v for k, v in state.items()}
    return _load_npz(file)


def _check_pair(X, y, batch_size) -> tuple[np.ndarray, np.ndarray]:
    """Shared input checks for minibatches() and torch_loader(); returns X, y as arrays."""
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError(f"X and y must be arrays with a first (sample) axis, got shapes {X.shape} and {y.shape}")
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same length, got len(X)={len(X)} and len(y)={len(y)}")
    if len(X) == 0:
        raise ValueError("X and y are empty: there is nothing to batch")
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be an integer >= 1, got {batch_size!r}")
    return X, y


def minibatches(
    X, y, batch_size: int, rng=None, shuffle: bool = True
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """An iterator of (X_batch, y_batch) pairs that cover every sample exactly once (one epoch).

    X: (N, ...) array, y: (N, ...) array. Each X_batch is (B, ...) with B = batch_size,
    except the last one, which holds the N % batch_size leftover samples (if any).
    rng: a np.random.Generator, an int seed, or None (a fresh unseeded generator).
    For a reproducible run that still reshuffles every epoch, make the generator once,
    rng = np.random.default_rng(0), and pass the same one to every epoch.
    shuffle=False keeps the original order (e.g. for evaluation).
    """
    X, y = _check_pair(X, y, batch_size)
    if not isinstance(shuffle, bool):
        raise ValueError(f"shuffle must be True or False, got {shuffle!r}")
    if rng is not None and not isinstance(rng, (int, np.integer, np.random.Generator)):
        raise ValueError(f"rng must be None, an int seed or a np.random.Generator, got {type(rng).__name__}")
    order = np.random.default_rng(rng).permutation(len(X)) if shuffle else np.arange(len(X))
    # The checks above run when minibatches() is called; the batches come lazily.
    return _batches(X, y, order, int(batch_size))


def _batches(X, y, order, batch_size) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield X[idx], y[idx] for consecutive chunks idx of `order`, each of shape (B,)."""
    for start in range(0, len(order), batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]


def torch_loader(X, y, batch_size: int = 64, shuffle: bool = True, seed: int = 0):
    """A torch DataLoader over (X, y) with a reproducible shuffle order.

    X: (N, ...) array, becomes a float32 tensor (scale it first, e.g. X / 255.0);
    y: (N,) integer labels, becomes an int64 tensor (what nn.CrossEntropyLoss expects).
    Yields (X_batch (B, ...), y_batch (B,)) tensors; the last batch may be smaller.
    The same seed gives the same order; each new epoch (new iteration) reshuffles.
    """
    # Imported here so that the NumPy-only notebooks do not pay for importing torch.
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    X, y = _check_pair(X, y, batch_size)
    if not isinstance(shuffle, bool):
        raise ValueError(f"shuffle must be True or False, got {shuffle!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed must be an integer, got {seed!r}")
    if not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must hold integer class labels, got dtype {y.dtype}")
    dataset = TensorDataset(torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y, dtype=torch.int64))
    generator = torch.Generator().manual_seed(int(seed))
    return DataLoader(dataset, batch_size=int(batch_size), shuffle=shuffle, generator=generator)
