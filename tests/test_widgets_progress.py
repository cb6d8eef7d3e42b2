"""helpers.widgets and helpers.progress, without a browser (tests/test_browser.py moves real sliders)."""



import base64

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest

import helpers.widgets
from helpers.progress import TrainingLog, progress
from helpers.widgets import (
    WIDGET_VIEW,
    PlotPanel,
    dropdown,
    every_control_works,
    figure_data,
    int_slider,
    interactive_plot,
    png_bytes,
    render,
    slider,
    sweep,
    text_box,
)


def draw(ax, w, f="sin"):
    x = np.linspace(0, 6, 50)
    ax.plot(x, w * getattr(np, f)(x))
    return f"w = {w:.2f}"


def test_slider_factories_validate():
    s = slider("w", 1.0, -3, 3)
    assert isinstance(s, widgets.FloatSlider) and s.continuous_update is False and s.step == pytest.approx(0.06)
    assert isinstance(int_slider("n", 2, 1, 5), widgets.IntSlider)
    with pytest.raises(ValueError, match="min < max"):
        slider("w", 0, 1, 1)
    with pytest.raises(ValueError, match="outside"):
        slider("w", 5, 0, 1)
    with pytest.raises(TypeError, match="ints"):
        int_slider("n", 1.5, 0, 3)
    with pytest.raises(ValueError, match="at least one option"):
        dropdown("f", [])


def test_render_returns_figure_and_text():
    fig, text = render(draw, {"w": 2.0})
    assert text == "w = 2.00" and fig.axes[0].lines
    plt.close(fig)


def test_interactive_plot_builds_controls_and_output():
    ui = interactive_plot(draw, {"w": slider("w", 1.0, -3, 3), "f": dropdown("f", ["sin", "cos"])})
    assert isinstance(ui, widgets.VBox) and isinstance(ui.children[-1], widgets.Output)


def test_the_panel_carries_a_picture_of_the_figure_it_opens_with(monkeypatch):
    ui = interactive_plot(draw, {"w": slider("w", 1.0, -3, 3), "f": dropdown("f", ["sin", "cos"])})
    assert isinstance(ui, PlotPanel) and ui.png.startswith(b"\x89PNG")
    first, other = render(draw, {"w": 1.0, "f": "sin"})[0], render(draw, {"w": -3.0, "f": "cos"})[0]
    assert ui.png == png_bytes(first) != png_bytes(other)  # the initial values' figure, not any figure
    plt.close("all")
    shown = []
    monkeypatch.setattr(helpers.widgets, "display", lambda data, raw=False: shown.append((data, raw)))
    ui._ipython_display_()  # what IPython calls to display it, with ipywidgets 7.7 (Colab) and 8
    (data, raw), = shown  # one bundle: a front end picks the widget if it can, else the picture
    assert raw and set(data) == {"text/plain", WIDGET_VIEW, "image/png"}
    assert data[WIDGET_VIEW] == {"version_major": 2, "version_minor": 0, "model_id": ui.model_id}
    assert base64.b64decode(data["image/png"]) == ui.png and data["text/plain"].startswith("PlotPanel(")


def test_interactive_plot_rejects_mismatched_controls():
    with pytest.raises(TypeError, match="no parameter"):
        interactive_plot(draw, {"v": slider("v", 1.0, 0, 2)})
    with pytest.raises(TypeError, match="value widget"):
        interactive_plot(draw, {"w": widgets.Button()})
    with pytest.raises(ValueError, match="non-empty"):
        interactive_plot(draw, {})


def test_sweep_draws_every_end_and_names_the_failing_one():
    res = sweep(draw, {"w": slider("w", 1.0, -3, 3), "f": dropdown("f", ["sin", "cos"])})
    assert set(res) == {("w", -3.0), ("w", 3.0), ("f", "sin"), ("f", "cos")}

    def fragile(ax, w):
        if w == 3:
            raise ZeroDivisionError("boom")
        ax.plot([0, 1], [0, w])

    with pytest.raises(AssertionError, match="w=3"):
        sweep(fragile, {"w": slider("w", 1.0, -3, 3)})

    with pytest.raises(AssertionError, match="empty"):
        sweep(lambda ax, w: None, {"w": slider("w", 1.0, -3, 3)})


