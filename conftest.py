"""pytest set-up shared by the unit tests and the notebooks (``pytest --nbval-lax book/``).

- Notebooks run in quick mode unless LAB_QUICK is already set (``LAB_QUICK=0`` runs them in
  full). The kernel inherits this process's environment, so the setting reaches them.
- Every notebook runs twice in its kernel, as "Run All" clicked twice: a chapter must be
  re-runnable. ``--run-once`` skips the second pass.
- Chapters run in reverse order, so that a chapter relying on a file that an earlier
  chapter wrote fails on a fresh machine (CI) instead of passing by luck.
"""

import os

os.environ.setdefault("LAB_QUICK", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

collect_ignore_glob = ["_build/*", "**/_build/*", ".venv/*"]


def pytest_addoption(parser):
    parser.addoption("--run-once", action="store_true",
                     help="run each notebook once instead of twice in its kernel")  # fmt: skip


def pytest_collectstart(collector):
    """TensorFlow writes log lines to stderr: never compare them."""
    if hasattr(collector, "skip_compare"):
        collector.skip_compare += ("stderr",)


def _is_notebook_cell(item) -> bool:
    return hasattr(item, "cell_num") and hasattr(item.parent, "kernel")


def pytest_collection_modifyitems(config, items):
    """Notebooks in reverse order, each run twice; a longer wait for output on busy machines."""
    cells = [item for item in items if _is_notebook_cell(item)]
    notebooks = list(dict.fromkeys(item.parent for item in cells))
    ordered = []
    for notebook in reversed(notebooks):
        first = [item for item in cells if item.parent is notebook]
        second = [] if config.getoption("--run-once") else [
            type(item).from_parent(notebook, name=f"{item.name} (run 2)",
                                   cell_num=item.cell_num, cell=item.cell, options=item.options)
            for item in first
        ]  # fmt: skip
        ordered += first + second
    for item in ordered:
        item.output_timeout = 120  # nbval's default 5 s fails on a busy 2-core machine
    items[:] = [item for item in items if not _is_notebook_cell(item)] + ordered
