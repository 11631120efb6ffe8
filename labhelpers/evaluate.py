"""Evaluating a model: scores, cross-entropy, per-class report, confusions, worst-classified
samples, the noise and reconstruction error of a denoiser and layer tables.

The checks at the top (``as_labels``, ``check_probabilities``, ``name_classes``,
``paired_labels``, ``class_index``, ``history_dict``) are public: ``plots`` uses them too."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn import metrics

from labhelpers.checks import as_rng, number_in, positive_int

MAX_CLASSES = 1000  # labels are class indices 0..n_classes-1; ImageNet has 1,000 classes


def as_labels(y, name: str = "y") -> np.ndarray:
    """Turn labels of shape (n,) or (n, 1), one-hot rows or probability rows into (n,) ints."""
    array = np.asarray(y)
    if array.ndim == 0 or array.size == 0:
        raise ValueError(f"{name} must be a non-empty array of labels, got shape {array.shape}")
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    elif array.ndim == 2:
        check_probabilities(array, name)
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


def check_probabilities(probabilities: np.ndarray, name: str) -> None:
    """Raise unless ``probabilities`` is a finite numeric array of shape (n, n_classes >= 2)."""
    if probabilities.ndim != 2 or probabilities.shape[1] < 2:
        raise ValueError(f"{name} must have shape (n, n_classes), got {probabilities.shape}")
    if not np.issubdtype(probabilities.dtype, np.number):
        raise TypeError(f"{name} must be numeric, got dtype {probabilities.dtype}")
    if not np.all(np.isfinite(probabilities)):
        raise ValueError(f"{name} contains NaN or infinite values")


def paired_labels(y_true, y_pred, class_names: Sequence[str] | None):
    """True and predicted labels of equal length, and a name for every class they hold."""
    true, pred = as_labels(y_true, "y_true"), as_labels(y_pred, "y_pred")
    if len(true) != len(pred):
        raise ValueError(f"y_true has {len(true)} labels but y_pred has {len(pred)}")
    names = name_classes(class_names, max(true.max(), pred.max()) + 1)
    return true, pred, names


def name_classes(class_names: Sequence[str] | None, n_needed: int) -> list[str]:
    """``class_names`` as strings (or "0", "1", ... when None), at least ``n_needed`` of them."""
    if class_names is None:
        return [str(i) for i in range(n_needed)]
    names = [str(name) for name in class_names]
    if len(names) < n_needed:
        raise ValueError(
            f"class_names has {len(names)} names but the labels go up to {n_needed - 1}"
        )
    return names


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
    scores = np.asarray(y_pred)
    n_classes = scores.shape[1] if scores.ndim == 2 and scores.shape[1] > 1 else None
    t = class_index(true_class, class_names, n_classes, "true_class")
    p = class_index(predicted_class, class_names, n_classes, "predicted_class")
    found = np.flatnonzero((true == t) & (pred == p))
    if n_classes is not None and len(found):
        confidence = scores[found, p]
        found = found[np.argsort(-confidence, kind="stable")]
    return found


def history_dict(run) -> dict[str, list[float]]:
    """The metric lists of a Keras ``History`` (or of a dict of metric lists)."""
    history = getattr(run, "history", run)
    if not isinstance(history, Mapping):
        raise TypeError(
            f"expected a keras History or a dict of metric lists, got {type(run).__name__}"
        )
    return dict(history)


def check_loss_fell(runs: Mapping[str, object]) -> None:
    """Assert that each run's training loss stayed a number and ended below where it started;
    print one line per run. ``runs``: ``{name: keras History or dict of metric lists}``."""
    for name, run in runs.items():
        losses = [float(value) for value in history_dict(run)["loss"]]
        shown = ", ".join(f"{value:.3g}" for value in losses)
        assert np.all(np.isfinite(losses)), (
            f"{name}: the loss is not a number ({shown}): check the input scaling and the "
            "learning rate")
        assert losses[-1] < losses[0], f"{name}: the training loss did not go down ({shown})"
        print(f"✅ {name}: training loss from {losses[0]:.3f} to {losses[-1]:.3f}")


def scores(y_true, y_pred) -> dict[str, float]:
    """Accuracy and macro-averaged F1 (each class counts the same)."""
    true, pred, _ = paired_labels(y_true, y_pred, None)
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
    seed would move it. ``clear`` is True when the gap is more than two standard errors;
    ``verdict`` says it in words (:func:`noise_verdict`).
    """
    true = as_labels(y_true, "y_true")
    a, b = as_labels(y_pred_a, "y_pred_a"), as_labels(y_pred_b, "y_pred_b")
    if not len(true) == len(a) == len(b):
        raise ValueError(
            f"y_true, y_pred_a and y_pred_b have {len(true)}, {len(a)} and {len(b)} labels"
        )
    per_sample = (a == true).astype(float) - (b == true).astype(float)
    n = len(true)
    error = float(per_sample.std(ddof=1) / np.sqrt(n)) if n > 1 else float("inf")
    return _gap(float((a == true).mean()), float((b == true).mean()), float(per_sample.mean()),
                error, n)


