"""Notebook 06's NumPy residual block is right on more shapes than the notebook shows: forward and every
gradient equal PyTorch's (float64, identity and projection shortcuts, MLP and conv branches, batch of 1);
a block whose last layer is zero is exactly the identity; bad shapes are refused with a clear message."""


import numpy as np
import pytest
import torch
import torch.nn.functional as F
from exercise_feedback import exercise_tests, first_hints

from helpers.exercises import check
from helpers.exercises.solutions.nb06 import SOLUTIONS
from helpers.scratch.conv import Conv2d
from helpers.scratch.layers import Linear, ReLU, Sequential
from tools.notebooks import notebook_defs

NOTEBOOK = "06_resnet.ipynb"


@pytest.fixture(scope="module")
def nb():
    return notebook_defs(NOTEBOOK)


def torch_run(nb, layer, x, leaves, prefix=""):
    """Our layer's computation rebuilt from torch primitives (independent of the notebook's to_torch);
    every weight becomes a leaf tensor stored in `leaves` under our parameter name."""
    if isinstance(layer, nb.ResidualBlock):
        skip = x if layer.shortcut is None else torch_run(nb, layer.shortcut, x, leaves, prefix + "shortcut.")
        return torch_run(nb, layer.branch, x, leaves, prefix + "branch.") + skip
    if isinstance(layer, Sequential):
        for i, part in enumerate(layer.layers):
            x = torch_run(nb, part, x, leaves, f"{prefix}{i}.")
        return x
    if isinstance(layer, ReLU):
        return torch.relu(x)
    W, b = (torch.tensor(layer.params[k], requires_grad=True) for k in ("W", "b"))
    leaves[prefix + "W"], leaves[prefix + "b"] = W, b
    if isinstance(layer, Linear):
        return x @ W + b
    assert isinstance(layer, Conv2d)
    return F.conv2d(x, W, b, stride=layer.stride, padding=layer.padding)


def assert_matches_torch(nb, block, X, seed=0):
    Y = block.forward(X)
    leaves = {}
    X_t = torch.tensor(X, requires_grad=True)
    Y_t = torch_run(nb, block, X_t, leaves)
    np.testing.assert_allclose(Y, Y_t.detach().numpy(), rtol=1e-9, atol=1e-10, err_msg="output")
    dY = np.random.default_rng(seed).normal(size=Y.shape)
    dX = block.backward(dY)
    Y_t.backward(torch.tensor(dY))
    np.testing.assert_allclose(dX, X_t.grad.numpy(), rtol=1e-9, atol=1e-10, err_msg="dL/dx")
    grads = block.grads
    assert set(grads) == set(leaves), f"parameter names {sorted(grads)} vs {sorted(leaves)}"
    for key, leaf in leaves.items():
        np.testing.assert_allclose(grads[key], leaf.grad.numpy(), rtol=1e-9, atol=1e-10, err_msg=f"dL/d{key}")


MLP_CASES = [  # (batch, d_in, d_out, projection?)
    (1, 5, 5, False), (3, 1, 1, False), (7, 16, 16, False), (1, 5, 3, True), (4, 3, 8, True), (2, 6, 6, True)]


@pytest.mark.parametrize("batch, d_in, d_out, projection", MLP_CASES)
def test_mlp_block_matches_torch(nb, batch, d_in, d_out, projection):
    rng = np.random.default_rng(batch * 100 + d_in * 10 + d_out)
    shortcut = Linear(d_in, d_out, rng) if projection else None
    block = nb.ResidualBlock(nb.mlp_branch(d_in, d_out, rng), shortcut=shortcut)
    for name, p in block.params.items():  # random biases too, so that no gradient is trivially zero
        if name.endswith(".b"):
            p[:] = rng.normal(size=p.shape)
    assert_matches_torch(nb, block, rng.normal(size=(batch, d_in)))


CONV_CASES = [  # (x shape, c_out, stride, projection?)
    ((1, 3, 5, 5), 3, 1, False), ((2, 4, 7, 7), 6, 2, True), ((1, 2, 4, 4), 5, 1, True), ((3, 2, 6, 6), 2, 2, True)]


@pytest.mark.parametrize("x_shape, c_out, stride, projection", CONV_CASES)
def test_conv_block_matches_torch(nb, x_shape, c_out, stride, projection):
    rng = np.random.default_rng(sum(x_shape) + c_out + stride)
    c_in = x_shape[1]
    branch = Sequential(Conv2d(c_in, c_out, 3, rng, stride=stride, padding=1), ReLU(),
                        Conv2d(c_out, c_out, 3, rng, padding=1))
    shortcut = Conv2d(c_in, c_out, 1, rng, stride=stride) if projection else None
    assert_matches_torch(nb, nb.ResidualBlock(branch, shortcut), rng.normal(size=x_shape))


