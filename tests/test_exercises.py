
import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from keras import layers

from labhelpers import exercises


def verdict(capsys, *args, **kwargs):
    result = exercises.check(*args, **kwargs)
    assert isinstance(result, exercises.Verdict)
    return bool(result), capsys.readouterr().out.strip()


def test_right_number(capsys):
    result, said = verdict(capsys, 238_510, 238_510, what="the number of parameters")
    assert result is True and said == "✅ Right: the number of parameters is 238,510."


def test_not_answered_yet_is_not_an_error(capsys):
    for placeholder in (None, ...):
        result, said = verdict(capsys, placeholder, 5, what="the count")
        assert result is False and said.startswith("⏳ Not answered yet") and "the count" in said


def test_wrong_number_says_which_way_and_hints_without_revealing(capsys):
    result, said = verdict(capsys, 238_500, 238_510, what="the count", hint="count the biases")
    assert result is False
    assert "238,500, which is too small" in said and "Hint: count the biases" in said
    assert "238,510" not in said
    assert "too large" in verdict(capsys, 9, 3)[1]


def test_huge_and_complex_numbers_are_judged_not_crashed(capsys):
    assert "too small" in verdict(capsys, -(2**70), 7)[1]
    assert "not a finite real number" in verdict(capsys, 1 + 2j, 7)[1]


def test_tolerance_for_floats(capsys):
    assert verdict(capsys, 0.30000001, 0.3)[0] is True
    assert verdict(capsys, 0.31, 0.3, atol=0.02)[0] is True
    assert verdict(capsys, 0.35, 0.3, atol=0.02)[0] is False


@pytest.mark.parametrize(
    ("answer", "expected", "said"),
    [
        ("238510", 238_510, "should be a number, but it is str"),
        (True, 1, "should be a number, but it is bool"),
        (float("nan"), 1.0, "not a finite real number"),
        (np.zeros(3), np.zeros(4), "has shape (3,), but it should have shape (4,)"),
        (np.array([1, 2, 9]), np.array([1, 2, 3]), "differs most at index (2,): 9 instead of 3"),
        (np.array(["a"]), np.array([1.0]), "should hold numbers"),
        ((28, 28), (28, 28, 1), "has 2 items, but it should have 3"),
        ("valid", "same", "is 'valid', which is not the expected answer"),
        ([1, 2], "text", "should be a str, but it is list"),
    ],
)
def test_wrong_answers_are_explained(capsys, answer, expected, said):
    result, message = verdict(capsys, answer, expected)
    assert result is False and message.startswith("❌ Not yet:") and said in message


def test_arrays_tuples_and_strings_that_match(capsys):
    assert verdict(capsys, np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-9]))[0]
    assert verdict(capsys, [28, 28, 1], (28, 28, 1))[0]
    assert verdict(capsys, " Same ", "same")[0]


def test_a_verdict_shows_nothing_as_a_cells_last_value():
    from IPython.core.formatters import DisplayFormatter

    data, _ = DisplayFormatter().format(exercises.check(1, 2))
    assert data == {}
    assert repr(exercises.Verdict(True)) == "Verdict(right=True)"


# --- issue 16's probes: check never raises and reads NumPy scalars as Python's ------------------


@pytest.mark.parametrize(
    ("answer", "expected", "right", "said"),
    [
        ([[1, 2], [3]], np.zeros((2, 2)), False, "different shapes, so it is no array"),
        ((np.zeros(2), np.ones(3)), np.zeros((2, 3)), False, "different shapes"),
        ((np.zeros(2), np.ones(2)), (np.zeros(2), np.ones(2)), True, "Right"),
        ((np.zeros(2), np.ones(2)), (np.zeros(2), np.zeros(2)), False, "is wrong at item 1"),
        (10**400, 7, False, "which is too large"),
        (10**400, 10**400, True, "Right"),
        (np.True_, True, True, "Right"),
        (np.str_("Bag"), "Bag", True, "Right"),
        (np.int64(5), 5, True, "Right"),
        (1, True, False, "should be True or False"),
        (float("nan"), float("nan"), True, "Right"),
        (np.array([1.0, np.nan]), np.array([1.0, 2.0]), False, "has NaN in 1 of 2 entries"),
        (
            np.array([1, 2]),
            np.array([True, False]),
            False,
            "has dtype int64, but it should have dtype bool",
        ),
        (np.array([1.0, 2.0]), np.array([1.0, 2.0]), True, "Right"),
    ],
)
def test_issue_16_probes_get_a_sentence(capsys, answer, expected, right, said):
    result, message = verdict(capsys, answer, expected)
    assert result is right and said in message


