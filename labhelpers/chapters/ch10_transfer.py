"""Transfer learning: class splits, few-shot subsets, freezing, and checks on what changed.

Keras is imported inside the functions, never when this module is imported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from labhelpers.evaluate import as_labels


def select_classes(x, y, classes: Sequence[int]):
    """Keep the samples of ``classes`` and renumber their labels 0, 1, ... in that order.

    Parameters
    ----------
    x : array (n, ...)
    y : labels (n,) or (n, 1)
    classes : the original labels to keep, e.g. ``[5, 6, 7, 8, 9]``

    Returns
    -------
    x_kept, y_kept : arrays
        ``y_kept`` has shape (m,) and values ``0 .. len(classes) - 1``.
    """
    x = np.asarray(x)
    labels = as_labels(y, "y")
    if len(x) != len(labels):
        raise ValueError(f"x has {len(x)} samples but y has {len(labels)} labels")
    wanted = [int(c) for c in classes]
    if not wanted:
        raise ValueError("classes is empty: give at least one class to keep")
    if len(set(wanted)) != len(wanted):
        raise ValueError(f"classes holds a class twice: {wanted}")
    missing = [c for c in wanted if not np.any(labels == c)]
    if missing:
        raise ValueError(f"classes {missing} have no sample in y")
    mask = np.isin(labels, wanted)
    renumber = np.full(labels.max() + 1, -1, dtype=np.int64)
    renumber[wanted] = np.arange(len(wanted))
    return x[mask], renumber[labels[mask]]


def few_shot_indices(y, per_class: int, seed: int = 0) -> np.ndarray:
    """Indices of a class-balanced subset: ``per_class`` samples of every class in ``y``.

    The samples are drawn at random without replacement (reproducibly for a ``seed``) and
    returned shuffled, so that a batch mixes the classes.

    Raises
    ------
    ValueError
        When ``per_class`` is not a positive integer or a class has fewer samples.
    """
    labels = as_labels(y, "y")
    if isinstance(per_class, bool) or not isinstance(per_class, (int, np.integer)) \
            or per_class < 1:
        raise ValueError(f"per_class must be a positive integer, got {per_class!r}")
    rng = np.random.default_rng(seed)
    chosen = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        if len(members) < per_class:
            raise ValueError(
                f"class {label} has only {len(members)} samples, fewer than per_class={per_class}"
            )
        chosen.append(rng.choice(members, size=per_class, replace=False))
    return rng.permutation(np.concatenate(chosen))


def is_download_failure(error: BaseException) -> bool:
    """True when ``error`` is what Keras raises when it cannot download a file.

    Offline, ``keras.utils.get_file`` (behind ``weights="imagenet"``) raises a plain
    ``Exception("URL fetch failure on <url>: ...")``; network errors also arrive as
    ``OSError`` (``URLError``, timeouts, refused connections).
    """
    if not isinstance(error, BaseException):
        raise TypeError(f"error must be an exception, got {type(error).__name__}")
    if isinstance(error, OSError):
        return True
    return "URL fetch failure" in str(error)


def unfreeze_top(backbone, n_layers: int, keep_batchnorm_frozen: bool = True) -> int:
    """Make only the last ``n_layers`` layers of ``backbone`` trainable (fine-tuning).

    Batch-normalisation layers stay frozen by default: their statistics were learned on
    the pretraining data, and updating them from small batches of new data destroys the
    features. Recompile the model afterwards (Keras reads ``trainable`` when compiling).

    Returns
    -------
    int
        The number of layers left trainable.
    """
    if isinstance(n_layers, bool) or not isinstance(n_layers, (int, np.integer)) \
            or n_layers < 0:
        raise ValueError(f"n_layers must be a non-negative integer, got {n_layers!r}")
    import keras

    layers = backbone.layers
    if n_layers > len(layers):
        raise ValueError(f"n_layers={n_layers} but the backbone has only {len(layers)} layers")
    backbone.trainable = True
    cut = len(layers) - n_layers
    trainable = 0
    for index, layer in enumerate(layers):
        is_batchnorm = isinstance(layer, keras.layers.BatchNormalization)
        layer.trainable = index >= cut and not (keep_batchnorm_frozen and is_batchnorm)
        trainable += layer.trainable
    return trainable


def weights_by_layer(model) -> dict[str, list[np.ndarray]]:
    """Copies of every layer's weights (trainable and not), keyed by layer name."""
    return {layer.name: [np.array(w) for w in layer.get_weights()] for layer in model.layers}


def changed_layers(before: Mapping, after: Mapping, atol: float = 0.0) -> list[str]:
    """Names of the layers whose weights differ between two :func:`weights_by_layer` copies."""
    if set(before) != set(after):
        raise ValueError("before and after must come from the same model (their layers differ)")
    changed = []
    for name, weights in before.items():
        if len(weights) != len(after[name]):
            raise ValueError(f"layer {name!r} has a different number of weights")
        if any(w.shape != v.shape or not np.allclose(w, v, rtol=0, atol=atol)
               for w, v in zip(weights, after[name], strict=True)):
            changed.append(name)
    return changed


def plot_accuracy_vs_labels(table, ax=None):
    """Test accuracy against labelled images per class, one line per method.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per run, with columns ``method``, ``per_class`` and ``accuracy`` (several
        seeds per point are averaged; their spread is drawn as an error bar).
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    import matplotlib.pyplot as plt

    for column in ("method", "per_class", "accuracy"):
        if column not in getattr(table, "columns", ()):
            raise ValueError(f"table must be a DataFrame with a {column!r} column")
    if len(table) == 0:
        raise ValueError("table is empty")
    if ax is None:
        _, ax = plt.subplots(figsize=(4.8, 3.4))  # legible on a phone (issue 17)
    for index, (method, rows) in enumerate(table.groupby("method", sort=False)):
        stats = rows.groupby("per_class")["accuracy"].agg(["mean", "std"]).fillna(0.0)
        ax.errorbar(stats.index, stats["mean"], yerr=stats["std"], fmt="o-", capsize=3,
                    color=f"C{index}", label=str(method))
    ax.set_xscale("log")
    ticks = sorted(table["per_class"].unique())
    ax.set_xticks(ticks, [str(t) for t in ticks])
    ax.minorticks_off()
    ax.set_xlabel("labelled training images per class (log scale)")
    ax.set_ylabel("test accuracy")
    ax.set_title("transfer vs training from scratch")
    ax.legend(fontsize="small")
    return ax
