"""helpers.scratch.gpt: the NumPy GPT-2 (forward and backward) against Hugging Face's GPT2LMHeadModel built locally
with random weights (no download), in float64: logits, the next-token loss, and every parameter's gradient;
finite differences at sampled coordinates; GPT-2's four published sizes by formula."""

import numpy as np
import pytest
import torch
import transformers  # test-only (requirements-test.txt): a GPT2LMHeadModel built here, never downloaded

from helpers.scratch.gpt import (
    generate,
    gpt_backward,
    gpt_decode,
    gpt_forward,
    gpt_parameter_count,
    next_token_loss,
    next_token_probs,
    top_k_filter,
    top_p_filter,
)


def _hf_gpt2(seed=0, vocab=40, positions=12, width=16, layers=2, heads=4):
    torch.manual_seed(seed)
    config = transformers.GPT2Config(vocab_size=vocab, n_positions=positions, n_embd=width, n_layer=layers,
                                     n_head=heads, resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)
    model = transformers.GPT2LMHeadModel(config).double().eval()
    with torch.no_grad():  # non-trivial layer norms and biases, so that every term of the backward is exercised
        for name, p in model.named_parameters():
            if name.endswith("bias") or ".ln_" in name:
                p.add_(0.1 * torch.randn_like(p))
    return model


def _numpy_weights(model):
    return {k: v.detach().numpy() for k, v in model.state_dict().items() if v.is_floating_point()}


@pytest.fixture(scope="module")
def setup():
    model = _hf_gpt2()
    ids = np.random.default_rng(0).integers(0, 40, size=(3, 10))
    t_ids = torch.tensor(ids)
    logits_t = model(t_ids).logits
    loss_t = torch.nn.functional.cross_entropy(logits_t[:, :-1].reshape(-1, 40), t_ids[:, 1:].reshape(-1))
    loss_t.backward()
    return model, ids, logits_t.detach().numpy(), loss_t.item()


def test_numpy_gpt_gives_hugging_faces_logits_and_loss(setup):
    model, ids, logits_t, loss_t = setup
    logits, _ = gpt_forward(ids, _numpy_weights(model), n_heads=4)
    np.testing.assert_allclose(logits, logits_t, rtol=1e-10, atol=1e-12)
    loss, _ = next_token_loss(logits, ids)
    assert loss == pytest.approx(loss_t, rel=1e-12)


def test_the_causal_mask_keeps_the_future_out():
    model = _hf_gpt2(1)
    w = _numpy_weights(model)
    ids = np.random.default_rng(1).integers(0, 40, size=(1, 8))
    changed = ids.copy()
    changed[0, 5:] = (changed[0, 5:] + 1) % 40
    a, _ = gpt_forward(ids, w, 4)
    b, _ = gpt_forward(changed, w, 4)
    np.testing.assert_array_equal(a[0, :5], b[0, :5])
    assert not np.allclose(a[0, 5:], b[0, 5:])


def test_every_gradient_equals_autograds(setup):
    model, ids, _, _ = setup
    logits, cache = gpt_forward(ids, _numpy_weights(model), n_heads=4)
    grads = gpt_backward(next_token_loss(logits, ids)[1], cache)
    named = dict(model.named_parameters())  # lm_head.weight is wte itself: listed once, as transformer.wte.weight
    assert set(grads) == set(named)
    for name, p in named.items():
        want = p.grad.numpy()
        assert grads[name].shape == want.shape, name
        err = np.abs(grads[name] - want).max() / np.abs(want).max()
        assert err < 1e-8, f"{name}: max error {err:.2e} of the largest entry"


