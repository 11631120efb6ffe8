"""Chapter 9: ImageDataGenerator's arguments as Keras 3 preprocessing layers.

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

:func:`generalization_gap` and :func:`plot_generalization_gaps` measure and draw what
augmentation is for: the gap between training and validation accuracy. Keras and
Matplotlib are imported inside the functions, never when this module is imported.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from labhelpers.checks import number_in
from labhelpers.evaluate import history_dict


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
    width = number_in(width_shift_range, "width_shift_range", 0.0, 1.0)
    height = number_in(height_shift_range, "height_shift_range", 0.0, 1.0)
    degrees = number_in(rotation_range, "rotation_range", 0.0, 180.0)
    zoom = number_in(zoom_range, "zoom_range", 0.0, 1.0)
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


def generalization_gap(history, metric: str = "accuracy") -> np.ndarray:
    """Training minus validation ``metric``, epoch by epoch, from a Keras ``History`` (or a
    dict of metric lists). For accuracy, a positive gap means the model does better on the
    images it trains on; for ``metric="loss"`` read the sign the other way round."""
    record = history_dict(history)
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


def plot_generalization_gaps(histories, metric: str = "accuracy", ax=None):
    """Draw the gap of :func:`generalization_gap` per epoch, one line per named run
    (``{name: history}``). Returns the Axes."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    if not isinstance(histories, Mapping) or not histories:
        raise ValueError("histories must be a non-empty dict of name -> history")
    if ax is None:
        _, ax = plt.subplots(figsize=(4.6, 3.4))
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
