"""pytest set-up shared by the unit tests and the notebooks (``pytest --nbval-lax book/``).

- Notebooks run in quick mode unless LAB_QUICK is already set (``LAB_QUICK=0`` runs them in
  full). The kernel inherits this process's environment, so the setting reaches them.
- Every notebook runs once; ``--run-twice`` (CI) runs it a second time in its kernel, as
  "Run All" clicked twice: a chapter must be re-runnable.
- Chapters run in reverse order, so that a chapter relying on a file that an earlier
  chapter wrote fails on a fresh machine (CI) instead of passing by luck.
- A notebook that passed is stored, outputs included, in the site build's execution cache
  (``tools/build_site.py``): the browser test (``tests/test_site.py``, run last) then renders
  the notebooks the tests executed instead of executing them again.
- ``LAB_NO_SKIPS=1`` (CI) turns every skip into a failure: CI must run everything.
"""

import os
import time

import pytest

os.environ.setdefault("LAB_QUICK", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

collect_ignore_glob = ["_build/*", "**/_build/*", ".venv/*", ".venv-latest/*"]
NO_SKIPS_ENV = "LAB_NO_SKIPS"


def pytest_addoption(parser):
    parser.addoption("--run-twice", action="store_true",
                     help="run each notebook a second time in its kernel (CI)")


def pytest_collectstart(collector):
    """TensorFlow writes log lines to stderr: never compare them."""
    if hasattr(collector, "skip_compare"):
        collector.skip_compare += ("stderr",)


def _is_notebook_cell(item) -> bool:
    return hasattr(item, "cell_num") and hasattr(item.parent, "kernel")


def pytest_collection_modifyitems(config, items):
    """Unit tests, then notebooks in reverse order, then the browser test of the site."""
    cells = [item for item in items if _is_notebook_cell(item)]
    notebooks = list(dict.fromkeys(item.parent for item in cells))
    ordered = []
    for notebook in reversed(notebooks):
        first = [item for item in cells if item.parent is notebook]
        second = [
            type(item).from_parent(notebook, name=f"{item.name} (run 2)",
                                   cell_num=item.cell_num, cell=item.cell, options=item.options)
            for item in first
        ] if config.getoption("--run-twice") else []
        ordered += first + second
    for item in ordered:
        item.output_timeout = 120  # nbval's default 5 s fails on a busy 2-core machine
    others = [item for item in items if not _is_notebook_cell(item)]
    site = [item for item in others if item.path.name == "test_site.py"]
    items[:] = [item for item in others if item not in site] + ordered + site


_started: dict = {}


def pytest_runtest_setup(item):
    if _is_notebook_cell(item) and item.cell_num == 0 and "(run 2)" not in item.name:
        _started[item.parent] = time.perf_counter()


_failed: set = set()


def pytest_runtest_logreport(report):
    """Remember failures, so that a notebook with a failed cell is never cached."""
    if report.failed:
        _failed.add(report.nodeid.split("::")[0])


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get(NO_SKIPS_ENV) == "1" and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped, and {NO_SKIPS_ENV}=1 allows no skip: {reason}"


def pytest_runtest_teardown(item, nextitem):
    """After a notebook's last cell of its first run: cache it for the site build."""
    if not _is_notebook_cell(item) or "(run 2)" in item.name:
        return
    if nextitem is not None and nextitem.parent is item.parent and "(run 2)" not in nextitem.name:
        return
    if item.nodeid.split("::")[0] in _failed:
        return
    from tools import build_site

    cells = [i for i in item.session.items if i.parent is item.parent and "(run 2)" not in i.name]
    seconds = time.perf_counter() - _started.get(item.parent, time.perf_counter())
    build_site.cache_executed(item.parent.path, {i.cell_num: i.test_outputs for i in cells},
                              seconds)
