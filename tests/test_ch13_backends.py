"""Tests of labhelpers.backends. They need only TensorFlow: torch and JAX may be absent."""

import importlib.util
import json

import pytest

from labhelpers.chapters import ch13_backends as backends


def report_backend(scale=1):
    """Runs in the child: which backend Keras chose there, and a computed value."""
    import os

    import keras

    return {"keras_backend": keras.backend.backend(), "env": os.environ["KERAS_BACKEND"],
            "value": 2 * scale}


def fail_loudly():
    raise RuntimeError("this child failed on purpose")


def returns_a_list():
    return [1, 2, 3]


def returns_a_reserved_key():
    return {"device": "mine"}


def prints_and_returns():
    print("hello from the child")
    return {"ok": True}


def sleeps():
    import time

    time.sleep(30)
    return {}


def hide_package(monkeypatch, backend):
    """Make `backend` need a package that no machine has."""
    monkeypatch.setitem(backends.PACKAGES, backend, "no_such_package_for_labhelpers_tests")


# --- names and availability ----------------------------------------------------------------


def test_the_three_keras_backends_are_known():
    assert backends.BACKENDS == ("tensorflow", "jax", "torch")
    assert all(backends.check_backend(name) == name for name in backends.BACKENDS)


@pytest.mark.parametrize("bad", ["pytorch", "TensorFlow", "", "numpy"])
def test_unknown_backend_names_are_refused(bad):
    with pytest.raises(ValueError, match="backend must be one of"):
        backends.check_backend(bad)
    with pytest.raises(ValueError):
        backends.is_available(bad)


def test_a_backend_name_must_be_a_string():
    with pytest.raises(TypeError, match="backend must be a string"):
        backends.check_backend(3)


def test_tensorflow_is_available_here():
    assert backends.is_available("tensorflow")
    assert backends.missing_reason("tensorflow") is None


@pytest.mark.parametrize("backend", backends.BACKENDS)
def test_availability_matches_importlib(backend):
    installed = importlib.util.find_spec(backends.PACKAGES[backend]) is not None
    assert backends.is_available(backend) == installed
    assert (backends.availability()[backend] is None) == installed


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_a_missing_backend_is_reported_with_how_to_install_it(monkeypatch, backend):
    hide_package(monkeypatch, backend)
    assert not backends.is_available(backend)
    reason = backends.missing_reason(backend)
    assert backend in reason and "not installed" in reason
    assert "pip install" in reason and ".[backends]" in reason
    assert backends.availability(["tensorflow", backend]) == {"tensorflow": None, backend: reason}


def test_running_on_a_missing_backend_raises_a_clear_error(monkeypatch):
    hide_package(monkeypatch, "jax")
    with pytest.raises(backends.BackendUnavailableError, match="'jax'.*not installed.*pip install"):
        backends.run_in_backend("jax", report_backend)


# --- what can be sent to a child -----------------------------------------------------------


def test_function_source_is_the_functions_own_code():
    source = backends.function_source(report_backend)
    assert source.startswith("def report_backend(scale=1):")
    assert "keras.backend.backend()" in source


def test_nested_functions_are_dedented():
    def inner(a=1):
        return {"a": a}

    assert backends.function_source(inner).startswith("def inner(a=1):")


@pytest.mark.parametrize("bad", [lambda: {}, print, "report_backend", 3])
def test_only_plain_functions_can_be_sent(bad):
    with pytest.raises(TypeError, match="function"):
        backends.function_source(bad)


def test_closures_are_refused_because_the_child_cannot_see_their_variables():
    outer_value = 3

    def closure():
        return {"v": outer_value}

    with pytest.raises(TypeError, match="self-contained"):
        backends.function_source(closure)


def test_kwargs_must_be_a_json_dict():
    with pytest.raises(TypeError, match="JSON"):
        backends.run_in_backend("tensorflow", report_backend, {"scale": object()})
    with pytest.raises(TypeError, match="kwargs must be a dict"):
        backends.run_in_backend("tensorflow", report_backend, [1])


def test_timeout_must_be_positive():
    with pytest.raises(ValueError, match="timeout"):
        backends.run_in_backend("tensorflow", report_backend, timeout=0)


