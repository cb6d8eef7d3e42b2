"""BERT from scratch in NumPy: the plays split into speeches and lines, words and the special tokens, WordPiece's
greedy longest match, BERT's masking rule, next-sentence pairs, the three embeddings, and the encoder (notebook 11's
``encoder_layer``) reading the weights of Hugging Face's ``BertModel`` as they are.

Taught in notebook 12 (BERT), line for line (its test fails if the two drift apart); ``data/checkpoints.py`` builds
the pre-training data with it. The PyTorch model with the same parameter names is ``helpers.models.Bert``.

    tokens = words("To be, or not to be")                  ['to', 'be', ',', 'or', 'not', 'to', 'be']
    inputs, labels = mask_tokens(ids, rng, vocab_size)     15 % chosen: 80 % [MASK], 10 % random, 10 % kept
    hidden, pooled = bert_forward(ids, segments, weights, n_heads=4)    weights: a BertModel state_dict in NumPy
"""

import re

import numpy as np

from helpers.scratch.attention import encoder_layer, layer_norm, linear
from helpers.scratch.validate import check_positive_int

__all__ = ["SPECIAL_TOKENS", "PAD", "UNK", "CLS", "SEP", "MASK", "IGNORE", "words", "build_vocab", "encode",
           "wordpiece", "play_speeches", "hold_out", "line_table", "mask_tokens", "pair_input", "nsp_pairs",
           "pretraining_batch", "bert_layer_weights", "bert_embeddings", "bert_forward",
           "bert_parameter_count"]

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
PAD, UNK, CLS, SEP, MASK = range(5)  # their ids: the first five of every vocabulary here
IGNORE = -100  # the label of a position that is not predicted (PyTorch's cross_entropy ignore_index)

WORD = re.compile(r"[a-z]+(?:'[a-z]+)*|[^\sa-z]")


def words(text):
    """Lower-case word tokens: runs of letters (with inner apostrophes: "o'er", "'tis" -> "tis") and single
    punctuation marks. "Wherefore art thou, Romeo?" -> ['wherefore', 'art', 'thou', ',', 'romeo', '?']."""
    return WORD.findall(text.lower())


def build_vocab(token_lists, size):
    """The special tokens, then the (size - 5) most frequent tokens (ties: first seen first). Returns a list."""
    check_positive_int(size, "build_vocab", "size")
    if size <= len(SPECIAL_TOKENS):
        raise ValueError(f"build_vocab needs size > {len(SPECIAL_TOKENS)} (the special tokens), got {size}")
    counts = {}
    for tokens in token_lists:
        for t in tokens:
            counts[t] = counts.get(t, 0) + 1
    ranked = sorted(counts, key=lambda t: -counts[t])  # sorted() is stable: ties keep their first-seen order
    return [*SPECIAL_TOKENS, *(t for t in ranked if t not in SPECIAL_TOKENS)][:size]


def encode(tokens, index):
    """Token strings -> ids (np.int64), [UNK] for a token outside the vocabulary. index: {token: id}."""
    return np.array([index.get(t, UNK) for t in tokens], dtype=np.int64)


def wordpiece(word, vocab):
    """WordPiece's tokenizer for one word: the longest vocabulary entry that starts the word, then the longest
    that continues it (written with a leading '##'), and so on; ['[UNK]'] if some part matches nothing.

    wordpiece("unfold", {"un", "##fold", "fold"}) -> ['un', '##fold']
    """
    pieces, start = [], 0
    while start < len(word):
        for end in range(len(word), start, -1):  # the longest candidate first
            piece = word[start:end] if start == 0 else "##" + word[start:end]
            if piece in vocab:
                pieces.append(piece)
                start = end
                break
        else:
            return ["[UNK]"]
    return pieces


SPEAKER = re.compile(r"[A-Z][A-Za-z ]*\.|[A-Z][A-Z ]+")  # "Ham." in most plays, "HAMLET" in some


def play_speeches(text):
    """The shipped plays as {title: speeches}: each speech is the list of its lines (str), in order. A speech is a
    block that starts with its speaker ("Ham." or "HERMIA"); stage directions in [brackets] are dropped."""
    plays = {}
    for play in text.split("\n\n\n"):
        speeches = []
        for block in play.split("\n\n"):
            head, *lines = block.strip("\n").split("\n")
            lines = [line.strip() for line in lines if line.strip() and not line.strip().startswith("[")]
            if lines and SPEAKER.fullmatch(head.strip()):
                speeches.append(lines)
        plays[play.split("\n", 1)[0].strip()] = speeches
    return plays


