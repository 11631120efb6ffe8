"""Plots the chapters share. Each takes ``ax=None``, returns what it drew, never calls show()."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator
from sklearn import metrics

from labhelpers.evaluate import _class_names, _pair, as_labels, worst_classified


def use_book_style() -> None:
    """The plot defaults of the book: readable fonts, light grid, no top/right spines."""
    plt.rcParams.update({
        "figure.dpi": 100, "savefig.dpi": 100, "font.size": 11, "axes.grid": True,
        "grid.alpha": 0.3, "axes.spines.top": False, "axes.spines.right": False,
        "image.cmap": "gray",
    })


def _history_dict(run) -> dict[str, list[float]]:
    history = getattr(run, "history", run)
    if not isinstance(history, Mapping):
        raise TypeError(
            f"expected a keras History or a dict of metric lists, got {type(run).__name__}"
        )
    return dict(history)


def training_curves(
    runs, metrics: str | Sequence[str] = ("loss", "accuracy"), ax=None, title: str | None = None
):
    """Plot training (solid) and validation (dashed) curves, one colour per run.

    Parameters
    ----------
    runs : History, dict of lists, or dict mapping a run's label to either
        What ``model.fit`` returned, or several of them by name.
    metrics : str or sequence of str
        Metric names as in ``history.history`` (one subplot each).
    ax : Axes or sequence of Axes, optional
        Where to draw, one per metric; a new figure when None.
    title : str, optional
        A title over the whole figure.

    Returns
    -------
    list of Axes
    """
    metric_names = [metrics] if isinstance(metrics, str) else list(metrics)
    if isinstance(runs, Mapping) and runs and all(
        hasattr(v, "history") or isinstance(v, Mapping) for v in runs.values()
    ):
        named = {label: _history_dict(run) for label, run in runs.items()}
    else:
        named = {"": _history_dict(runs)}
    if ax is None:
        _, ax = plt.subplots(1, len(metric_names), figsize=(5 * len(metric_names), 3.6))
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
            if f"val_{metric}" in history:
                axis.plot(epochs, history[f"val_{metric}"], "--", color=colour,
                          label=f"{prefix}validation")
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.set_xlabel("epoch")
        axis.set_ylabel(metric)
        axis.set_title(metric)
        if len(named) == 1:
            axis.legend(fontsize="small")
    if len(named) > 1:  # several runs: one legend, beside the last plot, hiding no line
        axes[-1].legend(fontsize="small", loc="center left", bbox_to_anchor=(1.02, 0.5))
    if title:
        axes[0].figure.suptitle(title)
    return axes


def confusion_matrix(y_true, y_pred, class_names=None, normalize: bool = False, ax=None):
    """Draw the confusion matrix (rows: true class, columns: predicted), with class names.

    ``normalize=True`` shows each row as fractions of the true class. Returns the Axes.
    """
    true, pred, names = _pair(y_true, y_pred, class_names)
    matrix = metrics.confusion_matrix(true, pred, labels=range(len(names))).astype(float)
    if normalize:
        matrix /= np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    if ax is None:
        size = max(4.0, 0.55 * len(names) + 1.5)
        _, ax = plt.subplots(figsize=(size + 1, size))
    image = ax.imshow(matrix, cmap="Blues")
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    ax.set_xticks(range(len(names)), names, rotation=45, ha="right")
    ax.set_yticks(range(len(names)), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.grid(False)
    threshold = matrix.max() / 2
    for (row, col), value in np.ndenumerate(matrix):
        text = f"{value:.2f}" if normalize else f"{int(value)}"
        ax.text(col, row, text, ha="center", va="center", fontsize=8,
                color="white" if value > threshold else "black")
    ax.set_title("confusion matrix" + (" (share of each true class)" if normalize else ""))
    return ax


def _as_images(images) -> np.ndarray:
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
    if array.max() > 1.5:  # 0-255 pixels
        array = array / 255.0
    return array


def _label_titles(labels, predictions, class_names):
    """Titles "label" or "true / →predicted", red where the prediction is wrong."""
    true = as_labels(labels, "labels") if labels is not None else None
    pred = as_labels(predictions, "predictions") if predictions is not None else None
    present = np.concatenate([a for a in (true, pred) if a is not None])
    names = _class_names(class_names, int(present.max()) + 1)
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
    ncols: int = 10,
    ax=None,
):
    """Draw images in a grid, each titled with its label (and prediction, red when wrong).

    Parameters
    ----------
    images : array (n, h, w), (n, h, w, 1) or (n, h, w, 3), pixels 0-1 or 0-255
    labels, predictions : labels (n,) or probability rows, optional
    class_names : names for the labels, optional
    titles : one string per image, optional (replaces the label titles)
    ncols : images per row
    ax : Axes, optional

    Returns
    -------
    Axes
        One Axes holding the whole grid as a single image.
    """
    pictures = _as_images(images)
    n = len(pictures)
    for argument, values in (("labels", labels), ("predictions", predictions), ("titles", titles)):
        if values is not None and len(values) != n:
            raise ValueError(f"{argument} has {len(values)} entries for {n} images")
    colours = ["black"] * n
    if titles is None and (labels is not None or predictions is not None):
        titles, colours = _label_titles(labels, predictions, class_names)
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    height, width = pictures.shape[1:3]
    lines = max((title.count("\n") + 1 for title in titles), default=0) if titles else 0
    gap = 2 + lines * max(4, height // 4)
    shape = (nrows * (height + gap), ncols * (width + 2)) + pictures.shape[3:]
    canvas = np.ones(shape, dtype=np.float32)
    for i, picture in enumerate(pictures):
        row, col = divmod(i, ncols)
        top, left = row * (height + gap) + gap, col * (width + 2) + 1
        canvas[top : top + height, left : left + width] = picture
    if ax is None:
        _, ax = plt.subplots(figsize=(1.1 * ncols + 0.5, 1.3 * nrows + 0.3))
    ax.imshow(canvas, cmap="gray" if canvas.ndim == 2 else None, vmin=0, vmax=1)
    if titles:
        for i, (title, colour) in enumerate(zip(titles, colours)):
            row, col = divmod(i, ncols)
            ax.text(col * (width + 2) + 1 + width / 2, row * (height + gap) + gap - 1, title,
                    ha="center", va="bottom", fontsize=8, color=colour)
    ax.set_axis_off()
    return ax


def filters(kernel, ncols: int = 8, ax=None):
    """Draw the filters of a Conv2D kernel of shape (kh, kw, in_channels, n_filters).

    Three input channels are drawn in colour, otherwise the first channel in grey; each
    filter is scaled to its own range. Returns the Axes.
    """
    weights = np.asarray(kernel, dtype=np.float32)
    if weights.ndim != 4:
        raise ValueError(f"kernel must have shape (kh, kw, in, out), got {weights.shape}")
    shown = weights if weights.shape[2] == 3 else weights[:, :, :1]
    tiles = np.moveaxis(shown, -1, 0)  # (out, kh, kw, channels)
    low = tiles.min(axis=(1, 2, 3), keepdims=True)
    high = tiles.max(axis=(1, 2, 3), keepdims=True)
    tiles = (tiles - low) / np.maximum(high - low, 1e-12)
    titles = [f"filter {i}" for i in range(len(tiles))]
    return image_grid(tiles, titles=titles, ncols=ncols, ax=ax)


def feature_maps(maps, ncols: int = 8, ax=None):
    """Draw the channels of one image's feature maps, shape (h, w, channels). Returns the Axes."""
    array = np.asarray(maps, dtype=np.float32)
    if array.ndim == 4 and array.shape[0] == 1:
        array = array[0]
    if array.ndim != 3:
        raise ValueError(f"maps must have shape (h, w, channels), got {array.shape}")
    tiles = np.moveaxis(array, -1, 0)
    low = tiles.min(axis=(1, 2), keepdims=True)
    high = tiles.max(axis=(1, 2), keepdims=True)
    tiles = (tiles - low) / np.maximum(high - low, 1e-12)
    return image_grid(tiles, titles=[f"map {i}" for i in range(len(tiles))], ncols=ncols, ax=ax)


def worst_classified_images(images, probabilities, y_true, k=10, class_names=None, ncols=10,
                            ax=None):
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
    ax.set_title(f"the {len(table)} worst-classified images (true→predicted)")
    return ax
