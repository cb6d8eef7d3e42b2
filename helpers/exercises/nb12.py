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


# ---------------------------------------------------------------------------------------------------------------
# 12.mask_tokens: the 80/10/10 rule, checked statistically on a fresh batch of [CLS] A [SEP] B [SEP] rows

_ROWS, _WIDTH = 3125, 64  # 200,000 tokens per batch
_Z = 6  # every statistical check allows 6 standard errors (a right answer: 2e-9 a statistic, ~10 a check)
_ROW_SPREAD = (0.3, 2.0)  # per-row counts: variance / binomial variance is 1 ± 0.03 on 3,125 rows when each choice
#                           is independent (0.6 and more when exactly rate·n of the whole batch are chosen)
_N_ORDINARY_SMALL = 20  # the small vocabulary's ordinary ids, for the uniformity check of the random words
_NOTEBOOK_MASK, _NOTEBOOK_SPECIALS = 4, 5  # notebook 12's MASK and len(SPECIAL_TOKENS)
_CLS_POS, _A, _SEP1, _B, _SEP2, _PAD_POS = range(6)  # what each position of a row holds


def _layout(len_a, len_b, width):
    """(rows, width) position classes of [CLS] A [SEP] B [SEP] [PAD]... for the given segment lengths."""
    pos = np.arange(width)
    la, lb = np.asarray(len_a)[:, None], np.asarray(len_b)[:, None]
    return np.select([pos == 0, pos <= la, pos == la + 1, pos < la + 2 + lb, pos == la + 2 + lb],
                     [_CLS_POS, _A, _SEP1, _B, _SEP2], _PAD_POS)


def _fill(classes, rng, content, pad, cls, sep):
    """Token ids for a layout: the special ids where they belong, ids drawn from `content` in A and B."""
    ids = rng.choice(np.asarray(content), size=classes.shape).astype(np.int64)
    ids[classes == _CLS_POS] = cls
    ids[(classes == _SEP1) | (classes == _SEP2)] = sep
    ids[classes == _PAD_POS] = pad
    return ids


def _masking_batch(rng, rows, n_special, vocab_size, unk=None, withheld=0.0):
    """(ids, maskable) for `rows` BERT inputs of _WIDTH tokens: PAD 0, CLS 1 or 2, SEP 2 or 3 as the specials,
    A and B of 8 to 30 uniform ordinary ids (3 % of them `unk`, when given). maskable: the ordinary tokens, less a
    share `withheld` of them picked at random (a caller may keep any position out of the choice)."""
    classes = _layout(rng.integers(8, 31, rows), rng.integers(8, 31, rows), _WIDTH)
    ids = _fill(classes, rng, np.arange(n_special, vocab_size), 0, 2 if unk else 1, 3 if unk else 2)
    if unk is not None:
        ids[((classes == _A) | (classes == _B)) & (rng.random(ids.shape) < 0.03)] = unk
    maskable = (ids >= n_special) & (rng.random(ids.shape) >= withheld)
    return ids, maskable


def _observed(split, n_ordinary):
    """The shares one sees of a (mask, random, unchanged) rule: a random word is the old one once in n_ordinary."""
    m, r, u = split
    return np.array([m, r * (1 - 1 / n_ordinary), u + r / n_ordinary])


def _unlabelled_unchanged(n_ordinary):
    """The shares one sees when the chosen tokens that end up unchanged get no label (so count as not chosen)."""
    seen = np.array([0.8, 0.1 * (1 - 1 / n_ordinary), 0])
    return seen / seen.sum()


