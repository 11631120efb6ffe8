"""Plots the chapters share. Each takes ``ax=None``, returns what it drew, never calls show()."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator
from sklearn import metrics

from labhelpers.evaluate import (
    as_labels,
    check_probabilities,
    class_index,
    confusion_indices,
    history_dict,
    name_classes,
    paired_labels,
    worst_classified,
)

# Where a figure is read (issue 17): the site shrinks a wide PNG to the column of text, 340 px
# on a 390 px phone; text must stay at least 9 px there (tests/test_plot_legibility.py).
PHONE_WIDTH_PX = 340
MIN_TEXT_PX = 9.0


def use_book_style() -> None:
    """The plot defaults of the book: readable fonts, light grid, no top/right spines.

    A figure 5 inches wide with 12-point text keeps its smallest text (10-point legends)
    above 9 px on a phone, where the page shrinks it to 340 px.
    """
    plt.rcParams.update({
        "figure.dpi": 100, "savefig.dpi": 100, "font.size": 12, "figure.figsize": (5.0, 3.4),
        "axes.grid": True, "grid.alpha": 0.3, "axes.spines.top": False,
        "axes.spines.right": False, "image.cmap": "gray",
    })


def legible_width(points: float | None = None) -> float:
    """The widest figure (inches, as saved) whose ``points``-sized text is 9 px on a phone.

    ``points`` defaults to the current base font size.
    """
    if points is None:
        points = float(plt.rcParams["font.size"])
    return points / 72 * PHONE_WIDTH_PX / MIN_TEXT_PX


def training_curves(
    runs, metrics: str | Sequence[str] = ("loss", "accuracy"), ax=None, title: str | None = None
):
    """Plot training (solid) and validation (dashed) curves, one colour per run.

    ``runs``: what ``model.fit`` returned (or a dict of metric lists), or several of them by
    name; ``metrics``: names as in ``history.history``, one subplot each (or one Axes each
    in ``ax``). Returns the list of Axes.
    """
    metric_names = [metrics] if isinstance(metrics, str) else list(metrics)
    if isinstance(runs, Mapping) and runs and all(
        hasattr(v, "history") or isinstance(v, Mapping) for v in runs.values()
    ):
        named = {label: history_dict(run) for label, run in runs.items()}
    else:
        named = {"": history_dict(runs)}
    several = len(named) > 1
    own_figure = ax is None
    if ax is None:  # one metric per row, narrow enough to stay legible on a phone; the
        # tight layout lays the figure out again at each draw, also after a resize
        _, ax = plt.subplots(len(metric_names), 1, figsize=(4.8, 2.6 * len(metric_names)),
                             sharex=True, squeeze=False, layout="tight")
        ax = ax[:, 0]
    axes = list(np.atleast_1d(ax))
    if len(axes) != len(metric_names):
        raise ValueError(f"got {len(axes)} axes for {len(metric_names)} metrics")
    for axis, metric in zip(axes, metric_names):
        for index, (label, history) in enumerate(named.items()):
            if metric not in history:
                raise ValueError(
                    f"metric {metric!r} is not in the history; it has {sorted(history)}"
                )
            colour = f"C{index}"
            epochs = np.arange(1, len(history[metric]) + 1)
            prefix = f"{label} " if label else ""
            axis.plot(epochs, history[metric], "-", color=colour, label=f"{prefix}train")
            validation = history.get(f"val_{metric}")
            if validation is not None and len(validation):
                if len(validation) > len(epochs):
                    raise ValueError(f"val_{metric} has {len(validation)} values for "
                                     f"{len(epochs)} epochs")
                every = len(epochs) // len(validation)  # fit(validation_freq=every)
                axis.plot(np.arange(1, len(validation) + 1) * every, validation, "o--" if
                          every > 1 else "--", color=colour, label=f"{prefix}validation"
                          + (f" (every {every} epochs)" if every > 1 else ""))
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.set_xlabel("epoch")
        axis.xaxis.set_tick_params(labelbottom=True)
        axis.set_ylabel(metric)
        axis.set_title(metric)
        if not several:
            axis.legend(fontsize="small")
    figure = axes[0].figure
    if title:
        figure.suptitle(title)
    if several and own_figure:  # one legend, under the plots (long names widen no figure)
        figure.legend(*axes[-1].get_legend_handles_labels(), fontsize="small",
                      loc="upper center", bbox_to_anchor=(0.5, 0.0))
    elif several:
        axes[-1].legend(fontsize="small", loc="center left", bbox_to_anchor=(1.02, 0.5))
    return axes


def confusion_matrix(y_true, y_pred, class_names=None, normalize: bool = False, ax=None):
    """Draw the confusion matrix (rows: true class, columns: predicted), with class names.

    ``normalize=True`` shows each row as fractions of the true class. Returns the Axes.
    """
    true, pred, names = paired_labels(y_true, y_pred, class_names)
    matrix = metrics.confusion_matrix(true, pred, labels=range(len(names))).astype(float)
    if normalize:
        matrix /= np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    if ax is None:  # no colour bar: every cell prints its number
        size = min(4.8, max(2.5, 0.36 * len(names) + 1.2))
        _, ax = plt.subplots(figsize=(size, size))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(names)), names, rotation=45, ha="right")
    ax.set_yticks(range(len(names)), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.grid(False)
    threshold = matrix.max() / 2
    for (row, col), value in np.ndenumerate(matrix):
        text = f"{value:.2f}" if normalize else f"{int(value)}"
        ax.text(col, row, text, ha="center", va="center", fontsize="small",
                color="white" if value > threshold else "black")
    ax.set_title("confusion matrix" + ("\n(share of each true class)" if normalize else ""))
    return ax


def as_images(images) -> np.ndarray:
    """Images as float32 (n, h, w) or (n, h, w, 3) in [0, 1], or a clear error."""
    array = np.asarray(images)
    if array.ndim == 4 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim not in (3, 4) or (array.ndim == 4 and array.shape[-1] != 3):
        raise ValueError(
            f"images must have shape (n, h, w), (n, h, w, 1) or (n, h, w, 3); got {array.shape}"
        )
    if array.size == 0:
        raise ValueError(f"images is empty (shape {array.shape})")
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_):
        raise TypeError(f"images must hold numbers (pixels), got dtype {array.dtype}")
    array = array.astype(np.float32)
    if not np.all(np.isfinite(array)):
        raise ValueError("images contains NaN or infinite values")
    if array.min() < 0:
        if array.min() < -1 or array.max() > 1:
            raise ValueError(f"images hold values from {array.min():.3g} to {array.max():.3g}: "
                             "scale the pixels to [0, 1], [0, 255] or [-1, 1] first")
        warnings.warn("images hold negative values: drawn as pixels in [-1, 1] (-1 black, "
                      "1 white)", stacklevel=3)
        return (array + 1) / 2
    if array.max() > 1.5:  # 0-255 pixels
        array = array / 255.0
    return array


def _label_titles(labels, predictions, class_names):
    """Titles "label" or "true / →predicted", red where the prediction is wrong."""
    true = as_labels(labels, "labels") if labels is not None else None
    pred = as_labels(predictions, "predictions") if predictions is not None else None
    present = np.concatenate([a for a in (true, pred) if a is not None])
    names = name_classes(class_names, int(present.max()) + 1)
    if true is None or pred is None:
        shown = true if true is not None else pred
        return [names[i] for i in shown], ["black"] * len(shown)
    titles = [f"{names[t]}\n→{names[p]}" for t, p in zip(true, pred)]
    return titles, ["black" if t == p else "red" for t, p in zip(true, pred)]


def image_grid(
    images,
    labels=None,
    predictions=None,
    class_names=None,
    titles: Sequence[str] | None = None,
    ncols: int | None = None,
    ax=None,
    row_labels: Sequence[str] | None = None,
):
    """Draw images in a grid, each titled with its label (and prediction, red when wrong).

    ``images``: (n, h, w), (n, h, w, 1) or (n, h, w, 3), pixels in 0-1, 0-255 or -1-1;
    ``labels``/``predictions``: labels or probability rows; ``titles`` (one per image)
    replace the label titles; ``row_labels`` are written left of each row. ``ncols``
    defaults to as many columns (at most 10) as keep the titles legible on a phone.
    Returns one Axes holding the whole grid as a single image.
    """
    pictures = as_images(images)
    n = len(pictures)
    for argument, values in (("labels", labels), ("predictions", predictions), ("titles", titles)):
        if values is not None and len(values) != n:
            raise ValueError(f"{argument} has {len(values)} entries for {n} images")
    colours = ["black"] * n
    titles = None if titles is None else [str(title) for title in titles]
    if titles is None and (labels is not None or predictions is not None):
        titles, colours = _label_titles(labels, predictions, class_names)
    points = float(plt.rcParams["font.size"])
    longest = max((len(line) for title in titles or [] for line in title.split("\n")),
                  default=0)
    image_inches = 0.45 if not titles else 0.5 if longest < 6 else 0.75  # one image's width
    column_inches = max(image_inches + 0.06, 0.58 * points / 72 * longest + 0.12)
    if pictures.shape[2] < 24:  # tiny images (3 x 3 filters): enlarge, for an even layout
        factor = -(-24 // pictures.shape[2])
        pictures = pictures.repeat(factor, axis=1).repeat(factor, axis=2)
    if ncols is None:
        ncols = int(max(1, min(10, (0.92 * legible_width(points) - 0.4) // column_inches)))
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    height, width = pictures.shape[1:3]
    per_inch = width / image_inches  # canvas pixels per inch of figure
    pitch = max(width + 2, int(round(column_inches * per_inch)))
    lines = max((title.count("\n") + 1 for title in titles), default=0) if titles else 0
    gap = 2 + int(np.ceil(lines * 1.25 * points / 72 * per_inch))
    shape = (nrows * (height + gap), ncols * pitch) + pictures.shape[3:]
    canvas = np.ones(shape, dtype=np.float32)
    for i, picture in enumerate(pictures):
        row, col = divmod(i, ncols)
        top, left = row * (height + gap) + gap, col * pitch + (pitch - width) // 2
        canvas[top : top + height, left : left + width] = picture
    if ax is None:
        figure = plt.figure(figsize=(shape[1] / per_inch, shape[0] / per_inch))
        ax = figure.add_axes((0, 0, 1, 1))
    ax.imshow(canvas, cmap="gray" if canvas.ndim == 2 else None, vmin=0, vmax=1)
    if titles:
        for i, (title, colour) in enumerate(zip(titles, colours)):
            row, col = divmod(i, ncols)
            ax.text(col * pitch + pitch / 2, row * (height + gap) + gap - 1, title,
                    ha="center", va="bottom", color=colour)
    if row_labels is not None:
        if len(row_labels) != nrows:
            raise ValueError(f"row_labels has {len(row_labels)} entries for {nrows} rows")
        for row, label in enumerate(row_labels):
            ax.text(-1, row * (height + gap) + gap + height / 2, str(label), ha="right",
                    va="center")
    ax.set_axis_off()
    return ax


def image_rows(rows: Mapping[str, object], ax=None):
    """Draw rows of images, one row per entry, each labelled on the left.

    ``rows`` maps a label to images (n, h, w) or (n, h, w, 1), the same n, h, w in every
    row, e.g. ``{"noisy": x_noisy[:8], "denoised": out[:8], "clean": x[:8]}``. Returns the
    Axes of :func:`image_grid`.
    """
    if not isinstance(rows, Mapping) or not rows:
        raise ValueError("rows must be a non-empty mapping of label -> images")
    arrays = [as_images(images) for images in rows.values()]
    if len({array.shape for array in arrays}) != 1:
        shapes = {label: array.shape for label, array in zip(rows, arrays, strict=True)}
        raise ValueError(f"all rows must have the same shape, got {shapes}")
    return image_grid(np.concatenate(arrays), ncols=len(arrays[0]), ax=ax,
                      row_labels=list(rows))


def _each_to_unit_range(tiles: np.ndarray) -> np.ndarray:
    """Each tile (along the first axis) scaled from its own min-max to [0, 1]."""
    axes = tuple(range(1, tiles.ndim))
    low, high = tiles.min(axis=axes, keepdims=True), tiles.max(axis=axes, keepdims=True)
    return (tiles - low) / np.maximum(high - low, 1e-12)


def filters(kernel, ncols: int | None = None, ax=None):
    """Draw the filters of a Conv2D kernel of shape (kh, kw, in_channels, n_filters).

    Three input channels are drawn in colour, otherwise the first channel in grey; each
    filter is scaled to its own range. Returns the Axes.
    """
    weights = np.asarray(kernel, dtype=np.float32)
    if weights.ndim != 4:
        raise ValueError(f"kernel must have shape (kh, kw, in, out), got {weights.shape}")
    shown = weights if weights.shape[2] == 3 else weights[:, :, :1]
    tiles = _each_to_unit_range(np.moveaxis(shown, -1, 0))  # (out, kh, kw, channels)
    return image_grid(tiles, titles=[f"filter {i}" for i in range(len(tiles))], ncols=ncols,
                      ax=ax)


def feature_maps(maps, ncols: int | None = None, ax=None):
    """Draw the channels of one image's feature maps, shape (h, w, channels). Returns the Axes."""
    array = np.asarray(maps, dtype=np.float32)
    if array.ndim == 4 and array.shape[0] == 1:
        array = array[0]
    if array.ndim != 3:
        raise ValueError(f"maps must have shape (h, w, channels), got {array.shape}")
    tiles = _each_to_unit_range(np.moveaxis(array, -1, 0))
    return image_grid(tiles, titles=[f"map {i}" for i in range(len(tiles))], ncols=ncols, ax=ax)