def test_gradients_match_finite_differences_at_sampled_coordinates():
    model = _hf_gpt2(2)
    w = _numpy_weights(model)
    ids = np.random.default_rng(2).integers(0, 40, size=(2, 7))
    logits, cache = gpt_forward(ids, w, 4)
    grads = gpt_backward(next_token_loss(logits, ids)[1], cache)
    rng = np.random.default_rng(3)
    for name in ("transformer.wte.weight", "transformer.wpe.weight", "transformer.h.0.attn.c_attn.weight",
                 "transformer.h.1.mlp.c_fc.bias", "transformer.h.0.ln_1.weight", "transformer.ln_f.bias"):
        for _ in range(3):
            idx = tuple(rng.integers(0, n) for n in w[name].shape)
            if name == "transformer.wpe.weight":
                idx = (rng.integers(0, 7), idx[1])  # a used position
            h = 1e-6
            old = w[name][idx]
            w[name][idx] = old + h
            up = next_token_loss(gpt_forward(ids, w, 4)[0], ids)[0]
            w[name][idx] = old - h
            down = next_token_loss(gpt_forward(ids, w, 4)[0], ids)[0]
            w[name][idx] = old
            numeric = (up - down) / (2 * h)
            assert abs(numeric - grads[name][idx]) <= 1e-6 * max(1.0, abs(numeric)), (name, idx)


def test_gpt_forward_rejects_bad_ids():
    w = _numpy_weights(_hf_gpt2())
    with pytest.raises(ValueError, match="integer token ids"):
        gpt_forward(np.zeros((1, 3)), w, 4)
    with pytest.raises(ValueError, match="positions"):
        gpt_forward(np.zeros((1, 13), dtype=int), w, 4)
    with pytest.raises(ValueError, match=r"ids in \[0, 40\)"):
        gpt_forward(np.full((1, 3), 40), w, 4)


@pytest.mark.parametrize("layers,width,published", [(12, 768, 124_439_808), (24, 1024, 354_823_168),
                                                    (36, 1280, 774_030_080), (48, 1600, 1_557_611_200)])
def test_gpt2_sizes_by_formula(layers, width, published):
    assert gpt_parameter_count(50257, 1024, layers, width) == published


def test_the_formula_counts_a_built_model():
    model = _hf_gpt2(vocab=50, positions=20, width=24, layers=3, heads=4)
    assert sum(p.numel() for p in model.parameters()) == gpt_parameter_count(50, 20, 3, 24)


def test_our_pytorch_gpt_loads_hugging_faces_state_dict_and_gives_its_logits(setup):
    from helpers.models import GPT

    model, ids, logits_t, _ = setup
    ours = GPT(40, n_positions=12, width=16, layers=2, heads=4).double().eval()
    ours.load_state_dict(model.state_dict())  # strict: the same names and shapes, lm_head.weight included
    assert ours.lm_head.weight is ours.transformer["wte"].weight
    with torch.no_grad():
        np.testing.assert_allclose(ours(torch.tensor(ids)).numpy(), logits_t, rtol=1e-10, atol=1e-12)


GPT3 = {"125M": (12, 768, 125e6), "350M": (24, 1024, 350e6), "760M": (24, 1536, 760e6), "1.3B": (24, 2048, 1.3e9),
        "2.7B": (32, 2560, 2.7e9), "6.7B": (32, 4096, 6.7e9), "13B": (40, 5140, 13e9), "175B": (96, 12288, 175e9)}


@pytest.mark.parametrize("name", GPT3)
def test_gpt3_table_2_1_within_two_percent(name):
    # Table 2.1 names rounded sizes: by the formula 350M is 355.9M, 1.3B is 1.316B, 2.7B is 2.652B (1.8 % off)
    layers, width, published = GPT3[name]
    assert abs(gpt_parameter_count(50257, 2048, layers, width) / published - 1) < 0.02


@pytest.mark.parametrize("layers,width,heads,published", [(12, 768, 12, 124_439_808), (48, 1600, 25, 1_557_611_200)])
def test_our_gpt_on_the_meta_device_has_gpt2s_size(layers, width, heads, published):
    from helpers.models import GPT

    with torch.device("meta"):
        model = GPT(50257, 1024, width, layers, heads)
    assert sum(p.numel() for p in model.parameters()) == published  # the tied head is counted once


# --------------------------------------------------------------------------------------------
# Generation: the KV cache and the sampling rules.
# --------------------------------------------------------------------------------------------


