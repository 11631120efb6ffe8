"""Tests of labhelpers.confusions: finding and drawing the samples of one confusion."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from labhelpers import evaluate, plots  # noqa: E402

NAMES = ("cat", "dog", "bird")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_class_index_accepts_names_and_indices():
    assert evaluate.class_index("dog", NAMES) == 1
    assert evaluate.class_index(2, NAMES) == 2
    assert evaluate.class_index(np.int64(0), None, 3) == 0


@pytest.mark.parametrize(
    ("which", "names", "error"),
    [("fish", NAMES, ValueError), ("dog", None, ValueError), (3, NAMES, ValueError),
     (-1, NAMES, ValueError), (1.5, NAMES, TypeError), (True, NAMES, TypeError)],
)
def test_class_index_rejects_bad_classes(which, names, error):
    with pytest.raises(error):
        evaluate.class_index(which, names)


def test_confusion_indices_with_labels_keeps_data_order():
    y_true = np.array([0, 1, 0, 0, 2, 0])
    y_pred = np.array([1, 1, 1, 0, 2, 1])
    assert evaluate.confusion_indices(y_true, y_pred, 0, 1).tolist() == [0, 2, 5]
    assert evaluate.confusion_indices(y_true, y_pred, "cat", "dog", NAMES).tolist() == [0, 2, 5]
    assert evaluate.confusion_indices(y_true, y_pred, 1, 0).tolist() == []


def test_confusion_indices_with_probabilities_sorts_by_confidence():
    y_true = np.array([0, 0, 0, 1])
    probabilities = np.array(
        [[0.2, 0.7, 0.1], [0.1, 0.9, 0.0], [0.3, 0.6, 0.1], [0.1, 0.8, 0.1]]
    )
    found = evaluate.confusion_indices(y_true, probabilities, 0, 1)
    assert found.tolist() == [1, 0, 2]


def test_confusion_indices_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="y_pred"):
        evaluate.confusion_indices([0, 1, 2], [0, 1], 0, 1)


def test_confusion_examples_draws_only_the_mistakes():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 255, size=(6, 8, 8), dtype=np.uint8)
    y_true = np.array([0, 1, 0, 0, 2, 0])
    y_pred = np.array([1, 1, 1, 0, 2, 1])
    ax = plots.confusion_examples(images, y_true, y_pred, "cat", "dog", k=2,
                                       class_names=NAMES)
    titles = [text.get_text() for text in ax.texts]
    assert titles == ["#0", "#2"]
    assert ax.get_title().startswith("cat predicted as dog: 3 of 4")


def test_confusion_examples_shows_the_wrong_class_probability():
    images = np.zeros((3, 4, 4))
    probabilities = np.array([[0.1, 0.9], [0.4, 0.6], [0.8, 0.2]])
    ax = plots.confusion_examples(images, [0, 0, 0], probabilities, 0, 1)
    assert [text.get_text() for text in ax.texts] == ["#0\np=0.90", "#1\np=0.60"]


def test_confusion_examples_says_when_there_is_none():
    ax = plots.confusion_examples(np.zeros((2, 4, 4)), [0, 1], [0, 1], 0, 1)
    assert "no 0 was predicted as 1" in ax.texts[0].get_text()


@pytest.mark.parametrize("k", [0, -1, 2.5, True])
def test_confusion_examples_rejects_bad_k(k):
    with pytest.raises(ValueError, match="k must"):
        plots.confusion_examples(np.zeros((2, 4, 4)), [0, 1], [1, 0], 0, 1, k=k)


def test_confusion_examples_rejects_mismatched_images():
    with pytest.raises(ValueError, match="images"):
        plots.confusion_examples(np.zeros((3, 4, 4)), [0, 1], [1, 0], 0, 1)


def test_f1_bars_draws_one_bar_per_class_and_model():
    y_true = np.array([0, 0, 1, 1, 2, 2])
    perfect = y_true.copy()
    worse = np.array([0, 1, 1, 1, 2, 0])
    ax = plots.f1_bars(y_true, {"perfect": perfect, "worse": worse}, class_names=NAMES)
    heights = [patch.get_height() for patch in ax.patches]
    assert len(heights) == 6
    assert heights[:3] == [1.0, 1.0, 1.0]
    # worse: cat precision 1/2, recall 1/2; dog 2/3 and 1; bird 1 and 1/2
    assert heights[3:] == pytest.approx([0.5, 0.8, 2 / 3])
    assert [t.get_text() for t in ax.get_xticklabels()] == list(NAMES)


def test_f1_bars_rejects_bad_input():
    with pytest.raises(ValueError, match="predictions"):
        plots.f1_bars([0, 1], {})
    with pytest.raises(ValueError, match="entries"):
        plots.f1_bars([0, 1, 1], {"m": [0, 1]})
    with pytest.raises(ValueError, match="NaN"):
        plots.f1_bars([0, 1], {"m": np.array([[np.nan, 1.0], [0.0, 1.0]])})