def hold_out(plays, fraction=0.15):
    """Split every play in two: its first speeches for training, the last `fraction` for testing.
    Returns (train, test), each {title: speeches}. Whole speeches go to one side, so no pair straddles the cut."""
    cut = {title: round(len(speeches) * (1 - fraction)) for title, speeches in plays.items()}
    return ({t: s[:cut[t]] for t, s in plays.items()}, {t: s[cut[t]:] for t, s in plays.items()})


def line_table(plays, index):
    """Every line of every speech as token ids, in one flat list, with two arrays that say where it came from.

    Returns (lines, play_of, has_next): lines[i] an int64 array of ids, play_of[i] the play's number (0, 1, ...),
    has_next[i] True if lines[i + 1] is the next line of the same speech (so the pair is a true "next sentence")."""
    lines, play_of, has_next = [], [], []
    for p, speeches in enumerate(plays.values()):
        for speech in speeches:
            for k, line in enumerate(speech):
                lines.append(encode(words(line), index))
                play_of.append(p)
                has_next.append(k + 1 < len(speech))
    return lines, np.array(play_of), np.array(has_next)


def mask_tokens(ids, rng, vocab_size, rate=0.15):
    """BERT's masked-LM rule on a batch of token ids (any shape, int): choose `rate` of the positions that are
    not special tokens; of those, 80 % become [MASK], 10 % a random ordinary token, 10 % stay as they are.

    Returns (inputs, labels): labels hold the original id at the chosen positions and IGNORE elsewhere.
    The random and unchanged 10 % make the model predict every token, not only [MASK]s, which never occur
    after pre-training.
    """
    ids = np.asarray(ids)
    if not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"mask_tokens expects integer token ids, got {ids.dtype}")
    if not 0 < rate < 1 or vocab_size <= len(SPECIAL_TOKENS):
        raise ValueError(f"mask_tokens expects 0 < rate < 1 and vocab_size > {len(SPECIAL_TOKENS)}, got rate {rate}, "
                         f"vocab_size {vocab_size}")
    chosen = (rng.random(ids.shape) < rate) & (ids >= len(SPECIAL_TOKENS))
    labels = np.where(chosen, ids, IGNORE)
    what = rng.random(ids.shape)  # one draw decides: < 0.8 mask, < 0.9 random, else keep
    inputs = ids.copy()
    inputs[chosen & (what < 0.8)] = MASK
    random = chosen & (what >= 0.8) & (what < 0.9)
    inputs[random] = rng.integers(len(SPECIAL_TOKENS), vocab_size, size=int(random.sum()))
    return inputs, labels


def pair_input(a, b, max_len):
    """[CLS] a [SEP] b [SEP] as ids (max_len,), padded with [PAD], and the segment ids (0 for [CLS] a [SEP], 1 for
    b [SEP], 0 on padding). a and b are cut to (max_len - 3) // 2 tokens each. Returns (ids, segments, length)."""
    half = (max_len - 3) // 2
    if half < 1:
        raise ValueError(f"pair_input needs max_len >= 5 ([CLS] a [SEP] b [SEP]), got {max_len}")
    a, b = np.asarray(a)[:half], np.asarray(b)[:half]
    seq = np.concatenate([[CLS], a, [SEP], b, [SEP]])
    ids, segments = np.full(max_len, PAD, dtype=np.int64), np.zeros(max_len, dtype=np.int64)
    ids[:len(seq)] = seq
    segments[len(a) + 2:len(seq)] = 1
    return ids, segments, len(seq)


def nsp_pairs(lines, play_of, has_next, n, rng):
    """n next-sentence-prediction examples (a, b, is_next) from a line_table: a is a line that has a next line;
    half the time b is that next line (is_next = 1), otherwise a random line of another play (is_next = 0)."""
    firsts = rng.choice(np.flatnonzero(has_next), size=n)
    pairs = []
    for i in firsts:
        if rng.random() < 0.5:
            pairs.append((lines[i], lines[i + 1], 1))
            continue
        j = rng.integers(len(lines))
        while play_of[j] == play_of[i]:
            j = rng.integers(len(lines))
        pairs.append((lines[i], lines[j], 0))
    return pairs


def pretraining_batch(table, n, rng, max_len, vocab_size):
    """One batch for BERT's two tasks: n pairs from nsp_pairs(*table), as [CLS] a [SEP] b [SEP] inputs, masked.

    Returns a dict of NumPy arrays: ids (n, max_len) with the masking applied, segments (n, max_len),
    lengths (n,), labels (n, max_len) (the original ids where a token is to be predicted, IGNORE elsewhere), and
    is_next (n,)."""
    pairs = nsp_pairs(*table, n, rng)
    rows = [pair_input(a, b, max_len) for a, b, _ in pairs]  # (ids, segments, length) for each pair
    inputs, labels = mask_tokens(np.array([ids for ids, _, _ in rows]), rng, vocab_size)
    return {"ids": inputs, "segments": np.array([segments for _, segments, _ in rows]),
            "lengths": np.array([length for _, _, length in rows]), "labels": labels,
            "is_next": np.array([label for _, _, label in pairs])}