def accuracy_gap(accuracy_a: float, accuracy_b: float, n: int) -> dict[str, float | bool | int]:
    """The gap between two accuracies each measured on ``n`` test samples, when only the
    accuracies are known (a report's figures, a recorded run), with the keys of
    :func:`compare_accuracy`. The standard error treats the two as independent:
    sqrt((a(1 - a) + b(1 - b)) / n)."""
    a = number_in(accuracy_a, "accuracy_a", 0.0, 1.0 + 1e-12)
    b = number_in(accuracy_b, "accuracy_b", 0.0, 1.0 + 1e-12)
    n = positive_int(n, "n")
    return _gap(a, b, a - b, float(np.sqrt((a * (1 - a) + b * (1 - b)) / n)), n)


def _gap(a: float, b: float, difference: float, error: float, n: int) -> dict:
    """The keys :func:`compare_accuracy` and :func:`accuracy_gap` return."""
    return {"accuracy_a": a, "accuracy_b": b, "difference": difference, "standard_error": error,
            "clear": bool(difference != 0 and abs(difference) > 2 * error),
            "verdict": noise_verdict(difference, error), "n": n}


def noise_verdict(gap: float, standard_error: float) -> str:
    """The book's one rule for a measured gap: "beyond the noise" when it is more than two
    standard errors, else "within the noise" (not a finding)."""
    return "beyond the noise" if abs(gap) > 2 * standard_error else "within the noise"


def per_class_report(y_true, y_pred, class_names: Sequence[str] | None = None) -> pd.DataFrame:
    """Precision, recall, F1 and support of every class, then the averages (scikit-learn)."""
    true, pred, names = paired_labels(y_true, y_pred, class_names)
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
    true, pred, names = paired_labels(y_true, y_pred, class_names)
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


def _scores_and_labels(probabilities, y_true) -> tuple[np.ndarray, np.ndarray]:
    """Checked score rows (float64, shape (n, n_classes)) and n labels, each a column."""
    probabilities = np.asarray(probabilities)
    check_probabilities(probabilities, "probabilities")
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
    return probabilities.astype(np.float64), true


def worst_classified(
    probabilities, y_true, k: int = 10, class_names: Sequence[str] | None = None
) -> pd.DataFrame:
    """The ``k`` samples whose true class got the lowest predicted probability.

    Returns a table indexed by sample position with the true class, the predicted class and
    ``p_true``, the probability the model gave the true class, lowest first. Scores with a
    value outside [0, 1] are logits (a model without softmax): a softmax turns them into
    probabilities first, so that a sample's rank does not depend on the other classes' scale.
    """
    probabilities, true = _scores_and_labels(probabilities, y_true)
    if probabilities.min() < 0 or probabilities.max() > 1:
        shifted = np.exp(probabilities - probabilities.max(axis=1, keepdims=True))
        probabilities = shifted / shifted.sum(axis=1, keepdims=True)
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    names = name_classes(class_names, probabilities.shape[1])
    p_true = probabilities[np.arange(len(true)), true]
    order = np.argsort(p_true, kind="stable")[:k]
    predicted = probabilities.argmax(axis=1)
    return pd.DataFrame(
        {"true": [names[i] for i in true[order]],
         "predicted": [names[i] for i in predicted[order]],
         "p_true": p_true[order]},
        index=pd.Index(order, name="sample"),
    )


