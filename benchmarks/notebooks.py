"""Run a chapter notebook in a fresh kernel and collect its ``headline`` (for the benchmark
``run.py`` and the reproducibility test; students do not need this module)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

MARKER = "HEADLINE_JSON "
PROBE = f"""
import json as _json, platform as _platform, resource as _resource
import keras as _keras, tensorflow as _tf
from labhelpers import device as _device
print({MARKER!r} + _json.dumps({{
    "headline": globals().get("headline", {{}}),
    "peak_rss_mb": _resource.getrusage(_resource.RUSAGE_SELF).ru_maxrss / 1024,
    "device": _device.detect_accelerator()["kind"],
    "versions": f"TF {{_tf.__version__}}, Keras {{_keras.__version__}}, "
                f"Python {{_platform.python_version()}}",
}}, default=float))
"""


def run_chapter(
    path: Path, *, quick: bool, timeout: int = 1800, save_to: Path | None = None
) -> dict:
    """Execute the notebook at ``path`` top to bottom in a new kernel.

    Returns ``headline`` (the dict the chapter defines, empty if none), ``wall_s``,
    ``peak_rss_mb`` of the kernel, ``device`` and ``versions``. A failing cell raises
    ``nbclient.exceptions.CellExecutionError`` naming the cell. ``save_to``: where to write
    the executed notebook, outputs included (to read its tables afterwards).
    """
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    if path.suffix != ".ipynb" or not path.is_file():
        raise ValueError(f"path must be an existing .ipynb file, got {path}")
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(PROBE))
    previous = os.environ.get("LAB_QUICK")
    os.environ["LAB_QUICK"] = "1" if quick else "0"  # the kernel inherits it
    try:
        client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                                resources={"metadata": {"path": str(path.parent)}})
        started = time.perf_counter()
        client.execute()
        wall = time.perf_counter() - started
    finally:
        if previous is None:
            os.environ.pop("LAB_QUICK", None)
        else:
            os.environ["LAB_QUICK"] = previous
    if save_to is not None:
        Path(save_to).parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, save_to)
    printed = "".join(o.get("text", "") for o in notebook.cells[-1].outputs)
    probe = json.loads(printed.split(MARKER, 1)[1].splitlines()[0])
    return {**probe, "wall_s": wall}
