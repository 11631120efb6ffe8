"""Quick mode, accelerator detection, versions, training speed-ups, seeding and timing.

Quick mode is one switch that shrinks data and epochs so that the whole book runs in
minutes: with ``LAB_QUICK=1`` (the tests and the quick site build set it) every notebook
trains on fewer samples for fewer epochs. It shrinks work; it never skips code.
TensorFlow is imported inside the functions, never at import time of ``labhelpers``.
"""

from __future__ import annotations

import json
import os
import platform
import random
import time
from typing import TypeVar

import numpy as np

QUICK_ENV = "LAB_QUICK"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}
DEFAULT_SEED = 42
_seed_in_force: int | None = None  # the last seed given to set_seed, None before any
_chapter_started: float | None = None  # when summary() ran, the start of a chapter's Setup
_chapter: str | None = None  # the chapter summary() was told it runs in
_measured: dict[str, float] = {}  # what band() was given since summary(): this run's bands
T = TypeVar("T")


def is_quick() -> bool:
    """Return True when quick mode is on (``LAB_QUICK`` is 1/true/yes/on)."""
    value = os.environ.get(QUICK_ENV, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(
        f"{QUICK_ENV}={os.environ[QUICK_ENV]!r} is not understood: use 1 (quick) or 0 (full)."
    )


def pick(full: T, quick: T) -> T:
    """Return ``quick`` in quick mode, ``full`` otherwise.

    The one place a notebook chooses its sizes, e.g. ``EPOCHS = device.pick(full=20, quick=1)``.
    """
    return quick if is_quick() else full


def detect_accelerator() -> dict[str, object]:
    """The device TensorFlow will train on: ``kind`` ("GPU", "Apple Metal" or "CPU"),
    ``names`` (device names) and ``note`` (a sentence; a missing GPU is a note, not an error)."""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    names = [gpu.name for gpu in gpus]
    if gpus and platform.system() == "Darwin":
        kind, note = "Apple Metal", "Training runs on the Apple GPU through tensorflow-metal."
    elif gpus:
        kind, note = "GPU", f"Training runs on {len(gpus)} GPU(s)."
    else:
        kind = "CPU"
        note = (
            "No GPU found: training runs on the CPU. Every chapter works; full runs take "
            "the CPU times given at the top of each chapter."
        )
    return {"kind": kind, "names": names, "note": note}


# NVIDIA GPUs from Volta (compute capability 7.0) on have float16 matrix units (Tensor
# Cores): there mixed precision roughly doubles the speed of convolutions and Dense layers.
MIXED_PRECISION_MIN_CAPABILITY = (7, 0)


def cpu_bfloat16(cpuinfo: str = "/proc/cpuinfo") -> bool:
    """Whether this CPU has bfloat16 instructions (``avx512_bf16`` or ``amx_bf16``: Intel
    Xeon from Cooper Lake on, AMD from Zen 4 on), read from the ``cpuinfo`` file; False
    where that file is missing (macOS, Windows)."""
    try:
        with open(cpuinfo, encoding="utf-8", errors="replace") as lines:
            flags = next((line for line in lines if line.startswith("flags")), "").split()
    except OSError:
        return False
    return bool({"avx512_bf16", "amx_bf16"} & set(flags))


def choose_speedups(kind: str, compute_capability: tuple[int, int] | None = None,
                    bfloat16_cpu: bool = False) -> dict:
    """Which speed-ups pay on a device ``kind`` (as ``detect_accelerator`` names it) with an
    NVIDIA GPU's ``compute_capability`` (major, minor; None where unknown) or, on a CPU,
    bfloat16 instructions (``bfloat16_cpu``): the rule only, ``speedups`` applies it.
    Returns ``policy`` (the Keras dtype policy), ``jit_compile`` (what Keras 3's default
    ``jit_compile="auto"`` does on TensorFlow) and ``reason`` (a sentence).
    """
    if kind not in {"GPU", "Apple Metal", "CPU"}:
        raise ValueError(f"kind must be 'GPU', 'Apple Metal' or 'CPU', got {kind!r}")
    if kind == "CPU":
        xla = ("XLA made an epoch slower in this book's speed benchmark, so it stays off "
               "(Keras turns it off on a CPU itself).")
        if bfloat16_cpu:
            return {"policy": "mixed_bfloat16", "jit_compile": False, "reason": (
                "CPU with bfloat16 instructions: mixed precision in bfloat16 "
                "(mixed_bfloat16) trains convolutions faster, see the speed benchmark; " + xla
            )}
        return {"policy": "float32", "jit_compile": False, "reason": (
            "CPU without bfloat16 instructions: float32, since emulated low precision "
            "would be slower; " + xla
        )}
    if kind == "Apple Metal":
        return {"policy": "float32", "jit_compile": True, "reason": (
            "Apple GPU: Keras compiles with XLA; mixed precision stays off (tensorflow-metal "
            "gains little from it)."
        )}
    fast = compute_capability is not None and (
        tuple(compute_capability) >= MIXED_PRECISION_MIN_CAPABILITY
    )
    return {"policy": "mixed_float16" if fast else "float32", "jit_compile": True, "reason": (
        f"NVIDIA GPU (compute capability {compute_capability or 'unknown'}): Keras compiles "
        "with XLA; mixed precision is " + (
            "on (Tensor Cores)." if fast else "off (no Tensor Cores before capability 7.0)."
        )
    )}


def speedups(apply: bool = True) -> dict:
    """Turn on the speed-ups that pay on this machine: mixed precision in float16 on a
    recent GPU, in bfloat16 on a CPU with bfloat16 instructions.

    With ``apply=True`` the global Keras dtype policy becomes the ``policy`` that
    ``choose_speedups`` picks; models built afterwards follow it. Under mixed precision
    give the output layer ``dtype="float32"``: a softmax in 16 bits rounds small
    probabilities to 0. XLA needs nothing: Keras 3 uses it by default on a GPU and not on
    a CPU. Returns ``choose_speedups``'s dict, with ``policy`` the policy now in force.
    """
    import keras
    import tensorflow as tf

    accelerator = detect_accelerator()
    capability = None
    if accelerator["kind"] == "GPU":
        first_gpu = tf.config.list_physical_devices("GPU")[0]
        capability = tf.config.experimental.get_device_details(first_gpu).get("compute_capability")
    chosen = choose_speedups(str(accelerator["kind"]), capability, cpu_bfloat16())
    if apply:
        keras.mixed_precision.set_global_policy(chosen["policy"])
    return {**chosen, "policy": keras.mixed_precision.global_policy().name}


def summary(verbose: bool = True, chapter: str | None = None) -> dict[str, object]:
    """Versions, accelerator, thread counts and the book's settings, one entry per line of
    the table it prints (with ``verbose``), then the fingerprint and, for a ``chapter``, the
    run time the benchmark recorded for it (:func:`recorded_time`). Every chapter's Setup
    calls it; ``about_this_run`` counts the chapter's wall time from here and :func:`band`
    compares with this ``chapter``'s bands."""
    import keras
    import tensorflow as tf

    from labhelpers.data import data_home

    global _chapter_started, _chapter
    _chapter_started, _chapter = time.perf_counter(), chapter
    _measured.clear()
    accelerator = detect_accelerator()
    summary: dict[str, object] = {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "keras backend": keras.backend.backend(),
        "accelerator": accelerator["kind"],
        "devices": ", ".join(accelerator["names"]) or "-",
        "cpu cores": os.cpu_count(),
        "intra-op threads": tf.config.threading.get_intra_op_parallelism_threads() or "auto",
        "inter-op threads": tf.config.threading.get_inter_op_parallelism_threads() or "auto",
        "dtype policy": keras.mixed_precision.global_policy().name,
        "XLA by default": choose_speedups(str(accelerator["kind"]))["jit_compile"],
        "quick mode": is_quick(),
        "data home": str(data_home()),
    }
    if verbose:
        width = max(len(key) for key in summary)
        for key, value in summary.items():
            print(f"{key:<{width}} : {value}")
        print(accelerator["note"])
        print(f"fingerprint: {fingerprint()}")
        if chapter is not None:
            print(recorded_time(chapter))
    return summary


def fingerprint() -> str:
    """One line that says what this run ran on: versions, device, dtype policy, mode, seed.

    Paste this line into a question or a bug report: it answers "which versions, which
    device, quick or full, which seed?" at once. ``summary()`` prints it in every chapter.
    """
    import keras
    import tensorflow as tf

    seed = (
        f"seed {_seed_in_force}"
        if _seed_in_force is not None
        else f"seed {DEFAULT_SEED} (default, set_seed not called)"
    )
    parts = [
        f"Python {platform.python_version()}",
        f"TensorFlow {tf.__version__}",
        f"Keras {keras.__version__} ({keras.backend.backend()} backend)",
        f"NumPy {np.__version__}",
        str(detect_accelerator()["kind"]),
        keras.mixed_precision.global_policy().name,  # float32, or what speedups() chose
        "quick mode" if is_quick() else "full mode",
        seed,
    ]
    return " | ".join(parts)


class timer:
    """Time a block of code, wall clock and CPU::

        with device.timer() as clock:
            history = model.fit(...)
        clock.seconds, clock.cpu_seconds

    ``cpu_seconds`` counts every core of this process, so it exceeds ``seconds`` when
    several cores work.
    """

    def __enter__(self) -> timer:
        self.seconds = self.cpu_seconds = None
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exception) -> None:
        self.seconds = time.perf_counter() - self._wall
        self.cpu_seconds = time.process_time() - self._cpu


