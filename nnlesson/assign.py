"""Make the student version of the lessons: ``nnlesson-assign SOURCE_DIR OUT_DIR``.

The lessons are the teacher's version. Their exercises use nbgrader's markers:

- code between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` becomes ``# YOUR CODE HERE`` and
  ``raise NotImplementedError()`` (indented like the solution; the code around it stays);
- in a markdown cell the region becomes ``YOUR ANSWER HERE``;
- ``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS`` is removed, markers included.

Outputs, execution counts and stored widget state are cleared. The same notebooks work with
nbgrader itself (set ``ClearSolutions.enforce_metadata = False``, as these cells carry no nbgrader
metadata). Running the command again gives the same files.
"""

import argparse
import re
import sys
from pathlib import Path

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
CODE_STUB = ["# YOUR CODE HERE", "raise NotImplementedError()"]
MARKDOWN_STUB = ["YOUR ANSWER HERE"]


def _marker(line):
    """The marker on a line (code ``### ...`` or markdown ``# ### ...`` after jupytext), or None."""
    stripped = re.sub(r"^#\s(?=###)", "", line.strip())
    for marker in (BEGIN_SOLUTION, END_SOLUTION, BEGIN_HIDDEN, END_HIDDEN):
        if stripped == marker:
            return marker
    return None


def strip_source(source, cell_type):
    """One cell's student version: ``(text, solutions replaced, hidden tests removed)``."""
    out, solutions, hidden = [], 0, 0
    region = None
    for line in source.splitlines():
        marker = _marker(line)
        if marker == BEGIN_SOLUTION:
            region, solutions = "solution", solutions + 1
            indent = line[: len(line) - len(line.lstrip())]
            stub = CODE_STUB if cell_type == "code" else MARKDOWN_STUB
            out.extend(indent + s for s in stub)
        elif marker == BEGIN_HIDDEN:
            region, hidden = "hidden", hidden + 1
        elif marker in (END_SOLUTION, END_HIDDEN):
            region = None
        elif region is None:
            out.append(line)
    if region is not None:
        raise ValueError(f"a {region} region is not closed by its END marker in:\n{source}")
    return "\n".join(out), solutions, hidden


def student_notebook(nb):
    """A copy of the notebook ``nb`` (nbformat v4) as students get it; also the counts replaced."""
    import nbformat

    nb = nbformat.from_dict(nb)
    solutions = hidden = 0
    for cell in nb.cells:
        cell.source, s, h = strip_source(cell.source, cell.cell_type)
        solutions, hidden = solutions + s, hidden + h
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb.metadata.pop("widgets", None)
    return nb, solutions, hidden


def assign(source_dir, out_dir, *, write_py=False, log=print):
    """Write the student version of every notebook in ``source_dir`` to ``out_dir``."""
    import nbformat

    source_dir, out_dir = Path(source_dir).resolve(), Path(out_dir).resolve()
    if not source_dir.is_dir():
        raise FileNotFoundError(f"nnlesson-assign: no such folder: {source_dir}")
    if out_dir == source_dir:
        raise ValueError(
            f"nnlesson-assign: refusing to write into the source folder {source_dir}: the "
            f"solutions would be lost; choose another OUT_DIR"
        )
    notebooks = sorted(source_dir.glob("*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(f"nnlesson-assign: no .ipynb files in {source_dir}")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in notebooks:
        nb, solutions, hidden = student_notebook(nbformat.read(path, as_version=4))
        target = out_dir / path.name
        nbformat.write(nb, target)
        written.append(target)
        extra = ""
        if write_py:
            import jupytext

            jupytext.write(nb, target.with_suffix(".py"), fmt="py:percent")
            written.append(target.with_suffix(".py"))
            extra = " (and its .py)"
        log(f"wrote {target}{extra}: {solutions} solution(s) cleared, "
            f"{hidden} hidden test(s) removed")
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="nnlesson-assign",
        description="Write the student version of the lessons: solutions replaced by stubs, "
                    "hidden tests removed, outputs cleared.",
    )
    parser.add_argument("source_dir", help="folder with the teacher's notebooks (e.g. notebooks)")
    parser.add_argument("out_dir", help="folder for the student notebooks (e.g. student)")
    parser.add_argument("--py", action="store_true", help="also write each paired .py (percent)")
    args = parser.parse_args(argv)
    try:
        assign(args.source_dir, args.out_dir, write_py=args.py)
    except (ValueError, FileNotFoundError) as error:
        print(error, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
