"""Looking at one confusion: which samples of class A went to class B, and per-class F1 bars.

``evaluate.most_confused_pairs`` names the pairs; these helpers show them::

    confusions.confusion_examples(x_test, y_test, probabilities, "Shirt", "T-shirt/top",
                                  class_names=names)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from sklearn import metrics

from labhelpers.evaluate import _check_probabilities, _class_names, as_labels
from labhelpers.plots import image_grid


def class_index(which, class_names: Sequence[str] | None = None, n_classes: int | None = None,
                name: str = "class") -> int:
    """Turn a class given as an index or as a name into its index.

    Raises ValueError for an unknown name or an index out of range, TypeError otherwise.
    """
    if isinstance(which, str):
        if class_names is None:
            raise ValueError(f"{name}={which!r} is a name, but no class_names were given")
        names = [str(n) for n in class_names]
        if which not in names:
            raise ValueError(f"{name}={which!r} is not one of the class names {names}")
        return names.index(which)
    if isinstance(which, bool) or not isinstance(which, (int, np.integer)):
        raise TypeError(f"{name} must be a class index or name, got {type(which).__name__}")
    limit = n_classes if n_classes is not None else (len(class_names) if class_names else None)
    if which < 0 or (limit is not None and which >= limit):
        raise ValueError(f"{name}={which} is out of range (0 to {limit - 1 if limit else '...'})")
    return int(which)


def confusion_indices(y_true, y_pred, true_class, predicted_class,
                      class_names: Sequence[str] | None = None) -> np.ndarray:
    """Positions of the samples of ``true_class`` that were predicted as ``predicted_class``.

    ``y_pred`` may be labels or probability rows. With probability rows the positions are
    sorted by the probability given to the wrong class, most confident mistake first;
    with labels they keep the data order.
    """
    true = as_labels(y_true, "y_true")
    pred = as_labels(y_pred, "y_pred")
    if len(true) != len(pred):
        raise ValueError(f"y_true has {len(true)} labels but y_pred has {len(pred)}")
    n_classes = np.asarray(y_pred).shape[1] if np.asarray(y_pred).ndim == 2 and np.asarray(
        y_pred).shape[1] > 1 else None
    t = class_index(true_class, class_names, n_classes, "true_class")
    p = class_index(predicted_class, class_names, n_classes, "predicted_class")
    found = np.flatnonzero((true == t) & (pred == p))
    if n_classes is not None and len(found):
        confidence = np.asarray(y_pred)[found, p]
        found = found[np.argsort(-confidence, kind="stable")]
    return found


def confusion_examples(
    images, y_true, y_pred, true_class, predicted_class, k: int = 10,
    class_names: Sequence[str] | None = None, ncols: int = 10, ax=None,
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
    names = _class_names(class_names, max(t, p) + 1)
    n_true = int((as_labels(y_true, "y_true") == t).sum())
    heading = f"{names[t]} predicted as {names[p]}: {len(found)} of {n_true}"
    shown = found[:k]
    if len(shown) == 0:
        if ax is None:
            _, ax = plt.subplots(figsize=(5, 1))
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
    ax.set_title(heading + (" (p: probability of the wrong class)" if "p=" in titles[0] else ""))
    return ax


def f1_bars(y_true, predictions: Mapping[str, object], class_names: Sequence[str] | None = None,
            ax=None):
    """Grouped bars of the per-class F1 score, one colour per model.

    Parameters
    ----------
    y_true : labels
    predictions : dict mapping a model's name to its labels or probability rows
    class_names : names for the x axis, optional
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    if not isinstance(predictions, Mapping) or not predictions:
        raise ValueError("predictions must be a non-empty dict {model name: predictions}")
    true = as_labels(y_true, "y_true")
    labels = {}
    for model_name, pred in predictions.items():
        array = np.asarray(pred)
        if array.ndim == 2 and array.shape[1] > 1:
            _check_probabilities(array, f"predictions[{model_name!r}]")
        labels[model_name] = as_labels(array, f"predictions[{model_name!r}]")
        if len(labels[model_name]) != len(true):
            raise ValueError(
                f"predictions[{model_name!r}] has {len(labels[model_name])} entries but "
                f"y_true has {len(true)}"
            )
    n_classes = max(int(true.max()), *(int(v.max()) for v in labels.values())) + 1
    names = _class_names(class_names, n_classes)
    classes = np.arange(len(names))
    if ax is None:
        _, ax = plt.subplots(figsize=(max(6.0, 0.8 * len(names) + 1), 3.4))
    width = 0.8 / len(labels)
    lowest = 1.0
    for i, (model_name, pred) in enumerate(labels.items()):
        f1 = metrics.f1_score(true, pred, labels=classes, average=None, zero_division=0)
        lowest = min(lowest, float(f1.min()))
        ax.bar(classes + (i - (len(labels) - 1) / 2) * width, f1, width, label=model_name)
    ax.set_xticks(classes, names, rotation=30 if max(map(len, names)) > 3 else 0, ha="right"
                  if max(map(len, names)) > 3 else "center")
    ax.set_ylim(max(0.0, lowest - 0.05), 1.0)  # zoom in: the differences are small
    ax.set_ylabel("F1 score")
    ax.set_title("F1 score of each class")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return ax
