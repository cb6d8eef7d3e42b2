"""Checkers for notebook 08 (recurrent neural networks)."""

import numpy as np

from helpers.exercises import exercise, forbid, tuple_answer

# CharRNN(27): embedding 27 x 32, nn.RNN(32, 128) with two bias vectors, a Linear(128, 27) head.
_EMBED, _RNN_W, _RNN_B, _HEAD = 27 * 32, 128 * 32 + 128 * 128, 2 * 128, 128 * 27 + 27


@exercise("08.param_count",
          hints=("Go part by part: the embedding, the recurrent layer, the head. Each is one or more arrays whose "
                 "shapes you know; a part's count is the product of its shape.",
                 "The embedding is a (27, 32) table; nn.RNN(32, 128) has W_xh (128, 32), W_hh (128, 128) and TWO "
                 "bias vectors of 128; the head is Linear(128, 27), with a bias.",
                 "27·32 + (128·32 + 128·128 + 128 + 128) + (128·27 + 27)."))
def _param_count(answer):
    if isinstance(answer, bool) or not isinstance(answer, (int, np.integer)):
        raise AssertionError(f"answer with an int (a number of parameters), got {answer!r}")
    n = int(answer)
    total = _EMBED + _RNN_W + _RNN_B + _HEAD
    if n == total - 128:
        raise AssertionError("one bias vector short: nn.RNN keeps two, bias_ih and bias_hh (they always add up, "
                             "but both are parameters)")
    if n == total - _EMBED:
        raise AssertionError("you left out the embedding: a learned (27, 32) table is parameters too")
    if n in (total - 27, total - 27 - 128):
        raise AssertionError("a bias is missing: the head Linear(128, 27) has one bias per output")
    if n == total - 128 * 128:
        raise AssertionError("you left out W_hh, the recurrent weights (128, 128): the heart of an RNN")
    assert n == total, f"{n} is not the count; add up the parts one array at a time"


def _softmax_reference(logits, temperature):
    import torch

    return torch.softmax(torch.tensor(logits, dtype=torch.float64) / temperature, dim=-1).numpy()


@exercise("08.softmax_temperature",
          hints=("Divide first, then softmax. For the huge logits: a softmax does not change when you subtract the "
                 "same number from every entry of a row.",
                 "z = logits / temperature; subtract each row's maximum (keepdims=True), then exponentiate and "
                 "divide by the row sums.",
                 "z = logits / temperature; e = np.exp(z - z.max(axis=1, keepdims=True)); "
                 "return e / e.sum(axis=1, keepdims=True)."))
def _softmax_temperature(answer):
    forbid(answer, {"softmax": "write the softmax yourself with np.exp, without a ready-made softmax",
                    "log_softmax": "write the softmax yourself with np.exp, without a ready-made softmax",
                    "torch": "compute it with NumPy (PyTorch is the referee)"})
    rng = np.random.default_rng()  # fresh logits on every check
    cases = [(rng.normal(size=(3, 5)), 1.0), (rng.normal(size=(4, 7)) * 3, 0.5), (rng.normal(size=(2, 6)), 2.5),
             (rng.normal(size=(1, 27)) * 5, 0.2), (1000 + 50 * rng.normal(size=(3, 4)), 1.0)]
    for logits, temperature in cases:
        with np.errstate(all="ignore"):
            got = np.asarray(answer(logits.copy(), temperature), dtype=np.float64)
        want = _softmax_reference(logits, temperature)
        assert got.shape == want.shape, f"logits {logits.shape} should give probabilities {want.shape}, got {got.shape}"
        if not np.all(np.isfinite(got)):
            raise AssertionError(f"NaN or inf for logits around {np.abs(logits).max():.0f}: exp overflows; subtract "
                                 f"each row's maximum first")
        if np.allclose(got, want, rtol=1e-9, atol=1e-12):
            continue
        if temperature != 1.0 and np.allclose(got, _softmax_reference(logits * temperature, 1.0), atol=1e-9):
            raise AssertionError("you multiplied by the temperature; divide by it (a high temperature must FLATTEN "
                                 "the distribution)")
        if not np.allclose(got.sum(axis=1), 1.0, atol=1e-9):
            raise AssertionError("each ROW must sum to 1: normalise along the last axis (axis=1, keepdims=True)")
        assert np.allclose(got, want, rtol=1e-9, atol=1e-12), \
            f"wrong probabilities for logits {logits.shape} at temperature {temperature}"


