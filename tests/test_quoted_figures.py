"""Every figure the prose quotes as a measured result comes from somewhere (issue 15).

A figure is a decimal percentage (93.65 %), a decimal below one with two or more digits
(0.8508) or a duration (19.9 s, 6 minutes) in the markdown of a chapter or in README.md;
quotations of the reports (lines starting with ">"), figures the prose calls estimates
and quick-mode run times (the benchmark measures full runs) are skipped. Each must be

(a) a lab report's figure: a number of ``../shared/seeds/*`` (beside the checkout), as
    written or rounded to the quoted digits (0.7149 quoted as 71.5 %);
(b) a figure of the chapter's row in ``benchmarks/results.json`` (any row for README.md),
    equal within the rounding of the quoted digits; durations within DURATION_TOLERANCE;
(c) in ALLOWED below, with the reason.

So a full-run figure typed into the prose fails as soon as the benchmark records another.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
RESULTS = ROOT / "benchmarks" / "results.json"
DURATION_TOLERANCE = 0.25  # a chapter's run time moves by this much with the machine's load
FIGURE = re.compile(
    r"(?<![\w.,/])(?:(?P<percent>\d{1,3}\.\d+)\s?%"
    r"|(?P<fraction>0\.\d{2,})(?![\d.])"
    r"|(?P<duration>\d+(?:\.\d+)?)\s?(?P<unit>s|seconds|min|minutes?)\b)"
)
SHARE = "share of the parameters in one layer: a property of the architecture, not a run"
ALLOWED = {  # (file, figure as written): reason
    ("07_cnn_cifar10.py", "8 minutes"): "the full-mode estimate of the chapter's top, repeated",
    ("07_cnn_cifar10.py", "99.7 %"): SHARE,
    ("08_functional_api.py", "99.8 %"): SHARE,
}
# Prose that still types measured figures no run records (strict: fixing one fails here).
PENDING: dict[str, str] = {}


def paragraphs(path: Path):
    """(first line number, text) of each paragraph of prose: markdown cells of a chapter,
    or a whole .md file; quotations of the reports (lines starting with ">") and code
    blocks left out."""
    in_markdown, fence, start, lines = path.suffix == ".md", None, 0, []
    for number, line in enumerate(path.read_text().splitlines() + [""], 1):
        if path.suffix == ".py" and line.startswith("# %%"):
            in_markdown, fence = "[markdown]" in line, None
            line = ""
        text = (line[1:] if path.suffix == ".py" else line) if in_markdown else ""
        if text.strip().startswith("```"):  # code shown in the prose is not a quoted figure
            fence = None if fence else ("directive" if "{" in text else "code")
            text = ""
        text = "" if fence == "code" else text
        if text.strip() and not text.lstrip().startswith(">"):
            start, lines = start or number, lines + [text]
        elif lines:
            yield start, "\n".join(lines)
            start, lines = 0, []


def quoted_figures(path: Path):
    """(line number, figure as written, value, kind, decimals) of every figure in the prose,
    but those in a clause that calls itself an estimate or is about quick mode (the
    benchmark measures full runs only), and "about ..." in a sentence that says estimate."""
    for start, text in paragraphs(path):
        for match in FIGURE.finditer(text):
            before, after = text[: match.start()], text[match.end() :]
            clause = re.split(r"[.;,]\s", before)[-1] + re.split(r"[.;,]\s", after)[0]
            sentence = re.split(r"[.;]\s", before)[-1] + re.split(r"[.;]\s", after)[0]
            if re.search(r"estimat|quick mode", clause, re.IGNORECASE) or (
                before.endswith("about ") and "estimat" in sentence
            ):
                continue
            kind = next(k for k in ("percent", "fraction", "duration") if match.group(k))
            written = match.group(kind)
            value = float(written) / (100 if kind == "percent" else 1)
            if kind == "duration" and match.group("unit").startswith("min"):
                value *= 60
            decimals = len(written.split(".")[1]) if "." in written else 0
            yield (
                start + before.count("\n"),
                match.group(0).strip(),
                value,
                kind,
                decimals + 2 * (kind == "percent"),
            )


def numbers(tree, durations: bool = False, key: str = "") -> list[float]:
    """Every number in a JSON tree; with ``durations``, only those of a key ending in s."""
    if isinstance(tree, dict):
        return [n for k, value in tree.items() for n in numbers(value, durations, str(k))]
    if isinstance(tree, list):
        return [n for value in tree for n in numbers(value, durations, key)]
    if not isinstance(tree, (int, float)) or isinstance(tree, bool):
        return []
    return [float(tree)] if not durations or re.search(r"[_ ]s$", key) else []


def reports() -> tuple[list[float], str]:
    """The numbers of the lab reports (also as fractions: "90%" is 0.90) and their text."""
    if not SEEDS.is_dir():
        pytest.skip(f"the lab reports are not beside this checkout ({SEEDS}), so quoted "
                    "figures cannot be traced to them; CI has them there")
    text = " ".join(path.read_text(errors="replace") for path in SEEDS.glob("*"))
    found = [float(n) for n in re.findall(r"\d+(?:\.\d+)?", text)]
    return found + [n / 100 for n in found], text


def in_reports(written: str, value: float, kind: str, decimals: int, seeds) -> bool:
    """A report's figure: a duration with its unit as written, else the number rounded."""
    numbers_, text = seeds
    if kind == "duration":
        number = re.match(r"[\d.]+", written).group(0)
        return re.search(rf"(?<![\d.]){re.escape(number)}\s?(s|sec|min)", text) is not None
    return matches(value, kind, decimals, numbers_)


