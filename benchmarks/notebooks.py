"""Run a chapter notebook in a fresh kernel and collect its ``headline`` (for the benchmark
``run.py`` and the reproducibility test; students do not need this module).

Another seed: ``run_chapter(path, quick=True, seed=7)`` runs the chapter as it is, with one
cell inserted right after its ``parameters`` cell that sets ``SEED = 7`` (what papermill
does with its "injected-parameters" cell). Every chapter defines ``SEED`` there and seeds
everything from it, so nothing else changes; the file on disk is not touched.

One part: ``run_chapter(path, quick=False, section="C. Residual", headline="part_c_headline")``
runs the chapter's Setup and the one section whose heading starts so (:func:`section_of`),
for a part that needs none of the data the rest of the chapter loads."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

MARKER = "HEADLINE_JSON "
PROBE = f"""
import json as _json, platform as _platform, resource as _resource
import keras as _keras, tensorflow as _tf
from labhelpers import device as _device
print({MARKER!r} + _json.dumps({{
    "headline": globals().get(HEADLINE_NAME, {{}}),
    "bands": _device.measured(),
    "peak_rss_mb": _resource.getrusage(_resource.RUSAGE_SELF).ru_maxrss / 1024,
    "device": _device.detect_accelerator()["kind"],
    "machine_kind": _device.machine_kind(),
    "quick": _device.is_quick(),
    "versions": f"TF {{_tf.__version__}}, Keras {{_keras.__version__}}, "
                f"Python {{_platform.python_version()}}",
}}, default=float))
"""


def _parameters_index(notebook) -> int:
    """The index of the notebook's one cell tagged ``parameters`` (ValueError otherwise)."""
    tagged = [i for i, cell in enumerate(notebook.cells)
              if "parameters" in cell.get("metadata", {}).get("tags", [])]
    if len(tagged) != 1:
        raise ValueError(f"the notebook needs exactly one cell tagged 'parameters', has "
                         f"{len(tagged)}")
    return tagged[0]


def _level_two_heading(cell) -> str | None:
    """The text of a markdown cell's first line if it is a level-2 heading, else None."""
    lines = cell.source.splitlines() if cell.cell_type == "markdown" else []
    return lines[0][3:].strip() if lines and lines[0].startswith("## ") else None


def section_of(notebook, heading: str):
    """A new notebook of ``notebook``'s Setup (every cell before the first level-2 heading
    after its ``parameters`` cell) and the one section whose level-2 heading starts with
    ``heading``, up to the next level-2 heading. Raises ValueError where there is no
    ``parameters`` cell or not exactly one such section."""
    import nbformat

    parameters = _parameters_index(notebook)
    headings = [(i, _level_two_heading(cell)) for i, cell in enumerate(notebook.cells)]
    headings = [(i, text) for i, text in headings if text is not None]
    setup_end = next((i for i, _ in headings if i > parameters), len(notebook.cells))
    starts = [n for n, (_, text) in enumerate(headings) if text.startswith(heading)]
    if len(starts) != 1:
        raise ValueError(f"{len(starts)} level-2 headings start with {heading!r}; the "
                         f"notebook's are {[text for _, text in headings]}")
    start = headings[starts[0]][0]
    end = headings[starts[0] + 1][0] if starts[0] + 1 < len(headings) else len(notebook.cells)
    part = nbformat.v4.new_notebook(metadata=notebook.metadata)
    part.cells = [*notebook.cells[:setup_end], *notebook.cells[start:end]]
    return part


def with_seed(notebook, seed: int):
    """Insert, right after the ``parameters`` cell of ``notebook`` (an nbformat notebook,
    changed in place and returned), a cell tagged ``injected-parameters`` that sets
    ``SEED = seed``. Raises ValueError where there is no ``parameters`` cell, it defines no
    ``SEED``, or it computes another value from ``SEED`` (which the override would miss)."""
    import nbformat

    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    parameters = _parameters_index(notebook)
    if not re.search(r"^SEED\s*=", notebook.cells[parameters].source, re.MULTILINE):
        raise ValueError("the parameters cell defines no SEED: there is nothing to override")
    derived = [line.strip() for line in notebook.cells[parameters].source.splitlines()
               if re.search(r"\bSEED\b", line.split("#")[0]) and not re.match(r"SEED\s*=", line)]
    if derived:
        raise ValueError(f"the parameters cell computes {derived[0]!r} from SEED before the "
                         "override: it would keep the default seed; compute it in a later cell")
    injected = nbformat.v4.new_code_cell(f"SEED = {seed}  # injected by benchmarks/notebooks.py")
    injected.metadata["tags"] = ["injected-parameters"]
    notebook.cells.insert(parameters + 1, injected)
    return notebook


def run_chapter(
    path: Path, *, quick: bool, timeout: int = 1800, save_to: Path | None = None,
    seed: int | None = None, section: str | None = None, headline: str = "headline",
) -> dict:
    """Execute the notebook at ``path`` top to bottom in a new kernel.

    Returns ``headline`` (the dict the chapter defines under that name, empty if none),
    ``wall_s``, ``peak_rss_mb`` of the kernel, ``device`` and ``versions``. A failing cell raises
    ``nbclient.exceptions.CellExecutionError`` naming the cell. ``save_to``: where to write
    the executed notebook, outputs included (to read its tables afterwards). ``seed``: run
    with ``SEED = seed`` (see :func:`with_seed`) instead of the chapter's own. ``section``:
    run only Setup and the section whose heading starts with it (see :func:`section_of`).
    """
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    if path.suffix != ".ipynb" or not path.is_file():
        raise ValueError(f"path must be an existing .ipynb file, got {path}")
    if not headline.isidentifier():
        raise ValueError(f"headline must be a Python name, got {headline!r}")
    notebook = nbformat.read(path, as_version=4)
    if section is not None:
        notebook = section_of(notebook, section)
    if seed is not None:
        with_seed(notebook, seed)
    notebook.cells.append(nbformat.v4.new_code_cell(f"HEADLINE_NAME = {headline!r}\n{PROBE}"))
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