def _clip_reference(grads, max_norm):
    import torch

    tensors = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in grads.items()}
    for k, t in tensors.items():
        t.grad = torch.tensor(grads[k], dtype=torch.float64)
    torch.nn.utils.clip_grad_norm_(list(tensors.values()), max_norm)
    return {k: t.grad.numpy() for k, t in tensors.items()}


@exercise("08.clip_grad_norm",
          hints=("One norm for ALL the gradients together, as if they were one long vector; then one common "
                 "scale factor for every array, and only when the norm is too large.",
                 "total = sqrt(sum over arrays of (g**2).sum()); if total > max_norm, multiply every array by "
                 "max_norm / total.",
                 "total = np.sqrt(sum((g ** 2).sum() for g in grads.values())); "
                 "scale = min(1.0, max_norm / total); return {k: g * scale for k, g in grads.items()}."))
def _clip_grad_norm(answer):
    forbid(answer, {"torch": "compute it with NumPy (PyTorch is the referee)",
                    "clip_grad_norm_": "write it yourself with NumPy"})
    rng = np.random.default_rng()  # fresh gradients on every check
    cases = [({"W": rng.normal(size=(4, 3)), "b": rng.normal(size=4)}, 1.0),
             ({"W_xh": rng.normal(size=(5, 2)) * 10, "W_hh": rng.normal(size=(5, 5)), "b": rng.normal(size=5)}, 2.0),
             ({"W": rng.normal(size=(3, 3)) * 0.01, "b": rng.normal(size=3) * 0.01}, 1.0),  # small: unchanged
             ({"a": rng.normal(size=6) * 3, "b": rng.normal(size=(2, 2)) * 0.1}, 0.5)]
    for grads, max_norm in cases:
        original = {k: v.copy() for k, v in grads.items()}
        got = answer({k: v.copy() for k, v in grads.items()}, max_norm)
        if not isinstance(got, dict) or set(got) != set(grads):
            raise AssertionError(f"return a dict with the same keys {sorted(grads)}, got "
                                 f"{type(got).__name__} {sorted(got) if isinstance(got, dict) else ''}")
        want = _clip_reference(original, max_norm)
        for k in grads:
            g = np.asarray(got[k], dtype=np.float64)
            assert g.shape == grads[k].shape, f"'{k}' should keep its shape {grads[k].shape}, got {g.shape}"
        total = np.sqrt(sum((v ** 2).sum() for v in original.values()))
        new_total = np.sqrt(sum((np.asarray(got[k], dtype=np.float64) ** 2).sum() for k in grads))
        if total <= max_norm and not np.isclose(new_total, total, rtol=1e-6):
            raise AssertionError(f"the gradients' norm {total:.3g} is already below max_norm {max_norm}: leave them "
                                 f"unchanged (clipping only ever shrinks)")
        if all(np.allclose(got[k], np.clip(original[k], -max_norm, max_norm)) for k in grads) and total > max_norm \
                and not all(np.allclose(got[k], want[k]) for k in grads):
            raise AssertionError("np.clip caps each ENTRY; clip the NORM: scale all arrays by one common factor, "
                                 "which keeps the gradient's direction")
        if all(np.allclose(got[k], want[k], rtol=1e-5, atol=1e-9) for k in grads):
            continue
        per_array = {k: v * min(1.0, max_norm / max(np.linalg.norm(v), 1e-12)) for k, v in original.items()}
        if total > max_norm and all(np.allclose(got[k], per_array[k]) for k in grads):
            raise AssertionError("each array was clipped on its own; the norm is GLOBAL: one norm over all the "
                                 "arrays together, one scale factor for all")
        assert all(np.allclose(got[k], want[k], rtol=1e-5, atol=1e-9) for k in grads), (
            f"wrong result for a global norm of {total:.3g} and max_norm {max_norm} (the clipped norm should be "
            f"{min(total, max_norm):.3g}, yours is {new_total:.3g})")


