"""helpers.scratch.bert and helpers.models.Bert: the plays cut into speeches and lines, the next-sentence pairs and
pre-training batches, the words and WordPiece tokenizers, BERT's masking rule (its
statistics on a large sample), the [CLS] a [SEP] b [SEP] input, the NumPy encoder against our PyTorch Bert in
float64, both against Hugging Face's BertModel built locally with random weights (no download), and the
parameter counts of BERT-base and BERT-large by formula and on the meta device."""

import numpy as np
import pytest
import torch
import transformers  # test-only (requirements-test.txt): a BertModel built here, never downloaded

from helpers import data
from helpers.models import Bert, BertPretraining
from helpers.scratch.bert import (
    CLS,
    IGNORE,
    MASK,
    PAD,
    SEP,
    SPECIAL_TOKENS,
    UNK,
    bert_forward,
    bert_parameter_count,
    build_vocab,
    encode,
    hold_out,
    line_table,
    mask_tokens,
    nsp_pairs,
    pair_input,
    play_speeches,
    pretraining_batch,
    wordpiece,
    words,
)

TIGHT = {"rtol": 1e-10, "atol": 1e-12}


def test_words_split_letters_and_punctuation():
    assert words("Wherefore art thou, Romeo?") == ["wherefore", "art", "thou", ",", "romeo", "?"]
    assert words("O'er the hill; 'tis done--") == ["o'er", "the", "hill", ";", "'", "tis", "done", "-", "-"]


def test_vocab_starts_with_the_special_tokens_and_ranks_by_frequency():
    vocab = build_vocab([["b", "a", "b"], ["c", "b", "a", "d"]], 8)
    assert vocab[:5] == list(SPECIAL_TOKENS) and vocab[5:] == ["b", "a", "c"]
    index = {t: i for i, t in enumerate(vocab)}
    np.testing.assert_array_equal(encode(["a", "zebra", "b"], index), [6, UNK, 5])
    with pytest.raises(ValueError, match="size > 5"):
        build_vocab([["a"]], 5)


def test_wordpiece_takes_the_longest_match_first():
    vocab = {"un", "unf", "##fold", "##old", "fold", "##s", "the"}
    assert wordpiece("unfolds", vocab) == ["unf", "##old", "##s"]  # greedy: 'unf' before 'un'
    assert wordpiece("the", vocab) == ["the"]
    assert wordpiece("thee", vocab) == ["[UNK]"]  # 'the' then nothing matches '##e'


def test_masking_follows_the_papers_rule_on_a_large_sample():
    rng = np.random.default_rng(0)
    V = 1000
    ids = rng.integers(5, V, size=(2000, 100))
    ids[:, 0], ids[:, -1] = CLS, SEP
    inputs, labels = mask_tokens(ids, rng, V)
    chosen = labels != IGNORE
    n = chosen.sum()
    ordinary = ids.size - 2 * len(ids)
    assert abs(n / ordinary - 0.15) < 0.003  # 200,000 positions: the standard error is 0.0008
    assert not chosen[:, 0].any() and not chosen[:, -1].any()  # special tokens are never chosen
    np.testing.assert_array_equal(labels[chosen], ids[chosen])
    masked = inputs[chosen] == MASK
    kept = inputs[chosen] == ids[chosen]
    random = ~masked & ~kept
    assert abs(masked.mean() - 0.8) < 0.01 and abs(kept.mean() - 0.1) < 0.01 and abs(random.mean() - 0.1) < 0.01
    assert np.all(inputs[chosen][random] >= 5)  # a random ORDINARY token
    np.testing.assert_array_equal(inputs[~chosen], ids[~chosen])


def test_masking_rejects_bad_arguments():
    with pytest.raises(ValueError, match="integer token ids"):
        mask_tokens(np.zeros(3), np.random.default_rng(0), 10)
    with pytest.raises(ValueError, match="0 < rate < 1"):
        mask_tokens(np.zeros(3, int), np.random.default_rng(0), 10, rate=1.5)


def test_pair_input_builds_cls_a_sep_b_sep_with_segments():
    ids, segments, n = pair_input([7, 8, 9], [10, 11], max_len=12)
    np.testing.assert_array_equal(ids, [CLS, 7, 8, 9, SEP, 10, 11, SEP, PAD, PAD, PAD, PAD])
    np.testing.assert_array_equal(segments, [0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0])
    assert n == 8
    ids, _, n = pair_input(list(range(5, 30)), list(range(5, 30)), max_len=11)  # each side cut to 4
    assert n == 11 and ids[5] == SEP and ids[-1] == SEP


