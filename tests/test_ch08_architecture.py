"""labhelpers.architecture: text diagrams of Sequential and functional Keras models."""

import keras
import pytest

from labhelpers import evaluate
from labhelpers.chapters import ch08_architecture as architecture

layers = keras.layers


def sequential_model():
    return keras.Sequential(
        [
            keras.Input(shape=(8, 8, 3)),
            layers.Conv2D(4, 3, padding="same", name="conv"),
            layers.MaxPooling2D(2, name="pool"),
            layers.Flatten(name="flat"),
            layers.Dense(5, name="out"),
        ],
        name="chain",
    )


def two_branch_model():
    image = keras.Input(shape=(8, 8, 3), name="image")
    small = layers.Conv2D(2, 3, padding="same", name="small")(image)
    large = layers.Conv2D(2, 5, padding="same", name="large")(image)
    merged = layers.Concatenate(name="merge")(
        [layers.Flatten(name="flat_small")(small), layers.Flatten(name="flat_large")(large)]
    )
    return keras.Model(image, layers.Dense(3, name="out")(merged), name="branches")


def test_sequential_rows_follow_the_chain():
    model = sequential_model()
    table = evaluate.layer_table(model)
    assert list(table.columns) == evaluate.LAYER_COLUMNS
    assert list(table["type"]) == ["InputLayer", "Conv2D", "MaxPooling2D", "Flatten", "Dense"]
    assert list(table["layer"][1:]) == ["conv", "pool", "flat", "out"]
    # each layer's input is the layer before it; the input layer has none
    assert table["inputs"].iloc[0] == "-"
    assert list(table["inputs"][1:]) == list(table["layer"][:-1])
    assert list(table["output_shape"]) == [
        "(None, 8, 8, 3)", "(None, 8, 8, 4)", "(None, 4, 4, 4)", "(None, 64)", "(None, 5)",
    ]
    assert table["parameters"].tolist() == [0, 3 * 3 * 3 * 4 + 4, 0, 0, 64 * 5 + 5]
    assert table["parameters"].sum() == model.count_params()


def test_functional_model_shows_split_and_merge():
    model = two_branch_model()
    table = evaluate.layer_table(model).set_index("layer")
    assert table.loc["small", "inputs"] == "image"
    assert table.loc["large", "inputs"] == "image"
    assert table.loc["merge", "inputs"] == "flat_small, flat_large"
    assert table.loc["merge", "output_shape"] == "(None, 256)"
    assert table["parameters"].sum() == model.count_params()
    text = architecture.text_diagram(model)
    lines = text.splitlines()
    assert f"{model.count_params():,} parameters" in lines[0]
    image_line = next(line for line in lines if line.startswith("image "))
    assert "-> 2 branches" in image_line
    merge_line = next(line for line in lines if line.startswith("merge "))
    assert merge_line.endswith("<- flat_small + flat_large")
    # one line per layer after the title, header and rule
    assert len(lines) == 3 + len(table)


def test_chained_branches_list_every_input_once():
    image = keras.Input(shape=(6, 6, 1), name="image")
    first = layers.Conv2D(2, 3, padding="same", name="first")(image)
    second = layers.Conv2D(2, 3, padding="same", name="second")(first)
    merged = layers.Concatenate(name="merge")(
        [layers.Flatten(name="f1")(first), layers.Flatten(name="f2")(second)]
    )
    model = keras.Model(image, layers.Dense(2, name="out")(merged))
    table = evaluate.layer_table(model).set_index("layer")
    assert table.loc["second", "inputs"] == "first"
    assert table.loc["merge", "inputs"] == "f1, f2"
    first_line = next(
        line for line in architecture.text_diagram(model).splitlines() if line.startswith("first ")
    )
    assert "-> 2 branches" in first_line  # feeds f1 and second


def test_sequential_diagram_has_no_branches():
    text = architecture.text_diagram(sequential_model())
    assert "branches" not in text
    assert "<- conv" in text and "<- flat" in text
    assert text.splitlines()[0].startswith('model "chain"')


@pytest.mark.parametrize("not_a_model", [None, [1, 2], "model", layers.Dense(3)])
def test_rejects_what_is_not_a_model(not_a_model):
    with pytest.raises(TypeError, match="model must be a Keras model"):
        evaluate.layer_table(not_a_model)


def test_rejects_an_unbuilt_sequential_model():
    with pytest.raises(ValueError, match="keras.Input"):
        architecture.text_diagram(keras.Sequential([layers.Dense(3)]))


def test_rejects_an_empty_model():
    with pytest.raises(ValueError, match="no layers"):
        evaluate.layer_table(keras.Sequential([]))
