"""Every control of a figure tried at both ends of its range: what a widget cell ends with
(``assert every_control_works(ui)``) and the ``sweep`` the tests call to draw any setting without a browser.

A control passes when it draws something at each end (every option of a dropdown, a text box with its text and
empty) and moving it from one end to the other changes the figure's DATA (lines, images, markers, patches; a title
alone does not count): a slider that changes nothing is a bug.
"""

import hashlib

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from helpers.widgets import check_controls, render

__all__ = ["figure_data", "sweep", "every_control_works"]


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
    check_controls(draw, controls)
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


def every_control_works(ui) -> bool:
    """What a widget cell ends with: ``assert every_control_works(ui)`` for ``ui = interactive_plot(...)``.

    Runs ``sweep`` over the ui's own draw function and controls; returns True or raises AssertionError
    naming the control that fails to draw or has no effect.
    """
    spec = getattr(ui, "plot_spec", None)
    if spec is None:
        raise TypeError("every_control_works expects the widget returned by interactive_plot(...)")
    sweep(spec["draw"], spec["controls"], spec["figsize"], spec["nrows"], spec["ncols"])
    return True