def test_training_log():
    log = TrainingLog()
    for loss in (1.0, 0.5):
        log.log(loss=loss, acc=1 - loss)
    assert log["loss"] == [1.0, 0.5] and log.last("acc") == 0.5
    ax = log.plot(["loss"])
    assert len(ax.lines) == 1
    with pytest.raises(KeyError, match="logged so far"):
        log["nope"]
    with pytest.raises(ValueError, match="diverged"):
        log.log(loss=float("nan"))
    with pytest.raises(ValueError, match="at least one"):
        log.log()
    plt.close("all")


def test_progress_iterates():
    assert sum(progress(range(4), disable=True)) == 6


def test_a_control_with_no_effect_on_the_data_fails_with_its_name():
    def title_only(ax, w, f="sin"):
        x = np.linspace(0, 6, 50)
        ax.plot(x, getattr(np, f)(x))
        ax.set_title(f"w = {w:.2f}")  # w changes the title only: not an effect

    with pytest.raises(AssertionError, match="control 'w' has no effect"):
        sweep(title_only, {"w": slider("w", 1.0, -3, 3), "f": dropdown("f", ["sin", "cos"])})
    ui = interactive_plot(title_only, {"f": dropdown("f", ["sin", "cos"]), "w": slider("w", 1.0, -3, 3)})
    with pytest.raises(AssertionError, match="control 'w' has no effect"):
        every_control_works(ui)
    assert every_control_works(interactive_plot(draw, {"w": slider("w", 1.0, -3, 3)})) is True
    with pytest.raises(TypeError, match="interactive_plot"):
        every_control_works(widgets.VBox())


def test_a_text_box_is_tried_with_its_text_and_empty():
    def letters(ax, prompt):
        ax.bar(range(len(prompt) + 1), [1 + len(prompt)] * (len(prompt) + 1))  # an empty prompt still draws

    assert set(sweep(letters, {"prompt": text_box("prompt", "To be")})) == {("prompt", "To be"), ("prompt", "")}

    def crashes_when_empty(ax, prompt):
        ax.plot([0, 1], [ord(prompt[0])] * 2)

    with pytest.raises(AssertionError, match="prompt=''"):
        sweep(crashes_when_empty, {"prompt": text_box("prompt", "To be")})


def test_figure_data_sees_lines_images_markers_and_patches_not_text():
    def fingerprint(paint):
        fig, ax = plt.subplots()
        paint(ax)
        fp = figure_data(fig)
        plt.close(fig)
        return fp

    base = fingerprint(lambda ax: ax.plot([0, 1], [0, 1]))
    assert base == fingerprint(lambda ax: (ax.plot([0, 1], [0, 1]), ax.set_title("other")))
    assert base != fingerprint(lambda ax: ax.plot([0, 1], [0, 2]))
    assert fingerprint(lambda ax: ax.imshow(np.eye(3))) != fingerprint(lambda ax: ax.imshow(np.eye(3)[::-1]))
    assert fingerprint(lambda ax: ax.scatter([0, 1], [0, 1], c=[0, 1])) != \
        fingerprint(lambda ax: ax.scatter([0, 1], [0, 1], c=[1, 0]))
    assert fingerprint(lambda ax: ax.bar([0, 1], [1, 2])) != fingerprint(lambda ax: ax.bar([0, 1], [1, 3]))


def test_training_log_labels_its_curves_in_words():
    from helpers.progress import in_words

    assert in_words("train_loss") == "training loss" and in_words("val_acc") == "validation accuracy"
    assert in_words("train_mse") == "training MSE" and in_words("loss") == "loss"
    log = TrainingLog()
    log.log(train_loss=1.0, test_acc=0.5)
    log.log(train_loss=0.5, test_acc=0.7)
    ax = log.plot()
    assert sorted(t.get_text() for t in ax.get_legend().get_texts()) == ["test accuracy", "training loss"]
    plt.close("all")
