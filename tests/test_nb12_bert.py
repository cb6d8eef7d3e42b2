"""Notebook 12's own code (what a student reads) is helpers.scratch.bert's, helpers.scratch.gelu's tanh GELU and
helpers.models' BERT classes; its other functions (masking statistics, the NumPy masked-LM head, the evaluation and
its p-value, same-play pairs, fill-in-the-blank, the play classifier, the slider) do what the text says; the shipped
checkpoint is the recipe's model and reaches what the notebook claims; exercises catch common mistakes."""

import math
import re

import numpy as np
import pytest
import torch
from exercise_feedback import assert_not_attempted, exercise_tests, first_hints

import helpers.models as models
import helpers.scratch.bert as bert_lib
import helpers.scratch.gelu as gelu_lib
from helpers import data, training
from helpers.exercises import check
from helpers.exercises.solutions.nb12 import SOLUTIONS, mlm_loss, my_mask_tokens, segment_ids
from helpers.widgets import render, sweep
from tools.notebooks import assert_same_source, notebook_defs

NOTEBOOK = "12_bert.ipynb"
CONSTANTS = ["SPECIAL_TOKENS", "PAD", "UNK", "CLS", "SEP", "MASK", "IGNORE"]
NB = notebook_defs(NOTEBOOK)
TIGHT = {"rtol": 1e-10, "atol": 1e-12}


def test_notebook_teaches_exactly_the_helpers_code():
    taught = [n for n in bert_lib.__all__ if n not in CONSTANTS]
    assert_same_source(NOTEBOOK, bert_lib, taught)
    assert_same_source(NOTEBOOK, gelu_lib, ["gelu_tanh", "_gelu_tanh_inner", "gelu_tanh_backward"])
    assert_same_source(NOTEBOOK, models.bert, ["BertLayer", "Bert", "BertPretraining"])


def test_the_constants_and_patterns_are_the_helpers():
    for name in CONSTANTS:
        assert getattr(NB, name) == getattr(bert_lib, name), name
    assert NB.WORD.pattern == bert_lib.WORD.pattern and NB.SPEAKER.pattern == bert_lib.SPEAKER.pattern
    assert NB.GELU_C == gelu_lib.GELU_C
    assert NB.gelu is gelu_lib.gelu and NB.encoder_layer.__module__ == "helpers.scratch.attention"


def test_the_notebook_builds_the_recipes_data_and_model():
    assert NB.VOCAB_SIZE == training.BERT_VOCAB and NB.MAX_LEN == training.BERT_MAX_LEN
    assert NB.CONFIG == training.BERT_CONFIG
    train, _ = NB.hold_out(NB.play_speeches(data.load("shakespeare")))
    vocab = NB.build_vocab((NB.words(line) for sp in train.values() for s in sp for line in s), NB.VOCAB_SIZE)
    assert vocab == training.bert_corpus()[0]


@pytest.fixture(scope="module")
def corpus():
    """The notebook's globals that its functions read (vocab, index, tables), set as the notebook sets them."""
    vocab, train_table, test_table = training.bert_corpus()
    g = NB.evaluate.__globals__
    g.update(vocab=vocab, index={w: i for i, w in enumerate(vocab)}, train_table=train_table, test_table=test_table,
             titles=list(NB.play_speeches(data.load("shakespeare"))))
    return g


@pytest.fixture(scope="module")
def pretrained(corpus):
    state = data.load("bert_pretrained")
    log = {k: state.pop(k) for k in ("log.mlm", "log.nsp")}
    model = NB.BertPretraining(NB.VOCAB_SIZE, **NB.CONFIG)
    model.load_state_dict(state)  # strict: every key of the recipe's model, nothing else
    return model.eval(), log


def test_masking_stats_measures_the_rule_and_catches_a_masked_special_token():
    rng = np.random.default_rng(0)
    ids = rng.integers(5, 3000, size=(4000, 30))
    ids[:, 0] = NB.CLS
    stats = NB.masking_stats(ids, rng)
    assert abs(stats["chosen"] - 0.15) < 0.005 and abs(stats["[MASK]"] - 0.8) < 0.01
    assert abs(stats["random"] - 0.1) < 0.01 and abs(stats["unchanged"] - 0.1) < 0.01
    assert stats["special chosen"] is False

    def careless(ids, rng, vocab_size):  # masks [CLS] too
        labels = np.where(rng.random(ids.shape) < 0.15, ids, NB.IGNORE)
        return np.where(labels != NB.IGNORE, NB.MASK, ids), labels

    NB.masking_stats.__globals__["mask_tokens"] = careless
    try:
        careless_stats = NB.masking_stats(ids, rng)
    finally:
        NB.masking_stats.__globals__["mask_tokens"] = NB.mask_tokens
    assert careless_stats["special chosen"] is True and careless_stats["[MASK]"] == 1.0


