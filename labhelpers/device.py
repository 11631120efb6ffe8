"""Accelerator detection, versions and seeding.

TensorFlow is imported inside the functions, never at import time of ``labhelpers``.
"""

from __future__ import annotations

import os
import platform
import random

import numpy as np

from labhelpers.quick import is_quick


def detect_accelerator() -> dict[str, object]:
    """Describe the device TensorFlow will train on.

    Returns
    -------
    dict
        ``kind`` ("GPU", "Apple Metal" or "CPU"), ``names`` (device names) and ``note``
        (a sentence for the student). A missing GPU is a note, never an error.
    """
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


def summary(verbose: bool = True) -> dict[str, object]:
    """Collect versions, accelerator, thread counts and the book's settings.

    Parameters
    ----------
    verbose : bool
        Print the summary as an aligned table as well as returning it.

    Returns
    -------
    dict
        One entry per line of the printed table.
    """
    import keras
    import tensorflow as tf

    from labhelpers.data import data_home

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
        "quick mode": is_quick(),
        "data home": str(data_home()),
    }
    if verbose:
        width = max(len(key) for key in summary)
        for key, value in summary.items():
            print(f"{key:<{width}} : {value}")
        print(accelerator["note"])
    return summary


def set_seed(seed: int = 42) -> None:
    """Seed Python, NumPy and the Keras backend so that a CPU run repeats exactly."""
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    import keras

    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(int(seed))