def test_child_environment_sets_the_backend_and_finds_labhelpers(monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    monkeypatch.setenv("PYTHONPATH", "/somewhere")
    environment = backends._child_environment("torch", {"EXTRA": "1"})
    assert environment["KERAS_BACKEND"] == "torch"
    assert environment["EXTRA"] == "1"
    paths = environment["PYTHONPATH"].split(":")
    assert "/somewhere" in paths
    assert importlib.util.find_spec("labhelpers").submodule_search_locations[0].startswith(paths[0])


# --- running in a child (TensorFlow only, so that these run everywhere) ---------------------


@pytest.fixture(scope="module")
def tensorflow_result():
    return backends.run_in_backend("tensorflow", report_backend, {"scale": 21}, timeout=300)


def test_the_child_uses_the_requested_backend(tensorflow_result):
    assert tensorflow_result["keras_backend"] == "tensorflow"
    assert tensorflow_result["env"] == "tensorflow"
    assert tensorflow_result["value"] == 42
    assert tensorflow_result["backend"] == "tensorflow"


def test_the_childs_device_and_versions_are_reported(tensorflow_result):
    device = tensorflow_result["device"]
    assert device["kind"] in {"CPU", "GPU"}
    assert isinstance(device["name"], str) and device["name"]
    versions = tensorflow_result["versions"]
    assert versions["keras backend"] == "tensorflow"
    assert versions["keras"].startswith("3.")
    assert versions["tensorflow"][0].isdigit()
    assert tensorflow_result["wall_s"] > 0
    json.dumps(tensorflow_result)  # everything is plain JSON


def test_the_same_function_gives_the_same_source_hash(tensorflow_result):
    first = backends.run_in_backend("tensorflow", prints_and_returns, describe=False)
    again = backends.run_in_backend("tensorflow", prints_and_returns, describe=False)
    assert first["source_sha256"] == again["source_sha256"]
    assert first["source_sha256"] != tensorflow_result["source_sha256"]
    assert "hello from the child" in first["log"]


def test_a_failing_child_raises_with_its_error_message():
    with pytest.raises(backends.BackendRunError, match="this child failed on purpose"):
        backends.run_in_backend("tensorflow", fail_loudly, timeout=300, describe=False)


def test_a_child_must_return_a_dict():
    with pytest.raises(backends.BackendRunError, match="must return a dict"):
        backends.run_in_backend("tensorflow", returns_a_list, timeout=300, describe=False)


def test_reserved_keys_are_refused():
    with pytest.raises(backends.BackendRunError, match="reserved keys"):
        backends.run_in_backend("tensorflow", returns_a_reserved_key, timeout=300, describe=False)


def test_without_describe_nothing_is_detected():
    result = backends.run_in_backend("tensorflow", prints_and_returns, describe=False)
    assert result["ok"] is True
    assert result["device"] is None and result["versions"] == {}
    assert result["wall_s"] >= 0


def test_a_child_past_its_timeout_is_stopped():
    with pytest.raises(backends.BackendRunError, match="ran past 1 s"):
        backends.run_in_backend("tensorflow", sleeps, timeout=1, describe=False)


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_an_optional_backend_runs_here(backend):
    """Skipped, with how to install it, where the backend is missing (failed in CI)."""
    reason = backends.missing_reason(backend)
    if reason is not None:
        pytest.skip(reason)
    result = backends.run_in_backend(backend, report_backend, {"scale": 2}, timeout=300)
    assert result["keras_backend"] == backend and result["value"] == 4


def test_run_all_skips_missing_backends_and_says_why(monkeypatch, capsys):
    monkeypatch.delenv("LAB_NO_SKIPS", raising=False)
    hide_package(monkeypatch, "torch")
    results, skipped = backends.run_all(
        ["tensorflow", "torch"], prints_and_returns, timeout=300, describe=False
    )
    assert list(results) == ["tensorflow"] and results["tensorflow"]["ok"] is True
    assert list(skipped) == ["torch"] and "not installed" in skipped["torch"]
    printed = capsys.readouterr().out
    assert "SKIPPED torch" in printed and "tensorflow" in printed


def test_run_all_refuses_to_skip_under_lab_no_skips(monkeypatch):
    monkeypatch.setenv("LAB_NO_SKIPS", "1")
    hide_package(monkeypatch, "torch")
    with pytest.raises(backends.BackendUnavailableError, match="LAB_NO_SKIPS=1.*torch"):
        backends.run_all(["tensorflow", "torch"], prints_and_returns, describe=False)


@pytest.mark.parametrize("bad", [[], "tensorflow", ["tensorflow", "mxnet"]])
def test_run_all_checks_its_backend_list(bad):
    with pytest.raises(ValueError):
        backends.run_all(bad, report_backend)
