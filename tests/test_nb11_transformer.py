"""Notebook 11's own code (what a student reads) is helpers.scratch.attention's code; its other functions (the
softmax saturation measurement, the date task, the date Transformer in PyTorch and in NumPy,
greedy decoding, the cross-attention maps and sliders) do what the text says; every exercise's reference
solution passes and common mistakes are caught with a hint."""

import datetime
import inspect

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from exercise_feedback import assert_not_attempted, exercise_tests, first_hints

import helpers.scratch.attention as attention_lib
from helpers.exercises import check
from helpers.exercises.solutions.nb11 import SOLUTIONS, decoder_pairs, score_scale, shift_matrix
from helpers.widgets import int_slider, slider, sweep
from tools.notebooks import assert_same_source, notebook_defs

NOTEBOOK = "11_transformer.ipynb"
CONSTANTS = ["ACTIVATIONS", "MHA_KEYS", "FF_NORM_KEYS", "ENCODER_LAYER_KEYS", "DECODER_LAYER_KEYS"]
TAUGHT = [n for n in attention_lib.__all__ if n not in CONSTANTS]
NB = notebook_defs(NOTEBOOK)
TIGHT = {"rtol": 1e-10, "atol": 1e-12}


def test_notebook_teaches_exactly_the_helpers_code():
    assert_same_source(NOTEBOOK, attention_lib, TAUGHT)


def test_every_public_helper_is_taught_and_the_constants_are_the_same():
    assert all(inspect.isfunction(getattr(attention_lib, n)) for n in TAUGHT)
    for name in CONSTANTS:
        assert getattr(NB, name) == getattr(attention_lib, name), f"{name} differs between the notebook and the helper"


def test_the_notebook_imports_the_checks_its_code_calls():
    import helpers.scratch.validate as validate

    for name in ("check_attention", "check_mha", "check_mask", "check_params", "check_layer_input"):
        assert getattr(NB, name) is getattr(validate, name)


def test_saturation_grows_without_the_scale_and_not_with_it():
    NB.saturation.__globals__["rng"] = np.random.default_rng(0)
    small, large = NB.saturation(4, 1.0, n=500), NB.saturation(1024, 1.0, n=500)
    assert large[0] > 10 * small[0] / 2 and large[1] > small[1] and large[2] < small[2]
    for d in (4, 1024):
        std, largest, grad = NB.saturation(d, 1 / np.sqrt(d), n=500)
        assert abs(std - 1) < 0.1 and largest < 0.4 and grad > 0.8


def test_temperature_slider_changes_the_figure_and_ends_sensibly():
    NB.draw_temperature.__globals__["temp_scores"] = np.random.default_rng(0).normal(size=8)
    texts = sweep(NB.draw_temperature, {"scale": slider("scale", 1.0, 0.0, 8.0, step=0.25)}, figsize=(7, 4))
    # scale 0: every key gets the same weight 1/8; scale 8: one key takes almost all of it
    assert texts[("scale", 0.0)] == "largest weight 0.12, smallest 0.125"
    largest = float(texts[("scale", 8.0)].split("largest weight ")[1].split(",")[0])
    assert largest > 0.9


# ---------------------------------------------------------------------------------------------------------------
# The date task


def test_dates_are_spoken_and_encoded_as_the_text_says():
    assert NB.spoken(datetime.date(2024, 3, 7)) == "7 Mar 2024"
    assert NB.spoken(datetime.date(1900, 12, 31)) == "31 Dec 1900"
    dates = [datetime.date(2024, 3, 7), datetime.date(1999, 11, 30)]
    src, tgt = NB.encode_dates(dates)
    assert src.shape == (2, NB.SRC_LEN) and tgt.shape == (2, NB.TGT_LEN)
    assert "".join(NB.TOKENS[i] for i in src[0]) == "2024-03-07"
    assert tgt[0, 0] == NB.START and NB.decode_tokens(tgt[0, 1:]) == "7 Mar 2024"
    assert NB.decode_tokens(tgt[1, 1:]) == "30 Nov 1999" and tgt[1, -1] == NB.END  # the longest target fills TGT_LEN
    assert tgt[0, -1] == NB.PAD and tgt[0, -2] == NB.END  # a shorter one is padded after </s>
    assert NB.N_DATES == 73049 and len(set(NB.TOKENS)) == len(NB.TOKENS)


