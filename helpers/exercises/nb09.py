"""Checkers for notebook 09 (LSTM and GRU)."""

import numpy as np

from helpers.exercises import exercise, forbid, number_answer, tuple_answer


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


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


def _gru_step_torch(x, h, W_x, W_h, b_x, b_h, dh_new):
    """Gradients (dx, dh, dW_x, dW_h, db_x, db_h) of one GRU step (PyTorch's gates r, z, n), by autograd in float64."""
    import torch

    ts = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (x, h, W_x, W_h, b_x, b_h)]
    xt, ht, Wxt, Wht, bxt, bht = ts
    H = h.shape[1]
    gx, gh = xt @ Wxt + bxt, ht @ Wht + bht
    r, z = torch.sigmoid(gx[:, :H] + gh[:, :H]), torch.sigmoid(gx[:, H:2 * H] + gh[:, H:2 * H])
    n = torch.tanh(gx[:, 2 * H:] + r * gh[:, 2 * H:])
    ((((1 - z) * n + z * ht) * torch.tensor(dh_new)).sum()).backward()
    return tuple(t.grad.numpy() for t in ts)


@exercise("09.gru_step_backward",
          hints=("Recompute the forward step first and keep r, z, n and the hidden state's share of n; then go "
                 "through the lines in reverse, the last one first.",
                 "h_new = (1 − z)·n + z·h sends dh_new three ways: to n (times 1 − z), to z (times h − n) and "
                 "straight to the old h (times z). Then through each gate's nonlinearity, and remember that r "
                 "multiplies the hidden state's share of n, bias b_hn included.",
                 "Collect the pre-activation gradients in two (B, 3H) arrays, one for x's products and one for "
                 "h's: they agree in the r and z blocks and differ in the n block (h's carries the factor r). "
                 "Each then goes back like a linear layer; the old h also keeps its direct share."))
def _gru_step_backward(answer):
    forbid(answer, {"torch": "compute the gradients with NumPy (PyTorch is the referee)",
                    "gru_forward": "write the step yourself, without our gru_forward"})
    rng = np.random.default_rng()  # fresh inputs on every check: the answer must be right, not lucky
    names = ("dx", "dh", "dW_x", "dW_h", "db_x", "db_h")
    for B, D, H in [(3, 4, 5), (1, 2, 3), (2, 1, 1), (4, 3, 2)]:
        x, h = rng.normal(size=(B, D)), rng.normal(size=(B, H))
        W_x, W_h = rng.normal(size=(D, 3 * H)), rng.normal(size=(H, 3 * H))
        b_x, b_h, dh_new = rng.normal(size=3 * H), rng.normal(size=3 * H), rng.normal(size=(B, H))
        got = tuple_answer(answer(dh_new.copy(), x.copy(), h.copy(), W_x.copy(), W_h.copy(), b_x.copy(), b_h.copy()),
                           6, "a tuple (dx, dh, dW_x, dW_h, db_x, db_h) of NumPy arrays")
        got = [np.asarray(g, dtype=np.float64) for g in got]
        want = _gru_step_torch(x, h, W_x, W_h, b_x, b_h, dh_new)
        case = f"B={B}, D={D}, H={H}"
        for name, g, w in zip(names, got, want, strict=True):
            assert g.shape == w.shape, f"{name} should have shape {w.shape}, got {g.shape} ({case})"
        close = [np.allclose(g, w, rtol=1e-9, atol=1e-10) for g, w in zip(got, want, strict=True)]
        if all(close):
            continue
        if not close[1] and all(close[k] for k in (0, 2, 3, 4, 5)):
            z = _sigmoid((x @ W_x + b_x)[:, H:2 * H] + (h @ W_h + b_h)[:, H:2 * H])
            if np.allclose(got[1] + dh_new * z, want[1], rtol=1e-9, atol=1e-10):
                raise AssertionError("dh misses a path: the old state also reaches h_new directly, through z·h")
        if all(close[:5]) and not close[5]:
            raise AssertionError("db_h differs in the n block: b_hn sits INSIDE r·(h W_hn + b_hn), so its gradient "
                                 "carries the factor r")
        wrong = [n for n, ok in zip(names, close, strict=True) if not ok]
        raise AssertionError(f"{', '.join(wrong)} differ from PyTorch's autograd ({case}); the others are right")


def _coupled_gates_of(x, h, W, b):
    """(f, g, o) of the coupled-gate step: W's three blocks of H columns, in that order."""
    H = h.shape[1]
    z = np.concatenate([x, h], axis=1) @ W + b
    return _sigmoid(z[:, :H]), np.tanh(z[:, H:2 * H]), _sigmoid(z[:, 2 * H:])


def _coupled_step(x, h, c, W, b):
    """The reference coupled-gate LSTM step, i = 1 − f: (h_new, c_new)."""
    f, g, o = _coupled_gates_of(x, h, W, b)
    c_new = f * c + (1 - f) * g
    return o * np.tanh(c_new), c_new


@exercise("09.coupled_gates",
          hints=("It is lstm_step with one gate fewer: W now has 3H columns, for f, g and o, and the input gate is "
                 "not learned but tied to the forget gate.",
                 "What is written is what is forgotten: i = 1 − f. The cell is then a weighted average of the old "
                 "cell and the candidate, and h_new is computed exactly as in the LSTM.",
                 "Start from lstm_step's lines: what changes is the width of W (three blocks, in the order f, g, o) "
                 "and the line that makes c_new; each gate keeps the nonlinearity it has in the LSTM."))
def _coupled_gates(answer):
    forbid(answer, {"torch": "write it in NumPy", "lstm_step": "write the step yourself (you may read lstm_step)"})
    rng = np.random.default_rng()
    for B, D, H in [(3, 4, 5), (1, 2, 3), (2, 1, 1)]:
        x, h, c = rng.normal(size=(B, D)), rng.normal(size=(B, H)), rng.normal(size=(B, H))
        W, b = rng.normal(size=(D + H, 3 * H)), rng.normal(size=3 * H)
        got = tuple_answer(answer(x.copy(), h.copy(), c.copy(), W.copy(), b.copy()), 2,
                           "a tuple (h_new, c_new) of NumPy arrays")
        h_got, c_got = (np.asarray(a, dtype=np.float64) for a in got)
        h_want, c_want = _coupled_step(x, h, c, W, b)
        f, g, o = _coupled_gates_of(x, h, W, b)  # for naming a mistake
        case = f"B={B}, D={D}, H={H}"
        assert h_got.shape == h_want.shape and c_got.shape == c_want.shape, \
            f"h_new and c_new should both have shape {h_want.shape}, got {h_got.shape} and {c_got.shape} ({case})"
        if np.allclose(c_got, c_want, rtol=1e-9, atol=1e-10):
            if np.allclose(h_got, h_want, rtol=1e-9, atol=1e-10):
                continue
            if np.allclose(h_got, o * c_want, rtol=1e-9, atol=1e-10):
                raise AssertionError("h_new shows the cell through tanh: h_new = o · tanh(c_new)")
            raise AssertionError(f"c_new is right, h_new is not ({case})")
        if np.allclose(c_got, f * c + f * g, rtol=1e-9, atol=1e-10):
            raise AssertionError("you wrote with i = f: the input gate is tied to the forget gate as i = 1 − f")
        if np.allclose(c_got, f * c + g, rtol=1e-9, atol=1e-10):
            raise AssertionError("the candidate is added whole: scale it by the input gate i = 1 − f")
        raise AssertionError(f"c_new differs from the coupled-gate step ({case}): check the order of the blocks "
                             "(f, g, o) and which nonlinearity each gets")
