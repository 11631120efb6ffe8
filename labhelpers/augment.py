"""Data augmentation with Keras 3 preprocessing layers, and the train/validation gap.

Keras 2's ``ImageDataGenerator`` (used by the lab reports) is deprecated; its arguments map
onto ``keras.layers.Random*`` layers, which :func:`layers_from_generator_args` builds:

=========================  ==========================================================
ImageDataGenerator         Keras 3 layer
=========================  ==========================================================
``horizontal_flip=True``   ``RandomFlip("horizontal")``
``vertical_flip=True``     ``RandomFlip("vertical")``
``width_shift_range=w``    ``RandomTranslation(height_factor=h, width_factor=w)``
``height_shift_range=h``   (the same layer)
``rotation_range=d``       ``RandomRotation(d / 360)`` (degrees become turns)
``zoom_range=z``           ``RandomZoom((-z, z), (-z, z))`` (scale 1 - z to 1 + z)
=========================  ==========================================================

Keras is imported inside the functions, never when this module is imported.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


def _fraction(value, argument: str, upper: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{argument} must be a number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value) or value < 0 or value >= upper:
        raise ValueError(f"{argument} must be a number in [0, {upper}), got {value}")
    return value


def layers_from_generator_args(
    *,
    horizontal_flip: bool = False,
    vertical_flip: bool = False,
    width_shift_range: float = 0.0,
    height_shift_range: float = 0.0,
    rotation_range: float = 0.0,
    zoom_range: float = 0.0,
    fill_mode: str = "nearest",
    seed: int | None = None,
):
    """Build the Keras 3 layers that do what ``ImageDataGenerator(**arguments)`` did.

    Parameters
    ----------
    horizontal_flip, vertical_flip : bool
        Mirror left-right / upside down, each with probability 1/2.
    width_shift_range, height_shift_range : float
        Largest shift, as a fraction of the width / height, in [0, 1).
    rotation_range : float
        Largest rotation in degrees, in [0, 180).
    zoom_range : float
        Scale drawn in [1 - zoom_range, 1 + zoom_range] along each axis, in [0, 1).
    fill_mode : str
        How pixels shifted in from outside are filled; ``"nearest"`` was
        ``ImageDataGenerator``'s default (the layers' own default is ``"reflect"``).
    seed : int, optional
        Seed of the random layers.

    Returns
    -------
    keras.Sequential
        Named ``"augmentation"``; active only when called with ``training=True`` (inside
        ``fit``), the identity otherwise. With every argument left at its default it holds
        one ``Identity`` layer.
    """
    import keras

    for argument, flag in (("horizontal_flip", horizontal_flip), ("vertical_flip", vertical_flip)):
        if not isinstance(flag, (bool, np.bool_)):
            raise TypeError(f"{argument} must be True or False, got {flag!r}")
    width = _fraction(width_shift_range, "width_shift_range", 1.0)
    height = _fraction(height_shift_range, "height_shift_range", 1.0)
    degrees = _fraction(rotation_range, "rotation_range", 180.0)
    zoom = _fraction(zoom_range, "zoom_range", 1.0)
    if fill_mode not in ("reflect", "wrap", "constant", "nearest"):
        raise ValueError(
            f"fill_mode must be 'reflect', 'wrap', 'constant' or 'nearest', got {fill_mode!r}"
        )
    layers = []
    modes = [name for name, on in (("horizontal", horizontal_flip), ("vertical", vertical_flip))
             if on]
    if modes:
        layers.append(keras.layers.RandomFlip("_and_".join(modes), seed=seed))
    if width or height:
        layers.append(keras.layers.RandomTranslation(height, width, fill_mode=fill_mode,
                                                     seed=seed))
    if degrees:
        layers.append(keras.layers.RandomRotation(degrees / 360.0, fill_mode=fill_mode,
                                                  seed=seed))
    if zoom:
        layers.append(keras.layers.RandomZoom((-zoom, zoom), (-zoom, zoom), fill_mode=fill_mode,
                                              seed=seed))
    return keras.Sequential(layers or [keras.layers.Identity()], name="augmentation")


def _history_dict(history) -> Mapping:
    record = getattr(history, "history", history)
    if not isinstance(record, Mapping):
        raise TypeError(
            f"history must be a Keras History or a dict of lists, got {type(history).__name__}"
        )
    return record


def generalization_gap(history, metric: str = "accuracy") -> np.ndarray:
    """Training minus validation ``metric``, epoch by epoch.

    For accuracy a positive gap means the model does better on the images it trains on
    (over-fitting grows with it); for the loss, pass ``metric="loss"`` and read the sign the
    other way round.

    Parameters
    ----------
    history : keras.callbacks.History or dict
        With lists ``metric`` and ``"val_" + metric`` of equal length.
    metric : str

    Returns
    -------
    numpy.ndarray of shape (epochs,)
    """
    record = _history_dict(history)
    for key in (metric, f"val_{metric}"):
        if key not in record:
            raise ValueError(f"history has no {key!r}; it has {sorted(record)}")
    train = np.asarray(record[metric], dtype=float)
    validation = np.asarray(record[f"val_{metric}"], dtype=float)
    if train.ndim != 1 or len(train) == 0 or train.shape != validation.shape:
        raise ValueError(
            f"history[{metric!r}] and history['val_{metric}'] must be equal-length, non-empty "
            f"lists; got shapes {train.shape} and {validation.shape}"
        )
    if not (np.all(np.isfinite(train)) and np.all(np.isfinite(validation))):
        raise ValueError(f"history[{metric!r}] or its validation holds NaN or infinite values")
    return train - validation


def plot_gaps(histories: Mapping, metric: str = "accuracy", ax=None):
    """Draw the training-minus-validation gap per epoch, one line per named run.

    Parameters
    ----------
    histories : dict of name -> History or dict
    metric : str
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    if not isinstance(histories, Mapping) or not histories:
        raise ValueError("histories must be a non-empty dict of name -> history")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.6))
    for index, (name, history) in enumerate(histories.items()):
        gap = generalization_gap(history, metric)
        ax.plot(np.arange(1, len(gap) + 1), gap, "o-", color=f"C{index}", label=str(name))
    ax.axhline(0, color="black", linewidth=0.8)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"train {metric} − validation {metric}")
    ax.set_title(f"generalisation gap ({metric})")
    ax.legend(fontsize="small")
    return ax
