"""Chapter 6's Grad-CAM: heatmaps where the evidence is, and their picture over the images."""

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from labhelpers.chapters import ch06_gradcam as gradcam  # noqa: E402


def _square_detector(with_input: bool = True, softmax: bool = True):
    """Conv2D(1) summing a 3x3 patch -> global average -> Dense(2): class 0 = "bright", 1 = "dark".

    The feature map is large only around a bright square, so the evidence for class 0 sits
    there; class 1's weight is negative, so nothing in the image speaks for it.
    """
    import keras

    conv = keras.layers.Conv2D(1, 3, padding="same", activation="relu", name="detector")
    dense = keras.layers.Dense(2, activation="softmax" if softmax else None, name="out")
    layers = [conv, keras.layers.GlobalAveragePooling2D(), dense]
    model = keras.Sequential(([keras.Input((16, 16, 1))] if with_input else []) + layers)
    model.build((None, 16, 16, 1))
    conv.set_weights([np.ones((3, 3, 1, 1), "float32"), np.zeros(1, "float32")])
    dense.set_weights([np.array([[20.0, -20.0]], "float32"), np.zeros(2, "float32")])
    return model


def _squares():
    images = np.zeros((2, 16, 16), "float32")
    images[0, 2:6, 3:7] = 1.0   # a square top left
    images[1, 10:14, 9:13] = 1.0  # a square bottom right
    return images


@pytest.mark.parametrize("with_input", [True, False])
def test_grad_cam_peaks_on_the_bright_square(with_input):
    images = _squares()
    model = _square_detector(with_input=with_input)
    assert model.predict(images, verbose=0).argmax(axis=1).tolist() == [0, 0]
    heatmaps = gradcam.grad_cam(model, images)  # the predicted class, the last Conv2D
    assert heatmaps.shape == (2, 16, 16) and heatmaps.dtype == np.float32
    assert heatmaps.min() >= 0 and heatmaps.max() == pytest.approx(1.0)
    for heatmap, image in zip(heatmaps, images):
        peak = np.unravel_index(heatmap.argmax(), heatmap.shape)
        assert image[peak] == 1.0, f"the heatmap peaks at {peak}, off the square"
        inside, outside = heatmap[image == 1].mean(), heatmap[image == 0].mean()
        assert inside > 0.6 and outside < 0.2
    # the other square's corner is cold in each map
    assert heatmaps[0, 12, 11] == 0 and heatmaps[1, 3, 4] == 0


def test_grad_cam_of_a_class_without_evidence_is_zero():
    heatmaps = gradcam.grad_cam(_square_detector(), _squares(), class_indices=1,
                                 layer_name="detector")
    np.testing.assert_array_equal(heatmaps, 0)


def test_grad_cam_uses_logits_not_saturated_probabilities():
    # p(class 0) rounds to 1 in float32: through the softmax the gradient would vanish
    images = _squares() * 50
    with_softmax = gradcam.grad_cam(_square_detector(softmax=True), images)
    without = gradcam.grad_cam(_square_detector(softmax=False), images)
    np.testing.assert_allclose(with_softmax, without, atol=1e-5)
    assert with_softmax.max() == pytest.approx(1.0)


def test_grad_cam_refuses_a_model_without_conv2d_and_bad_classes():
    import keras

    dense_only = keras.Sequential([keras.Input((16, 16, 1)), keras.layers.Flatten(),
                                   keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="needs a Conv2D layer.*Flatten, Dense"):
        gradcam.grad_cam(dense_only, _squares())
    with pytest.raises(ValueError, match="class_indices must lie in 0..1"):
        gradcam.grad_cam(_square_detector(), _squares(), class_indices=[0, 2])
    with pytest.raises(ValueError, match="Grad-CAM needs \\(batch, h, w, channels\\)"):
        gradcam.grad_cam(_square_detector(), _squares(), layer_name="out")


def test_grad_cam_of_a_functional_model_and_of_a_saved_and_loaded_one(tmp_path):
    import keras

    images = _squares()
    sequential = _square_detector()
    expected = gradcam.grad_cam(sequential, images)
    inputs = keras.Input((16, 16, 1))
    conv = keras.layers.Conv2D(1, 3, padding="same", activation="relu")
    dense = keras.layers.Dense(2, activation="softmax")
    functional = keras.Model(inputs, dense(keras.layers.GlobalAveragePooling2D()(conv(inputs))))
    conv.set_weights(sequential.layers[0].get_weights())
    dense.set_weights(sequential.layers[2].get_weights())
    np.testing.assert_allclose(gradcam.grad_cam(functional, images), expected, atol=1e-6)
    sequential.save(tmp_path / "detector.keras")
    loaded = keras.models.load_model(tmp_path / "detector.keras")
    np.testing.assert_allclose(gradcam.grad_cam(loaded, images), expected, atol=1e-6)


def test_grad_cam_grid_lays_the_heatmap_over_the_image():
    images = np.full((2, 8, 8), 0.5)
    heatmaps = np.zeros((2, 8, 8))
    heatmaps[:, :4] = 1.0  # hot top half, cold bottom half
    titles = ["Shirt\n→Shirt 90%", "Shirt\n→T-shirt/top 60%"]
    ax = gradcam.grad_cam_grid(images, heatmaps, titles=titles, colours=["black", "red"], ncols=2)
    canvas = np.asarray(ax.get_images()[0].get_array())
    assert canvas.ndim == 3 and canvas.shape[-1] == 3
    red = canvas[..., 0] - canvas[..., 2]
    assert red.max() > 0.2 and red.min() < -0.2  # red where hot, blue where cold
    hot_rows = np.flatnonzero((red > 0.2).any(axis=1))
    cold_rows = np.flatnonzero((red < -0.2).any(axis=1))
    assert hot_rows.max() < cold_rows.min()  # hot above cold, as in the heatmaps
    assert [t.get_text() for t in ax.texts] == titles
    assert [t.get_color() for t in ax.texts] == ["black", "red"]


def test_grad_cam_grid_bad_input():
    with pytest.raises(ValueError, match="heatmaps has shape"):
        gradcam.grad_cam_grid(np.zeros((2, 8, 8)), np.zeros((2, 4, 4)))
    with pytest.raises(ValueError, match=r"values in \[0, 1\]"):
        gradcam.grad_cam_grid(np.zeros((2, 8, 8)), np.full((2, 8, 8), 2.0))
    with pytest.raises(ValueError, match="colours has 1 entries for 2 images"):
        gradcam.grad_cam_grid(np.zeros((2, 8, 8)), np.zeros((2, 8, 8)), colours=["red"])
