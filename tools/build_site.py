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
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script, it must still find this checkout's labhelpers
from labhelpers.device import is_quick  # noqa: E402

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


def execution_cache(mode: str) -> Path:
    """Where myst-nb keeps the executed notebooks of ``mode`` (its ``execute: cache``)."""
    return build_dir(mode) / "_build" / ".jupyter_cache"


def cache_executed(notebook: Path, outputs: dict[int, list], seconds: float) -> None:
    """Store a notebook that the tests executed in the execution cache of the current mode.

    ``outputs`` maps each code cell's number (0, 1, ...) to its outputs. The site build then
    renders these outputs instead of executing the notebook again: the cache keys a notebook
    by its code, which is the committed one.
    """
    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    mode = "quick" if is_quick() else "full"
    reset_cache_if_helpers_changed(mode)
    executed = nbformat.read(notebook, as_version=4)
    code_cells = [cell for cell in executed.cells if cell.cell_type == "code"]
    for number, cell in enumerate(code_cells):
        cell.outputs = [nbformat.from_dict(output) for output in outputs.get(number) or []]
        cell.execution_count = number + 1
    get_cache(str(execution_cache(mode))).cache_notebook_bundle(
        CacheBundleIn(executed, str(Path(notebook).resolve()),
                      data={"execution_seconds": seconds}),
        check_validity=False, overwrite=True,
    )


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


def datasets_needed() -> dict[str, list[str]]:
    """Dataset -> the chapters that cannot run in full mode without it.

    Read from the chapters' sources: a chapter needs what it loads with ``data.load_<name>(``
    or ``DATASET = "<name>"``, except a load inside ``try:`` (chapter 10 catches
    ``DataUnavailableError`` and runs that part on a stand-in, saying so).
    """
    from labhelpers.data import DATASETS

    pattern = re.compile(r'(try:\n\s+)?\w+ = data\.load_(\w+)\(|^DATASET = "(\w+)"', re.M)
    needed: dict[str, list[str]] = {name: [] for name in DATASETS}
    for source in sorted((ROOT / "book").glob("[0-9][0-9]_*.py")):
        loaded = {load or constant for guarded, load, constant in pattern.findall(
            source.read_text()) if not guarded}
        for name in sorted(loaded & set(DATASETS)):
            needed[name].append(source.stem)
    return needed


def preflight(skip_execution: list[str]) -> dict[str, list[str]]:
    """Before a full build: for each dataset that a chapter to be executed needs and that is
    neither on this machine nor downloadable now, print how to get it; return dataset ->
    the chapters that need it (empty when the build can start)."""
    from labhelpers import data

    lacking = {}
    for name, chapters in datasets_needed().items():
        chapters = [chapter for chapter in chapters if chapter not in skip_execution]
        if not chapters or data.find_offline(name)["status"] in ("real", "real subset"):
            continue
        title = data.DATASETS[name]["title"]
        print(f"{title} is not on this machine: downloading it ...")
        try:
            data.DATASETS[name]["download"]()
        except (OSError, data.DataCorruptError, data.DataHomeError) as error:
            lacking[name] = chapters
            print(f"- {title}, needed by {', '.join(chapters)}: the download failed ({error})."
                  f" To get it: {data.how_to_get(name)}.", file=sys.stderr)
    return lacking


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
    ]
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
    )
    args = parser.parse_args(argv)
    if args.mode == "full":
        lacking = preflight(args.skip_execution)
        if lacking:
            chapters = sorted({chapter for names in lacking.values() for chapter in names}
                              | set(args.skip_execution))
            print("The full build cannot start: it needs the data above. Get it, or render "
                  "the chapters that need it without running them:\n  python "
                  f"tools/build_site.py full --skip-execution {' '.join(chapters)}",
                  file=sys.stderr)
            return 2
    status = build(args.mode, strict=not args.no_strict, skip_execution=args.skip_execution)
    if status == 0:
        print(f"site built: {html_dir(args.mode) / 'index.html'}")
    else:
        print(f"site build FAILED ({args.mode} mode): read the log above", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
