"""Noise and reconstruction error (evaluate) and rows of images (plots), chapters 11-12."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from labhelpers import evaluate, plots


@pytest.fixture
def images():
    return np.random.default_rng(0).random((50, 28, 28)).astype(np.float32)


@pytest.mark.parametrize("kind", ["gaussian", "uniform"])
def test_noise_stays_in_range_and_keeps_shape(images, kind):
    noisy = evaluate.add_noise(images, 0.5, kind=kind, seed=1)
    assert noisy.shape == images.shape and noisy.dtype == np.float32
    assert noisy.min() >= 0 and noisy.max() <= 1
    assert not np.array_equal(noisy, images)


def test_noise_level_sets_the_spread():
    grey = np.full((200, 28, 28), 0.5, np.float32)
    for level in (0.05, 0.1, 0.2):
        noise = evaluate.add_noise(grey, level, seed=2, clip=False) - grey
        assert noise.std() == pytest.approx(level, rel=0.02)
        assert abs(noise.mean()) < 0.01
    uniform = evaluate.add_noise(grey, 0.2, kind="uniform", seed=2, clip=False) - grey
    assert np.abs(uniform).max() <= 0.2 + 1e-6
    assert uniform.std() == pytest.approx(0.2 / np.sqrt(3), rel=0.02)


def test_noise_is_deterministic_under_a_seed_and_leaves_input_alone(images):
    copy = images.copy()
    a = evaluate.add_noise(images, 0.3, seed=5)
    b = evaluate.add_noise(images, 0.3, seed=5)
    c = evaluate.add_noise(images, 0.3, seed=6)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert np.array_equal(images, copy)


def test_zero_noise_is_the_identity(images):
    assert np.array_equal(evaluate.add_noise(images, 0.0, seed=0), images)


def test_more_noise_more_error(images):
    errors = [
        evaluate.reconstruction_error(images, evaluate.add_noise(images, level, seed=3))
        for level in (0.1, 0.2, 0.3, 0.4, 0.5)
    ]
    assert all(a < b for a, b in zip(errors, errors[1:], strict=False))


def test_reconstruction_error_values():
    clean = np.zeros((2, 4, 4))
    output = np.zeros((2, 4, 4))
    output[1] = 0.5
    assert evaluate.reconstruction_error(clean, output) == pytest.approx(0.125)
    per_image = evaluate.reconstruction_error(clean, output, per_image=True)
    assert per_image.shape == (2,) and per_image.tolist() == pytest.approx([0.0, 0.25])


def test_image_rows_draws_one_labelled_row_per_entry(images):
    ax = plots.image_rows({"noisy": images[:5], "denoised": images[5:10], "clean": images[:5]})
    assert [label.get_text() for label in ax.texts] == ["noisy", "denoised", "clean"]
    assert ax.images[0].get_array().shape[0] > 3 * 28
    plt.close("all")


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda x: evaluate.add_noise(x, -0.1), ValueError, "level"),
        (lambda x: evaluate.add_noise(x, np.nan), ValueError, "level"),
        (lambda x: evaluate.add_noise(x, "big"), TypeError, "level"),
        (lambda x: evaluate.add_noise(x, 0.1, kind="salt"), ValueError, "kind"),
        (lambda x: evaluate.add_noise((x * 255).astype(np.uint8), 0.1), TypeError, "images"),
        (lambda x: evaluate.add_noise(x * 2, 0.1), ValueError, "images"),
        (lambda x: evaluate.add_noise(np.zeros((0, 2)), 0.1), ValueError, "empty"),
        (lambda x: evaluate.add_noise(np.where(x > 0.5, np.nan, x), 0.1), ValueError, "NaN"),
        (lambda x: evaluate.add_noise(x, 0.1, seed="a"), ValueError, "seed"),
        (lambda x: evaluate.reconstruction_error(x, x[:3]), ValueError, "shape"),
        (lambda x: evaluate.reconstruction_error(x, x * np.inf), ValueError, "reconstructed"),
        (lambda x: plots.image_rows({}), ValueError, "rows"),
        (lambda x: plots.image_rows({"a": x[:2], "b": x[:3]}), ValueError, "same shape"),
    ],
)
def test_bad_input_is_refused(images, call, error, match):
    with pytest.raises(error, match=match):
        call(images)