_SPLITS = [  # (the shares seen of the chosen: [MASK], random, unchanged, given the number of ordinary ids;
    #          the share of rate seen as chosen, where it tells two mistakes apart) -> the mistake
    (lambda k: _observed((0.8, 0.1, 0.1), k), None, None),
    (lambda k: _observed((1.0, 0.0, 0.0), k), None,
     "every chosen token became [MASK]: only 80 % of them do; 10 % become a random ordinary token and 10 % stay as "
     "they are (still predicted), so that the model cannot trust any visible word"),
    (lambda k: _observed((0.8, 0.2, 0.0), k), None,
     "no chosen token stays as it is: of the chosen, 10 % become a random token and 10 % stay unchanged (yours "
     "turns 20 % into random tokens)"),
    (lambda k: _observed((0.8, 0.0, 0.2), k), None,
     "no chosen token becomes a random word: of the chosen, 10 % become a random ordinary token and 10 % stay "
     "unchanged (yours leaves 20 % unchanged)"),
    (_unlabelled_unchanged, lambda k: 0.8 + 0.1 * (1 - 1 / k),  # the same split as 90/10/0, but fewer chosen
     "the chosen tokens that stay as they are have no label: they are predicted too (that is the point of leaving "
     "them), so their label is their own id"),
    (lambda k: _observed((0.9, 0.1, 0.0), k), None,
     "90 % of the chosen became [MASK] and none stays as it is: the 10 % that stay unchanged (but are still "
     "predicted) are missing"),
    (lambda k: _observed((0.9, 0.0, 0.1), k), None,
     "90 % of the chosen became [MASK] and none a random word: the 10 % replaced by a random ordinary token are "
     "missing"),
    (lambda k: _observed((0.1, 0.8, 0.1), k), None,
     "80 % of the chosen became random words and 10 % [MASK]: the other way round; 80 % become [MASK], 10 % a "
     "random word, 10 % stay"),
    (lambda k: _observed((0.1, 0.1, 0.8), k), None,
     "80 % of the chosen stayed unchanged and only 10 % became [MASK]: 80 % become [MASK], 10 % a random word, "
     "10 % stay"),
]


def _chi2_limit(df, z=_Z):
    """Wilson-Hilferty: the point a chi-square with `df` degrees of freedom exceeds as rarely as a normal exceeds z."""
    return df * (1 - 2 / (9 * df) + z * np.sqrt(2 / (9 * df))) ** 3


def _replacement_chi2(masked, ids, replaced, n_special, vocab_size):
    """Chi-square of the random words against uniform ids n_special..vocab_size-1, given that each differs from the
    word it replaced; returns (chi2, df, most off id, its count, its expected count)."""
    k = vocab_size - n_special
    got = np.bincount(masked[replaced] - n_special, minlength=k)[:k]
    expected = (replaced.sum() - np.bincount(ids[replaced] - n_special, minlength=k)[:k]) / (k - 1)
    worst = int(np.argmax(np.abs(got - expected) / np.sqrt(expected)))
    return float(((got - expected) ** 2 / expected).sum()), k - 1, worst + n_special, int(got[worst]), \
        float(expected[worst])


def _row_spread(chosen, maskable):
    """Variance of the per-row chosen counts over what independent choices give (binomial): 1 for the rule."""
    n, c = maskable.sum(axis=1), chosen.sum(axis=1)
    p = c.sum() / n.sum()
    if not 0 < p < 1:
        return 1.0  # nothing or everything chosen: no spread to measure (the share check says what is wrong)
    return float(((c - p * n) ** 2).sum() / (p * (1 - p) * n).sum())


def _masking_outputs(answer, ids, maskable, rng, vocab_size, n_special, mask_id, rate):
    """The student's (masked_ids, labels) as int arrays shaped like ids, the input checked to be untouched."""
    ids_before, maskable_before = ids.copy(), maskable.copy()
    got = tuple_answer(answer(ids, maskable, rng, vocab_size, n_special, mask_id, rate=rate), 2,
                       "a tuple (masked_ids, labels) of two int arrays shaped like ids")
    if not (np.array_equal(ids, ids_before) and np.array_equal(maskable, maskable_before)):
        raise AssertionError("your function changed its input: after the call, ids (or maskable) no longer holds what "
                             "the caller passed; the caller still needs the original ids (for the labels, say). "
                             "Change a copy, and return that")
    out = []
    for name, a in zip(("masked_ids", "labels"), got, strict=True):
        a = np.asarray(a)
        if a.shape != ids.shape:
            raise AssertionError(f"{name} has shape {a.shape}; it must have the shape of ids, {ids.shape}: one entry "
                                 "per token")
        if not np.issubdtype(a.dtype, np.integer):
            raise AssertionError(f"{name} has dtype {a.dtype}: token ids and labels are whole numbers that index a "
                                 "table, so return ints (np.where and np.full keep ints when given ints)")
        out.append(a)
    masked, labels = out
    if np.any(masked == _IGNORE) and not np.any(labels == _IGNORE):
        raise AssertionError("return (masked_ids, labels) in that order: your first array holds the -100s")
    return masked, labels


