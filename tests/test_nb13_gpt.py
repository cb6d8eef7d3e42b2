"""Notebook 13's own code (what a student reads) is helpers.scratch.gpt's and helpers.models' GPT classes; its other
functions (the split, the learning-rate schedule, the training windows, the validation loss, the sampling slider)
do what the text says; the shipped checkpoint is the recipe's model and reaches what the notebook claims; the
scaling results come from bench/gpt_scaling.py; the byte-pair encoding learns the most frequent pair each time and
decodes what it encodes; exercises catch common mistakes."""

import math
import re
from collections import Counter

import nbformat
import numpy as np
import pytest
import torch
from exercise_feedback import assert_not_attempted, exercise_tests, first_hints

import helpers.models as models
import helpers.scratch.gpt as gpt_lib
from bench import gpt_scaling
from helpers import data, training
from helpers.exercises.solutions.nb13 import SOLUTIONS, compute_optimal, kv_cache_step, top_p
from helpers.widgets import render, sweep
from tools.notebooks import NOTEBOOKS, assert_same_source, notebook_defs

NOTEBOOK = "13_gpt.ipynb"
NB = notebook_defs(NOTEBOOK)
_CHARS = sorted(set(data.load("shakespeare")))
NB.encode.__globals__.update(chars=_CHARS, char_id={c: i for i, c in enumerate(_CHARS)})  # as the notebook sets them
TAUGHT = ["gpt_block_weights", "count_layers", "gpt_forward", "next_token_loss", "gpt_backward", "gpt_decode",
          "top_k_filter", "next_token_probs", "generate", "gpt_parameter_count"]


def test_notebook_teaches_exactly_the_helpers_code():
    assert_same_source(NOTEBOOK, gpt_lib, TAUGHT)
    assert_same_source(NOTEBOOK, models.gpt, ["Conv1D", "GPTBlock", "GPT"])
    assert set(TAUGHT) | {"top_p_filter", "BLOCK_PREFIX"} >= set(gpt_lib.__all__)  # all of it; top-p is exercise 2
    assert NB.BLOCK_PREFIX == gpt_lib.BLOCK_PREFIX and NB.top_p_filter is gpt_lib.top_p_filter


def test_the_split_and_the_checkpoint_config_are_the_recipes():
    text = data.load("shakespeare")
    chars, train, val = training.char_split(text)
    assert len(chars) == 76 and chars == _CHARS
    ids = np.array([chars.index(c) for c in text[:5000]])
    np.testing.assert_array_equal(NB.encode(text[:5000]), ids)
    assert NB.decode(ids) == text[:5000]
    assert len(train) == int(0.9 * len(text)) and len(train) + len(val) == len(text)
    assert NB.CKPT_CONFIG == training.GPT_CONFIG


def test_the_learning_rate_warms_up_then_follows_a_cosine_to_a_tenth():
    assert NB.lr_at(0) == pytest.approx(NB.LR / NB.WARMUP)
    assert NB.lr_at(NB.WARMUP - 1) == pytest.approx(NB.LR)
    assert NB.lr_at(NB.WARMUP) == pytest.approx(NB.LR)
    assert NB.lr_at(NB.STEPS) == pytest.approx(NB.LR / 10)
    mids = [NB.lr_at(s) for s in range(NB.WARMUP, NB.STEPS)]
    assert all(a >= b for a, b in zip(mids, mids[1:], strict=False))


def test_windows_are_inputs_and_their_next_characters():
    source = np.arange(1000)
    xy = NB.random_windows(source, 5, 16, np.random.default_rng(0))
    assert xy.shape == (5, 17)
    assert torch.equal(xy[:, 1:], xy[:, :-1] + 1)  # consecutive ids: each target is the next one


def test_validation_loss_is_the_benchmarks():
    torch.manual_seed(0)
    model = models.GPT(76, n_positions=32, width=16, layers=1, heads=2)
    _, _, val = training.char_split(data.load("shakespeare"))
    want = training.validation_loss(model, val, 32)
    assert NB.validation_loss(model, val.numpy()) == pytest.approx(want, rel=1e-5)
    few = NB.validation_loss(model, val.numpy(), max_windows=10)
    assert few == pytest.approx(training.validation_loss(model, val[:321], 32), rel=1e-5)


def test_train_gpt_lowers_the_loss():
    torch.manual_seed(0)
    model = models.GPT(76, n_positions=16, width=32, layers=1, heads=2)
    source = NB.encode("to be or not to be, that is the question. " * 50)
    losses = NB.train_gpt(model, source, steps=60)
    assert len(losses) == 60 and np.mean(losses[-10:]) < np.mean(losses[:10]) - 1.0


