"""bench/gpt.py and bench/nanogpt.py: nanoGPT's model is a GPT-2 without biases (checked against Hugging Face's
GPT2LMHeadModel with its biases zeroed and the exact GELU), its schedule is nanoGPT's get_lr, and the benchmark's
plan, table and verdicts follow its rules (each model gets the steps its speed buys; a win needs the worst seed below
the other's best)."""

import math

import pytest
import torch

from bench import gpt
from bench.nanogpt import NanoGPT, nanogpt_lr
from helpers.training import GPT_STEPS, RECIPES, train


def test_nanogpt_has_no_biases_a_tied_head_and_gpt2s_initialisation():
    torch.manual_seed(0)
    model = NanoGPT(vocab_size=76, n_positions=64, width=128, layers=4, heads=4)
    names = dict(model.named_parameters())
    assert not [n for n in names if "bias" in n]
    assert model.lm_head.weight is model.wte.weight
    E, L = 128, 4  # 12 L E^2 in the blocks, one E per layer norm (2 per block + the last), the two embeddings
    assert sum(p.numel() for p in model.parameters()) == 12 * L * E**2 + (2 * L + 1) * E + (76 + 64) * E
    assert model.blocks[0].c_fc.weight.std().item() == pytest.approx(0.02, rel=0.05)
    assert model.blocks[0].mlp_proj.weight.std().item() == pytest.approx(0.02 / math.sqrt(2 * L), rel=0.05)
    assert model(torch.zeros(2, 10, dtype=torch.long)).shape == (2, 10, 76)


def test_nanogpt_equals_hugging_faces_gpt2_with_zero_biases_and_the_exact_gelu():
    import transformers  # test-only: a random model built here, never downloaded

    torch.manual_seed(0)
    ours = NanoGPT(vocab_size=50, n_positions=16, width=32, layers=2, heads=4).double().eval()
    config = transformers.GPT2Config(vocab_size=50, n_positions=16, n_embd=32, n_layer=2, n_head=4,
                                     activation_function="gelu", resid_pdrop=0, embd_pdrop=0, attn_pdrop=0)
    hf = transformers.GPT2LMHeadModel(config).double().eval()
    with torch.no_grad():
        for p in hf.parameters():
            p.zero_()
        t = hf.transformer
        t.wte.weight.copy_(ours.wte.weight)
        t.wpe.weight.copy_(ours.wpe.weight)
        t.ln_f.weight.copy_(ours.ln_f.weight)
        for mine, theirs in zip(ours.blocks, t.h, strict=True):
            theirs.ln_1.weight.copy_(mine.ln_1.weight)
            theirs.ln_2.weight.copy_(mine.ln_2.weight)
            for a, b in ((theirs.attn.c_attn, mine.c_attn), (theirs.attn.c_proj, mine.attn_proj),
                         (theirs.mlp.c_fc, mine.c_fc), (theirs.mlp.c_proj, mine.mlp_proj)):
                a.weight.copy_(b.weight.T)  # GPT-2's Conv1D stores (in, out)
    ids = torch.randint(0, 50, (3, 16))
    torch.testing.assert_close(ours(ids), hf(ids).logits, rtol=1e-10, atol=1e-10)


def test_nanogpt_schedule_is_its_get_lr():
    lr = lambda step, decay=1000: nanogpt_lr(step, 1e-3, 1e-4, 100, decay)  # noqa: E731
    assert lr(0) == pytest.approx(1e-3 / 101) and lr(99) == pytest.approx(1e-3 * 100 / 101)
    assert lr(100) == pytest.approx(1e-3)
    assert lr(550) == pytest.approx(5.5e-4)  # half-way through the cosine
    assert lr(1000) == pytest.approx(1e-4) and lr(5000) == pytest.approx(1e-4)


