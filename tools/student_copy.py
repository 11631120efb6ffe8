"""Write the book's notebooks without their solutions, for a teacher to hand out.

    python tools/student_copy.py OUTDIR            # or: make student-copy OUT=OUTDIR

Every markdown ``<details>`` block (and any MyST "Solutions" dropdown) is removed; the stubs,
their checks and the ``exercise-setup`` cells stay, so every exercise still runs and says
"not done yet" until the student writes it.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_SOLUTION_BLOCKS = [
    re.compile(r"<details>.*?</details>\s*", re.DOTALL),
    re.compile(r"^```\{admonition\} Solutions?\b.*?^```[ \t]*$\n?", re.DOTALL | re.MULTILINE),
]


def strip_solutions(text: str) -> str:
    """Markdown without its <details> and "Solutions" dropdown blocks."""
    for pattern in _SOLUTION_BLOCKS:
        text = pattern.sub("", text)
    return text.rstrip()


def student_copy(book: Path, out: Path) -> list[Path]:
    """Write every notebook of ``book`` to ``out`` without its solutions; return the paths."""
    import nbformat

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted(Path(book).glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        cells = []
        for cell in notebook.cells:
            if cell.cell_type == "markdown":
                cell.source = strip_solutions(cell.source)
                if not cell.source.strip():
                    continue
            cells.append(cell)
        notebook.cells = cells
        nbformat.write(notebook, out / path.name)
        written.append(out / path.name)
    return written


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python tools/student_copy.py", description=__doc__.splitlines()[0]
    )
    parser.add_argument("out", metavar="OUTDIR", type=Path,
                        help="write the notebooks without solutions into OUTDIR")
    parser.add_argument(
        "--book",
        type=Path,
        default=ROOT / "book",
        help="the folder of the book's .ipynb files (default: the repository's book/)",
    )
    args = parser.parse_args(argv)
    if not args.book.is_dir() or not any(args.book.glob("*.ipynb")):
        parser.error(
            f"no notebooks in {args.book}: pass --book with the folder of the .ipynb files"
        )
    written = student_copy(args.book, args.out)
    print(f"Wrote {len(written)} notebooks without solutions to {args.out}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
