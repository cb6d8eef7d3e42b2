"""12: BERT's encoder with Hugging Face ``BertModel``'s parameter names, so that its state_dict loads as it is
(``helpers.scratch.bert.bert_forward`` reads the same dict), and the encoder with its masked-LM and next-sentence heads,
pre-trained on the shipped plays by ``python3 dev.py train bert_pretrained``.

Taught line for line in its notebook (a test fails if the two drift apart)."""

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["BertLayer", "Bert", "BertPretraining"]


class BertLayer(nn.Module):
    """One BERT encoder layer (post-norm, GELU): x = LN(x + attention(x)), x = LN(x + FF(x)). x: (B, L, H).

    The sub-modules are named as in Hugging Face's BertLayer (attention.self.query, ..., output.LayerNorm).
    """

    def __init__(self, hidden, heads, intermediate, eps=1e-12):
        super().__init__()
        self.heads = heads
        self.attention = nn.ModuleDict({
            "self": nn.ModuleDict({n: nn.Linear(hidden, hidden) for n in ("query", "key", "value")}),
            "output": nn.ModuleDict({"dense": nn.Linear(hidden, hidden), "LayerNorm": nn.LayerNorm(hidden, eps=eps)}),
        })
        self.intermediate = nn.ModuleDict({"dense": nn.Linear(hidden, intermediate)})
        self.output = nn.ModuleDict({"dense": nn.Linear(intermediate, hidden),
                                     "LayerNorm": nn.LayerNorm(hidden, eps=eps)})

    def forward(self, x, keep=None):
        """keep: None or bool (B, 1, 1, L), True = may attend (the real tokens)."""
        B, L, H = x.shape
        q, k, v = (self.attention["self"][n](x).view(B, L, self.heads, H // self.heads).transpose(1, 2)
                   for n in ("query", "key", "value"))
        heads = F.scaled_dot_product_attention(q, k, v, attn_mask=keep)  # (B, heads, L, H / heads)
        out = self.attention["output"]
        x = out["LayerNorm"](x + out["dense"](heads.transpose(1, 2).reshape(B, L, H)))
        return self.output["LayerNorm"](x + self.output["dense"](F.gelu(self.intermediate["dense"](x))))


class Bert(nn.Module):
    """BERT's encoder: token + position + segment embeddings, layer norm, `layers` BertLayers, and the pooler
    (tanh of a dense layer on the [CLS] token). Parameter names as in Hugging Face's BertModel.

    ids, segments: (B, L) int; lengths: None or (B,) real lengths. Returns (hidden (B, L, H), pooled (B, H)).
    """

    def __init__(self, vocab_size, hidden=128, layers=2, heads=4, intermediate=512, max_positions=64, eps=1e-12):
        super().__init__()
        self.embeddings = nn.ModuleDict({
            "word_embeddings": nn.Embedding(vocab_size, hidden),
            "position_embeddings": nn.Embedding(max_positions, hidden),
            "token_type_embeddings": nn.Embedding(2, hidden),
            "LayerNorm": nn.LayerNorm(hidden, eps=eps)})
        self.encoder = nn.ModuleDict({"layer": nn.ModuleList(BertLayer(hidden, heads, intermediate, eps)
                                                             for _ in range(layers))})
        self.pooler = nn.ModuleDict({"dense": nn.Linear(hidden, hidden)})

    def forward(self, ids, segments, lengths=None):
        e = self.embeddings
        L = ids.shape[1]
        x = e["LayerNorm"](e["word_embeddings"](ids) + e["position_embeddings"].weight[:L]
                           + e["token_type_embeddings"](segments))
        keep = None
        if lengths is not None:
            keep = (torch.arange(L, device=ids.device) < lengths[:, None])[:, None, None, :]
        for layer in self.encoder["layer"]:
            x = layer(x, keep)
        return x, torch.tanh(self.pooler["dense"](x[:, 0]))


class BertPretraining(nn.Module):
    """BERT and its two pre-training heads. Masked LM: dense -> GELU -> layer norm, then a score for every word of
    the vocabulary by a dot product with its input embedding (the output matrix is tied to the input one) plus a
    bias. Next sentence: two logits (is next, is not) from the pooled [CLS] vector. Initialised as BERT is:
    weights N(0, 0.02), biases 0.

    losses(batch) takes a dict of tensors as made by helpers.scratch.bert.pretraining_batch.
    """

    def __init__(self, vocab_size, hidden=128, layers=2, heads=4, intermediate=512, max_positions=64, eps=1e-12):
        super().__init__()
        self.bert = Bert(vocab_size, hidden, layers, heads, intermediate, max_positions, eps)
        self.mlm_dense, self.mlm_norm = nn.Linear(hidden, hidden), nn.LayerNorm(hidden, eps=eps)
        self.mlm_bias = nn.Parameter(torch.zeros(vocab_size))
        self.nsp = nn.Linear(hidden, 2)
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, std=0.02)
            if isinstance(m, nn.Linear):
                nn.init.zeros_(m.bias)

    def forward(self, ids, segments, lengths=None):
        """Returns (hidden (B, L, H), nsp_logits (B, 2))."""
        hidden, pooled = self.bert(ids, segments, lengths)
        return hidden, self.nsp(pooled)

    def mlm_logits(self, hidden):
        """(..., H) hidden states -> (..., vocab) scores for the word at those positions."""
        h = self.mlm_norm(F.gelu(self.mlm_dense(hidden)))
        return h @ self.bert.embeddings["word_embeddings"].weight.T + self.mlm_bias

    def losses(self, batch):
        """(masked-LM loss, next-sentence loss): mean cross-entropies. The MLM head runs only where a token is to
        be predicted (labels != -100): 15 % of the positions, so 85 % of its cost is saved."""
        hidden, nsp_logits = self(batch["ids"], batch["segments"], batch["lengths"])
        chosen = batch["labels"] != -100
        mlm = F.cross_entropy(self.mlm_logits(hidden[chosen]), batch["labels"][chosen])
        return mlm, F.cross_entropy(nsp_logits, batch["is_next"])