def worst_classified_images(images, probabilities, y_true, k=10, class_names=None,
                            ncols=None, ax=None):
    """Draw the ``k`` images whose true class got the lowest probability.

    Each title reads the true class, "→predicted" and the probability of the true class.
    Returns the Axes; the table behind it is :func:`labhelpers.evaluate.worst_classified`.
    """
    pictures = np.asarray(images)
    table = worst_classified(probabilities, y_true, k=k, class_names=class_names)
    if len(pictures) != len(np.asarray(probabilities)):
        raise ValueError(
            f"images has {len(pictures)} entries but probabilities has "
            f"{len(np.asarray(probabilities))}"
        )
    titles = [f"{row.true}\n→{row.predicted}\np={row.p_true:.3f}" for row in table.itertuples()]
    ax = image_grid(pictures[table.index.to_numpy()], titles=titles, ncols=ncols, ax=ax)
    ax.set_title(f"the {len(table)} worst-classified images\n(true→predicted)")
    return ax


def confusion_examples(
    images, y_true, y_pred, true_class, predicted_class, k: int = 10,
    class_names: Sequence[str] | None = None, ncols: int | None = None, ax=None,
):
    """Draw up to ``k`` images of ``true_class`` that the model called ``predicted_class``.

    With probability rows as ``y_pred`` each image is titled with the probability of the
    wrong class, most confident mistakes first. Returns the Axes (an empty one, saying so,
    when there is no such mistake).
    """
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    pictures = np.asarray(images)
    if len(pictures) != len(np.asarray(y_true)):
        raise ValueError(f"images has {len(pictures)} entries but y_true has {len(y_true)}")
    found = confusion_indices(y_true, y_pred, true_class, predicted_class, class_names)
    probabilities = np.asarray(y_pred)
    n_classes = probabilities.shape[1] if probabilities.ndim == 2 else None
    t = class_index(true_class, class_names, n_classes, "true_class")
    p = class_index(predicted_class, class_names, n_classes, "predicted_class")
    names = name_classes(class_names, max(t, p) + 1)
    n_true = int((as_labels(y_true, "y_true") == t).sum())
    heading = f"{names[t]} predicted as {names[p]}: {len(found)} of {n_true}"
    shown = found[:k]
    if len(shown) == 0:
        if ax is None:
            _, ax = plt.subplots(figsize=(4.5, 1))
        ax.set_axis_off()
        ax.text(0.5, 0.5, f"no {names[t]} was predicted as {names[p]}", ha="center",
                va="center", transform=ax.transAxes)
        ax.set_title(heading)
        return ax
    if n_classes is not None and probabilities.shape[1] > 1:
        titles = [f"#{i}\np={probabilities[i, p]:.2f}" for i in shown]
    else:
        titles = [f"#{i}" for i in shown]
    ax = image_grid(pictures[shown], titles=titles, ncols=ncols, ax=ax)
    ax.set_title(heading + ("\n(p: probability of the wrong class)" if "p=" in titles[0] else ""))
    return ax


