"""A chapter opened in Colab (issue 17): its first code cell installs what Colab lacks, the
book's helpers, and nothing else is needed.

Colab cannot be reached from here, so this is as far as an offline machine goes: a fresh
virtual environment that sees the installed packages but not ``labhelpers`` (as Colab has
TensorFlow, Keras and the rest but not the book), the chapter's first cell run there with the
repository's address replaced by this checkout, then the helpers imported.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))
# What Colab's runtime has preinstalled among what the book imports (its default image ships
# the scientific Python stack, TensorFlow with Keras 3, PyTorch, JAX and Jupyter's own
# packages). The install cell adds labhelpers with --no-deps, so nothing else may be needed.
COLAB_SHIPS = {
    "tensorflow", "keras", "numpy", "pandas", "sklearn", "skimage", "scipy", "matplotlib",
    "seaborn", "tqdm", "torch", "jax", "IPython", "nbformat", "PIL", "yaml",
}


def repository_url() -> str:
    return yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]


def first_code_cell(notebook: Path) -> str:
    cells = json.loads(notebook.read_text())["cells"]
    return "".join(next(c for c in cells if c["cell_type"] == "code")["source"])


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_first_code_cell_installs_the_helpers_from_the_configured_repository(notebook):
    cell = first_code_cell(notebook)
    assert f'"git+{repository_url()}"' in cell and 'find_spec("labhelpers") is None' in cell, (
        f"{notebook.name}: the first code cell must install labhelpers from _config.yml's "
        "repository when it is missing (Colab), as chapter 0's does"
    )
    assert cell == first_code_cell(NOTEBOOKS[0]), f"{notebook.name}: not chapter 0's cell"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_the_book_needs_only_what_colab_ships():
    sources = [*(ROOT / "labhelpers").rglob("*.py"), *(ROOT / "book").glob("*.py")]
    needed = set().union(*(imported_modules(path) for path in sources))
    missing = needed - set(sys.stdlib_module_names) - COLAB_SHIPS - {"labhelpers", "__future__"}
    assert not missing, (
        f"the book imports {sorted(missing)}, which Colab does not ship and the install cell "
        "(--no-deps) does not add"
    )


def test_first_cell_installs_the_helpers_where_they_are_missing(tmp_path):
    if not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout to install from")
    env = tmp_path / "colab"
    subprocess.run([sys.executable, "-m", "venv", env], check=True)
    python = env / "bin" / "python"
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = subprocess.run([python, "-c", purelib],
                          capture_output=True, text=True, check=True).stdout.strip()
    # The installed packages without labhelpers: a plain path entry skips the editable finder.
    Path(site, "colab_like.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    probe = "import importlib.util as u; print(u.find_spec('labhelpers') is None)"
    assert subprocess.run([python, "-c", probe], capture_output=True, text=True, check=True,
                          cwd=tmp_path).stdout.strip() == "True"
    cell = first_code_cell(NOTEBOOKS[0]).replace(f"git+{repository_url()}", f"git+file://{ROOT}")
    offline = {"PIP_NO_INDEX": "1", "PIP_NO_BUILD_ISOLATION": "0", "PATH": "/usr/bin:/bin"}
    run = subprocess.run([python, "-c", cell + "\nimport labhelpers\nprint(labhelpers.__file__)"],
                         capture_output=True, text=True, env=offline, timeout=600, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.strip().startswith(site), run.stdout
    again = subprocess.run([python, "-c", cell], capture_output=True, text=True, env=offline,
                           cwd=tmp_path)
    assert again.returncode == 0 and not again.stdout and not again.stderr, (
        "where labhelpers is installed the cell must do nothing", again.stdout, again.stderr)