def _model(seed=0):
    torch.manual_seed(seed)
    model = NB.DateTransformer().eval()
    with torch.no_grad():  # random layer norms, so that a mix-up of weight and bias cannot hide
        for name, t in model.named_parameters():
            if ".norm" in name:
                t.normal_()
    return model


def _globals(**values):
    for f in (NB.numpy_logits, NB.date_maps, NB.block_shares, NB.exact_match, NB.draw_map):
        f.__globals__.update(values)


@pytest.fixture(scope="module")
def dates():
    all_dates = [NB.FIRST_DAY + datetime.timedelta(days=n) for n in range(0, NB.N_DATES, 97)]
    src_all, tgt_all = NB.encode_dates(all_dates)
    return all_dates, src_all, tgt_all


def test_the_numpy_date_model_gives_the_torch_models_logits(dates):
    all_dates, src_all, tgt_all = dates
    model = _model().double()
    P = NB.numpy_date_model(model)
    ours, maps = NB.numpy_logits(P, src_all[:20], tgt_all[:20, :-1])
    with torch.no_grad():
        theirs = model(torch.tensor(src_all[:20]), torch.tensor(tgt_all[:20, :-1])).numpy()
    np.testing.assert_allclose(ours, theirs, **TIGHT)
    assert len(maps) == NB.N_LAYERS and maps[0].shape == (20, NB.N_HEADS, NB.TGT_LEN - 1, NB.SRC_LEN)
    np.testing.assert_allclose(maps[0].sum(axis=-1), 1, rtol=1e-12)


class _Oracle(torch.nn.Module):
    """A stand-in model whose decoder always scores the right next token (or always </s>) highest."""

    def __init__(self, src_all, tgt_all, stop_at_once=False):
        super().__init__()
        self.targets = {tuple(s): t for s, t in zip(src_all.tolist(), tgt_all.tolist(), strict=True)}
        self.stop_at_once = stop_at_once

    def encode(self, src):
        return src

    def decode(self, tgt_in, memory):
        B, T = tgt_in.shape
        logits = torch.zeros(B, T, len(NB.TOKENS))
        for b in range(B):
            target = self.targets[tuple(memory[b].tolist())]
            nxt = NB.END if self.stop_at_once else (target[T] if T < len(target) else NB.PAD)
            logits[b, -1, nxt] = 1.0
        return logits


def test_greedy_decoding_and_exact_match(dates):
    all_dates, src_all, tgt_all = dates
    _globals(all_dates=all_dates, src_all=src_all, tgt_all=tgt_all)
    ids = np.arange(30)
    assert NB.exact_match(_Oracle(src_all, tgt_all), ids) == 1.0
    assert NB.exact_match(_Oracle(src_all, tgt_all, stop_at_once=True), ids) == 0.0
    out = NB.greedy_decode(_model(), torch.tensor(src_all[:4]))
    assert out.shape == (4, NB.TGT_LEN) and torch.all(out[:, 0] == NB.START)


def test_block_shares_measure_attention_on_the_source_block(dates, monkeypatch):
    all_dates, src_all, tgt_all = dates
    P = NB.numpy_date_model(_model().double())
    _globals(all_dates=all_dates, src_all=src_all, tgt_all=tgt_all, P=P)
    ids = np.arange(40)
    shares = NB.block_shares(ids)
    assert shares.shape == (NB.N_LAYERS, 3) and np.all((shares >= 0) & (shares <= 1))

    # attention that falls exactly on each row's source block gives shares of 1
    def perfect(P, src, tgt_in):
        B, T = tgt_in.shape
        day_digits = T - 10
        w = np.zeros((B, NB.N_HEADS, T, NB.SRC_LEN))
        for name, rows in {"day": slice(0, day_digits), "month": slice(day_digits + 1, day_digits + 4),
                           "year": slice(day_digits + 5, day_digits + 9)}.items():
            cols = NB.BLOCKS[name]
            w[:, :, rows, cols] = 1 / (cols.stop - cols.start)
        return None, [w] * NB.N_LAYERS

    monkeypatch.setitem(NB.block_shares.__globals__, "numpy_logits", perfect)
    np.testing.assert_allclose(NB.block_shares(ids), 1.0)