def cross_entropy(y_true, probabilities, epsilon: float = 1e-7) -> float:
    """Mean cross-entropy, -log(probability given to the true class), over the samples.

    ``probabilities`` are rows that sum to 1 (a softmax output); each is clipped to
    [``epsilon``, 1 - ``epsilon``] first, as Keras's loss does (1e-7 is Keras's default), so
    one confident mistake costs at most -log(1e-7) = 16.1, not infinity.
    """
    probabilities, true = _scores_and_labels(probabilities, y_true)
    sums = probabilities.sum(axis=1)
    if probabilities.min() < 0 or not np.allclose(sums, 1, atol=1e-3):
        raise ValueError(
            "probabilities must be rows of probabilities that sum to 1 (rows sum from "
            f"{sums.min():.3g} to {sums.max():.3g}): does the model end in a softmax?"
        )
    p_true = np.clip(probabilities[np.arange(len(true)), true], epsilon, 1 - epsilon)
    return float(-np.log(p_true).mean())


def model_report(model, x_test, y_test, *, name: str, train_seconds: float) -> dict:
    """One row of a chapter's results table for a trained Keras classifier.

    Returns ``name``, ``parameters``, ``test_loss`` (:func:`cross_entropy` of the test
    predictions, whatever loss the model trained with), ``accuracy``, ``macro_f1`` and
    ``train_s``; ``pandas.DataFrame(rows)`` makes the table. One pass over the test images.
    """
    if len(x_test) != len(y_test):
        raise ValueError(f"x_test has {len(x_test)} samples but y_test has {len(y_test)}")
    probabilities = model.predict(x_test, verbose=0)
    return {
        "name": name,
        "parameters": int(model.count_params()),
        "test_loss": cross_entropy(y_test, probabilities),
        **scores(y_test, probabilities),
        "train_s": round(float(train_seconds), 1),
    }


NOISE_KINDS = ("gaussian", "uniform")


def _images_in_unit_range(images, name: str) -> np.ndarray:
    array = np.asarray(images)
    if array.size == 0:
        raise ValueError(f"{name} is empty")
    if not np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.complexfloating):
        raise TypeError(f"{name} must hold real numbers, got dtype {array.dtype}")
    if np.issubdtype(array.dtype, np.integer):
        raise TypeError(
            f"{name} holds integers ({array.dtype}): scale the pixels to [0, 1] first, "
            "e.g. images.astype('float32') / 255"
        )
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinite values")
    if array.min() < 0 or array.max() > 1:
        raise ValueError(
            f"{name} must lie in [0, 1], got values from {array.min():.3g} to {array.max():.3g}"
        )
    return array


def add_noise(
    images,
    level: float,
    *,
    kind: str = "gaussian",
    seed: int | np.random.Generator | None = None,
    clip: bool = True,
) -> np.ndarray:
    """A noisy float32 copy of ``images`` (floats in [0, 1], any shape).

    ``level``: for ``kind="gaussian"`` the standard deviation of the noise added to each pixel
    (the Keras denoising tutorial's ``noise_factor``), for ``"uniform"`` noise drawn from
    [-level, +level]. The same ``seed`` gives the same noise; ``clip`` clips the result back
    to [0, 1] (the range of a sigmoid output).
    """
    array = _images_in_unit_range(images, "images")
    if isinstance(level, bool) or not isinstance(level, (int, float, np.integer, np.floating)):
        raise TypeError(f"level must be a number, got {type(level).__name__}")
    if not np.isfinite(level) or level < 0:
        raise ValueError(f"level must be a finite number >= 0, got {level}")
    if kind not in NOISE_KINDS:
        raise ValueError(f"kind must be one of {NOISE_KINDS}, got {kind!r}")
    rng = as_rng(seed)
    if kind == "gaussian":
        noise = rng.normal(0.0, 1.0, size=array.shape) * level
    else:
        noise = rng.uniform(-level, level, size=array.shape)
    noisy = array.astype(np.float32) + noise.astype(np.float32)
    return np.clip(noisy, 0.0, 1.0) if clip else noisy


