"""Sliders that redraw one figure in place: the ``interactive_output`` + ``Output`` pattern.

Works with ipywidgets 7.7 (Colab) and 8.x (JupyterLab 4): only core widgets are used.

    ui = interactive_plot(draw, {"w": slider("w", 1.0, -3, 3)})
    display(ui)

``draw(ax, **values)`` draws on a fresh axes of a fixed size each time a control changes and may
return a short text (e.g. "accuracy 0.93") that is shown under the figure. Do heavy work once,
outside ``draw``; sliders use ``continuous_update=False`` so a redraw happens on release.

A widget cell ends with one short check, ``assert every_control_works(ui)``: every control still draws at
both ends of its range (every option of a dropdown), and moving it from one end to the other changes
the figure's data (its lines, images, markers or patches; a title alone does not count). A text box is tried
with its text and empty. That check, and the sweep behind it, live in ``helpers/sweep.py`` (imported here).
"""

import inspect

import ipywidgets as widgets
import matplotlib.pyplot as plt
from IPython.display import clear_output, display

__all__ = ["slider", "int_slider", "dropdown", "text_box", "render", "check_controls", "interactive_plot"]
# (and, from helpers/sweep.py through __getattr__ below: every_control_works, sweep, figure_data)

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


def check_controls(draw, controls: dict) -> None:
    """Raise TypeError/ValueError unless `draw` is a function taking every control's name and `controls` a
    non-empty dict of ipywidgets value widgets (what interactive_plot and sweep need)."""
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
    check_controls(draw, controls)
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


def __getattr__(name):
    """``from helpers.widgets import every_control_works`` (every widget cell) finds the check in its own file,
    helpers/sweep.py, which uses the functions above (so it is imported on first use, not at the top)."""
    if name in ("every_control_works", "sweep", "figure_data"):
        from helpers import sweep

        return getattr(sweep, name)
    raise AttributeError(f"module 'helpers.widgets' has no attribute {name!r}")