def _check_masking(masked, labels, ids, maskable, vocab_size, n_special, mask_id, rate, case):
    """Everything about one masked batch; AssertionError naming the first thing that is wrong."""
    chosen = labels != _IGNORE
    bad_label = chosen & (labels != ids)
    if bad_label.any():
        if np.array_equal(labels[bad_label], masked[bad_label]):
            raise AssertionError(f"your labels hold the masked ids ([MASK] or the random word) at {bad_label.sum():,} "
                                 f"chosen positions: a label is what the model must recover, the ORIGINAL id ({case})")
        raise AssertionError(f"at {bad_label.sum():,} chosen positions the label is not the original id ({case}): "
                             "labels hold the original id where a token was chosen, IGNORE (-100) elsewhere")
    same = maskable & (masked == ids)
    if chosen[same].mean() > 0.5:
        raise AssertionError(f"{chosen[same].mean():.0%} of the maskable tokens that your function left alone have a "
                             f"label ({case}): a position that was not chosen is not predicted, so its label is "
                             f"IGNORE (-100); only about {rate:.0%} of the maskable positions get a label")
    unlabelled = (masked != ids) & ~chosen
    if unlabelled.any():
        raise AssertionError(f"{unlabelled.sum():,} tokens were changed but have no label (IGNORE) ({case}): only "
                             "chosen tokens change, and every chosen token gets its original id as its label")
    special = chosen & ~maskable & (ids < n_special)
    if special.any():
        raise AssertionError(f"you chose {special.sum():,} special tokens ([CLS], [SEP], [PAD], ...) ({case}): they "
                             "are never predicted; choose only among the positions where maskable is True")
    withheld = chosen & ~maskable
    if withheld.any():
        raise AssertionError(f"you chose {withheld.sum():,} positions where maskable is False ({case}): they hold "
                             "ordinary words, but the caller keeps them out of the choice; decide from maskable, "
                             "not from the ids")
    if not chosen.any():
        raise AssertionError(f"no token was chosen: every label is IGNORE ({case}); about rate of the maskable "
                             "positions are chosen, and each chosen one gets its original id as its label")
    spread = _row_spread(chosen, maskable)
    if spread < _ROW_SPREAD[0]:
        raise AssertionError(f"every row has (almost) the same share chosen ({case}): the count per row varies "
                             f"{spread:.2f} times as much as independent choices would. The rule decides each "
                             f"maskable position on its own, chosen with probability rate, not a fixed number per row")
    if spread > _ROW_SPREAD[1]:
        raise AssertionError(f"the number chosen per row varies {spread:.1f} times as much as independent choices "
                             f"would ({case}): whole rows are chosen (or left) together; decide each position on its "
                             "own")
    if mask_id != _NOTEBOOK_MASK and np.any(chosen & (masked == _NOTEBOOK_MASK)) and not np.any(masked == mask_id):
        raise AssertionError(f"your chosen tokens become {_NOTEBOOK_MASK}, notebook 12's [MASK], but mask_id = "
                             f"{mask_id} here ({case}): use the mask_id passed in")
    replaced = chosen & (masked != ids) & (masked != mask_id)
    if np.any(masked[replaced] >= vocab_size) or np.any(masked[replaced] < 0):
        raise AssertionError(f"some random words are outside the vocabulary, 0..{vocab_size - 1} ({case})")
    if np.any(masked[replaced] < n_special):
        if n_special != _NOTEBOOK_SPECIALS and np.all(masked[replaced] >= _NOTEBOOK_SPECIALS):
            raise AssertionError(f"your random words start at {_NOTEBOOK_SPECIALS}, but n_special = {n_special} here "
                                 f"({case}): ids {_NOTEBOOK_SPECIALS}..{n_special - 1} are special too; use the "
                                 "n_special passed in")
        raise AssertionError(f"{(masked[replaced] < n_special).sum():,} of your random words are special tokens "
                             f"(ids below n_special = {n_special}) ({case}): a random word is an ordinary token, from "
                             "n_special to vocab_size - 1; a stray [CLS] or [PAD] in a sentence teaches the model "
                             "nothing")
    n_chosen = chosen.sum()
    shares = np.array([(chosen & (masked == mask_id)).sum(), replaced.sum(), (chosen & (masked == ids)).sum()])
    shares = shares / n_chosen
    k = vocab_size - n_special
    n_maskable = maskable.sum()
    share, se = n_chosen / n_maskable, np.sqrt(rate * (1 - rate) / n_maskable)
    for observed, of_rate, mistake in _SPLITS:
        want = observed(k)
        if of_rate is not None and abs(share - of_rate(k) * rate) > _Z * se:
            continue
        if np.all(np.abs(shares - want) <= _Z * np.sqrt(want * (1 - want) / n_chosen) + 1e-12):
            if mistake is None:
                break
            raise AssertionError(f"{mistake} ({case})")
    else:
        want = _observed((0.8, 0.1, 0.1), k)
        raise AssertionError(f"of your chosen tokens {shares[0]:.1%} became [MASK], {shares[1]:.1%} a random word and "
                             f"{shares[2]:.1%} stayed as they were; the rule gives 80 / 10 / 10 (here "
                             f"{want[0]:.1%} / {want[1]:.1%} / {want[2]:.1%} ± {_Z} standard errors, since a random "
                             f"word is the old one once in {k:,}) ({case})")
    if abs(share - rate) > _Z * se:
        if rate != 0.15 and abs(share - 0.15) < _Z * np.sqrt(0.15 * 0.85 / n_maskable):
            raise AssertionError(f"you chose 15 % of the maskable tokens, but rate = {rate} here ({case}): use the "
                                 "rate passed in")
        raise AssertionError(f"you chose {share:.2%} of the maskable tokens, not rate = {rate:.0%} (± {_Z * se:.2%}, "
                             f"{_Z} standard errors) ({case})")
    if k <= 100:  # few enough ordinary ids that each comes up often: the random words must be uniform
        chi2, df, worst, count, expected = _replacement_chi2(masked, ids, replaced, n_special, vocab_size)
        if chi2 > _chi2_limit(df):
            raise AssertionError(f"the random words are not drawn uniformly from the ordinary ids {n_special}.."
                                 f"{vocab_size - 1} ({case}): id {worst} came up {count} times, where about "
                                 f"{expected:.0f} were expected (chi-square {chi2:.0f} on {df} degrees of freedom, "
                                 f"above {_chi2_limit(df):.0f})")


