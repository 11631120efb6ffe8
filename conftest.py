"""pytest set-up shared by the unit tests and the notebooks (``pytest --nbval-lax book/``).

Notebooks run in quick mode unless LAB_QUICK is already set (``LAB_QUICK=0`` runs them in
full). The kernel inherits this process's environment, so the setting reaches them.
"""

import os

os.environ.setdefault("LAB_QUICK", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")

collect_ignore_glob = ["_build/*", "**/_build/*", ".venv/*"]


def pytest_collectstart(collector):
    """TensorFlow writes log lines to stderr: never compare them."""
    if hasattr(collector, "skip_compare"):
        collector.skip_compare += ("stderr",)


def pytest_collection_modifyitems(items):
    """A busy 2-core machine can take more than nbval's default 5 s to send a cell's output."""
    for item in items:
        if hasattr(item, "output_timeout"):
            item.output_timeout = 120
