"""Every figure of the course, with one look: a title, labelled axes, no clutter.

Each function draws on ``ax`` when given one (so sliders can redraw into a fixed figure) or makes a
new figure, and returns what it drew on. Inputs are checked: a wrong shape says what was expected.
"""

import matplotlib.pyplot as plt
import numpy as np

from helpers.compare import to_numpy

__all__ = ["CLASS_COLORS", "CLASS_MARKERS", "use_course_style", "curves", "decision_boundary", "image_grid",
           "feature_maps", "heatmap",
           "confusion_matrix", "function_plot", "draw_transformer"]

CLASS_COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
CLASS_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*", "<", ">"]


def use_course_style() -> None:
    """Set the course's matplotlib look (called on import): readable from a classroom's back row.

    100 dpi is sharp on a projector and keeps a notebook's stored figures light; no text is smaller than
    10 pt (ticks, legends, labels), titles are 12 pt and bold.
    """
    plt.rcParams.update({
        "figure.dpi": 100, "savefig.dpi": 100, "figure.figsize": (6.0, 4.0),
        "axes.spines.top": False, "axes.spines.right": False,
        "axes.grid": True, "grid.alpha": 0.3, "axes.titlesize": 12, "axes.titleweight": "bold",
        "font.size": 10, "axes.labelsize": 10, "xtick.labelsize": 10, "ytick.labelsize": 10,
        "legend.fontsize": 10, "legend.frameon": False, "image.cmap": "viridis",
    })


use_course_style()


def _axes(ax, figsize=(6.0, 4.0)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _label(ax, title, xlabel, ylabel):
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)


def curves(series: dict, xlabel: str = "epoch", ylabel: str = "loss", title: str = "Training curves",
           ax=None, logy: bool = False, x=None):
    """Plot one or more curves, e.g. ``{"train loss": [...], "test loss": [...]}``.

    series: name -> 1-D sequence of numbers (each may have its own length).
    x: optional shared x values; by default 1, 2, ... (epochs count from 1).
    """
    if not isinstance(series, dict) or not series:
        raise ValueError("curves expects a non-empty dict {name: 1-D sequence of numbers}")
    ax = _axes(ax)
    for name, values in series.items():
        v = np.asarray(to_numpy(values), dtype=np.float64)
        if v.ndim != 1 or v.size == 0:
            raise ValueError(f"curves: '{name}' must be a non-empty 1-D sequence, got shape {v.shape}")
        xs = np.arange(1, v.size + 1) if x is None else np.asarray(x)[: v.size]
        ax.plot(xs, v, marker="o" if v.size <= 30 else None, ms=3, label=name)
    if logy:
        ax.set_yscale("log")
    _label(ax, title, xlabel, ylabel)
    ax.legend()
    return ax


def _check_2d_data(X, y):
    X = np.asarray(to_numpy(X), dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"expected X of shape (N, 2): two input features per point, got {X.shape}")
    if y is not None:
        y = np.asarray(to_numpy(y))
        if y.shape != (X.shape[0],):
            raise ValueError(f"expected y of shape ({X.shape[0]},) to match X, got {y.shape}")
    return X, y