def test_decoding_with_the_kv_cache_gives_the_full_forwards_logits():
    w = _numpy_weights(_hf_gpt2(2))
    ids = np.random.default_rng(2).integers(0, 40, size=(2, 12))
    full, _ = gpt_forward(ids, w, 4)
    kv = []
    first = gpt_decode(ids[:, :5], w, 4, kv)  # the prompt in one go, then one token at a time
    np.testing.assert_allclose(first, full[:, :5], rtol=1e-10, atol=1e-12)
    for t in range(5, 12):
        step = gpt_decode(ids[:, t:t + 1], w, 4, kv)
        np.testing.assert_allclose(step[:, 0], full[:, t], rtol=1e-10, atol=1e-12)
    assert kv[0][0].shape == (2, 4, 12, 4)
    with pytest.raises(ValueError, match="context is full"):
        gpt_decode(ids[:, :1], w, 4, kv)  # position 12 does not exist (12 positions)


def test_generate_with_and_without_the_cache_gives_the_same_text_past_the_context():
    w = _numpy_weights(_hf_gpt2(3))
    for sampling in ({"temperature": 0}, {"temperature": 1.0, "top_k": 5}):
        a = generate([1, 2, 3], w, 4, 20, np.random.default_rng(0), cache=True, **sampling)
        b = generate([1, 2, 3], w, 4, 20, np.random.default_rng(0), cache=False, **sampling)
        np.testing.assert_array_equal(a, b)  # 23 tokens > 12 positions: the window slid on both paths
        assert a.shape == (23,) and list(a[:3]) == [1, 2, 3]
    with pytest.raises(ValueError, match="prompt of 1 to 12 tokens"):
        generate(list(range(13)), w, 4, 1, np.random.default_rng(0))


def test_top_k_keeps_the_k_largest():
    logits = np.array([[0.5, 3.0, -1.0, 2.0, 1.0]])
    np.testing.assert_array_equal(top_k_filter(logits, 2), [[-np.inf, 3.0, -np.inf, 2.0, -np.inf]])
    np.testing.assert_array_equal(top_k_filter(logits, 5), logits)


def test_top_p_keeps_the_nucleus_and_renormalises():
    probs = np.array([0.1, 0.5, 0.05, 0.3, 0.05])
    np.testing.assert_allclose(top_p_filter(probs, 0.5), [0, 1, 0, 0, 0])  # 0.5 alone reaches 0.5
    np.testing.assert_allclose(top_p_filter(probs, 0.6), [0, 0.5 / 0.8, 0, 0.3 / 0.8, 0])
    np.testing.assert_allclose(top_p_filter(probs, 0.01), [0, 1, 0, 0, 0])  # the most likely always stays
    np.testing.assert_allclose(top_p_filter(probs, 1.0), probs)


def test_top_p_agrees_with_hugging_faces_warper():
    rng = np.random.default_rng(4)
    logits = rng.normal(scale=2.0, size=(6, 30))
    for p in (0.3, 0.8, 0.95):
        warped = transformers.TopPLogitsWarper(p)(None, torch.tensor(logits))
        want = torch.softmax(warped, dim=-1).numpy()
        probs = np.exp(logits - logits.max(axis=1, keepdims=True))
        np.testing.assert_allclose(top_p_filter(probs / probs.sum(axis=1, keepdims=True), p), want, atol=1e-12)


def test_next_token_probs_temperature_and_checks():
    logits = np.array([1.0, 2.0, 0.0])
    np.testing.assert_array_equal(next_token_probs(logits, temperature=0), [0, 1, 0])
    cold, hot = next_token_probs(logits, 0.5), next_token_probs(logits, 2.0)
    assert cold.max() > next_token_probs(logits).max() > hot.max()
    np.testing.assert_allclose(next_token_probs(logits, 1.0, top_k=1), [0, 1, 0])
    for bad in ({"temperature": -1}, {"top_p": 0}, {"top_p": 1.5}, {"top_k": -2}):
        with pytest.raises(ValueError, match="next_token_probs expects"):
            next_token_probs(logits, **bad)
