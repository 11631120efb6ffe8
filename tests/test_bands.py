"""Expected-result bands: the seed override of the benchmark, the bands file it writes and
``device.band``, which prints a chapter's result next to its band (issue 18)."""

import json
import os
import re
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from labhelpers import device

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
sys.path.insert(0, str(ROOT / "benchmarks"))
import notebooks  # noqa: E402  (benchmarks/notebooks.py)
import run  # noqa: E402  (benchmarks/run.py)

KIND = "2 CPU cores"


def tiny_notebook(parameters="SEED = 42\nEPOCHS = 1"):
    cells = [nbformat.v4.new_markdown_cell("# Title"), nbformat.v4.new_code_cell("import os")]
    if parameters is not None:
        cells.append(nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}))
    cells.append(nbformat.v4.new_code_cell("print(SEED)"))
    return nbformat.v4.new_notebook(cells=cells)


def test_with_seed_inserts_a_cell_right_after_the_parameters_cell():
    notebook = notebooks.with_seed(tiny_notebook(), 7)
    sources = [cell.source for cell in notebook.cells]
    assert sources[2] == "SEED = 42\nEPOCHS = 1"  # the parameters cell itself is unchanged
    assert sources[3].startswith("SEED = 7  #")
    assert notebook.cells[3].metadata["tags"] == ["injected-parameters"]
    namespace = {}
    for source in sources[2:4]:
        exec(source, namespace)
    assert namespace["SEED"] == 7 and namespace["EPOCHS"] == 1


@pytest.mark.parametrize("parameters, message", [
    (None, "exactly one cell tagged 'parameters'"),
    ("EPOCHS = 1\nN_SEED = 3", "defines no SEED"),
    ("SEED = 42  # the SEED\nRUNS = (SEED, SEED + 1)", "computes 'RUNS = .*' from SEED"),
])
def test_with_seed_refuses_a_notebook_it_cannot_reseed(parameters, message):
    with pytest.raises(ValueError, match=message):
        notebooks.with_seed(tiny_notebook(parameters), 7)


@pytest.mark.parametrize("seed", [-1, 1.5, True, "7"])
def test_with_seed_refuses_a_bad_seed(seed):
    with pytest.raises(ValueError, match="non-negative integer"):
        notebooks.with_seed(tiny_notebook(), seed)


@pytest.mark.parametrize("path", sorted(BOOK.glob("[0-9][0-9]_*.ipynb")), ids=lambda p: p.stem)
def test_every_chapter_can_be_reseeded(path):
    notebook = nbformat.read(path, as_version=4)
    count = len(notebook.cells)
    notebooks.with_seed(notebook, 43)
    assert len(notebook.cells) == count + 1
    injected = [i for i, c in enumerate(notebook.cells)
                if "injected-parameters" in c.metadata.get("tags", [])]
    assert "parameters" in notebook.cells[injected[0] - 1].metadata["tags"]


def test_band_metrics_take_what_the_chapter_gave_band_else_the_headline():
    assert run.band_metrics({"headline": {"metric": "acc", "value": 0.5},
                             "bands": {"a": 1, "b": None}}) == {"a": 1.0}
    assert run.band_metrics({"headline": {"metric": "acc", "value": 0.5}, "bands": {}}) == {
        "acc": 0.5}
    assert run.band_metrics({"headline": {"metric": "acc", "value": None}, "bands": {}}) == {}


def test_write_bands_merges_and_keeps_other_chapters(tmp_path, monkeypatch):
    monkeypatch.setattr(run, "BANDS_JSON", tmp_path / "bands.json")
    run.write_bands("00_a", "quick", {KIND: {"m": {"min": 0.1, "max": 0.2}}})
    run.write_bands("05_b", "quick", {KIND: {"m": {"min": 0.3, "max": 0.4}}})
    run.write_bands("00_a", "full", {KIND: {"m": {"min": 0.5, "max": 0.6}}})
    run.write_bands("00_a", "quick", {KIND: {"n": {"min": 0.7, "max": 0.8}}})
    written = json.loads((tmp_path / "bands.json").read_text())
    assert "never by hand" in written["about"]
    assert written["bands"] == {
        "00_a": {"quick": {KIND: {"n": {"min": 0.7, "max": 0.8}}},
                 "full": {KIND: {"m": {"min": 0.5, "max": 0.6}}}},
        "05_b": {"quick": {KIND: {"m": {"min": 0.3, "max": 0.4}}}},
    }


