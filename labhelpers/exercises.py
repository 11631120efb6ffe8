"""Self-checks for the exercises: they say in words what is wrong, never a bare assert.

A check prints one line and returns a verdict that is truthy when the answer is right, so a
wrong answer never stops "Run all", and ``assert check(...)`` works in solution cells:

>>> bool(check(238_510, 238_510, what="the number of parameters"))
✅ Right: the number of parameters is 238,510.
True

``check`` judges a value, ``check_function`` a function against a reference on several
inputs, and ``check_training`` (or its five parts) how a model trains. None of them raises.

The exercise format in a chapter: a markdown heading and task, then one self-contained code
cell tagged ``exercise`` (a stub such as ``...  # your code here`` and a check), then a
markdown ``<details>`` block with the solution in a ```python fence. What several exercises of
a chapter share (a stand-in model, a helper) goes in the chapter's one code cell tagged
``exercise-setup``, placed before the first exercise that uses it: the tests
(``tests/test_chapter_exercises.py``) run each exercise alone, after the chapter's Setup
imports and that cell.

For a teacher, ``make student-copy`` (``tools/student_copy.py``) writes the book's notebooks
without their solutions (stubs and ``exercise-setup`` cells stay).
"""

from __future__ import annotations

import copy
import math
import numbers
import re

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


def _say(right: bool | None, sentence: str) -> Verdict:
    mark = {True: "✅ Right:", False: "❌ Not yet:", None: "⏳ Not done yet:"}[right]
    print(f"{mark} {sentence}")
    return Verdict(bool(right))


def _show(value, limit: int = 80) -> str:
    """A short text for any value; never raises."""
    try:
        if isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)):
            return f"{int(value):,}"
        if isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)):
            return f"{float(value):.6g}"
        text = repr(value)
    except Exception:  # noqa: BLE001 - a value whose repr fails still gets a name
        text = f"<a {type(value).__name__}>"
    return _line(text, limit)


def _line(text: str, limit: int = 160) -> str:
    """``text`` on one line, cut to ``limit`` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _plain(value):
    """NumPy scalars and 0-d arrays as Python scalars; tensors as NumPy arrays."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype != object:
        return value.item()
    if not isinstance(value, (np.ndarray, list, tuple, str, bytes, dict, numbers.Number)):
        if hasattr(value, "shape") and hasattr(value, "dtype"):  # a tensor of any backend
            try:
                import keras

                return keras.ops.convert_to_numpy(value)
            except Exception:  # noqa: BLE001 - keep the value as it is
                return value
    return value


