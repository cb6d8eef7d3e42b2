"""Checkers for notebook 08 (recurrent neural networks)."""

import numpy as np

from helpers.exercises import dict_answer, exercise, forbid, number_answer

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


TAUS = (0.5, 1.0, 1.5)


@exercise("08.temperature_shares",
          hints=("Draw the names with name_samples(name_model, 300, temperature=tau) for each tau, and count how many "
                 "of them are in the training list (a set makes the lookup fast).",
                 "share = (number of samples that are training names) / (number of samples): a fraction between 0 "
                 "and 1, one per temperature, in a dict {0.5: ..., 1.0: ..., 1.5: ...}.",
                 "Before you run it, predict the order: dividing the logits by a small tau makes the likeliest "
                 "characters likelier still. Which names are likeliest: real ones, or new inventions?"))
def _temperature_shares(answer):
    shares = dict_answer(answer, TAUS, "{0.5: share, 1.0: share, 1.5: share}")
    values = [number_answer(shares[t], f"the share at temperature {t}") for t in TAUS]
    if any(v > 1 for v in values):
        raise AssertionError("give the share, a fraction between 0 and 1 (number of training names / number of "
                             "samples), not a count")
    if any(v < 0 for v in values):
        raise AssertionError("a share cannot be negative: count the samples that ARE training names")
    if values[0] < values[-1]:
        raise AssertionError("your shares RISE with the temperature: a low temperature sharpens the distribution "
                             "towards the likeliest characters, whose names are mostly the common, real ones; check "
                             "that each tau was passed to name_samples")
    if values[0] == values[1] == values[2]:
        raise AssertionError("the three shares are equal: was the temperature passed to name_samples?")
    assert values[0] > values[1] > values[2], (
        "the share should fall at every step from 0.5 to 1.0 to 1.5; with 300 samples each, two equal shares "
        "mean something else went wrong")
    # what the names model of section 6 gives (about 0.5, 0.2 and 0.06 with 300 samples), with room for another
    # machine's training run and for sampling noise: a guess rarely lands in all three ranges
    ranges = {0.5: (0.3, 0.75), 1.0: (0.08, 0.35), 1.5: (0.01, 0.15)}
    far = [t for t, v in zip(TAUS, values, strict=True) if not ranges[t][0] <= v <= ranges[t][1]]
    assert not far, (f"at temperature {far[0]} your share is far from what this model gives: did you draw the "
                     "names with name_samples(name_model, 300, temperature=tau) and compare with train_names?")


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


def _truncated_reference(x, h0, W_xh, W_hh, b, g, K):
    """dL/dW_hh for L = sum(g * h_T) with h_{T-K} detached (K steps of BPTT), by PyTorch's autograd."""
    import torch

    W = torch.tensor(W_hh, requires_grad=True)
    h = torch.tensor(h0)
    T = x.shape[1]
    for t in range(T):
        if t == T - K:
            h = h.detach()  # the state before the last K steps: a constant
        h = torch.tanh(torch.tensor(x[:, t]) @ torch.tensor(W_xh).T + h @ W.T + torch.tensor(b))
    (h * torch.tensor(g)).sum().backward()
    return W.grad.numpy()


@exercise("08.truncated_bptt",
          hints=("Run the forward loop and keep every state h_0 .. h_T. Then walk back from step T, as rnn_backward "
                 "does, but stop after K steps: the state before them counts as a constant.",
                 "The loss reads only h_T, so the walk starts with dh = g and no step adds an output's share. Each "
                 "step back: da = dh * (1 − h_t²), add da.T @ h_{t−1} to dW_hh, then dh = da @ W_hh.",
                 "The K steps are t = T, T − 1, ..., T − K + 1 (with h indexed from h_0): count them, and check "
                 "K = 1 (one term) and K = T (full BPTT) by hand."))
def _truncated_bptt(answer):
    forbid(answer, {"torch": "compute the gradient with NumPy (PyTorch is the referee)",
                    "rnn_backward": "write the walk back yourself (you may read rnn_backward)"})
    rng = np.random.default_rng()  # fresh inputs on every check: the answer must be right, not lucky
    for B, T, D, H in [(3, 6, 4, 5), (2, 4, 1, 3), (1, 5, 2, 2)]:
        x, h0 = rng.normal(size=(B, T, D)), rng.normal(size=(B, H))
        W_xh, W_hh, b, g = rng.normal(size=(H, D)), rng.normal(size=(H, H)) * 0.8, rng.normal(size=H), \
            rng.normal(size=(B, H))
        for K in dict.fromkeys([T, 2, 1, T - 1]):  # full BPTT first, then short truncations
            got = np.asarray(answer(x.copy(), h0.copy(), W_xh.copy(), W_hh.copy(), b.copy(), g.copy(), K),
                             dtype=np.float64)
            want = _truncated_reference(x, h0, W_xh, W_hh, b, g, K)
            case = f"B={B}, T={T}, D={D}, H={H}, K={K}"
            assert got.shape == want.shape, f"dW_hh should have shape {want.shape}, got {got.shape} ({case})"
            if np.allclose(got, want, rtol=1e-9, atol=1e-10):
                continue
            if K + 1 < T and np.allclose(got, _truncated_reference(x, h0, W_xh, W_hh, b, g, T), rtol=1e-9):
                raise AssertionError(f"that is full BPTT over all {T} steps: truncation stops after K steps")
            if K < T and np.allclose(got, _truncated_reference(x, h0, W_xh, W_hh, b, g, K + 1), rtol=1e-9):
                raise AssertionError(f"that is K + 1 = {K + 1} steps: stop after the K steps T, ..., T − K + 1")
            if K > 1 and np.allclose(got, _truncated_reference(x, h0, W_xh, W_hh, b, g, K - 1), rtol=1e-9):
                raise AssertionError(f"that is K − 1 = {K - 1} steps: the K steps are T, ..., T − K + 1")
            if np.allclose(got, want.T, rtol=1e-9, atol=1e-10):
                raise AssertionError("dW_hh is transposed: W_hh acts as h_{t-1} @ W_hh.T, so its gradient is "
                                     "da.T @ h_{t-1}")
            raise AssertionError(f"dW_hh differs from PyTorch's autograd with the state detached K steps back ({case})")
