"""helpers.scratch.attention against PyTorch (float64, autograd): softmax, scaled dot-product attention (vs a
hand-written reference and F.scaled_dot_product_attention), nn.MultiheadAttention, nn.LayerNorm, GELU (exact and
tanh), the feed-forward block, nn.TransformerEncoderLayer and nn.TransformerDecoderLayer with copied weights, on
several shapes (batch 1, length 1, Lq != Lk, one head); causal and padding masks; finite differences; float32;
bad inputs rejected with a message that names what was expected."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from helpers.compare import numerical_gradient, rel_error
from helpers.scratch.attention import (
    DECODER_LAYER_KEYS,
    ENCODER_LAYER_KEYS,
    attention,
    attention_backward,
    causal_mask,
    decoder_layer,
    encoder_layer,
    feed_forward,
    feed_forward_backward,
    layer_norm,
    layer_norm_backward,
    merge_heads,
    multi_head_attention,
    multi_head_attention_backward,
    padding_mask,
    sinusoidal_positions,
    softmax,
    softmax_backward,
    split_heads,
)
from helpers.scratch.gelu import gelu, gelu_backward, gelu_tanh, gelu_tanh_backward, normal_cdf

TOL = {"rtol": 1e-10, "atol": 1e-12}  # float64 against float64: the two differ only in rounding
GRAD_TOL = {"rtol": 1e-8, "atol": 1e-12}


def _numpy(t):
    return t.detach().numpy()


def _agrees_with_finite_differences(loss, x, analytic):
    """Centred differences at every entry of x; relative to the largest entry (some gradients are exactly 0)."""
    numeric = numerical_gradient(loss, x)
    assert np.abs(analytic - numeric).max() <= 1e-6 * np.abs(numeric).max()


def _close(ours, theirs, tol=TOL):
    theirs = _numpy(theirs) if isinstance(theirs, torch.Tensor) else theirs
    assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
    np.testing.assert_allclose(ours, theirs, **tol)


# --------------------------------------------------------------------------------------------
# Softmax and masks.
# --------------------------------------------------------------------------------------------

def test_softmax_matches_torch_is_stable_and_works_in_place():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(3, 4, 5)) * 30
    z[0, 0] += 1000  # e^1000 overflows: subtracting the max first avoids it
    for axis in (-1, 0, 1):
        with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
            y = softmax(z, axis=axis)
        _close(y, torch.softmax(torch.tensor(z), dim=axis), {"rtol": 1e-12, "atol": 1e-300})
    buf = z.astype(np.float32)
    assert softmax(buf, out=buf) is buf and buf.dtype == np.float32
    np.testing.assert_allclose(buf.sum(axis=-1), 1, rtol=1e-6)


def test_softmax_of_an_all_minus_inf_row_is_zeros_not_nan():
    z = np.array([[1.0, -np.inf, 2.0], [-np.inf, -np.inf, -np.inf]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        y = softmax(z)
    np.testing.assert_array_equal(y[1], 0)
    np.testing.assert_allclose(y[0], [1 / (1 + math.e), 0, math.e / (1 + math.e)], rtol=1e-15)


def test_softmax_backward_matches_autograd_and_finite_differences():
    rng = np.random.default_rng(1)
    z, dy = rng.normal(size=(2, 3, 6)), rng.normal(size=(2, 3, 6))
    for axis in (-1, 1):
        zt = torch.tensor(z, requires_grad=True)
        (torch.softmax(zt, dim=axis) * torch.tensor(dy)).sum().backward()
        _close(softmax_backward(dy, softmax(z, axis=axis), axis=axis), zt.grad, GRAD_TOL)
    _agrees_with_finite_differences(lambda a: float((softmax(a) * dy).sum()), z, softmax_backward(dy, softmax(z)))


def test_causal_and_padding_masks():
    np.testing.assert_array_equal(causal_mask(3), [[1, 0, 0], [1, 1, 0], [1, 1, 1]])
    # PyTorch's causal mask marks the future as True (masked out): exactly the complement
    np.testing.assert_array_equal(causal_mask(5), ~nn.Transformer.generate_square_subsequent_mask(5).isinf().numpy())
    m = padding_mask([3, 1, 0], 4)
    assert m.shape == (3, 1, 1, 4) and m.dtype == np.bool_
    np.testing.assert_array_equal(m[:, 0, 0], [[1, 1, 1, 0], [1, 0, 0, 0], [0, 0, 0, 0]])
    assert (causal_mask(4) & m).shape == (3, 1, 4, 4)


# --------------------------------------------------------------------------------------------
# Scaled dot-product attention.
# --------------------------------------------------------------------------------------------

# (leading axes, Lq, Lk, d, dv): heads and batch, batch 1, length 1, Lq != Lk, no leading axis, d = 1
ATTENTION_SHAPES = [((2, 3), 5, 5, 4, 4), ((1, 1), 1, 1, 3, 2), ((2,), 4, 7, 3, 5), ((), 6, 6, 2, 3),
                    ((3, 2), 1, 4, 1, 2), ((1, 2), 6, 3, 8, 1)]


def _attention_mask(kind, lead, Lq, Lk, rng):
    if kind == "none":
        return None
    if kind == "causal":  # Lq < Lk: the queries are the last Lq positions; Lq > Lk: query i sees keys 0 .. i
        return np.tri(Lq, Lk, max(Lk - Lq, 0), dtype=bool)
    lengths = rng.integers(1, Lk + 1, size=lead[0] if lead else 1)  # at least one real key per sequence
    m = padding_mask(lengths, Lk)  # (B, 1, 1, Lk)
    return m.reshape((-1,) + (1,) * (len(lead) - 1) + (1, Lk)) if lead else m[0, 0]


def _torch_attention(q, k, v, mask, scale):
    """The textbook formula in PyTorch: softmax(q k^T * scale, masked with -inf) v."""
    s = q @ k.transpose(-1, -2) * scale
    if mask is not None:
        s = s.masked_fill(~torch.tensor(np.broadcast_to(mask, s.shape)), -math.inf)
    w = torch.softmax(s, dim=-1)
    return w @ v, w


@pytest.mark.parametrize("mask_kind", ["none", "causal", "padding"])
@pytest.mark.parametrize("shape", ATTENTION_SHAPES, ids=str)
def test_attention_and_its_backward_match_autograd_and_sdpa(shape, mask_kind):
    lead, Lq, Lk, d, dv = shape
    rng = np.random.default_rng(Lq + 10 * Lk + d)
    q, k, v = rng.normal(size=lead + (Lq, d)), rng.normal(size=lead + (Lk, d)), rng.normal(size=lead + (Lk, dv))
    mask = _attention_mask(mask_kind, lead, Lq, Lk, rng)
    dout = rng.normal(size=lead + (Lq, dv))
    qt, kt, vt = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
    out_ref, w_ref = _torch_attention(qt, kt, vt, mask, 1 / math.sqrt(d))
    (out_ref * torch.tensor(dout)).sum().backward()
    out, weights = attention(q, k, v, mask)
    _close(out, out_ref)
    _close(weights, w_ref)
    for ours, theirs in zip(attention_backward(dout, q, k, v, weights), (qt.grad, kt.grad, vt.grad), strict=True):
        _close(ours, theirs, GRAD_TOL)
    # PyTorch's own kernel (its boolean attn_mask means "take part", like ours); it wants (..., L, d), >= 3-D
    if lead:
        with torch.no_grad():
            sdpa = F.scaled_dot_product_attention(torch.tensor(q), torch.tensor(k), torch.tensor(v),
                                                  attn_mask=None if mask is None else torch.tensor(mask))
        _close(out, sdpa)


def test_attention_with_a_custom_scale_and_a_fully_masked_row():
    rng = np.random.default_rng(2)
    q, k, v = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4)), rng.normal(size=(2, 5, 3))
    mask = np.ones((2, 3, 5), bool)
    mask[1, 2] = False  # query 2 of sequence 1 may attend to nothing
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        out, weights = attention(q, k, v, mask, scale=0.3)
        dq, dk, dv = attention_backward(np.ones_like(out), q, k, v, weights, scale=0.3)
    np.testing.assert_array_equal(weights[1, 2], 0)
    np.testing.assert_array_equal(out[1, 2], 0)  # zeros, as F.scaled_dot_product_attention gives, not NaN
    np.testing.assert_array_equal(dq[1, 2], 0)  # a constant output has no gradient
    with torch.no_grad():
        ref = F.scaled_dot_product_attention(*(torch.tensor(a) for a in (q, k, v)), attn_mask=torch.tensor(mask),
                                             scale=0.3)
    _close(out, ref)
    qt, kt, vt = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
    _torch_attention(qt[:1], kt[:1], vt[:1], None, 0.3)[0].sum().backward()  # sequence 0 has no masked row
    for ours, theirs in zip((dq[:1], dk[:1], dv[:1]), (qt.grad[:1], kt.grad[:1], vt.grad[:1]), strict=True):
        _close(ours, theirs, GRAD_TOL)


@pytest.mark.parametrize("masked", [False, True])
def test_attention_backward_agrees_with_finite_differences(masked):
    rng = np.random.default_rng(3)
    args = [rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4)), rng.normal(size=(2, 5, 3))]
    mask = np.tri(3, 5, 2, dtype=bool) if masked else None
    R = rng.normal(size=(2, 3, 3))
    out, weights = attention(*args, mask)
    grads = attention_backward(R, *args, weights)
    for i in range(3):  # q, k, v
        def loss(a, i=i):
            return float((R * attention(*args[:i], a, *args[i + 1:], mask)[0]).sum())
        _agrees_with_finite_differences(loss, args[i], grads[i])


def test_attention_in_float32_stays_float32():
    rng = np.random.default_rng(4)
    q, k, v = (rng.normal(size=(2, 2, 6, 8)).astype(np.float32) for _ in range(3))
    out, weights = attention(q, k, v, causal_mask(6))
    assert out.dtype == weights.dtype == np.float32
    dq, dk, dv = attention_backward(np.ones_like(out), q, k, v, weights)
    assert dq.dtype == dk.dtype == dv.dtype == np.float32
    ref = F.scaled_dot_product_attention(*(torch.tensor(a) for a in (q, k, v)), is_causal=True)
    np.testing.assert_allclose(out, ref.numpy(), rtol=1e-4, atol=1e-5)


def test_split_heads_is_a_view_and_merge_heads_inverts_it():
    x = np.arange(2 * 3 * 8, dtype=np.float64).reshape(2, 3, 8)
    heads = split_heads(x, 4)
    assert heads.shape == (2, 4, 3, 2) and np.shares_memory(heads, x)
    np.testing.assert_array_equal(heads[1, 2, 0], x[1, 0, 4:6])  # head 2 holds features 4, 5
    np.testing.assert_array_equal(merge_heads(heads), x)


# --------------------------------------------------------------------------------------------
# Multi-head attention against nn.MultiheadAttention.
# --------------------------------------------------------------------------------------------

# (B, Lq, Lk, E, h): one head, as many heads as features, batch 1, length 1, Lq != Lk
MHA_SHAPES = [(3, 5, 5, 8, 2), (1, 1, 1, 4, 1), (2, 4, 6, 6, 3), (1, 7, 2, 4, 4), (4, 1, 3, 12, 2)]


def _mha_params(mha):
    return [_numpy(p) for p in (mha.in_proj_weight, mha.in_proj_bias, mha.out_proj.weight, mha.out_proj.bias)]


# self-attention (one array three times), cross-attention (key is value), three different arrays
MHA_CASES = [(shape, inputs) for shape in MHA_SHAPES for inputs in ("self", "cross", "distinct")
             if inputs != "self" or shape[1] == shape[2]]


@pytest.mark.parametrize("shape,inputs", MHA_CASES, ids=str)
def test_multi_head_attention_and_backward_match_nn_multiheadattention(shape, inputs):
    B, Lq, Lk, E, h = shape
    torch.manual_seed(sum(shape))
    rng = np.random.default_rng(sum(shape))
    mha = nn.MultiheadAttention(E, h, batch_first=True, dtype=torch.float64)
    with torch.no_grad():  # nonzero biases, so that their gradients are tested too
        mha.in_proj_bias.normal_()
        mha.out_proj.bias.normal_()
    query = torch.tensor(rng.normal(size=(B, Lq, E)), requires_grad=True)
    key = query if inputs == "self" else torch.tensor(rng.normal(size=(B, Lk, E)), requires_grad=True)
    value = key if inputs != "distinct" else torch.tensor(rng.normal(size=(B, Lk, E)), requires_grad=True)
    lengths = rng.integers(1, Lk + 1, size=B)
    # PyTorch's masks say True = masked out; ours True = may attend: the two are complements
    key_padding_mask = ~padding_mask(lengths, Lk)[:, 0, 0]
    attn_mask = ~np.tri(Lq, Lk, max(Lk - Lq, 0), dtype=bool)  # causal, and no query left without a key
    out_ref, w_ref = mha(query, key, value, key_padding_mask=torch.tensor(key_padding_mask),
                         attn_mask=torch.tensor(attn_mask), need_weights=True, average_attn_weights=False)
    dout = rng.normal(size=(B, Lq, E))
    (out_ref * torch.tensor(dout)).sum().backward()

    q_np = _numpy(query)
    k_np = q_np if inputs == "self" else _numpy(key)  # the same array: self-attention takes the one-product path
    v_np = k_np if inputs != "distinct" else _numpy(value)
    params = _mha_params(mha)
    mask = ~attn_mask & ~key_padding_mask[:, None, None, :]
    out, weights = multi_head_attention(q_np, k_np, v_np, *params, h, mask=mask)
    _close(out, out_ref)
    _close(weights, w_ref)
    dquery, dkey, dvalue, *dparams = multi_head_attention_backward(dout, q_np, k_np, v_np, *params, h, weights)
    if inputs == "self":
        _close(dquery + dkey + dvalue, query.grad, GRAD_TOL)  # one input, three paths: the gradients add
    elif inputs == "cross":
        _close(dquery, query.grad, GRAD_TOL)
        _close(dkey + dvalue, key.grad, GRAD_TOL)
    else:
        for ours, theirs in ((dquery, query.grad), (dkey, key.grad), (dvalue, value.grad)):
            _close(ours, theirs, GRAD_TOL)
    for ours, p in zip(dparams, (mha.in_proj_weight, mha.in_proj_bias, mha.out_proj.weight, mha.out_proj.bias),
                       strict=True):
        _close(ours, p.grad, GRAD_TOL)


def test_multi_head_attention_without_a_mask_and_in_float32():
    torch.manual_seed(5)
    mha = nn.MultiheadAttention(16, 4, batch_first=True)
    x = torch.randn(2, 9, 16)
    with torch.no_grad():
        out_ref, w_ref = mha(x, x, x, need_weights=True, average_attn_weights=False)
    xn = x.numpy()
    out, weights = multi_head_attention(xn, xn, xn, *_mha_params(mha), 4)
    assert out.dtype == weights.dtype == np.float32
    np.testing.assert_allclose(out, out_ref.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(weights, w_ref.numpy(), rtol=1e-4, atol=1e-6)


def test_multi_head_attention_backward_agrees_with_finite_differences():
    rng = np.random.default_rng(6)
    B, L, Lk, E, h = 2, 3, 4, 4, 2
    args = [rng.normal(size=(B, L, E)), rng.normal(size=(B, Lk, E)), rng.normal(size=(B, Lk, E)),
            rng.normal(size=(3 * E, E)) * 0.5, rng.normal(size=3 * E), rng.normal(size=(E, E)), rng.normal(size=E)]
    mask = padding_mask([4, 2], Lk)
    R = rng.normal(size=(B, L, E))
    out, weights = multi_head_attention(*args, h, mask=mask)
    grads = multi_head_attention_backward(R, *args, h, weights)
    # b_k adds the same q . b_k to every score of a row, and softmax ignores a shift: its gradient is 0
    np.testing.assert_allclose(grads[4][E:2 * E], 0, atol=1e-13)
    for i in range(7):
        def loss(a, i=i):
            return float((R * multi_head_attention(*args[:i], a, *args[i + 1:], h, mask=mask)[0]).sum())
        _agrees_with_finite_differences(loss, args[i], grads[i])


# --------------------------------------------------------------------------------------------
# Layer norm, positions, activations, the feed-forward block.
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(2, 3, 8), (1, 1, 5), (4, 6), (7,), (2, 3, 1)], ids=str)
def test_layer_norm_and_backward_match_nn_layernorm(shape):
    rng = np.random.default_rng(len(shape) + shape[-1])
    E = shape[-1]
    ln = nn.LayerNorm(E, dtype=torch.float64)
    with torch.no_grad():
        ln.weight.normal_()
        ln.bias.normal_()
    x = torch.tensor(rng.normal(size=shape) * 3 + 1, requires_grad=True)
    dy = rng.normal(size=shape)
    y_ref = ln(x)
    (y_ref * torch.tensor(dy)).sum().backward()
    y, cache = layer_norm(_numpy(x), _numpy(ln.weight), _numpy(ln.bias))
    _close(y, y_ref)
    for ours, theirs in zip(layer_norm_backward(dy, cache), (x.grad, ln.weight.grad, ln.bias.grad), strict=True):
        _close(ours, theirs, GRAD_TOL)


def test_layer_norm_backward_agrees_with_finite_differences():
    rng = np.random.default_rng(7)
    args = [rng.normal(size=(2, 3, 5)), rng.normal(size=5), rng.normal(size=5)]
    R = rng.normal(size=(2, 3, 5))
    grads = layer_norm_backward(R, layer_norm(*args)[1])
    for i in range(3):
        def loss(a, i=i):
            return float((R * layer_norm(*args[:i], a, *args[i + 1:])[0]).sum())
        _agrees_with_finite_differences(loss, args[i], grads[i])


def test_sinusoidal_positions():
    pe = sinusoidal_positions(50, 16)
    assert pe.shape == (50, 16) and pe.dtype == np.float64 and np.all(np.abs(pe) <= 1)
    np.testing.assert_array_equal(pe[0], np.tile([0.0, 1.0], 8))  # position 0: sin 0 = 0, cos 0 = 1
    np.testing.assert_allclose(pe[1, :2], [math.sin(1), math.cos(1)], rtol=1e-15)  # i = 0: angle = position
    p, i = 7, 3
    angle = p / 10000 ** (2 * i / 16)
    np.testing.assert_allclose(pe[p, 2 * i:2 * i + 2], [math.sin(angle), math.cos(angle)], rtol=1e-14)
    np.testing.assert_allclose(pe[:, 0::2] ** 2 + pe[:, 1::2] ** 2, 1, rtol=1e-14)  # each pair: a point on a circle
    odd = sinusoidal_positions(4, 5, dtype=np.float32)
    assert odd.shape == (4, 5) and odd.dtype == np.float32
    expected = [[(math.sin if j % 2 == 0 else math.cos)(p / 10000 ** (2 * (j // 2) / 5)) for j in range(5)]
                for p in range(4)]  # an odd E: the last column is a sine without its cosine
    np.testing.assert_allclose(odd, expected, rtol=1e-6, atol=1e-7)


def test_normal_cdf_and_gelu_match_torch_in_float64_and_float32():
    x = np.concatenate([np.linspace(-12, 12, 2001), [-1e-300, 0.0, 1e-8, -30, 40]])
    xt = torch.tensor(x)
    # against Python's math.erfc: our Φ keeps its relative precision far out on the left, where PyTorch's
    # (1 + erf(x / √2)) / 2 (and so its GELU) loses all its digits: hence the absolute tolerance for GELU
    _close(normal_cdf(x), np.array([math.erfc(-v / math.sqrt(2)) / 2 for v in x]), {"rtol": 3e-13, "atol": 0})
    assert normal_cdf(np.zeros(1))[0] == 0.5
    np.testing.assert_array_equal(gelu(np.array([np.inf, -np.inf, 0.0])), [np.inf, 0.0, 0.0])  # the limits
    _close(gelu(x), F.gelu(xt), {"rtol": 1e-12, "atol": 1e-15})
    _close(gelu_tanh(x), F.gelu(xt, approximate="tanh"), {"rtol": 1e-12, "atol": 1e-15})
    x32 = x.astype(np.float32)
    for ours, theirs in ((gelu(x32), F.gelu(torch.tensor(x32))),
                         (gelu_tanh(x32), F.gelu(torch.tensor(x32), approximate="tanh"))):
        assert ours.dtype == np.float32
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_backward_matches_autograd(approximate):
    rng = np.random.default_rng(8)
    x, dy = rng.normal(size=(3, 50)) * 3, rng.normal(size=(3, 50))
    xt = torch.tensor(x, requires_grad=True)
    (F.gelu(xt, approximate=approximate) * torch.tensor(dy)).sum().backward()
    backward = gelu_backward if approximate == "none" else gelu_tanh_backward
    _close(backward(dy, x), xt.grad, {"rtol": 1e-12, "atol": 1e-14})


@pytest.mark.parametrize("activation", ["relu", "gelu", "gelu_tanh"])
@pytest.mark.parametrize("shape", [(2, 5, 4, 16), (1, 1, 3, 1), (4, 2, 1, 3)], ids=str)
def test_feed_forward_and_backward_match_torch(shape, activation):
    B, L, E, Fw = shape
    torch.manual_seed(sum(shape))
    rng = np.random.default_rng(sum(shape))
    lin1, lin2 = nn.Linear(E, Fw, dtype=torch.float64), nn.Linear(Fw, E, dtype=torch.float64)
    x = torch.tensor(rng.normal(size=(B, L, E)), requires_grad=True)
    act = {"relu": F.relu, "gelu": F.gelu, "gelu_tanh": lambda z: F.gelu(z, approximate="tanh")}[activation]
    y_ref = lin2(act(lin1(x)))
    dy = rng.normal(size=(B, L, E))
    (y_ref * torch.tensor(dy)).sum().backward()
    params = [_numpy(p) for p in (lin1.weight, lin1.bias, lin2.weight, lin2.bias)]
    y, cache = feed_forward(_numpy(x), *params, activation=activation)
    _close(y, y_ref)
    for ours, theirs in zip(feed_forward_backward(dy, cache),
                            (x.grad, lin1.weight.grad, lin1.bias.grad, lin2.weight.grad, lin2.bias.grad), strict=True):
        _close(ours, theirs, GRAD_TOL)


# --------------------------------------------------------------------------------------------
# Encoder and decoder layers.
# --------------------------------------------------------------------------------------------

def _state(layer):
    return {k: _numpy(v) for k, v in layer.state_dict().items()}


def _randomise(layer):
    """PyTorch initialises biases and norms to 0 and 1: random values test that each one is used correctly."""
    with torch.no_grad():
        for name, p in layer.named_parameters():
            if name.endswith("bias") or name.startswith("norm"):
                p.normal_(0.0, 0.5).add_(1.0 if name.endswith("weight") else 0.0)


@pytest.mark.parametrize("mask_kind", ["padding", "causal"])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_layer_matches_nn_transformerencoderlayer(norm_first, activation, mask_kind):
    B, L, E, h, Fw = 3, 6, 8, 2, 16
    torch.manual_seed(int(norm_first) + 2 * (activation == "gelu"))
    rng = np.random.default_rng(9)
    layer = nn.TransformerEncoderLayer(E, h, Fw, dropout=0.0, activation=activation, batch_first=True,
                                       norm_first=norm_first, dtype=torch.float64).eval()
    _randomise(layer)
    assert tuple(layer.state_dict()) == ENCODER_LAYER_KEYS
    x = rng.normal(size=(B, L, E))
    # requires_grad keeps PyTorch off its inference "fast path", which returns nested tensors (zeros at the
    # padded positions) when given a padding mask; its regular path computes every position, as we do
    xt = torch.tensor(x, requires_grad=True)
    if mask_kind == "padding":
        lengths = np.array([6, 2, 4])
        ref = layer(xt, src_key_padding_mask=torch.tensor(~padding_mask(lengths, L)[:, 0, 0]))
        mask = padding_mask(lengths, L)
    else:
        ref = layer(xt, src_mask=torch.tensor(~causal_mask(L)))
        mask = causal_mask(L)
    _close(encoder_layer(x, _state(layer), h, mask=mask, norm_first=norm_first, activation=activation), ref)


@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer_matches_nn_transformerdecoderlayer(norm_first, activation):
    B, L, Lm, E, h, Fw = 3, 5, 7, 8, 4, 12
    torch.manual_seed(10 + int(norm_first))
    rng = np.random.default_rng(10)
    layer = nn.TransformerDecoderLayer(E, h, Fw, dropout=0.0, activation=activation, batch_first=True,
                                       norm_first=norm_first, dtype=torch.float64).eval()
    _randomise(layer)
    assert tuple(layer.state_dict()) == DECODER_LAYER_KEYS
    x, memory = rng.normal(size=(B, L, E)), rng.normal(size=(B, Lm, E))
    memory_lengths = np.array([7, 3, 1])
    ref = layer(torch.tensor(x, requires_grad=True), torch.tensor(memory), tgt_mask=torch.tensor(~causal_mask(L)),
                memory_key_padding_mask=torch.tensor(~padding_mask(memory_lengths, Lm)[:, 0, 0]))
    ours = decoder_layer(x, memory, _state(layer), h, self_mask=causal_mask(L),
                         memory_mask=padding_mask(memory_lengths, Lm), norm_first=norm_first, activation=activation)
    _close(ours, ref)
    assert rel_error(ours, _numpy(ref)) <= 1e-10


# --------------------------------------------------------------------------------------------
# Bad inputs: a ValueError that says what was expected.
# --------------------------------------------------------------------------------------------

_R = np.random.default_rng(0)
_X = _R.normal(size=(2, 3, 8))
_P = [_R.normal(size=(24, 8)), np.zeros(24), _R.normal(size=(8, 8)), np.zeros(8)]
_Q, _K = _R.normal(size=(2, 3, 4)), _R.normal(size=(2, 5, 4))


def _mha(query=_X, key=_X, value=_X, params=None, n_heads=2, mask=None):
    return lambda: multi_head_attention(query, key, value, *(params or _P), n_heads, mask=mask)


def _with(i, new):
    return [new if j == i else p for j, p in enumerate(_P)]


BAD = [
    (lambda: attention(_Q[0, 0], _K, _K), "q of shape (..., Lq, d), at least 2-D"),
    (lambda: attention(_Q, _K[..., :3], _K), "the same d for q and k"),
    (lambda: attention(_Q, _K, _K[:, :4]), "the same Lk for k and v"),
    (lambda: attention(_Q.astype(int), _K, _K), "q of shape (..., Lq, d) as a float32 or float64 NumPy array"),
    (lambda: attention(_Q.astype(np.float32), _K, _K), "ONE dtype"),
    (lambda: attention(_Q, _K, _K, mask=np.ones((3, 4), bool)), "mask broadcastable to (..., Lq, Lk) = (2, 3, 5)"),
    (lambda: attention(_Q, _K, _K, mask=np.ones((3, 5))), "mask as a boolean NumPy array, True = may attend"),
    (lambda: attention_backward(np.ones((2, 3, 5)), _Q, _K, _K, np.ones((2, 3, 5))), "dout of shape (2, 3, 4)"),
    (lambda: split_heads(_X, 3), "E divisible by n_heads = 3"),
    (_mha(query=_X[0]), "query of shape (B, Lq, E), batch first"),
    (_mha(n_heads=3), "E = 8 must be divisible by n_heads = 3"),
    (_mha(n_heads=0), "n_heads as an int >= 1"),
    (_mha(key=_X[..., :4], value=_X[..., :4]), "key and value of shape (B, Lk, E) = (2, Lk, 8)"),
    (_mha(key=_X, value=_X[:, :2]), "key and value of shape (B, Lk, E)"),
    (_mha(params=_with(0, np.zeros((8, 24)))), "in_proj_weight of shape (24, 8) for E = 8"),
    (_mha(params=_with(1, np.zeros(8))), "in_proj_bias of shape (24,)"),
    (_mha(params=_with(2, np.zeros((8, 4)))), "out_proj_weight of shape (8, 8)"),
    (_mha(params=_with(3, np.zeros(8, np.float32))), "ONE dtype"),
    (_mha(mask=np.ones((4, 3), bool)), "mask broadcastable to (..., Lq, Lk) = (2, 2, 3, 3)"),
    (_mha(mask=~causal_mask(3).astype(np.int64)), "mask as a boolean NumPy array"),
    (lambda: multi_head_attention_backward(_X, _X, _X, _X, *_P, 2, np.ones((2, 2, 3, 4))),
     "weights of shape (2, 2, 3, 3)"),
    (lambda: layer_norm(_X, np.ones(4), np.zeros(8)), "weight, bias of shape (E,)"),
    (lambda: layer_norm(_X, np.ones(8), np.zeros(8), eps=0), "eps > 0"),
    (lambda: feed_forward(_X, np.zeros((16, 4)), np.zeros(16), np.zeros((8, 16)), np.zeros(8)),
     "W1 (F, E), b1 (F,), W2 (E, F), b2 (E,) (nn.Linear's layout) with E = 8"),
    (lambda: feed_forward(_X, np.zeros((16, 8)), np.zeros(16), np.zeros((8, 16)), np.zeros(8), activation="tanh"),
     "activation 'relu', 'gelu' (exact, erf) or 'gelu_tanh'"),
    (lambda: padding_mask([1, 5], 4), "lengths as B ints in [0, 4]"),
    (lambda: causal_mask(0), "L as an int >= 1"),
    (lambda: sinusoidal_positions(4, 0), "E as an int >= 1"),
    (lambda: encoder_layer(_X, {}, 2), "missing ['self_attn.in_proj_weight'"),
    (lambda: encoder_layer(_X, {**dict.fromkeys(ENCODER_LAYER_KEYS, np.zeros(1)), "norm3.weight": np.zeros(1)}, 2),
     "unexpected ['norm3.weight']"),
    (lambda: encoder_layer(_X, dict.fromkeys(ENCODER_LAYER_KEYS, torch.zeros(1)), 2),
     "as a NumPy array, got Tensor"),
    (lambda: decoder_layer(_X, _X, dict.fromkeys(ENCODER_LAYER_KEYS, np.zeros(1)), 2),
     "missing ['multihead_attn.in_proj_weight'"),
]


@pytest.mark.parametrize("call,message", BAD, ids=[m for _, m in BAD])
def test_bad_inputs_are_rejected_with_a_clear_message(call, message):
    with pytest.raises(ValueError) as err:
        call()
    assert message in str(err.value)
