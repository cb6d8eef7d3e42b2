"""Notebook 12's own code (what a student reads) is helpers.scratch.bert's, helpers.scratch.gelu's tanh GELU and
helpers.models' BERT classes; its other functions (masking statistics, the NumPy masked-LM head, the evaluation and
its p-value, same-play pairs, fill-in-the-blank, the play classifier, the slider) do what the text says; the shipped
checkpoint is the recipe's model and reaches what the notebook claims; exercises catch common mistakes."""

import math
import re

import numpy as np
import pytest
import torch
from exercise_feedback import exercise_tests, first_hints

import helpers.models as models
import helpers.scratch.bert as bert_lib
import helpers.scratch.gelu as gelu_lib
from helpers import data, training
from helpers.exercises import check
from helpers.exercises.solutions.nb12 import SOLUTIONS, mlm_loss
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


def test_the_fill_in_slider_changes_the_figure_and_survives_its_ends(corpus, pretrained):
    corpus["pretrained"] = pretrained[0]
    controls = {"line": NB.dropdown("line", NB.DEMO_LINES), "position": NB.int_slider("position", 1, 0, 12)}
    texts = sweep(NB.draw_fill_in, controls, figsize=(7, 4.5))  # every line and both ends draw, differently
    assert len(texts) == len(NB.DEMO_LINES) + 2
    fig, text = render(NB.draw_fill_in, {"line": "We are such stuff as dreams are made on", "position": 12})
    assert text == "we are such stuff as dreams are made [MASK]"  # past the end of a line: its last word is hidden


def test_stubs_count_as_not_attempted(capsys):
    def stub(*args):
        ...  # your code here

    for key, answer in [("12.mlm_loss", stub), ("12.mask_counts", ...), ("12.embedding_params", ...)]:
        assert check(key, answer) is False
        assert "not attempted yet" in capsys.readouterr().out


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


WRONG = [
    ("12.mlm_loss", _loss("all"), "chosen positions"),
    ("12.mlm_loss", _loss("sum"), "their mean"),
    ("12.mlm_loss", _loss("positive"), "MINUS"),
    ("12.mlm_loss", _loss("no softmax"), "log-softmax first"),
    ("12.mlm_loss", _loss("off"), "differs from PyTorch's"),
    ("12.mlm_loss", lambda logits, labels: torch.zeros(1), "uses torch"),
    ("12.mask_counts", (8000, 1000, 1000), "CHOSEN tokens only"),
    ("12.mask_counts", (1500, 0, 0), "not every chosen token"),
    ("12.mask_counts", (1200, 150, 8500), "never chosen"),
    ("12.mask_counts", (1000, 250, 250), "is not it"),
    ("12.mask_counts", (1200, 150), "three numbers"),
    ("12.embedding_params", (30522 + 512 + 2) * 768, "layer norm"),
    ("12.embedding_params", 30522 * 768, "position (512) and segment"),
    ("12.embedding_params", (30522 + 512) * 768, "segment table"),
    ("12.embedding_params", 23_000_000, "is not the count"),
    ("12.embedding_params", 1.5, "whole number"),
]


(test_reference_solutions_pass, test_wrong_answers_are_rejected_with_a_hint,
 test_every_checker_has_wrong_answers) = exercise_tests(SOLUTIONS, WRONG)


def test_first_hints_do_not_give_the_answer_away():
    firsts = first_hints("12", SOLUTIONS)
    assert "take_along_axis" not in firsts["12.mlm_loss"]
    assert not re.search(r"1[,]?200|0\.8", firsts["12.mask_counts"])
    assert "23" not in firsts["12.embedding_params"] and "31036" not in firsts["12.embedding_params"]


def test_the_solution_agrees_with_pytorch_with_and_without_ignored_positions():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(2, 6, 9))
    for labels in (rng.integers(0, 9, (2, 6)), np.where(rng.random((2, 6)) < 0.5, rng.integers(0, 9, (2, 6)), -100)):
        labels[0, 0] = 3
        want = torch.nn.functional.cross_entropy(torch.tensor(logits).flatten(0, 1), torch.tensor(labels).flatten())
        assert mlm_loss(logits, labels) == pytest.approx(want.item(), rel=1e-12)
