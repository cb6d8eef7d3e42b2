"""Checkers for notebook 09 (LSTM and GRU)."""

import numpy as np

from helpers.exercises import exercise, forbid, number_answer, tuple_answer

# Exercise 09.param_count: nn.LSTM(input_size=32, hidden_size=128)
_D, _H = 32, 128


@exercise("09.param_count",
          hints=("Each of the four gates has its own weights for the input, for the hidden state and for the bias.",
                 "One gate: a (128, 32) input matrix, a (128, 128) hidden matrix and its biases; nn.LSTM keeps TWO "
                 "bias vectors (bias_ih and bias_hh). Multiply by the number of gates.",
                 "4·128·(32 + 128) weights + 2·4·128 biases."))
def _param_count(answer):
    n = number_answer(answer, "a count of parameters", whole=True)
    weights, bias = 4 * _H * (_D + _H), 4 * _H
    if n == weights:
        raise AssertionError("you counted the weights; the biases are parameters too")
    if n == weights + bias:
        raise AssertionError("close: nn.LSTM keeps two bias vectors, bias_ih and bias_hh (they add up, but both "
                             "are trained)")
    if n in (_H * (_D + _H) + 2 * _H, _H * (_D + _H) + _H, _H * (_D + _H)):
        raise AssertionError("that is the size of ONE gate (or of a vanilla RNN): an LSTM has four of them")
    if n in (3 * _H * (_D + _H) + 6 * _H, 3 * _H * (_D + _H) + 3 * _H):
        raise AssertionError("three blocks of weights is a GRU; the LSTM has four (i, f, g, o)")
    if n in (4 * (_D * _H + _H * _H) + 8 * _H + _H * _H, 4 * _H * _D + 8 * _H, 4 * _H * _H + 8 * _H):
        raise AssertionError("each gate reads BOTH the input (32 numbers) and the hidden state (128 numbers)")
    assert n == weights + 2 * bias, f"{n} is not the count; add up the shapes of weight_ih, weight_hh and the biases"


@exercise("09.forget_horizon",
          hints=("After n steps back, the gradient along the cell has been multiplied by the forget gate n times.",
                 "You need the smallest n with 0.95 ** n < 0.01: take logarithms (careful: ln 0.95 is negative).",
                 "n > ln(0.01) / ln(0.95) ≈ 89.8, so round up."))
def _forget_horizon(answer):
    n = number_answer(answer, "a number of steps", whole=True)
    if n == 20:
        raise AssertionError("1 / (1 − f) = 20 is the 'typical' memory length (the gradient has fallen to "
                             "about 36 % by then); the question asks for 1 %")
    if n == 89:
        raise AssertionError(f"0.95 ** 89 = {0.95**89:.4f} is still above 0.01: one step more")
    if n in (45, 44):
        raise AssertionError("that is where the gradient falls below 10 %, not 1 %")
    if n == 100:
        raise AssertionError(f"0.95 ** 100 = {0.95**100:.4f}; it crossed 0.01 earlier: find the FIRST n")
    assert 0.95**n < 0.01, f"0.95 ** {n} = {0.95**n:.3g} is not below 0.01 yet"
    assert 0.95 ** (n - 1) >= 0.01, f"0.95 ** {n - 1} = {0.95**(n - 1):.3g} is already below 0.01: look earlier"


def _lstm_step_torch(x, h, c, W, b, dh_new, dc_new):
    """Gradients (dx, dh, dc, dW, db) of one LSTM step, by PyTorch's autograd in float64."""
    import torch

    ts = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (x, h, c, W, b)]
    xt, ht, ct, Wt, bt = ts
    H = h.shape[1]
    z = torch.cat([xt, ht], dim=1) @ Wt + bt
    i, f, g, o = torch.sigmoid(z[:, :H]), torch.sigmoid(z[:, H:2 * H]), torch.tanh(z[:, 2 * H:3 * H]), \
        torch.sigmoid(z[:, 3 * H:])
    c_new = f * ct + i * g
    h_new = o * torch.tanh(c_new)
    ((h_new * torch.tensor(dh_new)).sum() + (c_new * torch.tensor(dc_new)).sum()).backward()
    return tuple(t.grad.numpy() for t in ts)


@exercise("09.lstm_step_backward",
          hints=("Run the forward pass first and keep every intermediate (the four gates, c_new, tanh(c_new)); "
                 "then go through the lines in reverse, the last one first.",
                 "The new cell reaches the loss two ways: dc_total = dc_new + dh_new · o · (1 − tanh²(c_new)). From "
                 "c_new = f·c + i·g: df = dc_total·c, di = dc_total·g, dg = dc_total·i, dc = dc_total·f; "
                 "do = dh_new·tanh(c_new).",
                 "dz = concatenate([di·i(1−i), df·f(1−f), dg·(1−g²), do·o(1−o)], axis=1); then, as for a linear "
                 "layer: dW = [x, h]ᵀ dz, db = dz.sum(axis=0), [dx, dh] = dz Wᵀ split at column D."))