@exercise("12.mask_tokens",
          hints=("Two random decisions for each position: is it chosen (only a maskable position can be, with "
                 "probability rate), and, if it is, which of three things happens to it? The labels remember what "
                 "each chosen position held before any change.",
                 "Of the chosen: 80 % become mask_id, 10 % a random ordinary id (uniform, n_special to "
                 "vocab_size - 1), 10 % stay as they are but still get a label. labels: the original id at every "
                 "chosen position, IGNORE (-100) everywhere else. Take every random number from rng, and change a "
                 "copy of ids, never ids itself.",
                 "With rng, draw one uniform number per position for 'chosen?' (and combine it with maskable) and a "
                 "second one for the action (below 0.8, from 0.8 to 0.9, above). Copy ids; in the copy write mask_id "
                 "where a position is chosen and to be masked, and, where it is chosen and to be replaced, as many "
                 "random ids as there are such positions, drawn with rng.integers. Build the labels from ids, not "
                 "from the copy."))
def _mask_tokens(answer):
    forbid(answer, {"mask_tokens": "write the rule yourself, without the notebook's mask_tokens"})
    rng = np.random.default_rng()  # fresh batches, ids and rate on every check: the answer must be right, not lucky
    # ids 5..n_special-1 are special here, and at least one of them is not mask_id: a random word drawn from
    # notebook 12's ordinary ids (5 and up) shows up as a special token
    n_special = int(rng.integers(7, 11))
    small = (n_special, n_special + _N_ORDINARY_SMALL, int(rng.choice([i for i in range(3, n_special) if i != 4])))
    cases = [  # (n_special, vocab_size, mask_id, rate, share of the ordinary tokens withheld from the choice)
        (_NOTEBOOK_SPECIALS, 3000, _NOTEBOOK_MASK, 0.15, 0.0),  # notebook 12's ids, [UNK]s in the text
        (*small, round(float(rng.uniform(0.25, 0.4)), 2), 0.2),  # other ids, another rate, a caller's own choice
    ]
    for n_special, vocab_size, mask_id, rate, withheld in cases:
        ids, maskable = _masking_batch(rng, _ROWS, n_special, vocab_size,
                                       unk=1 if n_special == _NOTEBOOK_SPECIALS else None, withheld=withheld)
        case = (f"vocab_size = {vocab_size:,}, n_special = {n_special}, mask_id = {mask_id}, rate = {rate}, "
                f"{ids.size:,} tokens")
        masked, labels = _masking_outputs(answer, ids, maskable, np.random.default_rng(rng.integers(2**63)),
                                          vocab_size, n_special, mask_id, rate)
        _check_masking(masked, labels, ids, maskable, vocab_size, n_special, mask_id, rate, case)
    # the rng decides: the same seed gives the same masking, another seed another one
    ids, maskable = _masking_batch(rng, 64, _NOTEBOOK_SPECIALS, 3000)
    seed, other = (int(s) for s in rng.choice(2**62, 2, replace=False))
    runs = [_masking_outputs(answer, ids, maskable, np.random.default_rng(s), 3000, _NOTEBOOK_SPECIALS,
                             _NOTEBOOK_MASK, 0.15) for s in (seed, seed, other)]
    if not all(np.array_equal(a, b) for a, b in zip(runs[0], runs[1], strict=True)):
        raise AssertionError("two calls with generators seeded alike gave different results: take every random "
                             "number from the rng passed in (not np.random), so that a run can be repeated")
    if np.array_equal(runs[0][1], runs[2][1]):
        raise AssertionError("two generators seeded differently chose the very same positions: the choice must be "
                             "random, drawn from the rng passed in, not a fixed pattern or a fixed seed")