@pytest.fixture
def bands_file(tmp_path, monkeypatch):
    monkeypatch.setattr(device, "machine_kind", lambda: KIND)
    monkeypatch.setenv("LAB_QUICK", "1")
    entry = {"min": 0.861, "max": 0.882, "n": 3, "values": [0.861, 0.87, 0.882],
             "seeds": [42, 43, 44], "dataset": "mnist: 2,000 train + 500 test images, "
             "real subset, from /somewhere/else"}
    path = tmp_path / "bands.json"
    path.write_text(json.dumps({"bands": {"00_ch": {
        "quick": {KIND: {"test accuracy": entry}},
        "full": {"GPU, 16 CPU cores": {"test accuracy": entry}},
    }}}))
    return str(path)


@pytest.mark.parametrize("value, verdict, said", [
    (0.874, "inside", "(inside the band)."),
    (0.861, "inside", "(inside the band)."),
    (0.89, "near", "likely noise"),
    (0.85, "near", "likely noise"),
    (0.80, "outside", "outside the band: did a parameter change?"),
    (0.95, "outside", "outside the band: did a parameter change?"),
])
def test_band_says_where_the_value_lies(bands_file, capsys, value, verdict, said):
    assert device.band("test accuracy", value, chapter="00_ch", bands=bands_file) == verdict
    line = capsys.readouterr().out
    assert line.startswith(f"test accuracy: yours {value:.4f}; 3 seeds, quick mode, {KIND}: "
                           "0.8610-0.8820 ")
    assert said in line and line.count("\n") == 1


def test_band_says_when_there_is_no_band_for_this_mode_or_machine(bands_file, capsys,
                                                                  monkeypatch):
    monkeypatch.setenv("LAB_QUICK", "0")
    assert device.band("test accuracy", 0.87, chapter="00_ch", bands=bands_file) == "no band"
    line = capsys.readouterr().out
    assert f"no band for full mode on {KIND} yet" in line
    assert "(recorded: full mode on GPU, 16 CPU cores, quick mode on 2 CPU cores)" in line
    assert "python benchmarks/run.py --bands 00_ch --seeds 3 --full" in line
    assert device.band("another metric", 0.87, chapter="00_ch", bands=bands_file) == "no band"
    assert "yet:" in capsys.readouterr().out  # nothing recorded anywhere: no "(recorded"


def test_band_compares_only_on_the_same_data(bands_file, capsys):
    same = "mnist: 2,000 train + 500 test images, real subset, from /my/cache"
    assert device.band("test accuracy", 0.87, same, chapter="00_ch", bands=bands_file) == "inside"
    other = "mnist: 2,000 train + 500 test images, stand-in, from scikit-learn"
    assert device.band("test accuracy", 0.87, other, chapter="00_ch",
                       bands=bands_file) == "other data"
    assert "not comparable" in capsys.readouterr().out.splitlines()[-1]


def test_band_never_raises(tmp_path, bands_file, capsys, monkeypatch):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert device.band("test accuracy", 0.87, chapter="00_ch", bands=str(broken)) == "no band"
    assert "no band to compare with (JSONDecodeError" in capsys.readouterr().out
    assert device.band("m", 0.87, chapter="00_ch",
                       bands=str(tmp_path / "none.json")) == "no band"
    assert "no bands file" in capsys.readouterr().out
    assert device.band("test accuracy", "n/a", chapter="00_ch", bands=bands_file) == "no band"
    assert "yours 'n/a'" in capsys.readouterr().out
    monkeypatch.setenv("LAB_QUICK", "maybe")
    assert device.band("test accuracy", 0.87, chapter="00_ch", bands=bands_file) == "no band"


def test_band_compares_with_the_chapter_summary_named_and_keeps_the_values(bands_file, capsys,
                                                                            monkeypatch):
    monkeypatch.setattr(device, "_chapter", None)
    monkeypatch.setattr(device, "_measured", {})
    assert device.band("test accuracy", 0.87, bands=bands_file) == "no band"
    assert "name the chapter with device.summary(chapter=...)" in capsys.readouterr().out
    device.summary(verbose=False, chapter="00_ch")
    assert device.measured() == {}  # summary starts a new run: the value above is dropped
    assert device.band("test accuracy", 0.87, bands=bands_file) == "inside"
    device.band("another metric", np.float32(0.5), bands=bands_file)
    assert device.measured() == {"test accuracy": 0.87, "another metric": 0.5}
    device.summary(verbose=False, chapter="01_other")
    assert device.measured() == {}
    assert device.band("test accuracy", 0.87, bands=bands_file) == "no band"  # not 01's


