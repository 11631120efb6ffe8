import numpy as np
import pytest

from labhelpers import device


def test_detect_accelerator_on_this_machine_is_a_note_not_an_error():
    found = device.detect_accelerator()
    assert found["kind"] in {"GPU", "Apple Metal", "CPU"}
    assert isinstance(found["names"], list)
    if found["kind"] == "CPU":
        assert found["names"] == [] and "No GPU" in found["note"]


def test_summary_reports_versions_threads_and_settings(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("LAB_QUICK", "1")
    monkeypatch.setenv("LAB_DATA_HOME", str(tmp_path))
    summary = device.summary()
    assert summary["keras"].startswith("3.")
    assert summary["keras backend"] == "tensorflow"
    assert summary["quick mode"] is True
    assert summary["data home"] == str(tmp_path)
    assert summary["cpu cores"] >= 1
    printed = capsys.readouterr().out
    assert "tensorflow" in printed and str(tmp_path) in printed


def test_set_seed_repeats_numpy_and_keras_draws():
    import keras

    device.set_seed(7)
    first = np.random.rand(3), keras.random.uniform((3,)).numpy()
    device.set_seed(7)
    second = np.random.rand(3), keras.random.uniform((3,)).numpy()
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])


@pytest.mark.parametrize("seed", [-1, 1.5, "42", True])
def test_set_seed_rejects_bad_seeds(seed):
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        device.set_seed(seed)
