"""labhelpers.hog: the vectorised HOG equals skimage's, the cache is checked, bad input fails."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from skimage.feature import hog as skimage_hog  # noqa: E402

from labhelpers.chapters import ch04_hog as hog  # noqa: E402


def digits(n=12, shape=(28, 28), seed=0):
    """Blurry strokes on black, uint8 like MNIST (random noise alone would be a weak test)."""
    rng = np.random.default_rng(seed)
    images = np.zeros((n, *shape), dtype=np.float64)
    rows, cols = np.mgrid[: shape[0], : shape[1]]
    for image in images:
        for _ in range(3):
            r, c = rng.uniform(4, shape[0] - 4), rng.uniform(4, shape[1] - 4)
            angle = rng.uniform(0, np.pi)
            distance = np.abs((rows - r) * np.cos(angle) - (cols - c) * np.sin(angle))
            image += np.exp(-(distance**2) / 2) * (np.hypot(rows - r, cols - c) < 9)
    return (255 * images / images.max(axis=(1, 2), keepdims=True)).astype(np.uint8)


def reference(images, orientations, pixels_per_cell, cells_per_block, block_norm="L2-Hys"):
    return np.stack([
        skimage_hog(image, orientations=orientations,
                    pixels_per_cell=(pixels_per_cell, pixels_per_cell),
                    cells_per_block=(cells_per_block, cells_per_block), block_norm=block_norm)
        for image in images
    ])


@pytest.mark.parametrize(
    "orientations, pixels_per_cell, cells_per_block, block_norm",
    [(8, 4, 1, "L2-Hys"), (16, 4, 1, "L2-Hys"), (8, 7, 1, "L2-Hys"), (16, 7, 1, "L2-Hys"),
     (9, 4, 2, "L1"), (9, 3, 3, "L2"), (6, 5, 2, "L1-sqrt"), (12, 6, 2, "L2-Hys")],
)
def test_features_equal_skimage(orientations, pixels_per_cell, cells_per_block, block_norm):
    images = digits()
    ours = hog.features(images, orientations, pixels_per_cell, cells_per_block, block_norm,
                        batch_size=5, progress=False)
    expected = reference(images, orientations, pixels_per_cell, cells_per_block, block_norm)
    assert ours.dtype == np.float32
    assert ours.shape == expected.shape
    np.testing.assert_allclose(ours, expected, rtol=1e-6, atol=1e-7)


def test_features_equal_skimage_on_float_and_non_square_images():
    images = np.random.default_rng(1).uniform(0, 1, size=(4, 20, 26)).astype(np.float32)
    expected = reference(images, 8, 4, 2)
    np.testing.assert_allclose(hog.features(images, 8, 4, 2, progress=False), expected,
                               rtol=1e-5, atol=1e-6)


def test_channel_axis_of_one_is_accepted():
    images = digits(3)
    np.testing.assert_array_equal(
        hog.features(images[..., None], progress=False), hog.features(images, progress=False)
    )


@pytest.mark.parametrize(
    "pixels_per_cell, orientations, expected",
    [(4, 8, 392), (4, 16, 784), (7, 8, 128), (7, 16, 256)],
)
def test_feature_length_matches_the_vector(pixels_per_cell, orientations, expected):
    assert hog.feature_length((28, 28), orientations, pixels_per_cell, 1) == expected
    vector = hog.features(digits(1), orientations, pixels_per_cell, 1, progress=False)
    assert vector.shape == (1, expected)


def test_feature_length_with_blocks():
    # 7x7 cells, blocks of 2x2 cells: 6x6 blocks of 4 cells of 9 bins
    assert hog.feature_length((28, 28), 9, 4, 2) == 6 * 6 * 4 * 9


def test_cache_hit_returns_equal_arrays(tmp_path, capsys):
    images = digits(6)
    first = hog.cached_features(images, "toy", 8, 4, cache_dir=tmp_path, progress=False)
    files = list(tmp_path.glob("*.npz"))
    assert len(files) == 1 and "toy-o8-ppc4-cpb1-L2-Hys" in files[0].name
    assert "computed" in capsys.readouterr().out
    second = hog.cached_features(images, "toy", 8, 4, cache_dir=tmp_path, progress=False)
    assert "read from the cache" in capsys.readouterr().out
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(first, hog.features(images, 8, 4, progress=False))
    assert not list(tmp_path.glob(".*part")), "a temporary file was left behind"


def test_cache_is_keyed_by_parameters_and_images(tmp_path):
    images = digits(4)
    a = hog.cached_features(images, "toy", 8, 4, cache_dir=tmp_path, progress=False)
    b = hog.cached_features(images, "toy", 16, 4, cache_dir=tmp_path, progress=False)
    c = hog.cached_features(digits(4, seed=5), "toy", 8, 4, cache_dir=tmp_path, progress=False)
    assert a.shape == (4, 392) and b.shape == (4, 784)
    assert not np.array_equal(a, c)
    assert len(list(tmp_path.glob("*.npz"))) == 3


@pytest.mark.parametrize("damage", ["truncate", "garbage", "flip_feature"])
def test_corrupt_cache_is_detected_and_recomputed(tmp_path, capsys, damage):
    images = digits(5)
    good = hog.cached_features(images, "toy", cache_dir=tmp_path, progress=False)
    (path,) = tmp_path.glob("*.npz")
    if damage == "truncate":
        path.write_bytes(path.read_bytes()[:200])
    elif damage == "garbage":
        path.write_bytes(b"not a numpy file at all")
    else:  # a valid file whose features were altered: only the checksum can tell
        with np.load(path) as stored:
            features, meta = stored["features"].copy(), stored["meta"]
        features[0, 0] += 0.5
        with open(path, "wb") as handle:
            np.savez(handle, features=features, meta=meta)
    capsys.readouterr()
    again = hog.cached_features(images, "toy", cache_dir=tmp_path, progress=False)
    assert "not valid" in capsys.readouterr().out
    np.testing.assert_array_equal(again, good)
    third = hog.cached_features(images, "toy", cache_dir=tmp_path, progress=False)
    assert "read from the cache" in capsys.readouterr().out
    np.testing.assert_array_equal(third, good)


def test_default_cache_lives_in_the_data_home(tmp_path, monkeypatch):
    monkeypatch.setenv("LAB_DATA_HOME", str(tmp_path))
    hog.cached_features(digits(2), "toy", progress=False, verbose=False)
    assert len(list((tmp_path / "hog").glob("toy-*.npz"))) == 1


@pytest.mark.parametrize(
    "images, error",
    [(np.zeros((28, 28), np.uint8), ValueError),          # one image, not a stack
     (np.zeros((0, 28, 28), np.uint8), ValueError),        # empty
     (np.zeros((2, 28, 28, 3), np.uint8), ValueError),     # colour
     (np.full((2, 28, 28), np.nan), ValueError),           # NaN
     (np.zeros((2, 28, 28), dtype=object), TypeError),     # not numbers
     (np.zeros((2, 3, 3), np.uint8), ValueError)],         # too small for a 4-pixel cell
)
def test_bad_images_are_refused(images, error):
    with pytest.raises(error, match="image"):
        hog.features(images, progress=False)


@pytest.mark.parametrize(
    "kwargs, error, word",
    [
        ({"orientations": 0}, ValueError, "orientations"),
        ({"pixels_per_cell": 2.5}, TypeError, "pixels_per_cell"),
        ({"cells_per_block": -1}, ValueError, "cells_per_block"),
        ({"block_norm": "L3"}, ValueError, "block_norm"),
        ({"batch_size": 0}, ValueError, "batch_size"),
    ],
)
def test_bad_parameters_are_refused(kwargs, error, word):
    with pytest.raises(error, match=word):
        hog.features(digits(1), progress=False, **kwargs)


def test_bad_dataset_name_is_refused(tmp_path):
    with pytest.raises(ValueError, match="dataset"):
        hog.cached_features(digits(1), "../escape", cache_dir=tmp_path, progress=False)


def test_draw_returns_two_axes_with_the_hog_picture():
    axes = hog.draw(digits(1)[0], orientations=8, pixels_per_cell=4)
    assert len(axes) == 2
    picture = axes[1].get_images()[0].get_array()
    assert picture.shape == (28, 28) and float(np.max(picture)) > 0
    assert "392" in axes[1].get_title()
    plt.close("all")
    with pytest.raises(ValueError, match="image"):
        hog.draw(digits(2))