def _is_number(value) -> bool:
    return isinstance(value, numbers.Number) and not isinstance(value, bool)


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

    The feedback names, in this order, a wrong shape, a wrong dtype, the largest difference
    (where, both values, the difference against the tolerance), then any other mismatch.

    Parameters
    ----------
    answer : number, array, str, tuple, ...
        The student's answer; ``None`` or ``...`` means "not answered yet".
    expected : same kind as answer
        The right answer. For single numbers it is not revealed in the message.
    what : str
        What the answer is, for the message ("the number of parameters").
    rtol, atol : float
        Tolerances for numbers and arrays.
    hint : str, optional
        Printed when the answer is wrong.

    Returns
    -------
    Verdict
        Truthy when the answer is right; displays nothing in a notebook. Never raises.
    """
    if answer is None or answer is Ellipsis:
        print(f"⏳ Not answered yet: replace the placeholder with {what}.")
        return Verdict(False)
    try:
        problem = _problem(answer, expected, rtol, atol)
    except Exception as error:  # noqa: BLE001 - the promise: a sentence, never a traceback
        problem = (
            f"could not be compared with the expected answer "
            f"({type(error).__name__}: {_line(error, 120)})"
        )
    if problem is None:
        return _say(True, f"{what} is {_show(_plain(answer))}.")
    return _say(False, f"{what} {problem}." + (f" Hint: {hint}" if hint else ""))


def _problem(answer, expected, rtol: float, atol: float) -> str | None:
    """None when ``answer`` matches ``expected``, else what is wrong, in words."""
    answer, expected = _plain(answer), _plain(expected)
    if isinstance(expected, bool):
        if isinstance(answer, bool):
            return None if answer == expected else f"is {answer}, which is not the expected answer"
        return f"should be True or False, but it is {type(answer).__name__} {_show(answer)}"
    if _is_number(expected):
        return _number_problem(answer, expected, rtol, atol)
    if isinstance(expected, np.ndarray):
        return _array_problem(answer, expected, rtol, atol)
    if isinstance(expected, (tuple, list)):
        if not isinstance(answer, (tuple, list, np.ndarray)):
            return _wrong_type(answer, expected)
        if len(answer) != len(expected):
            return f"has {len(answer)} items, but it should have {len(expected)}"
        for index, (item, right) in enumerate(zip(answer, expected)):
            problem = _problem(item, right, rtol, atol)
            if problem is not None:
                return f"is wrong at item {index}: it {problem}"
        return None
    if isinstance(expected, str):
        if not isinstance(answer, str):
            return f"should be a str, but it is {type(answer).__name__} {_show(answer)}"
        if answer.strip().lower() == expected.strip().lower():
            return None
        return f"is {answer!r}, which is not the expected answer"
    if type(answer) is not type(expected):
        return _wrong_type(answer, expected)
    return (
        None
        if bool(answer == expected)
        else f"is {_show(answer)}, which is not the expected answer"
    )


def _wrong_type(answer, expected) -> str:
    kind, got = type(expected).__name__, type(answer).__name__
    return f"should be a {kind}, but it is {got} {_show(answer)}"


def _number_problem(answer, expected, rtol: float, atol: float) -> str | None:
    if isinstance(answer, np.ndarray) and answer.size == 1 and answer.dtype != object:
        answer = answer.item()
    if not _is_number(answer):
        return f"should be a number, but it is {type(answer).__name__} {_show(answer)}"
    if isinstance(answer, complex) or isinstance(expected, complex):
        if answer == expected:
            return None
        return (
            f"is {_show(answer)}, not a finite real number"
            if isinstance(answer, complex)
            else (f"is {_show(answer)}, which is not the expected answer")
        )
    if isinstance(expected, float) and math.isnan(expected):
        return (
            None
            if isinstance(answer, float) and math.isnan(answer)
            else f"is {_show(answer)}, not NaN"
        )
    if isinstance(answer, float) and not math.isfinite(answer):
        return f"is {answer}, not a finite real number"
    if answer == expected:
        return None
    try:
        if abs(float(answer) - float(expected)) <= atol + rtol * abs(float(expected)):
            return None
    except OverflowError:  # ints beyond float range: compare exactly
        pass
    direction = "too small" if answer < expected else "too large"
    return f"is {_show(answer)}, which is {direction}"


def _array_problem(answer, expected: np.ndarray, rtol: float, atol: float) -> str | None:
    try:
        array = np.asarray(answer)
    except (ValueError, TypeError):
        return (
            f"is a {type(answer).__name__} whose parts have different shapes, so it is no array; "
            f"it should be an array of shape {expected.shape}"
        )
    if array.shape != expected.shape:
        return f"has shape {array.shape}, but it should have shape {expected.shape}"
    if expected.dtype == bool or not np.issubdtype(expected.dtype, np.number):
        if array.dtype != expected.dtype and not (
            array.dtype.kind in "US" and expected.dtype.kind in "US"
        ):
            return f"has dtype {array.dtype}, but it should have dtype {expected.dtype}"
        wrong = array != expected
        if not np.any(wrong):
            return None
        index = tuple(int(i) for i in np.argwhere(wrong)[0])
        return (
            f"differs in {int(wrong.sum())} of {array.size} entries; the first is at index "
            f"{index}: {_show(array[index])} instead of {_show(expected[index])}"
        )
    if not np.issubdtype(array.dtype, np.number) or array.dtype == bool:
        return f"should hold numbers, but its dtype is {array.dtype}"
    if np.iscomplexobj(array) and not np.iscomplexobj(expected):
        return f"has dtype {array.dtype}, but it should hold real numbers ({expected.dtype})"
    got, want = array.astype(np.float64), expected.astype(np.float64)
    bad_nan = np.isnan(got) & ~np.isnan(want)
    if bad_nan.any():
        index = tuple(int(i) for i in np.argwhere(bad_nan)[0])
        return (
            f"has NaN in {int(bad_nan.sum())} of {array.size} entries, the first at index {index}"
        )
    with np.errstate(invalid="ignore", over="ignore"):
        difference = np.abs(got - want)
        tolerance = atol + rtol * np.abs(want)
        outside = ~(difference <= tolerance) & ~(np.isnan(got) & np.isnan(want))
        outside |= np.isinf(got) & (got != want)
    if not outside.any():
        return None
    excess = np.where(
        outside, np.nan_to_num(difference - tolerance, nan=np.inf, posinf=np.inf), -np.inf
    )
    index = np.unravel_index(int(np.argmax(excess)), array.shape)
    index = tuple(int(i) for i in index)
    where = f"at index {index}" if index else "its value"
    return (
        f"differs most {where}: {_show(got[index])} instead of {_show(want[index])}, "
        f"a difference of {_show(difference[index])} against a tolerance of "
        f"{_show(tolerance[index])} ({int(outside.sum())} of {array.size} entries are off)"
    )


# --- functions -------------------------------------------------------------------------------


def _shapes(args) -> str:
    def one(value):
        shape = getattr(value, "shape", None)
        if shape is not None:
            return str(tuple(shape))
        if isinstance(value, (list, tuple)):
            return f"a {type(value).__name__} of {len(value)}"
        return type(value).__name__

    return ", ".join(one(value) for value in args) or "no arguments"


def _call(fn, case):
    case = copy.deepcopy(case)
    if isinstance(case, dict):
        return fn(**case), tuple(case.values())
    args = case if isinstance(case, tuple) else (case,)
    return fn(*args), args


def check_function(
    fn,
    reference,
    inputs,
    *,
    what: str = "your function",
    rtol: float = 1e-6,
    atol: float = 0.0,
) -> Verdict:
    """Run a student's function and a reference on each input and compare their outputs.

    Parameters
    ----------
    fn : callable
        The student's function. One whose body is still ``...`` (it returns None) is
        reported as not done yet.
    reference : callable
        Computes the right output at run time (a Keras layer, a formula).
    inputs : list
        One item per test: a tuple of positional arguments, a dict of keyword arguments,
        or a single argument. Each call gets its own copy.
    what : str
        What the function computes, for the messages.
    rtol, atol : float
        Tolerances, as in :func:`check`.

    Returns
    -------
    Verdict
        Truthy when every output matches; it prints one line and never raises.
    """
    inputs = list(inputs)
    name = getattr(fn, "__name__", "your function")
    for number, case in enumerate(inputs, start=1):
        try:
            got, args = _call(fn, case)
        except Exception as error:  # noqa: BLE001 - one sentence instead of a traceback
            return _say(
                False,
                f"{what} raised {type(error).__name__}: {_line(error)} "
                f"(on input {number} of {len(inputs)}, "
                f"arguments of shapes {_shapes(_args(case))}).",
            )
        if got is None:
            if number == 1:
                return _say(None, f"write the body of `{name}` ({what}); it returns nothing yet.")
            return _say(False, f"{what} returned None on input {number} (a missing `return`?).")
        try:
            want, _ = _call(reference, case)
        except Exception as error:  # noqa: BLE001 - a fault of the book, said plainly
            return _say(
                False,
                f"the reference for {what} failed ({type(error).__name__}: {_line(error)}); "
                "this is a bug in the book, please report it.",
            )
        try:
            want = _plain(want)
            want = (
                np.asarray(want)
                if isinstance(want, (list, tuple)) and not isinstance(got, (list, tuple))
                else want
            )
            problem = _problem(got, want, rtol, atol)
        except Exception as error:  # noqa: BLE001
            problem = (
                f"could not be compared with the reference ({type(error).__name__}: {_line(error)})"
            )
        if problem is not None:
            return _say(
                False,
                f"on input {number} of {len(inputs)} (shapes {_shapes(args)}), {what} {problem}.",
            )
    return _say(True, f"{what} matches the reference on all {len(inputs)} inputs.")


def _args(case):
    if isinstance(case, dict):
        return tuple(case.values())
    return case if isinstance(case, tuple) else (case,)


# --- training behaviour ----------------------------------------------------------------------


def _loss_name_and_logits(loss) -> tuple[str, bool]:
    """The loss's snake_case name and whether it expects logits."""
    if isinstance(loss, str):
        return loss.lower(), False
    from_logits = bool(getattr(loss, "from_logits", False))
    try:
        from_logits = bool(loss.get_config().get("from_logits", from_logits))
    except Exception:  # noqa: BLE001 - functions have no config
        pass
    name = getattr(loss, "__name__", None) or type(loss).__name__
    if hasattr(loss, "fn") and hasattr(loss.fn, "__name__"):
        name = loss.fn.__name__
    name = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
    return name, from_logits