PLAY = """MACBETH

Enter Witches.

First Witch.
When shall we three meet again
In thunder, lightning, or in rain?

[Thunder.]

Second Witch.
When the hurlyburly's done,
[Aside.] I say
When the battle's lost and won.


THE TEMPEST

MIRANDA
If by your art, my dearest father, you have
Put the wild waters in this roar, allay them."""


def test_play_speeches_keeps_speeches_and_lines_and_drops_stage_directions():
    plays = play_speeches(PLAY)
    assert list(plays) == ["MACBETH", "THE TEMPEST"]
    assert plays["MACBETH"] == [["When shall we three meet again", "In thunder, lightning, or in rain?"],
                                ["When the hurlyburly's done,", "When the battle's lost and won."]]
    assert plays["THE TEMPEST"] == [["If by your art, my dearest father, you have",
                                     "Put the wild waters in this roar, allay them."]]


def test_the_shipped_plays_give_eight_plays_and_a_held_out_tail():
    plays = play_speeches(data.load("shakespeare"))
    assert len(plays) == 8 and all(len(s) > 400 for s in plays.values())
    train, test = hold_out(plays, 0.15)
    for title, speeches in plays.items():
        assert train[title] + test[title] == speeches
        assert abs(len(test[title]) / len(speeches) - 0.15) < 0.01


def test_line_table_marks_next_lines_within_a_speech_only():
    index = {w: i for i, w in enumerate(build_vocab([["a", "b", "c"]], 8))}
    lines, play_of, has_next = line_table({"P": [["a b", "c"], ["b"]], "Q": [["a", "a c", "b"]]}, index)
    assert [list(x) for x in lines] == [[5, 6], [7], [6], [5], [5, 7], [6]]
    np.testing.assert_array_equal(play_of, [0, 0, 0, 1, 1, 1])
    np.testing.assert_array_equal(has_next, [True, False, False, True, True, False])


def test_nsp_pairs_are_half_true_next_lines_and_half_lines_of_another_play():
    lines = [np.array([i]) for i in range(60)]
    play_of = np.repeat([0, 1, 2], 20)
    has_next = np.arange(60) % 5 != 4  # speeches of 5 lines
    pairs = nsp_pairs(lines, play_of, has_next, 4000, np.random.default_rng(0))
    labels = np.array([y for *_, y in pairs])
    assert abs(labels.mean() - 0.5) < 0.03
    for a, b, y in pairs:
        i, j = int(a[0]), int(b[0])
        assert has_next[i]
        assert (j == i + 1) if y == 1 else (play_of[j] != play_of[i])


def test_pretraining_batch_masks_pairs_and_keeps_the_labels():
    lines = [np.arange(5, 5 + k) for k in range(3, 23)]
    table = (lines, np.repeat([0, 1], 10), np.arange(20) % 10 != 9)
    b = pretraining_batch(table, 300, np.random.default_rng(0), 16, 40)
    assert b["ids"].shape == b["segments"].shape == b["labels"].shape == (300, 16)
    assert b["lengths"].shape == b["is_next"].shape == (300,)
    assert np.all(b["ids"][:, 0] == CLS) and np.all(b["ids"][np.arange(300), b["lengths"] - 1] == SEP)
    real = np.arange(16) < b["lengths"][:, None]
    assert np.all(b["ids"][~real] == PAD) and np.all(b["labels"][~real] == IGNORE)
    chosen = b["labels"] != IGNORE
    assert 0.1 < chosen.sum() / (real.sum() - 3 * 300) < 0.2  # 15 % of the ordinary tokens


