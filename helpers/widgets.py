"""Sliders that redraw one figure in place: the ``interactive_output`` + ``Output`` pattern.

Works with ipywidgets 7.7 (Colab) and 8.x (JupyterLab 4): only core widgets are used.

    ui = interactive_plot(draw, {"w": slider("w", 1.0, -3, 3)})
    display(ui)

``draw(ax, **values)`` draws on a fresh axes of a fixed size each time a control changes and may
return a short text (e.g. "accuracy 0.93") that is shown under the figure. Do heavy work once,
outside ``draw``; sliders use ``continuous_update=False`` so a redraw happens on release.

A widget cell ends with one short check, ``assert check_controls(ui)``: every control still draws at
both ends of its range (every option of a dropdown), and moving it from one end to the other changes
the figure's data (its lines, images, markers or patches; a title alone does not count). A text box is tried
with its text and empty.
"""

import hashlib
import inspect

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import clear_output, display

__all__ = ["slider", "int_slider", "dropdown", "text_box", "render", "interactive_plot", "sweep", "check_controls",
           "figure_data"]

_STYLE = {"description_width": "initial"}


def slider(description: str, value: float, min: float, max: float, step=None, readout_format: str = ".2f"):
    """A float slider that updates on release. step defaults to 1/100 of the range."""
    if not min < max:
        raise ValueError(f"slider '{description}': need min < max, got min={min}, max={max}")
    if not min <= value <= max:
        raise ValueError(f"slider '{description}': value {value} is outside [{min}, {max}]")
    step = step if step is not None else (max - min) / 100
    return widgets.FloatSlider(value=value, min=min, max=max, step=step, description=description,
                               continuous_update=False, readout_format=readout_format, style=_STYLE,
                               layout=widgets.Layout(width="320px"))


def int_slider(description: str, value: int, min: int, max: int, step: int = 1):
    """An integer slider that updates on release."""
    if not (isinstance(value, int) and isinstance(min, int) and isinstance(max, int)):
        raise TypeError(f"int_slider '{description}': value, min and max must be ints")
    if not min <= value <= max:
        raise ValueError(f"int_slider '{description}': value {value} is outside [{min}, {max}]")
    return widgets.IntSlider(value=value, min=min, max=max, step=step, description=description,
                             continuous_update=False, style=_STYLE, layout=widgets.Layout(width="320px"))


def dropdown(description: str, options, value=None):
    """A dropdown menu; options is a list of labels (or (label, value) pairs)."""
    options = list(options)
    if not options:
        raise ValueError(f"dropdown '{description}' needs at least one option")
    kwargs = {} if value is None else {"value": value}
    return widgets.Dropdown(options=options, description=description, style=_STYLE, **kwargs)


def text_box(description: str, value: str = ""):
    """A one-line text box (e.g. a prompt) that updates when you press Enter or leave the box."""
    return widgets.Text(value=value, description=description, continuous_update=False, style=_STYLE,
                        layout=widgets.Layout(width="420px"))


def render(draw, values: dict, figsize=(6.0, 4.0), nrows: int = 1, ncols: int = 1):
    """Call ``draw(ax_or_axes, **values)`` on a new figure; return ``(fig, text)``.

    This is what a slider change does; tests call it directly to draw any setting without a browser.
    """
    fig, axes = plt.subplots(nrows, ncols, figsize=figsize, layout="constrained", squeeze=True)
    text = draw(axes, **values)
    if text is not None and not isinstance(text, str):
        raise TypeError(f"draw should return None or a short str to show under the plot, got {type(text)}")
    return fig, text


def _check_controls(draw, controls: dict) -> None:
    if not callable(draw):
        raise TypeError("interactive_plot needs a draw(ax, **values) function")
    if not isinstance(controls, dict) or not controls:
        raise ValueError("interactive_plot needs a non-empty dict {parameter name: widget}")
    for name, w in controls.items():
        if not isinstance(w, widgets.ValueWidget):
            raise TypeError(f"control '{name}' must be an ipywidgets value widget (slider, dropdown...), "
                            f"got {type(w).__name__}")
    params = inspect.signature(draw).parameters
    if not any(p.kind == p.VAR_KEYWORD for p in params.values()):
        missing = [n for n in controls if n not in params]
        if missing:
            raise TypeError(f"draw() has no parameter(s) {missing} for these controls; "
                            f"it takes {list(params)}")


