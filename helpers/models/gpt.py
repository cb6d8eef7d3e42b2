"""13: GPT-2 with Hugging Face ``GPT2LMHeadModel``'s parameter names and layout, so that its state_dict loads as it
is (``helpers.scratch.gpt`` reads the same dict); trained by ``python3 dev.py train gpt_shakespeare``.

Taught line for line in its notebook (a test fails if the two drift apart)."""

import math

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["Conv1D", "GPTBlock", "GPT"]


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
