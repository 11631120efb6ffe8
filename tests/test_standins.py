"""labhelpers.standins: generated look-alikes of Fashion-MNIST and CIFAR-10 (not the real data)."""

import warnings
from functools import cache

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import recall_score
from threadpoolctl import threadpool_limits

from labhelpers import standins

# name: (generator, image shape, label shape per image)
DATASETS = {
    "fashion": (standins.fashion_silhouettes, (28, 28), ()),
    "cifar": (standins.cifar_scenes, (32, 32, 3), (1,)),
}
N_TRAIN, N_TEST = 1500, 500


@cache  # tests share the images they only read
def generate(name: str, n: int, seed: int):
    make, _, _ = DATASETS[name]
    return make(n, np.random.default_rng(seed))


@pytest.fixture(scope="module", params=sorted(DATASETS))
def split(request):
    """``name, (x_train, y_train), (x_test, y_test)``: flattened images / 255, flat labels."""
    x, y = generate(request.param, N_TRAIN + N_TEST, seed=0)
    x, y = x.reshape(len(x), -1) / 255.0, y.ravel()
    return request.param, (x[:N_TRAIN], y[:N_TRAIN]), (x[N_TRAIN:], y[N_TRAIN:])


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_shapes_dtypes_and_every_class(name):
    _, image_shape, label_shape = DATASETS[name]
    x, y = generate(name, 500, seed=1)
    assert x.shape == (500, *image_shape) and x.dtype == np.uint8
    assert y.shape == (500, *label_shape) and y.dtype == np.uint8
    assert set(np.unique(y)) == set(range(10))
    assert x.min() < 30 and x.max() > 220  # the full 0-255 range is used


def test_fashion_background_is_black():
    x, _ = generate("fashion", 500, seed=1)
    border = np.concatenate([x[:, 0], x[:, -1], x[:, :, 0], x[:, :, -1]], axis=1)
    assert np.median(border) == 0 and (border == 0).mean() > 0.8


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_same_seed_same_images_other_seed_other_images(name):
    first, again, other = (generate(name, 50, seed) for seed in (3, 3, 4))
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[1], again[1])
    assert not np.array_equal(first[0], other[0])


def test_a_small_model_learns_every_class(split):
    """Logistic regression on raw pixels: far above chance (0.1) overall and for each class."""
    name, (x_train, y_train), (x_test, y_test) = split
    # One BLAS thread: on a busy shared machine, several made this fit 10-20 times slower.
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # 60 iterations are enough here
        model = LogisticRegression(max_iter=60).fit(x_train, y_train)
    predicted = model.predict(x_test)
    accuracy = float((predicted == y_test).mean())
    recalls = recall_score(y_test, predicted, average=None)
    print(f"{name}: test accuracy {accuracy:.3f}, recall per class {np.round(recalls, 2)}")
    assert accuracy >= 0.6
    assert recalls.min() >= 0.3


def test_classes_are_different_pictures(split):
    """Each class's mean test image is nearest to the same class's mean training image."""
    _, (x_train, y_train), (x_test, y_test) = split
    train_means = np.stack([x_train[y_train == c].mean(axis=0) for c in range(10)])
    test_means = np.stack([x_test[y_test == c].mean(axis=0) for c in range(10)])
    distances = np.linalg.norm(test_means[:, None] - train_means[None], axis=-1)
    np.testing.assert_array_equal(distances.argmin(axis=1), np.arange(10))
