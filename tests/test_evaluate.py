import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from labhelpers import evaluate

Y_TRUE = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2, 2])
Y_PRED = np.array([0, 0, 1, 1, 1, 2, 2, 0, 0, 1])


def test_as_labels_accepts_every_label_layout():
    expected = np.array([2, 0, 1])
    for given_labels in (expected, expected.reshape(-1, 1), np.eye(3)[expected],
                         np.eye(3)[expected] * 0.8 + 0.05, [2.0, 0.0, 1.0]):
        np.testing.assert_array_equal(evaluate.as_labels(given_labels), expected)


@pytest.mark.parametrize(
    ("bad", "error", "message"),
    [
        (np.array([]), ValueError, "y must be a non-empty"),
        (np.array([0.5, 1.0]), ValueError, "whole-number"),
        (np.array([-1, 2]), ValueError, "negative label"),
        (np.array(["a", "b"]), TypeError, "integer class labels"),
        (np.array([[0.2, np.nan], [0.5, 0.5]]), ValueError, "NaN"),
        (np.zeros((2, 3, 4)), ValueError, "must be labels"),
        (np.array([1.0, np.nan]), ValueError, "NaN or infinite"),
        (np.array([True, False]), TypeError, "integer class labels"),
        (np.array([3, 10**12]), ValueError, "class labels must be indices below 1,000"),
    ],
)
def test_as_labels_rejects_bad_input_by_name(bad, error, message):
    with pytest.raises(error, match=message):
        evaluate.as_labels(bad)


def test_scores():
    result = evaluate.scores(Y_TRUE, Y_PRED)
    assert result["accuracy"] == pytest.approx(0.6)
    # per-class F1: 0 -> 2*2/(3+4)=4/7, 1 -> 2*2/(2+4)=2/3, 2 -> 2*2/(5+2)=4/7
    assert result["macro_f1"] == pytest.approx((4 / 7 + 2 / 3 + 4 / 7) / 3)


def test_mismatched_lengths_are_refused():
    with pytest.raises(ValueError, match="y_true has 10 labels but y_pred has 3"):
        evaluate.scores(Y_TRUE, [0, 1, 2])


def test_per_class_report_names_classes_and_counts_support():
    table = evaluate.per_class_report(Y_TRUE, Y_PRED, class_names=["cat", "dog", "bird"])
    assert list(table.index[:3]) == ["cat", "dog", "bird"]
    assert table.loc["cat", "recall"] == pytest.approx(2 / 3)
    assert table.loc["dog", "precision"] == pytest.approx(2 / 4)
    assert table.loc["bird", "support"] == 5
    assert "macro avg" in table.index


def test_too_few_class_names_is_an_error():
    with pytest.raises(ValueError, match="class_names has 2 names but the labels go up to 2"):
        evaluate.per_class_report(Y_TRUE, Y_PRED, class_names=["cat", "dog"])


def test_compare_accuracy_gives_the_gap_and_its_paired_standard_error():
    better = Y_TRUE.copy()
    better[7] = 1  # one mistake, where Y_PRED makes four
    result = evaluate.compare_accuracy(Y_TRUE, better, Y_PRED)
    assert result["accuracy_a"] == 0.9 and result["accuracy_b"] == 0.6 and result["n"] == 10
    assert result["difference"] == pytest.approx(0.3)
    per_sample = np.array([0, 0, 1, 0, 0, 0, 0, 0, 1, 1], dtype=float)  # a right, b wrong: 1
    assert result["standard_error"] == pytest.approx(per_sample.std(ddof=1) / np.sqrt(10))
    assert result["clear"] is False  # 3 of 10 samples: inside two standard errors
    assert result["verdict"] == "within the noise"
    many = evaluate.compare_accuracy(np.tile(Y_TRUE, 10), np.tile(better, 10), np.tile(Y_PRED, 10))
    assert many["difference"] == pytest.approx(0.3) and many["clear"] is True
    assert many["verdict"] == "beyond the noise"


@pytest.mark.parametrize(("gap", "error", "verdict"), [
    (0.03, 0.01, "beyond the noise"), (-0.03, 0.01, "beyond the noise"),
    (0.02, 0.01, "within the noise"), (0.0, 0.0, "within the noise"),
    (0.5, float("inf"), "within the noise"),
])
def test_noise_verdict_is_two_standard_errors(gap, error, verdict):
    assert evaluate.noise_verdict(gap, error) == verdict