@pytest.fixture(scope="module")
def shipped():
    state = data.load("gpt_shakespeare")
    log, val_log = state.pop("log.loss"), state.pop("log.val")
    model = models.GPT(76, **training.GPT_CONFIG)
    model.load_state_dict(state)  # strict: every key of the recipe's model, nothing else
    return model.eval(), log, val_log


def test_the_shipped_checkpoint_is_small_and_reaches_what_the_notebook_claims(shipped):
    model, log, val_log = shipped
    assert data.path("gpt_shakespeare").stat().st_size < 5e6
    assert len(log) == training.GPT_STEPS // 100 and log[-1] < log[0] - 1.5
    _, _, val = training.char_split(data.load("shakespeare"))
    source = "\n".join(c.source for c in nbformat.read(NOTEBOOKS / NOTEBOOK, as_version=4).cells)
    floor = float(re.search(r"assert ckpt_val <= ([0-9.]+)", source)[1])
    final = training.validation_loss(model, val, training.GPT_CONFIG["n_positions"])
    assert final <= floor
    # the validation curve: every 500 steps, its last point the stored model's own loss (up to float16 rounding)
    assert val_log.shape == (training.GPT_STEPS // 500, 2)
    assert val_log[:, 0].tolist() == list(range(500, training.GPT_STEPS + 1, 500))
    assert abs(val_log[-1, 1].item() - final) < 0.01 and val_log[-1, 1] < val_log[0, 1] - 0.3


def test_a_checkpoint_for_another_model_is_refused_with_the_mismatch_named(shipped):
    state = data.load("gpt_shakespeare")
    state.pop("log.loss"), state.pop("log.val")
    wrong = models.GPT(76, **{**training.GPT_CONFIG, "width": 64, "heads": 2})
    with pytest.raises(RuntimeError, match="size mismatch for transformer.wte.weight"):
        wrong.load_state_dict(state)


def _question_globals():
    g = NB.question_task.__globals__
    g.update(device=torch.device("cpu"))
    return g


def test_the_question_task_is_balanced_with_its_mark_removed():
    speeches = [["What cheer?", "Good!", "Keep below.", "Where is he?", "Who goes there?", "He comes,"],
                ["Fall to't yarely.", "Is it so?", "no", "Play the men.", "Bestir, bestir!"]]
    lines, labels = NB.question_task(speeches, np.random.default_rng(0))
    assert labels.sum() == 4 and len(labels) == 8  # every question, as many of the 5 statements; "He comes," out
    questions = {"What cheer", "Where is he", "Who goes there", "Is it so"}
    assert {line for line, label in zip(lines, labels, strict=True) if label} == questions
    assert all(line[-1] not in ".!?" for line in lines)
    lines, labels = NB.question_task(speeches, np.random.default_rng(1), n=4)
    assert len(lines) == 4 and labels.sum() == 2


def test_the_test_play_is_one_the_checkpoint_never_read():
    text = data.load("shakespeare")
    plays = NB.play_speeches(text)
    assert list(plays)[-1] == "THE TEMPEST" and text.index("THE TEMPEST") >= int(0.9 * len(text))


def test_last_vectors_read_each_line_at_its_last_character(shipped):
    _question_globals()
    model = models.GPT(76, **training.GPT_CONFIG)
    model.load_state_dict(shipped[0].state_dict())
    model = model.double().eval()
    ids, lengths = NB.line_inputs(["What cheer", "Keep below, I pray now", "x" * 80])
    assert ids.shape == (3, 64) and lengths.tolist() == [11, 23, 64]  # a newline, then the line (its last 63)
    assert NB.decode(ids[0, :11].numpy()) == "\nWhat cheer" and NB.decode(ids[2].numpy()) == "x" * 64
    with torch.no_grad():
        want = model(ids)[torch.arange(3), lengths - 1]
        got = model.lm_head(NB.last_vectors(model, ids, lengths))
        alone = model.lm_head(NB.last_vectors(model, ids[:1], lengths[:1]))  # padding never reaches the line
    torch.testing.assert_close(got, want, atol=1e-10, rtol=1e-10)
    torch.testing.assert_close(alone, want[:1], atol=1e-10, rtol=1e-10)


def test_the_classifier_scores_each_line_from_its_last_vector():
    _question_globals()
    torch.manual_seed(0)
    gpt = models.GPT(76, n_positions=64, width=16, layers=1, heads=2)
    classifier = NB.LastTokenClassifier(gpt)
    ids, lengths = NB.line_inputs(["What cheer", "Keep below"])
    scores = classifier(ids, lengths)
    assert scores.shape == (2, 2)
    torch.testing.assert_close(scores, classifier.head(NB.last_vectors(gpt, ids, lengths)))


def test_the_sampling_slider_changes_the_figure_and_survives_its_ends(shipped):
    model = shipped[0]
    g = NB.draw_sampling.__globals__
    g.update(weights={k: v.double().numpy() for k, v in model.state_dict().items()},
             HEADS=training.GPT_CONFIG["heads"])
    from helpers.widgets import int_slider, slider, text_box

    controls = {"temperature": slider("temperature", 0.8, 0.0, 2.0, 0.05),
                "top_k": int_slider("top-k", 76, 1, 76), "top_p": slider("top-p", 1.0, 0.05, 1.0, 0.05),
                "prompt": text_box("prompt", "But soft, what light")}
    sweep(NB.draw_sampling, controls, figsize=(12, 4.5), ncols=2)
    # unknown characters are dropped from the prompt rather than crashing the slider
    fig, _ = render(NB.draw_sampling, {"temperature": 0.8, "top_k": 76, "top_p": 1.0, "prompt": "{é} Romeo"},
                    figsize=(12, 4.5), ncols=2)
    assert fig.axes[0].patches  # the bars are drawn


def test_the_scaling_results_are_the_scripts():
    assert gpt_scaling.RESULTS == gpt_scaling.SHIPPED == data.path("gpt_scaling")  # what the notebook loads
    saved = data.load("gpt_scaling")
    assert saved["steps"] == gpt_scaling.STEPS
    assert sorted({r["width"] for r in saved["runs"]}) == list(gpt_scaling.WIDTHS)
    assert len(saved["runs"]) == len(gpt_scaling.WIDTHS) * len(gpt_scaling.SEEDS)
    for r in saved["runs"]:
        model = models.GPT(76, 64, r["width"], 4, max(1, r["width"] // 32))
        assert r["params"] == sum(p.numel() for p in model.parameters()) - 64 * r["width"]
    by_width = {w: np.mean([r["val"] for r in saved["runs"] if r["width"] == w]) for w in gpt_scaling.WIDTHS}
    assert all(by_width[a] > by_width[b] for a, b in zip(gpt_scaling.WIDTHS, gpt_scaling.WIDTHS[1:], strict=False))


def test_the_optional_cell_reads_a_gpt2lmheadmodel_state_dict_as_it_is():
    import transformers  # test-only: a random GPT2LMHeadModel built here, never downloaded

    torch.manual_seed(0)
    config = transformers.GPT2Config(vocab_size=50, n_positions=16, n_embd=32, n_layer=2, n_head=4)
    model = transformers.GPT2LMHeadModel(config).double().eval()
    weights = NB.numpy_weights(model.state_dict())
    assert "transformer.h.0.attn.c_attn.bias" in weights and "transformer.h.0.attn.bias" not in weights
    ids = np.random.default_rng(0).integers(0, 50, size=(1, 10))
    logits, _ = gpt_lib.gpt_forward(ids, weights, 4)
    np.testing.assert_allclose(logits, model(torch.tensor(ids)).logits.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_stubs_count_as_not_attempted(capsys):
    assert_not_attempted({"13.kv_cache_step": NB.my_kv_step, "13.top_p": NB.my_top_p,
                          "13.compute_optimal": NB.my_compute_optimal}, capsys)


# ---- byte-pair encoding ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def merges():
    return NB.train_bpe(data.load("shakespeare")[:20_000], 120)


def test_the_pieces_cover_every_character_and_never_join_a_word_to_the_next():
    rng = np.random.default_rng(0)
    alphabet = list("ab Z9_'\t\n.,!é«東🎭") + ["  ", "'s", "'ll"]
    for _ in range(200):
        s = "".join(rng.choice(alphabet, size=int(rng.integers(0, 30))))
        assert "".join(NB.PIECE.findall(s)) == s, repr(s)
    assert NB.PIECE.findall("the king's men  ran 42 times!") == ["the", " king", "'s", " men", " ", " ran", " 42",
                                                                  " times", "!"]


def _replayed_counts(text, merges):
    """After each learned merge (in order): the pair counts of `text`'s pieces, counted again from nothing."""
    words = Counter(tuple(p.encode("utf-8")) for p in NB.PIECE.findall(text))
    for pair, new in merges.items():
        counts = NB.pair_counts(words)
        yield pair, counts
        words = Counter({NB.merge(w, pair, new): n for w, n in words.items()})


def test_each_merge_is_a_most_frequent_pair_counted_from_nothing(merges):
    text = data.load("shakespeare")[:20_000]
    assert list(merges.values()) == list(range(256, 256 + 120))
    for pair, counts in _replayed_counts(text, merges):
        assert counts[pair] == max(counts.values()) >= 2, pair


def test_merge_replaces_left_to_right_without_overlaps():
    assert NB.merge((1, 1, 1, 2, 1, 1), (1, 1), 9) == (9, 1, 2, 9)
    assert NB.merge((3, 4, 3, 4), (4, 3), 7) == (3, 7, 4)
    assert NB.merge((), (1, 2), 5) == ()


def test_encode_applies_the_merges_in_their_order_and_decode_inverts_it(merges):
    rng = np.random.default_rng(1)
    text = data.load("shakespeare")
    for start in rng.integers(0, len(text) - 300, size=20):
        chunk = text[start:start + 300]
        want = []
        for piece in NB.PIECE.findall(chunk):  # the reference: every merge, in the order learned
            tokens = tuple(piece.encode("utf-8"))
            for pair, new in merges.items():
                tokens = NB.merge(tokens, pair, new)
            want.extend(tokens)
        assert NB.bpe_encode(chunk, merges) == want
        assert NB.bpe_decode(want, merges) == chunk
    for s in ["", "é", "Ariel « café » 東京 🎭\n\t_x_", "a" * 50]:
        assert NB.bpe_decode(NB.bpe_encode(s, merges), merges) == s


def test_the_table_of_tokens_is_the_bytes_then_the_merges(merges):
    table = NB.token_bytes(merges)
    assert len(table) == 256 + len(merges) and all(table[i] == bytes([i]) for i in range(256))
    assert all(table[new] == table[a] + table[b] for (a, b), new in merges.items())


# ---- exercises: wrong answers get specific feedback ------------------------------------------------------------

def _softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _no_renorm(probs, p):
    kept = top_p(probs, p)
    return np.where(kept > 0, probs, 0.0)


def _stops_short(probs, p):
    order = np.argsort(-probs)
    keep = np.zeros(len(probs), bool)
    keep[order] = np.cumsum(probs[order]) <= p
    keep[order[0]] = True  # where the most likely token alone passes p, it is the right answer: keep it
    kept = np.where(keep, probs, 0.0)
    return kept / kept.sum()


def _kv_step(attend):
    """A KV step that appends the new key and value, then returns attend(q, K, V, k, v, d) as its output."""
    def step(x, K, V, Wq, Wk, Wv):
        q, k, v = x @ Wq, x @ Wk, x @ Wv
        K2, V2 = np.vstack([K, k]), np.vstack([V, v])
        return attend(q, K2, V2, k, v, len(q)), K2, V2
    return step


def _past_only(x, K, V, Wq, Wk, Wv):
    q = x @ Wq
    out = _softmax(K @ q / math.sqrt(len(q))) @ V  # attends before its own key is in the cache
    return out, np.vstack([K, x @ Wk]), np.vstack([V, x @ Wv])


def _cache_replaced(x, K, V, Wq, Wk, Wv):
    out, K2, V2 = kv_cache_step(x, K, V, Wq, Wk, Wv)
    return out, K2[-1:], V2[-1:]


def _cache_not_grown(x, K, V, Wq, Wk, Wv):
    return kv_cache_step(x, K, V, Wq, Wk, Wv)[0], K, V


def _cache_prepended(x, K, V, Wq, Wk, Wv):
    out, K2, V2 = kv_cache_step(x, K, V, Wq, Wk, Wv)
    return out, np.roll(K2, 1, axis=0), np.roll(V2, 1, axis=0)


def _cache_swapped(x, K, V, Wq, Wk, Wv):
    out, K2, V2 = kv_cache_step(x, K, V, Wq, Wk, Wv)
    return out, V2, K2


def _kv_torch(x, K, V, Wq, Wk, Wv):
    out, K2, V2 = kv_cache_step(x, K, V, Wq, Wk, Wv)
    return torch.tensor(out).numpy(), K2, V2


WRONG = [
    ("13.kv_cache_step", _past_only, "attends to ITSELF too"),
    ("13.kv_cache_step", _kv_step(lambda q, K, V, k, v, d: v), "attends only to itself"),
    ("13.kv_cache_step", _kv_step(lambda q, K, V, k, v, d: _softmax(K @ q) @ V), "sqrt(d)"),
    ("13.kv_cache_step", _kv_step(lambda q, K, V, k, v, d: _softmax(V @ q / math.sqrt(d)) @ K),
     "compared with the KEYS"),
    ("13.kv_cache_step", _kv_step(lambda q, K, V, k, v, d: np.exp(K @ q / math.sqrt(d)) @ V), "sum to 1"),
    ("13.kv_cache_step", _kv_step(lambda q, K, V, k, v, d: V.mean(axis=0)), "the same weight"),
    ("13.kv_cache_step", _kv_step(lambda q, K, V, k, v, d: q), "differs from the full recompute"),
    ("13.kv_cache_step", _kv_step(lambda q, K, V, k, v, d: K @ q), "shape (d,)"),
    ("13.kv_cache_step", _cache_replaced, "do not replace them"),
    ("13.kv_cache_step", _cache_not_grown, "has not grown"),
    ("13.kv_cache_step", _cache_prepended, "at the END"),
    ("13.kv_cache_step", _cache_swapped, "come back swapped"),
    ("13.kv_cache_step", lambda x, K, V, Wq, Wk, Wv: kv_cache_step(x, K, V, Wq, Wk, Wv)[0], "a tuple (out, K, V)"),
    ("13.kv_cache_step", _kv_torch, "write it in NumPy"),
    ("13.top_p", _no_renorm, "sum to 1 again"),
    ("13.top_p", _stops_short, "reach p too"),
    ("13.top_p", lambda probs, p: probs, "probabilities unchanged"),
    ("13.top_p", lambda probs, p: np.full_like(probs, 1 / len(probs)), "differ from the nucleus"),
    ("13.top_p", lambda probs, p: gpt_lib.top_p_filter(probs, p), "not with the course's top_p_filter"),
    ("13.compute_optimal", lambda C, r=20: compute_optimal(C, r)[::-1], "the other way round"),
    ("13.compute_optimal", lambda C, r=20: (math.sqrt(C / r), math.sqrt(C * r)), "keep the 6"),
    ("13.compute_optimal", lambda C, r=20: compute_optimal(3 * C, r), "forward pass only"),
    ("13.compute_optimal", lambda C, r=20: (C / (6 * r), C / 6), "square root"),
    ("13.compute_optimal", lambda C, r=20: (math.sqrt(C / 6),) * 2, "1 token per parameter"),
    ("13.compute_optimal", lambda C, r=20: compute_optimal(C, 20), "not always 20"),
    ("13.compute_optimal", lambda C, r=20: (math.sqrt(C / 6) / 2, 2 * math.sqrt(C / 6)), "D/N = 4,"),
    ("13.compute_optimal", lambda C, r=20: (1.0, 2.0), "not the budget"),
    ("13.compute_optimal", lambda C, r=20: compute_optimal(C, r)[0], "a tuple (N, D)"),
    ("13.compute_optimal", lambda C, r=20: ("1e9", "2e10"), "answer with a number"),
]


(test_reference_solutions_pass, test_wrong_answers_are_rejected_with_a_hint,
 test_every_checker_has_wrong_answers) = exercise_tests(SOLUTIONS, WRONG)


def test_first_hints_do_not_give_the_answer_away():
    firsts = first_hints("13", SOLUTIONS)
    for key, text in firsts.items():
        assert not any(code in text for code in ("vstack", "concatenate", "sqrt", "@", "cumsum", "argsort", "6·r",
                                                 "N²")), key


def test_the_solutions_agree_with_the_full_recompute_pytorch_and_the_library():
    rng = np.random.default_rng(0)
    X, (Wq, Wk, Wv) = rng.normal(size=(7, 5)), rng.normal(size=(3, 5, 4))
    K, V, outs = np.zeros((0, 4)), np.zeros((0, 4)), []
    for x in X:
        out, K, V = kv_cache_step(x, K, V, Wq, Wk, Wv)
        outs.append(out)
    want = torch.nn.functional.scaled_dot_product_attention(*(torch.tensor(X @ W)[None] for W in (Wq, Wk, Wv)),
                                                            is_causal=True)[0]
    np.testing.assert_allclose(np.array(outs), want.numpy(), rtol=1e-12, atol=1e-12)
    probs = _softmax(rng.normal(size=20))
    np.testing.assert_allclose(top_p(probs, 0.7), gpt_lib.top_p_filter(probs, 0.7), atol=1e-15)
    N, D = compute_optimal(5.76e23)  # Chinchilla's own budget: 70B parameters on 1.4T tokens
    assert N == pytest.approx(69.3e9, rel=0.01) and D == pytest.approx(1.39e12, rel=0.01)