def _output_activation(model) -> str:
    for layer in reversed(model.layers):
        if type(layer).__name__ == "Softmax":
            return "softmax"
        activation = getattr(layer, "activation", None)
        if activation is not None:
            return getattr(activation, "__name__", str(activation))
        if layer.weights:  # a layer with weights and no activation: linear output
            return "linear"
    return "linear"


def check_output_activation(model, loss=None) -> Verdict:
    """Check the model's last activation fits its loss (softmax or logits, sigmoid or binary)."""
    loss = loss if loss is not None else getattr(model, "loss", None)
    if loss is None:
        return _say(False, "the model has no loss: compile it or pass loss=.")
    name, from_logits = _loss_name_and_logits(loss)
    activation = _output_activation(model)
    units = int(model.output_shape[-1]) if getattr(model, "output_shape", None) else 0
    categorical = "categorical_crossentropy" in name
    binary = "binary" in name and "crossentropy" in name
    if (categorical or binary) and from_logits and activation in ("softmax", "sigmoid"):
        return _say(
            False,
            f"the output has a {activation} activation but the loss expects logits "
            f"(from_logits=True), so it applies {activation} twice: remove the activation "
            "or use from_logits=False.",
        )
    if (categorical or binary) and not from_logits and activation not in ("softmax", "sigmoid"):
        return _say(
            False,
            f"the output activation is {activation} (a missing activation?), but the loss "
            "expects probabilities: add activation="
            f"{'softmax' if categorical else 'sigmoid'} or use from_logits=True.",
        )
    if categorical and activation == "sigmoid" and units > 1:
        return _say(
            False,
            "a sigmoid output with a categorical cross-entropy: the class probabilities "
            "do not sum to 1; use softmax.",
        )
    if binary and activation == "softmax" and units == 1:
        return _say(
            False, "a softmax over one unit always outputs 1: use sigmoid for a binary loss."
        )
    return _say(
        True,
        f"the output activation ({activation}) fits the loss ({name}"
        f"{', from logits' if from_logits else ''}).",
    )