def test_compare_accuracy_of_the_same_predictions_is_no_gap():
    result = evaluate.compare_accuracy(Y_TRUE, Y_PRED, Y_PRED)
    assert result["difference"] == 0 and result["standard_error"] == 0
    assert result["clear"] is False


def test_accuracy_gap_from_two_accuracies():
    # report 000: 0.7153 vs 0.7149 on 10,000 images: s.e. sqrt((a(1-a) + b(1-b)) / n)
    result = evaluate.accuracy_gap(0.7153, 0.7149, 10_000)
    assert result["difference"] == pytest.approx(0.0004)
    assert result["standard_error"] == pytest.approx(0.006383, abs=1e-6)
    assert result["verdict"] == "within the noise" and result["clear"] is False
    clear = evaluate.accuracy_gap(0.95, 0.90, 2_000)
    assert clear["clear"] and clear["verdict"] == "beyond the noise"


@pytest.mark.parametrize("args, error", [((1.2, 0.5, 100), ValueError),
                                         ((0.5, 0.5, 0), ValueError),
                                         ((0.5, "0.4", 100), TypeError)])
def test_accuracy_gap_refuses_bad_input(args, error):
    with pytest.raises(error):
        evaluate.accuracy_gap(*args)


def test_compare_accuracy_refuses_mismatched_lengths():
    with pytest.raises(ValueError, match="have 10, 10 and 9 labels"):
        evaluate.compare_accuracy(Y_TRUE, Y_PRED, Y_PRED[:9])


def test_most_confused_pairs_ranks_mistakes():
    table = evaluate.most_confused_pairs(Y_TRUE, Y_PRED, k=3)
    assert list(table.itertuples(index=False, name=None))[0] == ("2", "0", 2, 0.4)
    assert set(map(tuple, table[["true", "predicted"]].values)) == {("2", "0"), ("2", "1"),
                                                                     ("0", "1")}
    assert table["count"].is_monotonic_decreasing


def test_most_confused_pairs_of_a_perfect_classifier_is_empty():
    table = evaluate.most_confused_pairs(Y_TRUE, Y_TRUE)
    assert isinstance(table, pd.DataFrame) and table.empty


def test_worst_classified_orders_by_probability_of_the_true_class():
    probabilities = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.45, 0.55]])
    y_true = np.array([0, 0, 1, 1])
    table = evaluate.worst_classified(probabilities, y_true, k=3, class_names=["a", "b"])
    assert list(table.index) == [1, 2, 3]
    assert list(table["p_true"]) == pytest.approx([0.2, 0.4, 0.55])
    assert list(table["predicted"]) == ["b", "a", "b"]


@pytest.mark.parametrize(
    ("probabilities", "y_true", "k", "message"),
    [
        (np.ones((3, 2)) / 2, [0, 1], 1, "3 rows but y_true has 2"),
        (np.ones((2, 2)) / 2, [0, 2], 1, "label 2 but probabilities has only 2"),
        (np.ones(4), [0, 1, 0, 1], 1, "shape \\(n, n_classes\\)"),
        (np.ones((2, 2)) / 2, [0, 1], 0, "k must be a positive integer"),
    ],
)
def test_worst_classified_bad_input(probabilities, y_true, k, message):
    with pytest.raises(ValueError, match=message):
        evaluate.worst_classified(probabilities, y_true, k=k)


def test_model_report_row():
    import keras

    keras.utils.set_random_seed(0)
    x = np.random.rand(40, 4).astype("float32")
    y = (x[:, 0] > 0.5).astype(int)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    row = evaluate.model_report(model, x, y, name="tiny", train_seconds=1.234)
    assert row["name"] == "tiny" and row["parameters"] == 10 and row["train_s"] == 1.2
    assert 0 <= row["accuracy"] <= 1 and np.isfinite(row["test_loss"])
    expected = evaluate.scores(y, model.predict(x, verbose=0))
    assert row["accuracy"] == pytest.approx(expected["accuracy"])
    compiled = model.evaluate(x, y, verbose=0, return_dict=True)["loss"]
    assert row["test_loss"] == pytest.approx(compiled, rel=1e-4)
    with pytest.raises(ValueError, match="x_test has 40 samples but y_test has 3"):
        evaluate.model_report(model, x, y[:3], name="tiny", train_seconds=0)