def decision_boundary(predict, X, y=None, ax=None, title: str = "Decision boundary",
                      xlabel: str = "$x_1$", ylabel: str = "$x_2$", resolution: int = 150,
                      padding: float = 0.5, class_names=None, surface_label: str = "output",
                      vmin=None, vmax=None, threshold: float = 0.5):
    """Draw a 2-input model's output surface, its decision boundary, and the data on top.

    predict: maps a grid ``(M, 2)`` float64 array to either
      - ``(M,)`` scores (e.g. a sigmoid output; the boundary is drawn where score == threshold), or
      - ``(M, K)`` class scores/probabilities (regions coloured by argmax).
    X: ``(N, 2)`` points; y: ``(N,)`` integer labels (optional).
    """
    X, y = _check_2d_data(X, y)
    if not (isinstance(resolution, int) and 10 <= resolution <= 1000):
        raise ValueError(f"resolution must be an int in [10, 1000], got {resolution!r}")
    ax = _axes(ax)
    lo, hi = X.min(axis=0) - padding, X.max(axis=0) + padding
    g1, g2 = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    grid = np.column_stack([g1.ravel(), g2.ravel()])
    out = np.asarray(to_numpy(predict(grid)), dtype=np.float64)
    if out.shape == (grid.shape[0],):
        Z = out.reshape(g1.shape)
        finite = Z[np.isfinite(Z)]
        lo_v = vmin if vmin is not None else (finite.min() if finite.size else 0.0)
        hi_v = vmax if vmax is not None else (finite.max() if finite.size else 1.0)
        if not hi_v > lo_v:  # a constant surface (e.g. all weights zero) still draws, as one colour
            lo_v, hi_v = lo_v - 0.5, hi_v + 0.5
        mesh = ax.pcolormesh(g1, g2, Z, cmap="RdBu_r", vmin=lo_v, vmax=hi_v, shading="auto", alpha=0.6)
        plt.colorbar(mesh, ax=ax, label=surface_label)
        if np.nanmin(Z) < threshold < np.nanmax(Z):
            ax.contour(g1, g2, Z, levels=[threshold], colors="k", linewidths=2)
    elif out.ndim == 2 and out.shape[0] == grid.shape[0]:
        labels = out.argmax(axis=1).reshape(g1.shape)
        k = out.shape[1]
        cmap = plt.matplotlib.colors.ListedColormap(CLASS_COLORS[:k])
        ax.pcolormesh(g1, g2, labels, cmap=cmap, vmin=-0.5, vmax=k - 0.5, shading="auto", alpha=0.25)
        if k > 1:
            ax.contour(g1, g2, labels, levels=np.arange(k - 1) + 0.5, colors="k", linewidths=1.5)
    else:
        raise ValueError(f"predict returned shape {out.shape}; expected ({grid.shape[0]},) scores "
                         f"or ({grid.shape[0]}, K) class scores for a grid of {grid.shape[0]} points")
    _scatter_classes(ax, X, y, class_names)
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    _label(ax, title, xlabel, ylabel)
    return ax


def _scatter_classes(ax, X, y, class_names):
    if y is None:
        ax.scatter(X[:, 0], X[:, 1], s=18, c="k")
        return
    for i, c in enumerate(np.unique(y)):
        name = class_names[int(c)] if class_names is not None else f"class {c}"
        pts = X[y == c]
        ax.scatter(pts[:, 0], pts[:, 1], s=22, c=CLASS_COLORS[i % 10], marker=CLASS_MARKERS[i % 10],
                   edgecolors="k", linewidths=0.5, label=name)
    ax.legend(loc="best")