def _losses(model, x, y, loss, steps: int, learning_rate: float = 1e-2) -> list[float]:
    """The losses of ``steps`` Adam steps on one batch, trained on a copy of ``model``."""
    import keras

    try:
        twin = keras.models.clone_model(model)
        twin.set_weights(model.get_weights())
    except Exception:  # noqa: BLE001 - a subclassed model: train a deep copy instead
        twin = copy.deepcopy(model)
    twin.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss)
    return [float(np.asarray(twin.train_on_batch(x, y))) for _ in range(steps)]


def _no_nan(model, x, losses: list[float]) -> Verdict:
    """The weights, the outputs and the losses of a training run stay finite."""
    # Weights first: a fused CPU kernel may turn NaN into 0 (relu), hiding it from the outputs.
    bad = [w.path for w in model.weights if not np.all(np.isfinite(np.asarray(w)))]
    if bad:
        return _say(False, f"the weights {', '.join(bad)} already hold NaN or infinity.")
    if not np.all(np.isfinite(np.asarray(model.predict(x, verbose=0)))):
        return _say(
            False,
            "the model's outputs contain NaN or infinity before training "
            "(a log of 0 or a division by 0 in the model?).",
        )
    bad = [step for step, value in enumerate(losses, start=1) if not math.isfinite(value)]
    if bad:
        return _say(
            False,
            f"the loss became {losses[bad[0] - 1]} at training step {bad[0]} "
            "(a learning rate too high, or a log of 0 in the loss?).",
        )
    return _say(True, "no NaN or infinity in the outputs or the loss.")