class Grumpy:
    def __eq__(self, other):
        raise RuntimeError("no comparing me")

    def __repr__(self):
        raise RuntimeError("no printing me")


def test_objects_whose_comparison_raises_get_a_sentence(capsys):
    result, said = verdict(capsys, Grumpy(), Grumpy())
    assert result is False and "could not be compared" in said and "RuntimeError" in said


def test_feedback_order_is_shape_then_dtype_then_largest_difference(capsys):
    wrong_shape_and_dtype = verdict(capsys, np.array(["a", "b"]), np.zeros(3))[1]
    assert "shape (2,)" in wrong_shape_and_dtype and "dtype" not in wrong_shape_and_dtype
    assert "should hold numbers" in verdict(capsys, np.array(["a", "b", "c"]), np.zeros(3))[1]
    said = verdict(capsys, np.array([[0.0, 0.5], [0.1, 0.0]]), np.zeros((2, 2)), atol=0.01)[1]
    assert "differs most at index (0, 1): 0.5 instead of 0" in said
    assert (
        "difference of 0.5 against a tolerance of 0.01" in said
        and "(2 of 4 entries are off)" in said
    )


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=4),
    st.complex_numbers(),
    st.builds(np.float32, st.floats(width=32)),
    st.builds(np.bool_, st.booleans()),
)
values = st.recursive(
    scalars | hnp.arrays(hnp.scalar_dtypes(), hnp.array_shapes(min_dims=0, max_side=3)),
    lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None)
@given(values, values)
def test_check_never_raises_and_always_says_one_line(answer, expected):
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = exercises.check(answer, expected)
    said = out.getvalue()
    assert isinstance(result, exercises.Verdict) and said.count("\n") == 1
    assert said.startswith(("✅", "❌", "⏳"))


@settings(max_examples=100, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(max_side=4), elements=st.floats(-1e6, 1e6)))
def test_an_array_matches_itself_and_not_a_shifted_copy(array):
    assert exercises.check(array, array.copy())
    assert not exercises.check(array + 1.0 + 1e-3 * np.abs(array), array)  # beyond rtol 1e-6


# --- check_function ----------------------------------------------------------------------------


def square(x):
    return x * x


def test_a_stub_is_not_done_yet(capsys):
    def stub(x): ...

    result = exercises.check_function(stub, square, [np.ones(2)], what="the square")
    said = capsys.readouterr().out
    assert not result and said.startswith("⏳ Not done yet") and "`stub`" in said


def test_a_right_function_passes_on_every_input(capsys):
    result = exercises.check_function(
        lambda x: x**2, square, [np.arange(3.0), (np.ones((2, 2)),)], what="the square"
    )
    assert (
        result
        and capsys.readouterr().out.strip()
        == "✅ Right: the square matches the reference on all 2 inputs."
    )


def test_an_exception_is_one_sentence_with_the_input_shapes(capsys):
    def broken(x):
        return x.reshape(5)

    result = exercises.check_function(broken, square, [np.ones((2, 3))], what="the square")
    said = capsys.readouterr().out.strip()
    assert not result and said.count("\n") == 0
    assert (
        said.startswith("❌ Not yet: the square raised ValueError: cannot reshape")
        and "shapes (2, 3)" in said
    )


def test_a_wrong_output_names_the_input_and_the_largest_difference(capsys):
    def off(x):
        y = x * x
        y[-1] += 1
        return y

    result = exercises.check_function(off, square, [np.ones(2), np.arange(4.0)], what="the square")
    said = capsys.readouterr().out.strip()
    assert not result
    assert (
        "on input 1 of 2 (shapes (2,)), the square differs most at index (1,): 2 instead of 1"
        in said
    )


def test_the_students_function_cannot_change_the_inputs(capsys):
    def in_place(x):
        x *= x
        return x

    data = np.arange(3.0)
    assert exercises.check_function(in_place, square, [(data,)])
    assert data.tolist() == [0.0, 1.0, 2.0]