def test_pretraining_losses_are_the_cross_entropies_at_the_chosen_positions():
    torch.manual_seed(0)
    model = BertPretraining(40, hidden=16, layers=1, heads=2, intermediate=32, max_positions=16).double().eval()
    lines = [np.arange(5, 5 + k) for k in range(3, 23)]
    table = (lines, np.repeat([0, 1], 10), np.arange(20) % 10 != 9)
    b = {k: torch.tensor(v) for k, v in pretraining_batch(table, 8, np.random.default_rng(1), 16, 40).items()}
    mlm, nsp = model.losses(b)
    hidden, nsp_logits = model(b["ids"], b["segments"], b["lengths"])
    logits = model.mlm_logits(hidden)  # every position; the ignored ones must not count
    want = torch.nn.functional.cross_entropy(logits.flatten(0, 1), b["labels"].flatten(), ignore_index=IGNORE)
    torch.testing.assert_close(mlm, want, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(nsp, torch.nn.functional.cross_entropy(nsp_logits, b["is_next"]))
    # the masked-LM head's output matrix is the word embedding itself (tied): with it zeroed, only the bias is left
    with torch.no_grad():
        model.mlm_bias.normal_()
        model.bert.embeddings["word_embeddings"].weight.zero_()
        torch.testing.assert_close(model.mlm_logits(hidden), model.mlm_bias.expand_as(logits))


def test_bert_initialisation_is_bert_s():
    torch.manual_seed(0)
    model = BertPretraining(3000, hidden=128, layers=2)
    w = model.bert.encoder["layer"][0].attention["self"]["query"].weight
    assert abs(w.std().item() - 0.02) < 0.001 and model.nsp.bias.abs().max() == 0
    assert model.bert.embeddings["LayerNorm"].weight.eq(1).all()


def _random_bert(seed=0, **kw):
    torch.manual_seed(seed)
    model = Bert(vocab_size=50, hidden=16, layers=2, heads=4, intermediate=32, max_positions=12, **kw).double().eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm" in name:
                p.normal_()  # not the initial 1 and 0, which would hide a mix-up of weight and bias
    return model


def _numpy(model):
    return {k: v.detach().numpy() for k, v in model.state_dict().items()}


def _inputs(rng, B=3, L=10):
    ids = rng.integers(5, 50, size=(B, L))
    segments = (np.arange(L) >= 5).astype(np.int64)[None].repeat(B, 0)
    lengths = np.array([L, 7, 4])[:B]
    return ids, segments, lengths


def test_numpy_bert_equals_our_torch_bert_with_padding():
    model = _random_bert()
    ids, segments, lengths = _inputs(np.random.default_rng(0))
    hidden, pooled = bert_forward(ids, segments, _numpy(model), n_heads=4, lengths=lengths)
    with torch.no_grad():
        h_t, p_t = model(torch.tensor(ids), torch.tensor(segments), torch.tensor(lengths))
    real = np.arange(ids.shape[1]) < lengths[:, None]  # padding positions are never read: compare real tokens
    np.testing.assert_allclose(hidden[real], h_t.numpy()[real], **TIGHT)
    np.testing.assert_allclose(pooled, p_t.numpy(), **TIGHT)


def _hf_bert(hidden=16, layers=2, heads=4, intermediate=32, vocab=50, positions=12):
    config = transformers.BertConfig(vocab_size=vocab, hidden_size=hidden, num_hidden_layers=layers,
                                     num_attention_heads=heads, intermediate_size=intermediate,
                                     max_position_embeddings=positions, hidden_act="gelu",
                                     hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    torch.manual_seed(1)
    hf = transformers.BertModel(config).double().eval()
    with torch.no_grad():
        for name, p in hf.named_parameters():
            if "LayerNorm" in name:
                p.normal_()
    return hf


def test_our_bert_and_numpy_bert_reproduce_hugging_faces_bertmodel():
    hf = _hf_bert()
    weights = {k: v for k, v in hf.state_dict().items() if "position_ids" not in k and "token_type_ids" not in k}
    ours = Bert(vocab_size=50, hidden=16, layers=2, heads=4, intermediate=32, max_positions=12).double().eval()
    ours.load_state_dict(weights)  # the same names and shapes: it loads as it is
    ids, segments, lengths = _inputs(np.random.default_rng(1))
    attention_mask = torch.tensor((np.arange(ids.shape[1]) < lengths[:, None]).astype(np.int64))
    with torch.no_grad():
        ref = hf(input_ids=torch.tensor(ids), token_type_ids=torch.tensor(segments), attention_mask=attention_mask)
        h_t, p_t = ours(torch.tensor(ids), torch.tensor(segments), torch.tensor(lengths))
    hidden, pooled = bert_forward(ids, segments, {k: v.numpy() for k, v in weights.items()}, n_heads=4,
                                  lengths=lengths)
    real = np.arange(ids.shape[1]) < lengths[:, None]
    np.testing.assert_allclose(h_t.numpy()[real], ref.last_hidden_state.numpy()[real], **TIGHT)
    np.testing.assert_allclose(hidden[real], ref.last_hidden_state.numpy()[real], **TIGHT)
    np.testing.assert_allclose(p_t.numpy(), ref.pooler_output.numpy(), **TIGHT)
    np.testing.assert_allclose(pooled, ref.pooler_output.numpy(), **TIGHT)


@pytest.mark.parametrize("name,layers,hidden,heads,expected", [("base", 12, 768, 12, 109_482_240),
                                                                ("large", 24, 1024, 16, 335_141_888)])
def test_bert_base_and_large_sizes_by_formula_and_on_the_meta_device(name, layers, hidden, heads, expected):
    assert bert_parameter_count(30522, hidden, layers, 4 * hidden) == expected
    with torch.device("meta"):
        model = Bert(30522, hidden, layers, heads, 4 * hidden, max_positions=512)
    assert sum(p.numel() for p in model.parameters()) == expected
    small = _hf_bert()
    assert sum(p.numel() for p in small.parameters()) == bert_parameter_count(50, 16, 2, 32, positions=12)
