"""Quick mode: one switch that shrinks data and epochs so the whole book runs in minutes.

Set the environment variable ``LAB_QUICK=1`` (the test suite and the quick site build do)
and every notebook trains on fewer samples for fewer epochs. Quick mode shrinks work; it
never skips code.
"""

from __future__ import annotations

import os
from typing import TypeVar

QUICK_ENV = "LAB_QUICK"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}

T = TypeVar("T")


def is_quick() -> bool:
    """Return True when quick mode is on (``LAB_QUICK`` is 1/true/yes/on)."""
    value = os.environ.get(QUICK_ENV, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(
        f"{QUICK_ENV}={os.environ[QUICK_ENV]!r} is not understood: use 1 (quick) or 0 (full)."
    )


def pick(full: T, quick: T) -> T:
    """Return ``quick`` in quick mode, ``full`` otherwise.

    The one place a notebook chooses its sizes, e.g. ``EPOCHS = pick(full=20, quick=1)``.
    """
    return quick if is_quick() else full