def _relu_step_reference(dh, x_t, h_prev, W_xh, W_hh, b):
    """(h_t, dx_t, dh_prev, dW_xh, dW_hh, db) of h_t = relu(x_t W_xh^T + h_prev W_hh^T + b), by autograd."""
    import torch

    ts = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (x_t, h_prev, W_xh, W_hh, b)]
    h = torch.relu(ts[0] @ ts[2].T + ts[1] @ ts[3].T + ts[4])
    h.backward(torch.tensor(dh, dtype=torch.float64))
    return (h.detach().numpy(), *(t.grad.numpy() for t in ts))


@exercise("08.relu_rnn_step_backward",
          hints=("Same plan as the tanh step: first back through the nonlinearity to the pre-activation a, then "
                 "through the two matrix products. Only the first part changes: what is the slope of ReLU?",
                 "ReLU's slope is 1 where the unit is active (h_t > 0) and 0 elsewhere: da = dh * (h_t > 0). Then "
                 "dx_t = da @ W_xh, dh_prev = da @ W_hh.",
                 "da = dh * (h_t > 0); return da @ W_xh, da @ W_hh, da.T @ x_t, da.T @ h_prev, da.sum(axis=0)."))
def _relu_rnn_step_backward(answer):
    forbid(answer, {"torch": "compute the gradients with NumPy (PyTorch is the referee)",
                    "backward": "write the backward step yourself, with NumPy"})
    rng = np.random.default_rng()  # fresh inputs on every check: the answer must be right, not lucky
    for B, D, H in [(3, 4, 5), (1, 2, 3), (4, 1, 6), (2, 5, 2)]:
        x_t, h_prev = rng.normal(size=(B, D)), np.abs(rng.normal(size=(B, H)))
        W_xh, W_hh, b = rng.normal(size=(H, D)), rng.normal(size=(H, H)), rng.normal(size=H)
        dh = rng.normal(size=(B, H))
        h_t, *want = _relu_step_reference(dh, x_t, h_prev, W_xh, W_hh, b)
        got = tuple_answer(answer(dh.copy(), x_t.copy(), h_prev.copy(), h_t.copy(), W_xh.copy(), W_hh.copy()), 5,
                           "a tuple (dx_t, dh_prev, dW_xh, dW_hh, db) of NumPy arrays")
        got = [np.asarray(g, dtype=np.float64) for g in got]
        names = ["dx_t", "dh_prev", "dW_xh", "dW_hh", "db"]
        case = f"B={B}, D={D}, H={H}"
        for name, g, w in zip(names, got, want, strict=True):
            assert g.shape == w.shape, f"{name} should have shape {w.shape}, got {g.shape} ({case})"
        if all(np.allclose(g, w, rtol=1e-9, atol=1e-10) for g, w in zip(got, want, strict=True)):
            continue  # right on this case (the diagnoses below could also match a right answer by chance)
        tanh_da = dh * (1 - h_t ** 2)
        if np.allclose(got[1], tanh_da @ W_hh):
            raise AssertionError("that is the tanh step's slope 1 - h_t^2; ReLU's slope is 1 where h_t > 0, else 0")
        if np.allclose(got[1], dh @ W_hh):
            raise AssertionError("the gradient went straight through the ReLU: units with h_t = 0 were off and "
                                 "must pass NO gradient back")
        if np.allclose(got[3], (dh * (h_t > 0)).T @ h_t) and not np.allclose(got[3], want[3]):
            raise AssertionError("dW_hh multiplies the PREVIOUS state h_prev (what W_hh acted on), not h_t")
        if B > 1 and np.allclose(got[4], (dh * (h_t > 0)).mean(axis=0)):
            raise AssertionError("db averages over the batch; the loss's gradient SUMS the batch's contributions")
        for name, g, w in zip(names, got, want, strict=True):
            assert np.allclose(g, w, rtol=1e-9, atol=1e-10), f"{name} differs from PyTorch's autograd ({case})"