def test_numpy_masked_lm_head_equals_pytorch():
    torch.manual_seed(0)
    model = NB.BertPretraining(50, hidden=16, layers=1, heads=2, intermediate=32, max_positions=10).double().eval()
    with torch.no_grad():
        model.mlm_bias.normal_()
    hidden = torch.randn(3, 7, 16, dtype=torch.float64)
    with torch.no_grad():
        want = model.mlm_logits(hidden).numpy()
    np.testing.assert_allclose(NB.mlm_logits(hidden.numpy(), NB.numpy_weights(model)), want, **TIGHT)


def test_binomial_p_value_is_the_exact_upper_tail():
    assert NB.binomial_p_value(0, 10) == 1.0
    assert NB.binomial_p_value(10, 10) == 2**-10
    assert NB.binomial_p_value(2, 3) == 0.5  # (3 + 1) / 8
    z = (1100 - 1000) / math.sqrt(2000 / 4)
    assert abs(NB.binomial_p_value(1100, 2000) - 0.5 * math.erfc(z / math.sqrt(2))) < 2e-5  # normal approximation


def test_evaluate_counts_the_masked_words_and_the_baseline(corpus):
    torch.manual_seed(0)
    model = NB.BertPretraining(NB.VOCAB_SIZE, **NB.CONFIG).eval()
    scores = NB.evaluate(model, corpus["test_table"], 300, seed=5)
    b = NB.pretraining_batch(corpus["test_table"], 300, np.random.default_rng(5), NB.MAX_LEN, NB.VOCAB_SIZE)
    chosen = b["labels"] != NB.IGNORE
    assert scores["masked words"] == chosen.sum()
    assert scores["baseline"] == pytest.approx((b["labels"][chosen] == 5).mean())
    assert 0.05 < scores["baseline"] < 0.15  # ',' is about one word in ten
    assert 0 <= scores["masked accuracy"] < 0.05 and 0.35 < scores["next-sentence accuracy"] < 0.65  # untrained