def test_tensors_are_compared_as_arrays(capsys):
    dense = layers.Dense(2, kernel_initializer="ones")
    x = np.ones((1, 3), "float32")
    assert exercises.check_function(
        lambda x: x.sum(axis=1, keepdims=True).repeat(2, axis=1), dense, [x]
    )


# --- training behaviour --------------------------------------------------------------------------


def batch():
    rng = np.random.default_rng(0)
    return rng.normal(size=(32, 8)).astype("float32"), rng.integers(0, 3, size=32)


def model(*, frozen=False, softmax=True, hidden_activation="relu"):
    keras.utils.set_random_seed(0)
    net = keras.Sequential(
        [
            keras.Input((8,)),
            layers.Dense(32, activation=hidden_activation, trainable=not frozen),
            layers.Dense(3, activation="softmax" if softmax else None),
        ]
    )
    return net


def test_a_good_model_passes_every_training_check(capsys):
    x, y = batch()
    net = model()
    before = [w.copy() for w in net.get_weights()]
    assert exercises.check_training(net, x, y, loss="sparse_categorical_crossentropy")
    said = capsys.readouterr().out.strip().splitlines()
    assert len(said) == 5 and all(line.startswith("✅") for line in said)
    assert all(np.array_equal(a, b) for a, b in zip(before, net.get_weights())), (
        "the model was changed"
    )


def test_a_frozen_layer_is_named(capsys):
    x, y = batch()
    assert not exercises.check_training(
        model(frozen=True), x, y, loss="sparse_categorical_crossentropy"
    )
    said = capsys.readouterr().out
    assert "frozen (trainable=False)" in said and "dense" in said


def test_softmax_before_a_from_logits_loss_is_named(capsys):
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    assert not exercises.check_output_activation(model(), loss)
    assert "applies softmax twice" in capsys.readouterr().out


def test_a_missing_activation_is_named(capsys):
    assert not exercises.check_output_activation(model(softmax=False), "categorical_crossentropy")
    assert "a missing activation?" in capsys.readouterr().out
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    assert exercises.check_output_activation(model(softmax=False), loss)


def test_a_linear_network_cannot_learn_a_nonlinear_batch(capsys):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 2)).astype("float32")
    y = (x[:, 0] * x[:, 1] > 0).astype("int64")  # XOR-like: no linear boundary
    keras.utils.set_random_seed(0)
    linear = keras.Sequential(
        [keras.Input((2,)), layers.Dense(16), layers.Dense(2, activation="softmax")]
    )
    assert not exercises.check_training(linear, x, y, loss="sparse_categorical_crossentropy")
    said = capsys.readouterr().out.splitlines()
    assert said[-1].startswith("❌") and "missing activation between layers?" in said[-1]


def test_a_weight_without_gradient_is_named(capsys):
    x, y = batch()
    keras.utils.set_random_seed(0)
    inputs = keras.Input((8,))
    unused = layers.Dense(4, name="unused")(inputs)
    outputs = layers.Dense(3, activation="softmax")(
        inputs + 0 * keras.ops.sum(unused, axis=1, keepdims=True)
    )
    net = keras.Model(inputs, outputs)
    assert not exercises.check_training(net, x, y, loss="sparse_categorical_crossentropy")
    assert "no gradient reaches unused/kernel" in capsys.readouterr().out


def test_nan_weights_and_a_huge_learning_rate_are_caught(capsys):
    x, y = batch()
    net = model()
    weights = net.get_weights()
    weights[0][0, 0] = np.nan
    net.set_weights(weights)
    assert not exercises.check_training(net, x, y, loss="sparse_categorical_crossentropy")
    assert "already hold NaN" in capsys.readouterr().out


def test_a_loss_that_does_not_fall_is_explained(capsys):
    x, y = batch()
    net = model(frozen=True)
    net.layers[-1].trainable = False
    assert not exercises.check_training(net, x, y, loss="sparse_categorical_crossentropy")
    said = capsys.readouterr().out
    assert "frozen" in said


def test_a_model_without_a_loss_is_told_to_compile(capsys):
    x, y = batch()
    assert not exercises.check_training(model(), x, y)
    assert "the model has no loss: compile it or pass loss=." in capsys.readouterr().out
