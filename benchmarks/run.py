"""Run chapters in full mode, as a student would, and record what they reach and cost.

The chapters are executed as they are (the same notebooks, not copies of their code), one
kernel each, with ``LAB_QUICK=0``, by :func:`notebooks.run_chapter`. Each chapter
defines a dict ``headline`` (its main metric, the dataset it really used, the reports' best
figure and, where the prose quotes a full run, that run's ``figures``), collected with the
kernel's peak memory, device and versions. The chapters print the recorded ``figures``
with ``labhelpers.device.full_run`` and ``tests/test_quoted_figures.py`` checks the prose
against them.

Usage::

    python benchmarks/run.py                     # every chapter listed in _toc.yml
    python benchmarks/run.py 05_cnn_mnist        # some chapters (file stems)
    python benchmarks/run.py --suite             # also time one pass of the quick notebooks,
                                                 # the quick test suite and the site build
                                                 # (outputs in _build/benchmark/*.log)
    python benchmarks/run.py --bands 00_getting_started 05_cnn_mnist --seeds 3 --quick
                                                 # expected-result bands (below)

A part of a chapter that needs none of the data the chapter cannot get here (``SECTIONS``,
e.g. ``08_functional_api/C``, trained on Fashion-MNIST in a CIFAR-10 chapter) also runs on
its own: its Setup and that part (``notebooks.section_of``), a row of its own.

Rows are merged by chapter into ``benchmarks/results.json``; ``benchmarks/RESULTS.md`` is
rewritten from it each time, so chapters can be measured one at a time.

**Expected-result bands** (``--bands``): each named chapter runs once per seed (``--seeds
N``, at least 3: seeds 42, 43, ...; 42 is every chapter's own ``SEED``, so the book as it
ships lies inside its band) in quick mode (``--quick``, the default), full mode (``--full``)
or both. The seed is set by a cell inserted right after the chapter's ``parameters`` cell
(``notebooks.with_seed``, as papermill does). The metrics are those the chapter
printed with ``labhelpers.device.band`` (``device.measured()``; else its headline's metric).
For each chapter, mode, kind of machine (``device.machine_kind()``: "2 CPU cores", "GPU, 16
CPU cores") and metric, ``benchmarks/bands.json`` gets min, max, every value with its seed,
n, date, machine, versions, dataset and wall times; the rest of the file is kept. Chapters
print their result next to it with ``labhelpers.device.band``. Never edit the file by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import notebooks  # benchmarks/notebooks.py, next to this script
import yaml

ROOT = Path(__file__).resolve().parents[1]
RESULTS_JSON = ROOT / "benchmarks" / "results.json"
RESULTS_MD = ROOT / "benchmarks" / "RESULTS.md"
BANDS_JSON = ROOT / "benchmarks" / "bands.json"
FIRST_SEED = 42  # every chapter's own SEED
SECTIONS = {  # parts of chapters that run here in full mode where the whole chapter cannot:
    # "stem/part": (how the part's level-2 heading starts, the dict it defines for the row)
    "08_functional_api/C": ("C. Residual", "part_c_headline"),
}


def toc_chapters() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [
        Path(chapter["file"]).name
        for part in toc.get("parts", [])
        for chapter in part.get("chapters") or []
        if chapter["file"].startswith("book/")
    ]


def run_chapter(stem: str, timeout: int) -> dict:
    """Execute ``book/<stem>.ipynb`` in full mode, or for a ``SECTIONS`` key its Setup and
    that part, and return its row."""
    chapter, _, part = stem.partition("/")
    section, headline = SECTIONS[stem] if part else (None, "headline")
    run = notebooks.run_chapter(ROOT / "book" / f"{chapter}.ipynb", quick=False,
                                timeout=timeout, section=section, headline=headline,
                                save_to=ROOT / "_build" / "benchmark" / f"{chapter}{part}.ipynb")
    headline = run["headline"]
    return {
        "chapter": stem,
        "dataset": headline.get("dataset", "?"),
        "metric": headline.get("metric", "?"),
        "value": headline.get("value"),
        "report_best": headline.get("report_best"),
        "wall_s": round(run["wall_s"], 1),
        "peak_rss_mb": round(run["peak_rss_mb"]),
        "device": run["device"],
        "cpu_cores": os.cpu_count(),
        "machine": machine(run["device"]),
        "load_15min": round(os.getloadavg()[2], 1),  # how busy the machine was: wall_s grows
        "versions": run["versions"],
        "date": date.today().isoformat(),
        "figures": headline.get("figures", {}),
    }


def machine(device: str) -> str:
    """The machine in one line: device, processor model, cores, operating system."""
    cpuinfo = Path("/proc/cpuinfo")
    models = re.findall(r"model name\s*:\s*(.+)", cpuinfo.read_text()) if cpuinfo.exists() else []
    processor = models[0].strip() if models else (platform.processor() or platform.machine())
    system = f"{platform.system()} {platform.machine()}"
    return f"{device}, {processor}, {os.cpu_count()} cores, {system}"


def merged(new_rows: dict) -> dict:
    """The rows of results.json as they are now, ``new_rows`` replacing theirs (re-read at
    each write, so that runs of different chapters may overlap)."""
    rows = json.loads(RESULTS_JSON.read_text() or "[]") if RESULTS_JSON.exists() else []
    current = {row["chapter"]: row for row in rows}
    for row in current.values():  # older rows may hold terminal colour codes
        row["metric"] = strip_colours(row["metric"])
    return {**current, **new_rows}


def strip_colours(text: str) -> str:
    """``text`` without terminal colour codes (tracebacks and Sphinx logs carry them)."""
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def not_run_row(stem: str, error: Exception) -> dict:
    """The row of a chapter whose full run stopped, with the reason (e.g. no CIFAR-10 here)."""
    reason = strip_colours(str(error)).strip().splitlines()
    errors = [line for line in reason if "Error" in line] or reason or [""]
    last = errors[-1]
    return {"chapter": stem, "dataset": "not available here", "metric": f"NOT RUN: {last[:150]}",
            "value": None, "report_best": None, "wall_s": 0.0, "peak_rss_mb": 0,
            "device": "-", "cpu_cores": os.cpu_count(), "versions": "-",
            "date": date.today().isoformat()}


def verdict(output: str) -> str:
    """The line that says how a command ended: pytest's counts or Sphinx's last word,
    else the last line that is not TensorFlow's C++ logging."""
    lines = [strip_colours(line).strip() for line in output.splitlines()]
    lines = [line for line in lines if line and not re.match(r"[IWE]\d{4} ", line)]
    said = [line for line in lines
            if re.search(r"\d+ (passed|failed)|build (succeeded|finished)", line)]
    return (said or lines or [""])[-1]


