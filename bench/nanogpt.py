"""nanoGPT's model and learning-rate schedule, the baseline of ``python3 dev.py bench gpt``, written for this benchmark
from a reading of nanoGPT's ``model.py`` and ``train.py`` (github.com/karpathy/nanoGPT) with its README's recipe for a
CPU (``--bias`` left at train.py's default, False; ``--dropout=0.0``).

How it differs from the course's ``helpers.models.GPT`` (GPT-2's layout): no biases at all (linear layers and layer
norms), the exact GELU rather than GPT-2's tanh approximation, ``nn.Linear`` weights stored (out, in). The same:
pre-norm blocks, learned positions, the head tied to the token embedding, every weight N(0, 0.02) and the two
projections into the residual stream N(0, 0.02 / sqrt(2 * layers)). The schedule: nanoGPT's ``get_lr``, a linear
warm-up then a cosine over ``lr_decay_iters`` steps, and the floor after them.
"""

import math

import torch.nn.functional as F
from torch import nn

__all__ = ["NanoBlock", "NanoGPT", "nanogpt_lr"]


class NanoBlock(nn.Module):
    """x = x + attention(LN(x)) (causal), then x = x + MLP(LN(x)); x: (B, L, E). No biases anywhere."""

    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.ln_1, self.ln_2 = nn.LayerNorm(width, bias=False), nn.LayerNorm(width, bias=False)
        self.c_attn = nn.Linear(width, 3 * width, bias=False)
        self.attn_proj = nn.Linear(width, width, bias=False)
        self.c_fc = nn.Linear(width, 4 * width, bias=False)
        self.mlp_proj = nn.Linear(4 * width, width, bias=False)

    def forward(self, x):
        B, L, E = x.shape
        q, k, v = (t.view(B, L, self.heads, E // self.heads).transpose(1, 2)
                   for t in self.c_attn(self.ln_1(x)).split(E, dim=-1))
        heads = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # (B, heads, L, E / heads)
        x = x + self.attn_proj(heads.transpose(1, 2).reshape(B, L, E))
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x))))


class NanoGPT(nn.Module):
    """Token + position embeddings, `layers` NanoBlocks, a final layer norm, a tied head. ids (B, L) -> logits
    (B, L, vocab)."""

    def __init__(self, vocab_size, n_positions, width, layers, heads):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(vocab_size, width), nn.Embedding(n_positions, width)
        self.blocks = nn.ModuleList(NanoBlock(width, heads) for _ in range(layers))
        self.ln_f = nn.LayerNorm(width, bias=False)
        self.lm_head = nn.Linear(width, vocab_size, bias=False)
        self.lm_head.weight = self.wte.weight  # tied, as nanoGPT does
        for module in self.modules():
            if isinstance(module, (nn.Linear, nn.Embedding)):
                nn.init.normal_(module.weight, std=0.02)
        for block in self.blocks:  # the residual projections, scaled down for the 2 * layers branches that add up
            for proj in (block.attn_proj, block.mlp_proj):
                nn.init.normal_(proj.weight, std=0.02 / math.sqrt(2 * layers))

    def forward(self, ids):
        x = self.wte(ids) + self.wpe.weight[:ids.shape[1]]
        for block in self.blocks:
            x = block(x)
        return self.lm_head(self.ln_f(x))


def nanogpt_lr(step, lr, min_lr, warmup, decay_steps):
    """nanoGPT's get_lr: a linear warm-up to `lr` over `warmup` steps, a cosine from `lr` to `min_lr` ending at step
    `decay_steps` (its lr_decay_iters), then `min_lr`."""
    if step < warmup:
        return lr * (step + 1) / (warmup + 1)
    if step > decay_steps:
        return min_lr
    ratio = (step - warmup) / (decay_steps - warmup)
    return min_lr + 0.5 * (1 + math.cos(math.pi * ratio)) * (lr - min_lr)
