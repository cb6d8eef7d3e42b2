"""Checkers for notebook 12 (BERT)."""

import numpy as np

from helpers.exercises import exercise, forbid, number_answer, tuple_answer

_IGNORE = -100


def _torch_mlm_loss(logits, labels):
    import torch
    import torch.nn.functional as F

    return F.cross_entropy(torch.tensor(logits).flatten(0, 1), torch.tensor(labels).flatten(),
                           ignore_index=_IGNORE).item()


def _log_softmax(logits):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _variants(logits, labels):
    """What common mistakes compute, to name them: name -> loss."""
    chosen = labels != _IGNORE
    safe = np.where(chosen, labels, 0)
    picked = np.take_along_axis(_log_softmax(logits), safe[..., None], axis=-1)[..., 0]  # (B, L)
    return {
        "all positions": -picked.mean(),
        "sum": -picked[chosen].sum(),
        "no log": -np.take_along_axis(np.exp(_log_softmax(logits)), safe[..., None], axis=-1)[..., 0][chosen].mean(),
        "no softmax": -np.take_along_axis(logits, safe[..., None], axis=-1)[..., 0][chosen].mean(),
        "positive": picked[chosen].mean(),
    }


@exercise("12.mlm_loss",
          hints=("Two steps: the log-probability of the true word at every position (a log-softmax over the last "
                 "axis), then the mean of minus that over the positions that were chosen, and only those.",
                 "log_p = logits − max − log(sum(exp(logits − max))) over axis -1 (stable); pick the true word's "
                 "entry with np.take_along_axis (use any valid id, e.g. 0, where labels is -100); "
                 "chosen = labels != -100.",
                 "return -picked[chosen].mean(), where picked[b, l] = log_p[b, l, labels[b, l]]."))
def _mlm_loss(answer):
    forbid(answer, {"cross_entropy": "write it in NumPy, without PyTorch's cross_entropy",
                    "torch": "write it in NumPy (PyTorch is the referee)"})
    rng = np.random.default_rng()  # fresh inputs on every check
    for B, L, V in [(2, 5, 7), (1, 8, 3), (3, 4, 11)]:
        logits = rng.normal(scale=3.0, size=(B, L, V))
        labels = np.where(rng.random((B, L)) < 0.4, rng.integers(0, V, (B, L)), _IGNORE)
        labels[0, 0] = rng.integers(0, V)  # at least one chosen position
        got = number_answer(answer(logits.copy(), labels.copy()), "the mean loss")
        want = _torch_mlm_loss(logits, labels)
        if np.isclose(got, want, rtol=1e-9, atol=1e-12):
            continue
        for mistake, value in _variants(logits, labels).items():
            if np.isclose(got, value, rtol=1e-9, atol=1e-12):
                raise AssertionError({
                    "all positions": "every position counts in your mean: average over the chosen positions "
                                     "(labels != -100) only",
                    "sum": "that is the sum over the chosen positions; the loss is their mean",
                    "no log": "use the LOG of the true word's probability (cross-entropy is −log p)",
                    "no softmax": "the logits are scores, not log-probabilities: take a log-softmax first",
                    "positive": "the loss is MINUS the mean log-probability (it is >= 0)",
                }[mistake])
        raise AssertionError(f"the loss differs from PyTorch's (B={B}, L={L}, V={V}): {got:.6g} vs {want:.6g}")


_N = 10_000


@exercise("12.mask_counts",
          hints=("First, how many of the 10,000 are chosen to be predicted at all? Then split those.",
                 "15 % are chosen: 1,500. Of the chosen, 80 % / 10 % / 10 %.",
                 "(0.15 · 0.8 · 10,000, 0.15 · 0.1 · 10,000, 0.15 · 0.1 · 10,000)."))
def _mask_counts(answer):
    parts = tuple_answer(answer, 3, "three numbers: (masked, random, unchanged)")
    got = [number_answer(p, "an expected count") for p in parts]
    want = [0.15 * 0.8 * _N, 0.15 * 0.1 * _N, 0.15 * 0.1 * _N]  # 1200, 150, 150
    if np.allclose(got, [0.8 * _N, 0.1 * _N, 0.1 * _N]):
        raise AssertionError("80/10/10 applies to the CHOSEN tokens only: 15 % of the 10,000 are chosen first")
    if np.allclose(got, [0.15 * _N, 0, 0]):
        raise AssertionError("not every chosen token becomes [MASK]: 80 % do, 10 % become a random word, 10 % stay")
    if np.allclose(got, [0.15 * 0.8 * _N, 0.15 * 0.1 * _N, 0.85 * _N]):
        raise AssertionError("'unchanged' counts the chosen tokens that stay as they are (and are predicted), not "
                             "the 85 % that were never chosen")
    assert np.allclose(got, want), f"{tuple(got)} is not it: take 15 % of 10,000, then split it 80 / 10 / 10"


_V, _P, _S, _E = 30522, 512, 2, 768


@exercise("12.embedding_params",
          hints=("Three tables, each with one row of 768 numbers per entry, and a layer norm with its own "
                 "parameters.",
                 "Rows: 30,522 words + 512 positions + 2 segments, each 768 wide; the layer norm has a scale and a "
                 "shift of 768 each.",
                 "(30522 + 512 + 2) · 768 + 2 · 768."))
def _embedding_params(answer):
    n = number_answer(answer, "a count of parameters", whole=True)
    tables = (_V + _P + _S) * _E
    if n == tables:
        raise AssertionError("you counted the three tables; the layer norm after them has a scale and a shift "
                             "(768 each)")
    if n in (_V * _E, _V * _E + 2 * _E):
        raise AssertionError("the position (512) and segment (2) tables are embeddings too")
    if n in ((_V + _P) * _E, (_V + _P) * _E + 2 * _E):
        raise AssertionError("the segment table (2 rows: A and B) is part of it too")
    assert n == tables + 2 * _E, f"{n} is not the count: three tables of 768-wide rows plus the layer norm"
