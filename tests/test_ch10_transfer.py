"""Tests of labhelpers.transfer: class selection, few-shot subsets, freezing, checks."""

import keras
import matplotlib
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labhelpers.chapters import ch10_transfer as transfer

matplotlib.use("Agg")


def test_select_classes_keeps_and_renumbers_in_the_given_order():
    x = np.arange(10)
    y = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    kept_x, kept_y = transfer.select_classes(x, y, [7, 5])
    np.testing.assert_array_equal(kept_x, [5, 7])
    np.testing.assert_array_equal(kept_y, [1, 0])


def test_select_classes_accepts_column_labels():
    x = np.zeros((4, 2, 2))
    y = np.array([[1], [0], [1], [2]])
    kept_x, kept_y = transfer.select_classes(x, y, [1])
    assert kept_x.shape == (2, 2, 2)
    np.testing.assert_array_equal(kept_y, [0, 0])


@pytest.mark.parametrize(
    "x, y, classes",
    [
        (np.zeros(3), np.array([0, 1, 1]), []),
        (np.zeros(3), np.array([0, 1, 1]), [1, 1]),
        (np.zeros(3), np.array([0, 1, 1]), [2]),
        (np.zeros(2), np.array([0, 1, 1]), [1]),
    ],
)
def test_select_classes_refuses_bad_input(x, y, classes):
    with pytest.raises(ValueError):
        transfer.select_classes(x, y, classes)


@settings(max_examples=30, deadline=None)
@given(
    counts=st.lists(st.integers(min_value=3, max_value=40), min_size=2, max_size=6),
    per_class=st.integers(min_value=1, max_value=3),
    seed=st.integers(min_value=0, max_value=1000),
)
def test_few_shot_subset_is_balanced_distinct_and_reproducible(counts, per_class, seed):
    y = np.repeat(np.arange(len(counts)), counts)
    np.random.default_rng(seed).shuffle(y)
    chosen = transfer.few_shot_indices(y, per_class, seed=seed)
    assert len(chosen) == len(set(chosen.tolist())) == per_class * len(counts)
    np.testing.assert_array_equal(np.bincount(y[chosen]), [per_class] * len(counts))
    np.testing.assert_array_equal(chosen, transfer.few_shot_indices(y, per_class, seed=seed))


def test_few_shot_seeds_give_different_subsets_and_batches_mix_classes():
    y = np.repeat(np.arange(5), 100)
    a = transfer.few_shot_indices(y, 10, seed=0)
    b = transfer.few_shot_indices(y, 10, seed=1)
    assert set(a.tolist()) != set(b.tolist())
    assert len(set(y[a[:10]].tolist())) > 1, "the subset should be shuffled across classes"


@pytest.mark.parametrize("per_class", [0, -1, 2.5, True, 4])
def test_few_shot_refuses_bad_counts(per_class):
    y = np.array([0, 0, 0, 1, 1, 1])
    with pytest.raises(ValueError):
        transfer.few_shot_indices(y, per_class)


def test_is_download_failure_recognises_keras_offline_error():
    offline = Exception("URL fetch failure on https://example.org/w.h5: None -- [Errno -2]")
    assert transfer.is_download_failure(offline)
    assert transfer.is_download_failure(ConnectionRefusedError("refused"))
    assert not transfer.is_download_failure(ValueError("bad input shape"))
    with pytest.raises(TypeError):
        transfer.is_download_failure("URL fetch failure")


def small_backbone():
    return keras.Sequential(
        [
            keras.Input(shape=(8, 8, 1)),
            keras.layers.Conv2D(2, 3, name="c1"),
            keras.layers.BatchNormalization(name="bn"),
            keras.layers.Conv2D(2, 3, name="c2"),
            keras.layers.Flatten(name="flat"),
            keras.layers.Dense(3, name="d"),
        ]
    )


def test_unfreeze_top_keeps_lower_layers_and_batchnorm_frozen():
    backbone = small_backbone()
    backbone.trainable = False
    count = transfer.unfreeze_top(backbone, 4)
    states = {layer.name: layer.trainable for layer in backbone.layers}
    assert states == {"c1": False, "bn": False, "c2": True, "flat": True, "d": True}
    assert count == 3
    assert transfer.unfreeze_top(backbone, 4, keep_batchnorm_frozen=False) == 4
    assert transfer.unfreeze_top(backbone, 0) == 0
    assert backbone.trainable_weights == []


@pytest.mark.parametrize("n_layers", [-1, 6, 1.5])
def test_unfreeze_top_refuses_bad_counts(n_layers):
    with pytest.raises(ValueError):
        transfer.unfreeze_top(small_backbone(), n_layers)


def test_changed_layers_finds_exactly_the_trained_layers():
    model = small_backbone()
    transfer.unfreeze_top(model, 1)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    before = transfer.weights_by_layer(model)
    x = np.random.default_rng(0).normal(size=(16, 8, 8, 1)).astype("float32")
    model.fit(x, np.ones((16, 3), "float32"), epochs=1, verbose=0)
    after = transfer.weights_by_layer(model)
    assert transfer.changed_layers(before, after) == ["d"]
    assert transfer.changed_layers(before, before) == []
    with pytest.raises(ValueError):
        transfer.changed_layers(before, {"d": after["d"]})


def test_plot_accuracy_vs_labels_draws_means_per_method():
    table = pd.DataFrame(
        {"method": ["transfer"] * 4 + ["scratch"] * 4,
         "per_class": [5, 5, 10, 10] * 2,
         "accuracy": [0.8, 0.9, 0.9, 0.9, 0.4, 0.6, 0.7, 0.7]}
    )
    ax = transfer.plot_accuracy_vs_labels(table)
    means = {bars.get_label(): bars.lines[0].get_ydata().tolist() for bars in ax.containers}
    assert means["transfer"] == pytest.approx([0.85, 0.9])
    assert means["scratch"] == pytest.approx([0.5, 0.7])
    with pytest.raises(ValueError):
        transfer.plot_accuracy_vs_labels(table.drop(columns="accuracy"))