def matches(value: float, kind: str, decimals: int, candidates: list[float]) -> bool:
    if kind == "duration":
        return any(abs(value - c) <= DURATION_TOLERANCE * c for c in candidates if c > 0)
    return any(abs(value - c) <= 0.5 * 10.0**-decimals + 1e-12 for c in candidates)


def unexplained(path: Path, rows: list[dict], seeds: list[float]) -> list[str]:
    stem = path.stem
    own = [row for row in rows if row.get("chapter") == stem] if path.suffix == ".py" else rows
    measured, times = numbers(own), numbers(own, durations=True)
    problems = []
    for number, written, value, kind, decimals in quoted_figures(path):
        if (path.name, written) in ALLOWED:
            continue
        from_report = in_reports(written, value, kind, decimals, seeds)
        recorded = times if kind == "duration" else measured
        if not from_report and not matches(value, kind, decimals, recorded):
            problems.append(f"{path.name}:{number}: {written}")
    return problems


SOURCES = sorted((ROOT / "book").glob("*.py")) + [ROOT / "README.md"]


@pytest.fixture(scope="module")
def sources_of_figures():
    return json.loads(RESULTS.read_text()), reports()


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(p, marks=pytest.mark.xfail(strict=True, reason=PENDING[p.stem]))
        if p.stem in PENDING
        else p
        for p in SOURCES
    ],
    ids=lambda p: p.name,
)
def test_every_quoted_figure_has_a_source(path, sources_of_figures):
    rows, seeds = sources_of_figures
    problems = unexplained(path, rows, seeds)
    assert not problems, (
        "figures quoted as measured that are neither a report's figure, nor within rounding "
        f"of {RESULTS.relative_to(ROOT)} (rerun `python benchmarks/run.py {path.stem}` and "
        "print them from there), nor in ALLOWED:\n" + "\n".join(problems)
    )


def scaled(tree, factor: float):
    """A JSON tree with every number multiplied by ``factor``."""
    if isinstance(tree, dict):
        return {key: scaled(value, factor) for key, value in tree.items()}
    if isinstance(tree, list):
        return [scaled(value, factor) for value in tree]
    if isinstance(tree, (int, float)) and not isinstance(tree, bool):
        return tree * factor
    return tree


def test_a_drifted_figure_is_caught(tmp_path, sources_of_figures):
    _, seeds = sources_of_figures
    chapter = tmp_path / "99_example.py"
    chapter.write_text("# %% [markdown]\n# The full run reached 93.65 % in 6 minutes.\n")
    row = {"chapter": "99_example", "wall_s": 350.0, "figures": {"m": {"a": {"acc": 0.93648}}}}
    assert not unexplained(chapter, [row], seeds)
    assert unexplained(chapter, [scaled(row, 1.01)], seeds) == ["99_example.py:2: 93.65 %"]
    assert unexplained(chapter, [{**row, "wall_s": 600.0}], seeds) == ["99_example.py:2: 6 minutes"]


def test_full_run_reads_the_recorded_run_in_quick_mode_and_this_run_in_full_mode(
    tmp_path, capsys, monkeypatch
):
    from labhelpers import device

    results = tmp_path / "results.json"
    results.write_text(json.dumps([{
        "chapter": "05_cnn_mnist", "date": "2026-12-02", "machine": "CPU, AMD EPYC, 2 cores",
        "device": "CPU", "versions": "TF 2.21.0", "wall_s": 90.0, "dataset": "mnist",
        "figures": {"models": {"lab CNN": {"accuracy": 0.9365}}},
    }]))
    this_run = {"models": {"lab CNN": {"accuracy": 0.5}}}
    monkeypatch.setenv("LAB_QUICK", "1")
    tables = device.full_run("05_cnn_mnist", this_run, results=str(results))
    said = capsys.readouterr().out
    assert "Full run of 2026-12-02 on CPU, AMD EPYC, 2 cores" in said
    assert "not this run's" in said
    assert tables["models"].loc["lab CNN", "accuracy"] == 0.9365
    with pytest.raises(LookupError, match="python benchmarks/run.py 06_fashion_mnist"):
        device.full_run("06_fashion_mnist", this_run, results=str(results))
    monkeypatch.setenv("LAB_QUICK", "0")
    tables = device.full_run("06_fashion_mnist", this_run, results=str(results))
    assert tables["models"].loc["lab CNN", "accuracy"] == 0.5
    assert "this run's figures" in capsys.readouterr().out
