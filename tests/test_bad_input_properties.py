"""Property-based tests: whatever a student passes, public helpers either work or raise a
ValueError / TypeError whose message names the argument. Never a crash deep inside NumPy."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

from labhelpers import data, evaluate, exercises, plots  # noqa: E402

any_array = hnp.arrays(
    dtype=st.sampled_from([np.int64, np.float64, np.uint8, np.bool_, np.dtype("U3")]),
    shape=hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5),
)


@given(any_array)
def test_as_labels_works_or_names_the_argument(array):
    try:
        labels = evaluate.as_labels(array, "y_true")
    except (ValueError, TypeError) as error:
        assert "y_true" in str(error)
    else:
        assert labels.ndim == 1 and len(labels) > 0 and labels.min() >= 0


@given(any_array, any_array)
def test_scores_work_or_name_the_argument(y_true, y_pred):
    try:
        result = evaluate.scores(y_true, y_pred)
    except (ValueError, TypeError) as error:
        assert "y_true" in str(error) or "y_pred" in str(error)
    else:
        assert 0 <= result["accuracy"] <= 1


@settings(max_examples=40, deadline=None)
@given(any_array)
def test_image_grid_works_or_names_the_argument(images):
    try:
        ax = plots.image_grid(images)
    except (ValueError, TypeError) as error:
        assert "images" in str(error)
    else:
        assert ax.get_images()
    finally:
        plt.close("all")


@given(st.one_of(st.none(), st.integers(), st.floats(), st.text(max_size=5), st.booleans(),
                 st.lists(st.integers(), max_size=3), any_array))
def test_exercise_checks_never_raise(answer):
    for expected in (7, 0.5, "same", (28, 28, 1), np.arange(3.0)):
        assert bool(exercises.check(answer, expected)) in (True, False)


@given(st.text(max_size=12).filter(lambda name: name not in data.DATASETS))
def test_unknown_dataset_names_list_the_known_ones(name):
    with pytest.raises(ValueError, match="the known datasets are: cifar10, fashion_mnist, mnist"):
        data.load_dataset(name)
