"""Test the book on the newest releases, then say what moved since the lock.

    .venv-latest/bin/python tools/latest_check.py requirements/lock-test.txt

``make test-latest`` builds that environment from pyproject.toml's ranges, newest versions
first, and runs this with its Python: the unit tests and two chapters in quick mode (each
run once, conftest.py's default), then a table of every package whose version differs from
the lock, and a last line saying whether the book still passes. Exits with pytest's status.
Standard library only.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTEST_ARGS = [
    "--nbval-lax", "--nbval-current-env",
    "tests", "--ignore=tests/test_site.py", "--ignore=tests/test_reproducible.py",
    "book/00_getting_started.ipynb", "book/02_model_complexity.ipynb",
]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")
NOT_LOCKED = {"pip", "labhelpers"}  # the installer, and the book's package itself


def canonical(name: str) -> str:
    """A package name as pip compares them (PEP 503): ``Jupyter_Book`` is ``jupyter-book``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_versions(lock_text: str) -> dict[str, str]:
    """The ``name==version`` pins of a requirements file, by canonical name."""
    return {
        canonical(match[1]): match[2] for match in map(PIN.match, lock_text.splitlines()) if match
    }


def installed_versions() -> dict[str, str]:
    """Every distribution installed for this Python, by canonical name."""
    return {
        canonical(dist.metadata["Name"]): dist.version
        for dist in importlib.metadata.distributions()
    }


def differences(locked: dict[str, str], newest: dict[str, str]) -> list[tuple[str, str, str]]:
    """(package, locked, newest) for each package whose versions differ; "-" where absent."""
    names = sorted((locked.keys() | newest.keys()) - NOT_LOCKED)
    return [
        (name, locked.get(name, "-"), newest.get(name, "-"))
        for name in names
        if locked.get(name) != newest.get(name)
    ]


def format_table(rows: list[tuple[str, str, str]]) -> str:
    """The rows under a header, in aligned columns."""
    lines = [("package", "locked", "newest"), *rows]
    widths = [max(len(line[column]) for line in lines) for column in range(3)]
    lines.insert(1, tuple("-" * width for width in widths))
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip() for line in lines
    )


def verdict(pytest_status: int) -> str:
    """The last line: does the book still pass on the newest releases?"""
    if pytest_status == 0:
        return "Newest releases: the book still passes (unit tests and two quick chapters)."
    return (
        f"Newest releases: the book FAILS (pytest exit {pytest_status}, failures above): "
        "the lock still decides, but fix the book or narrow pyproject.toml's ranges."
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lock", type=Path, help="the lock to compare with")
    lock = parser.parse_args().lock
    status = subprocess.call(
        [sys.executable, "-m", "pytest", *PYTEST_ARGS],
        cwd=ROOT,
        env={**os.environ, "LAB_QUICK": "1"},
    )
    rows = differences(locked_versions(lock.read_text()), installed_versions())
    print(f"\n{len(rows)} package(s) differ from {lock}:" if rows else f"\nAll as in {lock}.")
    if rows:
        print(format_table(rows))
    print(verdict(status))
    return status


if __name__ == "__main__":
    sys.exit(main())