def time_command(name: str, command: list[str], env: dict[str, str]) -> dict:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env={**os.environ, **env},
                            capture_output=True, text=True)
    wall = time.perf_counter() - started
    output = result.stdout + result.stderr
    log = ROOT / "_build" / "benchmark" / (re.sub(r"\W+", "_", name).strip("_") + ".log")
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(output)  # the whole output, to read a failure
    return {"chapter": name, "metric": "wall time", "value": None, "wall_s": round(wall, 1),
            "ok": result.returncode == 0, "summary": verdict(output)[:120],
            "cpu_cores": os.cpu_count(), "date": date.today().isoformat()}


def suite_rows() -> list[dict]:
    bin_dir = Path(sys.executable).parent
    pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
              "--nbval-lax", "--nbval-current-env"]
    shutil.rmtree(ROOT / "_build" / "bench-quick", ignore_errors=True)
    build = [str(bin_dir / "jupyter-book"), "build", ".", "--path-output", "_build/bench-quick"]
    return [
        time_command("(quick notebooks, one pass)", pytest + ["book"], {"LAB_QUICK": "1"}),
        time_command("(quick test suite)", pytest + ["tests", "book"], {"LAB_QUICK": "1"}),
        time_command("(quick site build)", build, {"LAB_QUICK": "1"}),
    ]


def fmt(value, spec: str) -> str:
    return "–" if value is None else format(value, spec)


