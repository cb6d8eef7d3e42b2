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


TRANSFORMER_BOXES = {  # the text of every box in the diagram -> how many boxes carry it (encoder + decoder)
    "Input embedding": 1, "Output embedding": 1, "Positional encoding": 2,
    "Multi-head self-attention": 1, "Masked multi-head self-attention": 1, "Multi-head cross-attention": 1,
    "Feed-forward": 2, "Add & norm": 5, "Linear": 1, "Softmax": 1,
}


def _one_line(text):
    return " ".join(text.get_text().split())


def _box_of(ax, text):
    """The smallest rounded box (not the stacks' frames) around a text's anchor, in data coordinates."""
    from matplotlib.patches import FancyBboxPatch

    x, y = text.get_position()
    around = [p for p in ax.patches if isinstance(p, FancyBboxPatch)
              and p.get_x() <= x <= p.get_x() + p.get_width() and p.get_y() <= y <= p.get_y() + p.get_height()]
    assert around, f"the text {_one_line(text)!r} sits in no box"
    return min(around, key=lambda p: p.get_width() * p.get_height())


def _bounds(patch):
    return patch.get_x(), patch.get_y(), patch.get_x() + patch.get_width(), patch.get_y() + patch.get_height()


def _arrow_points(patch):
    """An arrow's drawn outline in data coordinates; the first point is where the arrow starts."""
    from matplotlib.path import Path

    path = patch.get_path()
    return path.vertices if path.codes is None else path.vertices[path.codes != Path.CLOSEPOLY]


def _check_names(ax, renderer, texts):
    """Every box named, each name inside its own box; the two repeat marks outside their stacks."""
    for name, count in TRANSFORMER_BOXES.items():
        assert len(texts.get(name, [])) == count, f"expected {count} box(es) reading {name!r}"
    for start in ("source tokens (B,", "target shifted right (B,", "next-token probabilities (B,",
                  "memory: keys and values"):
        assert any(s.startswith(start) for s in texts), f"no label starting {start!r}"
    for name in TRANSFORMER_BOXES:
        for t in texts[name]:
            inner, outer = t.get_window_extent(renderer), _box_of(ax, t).get_window_extent(renderer)
            assert (inner.x0 >= outer.x0 and inner.x1 <= outer.x1 and inner.y0 >= outer.y0
                    and inner.y1 <= outer.y1), f"{name!r} spills out of its box"
    marks = sorted((t.get_window_extent(renderer) for t in texts.get("N×", [])), key=lambda e: e.x0)
    encoder, decoder = (_box_of(ax, texts[name][0]).get_window_extent(renderer)
                        for name in ("Multi-head self-attention", "Masked multi-head self-attention"))
    assert len(marks) == 2 and marks[0].x1 < encoder.x0 and marks[1].x0 > decoder.x1, \
        "one 'N×' left of the encoder stack and one right of the decoder stack"


def _check_arrows(ax, texts, tol=0.05):
    """The memory goes from the encoder's output into the cross-attention; a residual arrow reaches every
    Add & norm from below its sublayer. Positions in data coordinates."""
    from matplotlib.patches import FancyArrowPatch

    boxes = {name: [_bounds(_box_of(ax, t)) for t in texts[name]] for name in TRANSFORMER_BOXES}
    arrows = [_arrow_points(p) for p in ax.patches if isinstance(p, FancyArrowPatch)]
    encoder = boxes["Multi-head self-attention"][0]
    x0, y0, x1, y1 = boxes["Multi-head cross-attention"][0]
    assert any(encoder[0] <= a[0, 0] <= encoder[2] and a[0, 1] > encoder[3]
               and any(x0 - tol <= x <= x1 + tol and y0 - tol <= y <= y1 + tol for x, y in a[1:])
               for a in arrows), "no arrow from the encoder's output to the decoder's cross-attention"
    sublayers = [b for name in ("Multi-head self-attention", "Masked multi-head self-attention",
                                "Multi-head cross-attention", "Feed-forward") for b in boxes[name]]
    for left, bottom, right, top in boxes["Add & norm"]:
        below = max((b for b in sublayers if b[0] == left and b[3] <= bottom), key=lambda b: b[3])
        mid = (bottom + top) / 2
        assert any(left <= a[0, 0] <= right and a[0, 1] < below[1]
                   and any(abs(y - mid) < tol and (abs(x - left) < tol or abs(x - right) < tol) for x, y in a)
                   for a in arrows), f"no residual arrow into the Add & norm at y = {mid:.2f}"


def _check_text_stays_visible(ax, renderer):
    """No text outside the axes (1 pixel of slack), no two texts on top of each other, the title on the figure."""
    visible = ax.get_window_extent(renderer)
    drawn = [t for t in [*ax.texts, *ax.get_legend().get_texts(), ax.get_legend().get_title()] if t.get_text()]
    extents = [t.get_window_extent(renderer) for t in drawn]
    for t, e in zip(drawn, extents, strict=True):
        assert (e.x0 >= visible.x0 - 1 and e.x1 <= visible.x1 + 1 and e.y0 >= visible.y0 - 1
                and e.y1 <= visible.y1 + 1), f"{_one_line(t)!r} is drawn outside the axes"
    for i in range(len(drawn)):
        for k in range(i + 1, len(drawn)):
            assert not extents[i].overlaps(extents[k]), f"{_one_line(drawn[i])!r} overlaps {_one_line(drawn[k])!r}"
    assert ax.figure.bbox.contains(*ax.title.get_window_extent(renderer).p0)
    assert ax.figure.bbox.contains(*ax.title.get_window_extent(renderer).p1)


def test_draw_transformer_names_every_block_and_keeps_its_text_inside():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    ax = plots.draw_transformer()
    fig = ax.figure
    try:
        assert isinstance(fig.canvas, FigureCanvasAgg)
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        texts = {}
        for t in ax.texts:
            texts.setdefault(_one_line(t), []).append(t)
        _check_names(ax, renderer, texts)
        _check_arrows(ax, texts)
        _check_text_stays_visible(ax, renderer)
    finally:
        plt.close(fig)
    assert not plt.fignum_exists(fig.number)


def test_draw_transformer_repeat_mark_and_bad_input():
    ax = plots.draw_transformer(n_layers_label="6×")
    assert [t.get_text() for t in ax.texts].count("6×") == 2
    with pytest.raises(ValueError, match="n_layers_label"):
        plots.draw_transformer(n_layers_label="")