def _lstm_step_backward(answer):
    forbid(answer, {"torch": "compute the gradients with NumPy (PyTorch is the referee)",
                    "lstm_step_backward": "write the backward pass yourself, without our lstm_step_backward",
                    "lstm_backward": "write the backward pass yourself, without our lstm_backward"})
    rng = np.random.default_rng()  # fresh inputs on every check: the answer must be right, not lucky
    names = ("dx", "dh", "dc", "dW", "db")
    for B, D, H in [(3, 4, 5), (1, 2, 3), (2, 1, 1), (4, 3, 2)]:
        x, h, c = rng.normal(size=(B, D)), rng.normal(size=(B, H)), rng.normal(size=(B, H))
        W, b = rng.normal(size=(D + H, 4 * H)), rng.normal(size=4 * H)
        dh_new, dc_new = rng.normal(size=(B, H)), rng.normal(size=(B, H))
        got = tuple_answer(answer(dh_new.copy(), dc_new.copy(), x.copy(), h.copy(), c.copy(), W.copy(), b.copy()),
                           5, "a tuple (dx, dh, dc, dW, db) of NumPy arrays")
        got = [np.asarray(g, dtype=np.float64) for g in got]
        want = _lstm_step_torch(x, h, c, W, b, dh_new, dc_new)
        case = f"B={B}, D={D}, H={H}"
        for name, g, w in zip(names, got, want, strict=True):
            assert g.shape == w.shape, f"{name} should have shape {w.shape}, got {g.shape} ({case})"
        close = [np.allclose(g, w, rtol=1e-9, atol=1e-10) for g, w in zip(got, want, strict=True)]
        if all(close):
            continue
        if not close[2]:
            _diagnose_dc(got, want, x, h, c, W, b, dh_new, dc_new)
        wrong = [n for n, ok in zip(names, close, strict=True) if not ok]
        raise AssertionError(f"{', '.join(wrong)} differ from PyTorch's autograd ({case}); the others are right")


def _diagnose_dc(got, want, x, h, c, W, b, dh_new, dc_new):
    """Name the two classic mistakes in dc: the path through h_new left out, the forget gate left out."""
    H = h.shape[1]
    z = np.concatenate([x, h], axis=1) @ W + b
    f = 1 / (1 + np.exp(-z[:, H:2 * H]))
    if np.allclose(got[2], dc_new * f, rtol=1e-9, atol=1e-10):
        raise AssertionError("dc misses a path: the new cell also reaches the loss through h_new = o·tanh(c_new)")
    if np.allclose(got[2] * f, want[2], rtol=1e-9, atol=1e-10):
        raise AssertionError("dc: going back through c_new = f·c + i·g multiplies the gradient by the forget gate f")


def _gru_step_torch(x, h, W_x, W_h, b_x, b_h):
    import torch

    cell = torch.nn.GRUCell(W_x.shape[0], h.shape[1]).double()
    with torch.no_grad():
        for p, a in zip((cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh), (W_x.T, W_h.T, b_x, b_h),
                        strict=True):
            p.copy_(torch.tensor(a))
        return cell(torch.tensor(x), torch.tensor(h)).numpy()


@exercise("09.gru_step",
          hints=("Compute x's share and h's share of all three gates with one product each, then cut them into "
                 "r, z and n blocks of H columns.",
                 "r and z take the sigmoid of (x's share + h's share); the candidate n = tanh(x's n-share + r · h's "
                 "n-share): the reset gate multiplies only the hidden part, bias included.",
                 "gx = x @ W_x + b_x; gh = h @ W_h + b_h; r = σ(gx_r + gh_r); z = σ(gx_z + gh_z); "
                 "n = tanh(gx_n + r * gh_n); return (1 − z) * n + z * h."))
def _gru_step(answer):
    forbid(answer, {"torch": "write it in NumPy (PyTorch is the referee)",
                    "gru_forward": "write the step yourself, without our gru_forward"})
    rng = np.random.default_rng()
    for B, D, H in [(3, 4, 5), (1, 2, 3), (2, 1, 1)]:
        x, h = rng.normal(size=(B, D)), rng.normal(size=(B, H))
        W_x, W_h = rng.normal(size=(D, 3 * H)), rng.normal(size=(H, 3 * H))
        b_x, b_h = rng.normal(size=3 * H), rng.normal(size=3 * H)
        got = answer(x.copy(), h.copy(), W_x.copy(), W_h.copy(), b_x.copy(), b_h.copy())
        got = np.asarray(got, dtype=np.float64)
        want = _gru_step_torch(x, h, W_x, W_h, b_x, b_h)
        case = f"B={B}, D={D}, H={H}"
        assert got.shape == want.shape, f"the new h should have shape {want.shape}, got {got.shape} ({case})"
        if np.allclose(got, want, rtol=1e-9, atol=1e-10):
            continue
        gx, gh = x @ W_x + b_x, h @ W_h + b_h
        r = 1 / (1 + np.exp(-(gx[:, :H] + gh[:, :H])))
        z = 1 / (1 + np.exp(-(gx[:, H:2 * H] + gh[:, H:2 * H])))
        n = np.tanh(gx[:, 2 * H:] + r * gh[:, 2 * H:])
        if np.allclose(got, z * n + (1 - z) * h, rtol=1e-9, atol=1e-10):
            raise AssertionError("z and 1 − z are swapped: in PyTorch's GRU, z is the share of the OLD state kept")
        n_wrong = np.tanh(gx[:, 2 * H:] + r * (h @ W_h[:, 2 * H:]) + b_h[2 * H:])
        if np.allclose(got, (1 - z) * n_wrong + z * h, rtol=1e-9, atol=1e-10):
            raise AssertionError("the reset gate multiplies h's share of n INCLUDING its bias b_hn: "
                                 "r · (h W_hn + b_hn)")
        raise AssertionError(f"the new h differs from PyTorch's nn.GRUCell ({case})")