def f1_bars(y_true, predictions: Mapping[str, object], class_names: Sequence[str] | None = None,
            ax=None):
    """Grouped bars of the per-class F1 score, one colour per model: ``predictions`` maps
    a model's name to its labels or probability rows. Returns the Axes."""
    if not isinstance(predictions, Mapping) or not predictions:
        raise ValueError("predictions must be a non-empty dict {model name: predictions}")
    true = as_labels(y_true, "y_true")
    labels = {}
    for model_name, pred in predictions.items():
        array = np.asarray(pred)
        if array.ndim == 2 and array.shape[1] > 1:
            check_probabilities(array, f"predictions[{model_name!r}]")
        labels[model_name] = as_labels(array, f"predictions[{model_name!r}]")
        if len(labels[model_name]) != len(true):
            raise ValueError(
                f"predictions[{model_name!r}] has {len(labels[model_name])} entries but "
                f"y_true has {len(true)}"
            )
    n_classes = max(int(true.max()), *(int(v.max()) for v in labels.values())) + 1
    names = name_classes(class_names, n_classes)
    classes = np.arange(len(names))
    if ax is None:
        _, ax = plt.subplots(figsize=(min(4.6, max(3.0, 0.35 * len(names) + 1)), 3.4))
    width = 0.8 / len(labels)
    lowest = 1.0
    for i, (model_name, pred) in enumerate(labels.items()):
        f1 = metrics.f1_score(true, pred, labels=classes, average=None, zero_division=0)
        lowest = min(lowest, float(f1.min()))
        ax.bar(classes + (i - (len(labels) - 1) / 2) * width, f1, width, label=model_name)
    ax.set_xticks(classes, names, rotation=45 if max(map(len, names)) > 3 else 0, ha="right"
                  if max(map(len, names)) > 3 else "center")
    ax.set_ylim(max(0.0, lowest - 0.05), 1.0)  # zoom in: the differences are small
    ax.set_ylabel("F1 score")
    columns = min(len(labels), 2)  # the legend above the bars, under the title
    ax.legend(fontsize="small", loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=columns,
              frameon=False)
    rows = -(-len(labels) // columns)
    ax.set_title("F1 score of each class", pad=8 + rows * 1.9 * 0.833 * plt.rcParams["font.size"])
    return ax