def reconstruction_error(clean, reconstructed, *, per_image: bool = False):
    """Mean squared error between clean images and their reconstructions (same shape
    (n, ...)): one float, or one per image (shape (n,)) with ``per_image=True``."""
    target, output = np.asarray(clean, dtype=np.float64), np.asarray(reconstructed, np.float64)
    if target.shape != output.shape:
        raise ValueError(
            f"clean has shape {target.shape} but reconstructed has shape {output.shape}"
        )
    if target.size == 0 or target.ndim < 1:
        raise ValueError("clean is empty: expected images of shape (n, ...)")
    for name, array in (("clean", target), ("reconstructed", output)):
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{name} contains NaN or infinite values")
    squared = (target - output) ** 2
    if per_image:
        return squared.reshape(len(squared), -1).mean(axis=1)
    return float(squared.mean())


LAYER_COLUMNS = ["layer", "type", "output_shape", "parameters", "inputs"]


def _history_names(node) -> list[str]:
    """Names of the layers whose outputs appear in one serialized inbound node, in order."""
    names: list[str] = []
    if isinstance(node, dict):
        history = node.get("config", {}).get("keras_history") if "config" in node else None
        if node.get("class_name") == "__keras_tensor__" and history:
            return [str(history[0])]
        for value in node.values():
            names += _history_names(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            names += _history_names(value)
    return names


def _graph(model) -> list[tuple[str, str, list[str]]]:
    """(name, class name, input layer names) for every layer, inputs first, from get_config."""
    if not (hasattr(model, "get_config") and hasattr(model, "layers")):
        raise TypeError(f"model must be a Keras model, got {type(model).__name__}")
    config = model.get_config()
    layers = config.get("layers") if isinstance(config, dict) else None
    if not layers:
        raise ValueError("model has no layers to draw")
    sequential = "input_layers" not in config
    graph = []
    previous: list[str] = []
    for entry in layers:
        name = entry.get("config", {}).get("name") or entry.get("name")
        if sequential:
            inputs = previous
        else:
            inputs = []
            for node in entry.get("inbound_nodes", []):
                inputs += [n for n in _history_names(node) if n not in inputs]
        graph.append((str(name), str(entry.get("class_name")), list(inputs)))
        previous = [str(name)]
    if sequential and graph[0][1] != "InputLayer":
        raise ValueError(
            "model is not built: start a Sequential model with keras.Input(shape=...) so "
            "that every layer has an output shape"
        )
    return graph


def _shape_text(shape) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def layer_table(model) -> pd.DataFrame:
    """One row per layer of a built Sequential or functional model: ``layer``, ``type``,
    ``output_shape``, ``parameters`` (they add up to ``model.count_params()``) and ``inputs``
    (the layers feeding it, comma-separated; "-" for an input).

    It reads the model's own description (``model.get_config()``); chapter 2 adds each
    layer's formula to it. TypeError for what is not a Keras model, ValueError for a model
    that is not built (a Sequential model must start with ``keras.Input``).
    """
    graph = _graph(model)
    by_name = {layer.name: layer for layer in model.layers}
    input_shapes = {}
    for tensor in getattr(model, "inputs", None) or []:
        history = getattr(tensor, "_keras_history", None)
        if history is not None:
            input_shapes[history[0].name] = tensor.shape
    rows = []
    for name, class_name, inputs in graph:
        layer = by_name.get(name)
        if layer is not None and class_name != "InputLayer":
            try:
                shape = layer.output.shape
            except (AttributeError, ValueError) as error:
                raise ValueError(
                    f"layer {name!r} has no output shape: build the model first ({error})"
                ) from error
            parameters = int(layer.count_params())
        else:  # an input: its shape is the model's input shape
            shape = input_shapes.get(name)
            if shape is None and len(input_shapes) == 1:
                shape = next(iter(input_shapes.values()))
            if shape is None:
                raise ValueError(f"input {name!r} has no known shape: build the model first")
            parameters = 0
        rows.append(
            {"layer": name, "type": class_name, "output_shape": _shape_text(shape),
             "parameters": parameters, "inputs": ", ".join(inputs) or "-"}
        )
    return pd.DataFrame(rows, columns=LAYER_COLUMNS)
