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
from exercise_feedback import exercise_tests, first_hints

import helpers.scratch.attention as attention_lib
from helpers.exercises import check
from helpers.exercises.solutions.nb11 import SOLUTIONS, masked_attention
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
    model, losses = NB.train_dates(seed=0)
    assert len(losses) == 30 and np.all(np.isfinite(losses)) and np.mean(losses[-5:]) < np.mean(losses[:5])
    assert not model.training


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
    def stub(*args):
        ...  # your code here

    for key, answer in [("11.masked_attention", stub), ("11.mha_params", ...), ("11.attention_memory", ...)]:
        assert check(key, answer) is False
        assert "not attempted yet" in capsys.readouterr().out


def _softmax(s, axis=-1):
    e = np.exp(s - s.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _attention(mistake):
    def answer(q, k, v, mask):
        s = q @ k.swapaxes(-1, -2)
        scale = {"no scale": 1, "scale by d": q.shape[-1]}.get(mistake, np.sqrt(q.shape[-1]))
        s = s / scale
        if mistake == "after softmax":
            return (_softmax(s) * mask) @ v
        if mistake == "ignored":
            return _softmax(s) @ v
        if mistake == "big negative":  # -1e9 instead of -inf is right too
            return _softmax(np.where(mask, s, -1e9)) @ v
        if mistake == "transposed":
            return (_softmax(np.where(mask, s, -np.inf)) @ v).swapaxes(-1, -2)
        if mistake == "wrong axis":
            with np.errstate(all="ignore"):
                return _softmax(np.where(mask, s, -np.inf), axis=-2) @ v
        return _softmax(np.where(mask, s, -np.inf)) @ v
    return answer


def test_a_large_negative_instead_of_minus_infinity_is_accepted(capsys):
    assert check("11.masked_attention", _attention("big negative")) is True, capsys.readouterr().out


WRONG = [
    ("11.masked_attention", _attention("no scale"), "not scaled"),
    ("11.masked_attention", _attention("scale by d"), "not by d"),
    ("11.masked_attention", _attention("after softmax"), "before the softmax"),
    ("11.masked_attention", _attention("ignored"), "no effect"),
    ("11.masked_attention", _attention("transposed"), "should have shape"),
    ("11.masked_attention", lambda q, k, v, mask: NB.attention(q, k, v, mask)[0], "without our attention"),
    ("11.masked_attention", lambda q, k, v, mask: torch.zeros(3), "uses torch"),
    ("11.mha_params", 4 * 512 * 512, "also has a bias"),
    ("11.mha_params", 3 * 512 * 512 + 3 * 512, "a fourth"),
    ("11.mha_params", 8 * (4 * 512 * 512 + 4 * 512), "do not multiply"),
    ("11.mha_params", 4 * 64 * 512 + 4 * 512, "8 of them"),
    ("11.mha_params", 1_000_000, "is not the count"),
    ("11.mha_params", "1050624", "answer with a number"),
    ("11.attention_memory", 4.0, "one head's"),
    ("11.attention_memory", 96.0, "not 8"),
    ("11.attention_memory", 576.0, "all 12 layers"),
    ("11.attention_memory", 12 * 1024 * 4 / 2**20, "1,024² per head"),
    ("11.attention_memory", 50.331648, "MB"),
    ("11.attention_memory", 10.0, "is not it"),
]


(test_reference_solutions_pass, test_wrong_answers_are_rejected_with_a_hint,
 test_every_checker_has_wrong_answers) = exercise_tests(SOLUTIONS, WRONG)


def test_wrong_axis_softmax_is_named(capsys):
    assert check("11.masked_attention", _attention("wrong axis")) is False
    out = capsys.readouterr().out
    assert "wrong axis" in out or "differs from PyTorch" in out


def test_first_hints_do_not_give_the_answer_away():
    firsts = first_hints("11", SOLUTIONS)
    assert "-inf" not in firsts["11.masked_attention"] and "np.where" not in firsts["11.masked_attention"]
    assert "1050624" not in firsts["11.mha_params"].replace(",", "") and "4 ·" not in firsts["11.mha_params"]
    assert "48" not in firsts["11.attention_memory"] and "2^20" not in firsts["11.attention_memory"]


def test_the_solution_agrees_with_the_notebooks_attention():
    rng = np.random.default_rng(0)
    q, k, v = rng.normal(size=(2, 4, 8)), rng.normal(size=(2, 6, 8)), rng.normal(size=(2, 6, 3))
    mask = NB.causal_mask(6)[2:]
    np.testing.assert_allclose(masked_attention(q, k, v, mask), NB.attention(q, k, v, mask)[0], **TIGHT)