def interactive_plot(draw, controls: dict, figsize=(6.0, 4.0), nrows: int = 1, ncols: int = 1,
                     controls_per_row: int = 3):
    """Controls on top, one figure below that is redrawn in place whenever a control changes.

    draw: ``draw(ax, **values)`` (``ax`` is an array of axes when nrows*ncols > 1), may return a str.
    controls: parameter name -> widget (see ``slider``, ``int_slider``, ``dropdown``).
    Returns the widget to ``display``.
    """
    _check_controls(draw, controls)
    out = widgets.Output(layout=widgets.Layout(min_height=f"{int(figsize[1] * 72) + 40}px"))

    def update(**values):
        with out:
            clear_output(wait=True)
            fig, text = render(draw, values, figsize, nrows, ncols)
            display(fig)
            plt.close(fig)  # the figure is shown once, inside the Output, never again below the cell
            if text:
                print(text)

    widgets.interactive_output(update, controls)
    boxes = list(controls.values())
    rows = [widgets.HBox(boxes[i:i + controls_per_row]) for i in range(0, len(boxes), controls_per_row)]
    ui = widgets.VBox([*rows, out])
    ui.plot_spec = {"draw": draw, "controls": controls, "figsize": figsize, "nrows": nrows, "ncols": ncols}
    return ui


def figure_data(fig) -> str:
    """A fingerprint of the DATA a figure shows: every line's points, image's pixels, collection's markers,
    colours and paths, and patch's outline, in every axes. Titles, labels and other text are left out."""
    h = hashlib.sha256()

    def add(a):
        a = np.ma.filled(np.ma.asarray(a, dtype=float), np.nan) if a is not None else np.zeros(0)
        h.update(str(a.shape).encode())
        h.update(np.round(np.nan_to_num(a, nan=1e300), 9).tobytes())

    for ax in fig.axes:
        for line in ax.lines:
            add(line.get_xydata())
        for im in ax.images:
            add(im.get_array())
            add(im.get_extent())
        for col in ax.collections:
            add(col.get_offsets())
            add(col.get_array())
            add(col.get_facecolor())
            for path in col.get_paths()[:2000]:
                add(path.vertices)
        for patch in ax.patches:
            add(patch.get_verts())
            add(patch.get_facecolor())
    return h.hexdigest()


def _extreme_values(w):
    """The settings worth trying for one control: both ends of a slider, every option of a dropdown, a text box's
    text and the empty text."""
    if isinstance(w, (widgets.FloatSlider, widgets.IntSlider)):
        return [w.min, w.max]
    if isinstance(w, widgets.Text):
        return [w.value, ""]
    if hasattr(w, "options"):
        return [opt[1] if isinstance(opt, tuple) else opt for opt in w.options]
    return [w.value]


def sweep(draw, controls: dict, figsize=(6.0, 4.0), nrows: int = 1, ncols: int = 1) -> dict:
    """Draw every control at both ends of its range (each dropdown option), the others at their value.

    Returns ``{(name, value): text returned by draw}``. Raises AssertionError naming the control and the
    value if a drawing fails or is empty, and naming the control if moving it from its first to its last
    value leaves the figure's data unchanged (a control with no effect is a bug).
    """
    _check_controls(draw, controls)
    defaults = {name: w.value for name, w in controls.items()}
    results = {}
    for name, w in controls.items():
        values = _extreme_values(w)
        data = {}
        for v in values:
            try:
                fig, text = render(draw, {**defaults, name: v}, figsize, nrows, ncols)
            except Exception as e:
                raise AssertionError(f"drawing failed with {name}={v!r}: {type(e).__name__}: {e}") from e
            drew = any(ax.has_data() or ax.images for ax in fig.axes)
            data[v] = figure_data(fig)
            plt.close(fig)
            if not drew:
                raise AssertionError(f"with {name}={v!r} the figure is empty")
            results[(name, v)] = text
        if len(values) > 1 and data[values[0]] == data[values[-1]]:
            raise AssertionError(f"control '{name}' has no effect: moving it from {values[0]!r} to "
                                 f"{values[-1]!r} leaves the figure's data unchanged")
    return results


def check_controls(ui) -> bool:
    """The check a widget cell ends with: ``assert check_controls(ui)`` for ``ui = interactive_plot(...)``.

    Runs ``sweep`` over the ui's own draw function and controls; returns True or raises AssertionError
    naming the control that fails to draw or has no effect.
    """
    spec = getattr(ui, "plot_spec", None)
    if spec is None:
        raise TypeError("check_controls expects the widget returned by interactive_plot(...)")
    sweep(spec["draw"], spec["controls"], spec["figsize"], spec["nrows"], spec["ncols"])
    return True