def bert_layer_weights(weights, i):
    """Layer i of a BertModel state_dict (NumPy) in the keys of ``encoder_layer`` (nn.TransformerEncoderLayer's):
    BERT keeps W_q, W_k, W_v apart, PyTorch stacks them into one in_proj_weight."""
    p = f"encoder.layer.{i}."
    qkv = [f"{p}attention.self.{n}" for n in ("query", "key", "value")]
    return {"self_attn.in_proj_weight": np.concatenate([weights[f"{n}.weight"] for n in qkv]),
            "self_attn.in_proj_bias": np.concatenate([weights[f"{n}.bias"] for n in qkv]),
            "self_attn.out_proj.weight": weights[p + "attention.output.dense.weight"],
            "self_attn.out_proj.bias": weights[p + "attention.output.dense.bias"],
            "linear1.weight": weights[p + "intermediate.dense.weight"],
            "linear1.bias": weights[p + "intermediate.dense.bias"],
            "linear2.weight": weights[p + "output.dense.weight"], "linear2.bias": weights[p + "output.dense.bias"],
            "norm1.weight": weights[p + "attention.output.LayerNorm.weight"],
            "norm1.bias": weights[p + "attention.output.LayerNorm.bias"],
            "norm2.weight": weights[p + "output.LayerNorm.weight"], "norm2.bias": weights[p + "output.LayerNorm.bias"]}


def bert_embeddings(ids, segments, weights, eps=1e-12):
    """Token + position + segment embeddings, then layer norm: (B, L) ids and segments -> (B, L, H)."""
    ids, segments = np.asarray(ids), np.asarray(segments)
    table = weights["embeddings.word_embeddings.weight"]
    positions = weights["embeddings.position_embeddings.weight"]
    if ids.ndim != 2 or segments.shape != ids.shape:
        raise ValueError(f"bert_embeddings expects ids and segments of the same shape (B, L), got {ids.shape} and "
                         f"{segments.shape}")
    if ids.shape[1] > len(positions) or ids.min() < 0 or ids.max() >= len(table):
        raise ValueError(f"bert_embeddings: L must be <= {len(positions)} positions and ids in [0, {len(table)}), "
                         f"got L = {ids.shape[1]}, ids in [{ids.min()}, {ids.max()}]")
    x = table[ids] + positions[:ids.shape[1]] + weights["embeddings.token_type_embeddings.weight"][segments]
    return layer_norm(x, weights["embeddings.LayerNorm.weight"], weights["embeddings.LayerNorm.bias"], eps)[0]


def bert_forward(ids, segments, weights, n_heads, lengths=None, eps=1e-12):
    """BERT's encoder on (B, L) ids and segments with a BertModel state_dict in NumPy (``weights``).

    lengths: (B,) real lengths, the rest is padding (None: no padding). Every layer is post-norm, with GELU.
    Returns (hidden (B, L, H), pooled (B, H)): pooled = tanh(dense(hidden of [CLS])), BERT's pooler.
    """
    x = bert_embeddings(ids, segments, weights, eps)
    mask = None
    if lengths is not None:
        mask = (np.arange(x.shape[1]) < np.asarray(lengths)[:, None])[:, None, None, :]  # (B, 1, 1, L)
    n_layers = 1 + max(int(k.split(".")[2]) for k in weights if k.startswith("encoder.layer."))
    for i in range(n_layers):
        x = encoder_layer(x, bert_layer_weights(weights, i), n_heads, mask=mask, activation="gelu", eps=eps)
    pooled = np.tanh(linear(x[:, 0], weights["pooler.dense.weight"], weights["pooler.dense.bias"]))
    return x, pooled


def bert_parameter_count(vocab, hidden, layers, intermediate, positions=512, segments=2):
    """Parameters of a BertModel (embeddings + encoder + pooler, no pre-training heads), by formula."""
    embeddings = (vocab + positions + segments) * hidden + 2 * hidden  # three tables and a layer norm
    attention = 4 * (hidden * hidden + hidden) + 2 * hidden  # W_q, W_k, W_v, W_o with biases; a layer norm
    feed_forward = 2 * hidden * intermediate + intermediate + hidden + 2 * hidden  # two linear maps; a layer norm
    pooler = hidden * hidden + hidden
    return embeddings + layers * (attention + feed_forward) + pooler


