"""Run the same training function under each Keras 3 backend, each in its own process.

Keras 3 reads its backend (``"tensorflow"``, ``"jax"`` or ``"torch"``) once, when it is
first imported, from the environment variable ``KERAS_BACKEND``; a running Python process
cannot switch. :func:`run_in_backend` therefore starts a fresh Python for each backend, sets
``KERAS_BACKEND`` in its environment, sends it the *source code* of a self-contained
function, calls it there and returns what it returned (a dict of JSON values), plus the
backend's version and the device it trained on.

Nothing here imports TensorFlow, JAX or PyTorch; availability is checked without importing.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

BACKENDS: tuple[str, ...] = ("tensorflow", "jax", "torch")
# The Python package each backend needs, and how to install it (the book's extra pins the
# CPU build of PyTorch: a plain `pip install torch` on Linux takes a CUDA build of several GB).
PACKAGES: dict[str, str] = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}
INSTALL_HINTS: dict[str, str] = {
    "tensorflow": 'pip install "tensorflow>=2.16"',
    "jax": 'pip install -e ".[backends]" (or: pip install jax)',
    "torch": (
        'pip install -e ".[backends]" (or, for the CPU build: pip install torch '
        "--index-url https://download.pytorch.org/whl/cpu)"
    ),
}
RESULT_KEYS = ("backend", "device", "versions", "wall_s", "source_sha256", "log")


class BackendUnavailableError(RuntimeError):
    """The package a backend needs is not installed; the message says how to install it."""


class BackendRunError(RuntimeError):
    """The child process failed; the message ends with the last lines it wrote."""


def check_backend(backend: str) -> str:
    """Return ``backend`` if it is one of :data:`BACKENDS`, else raise ValueError."""
    if not isinstance(backend, str):
        raise TypeError(f"backend must be a string, got {type(backend).__name__}")
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}; got {backend!r}")
    return backend


def is_available(backend: str) -> bool:
    """True when the package that ``backend`` needs can be imported (it is not imported)."""
    return importlib.util.find_spec(PACKAGES[check_backend(backend)]) is not None


def missing_reason(backend: str) -> str | None:
    """None when ``backend`` is installed, else what is missing and how to install it."""
    if is_available(backend):
        return None
    return (
        f"the Keras backend {backend!r} needs the Python package {PACKAGES[backend]!r}, "
        f"which is not installed here. To add it: {INSTALL_HINTS[backend]}."
    )


def availability(backends: Iterable[str] = BACKENDS) -> dict[str, str | None]:
    """Map each backend to None (installed) or the reason it is missing."""
    return {backend: missing_reason(backend) for backend in backends}


def function_source(function: Callable) -> str:
    """The source code of a plain, self-contained function, as the child process receives it.

    Raises TypeError for lambdas, methods, builtins and anything whose source is unknown.
    """
    if not inspect.isfunction(function) or function.__name__ == "<lambda>":
        raise TypeError(
            f"function must be a function defined with `def`, got {function!r}: its source "
            "code is sent to a new process"
        )
    if function.__closure__:
        raise TypeError(
            f"function {function.__name__} uses variables of an enclosing function; make it "
            "self-contained (imports and values inside, arguments for the rest)"
        )
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError) as error:
        raise TypeError(f"cannot read the source code of {function.__name__}: {error}") from error
    return textwrap.dedent(source)


# The child: reads a JSON request, runs the function, writes a JSON answer to a file.
# KERAS_BACKEND is already in its environment, so the first `import keras` uses it.
_CHILD = r"""
import json, sys, time
request = json.loads(sys.stdin.read())
namespace = {"__name__": "__labhelpers_child__"}
exec(compile(request["source"], "<" + request["name"] + ">", "exec"), namespace)
start = time.perf_counter()
result = namespace[request["name"]](**request["kwargs"])
wall = time.perf_counter() - start
if request["describe"]:
    from labhelpers.chapters.ch13_backends import _describe_backend
answer = {"result": result, "wall_s": wall, "device": None, "versions": {}}
if request["describe"]:
    answer.update(_describe_backend(request["backend"]))
with open(request["answer_path"], "w") as handle:
    json.dump(answer, handle)