def test_chain_of_blocks_matches_torch(nb):
    rng = np.random.default_rng(7)
    chain = Sequential(*[nb.ResidualBlock(nb.mlp_branch(4, 4, rng)) for _ in range(5)])
    X = rng.normal(size=(3, 4))
    Y = chain.forward(X)
    X_t = torch.tensor(X, requires_grad=True)
    leaves = {}
    h = X_t
    for i, block in enumerate(chain.layers):
        h = torch_run(nb, block, h, leaves, f"{i}.")
    np.testing.assert_allclose(Y, h.detach().numpy(), rtol=1e-9, atol=1e-10)
    dY = rng.normal(size=Y.shape)
    h.backward(torch.tensor(dY))
    np.testing.assert_allclose(chain.backward(dY), X_t.grad.numpy(), rtol=1e-9, atol=1e-10)


def test_notebook_to_torch_twin_agrees(nb):
    rng = np.random.default_rng(3)
    block = nb.ResidualBlock(nb.mlp_branch(6, 3, rng), shortcut=Linear(6, 3, rng))
    X = rng.normal(size=(4, 6))
    twin = nb.to_torch(block)
    np.testing.assert_allclose(block.forward(X), twin(torch.tensor(X)).detach().numpy(), rtol=1e-9, atol=1e-10)
    names = {n for n, _ in twin.named_parameters()}
    assert names == {nb.torch_name(k) for k in block.params}


def test_block_jacobian_is_identity_plus_branch_jacobian(nb):
    rng = np.random.default_rng(11)
    block = nb.ResidualBlock(nb.mlp_branch(5, 5, rng))
    for x in rng.normal(size=(3, 5)):
        J_block = nb.jacobian(lambda v: block.forward(v[None])[0], x)
        J_F = nb.jacobian(lambda v: block.branch.forward(v[None])[0], x)
        np.testing.assert_allclose(J_block - np.eye(5), J_F, atol=1e-8)


def test_zero_init_block_is_exactly_the_identity(nb):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(9, 8)) * 10  # negative entries too: the skip passes them untouched
    block = nb.zero_init_block(8, rng)
    assert np.array_equal(block.forward(X), X)
    block.backward(np.ones_like(X))
    grads = block.grads
    assert not grads["branch.0.W"].any() and not grads["branch.0.b"].any(), "W2 = 0 blocks the first layer"
    assert grads["branch.2.W"].any() and grads["branch.2.b"].any(), "the last layer still learns"


@pytest.mark.parametrize("blocks", [1, 4])
def test_inserting_zero_init_blocks_keeps_a_trained_net_unchanged(nb, blocks):
    rng = np.random.default_rng(blocks)
    shallow = Sequential(Linear(10, 8, rng), ReLU(), Linear(8, 3, rng))
    for p in shallow.params.values():
        p[:] = rng.normal(size=p.shape)  # "trained": any weights at all
    deeper = Sequential(shallow.layers[0], ReLU(), *[nb.zero_init_block(8, rng) for _ in range(blocks)],
                        shallow.layers[2])
    X = rng.normal(size=(6, 10))
    assert np.array_equal(deeper.forward(X), shallow.forward(X))


def test_bad_shapes_are_refused_with_a_clear_message(nb):
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"identity shortcut.*maps 6 -> 3.*projection"):
        nb.ResidualBlock(nb.mlp_branch(6, 3, rng))
    with pytest.raises(ValueError, match=r"shortcut maps 6 -> 4 but the branch maps 6 -> 3"):
        nb.ResidualBlock(nb.mlp_branch(6, 3, rng), shortcut=Linear(6, 4, rng))
    with pytest.raises(ValueError, match=r"must be a layer with forward"):
        nb.ResidualBlock(np.eye(3))
    strided = nb.ResidualBlock(Sequential(Conv2d(2, 2, 3, rng, stride=2, padding=1), ReLU(),
                                          Conv2d(2, 2, 3, rng, padding=1)))
    with pytest.raises(ValueError, match=r"branch gives \(1, 2, 3, 3\) but the shortcut gives \(1, 2, 6, 6\)"):
        strided.forward(rng.normal(size=(1, 2, 6, 6)))
    with pytest.raises(ValueError, match=r"expects X of shape \(N, 6\)"):
        nb.ResidualBlock(nb.mlp_branch(6, 6, rng)).forward(rng.normal(size=(2, 5)))


