"""helpers.plots: every plot draws something for good input and says what it expected for bad input."""



import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import plots


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_curves():
    ax = plots.curves({"train": [1.0, 0.5, 0.25], "test": np.array([1.1, 0.7])})
    assert len(ax.lines) == 2 and ax.get_xlabel() == "epoch"
    with pytest.raises(ValueError, match="non-empty dict"):
        plots.curves({})
    with pytest.raises(ValueError, match="1-D"):
        plots.curves({"x": np.zeros((2, 2))})


X = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
y = np.array([0, 1, 1, 0])


def test_decision_boundary_scores_and_classes():
    ax = plots.decision_boundary(lambda g: 1 / (1 + np.exp(-(g[:, 0] + g[:, 1] - 1))), X, y)
    assert ax.collections, "surface and points should be drawn"
    ax = plots.decision_boundary(lambda g: np.stack([g[:, 0], g[:, 1], 0.5 + 0 * g[:, 0]], 1), X, y)
    assert ax.collections


def test_decision_boundary_constant_surface_still_draws():
    ax = plots.decision_boundary(lambda g: np.zeros(len(g)), X, y)  # e.g. every weight at zero
    assert ax.collections


@pytest.mark.parametrize("bad_X, bad_y, msg", [
    (np.zeros((4, 3)), y, r"\(N, 2\)"),
    (X, np.zeros(3), "to match X"),
])
def test_decision_boundary_rejects_bad_shapes(bad_X, bad_y, msg):
    with pytest.raises(ValueError, match=msg):
        plots.decision_boundary(lambda g: g[:, 0], bad_X, bad_y)


def test_decision_boundary_rejects_bad_predict_output():
    with pytest.raises(ValueError, match="predict returned shape"):
        plots.decision_boundary(lambda g: g[:10, 0], X, y)


def test_image_grid_and_feature_maps():
    fig = plots.image_grid(np.zeros((5, 8, 8)), labels=list("abcde"), ncols=3)
    assert sum(bool(ax.images) for ax in fig.axes) == 5
    fig = plots.feature_maps(np.random.default_rng(0).normal(size=(4, 6, 6)))
    assert sum(bool(ax.images) for ax in fig.axes) == 4
    with pytest.raises(ValueError, match=r"\(N, H, W\)"):
        plots.image_grid(np.zeros((8, 8)))
    with pytest.raises(ValueError, match="labels"):
        plots.image_grid(np.zeros((2, 8, 8)), labels=["a"])
    with pytest.raises(ValueError, match="pick one item"):
        plots.feature_maps(np.zeros((2, 3, 4, 4)))


def test_heatmap_and_confusion_matrix():
    ax = plots.heatmap(np.eye(3), ["a", "b", "c"], ["x", "y", "z"], annotate=True)
    assert ax.images
    C, _ = plots.confusion_matrix(np.array([0, 1, 2, 2]), np.array([0, 2, 2, 2]), 3)
    assert C.tolist() == [[1, 0, 0], [0, 0, 1], [0, 0, 2]]
    with pytest.raises(ValueError, match="2-D"):
        plots.heatmap(np.zeros(3))
    with pytest.raises(ValueError, match="row labels"):
        plots.heatmap(np.zeros((2, 2)), row_labels=["a"])
    with pytest.raises(ValueError, match=r"\[0, 2\]"):
        plots.confusion_matrix(np.array([0, 3]), np.array([0, 1]), 3)


def test_function_plot():
    ax = plots.function_plot({"tanh": np.tanh, "tanh'": lambda z: 1 - np.tanh(z) ** 2})
    assert len(ax.lines) == 4  # two curves plus the two axis lines
    assert ax.lines[1].get_linestyle() == "--"
    with pytest.raises(ValueError, match="returned shape"):
        plots.function_plot({"bad": lambda z: z[:3]})
    with pytest.raises(ValueError, match="low < high"):
        plots.function_plot({"id": lambda z: z}, x_range=(1, 1))
