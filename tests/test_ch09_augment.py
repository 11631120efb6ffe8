"""Tests of labhelpers.augment: the ImageDataGenerator -> Random* mapping and the gap."""

import keras
import matplotlib
import numpy as np
import pytest

from labhelpers.chapters import ch09_augment as augment

matplotlib.use("Agg")


def layer_types(model):
    return [type(layer).__name__ for layer in model.layers]


def test_defaults_give_an_identity():
    model = augment.layers_from_generator_args()
    assert layer_types(model) == ["Identity"]
    image = np.random.default_rng(0).uniform(size=(2, 8, 8, 3)).astype("float32")
    np.testing.assert_allclose(np.asarray(model(image, training=True)), image)


def test_each_argument_maps_to_its_layer_with_converted_factors():
    model = augment.layers_from_generator_args(
        horizontal_flip=True, width_shift_range=0.1, height_shift_range=0.2,
        rotation_range=10, zoom_range=0.2,
    )
    assert layer_types(model) == ["RandomFlip", "RandomTranslation", "RandomRotation",
                                  "RandomZoom"]
    flip, shift, rotate, zoom = model.layers
    assert flip.get_config()["mode"] == "horizontal"
    assert shift.get_config()["width_factor"] == pytest.approx(0.1)
    assert shift.get_config()["height_factor"] == pytest.approx(0.2)
    assert tuple(rotate.get_config()["factor"]) == pytest.approx((-10 / 360, 10 / 360))
    assert tuple(zoom.get_config()["height_factor"]) == pytest.approx((-0.2, 0.2))
    assert tuple(zoom.get_config()["width_factor"]) == pytest.approx((-0.2, 0.2))
    assert shift.get_config()["fill_mode"] == "nearest"


def test_both_flips_combine_in_one_layer():
    model = augment.layers_from_generator_args(horizontal_flip=True, vertical_flip=True)
    assert model.layers[0].get_config()["mode"] == "horizontal_and_vertical"


def test_horizontal_flip_gives_the_image_or_its_mirror_and_is_off_at_inference():
    image = np.arange(2 * 3 * 4 * 1, dtype="float32").reshape(2, 3, 4, 1)
    image = np.repeat(image, 32, axis=0)
    model = augment.layers_from_generator_args(horizontal_flip=True, seed=1)
    out = np.asarray(model(image, training=True))
    mirrored = image[:, :, ::-1]
    same = np.all(out == image, axis=(1, 2, 3))
    flipped = np.all(out == mirrored, axis=(1, 2, 3))
    assert np.all(same | flipped)
    assert same.any() and flipped.any(), "with 64 images both outcomes should occur"
    np.testing.assert_array_equal(np.asarray(model(image, training=False)), image)


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"width_shift_range": 1.5}, ValueError),
        ({"height_shift_range": -0.1}, ValueError),
        ({"rotation_range": 200}, ValueError),
        ({"zoom_range": float("nan")}, ValueError),
        ({"zoom_range": "0.2"}, TypeError),
        ({"horizontal_flip": "yes"}, TypeError),
        ({"fill_mode": "mirror"}, ValueError),
    ],
)
def test_bad_arguments_are_refused(kwargs, error):
    with pytest.raises(error):
        augment.layers_from_generator_args(**kwargs)


def test_gap_is_train_minus_validation():
    history = {"accuracy": [0.5, 0.7, 0.9], "val_accuracy": [0.5, 0.6, 0.6]}
    np.testing.assert_allclose(augment.generalization_gap(history), [0.0, 0.1, 0.3])
    loss = {"loss": [1.0, 0.5], "val_loss": [1.2, 0.9]}
    np.testing.assert_allclose(augment.generalization_gap(loss, "loss"), [-0.2, -0.4])


def test_gap_reads_a_keras_history():
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(2, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    x = np.random.default_rng(0).normal(size=(20, 2)).astype("float32")
    y = (x[:, 0] > 0).astype(int)
    history = model.fit(x, y, epochs=2, validation_split=0.5, verbose=0)
    assert augment.generalization_gap(history).shape == (2,)


@pytest.mark.parametrize(
    "history, error",
    [
        ({"accuracy": [0.5]}, ValueError),
        ({"accuracy": [0.5, 0.6], "val_accuracy": [0.5]}, ValueError),
        ({"accuracy": [], "val_accuracy": []}, ValueError),
        ({"accuracy": [np.nan], "val_accuracy": [0.5]}, ValueError),
        ([0.5, 0.6], TypeError),
    ],
)
def test_gap_refuses_bad_histories(history, error):
    with pytest.raises(error):
        augment.generalization_gap(history)


def test_plot_gaps_draws_one_line_per_run():
    histories = {
        "plain": {"accuracy": [0.5, 0.9], "val_accuracy": [0.5, 0.6]},
        "augmented": {"accuracy": [0.4, 0.6], "val_accuracy": [0.45, 0.6]},
    }
    ax = augment.plot_generalization_gaps(histories)
    lines = [line for line in ax.get_lines() if line.get_label() in histories]
    assert len(lines) == 2
    np.testing.assert_allclose(lines[0].get_ydata(), [0.0, 0.3])
    with pytest.raises(ValueError):
        augment.plot_generalization_gaps({})