def epoch_timer():
    """A Keras callback that times every epoch of ``fit``::

        per_epoch = device.epoch_timer()
        model.fit(..., callbacks=[per_epoch])
        per_epoch.seconds, per_epoch.cpu_seconds  # one entry per epoch

    ``seconds`` is wall clock, ``cpu_seconds`` the CPU time of every core of this process
    (as :class:`timer`); the first epoch also builds the graph. A new ``fit`` starts afresh.
    """
    import keras

    class EpochTimer(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.seconds, self.cpu_seconds = [], []

        def on_epoch_begin(self, epoch, logs=None):
            self._clock = timer().__enter__()

        def on_epoch_end(self, epoch, logs=None):
            self._clock.__exit__()
            self.seconds.append(self._clock.seconds)
            self.cpu_seconds.append(self._clock.cpu_seconds)

    return EpochTimer()


def about_this_run(*datasets) -> None:
    """Print what this run of a chapter used: the data really loaded (real or stand-in),
    quick or full mode, the device, the fingerprint and the chapter's wall time so far
    (from ``summary()`` in its Setup). Pass the ``data.load_*`` results the chapter used."""
    print("About this run")
    for dataset in datasets:
        if not hasattr(dataset, "describe"):
            raise TypeError(f"pass what data.load_* returned, got {type(dataset).__name__}")
        print(f"data        : {dataset.describe()}")
    if not datasets:
        print("data        : none loaded (the chapter builds or generates its own)")
    mode = "quick (LAB_QUICK=1: fewer samples and epochs)" if is_quick() else "full"
    print(f"mode        : {mode}")
    print(f"device      : {detect_accelerator()['kind']}, {os.cpu_count()} CPU cores")
    print(f"fingerprint : {fingerprint()}")
    if _chapter_started is None:
        print("wall time   : unknown (device.summary() did not run)")
    else:
        print(f"wall time   : {(time.perf_counter() - _chapter_started) / 60:.1f} min "
              "since Setup")


def set_seed(seed: int = DEFAULT_SEED) -> None:
    """Seed Python, NumPy and the Keras backend so that a CPU run repeats exactly."""
    global _seed_in_force
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    import keras

    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(int(seed))
    _seed_in_force = int(seed)


BENCHMARK_RESULTS = os.path.join(os.path.dirname(__file__), "..", "benchmarks", "results.json")
BENCHMARK_BANDS = os.path.join(os.path.dirname(__file__), "..", "benchmarks", "bands.json")


def _recorded(path: str, chapter: str) -> dict:
    """What a benchmark file records of ``chapter`` ({} if nothing): its row of
    ``results.json`` (a list of rows) or its bands in ``bands.json``."""
    with open(path) as file:
        recorded = json.load(file)
    if isinstance(recorded, list):
        return next((row for row in recorded if row.get("chapter") == chapter), {})
    return recorded.get("bands", {}).get(chapter, {})


def full_run(chapter: str, this_run: dict, results: str = BENCHMARK_RESULTS) -> dict:
    """The figures of a full run of ``chapter``: this run's in full mode, else the last
    full run the benchmark recorded.

    ``this_run`` holds this run's figures, ``{table name: {row: {column: value}}}``; the
    chapter also hands it to the benchmark as ``headline["figures"]``. In quick mode they
    are read from ``benchmarks/results.json`` (written by ``python benchmarks/run.py
    <chapter>``) and the date, machine and versions of that run are printed. Returns one
    ``pandas.DataFrame`` per table.
    """
    import pandas as pd

    figures = this_run
    if not is_quick():
        print("A full run: these are this run's figures.")
    elif not os.path.isfile(results):
        raise FileNotFoundError(f"{results} not found: the full-run figures come with the "
                                "book's source; run `python benchmarks/run.py` to record them")
    else:
        row = _recorded(results, chapter)
        if not row.get("figures"):
            raise LookupError(f"{results} holds no full-run figures of {chapter!r}: run "
                              f"`python benchmarks/run.py {chapter}` to record them")
        load = f", load average {row['load_15min']}" if "load_15min" in row else ""
        print(f"Full run of {row['date']} on {row.get('machine', row['device'])} "
              f"({row['versions']}), {row['wall_s'] / 60:.1f} minutes for the whole chapter"
              f"{load}; data: {row['dataset']}.")
        print("Quick mode: these are the full run's figures, not this run's.")
        figures = row["figures"]
    return {name: pd.DataFrame.from_dict(table, orient="index")
            for name, table in figures.items()}


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def recorded_time(chapter: str, bands: str = BENCHMARK_BANDS,
                  results: str = BENCHMARK_RESULTS) -> str:
    """How long ``chapter`` took when the benchmark ran it in this mode on this kind of
    machine, as one line: the wall times of its band runs (``bands.json``), else, in full
    mode, of its full run (``results.json``), with their date and the machine's load."""
    mode = "quick" if is_quick() else "full"
    kind = machine_kind()
    try:
        runs = _recorded(bands, chapter).get(mode, {}).get(kind, {})
        timed = [entry for entry in runs.values() if entry.get("wall_s")]
        if timed:
            entry = max(timed, key=lambda e: e.get("date", ""))
            times = (min(entry["wall_s"]), max(entry["wall_s"]))
            span = " to ".join(dict.fromkeys(_duration(seconds) for seconds in times))
            return (f"recorded run time, {mode} mode, {kind}: {span} ({len(entry['wall_s'])} "
                    f"benchmark runs of {entry['date']}, load average {entry['load_15min']})")
        row = _recorded(results, chapter) if mode == "full" else {}
        if row.get("wall_s") and kind == _kind(row["device"], row["cpu_cores"]):
            load = f", load average {row['load_15min']}" if "load_15min" in row else ""
            return (f"recorded run time, full mode, {kind}: {_duration(row['wall_s'])} (one "
                    f"benchmark run of {row['date']}{load})")
    except (OSError, ValueError, KeyError, TypeError) as error:
        return f"recorded run time: none readable ({type(error).__name__}: {error})"
    return f"recorded run time: none yet for {mode} mode on {kind}"


def _kind(accelerator: str, cpu_cores: int) -> str:
    cores = f"{cpu_cores} CPU cores"
    return cores if accelerator == "CPU" else f"{accelerator}, {cores}"


def machine_kind() -> str:
    """The kind of machine a band is measured on: "2 CPU cores" on a CPU, else the
    accelerator and the cores ("GPU, 16 CPU cores")."""
    return _kind(detect_accelerator()["kind"], os.cpu_count())


def _without_source(description: str) -> str:
    """A dataset's ``describe()`` line without its ", from <path>" (which differs by machine)."""
    return str(description).split(", from ")[0]


def measured() -> dict[str, float]:
    """This run's values of the metrics the chapter gave :func:`band`, ``{metric: value}``:
    what the benchmark records as the chapter's bands."""
    return dict(_measured)


def band(metric: str, value: float, data=None, *, chapter: str | None = None,
         spec: str = ".4f", bands: str = BENCHMARK_BANDS) -> str:
    """Print this run's ``value`` of ``metric`` next to the band the benchmark measured over
    several seeds in this mode on this kind of machine (``benchmarks/bands.json``, written by
    ``python benchmarks/run.py --bands``), e.g.::

        test accuracy, tiny MLP: yours 0.8740; 3 seeds, quick mode, 2 CPU cores: 0.8610-0.8820

    ``data``: what ``data.load_*`` returned (or its ``describe()`` line); a band measured on
    other data is not judged. ``chapter``: the one ``summary(chapter=...)`` named, unless
    given. Never raises. Returns "inside", "near" (outside by less than the band's width),
    "outside", "other data" or "no band".
    """
    try:
        shown = format(value, spec)
        _measured[metric] = float(value)
    except (TypeError, ValueError):
        shown = repr(value)
    try:
        chapter = chapter or _chapter
        if chapter is None:
            print(f"{metric}: yours {shown}; no band: name the chapter with "
                  "device.summary(chapter=...) in its Setup.")
            return "no band"
        mode = "quick" if is_quick() else "full"
        kind = machine_kind()
        command = f"`python benchmarks/run.py --bands {chapter} --seeds 3 --{mode}`"
        if not os.path.isfile(bands):
            print(f"{metric}: yours {shown}; no bands file ({os.path.normpath(bands)}): "
                  f"{command} records one.")
            return "no band"
        recorded = _recorded(bands, chapter)
        found = recorded.get(mode, {}).get(kind, {}).get(metric)
        if found is None:
            elsewhere = sorted(f"{m} mode on {k}" for m, kinds in recorded.items()
                               for k, metrics in kinds.items() if metric in metrics)
            where = f" (recorded: {', '.join(elsewhere)})" if elsewhere else ""
            print(f"{metric}: yours {shown}; no band for {mode} mode on {kind} yet{where}: "
                  f"{command} records one.")
            return "no band"
        low, high = found["min"], found["max"]
        line = (f"{metric}: yours {shown}; {found['n']} seeds, {mode} mode, {kind}: "
                f"{format(low, spec)}-{format(high, spec)}")
        if data is not None and "dataset" in found:
            ours = _without_source(data.describe() if hasattr(data, "describe") else data)
            theirs = _without_source(found["dataset"])
            if ours != theirs:
                print(f"{line}; the band was measured on {theirs}, this run used {ours}: "
                      "not comparable.")
                return "other data"
        distance = max(low - value, value - high, 0.0)
        if distance == 0:
            verdict, said = "inside", "inside the band"
        elif distance <= high - low:
            verdict = "near"
            said = (f"just outside the band: {found['n']} seeds do not span every seed's "
                    "result, so this is likely noise")
        else:
            verdict, said = "outside", "outside the band: did a parameter change?"
        print(f"{line} ({said}).")
        return verdict
    except Exception as error:  # a band is a courtesy: it never stops a chapter
        print(f"{metric}: yours {shown}; no band to compare with "
              f"({type(error).__name__}: {error}).")
        return "no band"