def test_a_short_training_run_lowers_the_loss(dates, monkeypatch):
    all_dates, src_all, tgt_all = dates
    monkeypatch.setitem(NB.train_dates.__globals__, "STEPS", 30)
    _globals(src_all=src_all, tgt_all=tgt_all)
    NB.train_dates.__globals__.update(src_all=src_all, tgt_all=tgt_all, train_ids=np.arange(len(src_all)))
    model, losses, kept = NB.train_dates(seed=0, keep=(10,))
    assert len(losses) == 30 and np.all(np.isfinite(losses)) and np.mean(losses[-5:]) < np.mean(losses[:5])
    assert not model.training and list(kept) == [10] and not kept[10].training
    # the copy is the model as it was after step 10: it has not moved with the 20 steps after it
    assert not torch.equal(kept[10].head.weight, model.head.weight)


class _Trap(torch.nn.Module):
    """A decoder whose likeliest first character leads nowhere: 'a' (0.6), then any of 30 characters (1/30 each),
    against 'b' (0.4), then </s> (0.95). Greedy takes 'a' (0.6 / 30 = 0.02); beam search finds 'b' (0.38)."""

    def encode(self, src):
        return src.float()

    def decode(self, tgt_in, memory):
        V, a, b = len(NB.TOKENS), NB.TOKENS.index("0"), NB.TOKENS.index("1")
        p = torch.full((len(tgt_in), V), 1e-9)
        last = tgt_in[:, -1]
        p[last == NB.START, a], p[last == NB.START, b] = 0.6, 0.4
        p[last == a, 3:33] = 1 / 30
        p[last == b, NB.END], p[last == b, 3] = 0.95, 0.05
        p[(last != NB.START) & (last != a) & (last != b), NB.END] = 1.0
        logits = torch.zeros(len(tgt_in), tgt_in.shape[1], V)
        logits[:, -1] = p.log()
        return logits


def test_beam_search_escapes_the_greedy_trap_and_width_one_is_greedy(dates):
    all_dates, src_all, tgt_all = dates
    src = torch.tensor(src_all[:3])
    greedy, beam = NB.greedy_decode(_Trap(), src), NB.beam_decode(_Trap(), src, width=4)
    assert greedy.shape == beam.shape == (3, NB.TGT_LEN)
    assert NB.decode_tokens(greedy[0, 1:].tolist())[0] == "0" and NB.decode_tokens(beam[0, 1:].tolist()) == "1"
    model = _model()
    assert torch.equal(NB.beam_decode(model, src, width=1), NB.greedy_decode(model, src))


def test_sequence_log_prob_sums_each_characters_log_probability(dates):
    all_dates, src_all, tgt_all = dates
    _globals(all_dates=all_dates, src_all=src_all, tgt_all=tgt_all)
    model = _model().eval()
    texts = [NB.spoken(all_dates[i]) for i in (0, 1)]
    got = NB.sequence_log_prob(model, np.array([0, 1]), texts)
    with torch.no_grad():
        for b in (0, 1):
            ids = [NB.START, *(NB.TOKENS.index(c) for c in texts[b]), NB.END]
            logp = model(torch.tensor(src_all[b:b + 1]), torch.tensor([ids[:-1]])).log_softmax(-1)[0]
            want = sum(logp[t, ids[t + 1]].item() for t in range(len(ids) - 1))
            assert abs(got[b] - want) < 1e-4


def test_cross_attention_slider_changes_the_figure(dates):
    all_dates, src_all, tgt_all = dates
    _globals(all_dates=all_dates, src_all=src_all, tgt_all=tgt_all, P=NB.numpy_date_model(_model().double()),
             test_ids=np.array([3, 40, 7]))
    controls = {"example_index": int_slider("held-out date", 0, 0, 2), "layer": int_slider("layer", 2, 1, 2),
                "head": int_slider("head", 1, 1, NB.N_HEADS)}
    sweep(NB.draw_map, controls, figsize=(7, 5.5))  # raises if an end draws nothing or a slider changes nothing
    fig, ax = plt.subplots()  # the map drawn is the attention of the chosen layer and head, for the chosen date
    NB.draw_map(ax, 1, 2, NB.N_HEADS)
    shown = np.asarray(ax.images[0].get_array())
    plt.close(fig)
    fig, ax = plt.subplots()
    NB.draw_cross_attention(ax, 40, 1, NB.N_HEADS - 1)
    np.testing.assert_array_equal(shown, np.asarray(ax.images[0].get_array()))
    plt.close(fig)


# ---------------------------------------------------------------------------------------------------------------
# Exercises


