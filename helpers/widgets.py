"""Sliders that redraw one figure in place: the ``interactive_output`` + ``Output`` pattern.

Works with ipywidgets 7.7 (Colab) and 8.x (JupyterLab 4): only core widgets are used.

    ui = interactive_plot(draw, {"w": slider("w", 1.0, -3, 3)})
    display(ui)

``draw(ax, **values)`` draws on a fresh axes of a fixed size each time a control changes and may
return a short text (e.g. "accuracy 0.93") that is shown under the figure. Do heavy work once,
outside ``draw``; sliders use ``continuous_update=False`` so a redraw happens on release.
"""

import inspect

import ipywidgets as widgets
import matplotlib.pyplot as plt
from IPython.display import clear_output, display

__all__ = ["slider", "int_slider", "dropdown", "render", "interactive_plot", "sweep"]

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
    return widgets.VBox([*rows, out])


def _extreme_values(w):
    """The settings worth trying for one control: both ends of a slider, every option of a dropdown."""
    if isinstance(w, (widgets.FloatSlider, widgets.IntSlider)):
        return [w.min, w.max]
    if hasattr(w, "options"):
        return [opt[1] if isinstance(opt, tuple) else opt for opt in w.options]
    return [w.value]


def sweep(draw, controls: dict, figsize=(6.0, 4.0), nrows: int = 1, ncols: int = 1) -> dict:
    """Draw every control at both ends of its range (each dropdown option), the others at their value.

    Returns ``{(name, value): text returned by draw}``. Raises AssertionError naming the control and
    the value if a drawing fails, so a widget cell can ``assert`` that every end of every slider
    still draws something sensible (the browser test then moves the real sliders).
    """
    _check_controls(draw, controls)
    defaults = {name: w.value for name, w in controls.items()}
    results = {}
    for name, w in controls.items():
        for v in _extreme_values(w):
            try:
                fig, text = render(draw, {**defaults, name: v}, figsize, nrows, ncols)
            except Exception as e:
                raise AssertionError(f"drawing failed with {name}={v!r}: {type(e).__name__}: {e}") from e
            drew = any(ax.has_data() or ax.images for ax in fig.axes)
            plt.close(fig)
            if not drew:
                raise AssertionError(f"with {name}={v!r} the figure is empty")
            results[(name, v)] = text
    return results