# ---------------------------------------------------------------------------------------------------------------
# 12.segment_ids: 0 for [CLS] A [SEP], 1 for B [SEP], 0 on padding, as pair_input builds them

_NOTEBOOK_IDS = {"pad": 0, "cls": 2, "sep": 3}  # notebook 12's PAD, CLS and SEP
_SEGMENT_OF = np.array([0, 0, 0, 1, 1, 0])  # by position class: [CLS], A, first [SEP], B, second [SEP], padding


def _segment_batch(rng, rows, width):
    """Position classes of `rows` >= 3 pairs `width` tokens wide, A and B of random lengths; among them a row without
    padding, one with an empty B and one with an empty A (pair_input makes these from an empty line)."""
    room = width - 3  # the tokens A and B share
    len_a = rng.integers(0, room + 1, rows)
    len_b = rng.integers(0, room - len_a + 1)
    len_b[0] = room - len_a[0]  # no padding
    len_b[1] = 0  # an empty B: [CLS] A [SEP] [SEP]
    len_a[2], len_b[2] = 0, rng.integers(1, room + 1)  # an empty A: [CLS] [SEP] B [SEP]
    order = rng.permutation(rows)
    return _layout(len_a[order], len_b[order], width)


def _segment_mistake(got, classes):
    """What a (B, L) array of 0s and 1s gets wrong, by kind of position; None when nothing specific fits."""
    want = _SEGMENT_OF[classes]
    wrong = {c: bool(np.any(got[classes == c] != want[classes == c])) for c in range(6)}
    if not any(wrong.values()):
        return None
    if wrong[_A] and wrong[_B] and np.all(got[classes == _A] == 1) and np.all(got[classes == _B] == 0):
        return "segments A and B are swapped: [CLS] and sentence A are segment 0, sentence B is segment 1"
    if wrong[_A] or wrong[_B] or wrong[_CLS_POS]:
        return None
    if wrong[_SEP1] and wrong[_SEP2] and np.all(got[classes == _SEP1] == 1) and np.all(got[classes == _SEP2] == 0):
        return ("the first [SEP] gets 1 and the second 0: a running count of the [SEP]s that includes the [SEP] at "
                "the position itself is one step early at each [SEP]. The first [SEP] closes A (0), the second closes "
                "B (1): count only the [SEP]s BEFORE each position")
    parts = [{_SEP1: "the first [SEP] gets 1, but it closes sentence A, so it belongs to segment 0",
              _SEP2: "the second [SEP] gets 0, but it closes sentence B, so it belongs to segment 1",
              _PAD_POS: "the padding gets 1; pair_input gives padding segment 0 (the attention mask hides it "
                        "anyway)"}[c] for c in (_SEP1, _SEP2, _PAD_POS) if wrong[c]]
    return "; ".join(parts)


@exercise("12.segment_ids",
          hints=("Read a row from left to right and count the [SEP]s you have passed: where does that count change, "
                 "and on which side of the change does each [SEP] itself belong? What does padding get?",
                 "Count the [SEP]s strictly BEFORE each position: 0 for [CLS], A and the first [SEP]; 1 for B and the "
                 "second [SEP]; 2 on the padding. Segment 1 is exactly where that count is 1.",
                 "A running sum along each row (axis 1) of the boolean array 'is this token sep_id?' counts the "
                 "[SEP]s up to and including each position; take away the position's own [SEP] to count only those "
                 "before it. Return 1 where that count is 1 and 0 elsewhere, as ints of shape (B, L), for all rows "
                 "at once."))
