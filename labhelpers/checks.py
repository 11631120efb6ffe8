"""Argument checks shared by the helpers: each returns the clean value or raises a clear error."""

from __future__ import annotations

import numbers

import numpy as np


def positive_int(value, name: str, minimum: int = 1) -> int:
    """``value`` as an int, or TypeError (not an integer) / ValueError (below ``minimum``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= {minimum}, got {type(value).__name__} "
                        f"{value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)


def number_in(value, name: str, low: float, high: float) -> float:
    """``value`` as a float in ``[low, high)``, or TypeError / ValueError saying so."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value) or value < low or value >= high:
        raise ValueError(f"{name} must be a number in [{low}, {high}), got {value}")
    return value


def as_rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    """A NumPy Generator from a seed (int), a Generator (used as is) or None (fresh entropy)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, a Generator or None; got {seed!r}")
    return np.random.default_rng(int(seed))