def test_machine_kind_names_the_cores():
    assert f"{os.cpu_count()} CPU cores" in device.machine_kind()


def band_calls(path):
    return re.findall(r'device\.band\(\s*f?"([^"]+)"', path.read_text())


@pytest.mark.parametrize("path", sorted(p for p in BOOK.glob("[0-9][0-9]_*.py") if band_calls(p)),
                         ids=lambda p: p.stem)
def test_every_chapter_that_prints_bands_has_quick_bands_recorded(path):
    recorded = json.loads((ROOT / "benchmarks" / "bands.json").read_text())  # as written
    quick = recorded["bands"][path.stem]["quick"]
    assert quick, f"no quick-mode band of {path.stem}: run benchmarks/run.py --bands"
    for metrics in quick.values():
        for metric, entry in metrics.items():
            assert entry["n"] >= 3 and entry["n"] == len(entry["values"]) == len(entry["seeds"])
            assert len(set(entry["seeds"])) == entry["n"], (metric, "seeds must differ")
            assert entry["min"] == min(entry["values"]) and entry["max"] == max(entry["values"])
    for literal in re.findall(r'device\.band\(\s*"([^"]+)"', path.read_text()):
        for metrics in quick.values():  # a metric named in the code must be the one recorded
            assert literal in metrics, (literal, list(metrics))


def test_recorded_time_gives_the_band_runs_wall_times(tmp_path, monkeypatch):
    monkeypatch.setattr(device, "machine_kind", lambda: KIND)
    monkeypatch.setenv("LAB_QUICK", "1")
    timed = {"min": 0.8, "max": 0.9, "wall_s": [41.0, 52.5, 47.0], "date": "2026-12-03",
             "load_15min": 1.2}
    bands = tmp_path / "bands.json"
    bands.write_text(json.dumps({"bands": {"00_ch": {"quick": {KIND: {"acc": timed}}}}}))
    results = tmp_path / "results.json"
    results.write_text(json.dumps([{"chapter": "00_ch", "wall_s": 400.0, "device": "CPU",
                                    "cpu_cores": int(KIND.split()[0]), "date": "2026-12-01",
                                    "load_15min": 3.0}]))
    line = device.recorded_time("00_ch", bands=str(bands), results=str(results))
    assert line == (f"recorded run time, quick mode, {KIND}: 41 s to 52 s (3 benchmark runs "
                    "of 2026-12-03, load average 1.2)")
    assert "none yet for quick mode" in device.recorded_time("99_x", str(bands), str(results))
    monkeypatch.setenv("LAB_QUICK", "0")  # no full band: the full run of results.json
    assert device.recorded_time("00_ch", str(bands), str(results)) == (
        f"recorded run time, full mode, {KIND}: 6.7 min (one benchmark run of 2026-12-01, "
        "load average 3.0)")
    monkeypatch.setattr(device, "machine_kind", lambda: "GPU, 16 CPU cores")  # not this kind
    assert "none yet for full mode on GPU" in device.recorded_time("00_ch", str(bands),
                                                                    str(results))
    bands.write_text("{not json")
    assert "none readable" in device.recorded_time("00_ch", str(bands), str(results))


@pytest.mark.parametrize("path", sorted(p for p in BOOK.glob("[0-9][0-9]_*.py") if band_calls(p)),
                         ids=lambda p: p.stem)
def test_every_chapter_with_bands_prints_its_recorded_run_time(path):
    assert f'device.summary(chapter="{path.stem}")' in path.read_text()


def test_the_readme_names_the_chapters_with_full_mode_bands():
    readme = " ".join((ROOT / "README.md").read_text().split())
    listed = re.search(r"full-mode bands for chapters ([\d, and]+) \(", readme)
    assert listed, "README.md no longer says which chapters have full-mode bands"
    named = {int(n) for n in re.findall(r"\d+", listed.group(1))}
    recorded = json.loads((ROOT / "benchmarks" / "bands.json").read_text())["bands"]
    with_full = {int(stem[:2]) for stem, modes in recorded.items() if modes.get("full")}
    assert named == with_full, f"README names {sorted(named)}, bands.json has {sorted(with_full)}"
