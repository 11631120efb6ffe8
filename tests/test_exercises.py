import numpy as np
import pytest

from labhelpers import exercises


def verdict(capsys, *args, **kwargs):
    result = exercises.check(*args, **kwargs)
    assert isinstance(result, exercises.Verdict)
    return bool(result), capsys.readouterr().out.strip()


def test_right_number(capsys):
    result, said = verdict(capsys, 238_510, 238_510, what="the number of parameters")
    assert result is True and said == "✅ Right: the number of parameters is 238,510."


def test_not_answered_yet_is_not_an_error(capsys):
    for placeholder in (None, ...):
        result, said = verdict(capsys, placeholder, 5, what="the count")
        assert result is False and said.startswith("⏳ Not answered yet") and "the count" in said


def test_wrong_number_says_which_way_and_hints_without_revealing(capsys):
    result, said = verdict(capsys, 238_500, 238_510, what="the count", hint="count the biases")
    assert result is False
    assert "238,500, which is too small" in said and "Hint: count the biases" in said
    assert "238,510" not in said
    assert "too large" in verdict(capsys, 9, 3)[1]


def test_huge_and_complex_numbers_are_judged_not_crashed(capsys):
    assert "too small" in verdict(capsys, -(2**70), 7)[1]
    assert "not a finite real number" in verdict(capsys, 1 + 2j, 7)[1]


def test_tolerance_for_floats(capsys):
    assert verdict(capsys, 0.30000001, 0.3)[0] is True
    assert verdict(capsys, 0.31, 0.3, atol=0.02)[0] is True
    assert verdict(capsys, 0.35, 0.3, atol=0.02)[0] is False


@pytest.mark.parametrize(
    ("answer", "expected", "said"),
    [
        ("238510", 238_510, "should be a number, but it is str"),
        (True, 1, "should be a number, but it is bool"),
        (float("nan"), 1.0, "not a finite real number"),
        (np.zeros(3), np.zeros(4), "has shape (3,), but it should have shape (4,)"),
        (np.array([1, 2, 9]), np.array([1, 2, 3]), "differs from the expected values in 1 of 3"),
        (np.array(["a"]), np.array([1.0]), "should hold numbers"),
        ((28, 28), (28, 28, 1), "has 2 items, but it should have 3"),
        ("valid", "same", "is 'valid', which is not the expected answer"),
        ([1, 2], "text", "should be a str, but it is list"),
    ],
)
def test_wrong_answers_are_explained(capsys, answer, expected, said):
    result, message = verdict(capsys, answer, expected)
    assert result is False and message.startswith("❌ Not yet:") and said in message


def test_arrays_tuples_and_strings_that_match(capsys):
    assert verdict(capsys, np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-9]))[0]
    assert verdict(capsys, [28, 28, 1], (28, 28, 1))[0]
    assert verdict(capsys, " Same ", "same")[0]


def test_a_verdict_shows_nothing_as_a_cells_last_value():
    from IPython.core.formatters import DisplayFormatter

    data, _ = DisplayFormatter().format(exercises.check(1, 2))
    assert data == {}
    assert repr(exercises.Verdict(True)) == "Verdict(right=True)"