"""


def _describe_backend(backend: str) -> dict:
    """In the child, after the run: the versions and the device ``backend`` trained on."""
    import keras

    versions = {"keras": keras.__version__, "keras backend": keras.backend.backend()}
    if backend == "tensorflow":
        import tensorflow as tf

        versions["tensorflow"] = tf.__version__
        gpus = tf.config.list_physical_devices("GPU")
        device = {"kind": "GPU" if gpus else "CPU", "name": gpus[0].name if gpus else "cpu"}
    elif backend == "jax":
        import jax

        versions["jax"] = jax.__version__
        first = jax.devices()[0]
        kind = {"cpu": "CPU", "gpu": "GPU", "tpu": "TPU"}.get(jax.default_backend(), "?")
        device = {"kind": kind, "name": str(getattr(first, "device_kind", first))}
    else:
        import torch

        versions["torch"] = torch.__version__
        if torch.cuda.is_available():
            device = {"kind": "GPU", "name": torch.cuda.get_device_name(0)}
        elif getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            device = {"kind": "Apple Metal", "name": "mps"}
        else:
            device = {"kind": "CPU", "name": "cpu"}
    return {"versions": versions, "device": device}


def _child_environment(backend: str, extra: dict[str, str] | None) -> dict[str, str]:
    environment = dict(os.environ)
    environment.update(extra or {})
    environment["KERAS_BACKEND"] = backend
    environment.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # the child must import this very labhelpers, installed or not
    package_root = str(Path(__file__).resolve().parents[1])
    paths = [package_root] + [p for p in environment.get("PYTHONPATH", "").split(os.pathsep) if p]
    environment["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    return environment


def run_in_backend(
    backend: str,
    function: Callable,
    kwargs: dict | None = None,
    *,
    timeout: float | None = None,
    env: dict[str, str] | None = None,
    verbose: bool = False,
    describe: bool = True,
) -> dict:
    """Call ``function(**kwargs)`` in a new Python process whose Keras uses ``backend``.

    Parameters
    ----------
    backend : {"tensorflow", "jax", "torch"}
    function : function
        Self-contained (its imports inside it) and returning a dict of JSON values
        (numbers, strings, lists, dicts). Its source code is what the child runs.
    kwargs : dict, optional
        JSON-serialisable keyword arguments.
    timeout : float, optional
        Seconds before the child is stopped (BackendRunError).
    env : dict, optional
        Extra environment variables for the child.
    verbose : bool
        Print what the child printed.
    describe : bool
        Detect the device and versions after the run (imports Keras and the backend in the
        child if the function did not). False gives ``device=None`` and ``versions={}``.

    Returns
    -------
    dict
        What ``function`` returned, plus ``backend``, ``device`` ({"kind", "name"}),
        ``versions``, ``wall_s`` (seconds inside the function, import of Keras included
        when the function imports it), ``source_sha256`` (of the code that ran) and ``log``
        (what the child printed).

    Raises
    ------
    BackendUnavailableError
        The backend's package is not installed.
    BackendRunError
        The child failed or timed out; the message holds the end of its output.
    """
    check_backend(backend)
    source = function_source(function)
    kwargs = {} if kwargs is None else kwargs
    if not isinstance(kwargs, dict):
        raise TypeError(f"kwargs must be a dict, got {type(kwargs).__name__}")
    try:
        json.dumps(kwargs)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"kwargs must be JSON-serialisable (numbers, strings, lists): {error}"
        ) from error
    if timeout is not None and not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds or None, got {timeout!r}")
    reason = missing_reason(backend)
    if reason is not None:
        raise BackendUnavailableError(reason[0].upper() + reason[1:])
    with tempfile.TemporaryDirectory(prefix="labhelpers-backend-") as folder:
        answer_path = Path(folder) / "answer.json"
        request = {"source": source, "name": function.__name__, "kwargs": kwargs,
                   "backend": backend, "answer_path": str(answer_path),
                   "describe": bool(describe)}
        try:
            completed = subprocess.run(
                [sys.executable, "-c", _CHILD], input=json.dumps(request), text=True,
                capture_output=True, timeout=timeout, env=_child_environment(backend, env),
            )
        except subprocess.TimeoutExpired as error:
            raise BackendRunError(
                f"{function.__name__} on the {backend} backend ran past {timeout} s and was stopped"
            ) from error
        log = completed.stdout
        if verbose and log:
            print(log, end="" if log.endswith("\n") else "\n")
        if completed.returncode != 0 or not answer_path.is_file():
            tail = "\n".join((completed.stderr or completed.stdout).strip().splitlines()[-15:])
            raise BackendRunError(
                f"{function.__name__} failed on the {backend} backend (exit code "
                f"{completed.returncode}). Its last lines:\n{tail}"
            )
        answer = json.loads(answer_path.read_text())
    result = answer["result"]
    if not isinstance(result, dict):
        raise BackendRunError(
            f"{function.__name__} must return a dict, but returned {type(result).__name__}"
        )
    clash = sorted(set(result) & set(RESULT_KEYS))
    if clash:
        raise BackendRunError(f"{function.__name__} returned reserved keys {clash}; rename them")
    return {
        **result,
        "backend": backend,
        "device": answer["device"],
        "versions": answer["versions"],
        "wall_s": float(answer["wall_s"]),
        "source_sha256": hashlib.sha256(source.encode()).hexdigest(),
        "log": log,
    }


def run_all(
    backends: Sequence[str],
    function: Callable,
    kwargs: dict | None = None,
    *,
    timeout: float | None = None,
    verbose: bool = True,
    describe: bool = True,
) -> tuple[dict[str, dict], dict[str, str]]:
    """Run ``function`` on each backend in turn; skip (and say why) those not installed.

    ``timeout`` and ``describe`` are passed to :func:`run_in_backend`; ``verbose`` prints
    a line per backend. With ``LAB_NO_SKIPS=1`` (CI) a missing backend raises
    :class:`BackendUnavailableError` instead of being skipped.

    Returns
    -------
    results : dict
        backend -> what :func:`run_in_backend` returned, for the backends that ran.
    skipped : dict
        backend -> the reason it was skipped.
    """
    if isinstance(backends, str) or not len(backends):
        raise ValueError(f"backends must be a non-empty list of backend names, got {backends!r}")
    for backend in backends:
        check_backend(backend)
    results: dict[str, dict] = {}
    skipped: dict[str, str] = {}
    for backend in backends:
        reason = missing_reason(backend)
        if reason is not None and os.environ.get("LAB_NO_SKIPS") == "1":
            raise BackendUnavailableError(f"LAB_NO_SKIPS=1 allows no skip: {reason}")
        if reason is not None:
            skipped[backend] = reason
            if verbose:
                print(f"SKIPPED {backend}: {reason}")
            continue
        start = time.perf_counter()
        results[backend] = run_in_backend(
            backend, function, kwargs, timeout=timeout, describe=describe
        )
        if verbose:
            device = results[backend]["device"] or {"kind": "an undetected device", "name": "-"}
            print(
                f"{backend:<10} ran on {device['kind']} ({device['name']}) in "
                f"{time.perf_counter() - start:.1f} s, process start included"
            )
    return results, skipped
