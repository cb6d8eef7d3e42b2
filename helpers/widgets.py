"""Sliders that redraw one figure in place: the ``interactive_output`` + ``Output`` pattern.

Works with ipywidgets 7.7 (Colab) and 8.x (JupyterLab 4): only core widgets are used.

    ui = interactive_plot(draw, {"w": slider("w", 1.0, -3, 3)})
    display(ui)

``draw(ax, **values)`` draws on a fresh axes of a fixed size each time a control changes and may
return a short text (e.g. "accuracy 0.93") that is shown under the figure. Do heavy work once,
outside ``draw``; sliders use ``continuous_update=False`` so a redraw happens on release.

A front end without widgets (GitHub's viewer, a static HTML export, a PDF) cannot draw the live figure, so the
panel's display also carries a PNG of the figure it opens with: JupyterLab and Colab show the live widget (they
prefer its MIME type), the others show the picture.

A widget cell ends with one short check, ``assert every_control_works(ui)``: every control still draws at
both ends of its range (every option of a dropdown), and moving it from one end to the other changes
the figure's data (its lines, images, markers or patches; a title alone does not count). A text box is tried
with its text and empty. That check, and the sweep behind it, live in ``helpers/sweep.py`` (imported here).
"""

import base64
import inspect
import io

import ipywidgets as widgets
import matplotlib.pyplot as plt
from IPython.display import clear_output, display

__all__ = ["slider", "int_slider", "dropdown", "text_box", "render", "check_controls", "PlotPanel", "interactive_plot"]
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


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


class PlotPanel(widgets.VBox):
    """What interactive_plot returns: controls above a figure, displayed as one bundle that holds the live widget's
    view and, when ``png`` is set, a static image of the first figure (for readers without a widget manager)."""

    png = None  # bytes of a PNG file, or None

    def _ipython_display_(self, **kwargs):
        # the hook IPython calls to display an object: ipywidgets 7.7 (Colab) shows every widget through it, 8.x
        # through _repr_mimebundle_; one method here serves both, adding the image to the widget's own bundle
        data = {"text/plain": repr(self)[:110], WIDGET_VIEW: {"version_major": 2, "version_minor": 0,
                                                              "model_id": self.model_id}}
        if self.png is not None:
            data["image/png"] = base64.b64encode(self.png).decode("ascii")
        display(data, raw=True)


def png_bytes(fig) -> bytes:
    """The figure as a PNG file, cropped as the notebook's inline figures are."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


def interactive_plot(draw, controls: dict, figsize=(6.0, 4.0), nrows: int = 1, ncols: int = 1,
                     controls_per_row: int = 3):
    """Controls on top, one figure below that is redrawn in place whenever a control changes.

    draw: ``draw(ax, **values)`` (``ax`` is an array of axes when nrows*ncols > 1), may return a str.
    controls: parameter name -> widget (see ``slider``, ``int_slider``, ``dropdown``).
    Returns the widget to ``display`` (a PlotPanel: it carries a picture of its first figure too).
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
    ui = PlotPanel([*rows, out])
    # the picture is drawn apart, on a figure of its own: saving the live figure too would draw it twice, and a
    # constrained layout drawn twice can differ by a pixel from the same values drawn once (the browser test sees it)
    first, _ = render(draw, {name: w.value for name, w in controls.items()}, figsize, nrows, ncols)
    ui.png = png_bytes(first)
    plt.close(first)
    ui.plot_spec = {"draw": draw, "controls": controls, "figsize": figsize, "nrows": nrows, "ncols": ncols}
    return ui


def __getattr__(name):
    """``from helpers.widgets import every_control_works`` (every widget cell) finds the check in its own file,
    helpers/sweep.py, which uses the functions above (so it is imported on first use, not at the top)."""
    if name in ("every_control_works", "sweep", "figure_data"):
        from helpers import sweep

        return getattr(sweep, name)
    raise AttributeError(f"module 'helpers.widgets' has no attribute {name!r}")
