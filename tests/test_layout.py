"""The layout labhelpers promises (issue 14): a core, one module per chapter, imports one way."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "labhelpers"
CHAPTER_MODULES = sorted(p.stem for p in (PACKAGE / "chapters").glob("ch*.py"))
BOOK = sorted((ROOT / "book").glob("[0-9][0-9]_*.py"))


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports (``from a import b`` counts as a and a.b)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def test_there_are_chapter_modules():
    assert CHAPTER_MODULES, "labhelpers/chapters/ holds no chNN_*.py module"


@pytest.mark.parametrize("module", CHAPTER_MODULES)
def test_each_chapter_module_serves_exactly_the_chapter_it_is_named_after(module):
    users = [p.stem for p in BOOK if f"labhelpers.chapters.{module}" in imported_modules(p)]
    assert len(users) == 1, f"labhelpers.chapters.{module} is imported by {users or 'no chapter'}"
    assert users[0][:2] == module[2:4], f"{module} serves {users[0]}, not chapter {module[2:4]}"


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_core_modules_never_import_chapter_code(path):
    wrong = {m for m in imported_modules(path) if m.startswith("labhelpers.chapters")}
    assert not wrong, f"core module {path.name} imports {sorted(wrong)}"


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.name)
def test_labhelpers_never_imports_the_book_or_its_tools(path):
    wrong = {m for m in imported_modules(path)
             if m.split(".")[0] in {"book", "tests", "tools", "benchmarks", "notebooks"}}
    assert not wrong, f"{path.relative_to(ROOT)} imports {sorted(wrong)}"


def test_chapter_modules_do_not_import_each_other():
    for path in (PACKAGE / "chapters").glob("ch*.py"):
        others = {m for m in imported_modules(path)
                  if m.startswith("labhelpers.chapters.") and m.split(".")[2] != path.stem}
        assert not others, f"{path.name} imports {sorted(others)}"


WINDOW = 6


def repeated_blocks(files: dict[str, list[str]]) -> list[str]:
    """Places where WINDOW consecutive normalised lines (blank lines and lone brackets
    dropped, whitespace collapsed) appear a second time in the given files."""
    seen: dict[tuple[str, ...], str] = {}
    found = []
    for name, lines in files.items():
        kept = [(number, re.sub(r"\s+", " ", line).strip()) for number, line in
                enumerate(lines, 1)]
        kept = [(n, text) for n, text in kept if len(text) > 3]
        for i in range(len(kept) - WINDOW + 1):
            block = tuple(text for _, text in kept[i : i + WINDOW])
            where = f"{name}:{kept[i][0]}"
            if block in seen:
                found.append(f"{where} repeats {seen[block]}")
            seen.setdefault(block, where)
    return found


def test_the_repetition_check_finds_a_copied_block():
    body = [f"    value_{i} = compute({i})" for i in range(WINDOW)]
    assert repeated_blocks({"a.py": ["def f():", *body], "b.py": ["def g():", *body]})
    assert not repeated_blocks({"a.py": ["def f():", *body]})


def test_no_block_of_six_lines_is_repeated_inside_labhelpers():
    files = {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8").splitlines()
             for p in sorted(PACKAGE.rglob("*.py"))}
    assert not repeated_blocks(files), "\n".join(repeated_blocks(files))