def test_stubs_count_as_not_attempted(capsys):
    # the notebook's exercise cells, as a student finds them
    def shift_matrix(k, E):
        """M_k (E, E), the same for every position p: PE_{p+k} = PE_p M_k (E even)."""
        ...  # your code here

    def score_scale(d, var_q, var_k):
        """The factor s > 0 that gives s·(q·k) variance 1, for q, k in R^d with entries of variance var_q, var_k."""
        ...  # your code here

    def decoder_pairs(sequences, T, START, END, PAD):
        """Teacher forcing's (decoder_input, target): two int arrays (N, T), one row per sequence of token ids."""
        ...  # your code here

    stubs = {"11.pe_rotation": shift_matrix, "11.score_scale": score_scale, "11.teacher_forcing": decoder_pairs}
    assert set(stubs) == set(SOLUTIONS)
    assert_not_attempted(stubs, capsys)


def _omegas(E):
    return 1 / 10000.0 ** (np.arange(0, E, 2) / E)


def _blocks(E, block):
    """An (E, E) block-diagonal matrix: block(i, w_i) (2x2) for each (sin, cos) pair i."""
    M = np.zeros((E, E))
    for i, w in enumerate(_omegas(E)):
        M[2 * i:2 * i + 2, 2 * i:2 * i + 2] = block(w)
    return M


def _shift(mistake):
    def answer(k, E):
        c, s = (lambda w: np.cos(k * w)), (lambda w: np.sin(k * w))
        return _blocks(E, {
            "same angle": lambda w: [[np.cos(k), -np.sin(k)], [np.sin(k), np.cos(k)]],
            "swapped": lambda w: [[s(w), c(w)], [c(w), -s(w)]],
            "cos sign": lambda w: [[c(w), s(w)], [s(w), c(w)]],  # column 2i right, column 2i+1 not
            "sin sign": lambda w: [[c(w), -s(w)], [-s(w), c(w)]],  # column 2i+1 right, column 2i not
            "speeds": lambda w: [[np.cos(k * w**0.5), -np.sin(k * w**0.5)], [np.sin(k * w**0.5), np.cos(k * w**0.5)]],
            "doubled": lambda w: [[2 * c(w), -2 * s(w)], [2 * s(w), 2 * c(w)]],
            "mirrored": lambda w: [[-c(w), s(w)], [s(w), c(w)]],  # orthogonal, but a reflection
        }[mistake])
    return answer


def _shift_mixing(k, E):
    M = shift_matrix(k, E)
    M[0, -1] = 0.5  # pair 0 takes something from the last pair
    return M


def _shift_by_fit(k, E):
    pe = NB.sinusoidal_positions(k + 200, E)
    return np.linalg.lstsq(pe[:200], pe[k:], rcond=None)[0]


def _shift_blocks_stacked(k, E):
    return np.stack([shift_matrix(k, E)[i:i + 2, i:i + 2] for i in range(0, E, 2)])


def _pairs(mistake):
    def answer(sequences, T, START, END, PAD):
        pad = 0 if mistake == "pad 0" else PAD
        if mistake == "date ids":
            START, END, pad = 1, 2, 0
        inp, tgt = np.full((len(sequences), T), pad), np.full((len(sequences), T), pad)
        for row, seq in enumerate(sequences):
            a = ([START] if mistake != "no start" else []) + list(seq) + ([END] if mistake == "end in input" else [])
            b = list(seq) + ([END] if mistake != "no end" else [])
            inp[row, :len(a[:T])], tgt[row, :len(b)] = a[:T], b
        return {"unshifted": (tgt, tgt), "unshifted input": (inp, inp), "swapped": (tgt, inp),
                "float": (inp.astype(float), tgt.astype(float))}.get(mistake, (inp, tgt))
    return answer


def _pairs_one_row_too_long(sequences, T, START, END, PAD):
    rows = np.full((len(sequences), T + 1), PAD)
    for row, seq in enumerate(sequences):
        rows[row, :len(seq) + 2] = [START, *seq, END]
    return rows, rows


def _pairs_ragged(sequences, T, START, END, PAD):
    return [[START, *s] for s in sequences], [[*s, END] for s in sequences]


def _var(d, vq, vk):
    return d * vq * vk


