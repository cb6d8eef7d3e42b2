"""Checkers for notebook 11 (the Transformer)."""

import numpy as np

from helpers.exercises import array_answer, exercise, number_answer, tuple_answer
from helpers.scratch.attention import sinusoidal_positions

_CLOSE = {"rtol": 0, "atol": 1e-9}  # float64; angles up to ~1000 rad lose ~1e-13 to rounding


def _rotation(angles):
    """M_k: the block-diagonal (E, E) matrix with block i = [[cos b, -sin b], [sin b, cos b]], b = angles[i]."""
    i = 2 * np.arange(len(angles))
    M = np.zeros((len(i) * 2,) * 2)
    M[i, i] = M[i + 1, i + 1] = np.cos(angles)
    M[i + 1, i] = np.sin(angles)  # column 2i: sin(a + b) = sin a cos b + cos a sin b
    M[i, i + 1] = -np.sin(angles)  # column 2i + 1: cos(a + b) = cos a cos b - sin a sin b
    return M


def _speeds(E):
    return 1 / 10000.0 ** (np.arange(0, E, 2) / E)  # ω_i, as sinusoidal_positions computes them


def _off_blocks(M):
    """M with its 2x2 diagonal blocks set to 0: what mixes different (sin, cos) pairs."""
    out = M.copy()
    for i in range(0, len(M), 2):
        out[i:i + 2, i:i + 2] = 0
    return out


def _unit_pairs(a):
    """True when every (sin, cos) pair of every row of `a` (..., E) has length 1, as in a row of PE."""
    return a.shape[-1] % 2 == 0 and np.allclose(a[..., 0::2] ** 2 + a[..., 1::2] ** 2, 1, atol=1e-9)


def _shift_mistake(M, k, E):
    """Name what is wrong with M (E, E), which is not M_k; None when nothing specific fits."""
    w = _speeds(E)
    if np.allclose(M, np.eye(E), **_CLOSE):
        return f"M_{k} is the identity, which shifts by 0 positions only; PE_p+{k} differs from PE_p"
    if np.allclose(M, _rotation(k * w).T, **_CLOSE):
        return (f"M_{k} turns each pair the wrong way: PE_p M_{k} is PE_p−{k}, not PE_p+{k} (a row vector times M "
                "takes the coefficients from M's COLUMNS)")
    if np.allclose(M, _rotation(k * np.ones_like(w)), **_CLOSE):
        return (f"every pair turns by the same angle k·ω_0 = {k}; each pair turns at its own speed, "
                "ω_i = 1/10000^(2i/E) for columns 2i and 2i+1")
    if not np.allclose(_off_blocks(M), 0, **_CLOSE):
        return ("M_k mixes different pairs: a (sin, cos) pair only ever moves within itself, so everything outside "
                "the 2x2 blocks on the diagonal is 0")
    want = _rotation(k * w)
    sin_cols, cos_cols = (np.allclose(M[:, j::2], want[:, j::2], **_CLOSE) for j in (0, 1))
    if sin_cols:
        return ("the sine columns (2i) are right, the cosine columns (2i+1) are not: expand cos(pω_i + kω_i) and "
                "check which entry multiplies sin(pω_i), and its sign")
    if cos_cols:
        return ("the cosine columns (2i+1) are right, the sine columns (2i) are not: expand sin(pω_i + kω_i) and "
                "check which entry multiplies cos(pω_i), and its sign")
    if not np.allclose(M.T @ M, np.eye(E), atol=1e-9):
        return ("M_k is not a rotation (M_kᵀ M_k ≠ I): it would change the length of PE_p, yet every row of PE has "
                "the same length √(E/2)")
    blocks = np.stack([M[i:i + 2, i:i + 2] for i in range(0, E, 2)])
    if np.allclose(blocks[:, 0, 0], blocks[:, 1, 1], atol=1e-9) and np.allclose(blocks[:, 1, 0], -blocks[:, 0, 1],
                                                                                 atol=1e-9):
        return ("each block is a rotation, but not by the right angle: pair i turns by k·ω_i, "
                "ω_i = 1/10000^(2i/E); is ω_i the one sinusoidal_positions uses, and is the turn the right way?")
    return None


