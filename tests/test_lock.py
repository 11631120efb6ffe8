"""The locks `make setup` installs (requirements/lock-*.txt) agree with pyproject.toml: every
dependency it names is locked, inside its range, and the lock names nothing it dropped."""

from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tools.latest_check import PIN, canonical, locked_versions

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pytest's own dependency
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
# The platform the locks are resolved for (`make lock`).
LOCKED_PLATFORM = {
    **default_environment(),
    "python_version": "3.11",
    "python_full_version": "3.11.0",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "os_name": "posix",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
}
FROM_PYPROJECT = "labhelpers (pyproject.toml)"  # uv's annotation of a top-level pin


def declared(project: dict, extras: tuple[str, ...]) -> list[Requirement]:
    """A [project] table's dependencies plus those of ``extras``, where the platform needs them."""
    lines = project["dependencies"] + [
        line for extra in extras for line in project["optional-dependencies"][extra]
    ]
    requirements = [Requirement(line) for line in lines]
    return [
        requirement
        for requirement in requirements
        if requirement.marker is None or requirement.marker.evaluate(LOCKED_PLATFORM)
    ]


def locked_for_pyproject(lock_text: str) -> set[str]:
    """The names a uv lock pinned for pyproject.toml itself (its "via" notes say so)."""
    names, current = set(), None
    for line in lock_text.splitlines():
        if match := PIN.match(line):
            current = canonical(match[1])
        elif current and line.lstrip().startswith("#") and FROM_PYPROJECT in line:
            names.add(current)
    return names


def disagreements(requirements: list[Requirement], lock_text: str, lock_name: str) -> list[str]:
    """One sentence per way the lock and pyproject.toml's ``requirements`` disagree."""
    pins = {name: Version(version) for name, version in locked_versions(lock_text).items()}
    problems = []
    for requirement in requirements:
        name = canonicalize_name(requirement.name)
        if name not in pins:
            problems.append(f"pyproject.toml asks for {requirement}, {lock_name} has no {name}")
        elif not requirement.specifier.contains(pins[name], prereleases=True):
            problems.append(
                f"{lock_name} pins {name}=={pins[name]}, outside pyproject.toml's {requirement}"
            )
    asked = {canonicalize_name(requirement.name) for requirement in requirements}
    problems += [
        f"{lock_name} pins {name}=={pins[name]} for pyproject.toml, which no longer asks for it"
        for name in sorted(locked_for_pyproject(lock_text) - asked)
    ]
    return problems


@pytest.mark.parametrize("extras", [("test",), ("test", "backends")], ids=",".join)
def test_lock_agrees_with_pyproject(extras):
    lock = ROOT / "requirements" / f"lock-{'-'.join(extras)}.txt"
    assert lock.is_file(), f"no {lock.relative_to(ROOT)} for `make setup EXTRAS={','.join(extras)}`"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    problems = disagreements(
        declared(project, extras), lock.read_text(), str(lock.relative_to(ROOT))
    )
    assert not problems, "\n".join(problems) + "\nRegenerate the locks: make lock"


LOCK = """\
numpy==2.4.6 \\
    --hash=sha256:00
    # via
    #   labhelpers (pyproject.toml)
    #   pandas
pandas==2.3.0 \\
    --hash=sha256:11
    # via labhelpers (pyproject.toml)
six==1.17.0 \\
    --hash=sha256:22
    # via pandas
torch==2.13.0+cpu \\
    --hash=sha256:33
    # via labhelpers (pyproject.toml)
"""


def test_a_lock_that_fits_has_no_disagreement():
    requirements = [Requirement(line) for line in ["NumPy>=1.26", "pandas>=2.0", "torch==2.13.0"]]
    assert disagreements(requirements, LOCK, "lock.txt") == []


def test_a_dependency_missing_from_the_lock_is_named():
    requirements = [Requirement(line) for line in ["numpy", "pandas", "torch", "seaborn>=0.13"]]
    assert disagreements(requirements, LOCK, "lock.txt") == [
        "pyproject.toml asks for seaborn>=0.13, lock.txt has no seaborn"
    ]


def test_a_pin_outside_the_range_is_named():
    requirements = [Requirement(line) for line in ["numpy<2", "pandas", "torch"]]
    assert disagreements(requirements, LOCK, "lock.txt") == [
        "lock.txt pins numpy==2.4.6, outside pyproject.toml's numpy<2"
    ]


def test_a_dependency_dropped_from_pyproject_is_named():
    requirements = [Requirement(line) for line in ["numpy", "pandas"]]
    assert disagreements(requirements, LOCK, "lock.txt") == [
        "lock.txt pins torch==2.13.0+cpu for pyproject.toml, which no longer asks for it"
    ]


def test_only_the_platform_s_dependencies_and_the_chosen_extras_are_declared():
    project = {
        "dependencies": ["numpy", "appnope; sys_platform == 'darwin'"],
        "optional-dependencies": {"test": ["pytest"], "backends": ["jax"]},
    }
    assert [requirement.name for requirement in declared(project, ("test",))] == [
        "numpy",
        "pytest",
    ]
