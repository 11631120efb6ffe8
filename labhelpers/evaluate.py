"""Evaluation of a classifier: scores, per-class report, confusions, worst-classified samples."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn import metrics

MAX_CLASSES = 1000  # labels are class indices 0..n_classes-1; ImageNet has 1,000 classes


def as_labels(y, name: str = "y") -> np.ndarray:
    """Turn labels of shape (n,) or (n, 1), one-hot rows or probability rows into (n,) ints."""
    array = np.asarray(y)
    if array.ndim == 0 or array.size == 0:
        raise ValueError(f"{name} must be a non-empty array of labels, got shape {array.shape}")
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    elif array.ndim == 2:
        _check_probabilities(array, name)
        return array.argmax(axis=1)
    if array.ndim != 1:
        raise ValueError(f"{name} must be labels (n,), (n, 1) or scores (n, k); got {array.shape}")
    if array.dtype == np.bool_ or not np.issubdtype(array.dtype, np.number):
        raise TypeError(f"{name} must hold integer class labels, got dtype {array.dtype}")
    if not np.issubdtype(array.dtype, np.integer):
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{name} contains NaN or infinite values")
        if np.any(array != np.round(array)):
            raise ValueError(f"{name} must hold whole-number class labels, got fractions")
    if array.min() < 0:
        raise ValueError(f"{name} holds a negative label ({array.min()}); labels start at 0")
    if array.max() >= MAX_CLASSES:
        raise ValueError(
            f"{name} holds label {array.max()}; class labels must be indices below {MAX_CLASSES:,}"
        )
    return array.astype(np.int64)


def _check_probabilities(probabilities: np.ndarray, name: str) -> None:
    if probabilities.ndim != 2 or probabilities.shape[1] < 2:
        raise ValueError(f"{name} must have shape (n, n_classes), got {probabilities.shape}")
    if not np.issubdtype(probabilities.dtype, np.number):
        raise TypeError(f"{name} must be numeric, got dtype {probabilities.dtype}")
    if not np.all(np.isfinite(probabilities)):
        raise ValueError(f"{name} contains NaN or infinite values")


def _pair(y_true, y_pred, class_names: Sequence[str] | None):
    true, pred = as_labels(y_true, "y_true"), as_labels(y_pred, "y_pred")
    if len(true) != len(pred):
        raise ValueError(f"y_true has {len(true)} labels but y_pred has {len(pred)}")
    names = _class_names(class_names, max(true.max(), pred.max()) + 1)
    return true, pred, names


def _class_names(class_names: Sequence[str] | None, n_needed: int) -> list[str]:
    if class_names is None:
        return [str(i) for i in range(n_needed)]
    names = [str(name) for name in class_names]
    if len(names) < n_needed:
        raise ValueError(
            f"class_names has {len(names)} names but the labels go up to {n_needed - 1}"
        )
    return names


def scores(y_true, y_pred) -> dict[str, float]:
    """Accuracy and macro-averaged F1 (each class counts the same)."""
    true, pred, _ = _pair(y_true, y_pred, None)
    return {
        "accuracy": float(metrics.accuracy_score(true, pred)),
        "macro_f1": float(metrics.f1_score(true, pred, average="macro")),
    }


def compare_accuracy(y_true, y_pred_a, y_pred_b) -> dict[str, float | bool | int]:
    """Two classifiers on the same test samples: their accuracies, the gap and its noise.

    ``difference`` is accuracy a minus accuracy b. ``standard_error`` is the paired standard
    error of that difference from the test sample alone (the spread of the per-sample
    differences, correct a minus correct b, over the square root of n): it says how much
    the gap would move on another test set of the same size, not how much another training
    seed would move it. ``clear`` is True when the gap is more than two standard errors.
    """
    true = as_labels(y_true, "y_true")
    a, b = as_labels(y_pred_a, "y_pred_a"), as_labels(y_pred_b, "y_pred_b")
    if not len(true) == len(a) == len(b):
        raise ValueError(
            f"y_true, y_pred_a and y_pred_b have {len(true)}, {len(a)} and {len(b)} labels"
        )
    per_sample = (a == true).astype(float) - (b == true).astype(float)
    n = len(true)
    difference = float(per_sample.mean())
    error = float(per_sample.std(ddof=1) / np.sqrt(n)) if n > 1 else float("inf")
    return {
        "accuracy_a": float((a == true).mean()),
        "accuracy_b": float((b == true).mean()),
        "difference": difference,
        "standard_error": error,
        "clear": bool(difference != 0 and abs(difference) > 2 * error),
        "n": n,
    }


def per_class_report(y_true, y_pred, class_names: Sequence[str] | None = None) -> pd.DataFrame:
    """Precision, recall, F1 and support of every class, then the averages (scikit-learn)."""
    true, pred, names = _pair(y_true, y_pred, class_names)
    labels = list(range(len(names)))
    report = metrics.classification_report(
        true, pred, labels=labels, target_names=names, output_dict=True, zero_division=0
    )
    table = pd.DataFrame(report).T
    table["support"] = table["support"].astype(int)
    return table.drop(index="accuracy", errors="ignore")


def most_confused_pairs(
    y_true, y_pred, k: int = 5, class_names: Sequence[str] | None = None
) -> pd.DataFrame:
    """The ``k`` most frequent mistakes: true class, predicted class, count, share of the class.

    ``share`` is the fraction of the true class's samples that went to that wrong class.
    """
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    true, pred, names = _pair(y_true, y_pred, class_names)
    matrix = metrics.confusion_matrix(true, pred, labels=range(len(names)))
    np.fill_diagonal(matrix, 0)
    flat = np.argsort(matrix, axis=None)[::-1][:k]
    rows = []
    for t, p in zip(*np.unravel_index(flat, matrix.shape)):
        if matrix[t, p] == 0:
            break
        rows.append(
            {"true": names[t], "predicted": names[p], "count": int(matrix[t, p]),
             "share": matrix[t, p] / max(1, int((true == t).sum()))}
        )
    return pd.DataFrame(rows, columns=["true", "predicted", "count", "share"])


def worst_classified(
    probabilities, y_true, k: int = 10, class_names: Sequence[str] | None = None
) -> pd.DataFrame:
    """The ``k`` samples whose true class got the lowest predicted probability.

    Returns a table indexed by sample position with the true class, the predicted class and
    ``p_true``, the probability the model gave the true class, lowest first.
    """
    probabilities = np.asarray(probabilities)
    _check_probabilities(probabilities, "probabilities")
    true = as_labels(y_true, "y_true")
    if len(true) != len(probabilities):
        raise ValueError(
            f"probabilities has {len(probabilities)} rows but y_true has {len(true)} labels"
        )
    if true.max() >= probabilities.shape[1]:
        raise ValueError(
            f"y_true holds label {true.max()} but probabilities has only "
            f"{probabilities.shape[1]} classes"
        )
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    names = _class_names(class_names, probabilities.shape[1])
    p_true = probabilities[np.arange(len(true)), true]
    order = np.argsort(p_true, kind="stable")[:k]
    predicted = probabilities.argmax(axis=1)
    return pd.DataFrame(
        {"true": [names[i] for i in true[order]],
         "predicted": [names[i] for i in predicted[order]],
         "p_true": p_true[order]},
        index=pd.Index(order, name="sample"),
    )


def model_report(model, x_test, y_test, *, name: str, train_seconds: float) -> dict:
    """One row of a chapter's results table for a trained Keras classifier.

    Returns ``name``, ``parameters``, ``test_loss`` (the model's compiled loss),
    ``accuracy``, ``macro_f1`` and ``train_s``; ``pandas.DataFrame(rows)`` makes the table.
    """
    if len(x_test) != len(y_test):
        raise ValueError(f"x_test has {len(x_test)} samples but y_test has {len(y_test)}")
    loss = model.evaluate(x_test, y_test, verbose=0, return_dict=True)["loss"]
    probabilities = model.predict(x_test, verbose=0)
    return {
        "name": name,
        "parameters": int(model.count_params()),
        "test_loss": float(loss),
        **scores(y_test, probabilities),
        "train_s": round(float(train_seconds), 1),
    }