def image_grid(images, labels=None, ncols: int = 8, title=None, cmap: str = "gray",
               cell_size: float = 1.1, vmin=None, vmax=None):
    """Show images in a grid. images: ``(N, H, W)`` grayscale or ``(N, H, W, 3)`` RGB; labels: N titles.

    Returns the figure. vmin/vmax default to each image's own range (good for feature maps);
    pass ``vmin=0, vmax=1`` (or 255) to compare brightness across images.
    """
    imgs = np.asarray(to_numpy(images))
    if imgs.ndim not in (3, 4) or (imgs.ndim == 4 and imgs.shape[-1] not in (3, 4)) or len(imgs) == 0:
        raise ValueError(f"image_grid expects (N, H, W) or (N, H, W, 3) with N >= 1, got {imgs.shape}")
    if labels is not None and len(labels) != len(imgs):
        raise ValueError(f"got {len(labels)} labels for {len(imgs)} images")
    if not (isinstance(ncols, int) and ncols >= 1):
        raise ValueError(f"ncols must be a positive int, got {ncols!r}")
    n = len(imgs)
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(cell_size * ncols, cell_size * nrows + 0.4 * bool(title)),
                             squeeze=False, layout="constrained")
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(imgs[i], cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
            if labels is not None:
                ax.set_title(str(labels[i]), fontsize=10, fontweight="normal")
    if title:
        fig.suptitle(title, fontweight="bold")
    return fig


def feature_maps(maps, title: str = "Feature maps", ncols: int = 8, names=None):
    """Show the channels of one feature map tensor ``(C, H, W)`` side by side, each on its own scale."""
    m = np.asarray(to_numpy(maps))
    if m.ndim != 3:
        raise ValueError(f"feature_maps expects (C, H, W) for one image, got {m.shape}; "
                         f"pick one item of a batch first, e.g. maps[0]")
    labels = names if names is not None else [f"channel {c}" for c in range(m.shape[0])]
    return image_grid(m, labels=labels, ncols=ncols, title=title, cmap="viridis")


def heatmap(matrix, row_labels=None, col_labels=None, title: str = "", ax=None, cmap: str = "viridis",
            annotate: bool = False, fmt: str = ".2f", xlabel: str = "", ylabel: str = "",
            vmin=None, vmax=None, colorbar: bool = True):
    """A matrix as a heatmap (attention weights, confusion matrices, kernels). matrix: ``(R, C)``."""
    raw = np.asarray(to_numpy(matrix))
    M = raw.astype(np.float64)
    if M.ndim != 2 or M.size == 0:
        raise ValueError(f"heatmap expects a non-empty 2-D matrix (R, C), got shape {M.shape}")
    for labels, n, what in ((row_labels, M.shape[0], "row"), (col_labels, M.shape[1], "column")):
        if labels is not None and len(labels) != n:
            raise ValueError(f"got {len(labels)} {what} labels for {n} {what}s")
    ax = _axes(ax, figsize=(max(3.0, 0.45 * M.shape[1] + 1.5), max(2.5, 0.45 * M.shape[0] + 1.0)))
    im = ax.imshow(M, cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto", interpolation="nearest")
    ax.grid(False)
    if colorbar:
        plt.colorbar(im, ax=ax)
    if row_labels is not None:
        ax.set_yticks(range(M.shape[0]), [str(s) for s in row_labels])
    if col_labels is not None:
        ax.set_xticks(range(M.shape[1]), [str(s) for s in col_labels], rotation=90 if M.shape[1] > 8 else 0)
    if annotate:
        for (r, c), v in np.ndenumerate(raw):
            red, green, blue, _ = im.cmap(im.norm(float(v)))  # dark cell -> white text, light -> black
            light = 0.299 * red + 0.587 * green + 0.114 * blue > 0.5
            ax.text(c, r, format(v, fmt), ha="center", va="center", fontsize=10,
                    color="black" if light else "white")
    _label(ax, title, xlabel, ylabel)
    return ax


def confusion_matrix(y_true, y_pred, num_classes: int, class_names=None, ax=None,
                     title: str = "Confusion matrix"):
    """Count ``C[i, j]`` = how many examples of true class i were predicted as j; draw it.

    Returns ``(C, ax)`` with C an int64 array ``(num_classes, num_classes)``.
    """
    t, p = np.asarray(to_numpy(y_true)), np.asarray(to_numpy(y_pred))
    if t.shape != p.shape or t.ndim != 1:
        raise ValueError(f"y_true and y_pred must be 1-D and the same length, got {t.shape} and {p.shape}")
    for arr, what in ((t, "y_true"), (p, "y_pred")):
        if arr.size and (arr.min() < 0 or arr.max() >= num_classes):
            raise ValueError(f"{what} must hold class indices in [0, {num_classes - 1}]")
    C = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(C, (t.astype(np.int64), p.astype(np.int64)), 1)
    names = class_names if class_names is not None else list(range(num_classes))
    ax = heatmap(C, names, names, title=title, ax=ax, cmap="Blues", annotate=True, fmt="d",
                 xlabel="predicted", ylabel="true", colorbar=False)
    return C, ax


def function_plot(functions: dict, x_range=(-5.0, 5.0), title: str = "", ax=None, ylim=None,
                  num: int = 401, xlabel: str = "$z$", ylabel: str = "value"):
    """Plot named functions of one variable, e.g. activations and their derivatives.

    functions: name -> callable mapping a 1-D float64 array to an array of the same shape.
    A name ending in "'" (a derivative) is drawn dashed.
    """
    if not isinstance(functions, dict) or not functions:
        raise ValueError("function_plot expects a non-empty dict {name: callable}")
    lo, hi = x_range
    if not hi > lo:
        raise ValueError(f"x_range must be (low, high) with low < high, got {x_range}")
    ax = _axes(ax)
    z = np.linspace(lo, hi, num)
    for name, f in functions.items():
        v = np.asarray(to_numpy(f(z)), dtype=np.float64)
        if v.shape != z.shape:
            raise ValueError(f"function '{name}' returned shape {v.shape} for input shape {z.shape}")
        ax.plot(z, v, ls="--" if name.endswith("'") else "-", lw=2, label=name)
    ax.axhline(0, color="k", lw=0.6)
    ax.axvline(0, color="k", lw=0.6)
    if ylim is not None:
        ax.set_ylim(*ylim)
    _label(ax, title, xlabel, ylabel)
    ax.legend()
    return ax


# The Transformer's block diagram (notebook 11). One colour per kind of block, used by every box of that kind.
_TRANSFORMER_COLORS = {  # kind -> (fill, edge)
    "attention": ("#fdd5ac", "#d9640b"),
    "feed-forward": ("#c9ddf0", "#1f5f9e"),
    "add & norm": ("#fbf0a6", "#a08a00"),
    "embedding": ("#f6d3e5", "#b23f7c"),
    "output": ("#ddd3ee", "#5e4596"),
}
_INK = "#333333"


def _block(ax, cx, y0, w, h, text, kind, fontsize=11):
    """A rounded box of ``kind``'s colour from ``y0`` up to ``y0 + h``, centred on ``cx``; returns its bounds."""
    fill, edge = _TRANSFORMER_COLORS[kind]
    ax.add_patch(plt.matplotlib.patches.FancyBboxPatch(
        (cx - w / 2, y0), w, h, boxstyle="round,pad=0,rounding_size=0.08", facecolor=fill, edgecolor=edge,
        linewidth=1.5, zorder=2))
    ax.text(cx, y0 + h / 2, text, ha="center", va="center", fontsize=fontsize, color="black", zorder=3,
            linespacing=1.1)
    return {"left": cx - w / 2, "right": cx + w / 2, "bottom": y0, "top": y0 + h, "cx": cx, "cy": y0 + h / 2}


def _arrow(ax, *points, color=_INK, lw=1.5, zorder=1.5):
    """An arrow along the polyline through ``points``, its head at the last point."""
    path = plt.matplotlib.path.Path(points)
    ax.add_patch(plt.matplotlib.patches.FancyArrowPatch(
        path=path, arrowstyle="-|>", mutation_scale=14, color=color, lw=lw, zorder=zorder, joinstyle="miter"))


def _plus(ax, cx, cy, r=0.14):
    """The ⊕ where two signals are added."""
    ax.add_patch(plt.matplotlib.patches.Circle((cx, cy), r, facecolor="white", edgecolor=_INK, lw=1.5, zorder=2))
    ax.plot([cx - r, cx + r], [cy, cy], color=_INK, lw=1.5, zorder=3)
    ax.plot([cx, cx], [cy - r, cy + r], color=_INK, lw=1.5, zorder=3)


def _transformer_stack(ax, cx, y_input, sublayers, n_layers_label, side, name, input_label, embedding):
    """One side of the Transformer: input label, embedding, ⊕ positional encoding, and the framed stack.

    sublayers: ``(text, kind)`` pairs, each followed by an "Add & norm" with a residual arrow around it.
    side: -1 draws the residual lane and "N×" on the left (encoder), +1 on the right (decoder).
    Returns the boxes by name (the sublayers' texts; "top" is the last Add & norm) and the frame.
    """
    w, h1, h2, gap = 2.5, 0.36, 0.56, 0.26
    ax.text(cx, y_input, input_label, ha="center", va="center", fontsize=11, color="black")
    emb = _block(ax, cx, y_input + 0.3, w, h1, embedding, "embedding")
    _arrow(ax, (cx, y_input + 0.13), (cx, emb["bottom"]))
    plus_y, r = emb["top"] + 0.36, 0.14
    _plus(ax, cx, plus_y, r)
    _arrow(ax, (cx, emb["top"]), (cx, plus_y - r))
    pe = _block(ax, cx + side * 1.45, plus_y - 0.28, 1.3, 0.56, "Positional\nencoding", "embedding")
    _arrow(ax, (pe["right"] if side < 0 else pe["left"], plus_y), (cx + side * r, plus_y))

    frame_bottom = plus_y + r + 0.16
    lane = cx + side * (w / 2 + 0.3)
    boxes, y, below = {}, frame_bottom + 0.3, (cx, plus_y + r)
    for text, kind in sublayers:
        h = h2 if "\n" in text else h1
        box = _block(ax, cx, y, w, h, text, kind)
        norm = _block(ax, cx, box["top"] + gap, w, h1, "Add & norm", "add & norm")
        branch = box["bottom"] - 0.24  # where x splits: one copy through the sublayer, one around it
        _arrow(ax, below, (cx, box["bottom"]))
        _arrow(ax, (cx, box["top"]), (cx, norm["bottom"]))
        _arrow(ax, (cx, branch), (lane, branch), (lane, norm["cy"]),
               (norm["left"] if side < 0 else norm["right"], norm["cy"]))  # the residual: x + sublayer(x)
        ax.plot([cx], [branch], "o", color=_INK, ms=5, zorder=3)
        boxes[" ".join(text.split())] = box
        y, below = norm["top"] + gap + 0.1, (cx, norm["top"])
    boxes["top"] = norm
    frame = {"left": cx - w / 2 - (0.5 if side < 0 else 0.2), "right": cx + w / 2 + (0.5 if side > 0 else 0.2),
             "bottom": frame_bottom, "top": norm["top"] + 0.15}
    ax.add_patch(plt.matplotlib.patches.FancyBboxPatch(
        (frame["left"], frame["bottom"]), frame["right"] - frame["left"], frame["top"] - frame["bottom"],
        boxstyle="round,pad=0,rounding_size=0.15", facecolor="#f4f4f4", edgecolor="#888888", lw=1.5, zorder=1))
    mid = (frame["bottom"] + frame["top"]) / 2
    ax.text(frame["left"] - 0.12 if side < 0 else frame["right"] + 0.12, mid, n_layers_label,
            ha="right" if side < 0 else "left", va="center", fontsize=16, fontweight="bold", color="black")
    ax.text(frame["left"] + 0.1 if side < 0 else frame["right"] - 0.1, frame["top"] + 0.05, name,
            ha="left" if side < 0 else "right", va="bottom", fontsize=12, fontweight="bold", color="black")
    return boxes, frame


def _attention_shapes(ax, x0, x1, y_top):
    """The side note: the shapes through one multi-head attention, top to bottom."""
    cx = (x0 + x1) / 2
    ax.text(cx, y_top, "Shapes inside one\nmulti-head attention", ha="center", va="top", fontsize=12,
            fontweight="bold", color="black")
    stages = ["x: (B, L, E)", "Q, K, V: each (B, L, E)", "heads: (B, h, L, d),  d = E / h",
              "weights: (B, h, $L_q$, $L_k$)", "merged: (B, L, E)", "out: (B, L, E)"]
    steps = ["× $W_Q$, $W_K$, $W_V$", "split heads", r"softmax$(QK^{\top}/\sqrt{d})$",
             "× V, merge heads", "× $W_O$"]
    fill, edge = _TRANSFORMER_COLORS["attention"]
    y, h, gap, prev = y_top - 0.85, 0.36, 0.46, None
    for i, text in enumerate(stages):
        ax.add_patch(plt.matplotlib.patches.FancyBboxPatch(
            (x0, y - h), x1 - x0, h, boxstyle="round,pad=0,rounding_size=0.06", facecolor="white",
            edgecolor=edge, lw=1.2, zorder=2))
        ax.text(cx, y - h / 2, text, ha="center", va="center", fontsize=11, color="black", zorder=3)
        if prev is not None:
            ax_x = x0 + 0.35
            _arrow(ax, (ax_x, prev), (ax_x, y), lw=1.2)
            ax.text(ax_x + 0.15, (prev + y) / 2, steps[i - 1], ha="left", va="center", fontsize=11,
                    color="#7a3a00")
        prev = y - h
        y -= h + gap
    ax.text(cx, prev - 0.15, "self-attention: $L_q = L_k = L$\ncross-attention: $L_k = L_{src}$",
            ha="center", va="top", fontsize=10, color="black")


def draw_transformer(ax=None, n_layers_label: str = "N×"):
    """Draw the encoder-decoder Transformer (Vaswani et al. 2017, Figure 1) as a block diagram.

    Left, the encoder: source tokens ``(B, L_src)`` -> input embedding ⊕ positional encoding ``(B, L_src, E)``
    -> ``n_layers_label`` layers of [multi-head self-attention, add & norm, feed-forward, add & norm]
    -> the memory ``(B, L_src, E)``. Right, the decoder: the target shifted right ``(B, L_tgt)`` -> output
    embedding ⊕ positional encoding -> layers of [masked self-attention, add & norm, cross-attention (queries
    from below, keys and values from the memory), add & norm, feed-forward, add & norm] -> linear -> softmax
    -> next-token probabilities ``(B, L_tgt, V)``. Every arrow around a sublayer is its residual connection
    (post-norm, as in the paper and PyTorch's default). A side note follows the shapes through one multi-head
    attention, ``(B, L, E)`` -> ``(B, h, L, E / h)`` -> ``(B, h, L_q, L_k)`` -> ``(B, L, E)``.
    Boxes are coloured by kind: attention, feed-forward, add & norm, embeddings, output head.

    n_layers_label: the stacks' repeat mark, e.g. ``"N×"`` or ``"6×"``.
    Draws on ``ax`` if given (about 12 × 8 inches: a smaller axes crowds the text) and returns it.
    """
    if not isinstance(n_layers_label, str) or not n_layers_label.strip():
        raise ValueError(f"n_layers_label must be a non-empty string such as 'N×' or '6×', got {n_layers_label!r}")
    ax = _axes(ax, figsize=(12, 8))
    ax.set_xlim(-0.3, 12)  # room for the encoder's "N×" when the axes is smaller than the figure
    ax.set_ylim(0, 8)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title("The Transformer: an encoder-decoder built from attention")

    enc, enc_frame = _transformer_stack(
        ax, 2.3, 0.22, [("Multi-head\nself-attention", "attention"), ("Feed-forward", "feed-forward")],
        n_layers_label, -1, "Encoder", "source tokens (B, $L_{src}$)", "Input embedding")
    dec, dec_frame = _transformer_stack(
        ax, 6.55, 0.22, [("Masked multi-head\nself-attention", "attention"),
                         ("Multi-head\ncross-attention", "attention"), ("Feed-forward", "feed-forward")],
        n_layers_label, +1, "Decoder", "target shifted right (B, $L_{tgt}$)", "Output embedding")

    cross = dec["Multi-head cross-attention"]  # keys and values: the encoder's last output, to every decoder layer
    bend_y, bend_x = enc_frame["top"] + 0.45, (enc_frame["right"] + dec_frame["left"]) / 2
    _arrow(ax, (enc["top"]["cx"], enc["top"]["top"]), (enc["top"]["cx"], bend_y), (bend_x, bend_y),
           (bend_x, cross["cy"]), (cross["left"], cross["cy"]))
    ax.text((enc["top"]["cx"] + bend_x) / 2, bend_y + 0.1, "memory: keys and values", ha="center", va="bottom",
            fontsize=11, color="black")
    ax.text(cross["cx"] - 0.1, cross["bottom"] - 0.12, "queries", ha="right", va="center", fontsize=10,
            color="black")

    linear = _block(ax, dec["top"]["cx"], dec_frame["top"] + 0.27, 1.8, 0.36, "Linear", "output")
    softmax = _block(ax, linear["cx"], linear["top"] + 0.24, 1.8, 0.36, "Softmax", "output")
    _arrow(ax, (linear["cx"], dec["top"]["top"]), (linear["cx"], linear["bottom"]))
    _arrow(ax, (linear["cx"], linear["top"]), (linear["cx"], softmax["bottom"]))
    _arrow(ax, (linear["cx"], softmax["top"]), (linear["cx"], softmax["top"] + 0.2))
    ax.text(linear["cx"], softmax["top"] + 0.22, "next-token probabilities (B, $L_{tgt}$, V)", ha="center",
            va="bottom", fontsize=11, color="black")

    _attention_shapes(ax, 9.2, 11.9, 7.9)
    handles = [plt.matplotlib.patches.Patch(facecolor=f, edgecolor=e, label=k)
               for k, (f, e) in _TRANSFORMER_COLORS.items()]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.0, 0.99), fontsize=11, title="kinds of block",
              title_fontsize=11)
    return ax
