"""labhelpers.params: parameter formulas, output lengths and the per-layer table."""

import keras
import pytest

from labhelpers import params

layers = keras.layers


def sequential(input_shape, *stack):
    return keras.Sequential([keras.Input(shape=input_shape), *stack])


# The models of BOOK_SPEC's parameter-count table, with the figure each must give.
BOOK_SPEC_MODELS = {
    "001 MLP raw": (
        lambda: sequential((784,), layers.Dense(300), layers.Dropout(0.5), layers.Dense(10)),
        238_510,
    ),
    "003 MLP raw": (lambda: sequential((784,), layers.Dense(250), layers.Dense(10)), 198_760),
    "MLP on HOG": (lambda: sequential((392,), layers.Dense(200), layers.Dense(10)), 80_610),
    "lab CNN": (
        lambda: sequential(
            (28, 28, 1),
            layers.Conv2D(9, 5, padding="same"), layers.MaxPooling2D(2),
            layers.Conv2D(9, 5, padding="same"), layers.MaxPooling2D(2),
            layers.Conv2D(16, 3, padding="same"), layers.MaxPooling2D(2),
            layers.Flatten(), layers.Dense(25), layers.Dense(10),
        ),
        7_465,
    ),
    "003 final CNN": (
        lambda: sequential(
            (28, 28, 1), layers.Conv2D(9, 3, padding="same"), layers.MaxPooling2D(2),
            layers.Flatten(), layers.Dense(100), layers.Dense(10),
        ),
        177_600,
    ),
    "003 wide CNN": (
        lambda: sequential(
            (28, 28, 1), layers.Conv2D(64, 3, padding="same"), layers.MaxPooling2D(2),
            layers.Flatten(), layers.Dense(100), layers.Dense(10),
        ),
        1_256_150,
    ),
    "000 CIFAR CNN": (
        lambda: sequential(
            (32, 32, 3),
            layers.Conv2D(32, 3, padding="same"), layers.Conv2D(32, 3, padding="same"),
            layers.MaxPooling2D(2), layers.Conv2D(32, 3, padding="same"),
            layers.MaxPooling2D(2), layers.Flatten(), layers.Dense(10),
        ),
        39_882,
    ),
    "004 shapes linear": (lambda: sequential((72 * 72,), layers.Dense(3)), 15_555),
}  # fmt: skip


def test_dense_formula():
    assert params.dense_params(784, 300) == 235_500
    assert params.dense_params(392, 200) == 78_600
    assert params.dense_params(3, 4, use_bias=False) == 12


def test_conv_formula_does_not_depend_on_the_image():
    assert params.conv2d_params((5, 5), 1, 9) == 234
    assert params.conv2d_params(3, 9, 16) == 1_312  # an int kernel means a square one
    assert params.conv2d_params((3, 3), 3, 32, use_bias=False) == 864
    assert params.conv2d_params((3,), 4, 2) == 3 * 4 * 2 + 2  # Conv1D


@pytest.mark.parametrize("length", [5, 7, 28, 32])
@pytest.mark.parametrize("kernel", [1, 2, 3, 5])
@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_output_length_matches_keras(length, kernel, stride, padding):
    conv = layers.Conv2D(1, kernel, strides=stride, padding=padding)
    pool = layers.MaxPooling2D(kernel, strides=stride, padding=padding)
    shape = (1, length, length + 1, 1)
    assert params.conv_output_length(length, kernel, stride, padding) == (
        conv.compute_output_shape(shape)[1]
    )
    assert params.pool_output_length(length + 1, kernel, stride, padding) == (
        pool.compute_output_shape(shape)[2]
    )


def test_pool_stride_defaults_to_pool_size():
    assert params.pool_output_length(7, 2) == 3
    assert params.pool_output_length(28, 2) == 14
    assert params.pool_output_length(7, 2, padding="same") == 4


@pytest.mark.parametrize("name", sorted(BOOK_SPEC_MODELS))
def test_book_spec_counts(name):
    build, expected = BOOK_SPEC_MODELS[name]
    model = build()
    table = params.parameter_table(model)
    assert table.attrs["total"] == model.count_params() == expected
    assert int(table["parameters"].sum()) == expected
    assert (table["parameters"] == table["count_params()"]).all()
    assert not table["formula"].str.startswith("(no formula").any()


def test_table_rows_and_shapes():
    model = BOOK_SPEC_MODELS["lab CNN"][0]()
    table = params.parameter_table(model)
    assert list(table.columns) == [
        "layer", "type", "output shape", "formula", "parameters", "count_params()"
    ]
    assert len(table) == len(model.layers)  # no InputLayer row in a Sequential model
    assert table["output shape"].tolist() == [tuple(layer.output.shape) for layer in model.layers]
    assert table["output shape"].iloc[-1] == (None, 10)
    assert table.loc[table["type"] == "Flatten", "output shape"].item() == (None, 144)
    assert table["formula"].iloc[0] == "5×5×1 × 9 + 9"


def test_functional_model_without_bias_and_with_batchnorm():
    inputs = keras.Input(shape=(8, 8, 2))
    x = layers.Conv2D(4, 3, use_bias=False)(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.Flatten()(x)
    outputs = layers.Dense(2, use_bias=False)(x)
    model = keras.Model(inputs, outputs)
    table = params.parameter_table(model)
    assert table["type"].tolist() == ["Conv2D", "BatchNormalization", "Flatten", "Dense"]
    assert table["parameters"].tolist() == [72, 16, 0, 144 * 2]
    assert int(table["parameters"].sum()) == model.count_params()


def test_layer_without_a_formula_uses_keras_count():
    inner = sequential((4,), layers.Dense(3))
    outer = sequential((4,), inner, layers.Dense(2))
    table = params.parameter_table(outer)
    assert table["formula"].iloc[0].startswith("(no formula")
    assert table["parameters"].iloc[0] == inner.count_params() == 15
    assert int(table["parameters"].sum()) == outer.count_params()


def test_print_parameter_table(capsys):
    model = BOOK_SPEC_MODELS["MLP on HOG"][0]()
    table = params.print_parameter_table(model)
    printed = capsys.readouterr().out
    assert "392 × 200 + 200" in printed
    assert "78,600" in printed
    assert "total by formula 80,610; model.count_params() 80,610: the same" in printed
    assert len(table) == 2


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: params.dense_params(0, 3), ValueError, "n_inputs"),
        (lambda: params.dense_params(3.5, 3), TypeError, "n_inputs"),
        (lambda: params.dense_params(True, 3), TypeError, "n_inputs"),
        (lambda: params.dense_params(3, -1), ValueError, "units"),
        (lambda: params.conv2d_params("3x3", 1, 9), TypeError, "kernel_size"),
        (lambda: params.conv2d_params((3, 0), 1, 9), ValueError, "kernel_size"),
        (lambda: params.conv2d_params(3, 1, 0), ValueError, "filters"),
        (lambda: params.conv_output_length(28, 3, padding="full"), ValueError, "padding"),
        (lambda: params.conv_output_length(2, 3), ValueError, "does not fit"),
        (lambda: params.conv_output_length(28, 3, stride=0), ValueError, "stride"),
        (lambda: params.pool_output_length(28, None), TypeError, "pool_size"),
        (lambda: params.parameter_table("a model"), TypeError, "keras Model"),
        (lambda: params.parameter_table(keras.Sequential([layers.Dense(2)])), ValueError,
         "not built"),
    ],
)  # fmt: skip
def test_bad_input(call, error, words):
    with pytest.raises(error, match=words):
        call()
