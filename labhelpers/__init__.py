"""Helpers shared by the notebooks of the deep-learning lab book.

The core, which every chapter may use::

    from labhelpers import data, device, evaluate, exercises, plots

- ``data``: the datasets, real or stand-in, and where they live;
- ``device``: quick mode (``is_quick``, ``pick``), the accelerator, seeding, the fingerprint;
- ``evaluate``: scores, confusions, worst-classified samples, noise and reconstruction error;
- ``plots``: every drawing the chapters share (curves, confusion matrix, image grids);
- ``exercises``: the checks of the "Your turn" cells;
- ``checks``: the argument checks the others use.

``labhelpers.chapters`` holds code that serves exactly one chapter, one module per chapter
named after it (``ch04_hog`` for chapter 4 ...). Imports point one way: chapters import
``labhelpers``, and the core never imports ``labhelpers.chapters``.

Nothing heavy (TensorFlow, Matplotlib) loads until you import the module that needs it, with
one exception: in a notebook kernel on the TensorFlow backend, importing ``labhelpers`` starts
TensorFlow at once, with its C++ start-up lines filtered out (so chapters import
``labhelpers`` before ``keras``); every other line it writes still reaches the notebook.
"""

import contextlib
import os
import re
import sys
import tempfile

__version__ = "0.1.0"

# TensorFlow's C++ start-up lines (written to the process's stderr before its logging is set
# up, so TF_CPP_MIN_LOG_LEVEL cannot hide them): in a notebook they show as pink "error"
# boxes under the book's own device summary. Only these lines are dropped; any other line
# TensorFlow writes while starting, and every later warning, still reaches the notebook.
_STARTUP_NOISE = re.compile(
    r"All log messages before absl::InitializeLog"
    r"|cudart_stub\.cc.*Could not find cuda drivers"
    r"|cpu_feature_guard\.cc|^To enable the following instructions: .* rebuild TensorFlow"
    r"|cuda_platform\.cc.*failed call to cuInit"
    r"|oneDNN custom operations are on"
)


@contextlib.contextmanager
def _without_startup_noise():
    """Capture file descriptor 2 and replay every line that is not start-up noise."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            kept = [line for line in captured.read().decode(errors="replace").splitlines()
                    if line.strip() and not _STARTUP_NOISE.search(line)]
            if kept:
                print("\n".join(kept), file=sys.stderr)


def _start_tensorflow_quietly() -> None:
    """In a notebook kernel, import TensorFlow (and find its devices) without the noise."""
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    if "ipykernel" not in sys.modules or "tensorflow" in sys.modules or backend != "tensorflow":
        return
    with _without_startup_noise():
        import tensorflow as tf

        tf.config.list_physical_devices()


_start_tensorflow_quietly()
