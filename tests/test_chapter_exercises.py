"""Every exercise of the book, run both ways (issue 18): stub says "not done", solution passes.

An exercise is a code cell tagged ``exercise`` followed by a markdown cell with a
``<details>`` block holding one ```python fence (see the book's exercise format). Each runs in
a fresh namespace with only its chapter's Setup imports, then the chapter's one code cell
tagged ``exercise-setup`` if it has one (what several exercises share, e.g. a stand-in model),
placed before the first exercise that uses it.
"""

from __future__ import annotations

import ast
import contextlib
import io
import re
from pathlib import Path

import pytest

BOOK = Path(__file__).resolve().parent.parent / "book"
CHAPTERS = sorted(BOOK.glob("[0-9][0-9]_*.py"))
SETUP_TAG = '"exercise-setup"'
SOLUTION = re.compile(r"<details>.*?```python\n(.*?)```.*?</details>", re.DOTALL)


def cells(chapter: Path) -> list[tuple[str, str]]:
    """The chapter's cells as (header line, source), markdown sources without their '# '."""
    found, header, lines = [], None, []
    for line in chapter.read_text().splitlines():
        if line.startswith("# %%"):
            if header is not None:
                found.append((header, "\n".join(lines).strip()))
            header, lines = line, []
        elif header is not None:
            lines.append(line)
    if header is not None:
        found.append((header, "\n".join(lines).strip()))
    return [
        (
            head,
            "\n".join(re.sub(r"^# ?", "", line) for line in source.splitlines())
            if "[markdown]" in head
            else source,
        )
        for head, source in found
    ]


def setup_imports(chapter_cells) -> str:
    """The import statements of the Setup's import cell: the first code cell after '## Setup'
    that imports labhelpers (the Colab install cell comes before it)."""
    after_setup = False
    for head, source in chapter_cells:
        if "[markdown]" in head:
            after_setup = after_setup or bool(re.search(r"^## Setup\s*$", source, re.MULTILINE))
        elif after_setup and re.search(r"^import labhelpers\b", source, re.MULTILINE):
            tree = ast.parse(source)
            imports = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
            return (
                "\n".join(ast.unparse(node) for node in imports)
                + "\nfrom labhelpers import exercises"
            )
    raise AssertionError("no code cell importing labhelpers after '## Setup'")


def exercise_setup(chapter_cells) -> str:
    """The source of the chapter's one cell tagged ``exercise-setup``, or ""."""
    sources = [source for head, source in chapter_cells if SETUP_TAG in head]
    assert len(sources) <= 1, f"{len(sources)} cells tagged exercise-setup: a chapter has one"
    return sources[0] if sources else ""


def exercises_of(chapter: Path) -> list[tuple[str, str, str, str]]:
    """(name, setup, exercise cell, solution code) for each exercise of the chapter; the setup
    is the Setup imports, then the chapter's ``exercise-setup`` cell."""
    chapter_cells = cells(chapter)
    setup = setup_imports(chapter_cells) + "\n" + exercise_setup(chapter_cells)
    found = []
    for index, (head, source) in enumerate(chapter_cells):
        if '"exercise"' not in head:
            continue
        titles = [
            s
            for h, s in chapter_cells[:index]
            if "[markdown]" in h and re.search(r"^##+ ", s, re.M)
        ]
        title = (
            re.findall(r"^##+ (.*)$", titles[-1], re.M)[-1].split(":")[0].strip()
            if titles
            else f"cell {index}"
        )
        following = [
            s for h, s in chapter_cells[index + 1 :] if "[markdown]" in h and "<details>" in s
        ][:1]
        solution = (
            SOLUTION.search(following[0]).group(1)
            if following and SOLUTION.search(following[0])
            else ""
        )
        found.append((f"{chapter.stem}:{title}", setup, source, solution))
    return found


ALL = [exercise for chapter in CHAPTERS for exercise in exercises_of(chapter)]


def run(code: str, namespace: dict):
    """Execute ``code``; return the value of its last expression and what it printed."""
    tree = ast.parse(code)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(tree, "<exercise>", "exec"), namespace)
        value = (
            eval(compile(ast.Expression(last.value), "<exercise>", "eval"), namespace)
            if last
            else None
        )
    return value, out.getvalue()


def defined_names(code: str) -> set[str]:
    names = set()
    for node in ast.parse(code).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names


def checks_only(cell: str, solution: str) -> str:
    """The exercise cell without the statements that define what the solution defines."""
    names = defined_names(solution)
    kept = [node for node in ast.parse(cell).body if not (defined_names(ast.unparse(node)) & names)]
    return "\n".join(ast.unparse(node) for node in kept)


@pytest.mark.parametrize(("name", "setup", "cell", "solution"), ALL, ids=[e[0] for e in ALL])
def test_the_stub_says_not_done_and_the_solution_passes(name, setup, cell, solution):
    namespace: dict = {}
    exec(setup, namespace)
    verdict, said = run(cell, namespace)
    assert verdict is not None and not verdict, (
        f"{name}: the stub's verdict should be falsy ({said!r})"
    )
    assert "⏳ Not" in said, (
        f"{name}: the stub should say 'not done/answered yet', it said {said!r}"
    )

    assert solution, f"{name}: no <details> block with a ```python solution follows the exercise"
    assert_solution_passes(name, setup, cell, solution)


def assert_solution_passes(name, setup, cell, solution):
    namespace: dict = {}
    exec(setup, namespace)
    run(solution, namespace)
    verdict, said = run(checks_only(cell, solution), namespace)
    assert verdict, f"{name}: the solution should pass, it said {said!r}"
    assert "✅" in said


# A chapter that calls device.speedups() runs its exercises under the policy it picked:
# mixed_float16 on a recent GPU, mixed_bfloat16 on a CPU with bfloat16 instructions. A
# reference computed by a Keras layer must not change with it.
CALLS_SPEEDUPS = re.compile(r"^[^#\n]*device\.speedups\(\)", re.MULTILINE)  # code, not prose
UNDER_SPEEDUPS = [e for e in ALL
                  if CALLS_SPEEDUPS.search((BOOK / f"{e[0].split(':')[0]}.py").read_text())]


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
@pytest.mark.parametrize(("name", "setup", "cell", "solution"), UNDER_SPEEDUPS,
                         ids=[e[0] for e in UNDER_SPEEDUPS])
def test_the_solution_passes_under_the_policy_speedups_may_pick(policy, name, setup, cell,
                                                                 solution):
    import keras

    keras.mixed_precision.set_global_policy(policy)
    try:
        assert_solution_passes(name, setup, cell, solution)
    finally:
        keras.mixed_precision.set_global_policy("float32")


# Every chapter has at least two code exercises besides its "Your turn" (issue 18).
@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.stem)
def test_each_chapter_has_at_least_two_code_exercises(chapter):
    names = [name for name, *_ in exercises_of(chapter) if ":Exercise" in name]
    assert len(names) >= 2, f"{chapter.stem} has {len(names)} code exercises ({names}); it needs 2"


# The exercise-setup cell runs before each exercise here; in the notebook it must also come
# before every exercise that uses what it defines.
@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.stem)
def test_exercises_come_after_the_setup_they_use(chapter):
    chapter_cells = cells(chapter)
    shared = defined_names(exercise_setup(chapter_cells))
    seen_setup = False
    for head, source in chapter_cells:
        seen_setup = seen_setup or SETUP_TAG in head
        if '"exercise"' in head and not seen_setup:
            used = {node.id for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Name)}
            assert not used & shared, (
                f"{chapter.stem}: an exercise uses {sorted(used & shared)} before the "
                "exercise-setup cell that defines them"
            )
