"""Noise and reconstruction error for the autoencoder chapters (11 and 12).

``add_noise`` corrupts images in [0, 1]; ``reconstruction_error`` measures how far an
output is from the clean image; ``image_rows`` draws rows such as noisy / denoised / clean.
No TensorFlow here: everything is NumPy and Matplotlib.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np

NOISE_KINDS = ("gaussian", "uniform")


def as_rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    """A NumPy Generator from a seed (int), a Generator (used as is) or None (fresh entropy)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, a Generator or None; got {seed!r}")
    return np.random.default_rng(int(seed))


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
    """Return a noisy copy of images whose pixels lie in [0, 1].

    Parameters
    ----------
    images : float array, any shape, values in [0, 1]
    level : float >= 0
        ``gaussian``: the standard deviation of the noise added to each pixel (the Keras
        denoising tutorial's ``noise_factor``); ``uniform``: noise drawn from
        ``[-level, +level]``.
    kind : "gaussian" or "uniform"
    seed : int, Generator or None
        The same seed gives the same noise.
    clip : bool
        Clip the result back to [0, 1] (the range of a sigmoid output).

    Returns
    -------
    float32 array of the same shape (a new array; the input is untouched).
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
    """Mean squared error between clean images and their reconstructions.

    Parameters
    ----------
    clean, reconstructed : arrays of the same shape (n, ...)
    per_image : bool
        Return one error per image (shape (n,)) instead of the mean over all of them.

    Returns
    -------
    float, or float array (n,) when ``per_image``.
    """
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


def image_rows(rows: Mapping[str, np.ndarray], ax=None, vmin: float = 0.0, vmax: float = 1.0):
    """Draw several rows of images, one row per entry, each labelled on the left.

    Parameters
    ----------
    rows : mapping of row label to images (n, h, w) or (n, h, w, 1), all the same n, h, w
        For example ``{"noisy": x_noisy[:8], "denoised": out[:8], "clean": x[:8]}``.
    ax : Axes, optional
    vmin, vmax : grey levels of black and white.

    Returns
    -------
    Axes
    """
    if not isinstance(rows, Mapping) or not rows:
        raise ValueError("rows must be a non-empty mapping of label -> images")
    arrays = []
    for label, images in rows.items():
        array = np.asarray(images, dtype=np.float32)
        if array.ndim == 4 and array.shape[-1] == 1:
            array = array[..., 0]
        if array.ndim != 3 or len(array) == 0:
            raise ValueError(f"rows[{label!r}] must have shape (n, h, w), got {array.shape}")
        arrays.append(array)
    if len({array.shape for array in arrays}) != 1:
        shapes = {label: array.shape for label, array in zip(rows, arrays, strict=True)}
        raise ValueError(f"all rows must have the same shape, got {shapes}")
    n, height, width = arrays[0].shape
    gap = max(1, height // 14)
    canvas = np.full((len(arrays) * (height + gap), n * (width + gap)), vmax, np.float32)
    for r, array in enumerate(arrays):
        for i, image in enumerate(array):
            top, left = r * (height + gap), i * (width + gap)
            canvas[top : top + height, left : left + width] = image
    if ax is None:
        _, ax = plt.subplots(figsize=(1.0 * n + 1.2, 1.05 * len(arrays) + 0.2))
    ax.imshow(canvas, cmap="gray", vmin=vmin, vmax=vmax)
    ax.set_xticks([])
    ax.set_yticks([r * (height + gap) + height / 2 for r in range(len(arrays))])
    ax.set_yticklabels(list(rows))
    ax.tick_params(length=0)
    ax.grid(False)
    for side in ax.spines.values():
        side.set_visible(False)
    return ax