def _gradients_reach(model, x, y, loss, allow_frozen: bool) -> Verdict:
    """Every trainable weight gets a non-zero gradient, and no layer is frozen."""
    import keras

    frozen = [layer.name for layer in model.layers if layer.weights and not layer.trainable]
    if frozen and not allow_frozen:
        return _say(
            False,
            f"the layer(s) {', '.join(frozen)} are frozen (trainable=False), so their "
            "weights never learn: set trainable=True, or pass allow_frozen=True.",
        )
    weights = model.trainable_weights
    if not weights:
        return _say(False, "the model has no trainable weights (is every layer frozen?).")
    gradients = _gradients(model, keras.losses.get(loss), x, y, weights)
    if gradients is None:
        return _say(
            False,
            f"the gradient check runs on TensorFlow or PyTorch, not {keras.backend.backend()}.",
        )
    dead = [
        w.path for w, g in zip(weights, gradients) if g is None or not np.any(np.asarray(g) != 0)
    ]
    if dead:
        return _say(
            False,
            f"no gradient reaches {', '.join(dead)}: is that layer's output unused, "
            "cut off (stop_gradient, a constant), or behind dead ReLUs?",
        )
    return _say(True, f"all {len(weights)} trainable weights receive a non-zero gradient.")


def _gradients(model, loss_fn, x, y, weights):
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            value = keras.ops.mean(loss_fn(y, model(x, training=True)))
        return [
            None if g is None else keras.ops.convert_to_numpy(g)
            for g in tape.gradient(value, [w.value for w in weights])
        ]
    if backend == "torch":
        for w in weights:
            w.value.grad = None
        keras.ops.mean(loss_fn(y, model(x, training=True))).backward()
        return [
            None if w.value.grad is None else w.value.grad.detach().cpu().numpy() for w in weights
        ]
    return None


def _loss_falls(losses: list[float], steps: int = 10) -> Verdict:
    """The loss on one fixed batch falls over its first ``steps`` steps."""
    losses = losses[:steps]
    if not all(math.isfinite(v) for v in losses):
        return _say(False, "the loss became NaN or infinite while training on one batch.")
    if losses[-1] < losses[0] * 0.95:
        return _say(
            True,
            f"the loss falls on a fixed batch, from {losses[0]:.4g} to {losses[-1]:.4g} "
            f"in {steps} steps.",
        )
    return _say(
        False,
        f"the loss did not fall on a fixed batch ({losses[0]:.4g} to {losses[-1]:.4g} in "
        f"{steps} steps): a frozen layer, a softmax before a from-logits loss, or a "
        "learning rate far too small or too large?",
    )


def _overfits(losses: list[float], n: int) -> Verdict:
    """The model learns one batch of ``n`` examples by heart: its loss falls below a tenth."""
    if math.isfinite(losses[-1]) and losses[-1] <= 0.1 * losses[0]:
        return _say(
            True, f"the model learns one batch by heart (loss {losses[0]:.4g} to {losses[-1]:.4g})."
        )
    return _say(
        False,
        f"the model cannot learn one batch of {n} examples by heart (loss {losses[0]:.4g} "
        f"to {losses[-1]:.4g} in {len(losses)} steps): too small, a frozen layer, or a missing "
        "activation between layers?",
    )


def check_training(
    model, x, y, *, loss=None, allow_frozen: bool = False, steps: int = 150
) -> Verdict:
    """Check, on one small batch, that the model can learn: its output activation fits the
    loss, every trainable weight gets a gradient, nothing turns NaN, the loss falls, and the
    batch is learnt by heart. Each check prints one line; truthy when all pass. The model's
    own weights are not changed: one training run on a copy serves the last three checks.
    """
    loss = loss if loss is not None else getattr(model, "loss", None)
    if loss is None:
        return _say(False, "the model has no loss: compile it or pass loss=.")
    try:
        verdicts = [
            check_output_activation(model, loss),
            _gradients_reach(model, x, y, loss, allow_frozen),
        ]
        losses = _losses(model, x, y, loss, steps)
        verdicts += [_no_nan(model, x, losses), _loss_falls(losses), _overfits(losses, len(x))]
    except Exception as error:  # noqa: BLE001 - a sentence, not a traceback
        return _say(
            False,
            f"the model could not be trained on this batch ({type(error).__name__}: "
            f"{_line(error, 200)}).",
        )
    return Verdict(all(verdicts))
