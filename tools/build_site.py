"""Render the book to HTML with Jupyter Book 1.x, in full or in quick mode.

    python tools/build_site.py full    # LAB_QUICK=0, into _build/full/_build/html
    python tools/build_site.py quick   # LAB_QUICK=1, into _build/quick/_build/html
    python tools/build_site.py full --skip-execution 07_cnn_cifar10 08_functional_api

``--skip-execution`` renders the named chapters without running them (code, no outputs),
for a machine that lacks their data (CIFAR-10 offline): a choice made by name, printed, and
never the default, since a failing chapter must otherwise fail the build.

Used by ``make book``, ``make book-quick`` and the browser test, so the three build the
same way. Each mode has its own build folder and therefore its own execution cache
(``_build/<mode>/_build/.jupyter_cache``): the cache keys a notebook by its code cells
only, and knows neither LAB_QUICK nor the code the notebooks import. For the same reason
a mode's cache is emptied here when ``labhelpers/`` or ``pyproject.toml`` changes.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
MODES = {"full": "0", "quick": "1"}
# -W: any warning (a failed execution, a broken cross-reference) fails the build;
# --keep-going: report all of them first.
STRICT_FLAGS = ["-W", "-n", "--keep-going"]


def build_dir(mode: str) -> Path:
    """The folder that ``jupyter-book build --path-output`` writes for ``mode``."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {sorted(MODES)}, got {mode!r}")
    return ROOT / "_build" / mode


def html_dir(mode: str) -> Path:
    """Where the rendered site of ``mode`` lands (its index.html)."""
    return build_dir(mode) / "_build" / "html"


def helpers_fingerprint() -> str:
    """A hash of what the notebooks import from the book itself, and of its dependencies."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "labhelpers").glob("*.py")) + [ROOT / "pyproject.toml"]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def reset_cache_if_helpers_changed(mode: str) -> None:
    """Empty the build caches of ``mode`` when labhelpers or pyproject.toml changed."""
    folder = build_dir(mode)
    stamp = folder / "helpers.sha256"
    fingerprint = helpers_fingerprint()
    if stamp.exists() and stamp.read_text().strip() == fingerprint:
        return
    # Both caches go: the execution cache, and Sphinx's parsed pages (.doctrees), without
    # which Sphinx would not even re-read an unchanged notebook.
    stale = [folder / "_build" / name for name in (".jupyter_cache", ".doctrees")]
    if any(path.exists() for path in stale):
        print(f"labhelpers or pyproject.toml changed: emptying the {mode} build caches")
        for path in stale:
            shutil.rmtree(path, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    stamp.write_text(fingerprint + "\n")


def config_skipping(mode: str, stems: list[str]) -> Path:
    """Write ``_config.yml`` with the chapters ``stems`` excluded from execution; its path."""
    unknown = [stem for stem in stems if not (ROOT / "book" / f"{stem}.ipynb").exists()]
    if unknown:
        raise ValueError(f"no chapter book/<stem>.ipynb for {unknown}")
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    execute = config.setdefault("execute", {})
    execute["exclude_patterns"] = list(execute.get("exclude_patterns") or []) + [
        f"book/{stem}.ipynb" for stem in stems
    ]
    path = build_dir(mode) / "_config.skip-execution.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def build(mode: str, strict: bool = True, skip_execution: list[str] | None = None) -> int:
    """Build the site for ``mode``; return jupyter-book's exit status (0 when it built).

    ``skip_execution``: chapter stems rendered without being run (see the module's doc).
    """
    reset_cache_if_helpers_changed(mode)
    env = dict(os.environ)
    env["LAB_QUICK"] = MODES[mode]
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # Figures must reach the page: the kernel's inline backend, not the tests' Agg.
    env.pop("MPLBACKEND", None)
    # The kernels import this checkout's labhelpers, even where another copy is installed.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    command = [
        sys.executable, "-c",
        "import sys; from jupyter_book.cli.main import main; sys.exit(main())",
        "build", str(ROOT), "--path-output", str(build_dir(mode)),
        *(STRICT_FLAGS if strict else []),
    ]  # fmt: skip
    if skip_execution:
        command += ["--config", str(config_skipping(mode, skip_execution))]
        print(f"NOT EXECUTED, rendered without outputs: {', '.join(skip_execution)}")
    return subprocess.call(command, cwd=ROOT, env=env)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=sorted(MODES))
    parser.add_argument(
        "--no-strict", action="store_true", help="do not turn Sphinx warnings into errors"
    )
    parser.add_argument(
        "--skip-execution", nargs="+", default=[], metavar="STEM",
        help="chapters (file stems in book/) to render without running them",
    )  # fmt: skip
    args = parser.parse_args(argv)
    status = build(args.mode, strict=not args.no_strict, skip_execution=args.skip_execution)
    if status == 0:
        print(f"site built: {html_dir(args.mode) / 'index.html'}")
    else:
        print(f"site build FAILED ({args.mode} mode): read the log above", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
