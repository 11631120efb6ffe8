import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from labhelpers import plots  # noqa: E402

HISTORY = {"loss": [1.0, 0.6, 0.4], "val_loss": [1.1, 0.8, 0.7],
           "accuracy": [0.5, 0.7, 0.8], "val_accuracy": [0.45, 0.6, 0.65]}


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_training_curves_train_solid_validation_dashed():
    axes = plots.training_curves(HISTORY)
    assert [ax.get_title() for ax in axes] == ["loss", "accuracy"]
    train, validation = axes[0].get_lines()
    assert train.get_linestyle() == "-" and validation.get_linestyle() == "--"
    assert train.get_color() == validation.get_color()
    np.testing.assert_array_equal(train.get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(validation.get_ydata(), HISTORY["val_loss"])


def test_training_curves_one_colour_per_run_on_given_axes():
    class FakeHistory:
        history = HISTORY

    _, ax = plt.subplots()
    drawn = plots.training_curves({"small": HISTORY, "big": FakeHistory()}, "loss", ax=ax)
    assert drawn == [ax]
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == [
        "small train", "small validation", "big train", "big validation"]
    assert lines[0].get_color() != lines[2].get_color()
    assert len(ax.get_legend().get_texts()) == 4  # one legend for all runs


def test_training_curves_title_and_one_legend_for_several_runs():
    axes = plots.training_curves({"a": HISTORY, "b": HISTORY}, title="two runs")
    assert axes[0].figure._suptitle.get_text() == "two runs"
    assert axes[0].get_legend() is None and axes[1].get_legend() is None
    (legend,) = axes[0].figure.legends  # one legend for the figure, beside the plots
    assert len(legend.get_texts()) == 4


def test_training_curves_bad_input():
    with pytest.raises(ValueError, match="metric 'f1' is not in the history"):
        plots.training_curves(HISTORY, "f1")
    with pytest.raises(TypeError, match="expected a keras History or a dict"):
        plots.training_curves([1, 2, 3])
    _, ax = plt.subplots()
    with pytest.raises(ValueError, match="got 1 axes for 2 metrics"):
        plots.training_curves(HISTORY, ax=ax)


def test_confusion_matrix_counts_and_names():
    ax = plots.confusion_matrix([0, 0, 1, 2, 2], [0, 1, 1, 2, 0], class_names=["a", "b", "c"])
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["1", "1", "0", "0", "1", "0", "1", "0", "1"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    assert ax.get_ylabel() == "true class" and ax.get_xlabel() == "predicted class"
    normalized = plots.confusion_matrix([0, 0, 1], [0, 1, 1], normalize=True)
    assert [t.get_text() for t in normalized.texts][:2] == ["0.50", "0.50"]


def test_image_grid_draws_one_canvas_with_titles_and_red_mistakes():
    images = np.random.default_rng(0).integers(0, 256, (12, 28, 28), dtype=np.uint8)
    ax = plots.image_grid(images, labels=np.arange(12) % 10, predictions=np.zeros(12, int),
                          ncols=5)
    canvas = ax.get_images()[0].get_array()
    assert canvas.shape[1] >= 5 * 28 and canvas.shape[0] > 3 * 28
    positions = [text.get_position() for text in ax.texts]
    assert len({x for x, _ in positions}) == 5 and len({y for _, y in positions}) == 3
    assert len(ax.texts) == 12 and ax.texts[0].get_text() == "0\n→0"
    assert ax.texts[0].get_color() == "black" and ax.texts[1].get_color() == "red"
    assert canvas.max() <= 1.0


def test_image_grid_refuses_text_by_name():
    with pytest.raises(TypeError, match="images must hold numbers"):
        plots.image_grid(np.array([["a"]] * 2, dtype="U1").reshape(2, 1, 1))


def test_image_grid_accepts_colour_and_channel_images_with_class_names():
    colour = np.random.default_rng(1).random((3, 32, 32, 3))
    ax = plots.image_grid(colour, labels=[[0], [1], [2]], class_names=["x", "y", "z"])
    assert ax.get_images()[0].get_array().shape[-1] == 3
    assert [t.get_text() for t in ax.texts] == ["x", "y", "z"]
    single = plots.image_grid(np.zeros((2, 8, 8, 1)), titles=["a", "b"])
    assert single.get_images()[0].get_array().ndim == 2


@pytest.mark.parametrize(
    ("images", "kwargs", "message"),
    [
        (np.zeros((2, 8, 8, 2)), {}, "images must have shape"),
        (np.zeros((0, 8, 8)), {}, "images is empty"),
        (np.full((2, 8, 8), np.nan), {}, "NaN"),
        (np.zeros((2, 8, 8)), {"labels": [0, 1, 2]}, "labels has 3 entries for 2 images"),
        (np.zeros((2, 8, 8)), {"titles": ["a"]}, "titles has 1 entries for 2 images"),
    ],
)
def test_image_grid_bad_input(images, kwargs, message):
    with pytest.raises(ValueError, match=message):
        plots.image_grid(images, **kwargs)


def test_filters_and_feature_maps():
    kernel = np.random.default_rng(2).normal(size=(5, 5, 1, 9))
    ax = plots.filters(kernel, ncols=3)
    assert len(ax.texts) == 9 and ax.texts[8].get_text() == "filter 8"
    rgb = plots.filters(np.random.default_rng(3).normal(size=(3, 3, 3, 4)))
    assert rgb.get_images()[0].get_array().shape[-1] == 3
    maps = plots.feature_maps(np.random.default_rng(4).random((1, 14, 14, 6)), ncols=3)
    assert len(maps.texts) == 6
    with pytest.raises(ValueError, match="kernel must have shape"):
        plots.filters(np.zeros((3, 3, 4)))
    with pytest.raises(ValueError, match="maps must have shape"):
        plots.feature_maps(np.zeros((3, 3)))


def test_worst_classified_images_titles_show_true_predicted_and_probability():
    images = np.zeros((4, 8, 8))
    probabilities = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
    ax = plots.worst_classified_images(images, probabilities, [0, 0, 1, 1], k=2,
                                       class_names=["cat", "dog"])
    assert [t.get_text() for t in ax.texts] == ["cat\n→dog\np=0.200", "dog\n→cat\np=0.400"]
    with pytest.raises(ValueError, match="images has 3 entries but probabilities has 4"):
        plots.worst_classified_images(images[:3], probabilities, [0, 0, 1, 1])


def test_figures_render_to_png(tmp_path):
    """Render each plot to a PNG (kept for a look) and check it is not blank."""
    rng = np.random.default_rng(5)
    fig, axes = plt.subplots(2, 2, figsize=(10, 8))
    plots.training_curves(HISTORY, ax=axes[0])
    plots.confusion_matrix(rng.integers(0, 3, 50), rng.integers(0, 3, 50), ax=axes[1, 0])
    plots.image_grid(rng.integers(0, 256, (8, 28, 28)), labels=np.arange(8), ncols=4,
                     ax=axes[1, 1])
    path = tmp_path / "plots.png"
    fig.savefig(path)
    pixels = plt.imread(path)
    assert pixels.std() > 0.05


def test_training_curves_validation_every_second_epoch():
    history = {"loss": [1.0, 0.8, 0.6, 0.5], "val_loss": [0.9, 0.7]}  # validation_freq=2
    (axis,) = plots.training_curves(history, metrics="loss")
    _, validation = axis.get_lines()
    np.testing.assert_array_equal(validation.get_xdata(), [2, 4])
    assert "every 2 epochs" in validation.get_label()


def test_image_grid_takes_titles_as_an_array():
    ax = plots.image_grid(np.zeros((2, 8, 8)), titles=np.array(["a", "b"]))
    assert [text.get_text() for text in ax.texts] == ["a", "b"]


def test_image_grid_draws_minus_one_to_one_pixels_and_says_so():
    images = np.stack([np.full((8, 8), -1.0), np.full((8, 8), 1.0)])
    with pytest.warns(UserWarning, match=r"\[-1, 1\]"):
        ax = plots.image_grid(images, ncols=2)
    canvas = np.asarray(ax.images[0].get_array())
    left, right = np.array_split(canvas, 2, axis=1)
    assert canvas.min() == 0 and canvas.max() == 1
    assert (left == 0).sum() > 0 and (right == 0).sum() == 0  # -1 black (left), 1 white
    with pytest.raises(ValueError, match="scale the pixels"):
        plots.image_grid(images * 3)