def test_same_play_pairs_take_the_random_line_from_the_same_play():
    lines = [np.array([i]) for i in range(60)]
    table = (lines, np.repeat([0, 1, 2], 20), np.arange(60) % 5 != 4)
    pairs = NB.same_play_pairs(table, 2000, np.random.default_rng(0))
    assert abs(np.mean([y for *_, y in pairs]) - 0.5) < 0.04
    for a, b, y in pairs:
        i, j = int(a[0]), int(b[0])
        assert (j == i + 1) if y == 1 else (j // 20 == i // 20 and j != i + 1)


def test_nsp_accuracy_compares_predictions_with_the_labels(corpus):
    class Says(torch.nn.Module):  # always answers `label`
        def __init__(self, label):
            super().__init__()
            self.label = label

        def forward(self, ids, segments, lengths):
            return None, torch.nn.functional.one_hot(torch.full((len(ids),), self.label), 2).float()

    pairs = NB.nsp_pairs(*corpus["test_table"], 500, np.random.default_rng(0))
    share = np.mean([y for *_, y in pairs])
    assert NB.nsp_accuracy(Says(1), pairs) == pytest.approx(share)
    assert NB.nsp_accuracy(Says(0), pairs) == pytest.approx(1 - share)


def test_fill_in_reads_the_masked_position(corpus):
    torch.manual_seed(0)
    model = NB.BertPretraining(NB.VOCAB_SIZE, **NB.CONFIG).eval()
    got = NB.fill_in(model, "the king [MASK] dead .", k=4)
    index = corpus["index"]
    tokens = torch.tensor([[NB.CLS, index["the"], index["king"], NB.MASK, index["dead"], index["."], NB.SEP]])
    with torch.no_grad():
        probs = model.mlm_logits(model(tokens, torch.zeros_like(tokens))[0][0, 3]).softmax(-1)
    best = probs.argsort(descending=True)[:4]
    assert [w for w, _ in got] == [corpus["vocab"][i] for i in best]
    assert [p for _, p in got] == pytest.approx(probs[best].tolist())
    with pytest.raises(ValueError, match=r"needs a \[MASK\]"):
        NB.fill_in(model, "no gap here")


def test_question_task_strips_the_mark_and_balances_the_classes(corpus):
    index = corpus["index"]
    lines = [np.array([index[w] for w in ws]) for ws in (["who", "is", "there", "?"], ["go", "home", "."],
                                                       ["stay", "!"], ["what", "say", "you", "?"], ["and", "so", ","],
                                                       ["i", "am", "here", "."], ["it", "is", "done", "!"])]
    got, labels = NB.question_task((lines, None, None), np.random.default_rng(0))
    assert list(labels).count(1) == list(labels).count(0) == 2  # two questions; two of the three statements
    texts = [" ".join(corpus["vocab"][i] for i in line) for line in got]
    assert "who is there" in texts and "what say you" in texts and not any(t.endswith((".", "!", "?")) for t in texts)
    assert "and so ," not in texts and "stay" not in texts  # no end mark / too short: not in the task


def test_single_inputs_wrap_each_line_in_cls_and_sep():
    ids, lengths = NB.single_inputs([np.arange(5, 8), np.arange(5, 60)], max_len=10)
    np.testing.assert_array_equal(ids[0], [NB.CLS, 5, 6, 7, NB.SEP, 0, 0, 0, 0, 0])
    assert ids[1, -1] == NB.SEP and lengths.tolist() == [5, 10]


def test_the_classifier_reads_the_final_cls_vector():
    torch.manual_seed(0)
    encoder = NB.BertPretraining(50, hidden=16, layers=1, heads=2, intermediate=32, max_positions=8).bert.eval()
    clf = NB.Classifier(encoder, 3).eval()
    ids, lengths = torch.tensor([[NB.CLS, 7, 9, NB.SEP, 0]]), torch.tensor([4])
    with torch.no_grad():
        hidden, _ = encoder(ids, torch.zeros_like(ids), lengths)
        torch.testing.assert_close(clf(ids, lengths), clf.head(hidden[:, 0]))


@pytest.fixture(scope="module")
def question(corpus):
    rng = np.random.default_rng(0)
    train = NB.question_task(corpus["train_table"], rng)
    test = NB.question_task(corpus["test_table"], rng)
    corpus.update(train_lines=train[0], train_labels=train[1], test_lines=test[0], test_labels=test[1])
    return corpus


def test_train_head_trains_only_the_head_and_fine_tune_trains_everything(question, pretrained):
    state = {k[len("bert."):]: v for k, v in pretrained[0].state_dict().items() if k.startswith("bert.")}
    question.update(HEAD_STEPS=5, FT_STEPS=3)
    try:
        frozen = NB.train_head(NB.new_encoder(state))
        tuned = NB.fine_tune(NB.new_encoder(state))
    finally:
        question.update(HEAD_STEPS=NB.HEAD_STEPS, FT_STEPS=NB.FT_STEPS)
    for k, v in frozen.bert.state_dict().items():
        assert torch.equal(v, state[k]), f"train_head changed the encoder's {k}"
    assert any(not torch.equal(v, state[k]) for k, v in tuned.bert.state_dict().items())
    acc = NB.accuracy(frozen, question["test_lines"], question["test_labels"])
    assert 0.3 < acc < 0.9 and acc * len(question["test_labels"]) == round(acc * len(question["test_labels"]))


def test_new_encoder_loads_the_weights_or_draws_berts_initialisation(pretrained):
    state = {k[len("bert."):]: v for k, v in pretrained[0].state_dict().items() if k.startswith("bert.")}
    loaded, fresh = NB.new_encoder(state), NB.new_encoder(None, seed=3)
    assert all(torch.equal(v, state[k]) for k, v in loaded.state_dict().items())
    w = fresh.encoder["layer"][0].attention["self"]["query"].weight
    assert abs(w.std().item() - 0.02) < 0.002


def test_the_shipped_checkpoint_is_small_and_reaches_what_the_notebook_claims(corpus, pretrained):
    assert data.path("bert_pretrained").stat().st_size <= 2_500_000  # float16 on disk
    model, log = pretrained
    assert len(log["log.mlm"]) == len(log["log.nsp"]) == 90
    assert log["log.mlm"][-10:].mean() < log["log.mlm"][:3].mean() - 2
    assert log["log.nsp"][-10:].mean() < math.log(2) - 0.03  # the next-sentence loss fell below a coin flip
    scores = NB.evaluate(model, corpus["test_table"], 2000, seed=11)
    assert scores["masked accuracy"] > 2 * scores["baseline"]
    assert NB.binomial_p_value(round(scores["next-sentence accuracy"] * 2000), 2000) < 1e-6
    assert [w for w, _ in NB.fill_in(model, "[MASK] morrow, my lord.", k=3)][0] == "good"


@pytest.fixture(scope="module")
def demo(corpus):
    train_plays, test_plays = NB.hold_out(NB.play_speeches(data.load("shakespeare")))
    return NB.demo_lines(test_plays), train_plays, test_plays


def test_the_demo_lines_are_held_out_known_and_one_per_play(corpus, demo):
    lines, train_plays, test_plays = demo
    training_lines = {line for speeches in train_plays.values() for speech in speeches for line in speech}
    assert len(lines) == len(test_plays) and not set(lines) & training_lines
    for line, speeches in zip(lines, test_plays.values(), strict=True):
        assert any(line in speech for speech in speeches) and 6 <= len(NB.words(line)) <= 10
        assert NB.UNK not in NB.encode(NB.words(line), corpus["index"])


def test_the_fill_in_slider_changes_the_figure_and_survives_its_ends(corpus, pretrained, demo):
    corpus["pretrained"] = pretrained[0]
    lines = demo[0]
    controls = {"line": NB.dropdown("line", lines), "position": NB.int_slider("position", 1, 0, 12)}
    texts = sweep(NB.draw_fill_in, controls, figsize=(7, 4.5))  # every line and both ends draw, differently
    assert len(texts) == len(lines) + 2
    fig, text = render(NB.draw_fill_in, {"line": lines[0], "position": 12})
    tokens = NB.words(lines[0])
    assert text == " ".join([*tokens[:-1], "[MASK]"])  # past the end of a line: its last word is hidden


def test_contextual_vectors_read_the_word_after_the_chosen_words(corpus, pretrained):
    corpus["pretrained"] = pretrained[0]
    lines = ["i will go .", "thy will be done", "will you come ?", "good will and my will"]
    verb, verb_lines = NB.contextual_vectors(pretrained[0], lines, "will", NB.MODAL_BEFORE)
    noun, noun_lines = NB.contextual_vectors(pretrained[0], lines, "will", NB.NOUN_BEFORE)
    assert verb_lines == ["i will go ."] and noun_lines == ["thy will be done", "good will and my will"]
    index = corpus["index"]
    ids = torch.tensor([[NB.CLS, *(index[w] for w in ["thy", "will", "be", "done"]), NB.SEP]])
    with torch.no_grad():
        want = pretrained[0](ids, torch.zeros_like(ids))[0][0, 2].numpy()
    np.testing.assert_allclose(noun[0], want, rtol=1e-6)
    A = np.array([[1.0, 0.0], [0.0, 2.0]])
    assert NB.mean_cosine(A) == pytest.approx(0.0)  # the two rows are orthogonal; a row with itself is left out
    assert NB.mean_cosine(A, A) == pytest.approx(0.5)  # A against a copy of itself: each row meets itself too
    assert NB.mean_cosine(A, np.array([[3.0, 0.0]])) == pytest.approx(0.5)


def test_run_real_bert_equals_hugging_face_on_a_random_local_model():
    """The optional cell's NumPy encoder and masked-LM head against BertForMaskedLM built here (no download)."""
    import transformers

    config = transformers.BertConfig(vocab_size=60, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                                     intermediate_size=64, max_position_embeddings=16, hidden_act="gelu")
    torch.manual_seed(0)
    hf = transformers.BertForMaskedLM(config).eval()
    with torch.no_grad():  # random layer norms and biases, so that a mix-up cannot hide behind ones and zeros
        for name, t in hf.named_parameters():
            if "LayerNorm" in name or name.endswith("bias"):
                t.normal_()
    rng = np.random.default_rng(0)
    batch = {"input_ids": rng.integers(5, 60, (3, 9)), "token_type_ids": (np.arange(9) >= 5).astype(np.int64)[None]
             .repeat(3, 0), "attention_mask": (np.arange(9) < np.array([[9], [6], [4]])).astype(np.int64)}
    ours, theirs, logits = NB.run_real_bert(hf, batch, n_heads=4)
    real = batch["attention_mask"].astype(bool)
    np.testing.assert_allclose(ours[real], theirs[real], **TIGHT)
    with torch.no_grad():
        want = hf(**{k: torch.tensor(v) for k, v in batch.items()}).logits.numpy()
    np.testing.assert_allclose(logits[real], want[real], rtol=1e-9, atol=1e-10)


# ---------------------------------------------------------------------------------------------------------------
# Exercises


def test_stubs_count_as_not_attempted(capsys):
    # the notebook's exercise cells, as a student finds them
    def my_mlm_loss(logits, labels):
        """Mean over the positions where labels != -100 of -log softmax(logits)[true word]."""
        ...  # your code here

    def my_mask_tokens(ids, maskable, rng, vocab_size, n_special, mask_id, rate=0.15):
        """BERT's masking rule on the positions where maskable is True; returns (masked_ids, labels), labels the
        original id where a token was chosen and IGNORE elsewhere. ids is left as it was."""
        ...  # your code here

    def segment_ids(ids, sep_id, pad_id):
        """(B, L) ints: 0 for [CLS], sentence A and its [SEP]; 1 for sentence B and its [SEP]; 0 on padding."""
        ...  # your code here

    stubs = {"12.mlm_loss": my_mlm_loss, "12.mask_tokens": my_mask_tokens, "12.segment_ids": segment_ids}
    assert set(stubs) == set(SOLUTIONS)
    assert_not_attempted(stubs, capsys)


def _loss(mistake):
    def answer(logits, labels):
        chosen = labels != -100
        shifted = logits - logits.max(axis=-1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
        picked = np.take_along_axis(log_p, np.where(chosen, labels, 0)[..., None], axis=-1)[..., 0]
        if mistake == "all":
            return -picked.mean()
        if mistake == "sum":
            return -picked[chosen].sum()
        if mistake == "positive":
            return picked[chosen].mean()
        if mistake == "no softmax":
            return -np.take_along_axis(logits, np.where(chosen, labels, 0)[..., None], axis=-1)[..., 0][chosen].mean()
        if mistake == "off":
            return -picked[chosen].mean() + 0.01
        return -picked[chosen].mean()
    return answer


_NB_MASK, _NB_SPECIALS, _NB_SEP, _NB_PAD = 4, 5, 3, 0  # notebook 12's MASK, len(SPECIAL_TOKENS), SEP and PAD


def _masking(mistake, split=(0.8, 0.1, 0.1)):
    """my_mask_tokens with one thing wrong; `split`: the shares ([MASK], random, unchanged) of the chosen."""
    def answer(ids, maskable, rng, vocab_size, n_special, mask_id, rate=0.15):
        ids = np.asarray(ids)
        rate = 0.15 if mistake == "rate ignored" else 0.9 * rate if mistake == "rate off" else rate
        draw = (np.random.random if mistake == "np.random" else np.random.default_rng(0).random
                if mistake == "fixed seed" else rng.random)
        if mistake == "whole rows":
            chosen = (draw(ids.shape[0]) < rate)[:, None] & maskable
        elif mistake == "fixed per row":
            chosen = np.zeros(ids.shape, bool)
            for row, ok in zip(chosen, maskable, strict=True):
                where = np.flatnonzero(ok)
                row[rng.choice(where, round(rate * len(where)), replace=False)] = True
        else:
            allowed = {"specials chosen": True, "from the ids": ids >= n_special}.get(mistake, maskable)
            chosen = (draw(ids.shape) < rate) & allowed
        what = rng.random(ids.shape)
        to_mask = chosen & (what < split[0])
        to_random = chosen & (what >= split[0]) & (what < split[0] + split[1])
        if mistake == "random unchosen":
            to_random = (what >= split[0]) & (what < split[0] + split[1]) & maskable
        masked = ids if mistake == "in place" else ids.copy()
        labels = np.where(chosen, ids, -100)
        masked[to_mask] = _NB_MASK if mistake == "MASK hard-coded" else mask_id
        low, high = {"random with specials": (0, vocab_size), "n_special hard-coded": (_NB_SPECIALS, vocab_size),
                     "random off by one": (n_special, vocab_size - 1)}.get(mistake, (n_special, vocab_size))
        masked[to_random] = rng.integers(low, high, size=int(to_random.sum()))
        if mistake == "labels everywhere":
            labels = ids.copy()
        if mistake == "labels where maskable":
            labels = np.where(maskable, ids, -100)
        if mistake == "labels masked":
            labels = np.where(chosen, masked, -100)
        if mistake == "labels off":
            labels = np.where(chosen, ids + 1, -100)
        if mistake == "unchanged unlabelled":
            labels = np.where(chosen & (masked != ids), ids, -100)
        return {"float": (masked.astype(float), labels), "swapped": (labels, masked),
                "flat": (masked.ravel(), labels.ravel())}.get(mistake, (masked, labels))
    return answer


def _masking_with_the_notebooks_function(ids, maskable, rng, vocab_size, n_special, mask_id, rate=0.15):
    masked, labels = bert_lib.mask_tokens(ids, rng, vocab_size, rate)
    return np.where(masked == bert_lib.MASK, mask_id, masked), labels


def _segments(mistake):
    """segment_ids with one thing wrong."""
    def answer(ids, sep_id, pad_id):
        ids = np.asarray(ids)
        if mistake == "hard-coded ids":
            sep_id, pad_id = _NB_SEP, _NB_PAD
        is_sep = ids == sep_id
        upto = np.cumsum(is_sep, axis=1)  # the [SEP]s up to and including each position
        before = upto - is_sep
        seg = ((before == 1) & (ids != pad_id)).astype(int)
        if mistake == "first row only":
            seg[1:] = 0
        if mistake == "in place":
            ids[ids == pad_id] = -1
        return {"first SEP 1": seg | (is_sep & (before == 0)),
                "second SEP 0": seg & ~is_sep,
                "count includes the SEP": (upto == 1).astype(int),
                "padding 1": (before >= 1).astype(int),
                "clipped count": np.minimum(upto, 1),
                "raw count": before,
                "swapped": np.where((before == 0) & ~is_sep & (np.arange(ids.shape[1]) > 0), 1, 0),
                "float": seg.astype(float),
                "bool": seg.astype(bool),
                "one row": seg[0],
                "transposed": seg.T,
                "off": np.roll(seg, 1, axis=1)}.get(mistake, seg)
    return answer


WRONG = [
    ("12.mlm_loss", _loss("all"), "chosen positions"),
    ("12.mlm_loss", _loss("sum"), "their mean"),
    ("12.mlm_loss", _loss("positive"), "MINUS"),
    ("12.mlm_loss", _loss("no softmax"), "log-softmax first"),
    ("12.mlm_loss", _loss("off"), "differs from PyTorch's"),
    ("12.mlm_loss", lambda logits, labels: torch.zeros(1), "uses torch"),
    ("12.mask_tokens", _masking("all", (1.0, 0.0, 0.0)), "every chosen token became [MASK]"),
    ("12.mask_tokens", _masking("none unchanged", (0.8, 0.2, 0.0)), "no chosen token stays as it is"),
    ("12.mask_tokens", _masking("none random", (0.8, 0.0, 0.2)), "no chosen token becomes a random word"),
    ("12.mask_tokens", _masking("90 mask, no unchanged", (0.9, 0.1, 0.0)), "[MASK] and none stays as it is"),
    ("12.mask_tokens", _masking("90 mask, no random", (0.9, 0.0, 0.1)), "[MASK] and none a random word"),
    ("12.mask_tokens", _masking("80 random", (0.1, 0.8, 0.1)), "the other way round"),
    ("12.mask_tokens", _masking("80 unchanged", (0.1, 0.1, 0.8)), "only 10 % became [MASK]"),
    ("12.mask_tokens", _masking("70/20/10", (0.7, 0.2, 0.1)), "the rule gives 80 / 10 / 10"),
    ("12.mask_tokens", _masking("unchanged unlabelled"), "stay as they are have no label"),
    ("12.mask_tokens", _masking("random with specials"), "random words are special tokens"),
    ("12.mask_tokens", _masking("n_special hard-coded"), "use the n_special passed in"),
    ("12.mask_tokens", _masking("MASK hard-coded"), "use the mask_id passed in"),
    ("12.mask_tokens", _masking("random off by one"), "not drawn uniformly"),
    ("12.mask_tokens", _masking("specials chosen"), "special tokens ([CLS], [SEP], [PAD]"),
    ("12.mask_tokens", _masking("from the ids"), "where maskable is False"),
    ("12.mask_tokens", _masking("labels everywhere"), "left alone have a label"),
    ("12.mask_tokens", _masking("labels where maskable"), "left alone have a label"),
    ("12.mask_tokens", _masking("labels masked"), "the ORIGINAL id"),
    ("12.mask_tokens", _masking("labels off"), "the label is not the original id"),
    ("12.mask_tokens", _masking("random unchosen"), "changed but have no label"),
    ("12.mask_tokens", _masking("in place"), "changed its input"),
    ("12.mask_tokens", _masking("fixed per row"), "not a fixed number per row"),
    ("12.mask_tokens", _masking("whole rows"), "whole rows are chosen"),
    ("12.mask_tokens", _masking("rate ignored"), "use the rate passed in"),
    ("12.mask_tokens", _masking("rate off"), "of the maskable tokens, not rate"),
    ("12.mask_tokens", _masking("np.random"), "seeded alike"),
    ("12.mask_tokens", _masking("fixed seed"), "seeded differently chose the very same"),
    ("12.mask_tokens", _masking("float"), "return ints"),
    ("12.mask_tokens", _masking("swapped"), "in that order"),
    ("12.mask_tokens", _masking("flat"), "must have the shape of ids"),
    ("12.mask_tokens", lambda *args, **kwargs: _masking("right")(*args, **kwargs)[0], "a tuple (masked_ids, labels)"),
    ("12.mask_tokens", _masking_with_the_notebooks_function, "without the notebook's mask_tokens"),
    ("12.segment_ids", _segments("first SEP 1"), "the first [SEP] gets 1, but it closes sentence A"),
    ("12.segment_ids", _segments("second SEP 0"), "the second [SEP] gets 0"),
    ("12.segment_ids", _segments("count includes the SEP"), "includes the [SEP] at the position itself"),
    ("12.segment_ids", _segments("padding 1"), "the padding gets 1"),
    ("12.segment_ids", _segments("clipped count"), "belongs to segment 0; the padding gets 1"),
    ("12.segment_ids", _segments("raw count"), "that is the count of [SEP]s"),
    ("12.segment_ids", _segments("swapped"), "A and B are swapped"),
    ("12.segment_ids", _segments("hard-coded ids"), "use the ids passed in"),
    ("12.segment_ids", _segments("first row only"), "only the first row is right, the others are all 0"),
    ("12.segment_ids", _segments("one row"), "you returned one row"),
    ("12.segment_ids", _segments("transposed"), "must have the shape of ids, (B, L)"),
    ("12.segment_ids", _segments("float"), "return ints"),
    ("12.segment_ids", _segments("bool"), "return ints"),
    ("12.segment_ids", _segments("in place"), "changed ids"),
    ("12.segment_ids", _segments("off"), "the segments are not right"),
]


(test_reference_solutions_pass, test_wrong_answers_are_rejected_with_a_hint,
 test_every_checker_has_wrong_answers) = exercise_tests(SOLUTIONS, WRONG)


def test_other_correct_answers_pass_the_check(capsys):
    def exactly_rate_of_the_batch(ids, maskable, rng, vocab_size, n_special, mask_id, rate=0.15):
        """rate of the batch's maskable tokens exactly (not each one on its own), and a three-way draw per token."""
        where = np.flatnonzero(maskable)
        chosen = np.zeros(ids.size, bool)
        chosen[rng.choice(where, round(rate * len(where)), replace=False)] = True
        chosen = chosen.reshape(ids.shape)
        action = rng.choice(3, size=ids.shape, p=[0.8, 0.1, 0.1])
        masked = np.where(chosen & (action == 0), mask_id, ids)
        masked = np.where(chosen & (action == 1), rng.integers(n_special, vocab_size, ids.shape), masked)
        return masked.tolist(), np.where(chosen, ids, -100).astype(np.int32)

    def segments_by_loop(ids, sep_id, pad_id):
        out = np.zeros(np.shape(ids), dtype=np.int32)
        for row, tokens in zip(out, ids, strict=True):
            first, second = np.flatnonzero(tokens == sep_id)[:2]
            row[first + 1:second + 1] = 1
        return out.tolist()

    for key, answer in [("12.mask_tokens", exactly_rate_of_the_batch), ("12.segment_ids", segments_by_loop)]:
        assert check(key, answer) is True, capsys.readouterr().out


def test_the_masking_statistics_are_far_from_their_tolerances():
    """On the checker's batches, the reference's statistics sit well inside the stated tolerances (6 standard
    errors; per-row spread 0.3..2; the chi-square limit), and the checker's helpers measure what they say. The
    margins here (4.5 standard errors, spread 1 ± 0.15, 6 sigma of the chi-square) fail a right answer about once
    in 10^5 statistics, so a change of the batches does not make this test flaky."""
    from helpers.exercises import nb12 as checkers

    z = 4.5

    for seed in range(5):
        rng = np.random.default_rng(seed)
        for n_special, vocab_size, mask_id, rate, withheld in [(5, 3000, 4, 0.15, 0.0), (8, 28, 6, 0.3, 0.2)]:
            ids, maskable = checkers._masking_batch(rng, checkers._ROWS, n_special, vocab_size, withheld=withheld)
            masked, labels = my_mask_tokens(ids, maskable, rng, vocab_size, n_special, mask_id, rate)
            chosen = labels != -100
            n = maskable.sum()
            assert abs(chosen.sum() / n - rate) < z * math.sqrt(rate * (1 - rate) / n)
            shares = np.array([(chosen & (masked == mask_id)).sum(), (chosen & (masked != ids)).sum() -
                               (chosen & (masked == mask_id)).sum(), (chosen & (masked == ids)).sum()]) / chosen.sum()
            want = checkers._observed((0.8, 0.1, 0.1), vocab_size - n_special)
            assert np.all(np.abs(shares - want) < z * np.sqrt(want * (1 - want) / chosen.sum()))
            assert 0.85 < checkers._row_spread(chosen, maskable) < 1.15
            if vocab_size - n_special <= 100:  # the checker tests uniformity on small vocabularies only
                replaced = chosen & (masked != ids) & (masked != mask_id)
                chi2, df, *_ = checkers._replacement_chi2(masked, ids, replaced, n_special, vocab_size)
                assert chi2 < df + 6 * math.sqrt(2 * df) < checkers._chi2_limit(df)
    assert 80 < checkers._chi2_limit(19) < 86  # Wilson-Hilferty's 6-sigma point of a chi-square with 19 degrees


def test_first_hints_do_not_give_the_answer_away():
    firsts = first_hints("12", SOLUTIONS)
    assert "take_along_axis" not in firsts["12.mlm_loss"]
    assert not re.search(r"80|0\.8|10 ?%|copy|rng\.|where", firsts["12.mask_tokens"])
    assert not re.search(r"cumsum|running|BEFORE|strictly|1 for|== 1", firsts["12.segment_ids"])


def test_the_solutions_agree_with_the_notebooks_code():
    """With maskable = the ordinary tokens, my_mask_tokens draws as the notebook's mask_tokens does; segment_ids
    gives the segments pair_input builds, empty lines and rows without padding included."""
    rng = np.random.default_rng(0)
    ids = np.array([bert_lib.pair_input(rng.integers(1, 300, rng.integers(1, 20)), rng.integers(1, 300, 9), 32)[0]
                    for _ in range(50)])
    for seed in range(3):
        want = bert_lib.mask_tokens(ids, np.random.default_rng(seed), 300)
        got = my_mask_tokens(ids, ids >= len(bert_lib.SPECIAL_TOKENS), np.random.default_rng(seed), 300,
                             len(bert_lib.SPECIAL_TOKENS), bert_lib.MASK)
        for a, b in zip(got, want, strict=True):
            np.testing.assert_array_equal(a, b)
    lines = [np.array([], dtype=np.int64), rng.integers(5, 300, 3), rng.integers(5, 300, 14), rng.integers(5, 300, 20)]
    rows = [bert_lib.pair_input(a, b, 31) for a in lines for b in lines]  # each cut to (31 - 3) // 2 = 14 tokens
    assert any(length == 31 for *_, length in rows)  # rows without padding
    ids, segments = np.array([r[0] for r in rows]), np.array([r[1] for r in rows])
    np.testing.assert_array_equal(segment_ids(ids, bert_lib.SEP, bert_lib.PAD), segments)
    masked, _ = bert_lib.mask_tokens(ids, rng, 300)  # masking never touches [SEP] or [PAD]: the segments survive it
    np.testing.assert_array_equal(segment_ids(masked, bert_lib.SEP, bert_lib.PAD), segments)


def test_the_solution_agrees_with_pytorch_with_and_without_ignored_positions():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(2, 6, 9))
    for labels in (rng.integers(0, 9, (2, 6)), np.where(rng.random((2, 6)) < 0.5, rng.integers(0, 9, (2, 6)), -100)):
        labels[0, 0] = 3
        want = torch.nn.functional.cross_entropy(torch.tensor(logits).flatten(0, 1), torch.tensor(labels).flatten())
        assert mlm_loss(logits, labels) == pytest.approx(want.item(), rel=1e-12)
