import platform

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
    assert f"fingerprint: {device.fingerprint()}\n" in printed


def test_fingerprint_names_versions_device_policy_mode_and_seed(monkeypatch):
    import keras
    import tensorflow as tf

    monkeypatch.setenv("LAB_QUICK", "1")
    device.set_seed(7)
    line = device.fingerprint()
    assert "\n" not in line
    for part in [
        f"Python {platform.python_version()}",
        f"TensorFlow {tf.__version__}",
        f"Keras {keras.__version__} (tensorflow backend)",
        f"NumPy {np.__version__}",
        device.detect_accelerator()["kind"],
        "float32",
        "quick mode",
        "seed 7",
    ]:
        assert part in line.split(" | "), (part, line)
    monkeypatch.setenv("LAB_QUICK", "0")
    assert "full mode" in device.fingerprint().split(" | ")
    keras.mixed_precision.set_global_policy("mixed_bfloat16")  # as speedups() may set it
    try:
        assert "mixed_bfloat16" in device.fingerprint().split(" | ")
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_fingerprint_before_set_seed_says_the_default_was_not_set(monkeypatch):
    monkeypatch.setattr(device, "_seed_in_force", None)
    assert device.fingerprint().endswith(" | seed 42 (default, set_seed not called)")


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


@pytest.mark.parametrize(
    ("kind", "capability", "bfloat16_cpu", "policy", "xla"),
    [
        ("CPU", None, False, "float32", False),
        ("CPU", None, True, "mixed_bfloat16", False),  # AVX512_BF16 or AMX
        ("Apple Metal", None, False, "float32", True),
        ("GPU", (6, 1), False, "float32", True),  # Pascal: no Tensor Cores
        ("GPU", (7, 0), False, "mixed_float16", True),  # Volta
        ("GPU", (9, 0), True, "mixed_float16", True),  # Hopper, whatever its host CPU
        ("GPU", None, False, "float32", True),  # capability unknown: stay safe
    ],
)
def test_choose_speedups_picks_the_policy_the_hardware_computes_fast(
    kind, capability, bfloat16_cpu, policy, xla
):
    chosen = device.choose_speedups(kind, capability, bfloat16_cpu)
    assert (chosen["policy"], chosen["jit_compile"]) == (policy, xla)
    assert chosen["reason"]


def test_choose_speedups_rejects_an_unknown_device():
    with pytest.raises(ValueError, match="kind must be"):
        device.choose_speedups("TPU")


def test_cpu_bfloat16_reads_the_cpu_flags(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_bf16\n")
    assert device.cpu_bfloat16(str(cpuinfo)) is True
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f\n")
    assert device.cpu_bfloat16(str(cpuinfo)) is False
    assert device.cpu_bfloat16(str(tmp_path / "missing")) is False  # macOS, Windows


def test_speedups_set_the_policy_they_report():
    import keras

    keras.mixed_precision.set_global_policy("mixed_float16")  # a stale setting to undo
    try:
        chosen = device.speedups()
        assert keras.mixed_precision.global_policy().name == chosen["policy"]
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
        expected_dtype = {"float32": "float32", "mixed_float16": "float16",
                          "mixed_bfloat16": "bfloat16"}[chosen["policy"]]
        assert model.layers[0].compute_dtype == expected_dtype
        model.compile(loss="mse")  # jit_compile="auto", as in every chapter
        assert model.jit_compile is chosen["jit_compile"]
        if device.detect_accelerator()["kind"] == "CPU":
            assert chosen["policy"] == ("mixed_bfloat16" if device.cpu_bfloat16() else "float32")
            assert model.jit_compile is False
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_speedups_apply_false_changes_nothing():
    import keras

    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        assert device.speedups(apply=False)["policy"] == "mixed_float16"
    finally:
        keras.mixed_precision.set_global_policy("float32")


@pytest.mark.parametrize("value", ["1", "true", "YES", " on "])
def test_quick_mode_on(monkeypatch, value):
    monkeypatch.setenv("LAB_QUICK", value)
    assert device.is_quick() is True
    assert device.pick(full=20, quick=1) == 1


@pytest.mark.parametrize("value", ["0", "false", "no", "off", ""])
def test_quick_mode_off(monkeypatch, value):
    monkeypatch.setenv("LAB_QUICK", value)
    assert device.is_quick() is False
    assert device.pick(full=20, quick=1) == 20


def test_quick_mode_off_when_unset(monkeypatch):
    monkeypatch.delenv("LAB_QUICK", raising=False)
    assert device.is_quick() is False
    assert device.pick(full=None, quick=2000) is None


def test_unknown_value_says_what_to_use(monkeypatch):
    monkeypatch.setenv("LAB_QUICK", "maybe")
    with pytest.raises(ValueError, match="LAB_QUICK='maybe'.*1 \\(quick\\) or 0 \\(full\\)"):
        device.is_quick()


def test_timer_measures_wall_and_cpu_time():
    import time

    with device.timer() as clock:
        assert clock.seconds is None
        time.sleep(0.05)
        sum(i * i for i in range(200_000))
    assert 0.05 <= clock.seconds < 5
    assert 0 < clock.cpu_seconds < clock.seconds + 5


def test_epoch_timer_times_every_epoch_of_each_fit():
    import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    per_epoch = device.epoch_timer()
    x, y = np.zeros((8, 3)), np.zeros((8, 2))
    model.fit(x, y, epochs=3, verbose=0, callbacks=[per_epoch])
    assert len(per_epoch.seconds) == len(per_epoch.cpu_seconds) == 3
    assert all(0 < s < 60 for s in per_epoch.seconds)
    model.fit(x, y, epochs=2, verbose=0, callbacks=[per_epoch])
    assert len(per_epoch.seconds) == 2


def test_about_this_run_says_data_mode_device_and_wall_time(capsys, monkeypatch):
    from labhelpers import data

    monkeypatch.setenv("LAB_QUICK", "1")
    monkeypatch.setattr(device, "_chapter_started", None)
    device.about_this_run()
    assert "wall time   : unknown" in capsys.readouterr().out
    monkeypatch.setattr(device, "_chapter_started", device.time.perf_counter() - 90)
    loaded = data.LoadedData((np.zeros((3, 2, 2)), np.zeros(3)), (np.zeros((1, 2, 2)), np.zeros(1)),
                             name="toy", kind="stand-in", source="generated", class_names=("a",))
    device.about_this_run(loaded)
    out = capsys.readouterr().out
    assert "toy: 3 train + 1 test images" in out and "stand-in" in out
    assert "mode        : quick" in out and "fingerprint : Python" in out
    assert "wall time   : 1.5 min since Setup" in out
    with pytest.raises(TypeError, match="data.load_"):
        device.about_this_run(np.zeros(3))