WRONG = [
    ("11.pe_rotation", lambda k, E: shift_matrix(k, E).T, "the wrong way"),
    ("11.pe_rotation", _shift("same angle"), "the same angle"),
    ("11.pe_rotation", _shift("swapped"), "cos and sin swapped"),
    ("11.pe_rotation", _shift("cos sign"), "the sine columns (2i) are right"),
    ("11.pe_rotation", _shift("sin sign"), "the cosine columns (2i+1) are right"),
    ("11.pe_rotation", _shift("speeds"), "not by the right angle"),
    ("11.pe_rotation", _shift("doubled"), "not a rotation"),
    ("11.pe_rotation", _shift_mixing, "mixes different pairs"),
    ("11.pe_rotation", lambda k, E: np.eye(E), "is the identity"),
    ("11.pe_rotation", lambda k, E: NB.sinusoidal_positions(k + E, E)[k:], "row of positional encodings"),
    ("11.pe_rotation", lambda k, E: NB.sinusoidal_positions(k + 1, E)[k], "a row of PE?"),
    ("11.pe_rotation", lambda k, E: NB.sinusoidal_positions(k + 3, E)[k:], "look like rows of PE"),
    ("11.pe_rotation", _shift_blocks_stacked, "put them on the diagonal"),
    ("11.pe_rotation", lambda k, E: np.eye(E + 1), "must return an (E, E)"),
    ("11.pe_rotation", _shift_by_fit, "a fit to PE's rows"),
    ("11.pe_rotation", _shift("mirrored"), "M_0 must be the identity"),
    ("11.pe_rotation", lambda k, E: shift_matrix(k, E) if k == 0 else _shift("mirrored")(k, E), "differs from PE_p+"),
    ("11.score_scale", lambda d, vq, vk: 1 / np.sqrt(d), "right only when var_q = var_k = 1"),
    ("11.score_scale", lambda d, vq, vk: 1 / d, "s², not by s"),
    ("11.score_scale", lambda d, vq, vk: np.sqrt(_var(d, vq, vk)), "spreads the scores further"),
    ("11.score_scale", lambda d, vq, vk: 1 / _var(d, vq, vk), "one over the standard deviation"),
    ("11.score_scale", lambda d, vq, vk: 1 / np.sqrt(d * (vq + vk)), "multiply, they do not add"),
    ("11.score_scale", lambda d, vq, vk: -1 / np.sqrt(_var(d, vq, vk)), "s is negative"),
    ("11.score_scale", lambda d, vq, vk: 2 / np.sqrt(_var(d, vq, vk)), "has variance 4, not 1"),
    ("11.score_scale", lambda d, vq, vk: "0.1", "answer with a number"),
    ("11.teacher_forcing", _pairs("unshifted"), "the very token it must predict"),
    ("11.teacher_forcing", _pairs("unshifted input"), "the very token it must predict"),
    ("11.teacher_forcing", _pairs("swapped"), "shifted the wrong way"),
    ("11.teacher_forcing", _pairs("no end"), "the target has no END"),
    ("11.teacher_forcing", _pairs("no start"), "has no START"),
    ("11.teacher_forcing", _pairs("end in input"), "never needs to read END"),
    ("11.teacher_forcing", _pairs("pad 0"), "padded with 0, but PAD ="),
    ("11.teacher_forcing", _pairs("date ids"), "use the ids passed in"),
    ("11.teacher_forcing", _pairs("float"), "make the arrays ints"),
    ("11.teacher_forcing", _pairs_one_row_too_long, "must have shape (N, T)"),
    ("11.teacher_forcing", _pairs_ragged, "rows of different lengths"),
    ("11.teacher_forcing", lambda sequences, T, START, END, PAD: decoder_pairs(sequences, T, START, END, PAD)[0],
     "a tuple (decoder_input, target)"),
]


(test_reference_solutions_pass, test_wrong_answers_are_rejected_with_a_hint,
 test_every_checker_has_wrong_answers) = exercise_tests(SOLUTIONS, WRONG)


def test_other_correct_answers_pass_the_check(capsys):
    def via_complex_numbers(k, E):  # pair i as the complex number cos + i·sin, turned by e^{i k ω_i}
        M = np.zeros((E, E))
        for i, z in enumerate(np.exp(1j * k * _omegas(E))):
            M[2 * i:2 * i + 2, 2 * i:2 * i + 2] = [[z.real, -z.imag], [z.imag, z.real]]
        return M

    def as_lists(sequences, T, START, END, PAD):  # plain lists of int32 rows are fine too
        inp, tgt = decoder_pairs(sequences, T, START, END, PAD)
        return inp.astype(np.int32).tolist(), tgt.astype(np.int32)

    for key, answer in [("11.pe_rotation", via_complex_numbers),
                        ("11.pe_rotation", lambda k, E: shift_matrix(k, E).tolist()),
                        ("11.score_scale", lambda d, vq, vk: (d * vq * vk) ** -0.5),
                        ("11.teacher_forcing", as_lists)]:
        assert check(key, answer) is True, capsys.readouterr().out