def write_markdown(rows: list[dict]) -> None:
    lines = [
        "# Benchmark results",
        "",
        "Written by `python benchmarks/run.py` (do not edit the tables by hand). Each chapter",
        "ran in full mode (`LAB_QUICK=0`), as a student runs it. `value` is the chapter's main",
        "metric on the data it really used; `report best` is the best figure of the lab",
        "reports (`../shared/BOOK_SPEC.md`). Peak memory is the kernel's resident set.",
        "",
        "| chapter | dataset used | metric | value | report best | wall time | peak memory "
        "| device | versions | date |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        if row["chapter"].startswith("("):
            continue
        lines.append(
            f"| {row['chapter']} | {row['dataset'].split(', from ')[0]} | {row['metric']} | "
            f"{fmt(row['value'], '.4g')} | {fmt(row['report_best'], '.4g')} | "
            f"{row['wall_s'] / 60:.1f} min | {row['peak_rss_mb']:,} MB | "
            f"{row['device']} ({row['cpu_cores']} cores) | {row['versions']} | {row['date']} |"
        )
    suite = [row for row in rows if row["chapter"].startswith("(")]
    if suite:
        lines += ["", "## Test suite and site build (quick mode)", "",
                  "| what | wall time | passed | last line | date |", "|---|---|---|---|---|"]
        for row in suite:
            lines.append(f"| {row['chapter']} | {row['wall_s'] / 60:.1f} min | {row['ok']} | "
                         f"{row['summary']} | {row['date']} |")
    speed = ROOT / "benchmarks" / "speed.json"
    if speed.exists():
        measured = json.loads(speed.read_text())
        baseline = measured["rows"][0]["epoch_s_median"]
        lines += ["", "## What makes training fast here (`python benchmarks/speed.py`)", "",
                  f"One epoch of the reference CNN on 20,000 Fashion-MNIST images, "
                  f"{measured['cpu_cores']} CPU cores, median of the runs shown.", "",
                  "| variant | epoch (s) | runs (s) | vs first row | accuracy after 2 epochs |",
                  "|---|---|---|---|---|"]
        for row in measured["rows"]:
            runs = ", ".join(f"{r:.2f}" for r in row["epoch_s_runs"])
            lines.append(f"| {row['variant']} | {row['epoch_s_median']:.2f} | {runs} | "
                         f"{baseline / row['epoch_s_median']:.2f}x | "
                         f"{row['accuracy_after_2_epochs']:.4f} |")
    notes = ROOT / "benchmarks" / "NOTES.md"
    if notes.exists():
        lines += ["", notes.read_text().strip()]
    RESULTS_MD.write_text("\n".join(lines) + "\n")


def band_metrics(run: dict) -> dict:
    """The metrics a chapter offers for bands: what it gave ``device.band`` (``run["bands"]``),
    else its headline."""
    headline = run.get("headline", {})
    metrics = run.get("bands") or {headline.get("metric", "?"): headline.get("value")}
    return {name: float(value) for name, value in metrics.items() if value is not None}


def measure_bands(stem: str, seeds: list[int], quick: bool, timeout: int) -> dict:
    """Run ``book/<stem>.ipynb`` once per seed in one mode; return ``{machine kind: {metric:
    band}}``, each band with min, max, the values and their seeds, n, date, machine,
    versions, dataset and wall times."""
    runs = []
    for seed in seeds:
        print(f"  {stem}, {'quick' if quick else 'full'} mode, seed {seed} ...", flush=True)
        run = notebooks.run_chapter(ROOT / "book" / f"{stem}.ipynb", quick=quick,
                                    timeout=timeout, seed=seed)
        run["metrics"] = band_metrics(run)
        print("    " + ", ".join(f"{k} = {v:.4g}" for k, v in run["metrics"].items())
              + f" in {run['wall_s']:.0f} s", flush=True)
        runs.append(run)
    kinds = {run["machine_kind"] for run in runs}
    if len(kinds) != 1:
        raise RuntimeError(f"the seeds of {stem} ran on different kinds of machine: {kinds}")
    bands = {}
    for metric in runs[0]["metrics"]:
        measured = [(run["metrics"][metric], seed) for run, seed in zip(runs, seeds)
                    if metric in run["metrics"]]
        values = [value for value, _ in measured]
        bands[metric] = {
            "min": min(values), "max": max(values), "n": len(values),
            "values": values, "seeds": [seed for _, seed in measured],
            "date": date.today().isoformat(), "machine": machine(runs[0]["device"]),
            "cpu_cores": os.cpu_count(), "load_15min": round(os.getloadavg()[2], 1),
            "versions": runs[0]["versions"], "dataset": runs[0]["headline"].get("dataset"),
            "wall_s": [round(run["wall_s"], 1) for run in runs],
        }
    return {kinds.pop(): bands}


def write_bands(stem: str, mode: str, measured: dict) -> None:
    """Merge one chapter's bands for one mode into bands.json (re-read at each write): the
    kinds of machine measured now replace theirs, everything else stays."""
    recorded = json.loads(BANDS_JSON.read_text()) if BANDS_JSON.exists() else {}
    chapters = recorded.get("bands", {})
    chapters.setdefault(stem, {}).setdefault(mode, {}).update(measured)
    BANDS_JSON.write_text(json.dumps({
        "about": "Expected-result bands, written by `python benchmarks/run.py --bands` "
                 "(never by hand); read by labhelpers.device.band.",
        "bands": dict(sorted(chapters.items())),
    }, indent=1, ensure_ascii=False) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("chapters", nargs="*", help="file stems in book/ (default: all)")
    parser.add_argument("--suite", action="store_true", help="time the quick suite and build")
    parser.add_argument("--no-chapters", action="store_true", help="run no chapter")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    parser.add_argument("--bands", action="store_true",
                        help="measure expected-result bands of the named chapters instead")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per band (at least 3)")
    parser.add_argument("--quick", action="store_true", help="bands in quick mode (default)")
    parser.add_argument("--full", action="store_true", help="bands in full mode")
    args = parser.parse_args()
    known = toc_chapters()
    unknown = [stem for stem in args.chapters if stem not in known + list(SECTIONS)]
    if unknown:
        parser.error(f"unknown chapters {unknown}; _toc.yml lists {known}, and the parts "
                     f"{list(SECTIONS)} run on their own")
    if args.bands:
        if any(stem in SECTIONS for stem in args.chapters):
            parser.error("--bands measures whole chapters, not parts")
        if not args.chapters:
            parser.error("--bands needs the chapters to measure (file stems in book/)")
        if args.seeds < 3:
            parser.error("--seeds: a band needs at least 3 seeds")
        seeds = [FIRST_SEED + i for i in range(args.seeds)]
        modes = [m for m, wanted in [("quick", args.quick or not args.full),
                                     ("full", args.full)] if wanted]
        for stem in args.chapters:
            for mode in modes:
                measured = measure_bands(stem, seeds, mode == "quick", args.timeout)
                write_bands(stem, mode, measured)
        print(f"wrote {BANDS_JSON.relative_to(ROOT)} on {platform.node()}")
        return
    new_rows = {}
    for stem in [] if args.no_chapters else (args.chapters or known + list(SECTIONS)):
        print(f"running {stem} in full mode ...", flush=True)
        try:
            new_rows[stem] = run_chapter(stem, args.timeout)
        except Exception as error:  # a chapter that cannot run is a row too
            new_rows[stem] = not_run_row(stem, error)
        row = new_rows[stem]
        print(f"  {row['metric']} = {row['value']} in {row['wall_s']} s")
        RESULTS_JSON.write_text(json.dumps(list(merged(new_rows).values()), indent=1) + "\n")
    if args.suite:
        for row in suite_rows():
            new_rows[row["chapter"]] = row
            print(f"{row['chapter']}: {row['wall_s']} s, passed={row['ok']}")
    ordered = sorted(merged(new_rows).values(),
                     key=lambda r: (r["chapter"].startswith("("), r["chapter"]))
    RESULTS_JSON.write_text(json.dumps(ordered, indent=1) + "\n")
    write_markdown(ordered)
    print(f"wrote {RESULTS_MD.relative_to(ROOT)} on {platform.node()}")


if __name__ == "__main__":
    main()