def _segment_ids(answer):
    rng = np.random.default_rng()  # fresh batches on every check: the answer must be right, not lucky
    pad, cls, sep = (int(i) for i in rng.choice(np.arange(1, 12), 3, replace=False))
    cases = [  # (pad, cls, sep, the ids A and B are made of, width)
        (0, 2, 3, np.r_[1, 4, 5:3000], 32),  # notebook 12's ids and MAX_LEN, [UNK]s and [MASK]s in the text
        (0, 101, 102, np.r_[100, 103, 1000:30522], int(rng.integers(8, 41))),  # bert-base-uncased's ids
        (pad, cls, sep, np.setdiff1d(np.arange(40), [pad, cls, sep]), int(rng.integers(5, 21))),  # PAD is not 0
    ]
    for pad, cls, sep, content, width in cases:
        classes = _segment_batch(rng, int(rng.integers(4, 9)), width)
        ids = _fill(classes, rng, content, pad, cls, sep)
        B, L = ids.shape
        case = f"a batch of {B} rows of {L} tokens, [PAD] = {pad}, [CLS] = {cls}, [SEP] = {sep}"
        before = ids.copy()
        got = answer(ids, sep, pad)
        if not np.array_equal(ids, before):
            raise AssertionError(f"your function changed ids ({case}): build a new array for the segments")
        try:
            got = np.asarray(got)
        except ValueError:  # rows of different lengths
            raise AssertionError(f"your rows have different lengths; return one row of L = {L} segment ids per "
                                 f"input row, an array (B, L) = ({B}, {L}) ({case})") from None
        want = _SEGMENT_OF[classes]
        if got.shape != (B, L):
            if got.shape == (L,) and np.array_equal(got, want[0]):
                raise AssertionError(f"you returned one row, shape ({L},), the first row's segments: the answer is "
                                     f"(B, L) = ({B}, {L}), one row per input ({case})")
            raise AssertionError(f"the segment ids must have the shape of ids, (B, L) = ({B}, {L}); yours have shape "
                                 f"{got.shape} ({case})")
        if np.array_equal(got, want):
            if not np.issubdtype(got.dtype, np.integer):
                raise AssertionError(f"the values are right, but their dtype is {got.dtype}: segment ids index the "
                                     "segment embedding table, so return ints (astype(int) turns True/False and "
                                     "0.0/1.0 into 0/1)")
            continue
        if np.array_equal(got[0], want[0]) and (np.all(got[1:] == 0) or np.all(got == got[0])):
            others = "all 0" if np.all(got[1:] == 0) else "copies of it"
            raise AssertionError(f"only the first row is right, the others are {others} ({case}): compute the "
                                 "segments of every row")
        if (sep, pad) != (_NOTEBOOK_IDS["sep"], _NOTEBOOK_IDS["pad"]):
            notebook_ids = _fill(classes, rng, np.r_[5:3000], **_NOTEBOOK_IDS)
            if np.array_equal(np.asarray(answer(notebook_ids, _NOTEBOOK_IDS["sep"], _NOTEBOOK_IDS["pad"])), want):
                raise AssertionError(f"use the ids passed in (here sep_id = {sep}, pad_id = {pad}), not notebook 12's "
                                     f"SEP = {_NOTEBOOK_IDS['sep']} and PAD = {_NOTEBOOK_IDS['pad']} ({case})")
        if not np.all(np.isin(got, (0, 1))):
            is_sep = ids == sep
            counts = np.cumsum(is_sep, axis=1)
            if np.array_equal(got, counts) or np.array_equal(got, counts - is_sep):
                raise AssertionError(f"that is the count of [SEP]s, which reaches 2 after the second [SEP]; a segment "
                                     f"id is 0 or 1 ({case})")
            raise AssertionError(f"a segment id is 0 or 1; yours holds {np.unique(got)[:6].tolist()} ({case})")
        mistake = _segment_mistake(got, classes)
        if mistake:
            raise AssertionError(f"{mistake} ({case})")
        row = int(np.argmax(np.any(got != want, axis=1)))
        raise AssertionError(f"the segments are not right ({case}): for the row {ids[row].tolist()} yours are "
                             f"{got[row].tolist()}")