def test_the_train_loop_takes_nanogpts_model_and_schedule():
    text = "to be or not to be, that is the question. " * 200
    r = RECIPES["nanoGPT (baseline)"]
    seen = []
    model, loss, steps = train(r, text, steps=3, make_model=lambda v, r: NanoGPT(v, r.block, 16, 1, 2),
                               schedule=lambda step, elapsed: seen.append((step, elapsed)) or 1e-3)
    assert isinstance(model, NanoGPT) and steps == 3 and sorted(set(seen)) == [(0, 0.0), (1, 1 / 3), (2, 2 / 3)]
    assert loss < math.log(len(set(text)))


def test_plan_gives_each_model_the_steps_its_speed_buys_and_the_checkpoint_row():
    speed = {gpt.OURS: 20.0, gpt.NANO: 25.0}
    jobs = gpt.plan(speed, budgets=(30, 60), seeds=(0, 1, 2))
    steps = {(j.entry, j.budget): j.steps for j in jobs}
    assert steps[gpt.OURS, 30] == 600 and steps[gpt.NANO, 60] == steps[gpt.NANO_2000, 60] == 1500
    assert steps[gpt.OURS, gpt.CHECKPOINT] == GPT_STEPS
    assert steps[gpt.NANO, gpt.CHECKPOINT] == round(GPT_STEPS / 20 * 25)
    # seed 0 of ours' checkpoint row is the shipped checkpoint itself: not retrained
    assert sorted(j.seed for j in jobs if j.budget == gpt.CHECKPOINT and j.entry == gpt.OURS) == [1, 2]
    assert len(jobs) == 2 * 3 * 3 + 3 + 2


def _results(ours, nano, nano_2000=None, budget=60):
    return {"speed": {gpt.OURS: 20.0, gpt.NANO: 25.0},
            "runs": [{"entry": e, "budget": budget, "steps": 1200, "seed": s, "loss": losses[s]}
                     for e, losses in ((gpt.OURS, ours), (gpt.NANO, nano), (gpt.NANO_2000, nano_2000 or nano))
                     for s in range(3)]}


def test_a_win_needs_the_worst_seed_below_the_others_best():
    win = _results([1.90, 1.92, 1.91], [1.95, 1.93, 1.94])
    assert gpt.verdict(*[gpt.table(win)[60][e] for e in (gpt.OURS, gpt.NANO)]) == "ours lower by 0.030"
    assert not gpt.missed(win)
    overlap = _results([1.90, 1.94, 1.91], [1.95, 1.93, 1.94])
    assert gpt.verdict(*[gpt.table(overlap)[60][e] for e in (gpt.OURS, gpt.NANO)]) == "within the spread of the seeds"
    assert gpt.missed(overlap)
    # a win against one of nanoGPT's two schedules is not enough
    assert gpt.missed(_results([1.90, 1.92, 1.91], [1.95, 1.93, 1.94], nano_2000=[1.91, 1.89, 1.90]))
    loss = _results([1.99, 1.98, 1.97], [1.95, 1.93, 1.94])
    assert gpt.verdict(*[gpt.table(loss)[60][e] for e in (gpt.OURS, gpt.NANO)]) == "nanoGPT lower by 0.040"
    text = gpt.markdown(loss)
    assert "| 60 s | 1.940 (1.930–1.950), 1,200 steps |" in text and "nanoGPT lower by 0.040" in text
    assert "2.065 (1,334 steps)" in text  # nanoGPT's own code, measured elsewhere, beside ours of it


def test_the_stored_results_are_the_table_the_readme_quotes():
    import json
    from pathlib import Path

    results = json.loads(gpt.RESULTS.with_suffix(".json").read_text())
    assert gpt.RESULTS.read_text() == gpt.markdown(results)
    assert {r["budget"] for r in results["runs"]} == {*gpt.BUDGETS, gpt.CHECKPOINT}
    assert all(len({r["seed"] for r in results["runs"] if r["budget"] == b and r["entry"] == e}) >= 3
               for b in gpt.BUDGETS for e in (gpt.OURS, gpt.NANO, gpt.NANO_2000))
    assert {(r["entry"], r["budget"], r["steps"]) for r in results["reproduction"]} == {
        (e, s, steps) for e, row in gpt.NANOGPT_MEASURED.items() for s, (_, steps) in row.items()}
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert gpt.summary_table(results) in readme