def test_plain_gradient_vanishes_as_predicted(nb):
    """With PyTorch's default init each plain ReLU layer keeps gamma = sqrt(1/6) of the gradient."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(128, 784)), rng.integers(0, 10, size=128)
    stem, head = nb.stem_and_head(rng, "PyTorch default")
    norms = nb.gradient_norms(nb.plain_units(12, rng, "PyTorch default"), stem, head, X, y)
    predicted = np.sqrt(1 / 6) ** 11
    assert predicted / 30 < norms[0] / norms[-1] < predicted * 30
    norms = nb.gradient_norms(nb.residual_units(12, rng, "He", zero_last=True), *nb.stem_and_head(rng), X, y)
    np.testing.assert_allclose(norms, norms[-1], rtol=1e-12)  # zero-started branches: exactly flat


# ---- the slider of section 6 -------------------------------------------------------------------------------

def test_profile_slider_draws_every_setting_and_reports_the_ratio(nb):
    """The notebook's draw_profiles over its own controls: every end draws, every control changes the data,
    and the text under the figure reports the gradient ratio."""
    import matplotlib

    matplotlib.use("Agg")
    from helpers.widgets import dropdown, int_slider, sweep

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(64, 784)), rng.integers(0, 10, size=64)
    stems = {init: nb.stem_and_head(rng, init) for init in ("PyTorch default", "He")}
    profiles = {}
    for name, (init, zero_last) in nb.SETTINGS.items():
        for depth in (2, 30, 50):
            plain = nb.gradient_norms(nb.plain_units(depth, rng, init), *stems[init], X, y)
            residual = nb.gradient_norms(nb.residual_units(depth, rng, init, zero_last), *stems[init], X, y)
            profiles[(name, depth)] = (plain, residual)
    ylims = {name: (1e-25, 1e6) for name in nb.SETTINGS}
    nb.draw_profiles.__globals__.update(profiles=profiles, ylims=ylims)
    controls = {"depth": int_slider("hidden layers", 30, 2, 50, step=2),
                "init": dropdown("initialisation", list(nb.SETTINGS), "PyTorch default")}
    texts = sweep(nb.draw_profiles, controls, figsize=(7, 4))
    assert len(texts) == 2 + len(nb.SETTINGS)
    assert all(t.startswith("gradient at layer 1 / at the top: plain") for t in texts.values()), texts


# ---- exercises: the reference solutions pass, stubs are unattempted, plausible wrong answers are rejected ----



def test_stubs_count_as_not_attempted(capsys):
    def stub(*args):
        ...  # your code here

    for key, answer in [("06.residual_backward", stub), ("06.projection_shape", stub),
                        ("06.zero_init_grads", ...), ("06.resnet_params", stub)]:
        assert check(key, answer) is False
        assert "not attempted yet" in capsys.readouterr().out


def _backward_with(skip=True, branch=True, mask=True, transpose_dW=False, dW2_from_Z=False):
    """residual_backward with one deliberate mistake switched on."""
    def answer(dY, X, W1, b1, W2, b2):
        Z = X @ W1 + b1
        H = np.maximum(Z, 0)
        dW2 = (Z if dW2_from_Z else H).T @ dY
        dZ = (dY @ W2.T) * ((Z > 0) if mask else 1)
        dW1 = X.T @ dZ
        dX = (dY if skip else 0) + (dZ @ W1.T if branch else 0)
        if transpose_dW:
            dW1, dW2 = dW1.T, dW2.T
        return dX, dW1, dZ.sum(axis=0), dW2, dY.sum(axis=0)
    return answer


def _solution(key):
    return SOLUTIONS[key]


def _param_count_without_projection(blocks, c1, c2):
    return _solution("06.resnet_params")(blocks, c1, c2) - (c1 * c2 + c2)


def _param_count_weights_only(blocks, c1, c2):
    return 9 * c1 + 9 * c1 * c2 + 9 * c2 * c2 + c1 * c2 + blocks * 18 * c2 * c2 + c2 * 49 * 10


WRONG = [
    ("06.residual_backward", _backward_with(skip=False), "misses the skip path"),
    ("06.residual_backward", _backward_with(branch=False), "only the skip path"),
    ("06.residual_backward", _backward_with(mask=False), "only where its input"),
    ("06.residual_backward", _backward_with(transpose_dW=True), "is transposed"),
    ("06.residual_backward", _backward_with(dW2_from_Z=True), "reads H = ReLU(Z)"),
    ("06.residual_backward", lambda *args: (*_solution("06.residual_backward")(*args)[:4], args[0].sum(axis=1)),
     "db2 should have the shape"),
    ("06.residual_backward", lambda dY, X, W1, b1, W2, b2: (2 * dY, W1, b1, W2, b2), "dX differs from PyTorch"),
    ("06.residual_backward", lambda dY, X, W1, b1, W2, b2: dY, "a tuple (dX, dW1, db1, dW2, db2)"),
    ("06.residual_backward", lambda dY, X, W1, b1, W2, b2: torch.zeros(1), "uses torch"),
    ("06.projection_shape", lambda x, y: ((y[1], x[1], 1, 1), x[2] // y[2]), "gives the wrong height/width"),
    ("06.projection_shape", lambda x, y: ((x[1], y[1], 1, 1), 2), "output channels come first"),
    ("06.projection_shape", lambda x, y: ((y[1], x[1], 3, 3), 2), "weight shape"),
    ("06.projection_shape", lambda x, y: ((y[1], x[1], 1, 1), 2), "gives the wrong height/width"),
    ("06.projection_shape", lambda x, y: ((y[1], x[1], 1, 1), 2.0), "gives the wrong height/width"),
    ("06.projection_shape", lambda x, y: (y[1], x[1], 1, 1), "return a pair"),
    ("06.zero_init_grads", {"branch.0.W", "branch.0.b", "branch.2.W", "branch.2.b"}, "W2 is all zeros"),
    ("06.zero_init_grads", {"branch.2.W"}, "does not involve W2"),
    ("06.zero_init_grads", {"branch.2.b"}, "which is not zero"),
    ("06.zero_init_grads", set(), "some parameters do get a gradient"),
    ("06.zero_init_grads", {"shortcut.W"}, "unknown names"),
    ("06.zero_init_grads", 3, "answer with a set"),
    ("06.resnet_params", _param_count_without_projection, "left out the projection"),
    ("06.resnet_params", lambda b, c1, c2: _solution("06.resnet_params")(b, c1, c2) + b * (c2 * c2 + c2),
     "shortcut is the identity"),
    ("06.resnet_params", _param_count_weights_only, "counted the weights only"),
    ("06.resnet_params", lambda b, c1, c2: _solution("06.resnet_params")(b, c1, c2) + c2 * 147 * 10,
     "7×7 pixels"),
    ("06.resnet_params", lambda b, c1, c2: 52274, "the count is wrong"),
    ("06.resnet_params", lambda b, c1, c2: float(_solution("06.resnet_params")(b, c1, c2)), "as an int"),
    ("06.resnet_params", lambda b, c1, c2: sum(p.numel() for p in conv_net(True, b, c1, c2).parameters()),  # noqa: F821
     "without building the network"),
]


(test_reference_solutions_pass, test_wrong_answers_are_rejected_with_a_hint,
 test_every_checker_has_wrong_answers) = exercise_tests(SOLUTIONS, WRONG)


def test_first_hints_do_not_give_the_answer_away():
    firsts = first_hints("06", SOLUTIONS)
    assert "dX = dY + dZ" not in firsts["06.residual_backward"]
    assert "⌈" not in firsts["06.projection_shape"] and "(C_out, C_in" not in firsts["06.projection_shape"]
    assert "branch.2" not in firsts["06.zero_init_grads"]
    assert "490" not in firsts["06.resnet_params"]


# ---------------------------------------------------------------------------------------------------------------
# Section 6: batch normalisation from scratch, the pre-activation block


@pytest.mark.parametrize("shape", [(8, 3, 5, 5), (2, 4, 1, 1), (1, 2, 3, 4)])
def test_batch_norm_matches_torch_in_training_and_eval_mode(nb, shape):
    rng = np.random.default_rng(sum(shape))
    C = shape[1]
    gamma, beta = rng.normal(size=C), rng.normal(size=C)
    running_mean, running_var = np.zeros(C), np.ones(C)
    bn = torch.nn.BatchNorm2d(C, momentum=0.3, dtype=torch.float64)
    with torch.no_grad():
        bn.weight.copy_(torch.from_numpy(gamma))
        bn.bias.copy_(torch.from_numpy(beta))
    for _ in range(3):
        x = 1.5 + 4.0 * rng.normal(size=shape)
        dy = rng.normal(size=shape)
        y, cache = nb.batch_norm_forward(x, gamma, beta)
        dx, dgamma, dbeta = nb.batch_norm_backward(dy, cache)
        nb.update_running_stats(running_mean, running_var, x, momentum=0.3)
        x_t = torch.tensor(x, requires_grad=True)
        bn.zero_grad()
        y_t = bn(x_t)
        y_t.backward(torch.tensor(dy))
        assert y.shape == shape
        for ours, theirs in [(y, y_t.detach()), (dx, x_t.grad), (dgamma, bn.weight.grad), (dbeta, bn.bias.grad),
                             (running_mean, bn.running_mean), (running_var, bn.running_var)]:
            np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-8, atol=1e-10)
    bn.eval()
    x = rng.normal(size=shape)
    np.testing.assert_allclose(nb.batch_norm_eval(x, gamma, beta, running_mean, running_var),
                               bn(torch.tensor(x)).detach().numpy(), rtol=1e-8, atol=1e-10)


def test_batch_norm_forward_matches_torch_and_its_backward_matches_finite_differences(nb):
    rng = np.random.default_rng(7)
    x, dy = rng.normal(size=(4, 2, 3, 3)), rng.normal(size=(4, 2, 3, 3))
    gamma, beta = rng.normal(size=2), rng.normal(size=2)
    y, cache = nb.batch_norm_forward(x, gamma, beta)
    y_t = F.batch_norm(torch.tensor(x), None, None, torch.tensor(gamma), torch.tensor(beta), training=True)
    np.testing.assert_allclose(y, y_t.numpy(), rtol=1e-10, atol=1e-12)
    dx, _, _ = nb.batch_norm_backward(dy, cache)
    eps, numeric = 1e-6, np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        saved = x[idx]
        x[idx] = saved + eps
        up = np.sum(nb.batch_norm_forward(x, gamma, beta)[0] * dy)
        x[idx] = saved - eps
        down = np.sum(nb.batch_norm_forward(x, gamma, beta)[0] * dy)
        x[idx] = saved
        numeric[idx] = (up - down) / (2 * eps)
    np.testing.assert_allclose(dx, numeric, rtol=1e-5, atol=1e-7)


def test_pre_activation_block_adds_its_branch_and_nothing_else(nb):
    torch.manual_seed(0)
    block = nb.PreActivationBlock(4).double()
    x = torch.randn(3, 4, 6, 6, dtype=torch.float64)
    assert torch.equal(block(x), x + block.branch(x))
    assert torch.equal(nb.zero_branches_(block)(x), x)
    kinds = [type(m).__name__ for m in block.branch]
    assert kinds == ["BatchNorm2d", "ReLU", "Conv2d", "BatchNorm2d", "ReLU", "Conv2d"]


def test_the_degradation_results_are_the_scripts_and_cover_every_run():
    """bench/resnet_depth.py wrote every (kind, depth, budget, seed) once into the shipped file the notebook loads
    (checksummed), and the notebook's claim holds on them."""
    from bench import resnet_depth
    from helpers import data

    assert resnet_depth.RESULTS == resnet_depth.SHIPPED == data.path("resnet_depth")
    saved = data.load("resnet_depth")
    assert saved["epochs"] == list(resnet_depth.EPOCHS) and saved["seeds"] == list(resnet_depth.SEEDS)
    keys = [(r["kind"], r["depth"], r["epochs"], r["seed"]) for r in saved["runs"]]
    expected = {(kind, depth, epochs, seed) for epochs in resnet_depth.EPOCHS for seed in resnet_depth.SEEDS
                for kind, depths in (("plain", resnet_depth.PLAIN_DEPTHS), ("residual", resnet_depth.RESIDUAL_DEPTHS))
                for depth in depths}
    assert len(keys) == len(set(keys)) and set(keys) == expected
    assert all(0 < r["train_loss"] < 3 and 0 < r["val_acc"] <= 1 and 0 < r["test_acc"] <= 1 for r in saved["runs"])


def test_the_degradation_script_trains_the_notebooks_own_networks(monkeypatch, tmp_path):
    """One epoch, one seed, two depths: the script runs end to end and writes what it trained."""
    import json

    from bench import resnet_depth

    monkeypatch.setattr(resnet_depth, "RESULTS", tmp_path / "r.json")
    result = resnet_depth.run(epochs=(1,), seeds=(0,), plain_depths=(2,), residual_depths=(2,))
    assert json.loads((tmp_path / "r.json").read_text()) == result
    assert [(r["kind"], r["depth"]) for r in result["runs"]] == [("plain", 2), ("residual", 2)]