def test_the_score_scale_statistical_check_is_far_from_its_tolerance():
    """A right factor measures variance 1 well inside the checker's stated tolerance, even at the smallest d."""
    from helpers.exercises import nb11 as checkers

    rng = np.random.default_rng()
    got = [checkers._scaled_score_variance(score_scale(4, 0.3, 7.0), 4, 0.3, 7.0, rng) for _ in range(20)]
    assert max(abs(v - 1) for v in got) < checkers._TOLERANCE / 2
    assert abs(checkers._scaled_score_variance(1.2 * score_scale(16, 2.0, 0.5), 16, 2.0, 0.5, rng) - 1.44) < 0.1


def test_first_hints_do_not_give_the_answer_away():
    firsts = first_hints("11", SOLUTIONS)
    assert not any(s in firsts["11.pe_rotation"] for s in ("block", "−sin", "-sin", "cos b", "zero", "diagonal"))
    assert not any(s in firsts["11.score_scale"] for s in ("√", "sqrt", "var_q·var_k", "d·", "s²", "1/"))
    assert not any(s in firsts["11.teacher_forcing"] for s in ("START", "END", "PAD", "shift", "right"))


def test_the_solutions_agree_with_the_notebooks_code(dates):
    """shift_matrix moves the notebook's positional encodings; decoder_pairs lays out the date task's targets."""
    pe = NB.sinusoidal_positions(600, 64)
    for k in (0, 1, 7, 500):
        np.testing.assert_allclose(pe[:100] @ shift_matrix(k, 64), pe[k:k + 100], rtol=0, atol=1e-10)
    all_dates, _, tgt_all = dates
    texts = [NB.spoken(d) for d in all_dates[:50]]
    index = {t: i for i, t in enumerate(NB.TOKENS)}
    inp, tgt = decoder_pairs([[index[c] for c in t] for t in texts], NB.TGT_LEN - 1, NB.START, NB.END, NB.PAD)
    np.testing.assert_array_equal(tgt, tgt_all[:50, 1:])  # the notebook trains on tgt[:, 1:] ...
    np.testing.assert_array_equal(inp, np.where(tgt_all[:50, :-1] == NB.END, NB.PAD, tgt_all[:50, :-1]))
    # ... and reads tgt[:, :-1], which differs only where it holds </s>, whose target is padding (not in the loss)
    assert np.all(tgt_all[:50, 1:][tgt_all[:50, :-1] == NB.END] == NB.PAD)


def test_the_warmup_results_ship_every_run_of_the_script():
    """bench/date_warmup.py wrote both schedules on every seed into the shipped file the notebook loads."""
    from bench import date_warmup
    from helpers import data

    assert date_warmup.RESULTS == date_warmup.SHIPPED == data.path("date_warmup")
    saved = data.load("date_warmup")
    assert saved["seeds"] == list(date_warmup.SEEDS) and saved["steps"] == NB.STEPS
    keys = [(r["warmup"], r["seed"]) for r in saved["runs"]]
    assert sorted(keys) == sorted((w, s) for w in (True, False) for s in date_warmup.SEEDS)
    assert all(len(r["loss"]) == NB.STEPS // saved["every"] and 0 <= r["exact_match"] <= 1 for r in saved["runs"])


def test_the_warmup_script_trains_the_notebooks_model_both_ways(monkeypatch, tmp_path):
    import json

    from bench import date_warmup

    monkeypatch.setattr(date_warmup, "RESULTS", tmp_path / "w.json")
    result = date_warmup.run(seeds=(0,), steps=20)
    assert json.loads((tmp_path / "w.json").read_text()) == result
    assert [(r["warmup"], r["seed"]) for r in result["runs"]] == [(True, 0), (False, 0)]
    assert all(len(r["loss"]) == 2 for r in result["runs"])
    assert result["runs"][0]["loss"] != result["runs"][1]["loss"]  # only the warm-up differs, and it changes the run
