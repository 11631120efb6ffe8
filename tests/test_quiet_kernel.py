"""A notebook kernel that imports labhelpers first shows none of TensorFlow's C++ start-up
lines, yet every real warning and every other line written to stderr still reaches it."""

import nbclient
import nbformat

from labhelpers import _STARTUP_NOISE

CELL = """\
from labhelpers import device
import keras
import tensorflow as tf
print(tf.config.list_physical_devices())
import os
from labhelpers import _without_startup_noise
with _without_startup_noise():  # what TensorFlow writes while starting: one real line, one noise
    os.write(2, b"a line from C++ that is not start-up noise\\n")
    os.write(2, b"I0000 00:00:17.8 1 cudart_stub.cc:31] Could not find cuda drivers here\\n")
import warnings
warnings.warn("a real warning")
"""


def test_a_kernel_starts_tensorflow_without_its_startup_lines():
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(CELL)]
    nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3").execute()
    outputs = notebook.cells[0].outputs
    stderr = "".join(o.get("text", "") for o in outputs if o.get("name") == "stderr")
    assert "PhysicalDevice" in "".join(o.get("text", "") for o in outputs)
    assert not [line for line in stderr.splitlines() if _STARTUP_NOISE.search(line)], stderr
    assert "a line from C++ that is not start-up noise" in stderr
    assert "UserWarning: a real warning" in stderr


def test_the_filter_matches_only_startup_lines():
    noise = [
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
        "I0000 00:00:1796227677.880318   18750 cudart_stub.cc:31] Could not find cuda drivers on "
        "your machine, GPU will not be used.",
        "I0000 00:00:1796227678.048850   18750 cpu_feature_guard.cc:227] This TensorFlow binary "
        "is optimized to use available CPU instructions in performance-critical operations.",
        "To enable the following instructions: AVX2 FMA, in other operations, rebuild TensorFlow "
        "with the appropriate compiler flags.",
        "E0000 00:00:1796227689.710645   18750 cuda_platform.cc:52] failed call to cuInit: "
        "INTERNAL: CUDA error: Failed call to cuInit: UNKNOWN ERROR (303)",
    ]
    real = [
        "E0000 00:00:1796227689.710645 18750 op_kernel.cc:1840] OP_REQUIRES failed at "
        "strided_slice_op.cc: INVALID_ARGUMENT: slice index 5 of dimension 0 out of bounds.",
        "W0000 00:00:1796227689.710645 18750 allocator.cc:124] Allocation exceeds 10% of memory.",
        "UserWarning: a real warning",
    ]
    assert all(_STARTUP_NOISE.search(line) for line in noise)
    assert not any(_STARTUP_NOISE.search(line) for line in real)
