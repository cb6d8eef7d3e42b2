"""PyTorch models that a notebook teaches and a shipped checkpoint was trained with.

Each is defined, line for line, in the notebook named below (its test fails if the two drift apart); the
checkpoint recipes in ``data/checkpoints.py`` import them from here, so a shipped state dict always fits the
notebook's model.

- ``make_cnn``        05: the MNIST CNN (conv → batch norm → ReLU → pool, twice; a dense head); 10 uses it, trained
                      by ``python3 dev.py train mnist_cnn``, to judge generated digits
- ``Generator``,
  ``make_discriminator``  10: the DCGAN for 28×28 digits (``python3 dev.py train dcgan_generator``)
- ``Bert``, ``BertLayer``  12: BERT's encoder with Hugging Face ``BertModel``'s parameter names, so that
                      its state_dict loads as it is (``helpers.scratch.bert.bert_forward`` reads the same dict)
- ``BertPretraining``  12: the encoder with its masked-LM and next-sentence heads, pre-trained on the shipped plays
                      by ``python3 dev.py train bert_pretrained``
- ``GPT``, ``GPTBlock``, ``Conv1D``  13 (ahead of it): GPT-2 with Hugging Face ``GPT2LMHeadModel``'s parameter names
                      and layout, so that its state_dict loads as it is (``helpers.scratch.gpt`` reads the same dict)
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["make_cnn", "Z_DIM", "Generator", "make_discriminator", "BertLayer", "Bert", "BertPretraining", "Conv1D",
           "GPTBlock", "GPT"]


def make_cnn():
    """Feature extraction: 2 blocks of conv 3x3 -> batch norm -> ReLU -> max pool 2x2; then a dense head."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),    # (N, 16, 14, 14)
        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),   # (N, 32, 7, 7)
        nn.Flatten(), nn.Linear(32 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.3), nn.Linear(128, 10),
    )


Z_DIM = 32  # numbers of noise per generated image


class Generator(nn.Module):
    """G: noise z (N, Z_DIM) -> images (N, 1, 28, 28) with pixels in (0, 1).

    A dense layer makes 2·width small 7×7 maps; two transposed convolutions, each Conv2DTranspose(filters,
    size 4, stride 2) in the lecture's words, double the size: 7 -> 14 -> 28. Batch norm between them keeps
    every layer's outputs at a steady scale (as in DCGAN, Radford et al. 2016); a sigmoid makes pixels.
    """

    def __init__(self, z_dim=Z_DIM, width=32):
        super().__init__()
        self.width = width
        self.project = nn.Sequential(nn.Linear(z_dim, 2 * width * 7 * 7), nn.BatchNorm1d(2 * width * 7 * 7),
                                     nn.ReLU())
        self.upsample = nn.Sequential(
            nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1), nn.BatchNorm2d(width), nn.ReLU(),  # 14x14
            nn.ConvTranspose2d(width, 1, 4, stride=2, padding=1), nn.Sigmoid(),                               # 28x28
        )

    def forward(self, z):
        return self.upsample(self.project(z).view(-1, 2 * self.width, 7, 7))


def make_discriminator(width=32):
    """D: images (N, 1, 28, 28) -> one logit per image (N, 1); σ(logit) is D's probability that it is real.

    Convolutions with stride 2 halve the size (28 -> 14 -> 7), the mirror image of the generator; leaky ReLUs
    let a little gradient through for negative inputs too, so that every fake image gets feedback.
    """
    return nn.Sequential(
        nn.Conv2d(1, width, 4, stride=2, padding=1), nn.LeakyReLU(0.2),                                # 14x14
        nn.Conv2d(width, 2 * width, 4, stride=2, padding=1), nn.BatchNorm2d(2 * width), nn.LeakyReLU(0.2),  # 7x7
        nn.Flatten(), nn.Linear(2 * width * 7 * 7, 1),
    )


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


class Conv1D(nn.Module):
    """GPT-2's linear layer: y = x W + b with W stored as (in, out), the transpose of nn.Linear's (out, in).
    (The name is historical: a 1x1 convolution is a linear map applied at every position.)"""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_in, n_out))
        self.bias = nn.Parameter(torch.zeros(n_out))
        nn.init.normal_(self.weight, std=0.02)

    def forward(self, x):
        return torch.addmm(self.bias, x.reshape(-1, x.shape[-1]), self.weight).view(*x.shape[:-1], -1)


class GPTBlock(nn.Module):
    """One GPT-2 block, pre-norm: x = x + attention(LN(x)) (causal), x = x + MLP(LN(x)) with the tanh GELU.
    x: (B, L, E). Sub-modules named as in Hugging Face's GPT2Block (ln_1, attn.c_attn, attn.c_proj, ln_2, mlp.*)."""

    def __init__(self, width, heads, eps=1e-5):
        super().__init__()
        self.heads = heads
        self.ln_1, self.ln_2 = nn.LayerNorm(width, eps=eps), nn.LayerNorm(width, eps=eps)
        self.attn = nn.ModuleDict({"c_attn": Conv1D(width, 3 * width), "c_proj": Conv1D(width, width)})
        self.mlp = nn.ModuleDict({"c_fc": Conv1D(width, 4 * width), "c_proj": Conv1D(4 * width, width)})

    def forward(self, x):
        B, L, E = x.shape
        q, k, v = (t.view(B, L, self.heads, E // self.heads).transpose(1, 2)
                   for t in self.attn["c_attn"](self.ln_1(x)).split(E, dim=-1))
        heads = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # (B, heads, L, E / heads)
        x = x + self.attn["c_proj"](heads.transpose(1, 2).reshape(B, L, E))
        return x + self.mlp["c_proj"](F.gelu(self.mlp["c_fc"](self.ln_2(x)), approximate="tanh"))


class GPT(nn.Module):
    """GPT-2: token + learned position embeddings, `layers` GPTBlocks, a final layer norm, and a head tied to the
    token embedding (lm_head.weight IS transformer.wte.weight). Parameter names as in GPT2LMHeadModel.

    ids: (B, L) int, L <= n_positions. Returns logits (B, L, vocab): position t scores the token at t + 1.
    Initialised as GPT-2: weights N(0, 0.02), the projections into the residual stream (c_proj) scaled down by
    sqrt(2 * layers), so that the sum of 2 * layers branches starts with the variance of one.
    """

    def __init__(self, vocab_size, n_positions=1024, width=768, layers=12, heads=12, eps=1e-5):
        super().__init__()
        self.transformer = nn.ModuleDict({
            "wte": nn.Embedding(vocab_size, width), "wpe": nn.Embedding(n_positions, width),
            "h": nn.ModuleList(GPTBlock(width, heads, eps) for _ in range(layers)),
            "ln_f": nn.LayerNorm(width, eps=eps)})
        self.lm_head = nn.Linear(width, vocab_size, bias=False)
        self.lm_head.weight = self.transformer["wte"].weight  # tied: one matrix, two uses
        for module in (self.transformer["wte"], self.transformer["wpe"]):
            nn.init.normal_(module.weight, std=0.02)
        for block in self.transformer["h"]:
            for proj in (block.attn["c_proj"], block.mlp["c_proj"]):
                nn.init.normal_(proj.weight, std=0.02 / math.sqrt(2 * layers))

    def forward(self, ids):
        t = self.transformer
        x = t["wte"](ids) + t["wpe"].weight[:ids.shape[1]]
        for block in t["h"]:
            x = block(x)
        return self.lm_head(t["ln_f"](x))