@exercise("11.pe_rotation",
          hints=("Look at one (sin, cos) pair at a time: going from position p to p + k adds the same angle k·ω_i to "
                 "its hand, whatever p is. Write sin(pω_i + kω_i) and cos(pω_i + kω_i) with the angle-addition "
                 "formulas: what multiplies sin(pω_i), and what multiplies cos(pω_i)?",
                 "Pair i (columns 2i and 2i+1) only mixes with itself, so M_k is zero outside 2x2 blocks on the "
                 "diagonal. A row vector times M takes M's columns: column 2i of the block holds the coefficients "
                 "that make sin(pω_i + kω_i), column 2i+1 those that make cos(pω_i + kω_i).",
                 "With b = k·ω_i: sin(a + b) = sin a·cos b + cos a·sin b and cos(a + b) = cos a·cos b − sin a·sin b. "
                 "Start from an (E, E) array of zeros and fill the four entries of each block, rows and columns 2i "
                 "and 2i+1, with all the angles at once or in a loop over the pairs."))
def _pe_rotation(answer):
    rng = np.random.default_rng()  # fresh shifts on every check: the answer must be right, not lucky
    # (k, E): k = 0 first (M_0 = I), E = 2 last (its rows look like PE rows too); large k up to 500
    cases = [(0, int(rng.choice([8, 16]))), (int(rng.integers(1, 10)), 4), (int(rng.integers(10, 100)), 16),
             (int(rng.integers(100, 501)), 64), (int(rng.integers(1, 501)), 8), (0, 64), (int(rng.integers(1, 501)), 2)]
    for k, E in cases:
        case = f"k = {k}, E = {E}"
        got = answer(k, E)
        shape = np.shape(got)
        if shape != (E, E):
            extra = ""
            if len(shape) == 1 and shape[0] == E:
                extra = ": a single vector, a row of PE? M_k is a matrix that turns ANY row PE_p into PE_p+k"
            elif len(shape) == 2 and shape[1] == E and _unit_pairs(np.asarray(got, dtype=np.float64)):
                extra = ": those look like rows of PE; M_k is not a table of positions but the map PE_p -> PE_p+k"
            elif shape == (E // 2, 2, 2):
                extra = ": those are the 2x2 blocks; put them on the diagonal of one (E, E) matrix"
            raise AssertionError(f"shift_matrix({k}, {E}) must return an (E, E) = ({E}, {E}) matrix, got shape "
                                 f"{shape} ({case}){extra}")
        M = array_answer(got, (E, E), "an (E, E) matrix of numbers")
        if E >= 4 and _unit_pairs(M):
            raise AssertionError(f"every row of your matrix is a row of positional encodings ({case}); M_k is not a "
                                 "table of positions but the matrix that turns any PE_p into PE_p+k")
        pe = sinusoidal_positions(k + 64, E)  # 64 positions p, and the same shifted by k
        want = _rotation(k * _speeds(E))  # the identity for k = 0
        moved = pe[:64] @ M
        if np.allclose(M, want, **_CLOSE):
            assert np.allclose(M.T @ M, np.eye(E), atol=1e-7), f"M_k should be orthogonal ({case})"
            continue
        if np.allclose(moved, pe[k:], **_CLOSE):
            raise AssertionError(f"PE_p M_{k} matches PE_p+{k} for the first 64 positions, but M_{k} is not the "
                                 f"rotation ({case}): the slow pairs barely move over 64 positions, so a fit to PE's "
                                 "rows cannot pin them down; build each block from its angle k·ω_i")
        if k == 0:
            swap = np.allclose(_off_blocks(M), 0, **_CLOSE) and np.allclose(np.diag(M), 0, **_CLOSE)
            mistake = _shift_mistake(M, k, E)
            raise AssertionError(f"M_0 must be the identity: a shift by 0 positions changes nothing ({case})" +
                                 (": at k = 0, cos = 1 and sin = 0; are cos and sin swapped in your blocks?" if swap
                                  else f"; {mistake}" if mistake else ""))
        mistake = _shift_mistake(M, k, E)
        if mistake:
            raise AssertionError(f"{mistake} ({case})")
        raise AssertionError(f"PE_p M_{k} differs from PE_p+{k} ({case}): largest difference "
                             f"{np.abs(moved - pe[k:]).max():.3g}")


def _scale_cases(rng, n):
    """n random (d, var_q, var_k) for which the common mistakes all give different factors."""
    cases = []
    while len(cases) < n:
        d, vq, vk = int(rng.integers(2, 1025)), *np.exp(rng.uniform(np.log(0.05), np.log(20), 2))
        factors = [f(d, vq, vk) for f in (*_SCALE_MISTAKES.values(), _score_scale)]
        if min(abs(np.log(a / b)) for i, a in enumerate(factors) for b in factors[i + 1:]) > 0.05:
            cases.append((d, float(vq), float(vk)))
    return cases


def _score_scale(d, vq, vk):
    return 1 / np.sqrt(d * vq * vk)


_SCALE_MISTAKES = {  # what each mistake computes
    "ignores the variances": lambda d, vq, vk: 1 / np.sqrt(d),
    "1/d": lambda d, vq, vk: 1 / d,
    "inverted": lambda d, vq, vk: np.sqrt(d * vq * vk),
    "no square root": lambda d, vq, vk: 1 / (d * vq * vk),
    "variances added": lambda d, vq, vk: 1 / np.sqrt(d * (vq + vk)),
}
_SCALE_MESSAGES = {
    "ignores the variances": "1/√d is right only when var_q = var_k = 1: each term q_j·k_j of the dot product has "
                             "variance var_q·var_k here, not 1",
    "1/d": "dividing by d overdoes it: multiplying a number by s multiplies its variance by s², not by s",
    "inverted": "that factor spreads the scores further instead of shrinking them: it should be small when q·k "
                "varies a lot",
    "no square root": "that divides by the variance itself; multiplying by s multiplies the variance by s², so the "
                      "factor is one over the standard deviation",
    "variances added": "the variances of a PRODUCT of independent numbers with mean 0 multiply, they do not add: "
                       "Var(q_j·k_j) = E[q_j²]·E[k_j²]",
}
_SAMPLES, _TOLERANCE = 40_000, 0.1


def _scaled_score_variance(s, d, vq, vk, rng):
    """The variance of s·(q·k) over _SAMPLES random pairs q, k in R^d with entries of variance vq and vk."""
    q = rng.normal(scale=np.sqrt(vq), size=(_SAMPLES, d))
    k = rng.normal(scale=np.sqrt(vk), size=(_SAMPLES, d))
    return float(np.var(s * np.einsum("nd,nd->n", q, k)))


@exercise("11.score_scale",
          hints=("Start with one term q_j·k_j of the dot product, q_j and k_j independent with mean 0: what is its "
                 "variance? Then add up d independent terms. Last, how does multiplying a number by s change its "
                 "variance?",
                 "Var(q_j·k_j) = E[q_j²]·E[k_j²] = var_q·var_k, so Var(q·k) = d·var_q·var_k; and Var(s·X) = s²·Var(X).",
                 "Choose s so that s² times the variance of q·k is 1, and take the positive root (a negative s would "
                 "flip every score, so the softmax would prefer the keys least like the query)."))
def _score_scale_checker(answer):
    rng = np.random.default_rng()  # fresh sizes and variances on every check: the answer must be right, not lucky
    for d, vq, vk in _scale_cases(rng, 4):
        case = f"d = {d}, var_q = {vq:.3g}, var_k = {vk:.3g}"
        s = number_answer(answer(d, vq, vk), "the factor s")
        want = _score_scale(d, vq, vk)
        if np.isclose(s, want, rtol=1e-9, atol=0):
            continue
        if np.isclose(s, -want, rtol=1e-9, atol=0):
            raise AssertionError(f"s is negative ({case}): the variance is right, but every score flips its sign, so "
                                 "the softmax would prefer the keys LEAST like the query: take the positive root")
        variance = f"with your factor, s·(q·k) has variance {s * s * d * vq * vk:.3g}, not 1"
        for mistake, f in _SCALE_MISTAKES.items():
            if np.isclose(s, f(d, vq, vk), rtol=1e-9, atol=0):
                raise AssertionError(f"{_SCALE_MESSAGES[mistake]} ({case}; {variance})")
        raise AssertionError(f"{variance} ({case})")
    # the factor at work: random q and k with these variances, scaled, have scores of variance 1
    d, vq, vk = int(rng.integers(4, 65)), *(float(v) for v in np.exp(rng.uniform(np.log(0.05), np.log(20), 2)))
    s = number_answer(answer(d, vq, vk), "the factor s")
    measured = _scaled_score_variance(s, d, vq, vk, rng)
    assert abs(measured - 1) < _TOLERANCE, (f"on {_SAMPLES:,} random pairs q, k (d = {d}, var_q = {vq:.3g}, "
                                            f"var_k = {vk:.3g}) the scaled scores have variance {measured:.3f}, "
                                            f"not 1 ± {_TOLERANCE}")


def _decoder_pairs(sequences, T, start, end, pad, with_start=True, with_end=True, end_in_input=False):
    """The reference pairs (input, target), or what a mistake (the keyword arguments) makes of them."""
    inp, tgt = np.full((len(sequences), T), pad), np.full((len(sequences), T), pad)
    for row, seq in enumerate(sequences):
        a = [start] * with_start + list(seq) + [end] * end_in_input
        b = list(seq) + [end] * with_end
        inp[row, :min(len(a), T)], tgt[row, :len(b)] = a[:T], b
    return inp, tgt


def _sequences(rng, N, T, avoid):
    """N sequences of lengths 0..T-1 (one of each extreme), ids 0..19 other than the special ones in `avoid`."""
    ids = np.array([i for i in range(20) if i not in avoid])
    lengths = np.concatenate([[T - 1, 1], rng.integers(0, T, N - 2)])
    rng.shuffle(lengths)
    return [[int(t) for t in rng.choice(ids, n)] for n in lengths]


def _describe_row(seq, row):
    return f"for the sequence {seq} your row is {[int(t) for t in row]}"


@exercise("11.teacher_forcing",
          hints=("When the decoder generates, it writes one token at a time, each time reading what it has written so "
                 "far. In training, position t of the input is what it has read when it must produce position t of "
                 "the target. What does it read before it has written anything, and what must its last output be?",
                 "The input is the target moved one place to the right: the target is the sequence followed by END, "
                 "the input is START followed by the sequence. The rest of both rows is PAD.",
                 "Make both arrays (N, T), full of PAD, with an integer dtype; then, for a sequence of length n, fill "
                 "the first n + 1 places of its input row with START and the sequence, and the first n + 1 places of "
                 "its target row with the sequence and END."))
def _teacher_forcing(answer):
    rng = np.random.default_rng()  # fresh sequences and ids on every check: the answer must be right, not lucky
    date_ids = (1, 2, 0)  # the date task's START, END, PAD
    # then ids that differ from the date task's, PAD too (0, 1 and 2 are then ordinary tokens)
    cases = [(5, 8, *date_ids)] + [(int(rng.integers(3, 8)), int(rng.integers(4, 12)),
                                    *(int(i) for i in rng.choice(np.arange(3, 20), 3, replace=False)))
                                   for _ in range(3)]
    for N, T, start, end, pad in cases:
        seqs = _sequences(rng, N, T, (start, end, pad))
        case = f"N = {N}, T = {T}, START = {start}, END = {end}, PAD = {pad}"
        got = tuple_answer(answer([list(s) for s in seqs], T, start, end, pad), 2,
                           "a tuple (decoder_input, target) of two int arrays (N, T)")
        for name, a in zip(("the decoder input", "the target"), got, strict=True):
            try:
                shape = np.shape(a)
            except ValueError:  # rows of different lengths
                shape = None
            if shape != (N, T):
                shape = "rows of different lengths" if shape is None else f"shape {shape}"
                raise AssertionError(f"{name} must have shape (N, T) = ({N}, {T}), got {shape} ({case}): one row "
                                     "per sequence, each padded to T tokens")
        got_in, got_tgt = (array_answer(a, (N, T), "an (N, T) array of token ids") for a in got)
        want_in, want_tgt = _decoder_pairs(seqs, T, start, end, pad)
        if np.array_equal(got_in, want_in) and np.array_equal(got_tgt, want_tgt):
            dtypes = {name: np.asarray(a).dtype for name, a in zip(("input", "target"), got, strict=True)}
            floats = [f"the {name}'s dtype is {t}" for name, t in dtypes.items() if not np.issubdtype(t, np.integer)]
            assert not floats, (f"the values are right, but {' and '.join(floats)}: token ids are whole numbers that "
                                "index an embedding table, so make the arrays ints (np.zeros, for one, gives floats "
                                "unless told dtype=int)")
            continue
        if np.array_equal(got_in, got_tgt):
            raise AssertionError("the decoder input equals the target: at position t the decoder would read the very "
                                 "token it must predict, so training would drive the loss to almost 0 by copying it; "
                                 "when generating, that token does not exist yet, and a model that learnt to copy is "
                                 "useless. The input must lag one step behind the target")
        if np.array_equal(got_in, want_tgt) and np.array_equal(got_tgt, want_in):
            raise AssertionError("shifted the wrong way: your target lags behind your input, so the decoder would be "
                                 "asked to predict what it has already read (and to produce START, which is given, "
                                 "never generated). The input is the one that starts with START")
        if (start, end, pad) != date_ids:
            fixed_in, fixed_tgt = _decoder_pairs(seqs, T, *date_ids)
            if np.array_equal(got_in, fixed_in) or np.array_equal(got_tgt, fixed_tgt):
                raise AssertionError(f"use the ids passed in (here START = {start}, END = {end}, PAD = {pad}), not "
                                     "the date task's 1, 2 and 0")
        for name, got_a, want_a in (("input", got_in, want_in), ("target", got_tgt, want_tgt)):
            if pad != 0 and np.array_equal(got_a, np.where(want_a == pad, 0, want_a)):
                raise AssertionError(f"the {name} is padded with 0, but PAD = {pad} here ({case}): 0 is an ordinary "
                                     "token id; fill the empty places with PAD")
        if not np.array_equal(got_in, want_in):
            if np.array_equal(got_in, _decoder_pairs(seqs, T, start, end, pad, with_start=False)[0]):
                raise AssertionError("the decoder input has no START: then position 0 of the input already holds the "
                                     "first token it must predict, and so on along the row (input and target are not "
                                     "shifted); the decoder needs a token to read before it has written anything")
            if np.array_equal(got_in, _decoder_pairs(seqs, T, start, end, pad, end_in_input=True)[0]):
                raise AssertionError("the decoder input holds END: the decoder never needs to read END, since nothing "
                                     "comes after it to predict (at that position the target is PAD). The input is "
                                     "START and the sequence, then PAD")
            row = int(np.argmax(np.any(got_in != want_in, axis=1)))
            raise AssertionError(f"the decoder input is not right ({case}): {_describe_row(seqs[row], got_in[row])}")
        if np.array_equal(got_tgt, _decoder_pairs(seqs, T, start, end, pad, with_end=False)[1]):
            raise AssertionError("the target has no END: the model would never learn to stop, and generation would "
                                 "run on until T tokens")
        if np.array_equal(got_tgt, want_in) or np.all(got_tgt[:, 0] == start):
            raise AssertionError("the target starts with START: the decoder is given START, it never has to predict "
                                 "it; the target is what it must write, from the first real token to END")
        row = int(np.argmax(np.any(got_tgt != want_tgt, axis=1)))
        raise AssertionError(f"the target is not right ({case}): {_describe_row(seqs[row], got_tgt[row])}")