labels = hnp.arrays(np.int64, st.integers(1, 60), elements=st.integers(0, 5))


@given(labels, st.integers(0, 2**32 - 1))
def test_properties_of_scores_and_confusions(y_true, seed):
    y_pred = np.random.default_rng(seed).integers(0, 6, len(y_true))
    result = evaluate.scores(y_true, y_pred)
    assert 0 <= result["accuracy"] <= 1 and 0 <= result["macro_f1"] <= 1
    assert evaluate.scores(y_true, y_true)["accuracy"] == 1.0
    pairs = evaluate.most_confused_pairs(y_true, y_pred, k=100)
    assert pairs["count"].sum() == int((y_true != y_pred).sum())


@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 30), st.integers(2, 6)),
                  elements=st.floats(0, 1)), st.integers(1, 40))
def test_properties_of_worst_classified(probabilities, k):
    y_true = np.arange(len(probabilities)) % probabilities.shape[1]
    table = evaluate.worst_classified(probabilities, y_true, k=k)
    assert len(table) == min(k, len(probabilities))
    assert table["p_true"].is_monotonic_increasing
    p_true = probabilities[np.arange(len(y_true)), y_true]
    assert table["p_true"].iloc[0] == p_true.min()


def test_worst_classified_ranks_logits_by_their_softmax_probability():
    # sample 0: true-class logit 2 but another class at 10 (p_true tiny); sample 1: true-class
    # logit 1 and the others at -5 (p_true near 1). Ranking raw logits would put sample 1 first.
    logits = np.array([[2.0, 10.0, 0.0], [1.0, -5.0, -5.0]])
    table = evaluate.worst_classified(logits, [0, 0], k=2)
    assert table.index.tolist() == [0, 1]
    assert table["p_true"].iloc[0] < 0.001 and table["p_true"].iloc[1] > 0.99


def test_check_loss_fell_names_the_run_that_did_not_learn(capsys):
    evaluate.check_loss_fell({"good": {"loss": [2.3, 1.1, 0.4]}})
    assert capsys.readouterr().out == "✅ good: training loss from 2.300 to 0.400\n"
    with pytest.raises(AssertionError, match=r"flat: the training loss did not go down "
                                             r"\(2\.3, 2\.3\)"):
        evaluate.check_loss_fell({"flat": {"loss": [2.3, 2.3]}})
    with pytest.raises(AssertionError, match="nan: the loss is not a number .*scaling"):
        evaluate.check_loss_fell({"nan": {"loss": [2.3, float("nan")]}})
    with pytest.raises(TypeError, match="keras History or a dict"):
        evaluate.check_loss_fell({"odd": [2.3, 1.0]})


def test_cross_entropy_matches_keras():
    import keras

    rng = np.random.default_rng(0)
    logits = rng.normal(size=(50, 4)) * 3
    probabilities = (np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)).astype("float32")
    probabilities[0] = [1.0, 0.0, 0.0, 0.0]  # a certain mistake for label 3: clipped, finite
    y = rng.integers(0, 4, size=50)
    y[0] = 3
    expected = keras.ops.convert_to_numpy(
        keras.losses.sparse_categorical_crossentropy(y, probabilities)
    ).mean()
    assert evaluate.cross_entropy(y, probabilities) == pytest.approx(expected, rel=1e-4)
    assert evaluate.cross_entropy(y[:1], probabilities[:1]) == pytest.approx(-np.log(1e-7))


@pytest.mark.parametrize(
    "y, probabilities, message",
    [
        ([0, 1], [[0.5, 0.5], [2.0, -1.0]], "sum to 1.*softmax"),
        ([0, 1], [[3.0, 1.0], [0.2, 0.2]], "rows sum from 0.4 to 4"),
        ([0, 1, 1], [[0.5, 0.5], [0.5, 0.5]], "probabilities has 2 rows but y_true has 3 labels"),
        ([0, 2], [[0.5, 0.5], [0.5, 0.5]], "y_true holds label 2 but probabilities has only 2"),
        ([0, 1], [0.5, 0.5], "must have shape"),
    ],
)
def test_cross_entropy_bad_input(y, probabilities, message):
    with pytest.raises(ValueError, match=message):
        evaluate.cross_entropy(np.array(y), np.array(probabilities))
