"""Figure text a reader can read (issue 17): at least 9 px on a 390 px phone and on a desktop.

The site shows each figure's PNG at its natural width or shrinks it to the column of text
(340 px on a phone, 670 px at 1,280 px, measured on the site's pages); ``smallest_text``
converts every drawn text's size to screen pixels there. Each plot helper's own figure must
pass on both.
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402

from labhelpers import plots  # noqa: E402
from labhelpers.chapters import ch06_gradcam as gradcam  # noqa: E402
from labhelpers.chapters import ch09_augment as augment  # noqa: E402
from labhelpers.chapters import ch10_transfer as transfer  # noqa: E402

NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
         "Bag", "Ankle boot"]
RNG = np.random.default_rng(0)
LABELS = RNG.integers(0, 10, 300)
PROBABILITIES = RNG.dirichlet(np.ones(10), 300)
PROBABILITIES[np.arange(300), LABELS] += 1
PROBABILITIES /= PROBABILITIES.sum(axis=1, keepdims=True)
IMAGES = RNG.integers(0, 256, (300, 28, 28))
HISTORY = {"loss": list(np.linspace(1, 0.3, 8)), "val_loss": list(np.linspace(1.1, 0.4, 8)),
           "accuracy": list(np.linspace(0.6, 0.9, 8)),
           "val_accuracy": list(np.linspace(0.55, 0.88, 8))}

FIGURES = {  # each helper as the chapters call it, with the longest names they pass
    "training_curves, one run": lambda: plots.training_curves(HISTORY),
    "training_curves, three runs": lambda: plots.training_curves(
        {"batch 32": HISTORY, "batch 256": HISTORY, "report 003": HISTORY}, title="batch size"),
    "training_curves, long run names": lambda: plots.training_curves(
        {"without augmentation": HISTORY, "with augmentation (model8)": HISTORY}),
    "confusion_matrix": lambda: plots.confusion_matrix(LABELS, PROBABILITIES, NAMES),
    "confusion_matrix, normalised": lambda: plots.confusion_matrix(
        LABELS, PROBABILITIES, NAMES, normalize=True),
    "image_grid, class names": lambda: plots.image_grid(
        IMAGES[:20], labels=LABELS[:20], predictions=PROBABILITIES[:20], class_names=NAMES),
    "image_grid, digits": lambda: plots.image_grid(
        IMAGES[:20], labels=LABELS[:20], predictions=PROBABILITIES[:20]),
    "image_rows": lambda: plots.image_rows({"input": IMAGES[:10], "output": IMAGES[10:20]}),
    "filters": lambda: plots.filters(RNG.normal(size=(3, 3, 1, 32))),
    "feature_maps": lambda: plots.feature_maps(RNG.random((14, 14, 32))),
    "worst_classified_images": lambda: plots.worst_classified_images(
        IMAGES, PROBABILITIES, LABELS, k=10, class_names=NAMES),
    "confusion_examples": lambda: plots.confusion_examples(
        IMAGES, LABELS, PROBABILITIES, "Shirt", "T-shirt/top", class_names=NAMES),
    "f1_bars": lambda: plots.f1_bars(
        LABELS, {"report 003": PROBABILITIES, "our CNN": PROBABILITIES}, NAMES),
    "generalization_gaps (chapter 9)": lambda: augment.plot_generalization_gaps(
        {"no augmentation": HISTORY, "augmentation": HISTORY}),
    "accuracy_vs_labels (chapter 10)": lambda: transfer.plot_accuracy_vs_labels(pd.DataFrame(
        {"method": ["transfer (frozen backbone)"] * 4 + ["from scratch"] * 4,
         "per_class": [5, 5, 50, 50] * 2, "accuracy": RNG.random(8)})),
    "grad_cam_grid": lambda: gradcam.grad_cam_grid(
        IMAGES[:8], RNG.random((8, 28, 28)), titles=["Ankle boot\n→Sneaker 97%"] * 8),
}


DESKTOP_WIDTH_PX = 670  # the column at a 1,280 px desktop window


def smallest_text(fig, display_width_px: float = plots.PHONE_WIDTH_PX) -> tuple[float, str]:
    """The smallest text a reader sees in ``fig``, in screen pixels, and that text.

    The figure is drawn, every piece of text the renderer draws is recorded, and its size
    is converted to pixels on a page whose column is ``display_width_px`` wide: font size
    (points) x dpi / 72 x the factor by which the browser shrinks the PNG to the column
    (1 when it fits). Returns ``(inf, "")`` for a figure without text.
    """
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    renderer = fig.canvas.get_renderer()
    drawn: list[tuple[float, str]] = []
    draw_text = renderer.draw_text

    def recording(gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if str(s).strip():
            drawn.append((prop.get_size_in_points(), str(s)))
        return draw_text(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)

    renderer.draw_text = recording
    try:
        fig.draw(renderer)
    finally:
        del renderer.draw_text
    if not drawn:
        return float("inf"), ""
    pad = plt.rcParams["savefig.pad_inches"]
    natural_px = (fig.get_tightbbox(renderer).width + 2 * pad) * fig.dpi
    shrink = min(1.0, display_width_px / natural_px)
    points, text = min(drawn)
    return points * fig.dpi / 72 * shrink, text


@pytest.fixture(autouse=True)
def book_style():
    with matplotlib.rc_context():
        plots.use_book_style()
        yield
    plt.close("all")


def test_smallest_text_converts_points_to_pixels_on_the_page():
    fig = plt.figure(figsize=(10, 2), dpi=100)
    fig.text(0.1, 0.5, "small", fontsize=8)
    fig.text(0.9, 0.5, "large", fontsize=20)
    fig.add_artist(plt.Line2D([0, 1], [0, 1], transform=fig.transFigure))  # spans the figure
    pixels, text = smallest_text(fig, display_width_px=340)
    natural = (10 + 2 * plt.rcParams["savefig.pad_inches"]) * 100
    assert text == "small"
    assert pixels == pytest.approx(8 * 100 / 72 * 340 / natural, rel=0.02)  # about 3.7 px
    assert pixels < plots.MIN_TEXT_PX
    # a figure narrower than the column is not shrunk: 8 pt at 100 dpi is 11.1 px
    narrow = plt.figure(figsize=(2, 1), dpi=100)
    narrow.text(0.1, 0.5, "tiny figure", fontsize=8)
    assert smallest_text(narrow, 670)[0] == pytest.approx(8 * 100 / 72)


def test_smallest_text_sees_tick_labels_and_skips_hidden_text():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.set_title("title", fontsize=14)
    ax.tick_params(labelsize=6)
    ax.text(0.5, 0.5, "hidden", fontsize=3, visible=False)
    pixels, text = smallest_text(fig, 1000)
    assert pixels == pytest.approx(6 * fig.dpi / 72) and text != "hidden"
    empty = plt.figure()
    assert smallest_text(empty) == (float("inf"), "")


@pytest.mark.parametrize("name", FIGURES)
def test_every_helper_draws_text_a_reader_can_read(name):
    FIGURES[name]()
    fig = plt.gcf()
    for where, width in (("a 390 px phone", plots.PHONE_WIDTH_PX),
                         ("a desktop", DESKTOP_WIDTH_PX)):
        pixels, text = smallest_text(fig, width)
        assert pixels >= plots.MIN_TEXT_PX, (
            f"{name}: {text!r} renders at {pixels:.1f} px on {where} (figure "
            f"{fig.get_size_inches().round(1).tolist()} in); at least {plots.MIN_TEXT_PX} px")


def test_the_old_wide_grid_fails_the_check():
    # what image_grid drew before issue 17: 10 columns, 8-point titles, 11.5 inches wide
    plots.image_grid(IMAGES[:20], labels=LABELS[:20], class_names=NAMES, ncols=10)
    fig = plt.gcf()
    for text in fig.axes[0].texts:
        text.set_fontsize(8)
    fig.set_size_inches(11.5, 2.9)
    assert smallest_text(fig, plots.PHONE_WIDTH_PX)[0] < plots.MIN_TEXT_PX


def test_grids_wrap_to_fewer_columns_for_long_titles():
    def columns(ax):
        return len({text.get_position()[0] for text in ax.texts})

    digits = plots.image_grid(IMAGES[:20], labels=LABELS[:20])
    garments = plots.image_grid(IMAGES[:20], labels=LABELS[:20], class_names=NAMES)
    assert columns(garments) < columns(digits) <= 10
    explicit = plots.image_grid(IMAGES[:12], titles=["x"] * 12, ncols=6)
    assert columns(explicit) == 6  # an explicit ncols is kept
