"""Self-checks for the "Your turn" cells: they say in words what is wrong, never a bare assert.

A check prints one line and returns a verdict that is truthy when the answer is right, so a
wrong answer never stops "Run all", and ``assert check(...)`` works in solution cells:

>>> bool(check(238_510, 238_510, what="the number of parameters"))
✅ Right: the number of parameters is 238,510.
True
"""

from __future__ import annotations

import math
import numbers

import numpy as np


class Verdict:
    """The result of a check: truthy when the answer is right.

    It shows nothing as a notebook cell's last value (the printed line says it all).
    """

    def __init__(self, right: bool):
        self.right = bool(right)

    def __bool__(self) -> bool:
        return self.right

    def __repr__(self) -> str:
        return f"Verdict(right={self.right})"

    def _ipython_display_(self) -> None:
        """Display nothing in IPython/Jupyter."""


def _show(value) -> str:
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return f"{int(value):,}"
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return f"{float(value):.6g}"
    return repr(value)


def check(
    answer,
    expected,
    *,
    what: str = "your answer",
    rtol: float = 1e-6,
    atol: float = 0.0,
    hint: str | None = None,
) -> Verdict:
    """Compare a student's answer with the expected one and say what is wrong, if anything.

    Parameters
    ----------
    answer : number, array, str, tuple, ...
        The student's answer; ``None`` or ``...`` means "not answered yet".
    expected : same kind as answer
        The right answer. For numbers it is not revealed in the message.
    what : str
        What the answer is, for the message ("the number of parameters").
    rtol, atol : float
        Tolerances for numbers and arrays.
    hint : str, optional
        Printed when the answer is wrong.

    Returns
    -------
    Verdict
        Truthy when the answer is right; displays nothing in a notebook.
    """
    if answer is None or answer is Ellipsis:
        print(f"⏳ Not answered yet: replace the placeholder with {what}.")
        return Verdict(False)
    problem = _problem(answer, expected, rtol, atol)
    if problem is None:
        print(f"✅ Right: {what} is {_show(answer)}.")
        return Verdict(True)
    message = f"❌ Not yet: {what} {problem}."
    if hint:
        message += f" Hint: {hint}"
    print(message)
    return Verdict(False)


def _problem(answer, expected, rtol: float, atol: float) -> str | None:
    """None when ``answer`` matches ``expected``, else what is wrong, in words."""
    if isinstance(expected, numbers.Number) and not isinstance(expected, bool):
        if isinstance(answer, bool) or not isinstance(answer, numbers.Number):
            return f"should be a number, but it is {type(answer).__name__} {_show(answer)}"
        if isinstance(answer, complex) or not math.isfinite(answer):
            return f"is {answer}, not a finite real number"
        if abs(answer - expected) <= atol + rtol * abs(expected):
            return None
        direction = "too small" if answer < expected else "too large"
        return f"is {_show(answer)}, which is {direction}"
    if isinstance(expected, np.ndarray):
        array = np.asarray(answer)
        if array.shape != expected.shape:
            return f"has shape {array.shape}, but it should have shape {expected.shape}"
        if not np.issubdtype(array.dtype, np.number):
            return f"should hold numbers, but its dtype is {array.dtype}"
        if np.allclose(array, expected, rtol=rtol, atol=atol, equal_nan=False):
            return None
        wrong = int((~np.isclose(array, expected, rtol=rtol, atol=atol)).sum())
        return f"differs from the expected values in {wrong} of {array.size} entries"
    if type(answer) is not type(expected) and not (
        isinstance(answer, (tuple, list)) and isinstance(expected, (tuple, list))
    ):
        return (
            f"should be a {type(expected).__name__}, but it is {type(answer).__name__} "
            f"{_show(answer)}"
        )
    if isinstance(expected, str):
        return None if answer.strip().lower() == expected.strip().lower() else (
            f"is {answer!r}, which is not the expected answer"
        )
    if isinstance(expected, (tuple, list)):
        if len(answer) != len(expected):
            return f"has {len(answer)} items, but it should have {len(expected)}"
        answer, expected = tuple(answer), tuple(expected)
    return None if answer == expected else f"is {_show(answer)}, which is not the expected answer"
