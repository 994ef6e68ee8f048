"""Make the student version of the lessons, safely: ``nnlesson-assign SOURCE OUT``.

``nnlesson-assign --nbgrader SOURCE OUT`` writes nbgrader's source notebooks instead (exercise
cells split into answer and autograder tests, with points), and ``nnlesson-assign --check SOURCE``
checks everything and writes nothing (for CI and pre-commit).

The lessons are the teacher's version. Their exercises use nbgrader's markers, and the regions
nnlesson clears are exactly the regions nbgrader 0.9 clears (``ClearSolutions`` and
``ClearHiddenTests``):

- a line is a marker when it CONTAINS ``BEGIN SOLUTION``, ``END SOLUTION``, ``BEGIN HIDDEN TESTS``
  or ``END HIDDEN TESTS`` (case-sensitive), in any cell type; the whole marker line goes;
- a solution region becomes ``# YOUR CODE HERE`` / ``raise NotImplementedError()`` in a code cell
  (indented like its BEGIN line) and ``YOUR ANSWER HERE`` in a markdown or raw cell;
- a hidden-tests region is removed;
- a cell that nbgrader's metadata marks as a solution but that has no markers becomes the stub.

Everything else that looks like a marker is an error, never a silent copy: a near miss such as
``### BEGIN SOLUTON`` or ``### begin solution``, an END without its BEGIN, a region left open,
nested or doubled regions, two markers on one line. Errors name the notebook, the cell and the
line, and never print solution text.

Points: an exercise cell may declare its points once, on one of its BEGIN markers, as
``### BEGIN SOLUTION (2 points)`` (``(1 point)``, ``(0.5 points)``); an exercise that declares
nothing is worth 1 point. ``--nbgrader`` turns the declaration into nbgrader metadata.

Safety: every notebook is read and checked before anything is written; the files are written to a
temporary folder inside OUT and moved into place at the end. OUT may not be SOURCE, be inside it or
contain it (symlinks resolved); an existing file that holds solution markers is never overwritten;
a SOURCE without any marker (a student folder, or arguments swapped) is refused.

The student version keeps nothing of a solution: sources, outputs, execution counts, attachments
the remaining text does not reference, and all metadata but the kernel, the language, jupytext's
pairing and the cell tags are dropped.
"""

import argparse
import ast
import copy
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

BEGIN_SOLUTION, END_SOLUTION = "BEGIN SOLUTION", "END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
MARKERS = (BEGIN_SOLUTION, END_SOLUTION, BEGIN_HIDDEN, END_HIDDEN)
CODE_STUB = ["# YOUR CODE HERE", "raise NotImplementedError()"]
# nbgrader's stubs per kernel language (ClearSolutions.code_stub); other languages are refused.
CODE_STUBS = {"python": CODE_STUB, "R": ["# YOUR CODE HERE", "fail()"],
              "matlab": ["% YOUR CODE HERE", "error('No Answer Given!')"],
              "octave": ["% YOUR CODE HERE", "error('No Answer Given!')"],
              "sas": ["/* YOUR CODE HERE */", " %notImplemented;"], "java": ["// YOUR CODE HERE"]}
TEXT_STUB = ["YOUR ANSWER HERE"]
DEFAULT_POINTS = 1
# What a student notebook keeps of the metadata: nothing else can carry solution text.
NOTEBOOK_METADATA_KEPT = ("kernelspec", "language_info", "jupytext")
NBGRADER_STAMP = {"generated_by": "nnlesson-assign --nbgrader"}

_POINTS = re.compile(r"\((\d+(?:\.\d+)?) points?\)")
# Near misses: a word like BEGIN/END followed by a word like SOLUTION or HIDDEN, in any case.
_WORD = re.compile(r"[A-Za-z]+")


class AssignError(ValueError):
    """Problems found in the teacher's notebooks or the arguments; nothing was written."""

    def __init__(self, problems):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


def _distance(a, b):
    """Levenshtein distance (short words only)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _near_miss(line):
    """The words of ``line`` that look like a marker nbgrader would NOT recognise, or None."""
    words = _WORD.findall(line)
    for i, (first, second) in enumerate(zip(words, words[1:])):
        a, b = first.upper(), second.upper()
        if not (_distance(a, "BEGIN") <= 1 or a == "END"):
            continue
        if _distance(b, "SOLUTION") <= 2:
            return f"{first} {second}"
        after = words[i + 2].upper() if i + 2 < len(words) else "TESTS"  # "### END HIDDEN"
        if _distance(b, "HIDDEN") <= 1 and _distance(after, "TESTS") <= 2:
            return f"{first} {second}"
    for word in words:
        w = word.upper()
        if any(_distance(w, glued) <= 2 for glued in
               ("BEGINSOLUTION", "ENDSOLUTION", "BEGINHIDDEN", "ENDHIDDEN")):
            return word
    return None


def markers_in(line):
    """The nbgrader markers a line contains (nbgrader's rule: substring, case-sensitive)."""
    return [marker for marker in MARKERS if marker in line]


def has_markers(text):
    """Whether any line of ``text`` holds a marker nbgrader recognises."""
    return any(marker in text for marker in MARKERS)


@dataclass
class Region:
    """A solution or hidden-tests region of a cell: its lines between the markers."""

    kind: str  # "solution" or "hidden"
    begin: str  # the BEGIN line, kept for nbgrader's source version
    indent: str
    lines: list = field(default_factory=list)
    end: str = ""
    line_number: int = 0  # of the BEGIN line, counting from 1


@dataclass
class ParsedCell:
    """A cell as a list of parts: plain lines (str) and Regions, in order."""

    parts: list
    points: float | None = None  # declared on a BEGIN marker, else None

    @property
    def solutions(self):
        return [p for p in self.parts if isinstance(p, Region) and p.kind == "solution"]

    @property
    def hidden(self):
        return [p for p in self.parts if isinstance(p, Region) and p.kind == "hidden"]


def parse_cell(source, where="cell"):
    """Split one cell's source into plain lines and regions; AssignError on any bad marker.

    ``where`` (e.g. ``"notebooks/01.ipynb: cell 12 (code)"``) starts every message. Messages
    quote only marker words, never a line of the cell, so that no solution text is printed.
    """
    parts, region, points = [], None, None
    for number, line in enumerate(source.split("\n"), 1):
        found = markers_in(line)
        here = f"{where}, line {number}"
        if not found:
            miss = _near_miss(line)
            if miss is not None:
                raise AssignError(
                    f"{here}: {miss!r} looks like a marker but nbgrader does not recognise it "
                    f"(markers are case-sensitive: {', '.join(MARKERS)}); fix the spelling, or "
                    f"reword the line if it is not meant as a marker")
            if region is None:
                parts.append(line)
            else:
                region.lines.append(line)
            continue
        if len(found) > 1:
            raise AssignError(f"{here}: two markers on one line ({' and '.join(found)}); "
                              f"put each marker on its own line")
        marker = found[0]
        declared = _POINTS.search(line)
        if "point" in line.lower():
            if not marker.startswith("BEGIN"):
                raise AssignError(f"{here}: points go on the BEGIN marker, not on {marker}")
            if declared is None:
                raise AssignError(f"{here}: cannot read the points; write them as "
                                  f"'{marker} (2 points)' or '(1 point)'")
            if points is not None:
                raise AssignError(f"{here}: this cell already declared its points; "
                                  f"declare them once per exercise cell")
            points = float(declared.group(1))
            points = int(points) if points.is_integer() else points
        if marker.startswith("BEGIN"):
            if region is not None:
                raise AssignError(
                    f"{here}: {marker} inside the {region.kind} region opened on line "
                    f"{region.line_number}; regions cannot nest: close it with "
                    f"{'END SOLUTION' if region.kind == 'solution' else END_HIDDEN} first")
            region = Region("solution" if marker == BEGIN_SOLUTION else "hidden", begin=line,
                            indent=re.match(r"\s*", line).group(0), line_number=number)
        else:
            kind = "solution" if marker == END_SOLUTION else "hidden"
            if region is None:
                raise AssignError(f"{here}: {marker} without a {marker.replace('END', 'BEGIN')} "
                                  f"before it")
            if region.kind != kind:
                raise AssignError(f"{here}: {marker} closes the {region.kind} region opened on "
                                  f"line {region.line_number}; regions cannot overlap")
            region.end = line
            parts.append(region)
            region = None
    if region is not None:
        end = END_SOLUTION if region.kind == "solution" else END_HIDDEN
        raise AssignError(f"{where}, line {region.line_number}: the {region.kind} region opened "
                          f"here has no {end}")
    return ParsedCell(parts, points)


def _nbgrader_meta(cell):
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def student_source(parsed, cell_type, nbgrader_solution=False, code_stub=CODE_STUB):
    """The student's text of a parsed cell: regions replaced by the stub or removed."""
    stub = code_stub if cell_type == "code" else TEXT_STUB
    if nbgrader_solution and not parsed.solutions:  # nbgrader replaces the whole cell
        return "\n".join(stub)
    out = []
    for part in parsed.parts:
        if isinstance(part, str):
            out.append(part)
        elif part.kind == "solution":
            out.extend(part.indent + s for s in stub)
    return "\n".join(out)


def _where(path, index, cell):
    return f"{path}: cell {index} ({cell.cell_type})"


def parse_notebook(nb, path):
    """Parse every cell; AssignError listing the first problem of each bad cell."""
    parsed, problems = [], []
    for index, cell in enumerate(nb.cells, 1):
        try:
            parsed.append(parse_cell(cell.source, _where(path, index, cell)))
        except AssignError as error:
            problems.extend(error.problems)
            parsed.append(None)
    if problems:
        raise AssignError(problems)
    return parsed


def notebook_has_solutions(nb, parsed):
    return any(p.solutions or p.hidden or _nbgrader_meta(c).get("solution")
               for c, p in zip(nb.cells, parsed))


def _clean_metadata(metadata, keep):
    return {k: copy.deepcopy(metadata[k]) for k in keep if k in metadata}


def _student_cell(cell, source):
    """A fresh cell with ``source``: no outputs, count, attachments it no longer uses, metadata."""
    import nbformat

    metadata = {}
    tags = cell.get("metadata", {}).get("tags")
    if isinstance(tags, list) and tags and all(isinstance(t, str) for t in tags):
        metadata["tags"] = list(tags)
    if cell.cell_type == "code":
        new = nbformat.v4.new_code_cell(source, metadata=metadata)
    elif cell.cell_type == "markdown":
        new = nbformat.v4.new_markdown_cell(source, metadata=metadata)
    else:
        new = nbformat.v4.new_raw_cell(source, metadata=metadata)
    if "id" in cell:
        new.id = cell.id
    else:
        new.pop("id", None)
    attachments = {name: copy.deepcopy(data) for name, data in cell.get("attachments", {}).items()
                   if f"attachment:{name}" in source}
    if attachments and cell.cell_type != "code":
        new.attachments = attachments
    return new


def _new_notebook(nb, cells, extra_metadata=None):
    import nbformat

    new = nbformat.v4.new_notebook(cells=cells)
    new.nbformat, new.nbformat_minor = nb.nbformat, nb.nbformat_minor
    if nb.nbformat_minor < 5:
        for cell in new.cells:
            cell.pop("id", None)
    new.metadata = nbformat.from_dict(_clean_metadata(nb.metadata, NOTEBOOK_METADATA_KEPT))
    if extra_metadata:
        new.metadata.update(extra_metadata)
    return new


def student_notebook(nb, path="notebook"):
    """The notebook ``nb`` as students get it, and the counts ``(solutions, hidden tests)``."""
    parsed = parse_notebook(nb, path)
    language = nb.metadata.get("kernelspec", {}).get("language", "python")
    if language not in CODE_STUBS:
        raise AssignError(f"{path}: no code stub for the kernel language {language!r} "
                          f"(nbgrader's: {', '.join(CODE_STUBS)})")
    cells, solutions, hidden = [], 0, 0
    for cell, p in zip(nb.cells, parsed):
        is_solution = bool(_nbgrader_meta(cell).get("solution"))
        source = student_source(p, cell.cell_type, is_solution, CODE_STUBS[language])
        solutions += len(p.solutions) or int(is_solution)
        hidden += len(p.hidden)
        cells.append(_student_cell(cell, source))
    return _new_notebook(nb, cells), solutions, hidden


# ---------------------------------------------------------------- nbgrader source version

def _source_lines(parsed):
    """The teacher's lines of a parsed cell, markers included, and where each region ends."""
    lines, last_solution_end = [], None
    for part in parsed.parts:
        if isinstance(part, str):
            lines.append(part)
            continue
        lines.append(part.begin)
        lines.extend(part.lines)
        lines.append(part.end)
        if part.kind == "solution":
            last_solution_end = len(lines)  # 1-based number of the END line
    return lines, last_solution_end


def _answer_end(lines, last_end):
    """The last line (1-based) of the answer: the top-level statement holding the last END."""
    source = "\n".join(lines)
    try:
        statements = ast.parse(source).body
    except SyntaxError:  # magics, or a solution that does not parse: go by indentation
        statements = None
    if statements is not None:
        for node in statements:
            start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
            if start <= last_end <= node.end_lineno:
                return node.end_lineno
        return last_end
    for number in range(last_end + 1, len(lines) + 1):
        line = lines[number - 1]
        if line.strip() and not line[0].isspace():
            return number - 1
    return len(lines)


def _grade_meta(grade_id, *, solution, grade, points=None, locked=None):
    meta = {"grade": grade, "grade_id": grade_id, "locked": (not solution) if locked is None
            else locked, "schema_version": 3, "solution": solution, "task": False}
    if grade:
        meta["points"] = points
    return meta


def nbgrader_notebook(nb, path="notebook"):
    """nbgrader's source version of a lesson: exercise cells split and given nbgrader metadata.

    A code exercise becomes an autograded answer (the code up to the end of the statement that
    holds its last END SOLUTION) and an autograder-tests cell (the rest: the instant check and the
    hidden tests), which carries the exercise's points. A code exercise with nothing after its
    solution, and every written answer, becomes a manually graded answer with the points. Returns
    ``(notebook, exercises)`` with ``exercises`` a list of ``(grade_id, points, autograded)``.
    """
    import nbformat

    parsed = parse_notebook(nb, path)
    cells, exercises, problems = [], [], []
    taken = {_nbgrader_meta(c).get("grade_id") for c in nb.cells}
    numbers = (n for n in range(1, 10**6) if not {f"exercise-{n}", f"exercise-{n}-tests"} & taken)
    for index, (cell, p) in enumerate(zip(nb.cells, parsed), 1):
        where = _where(path, index, cell)
        if "nbgrader" in cell.get("metadata", {}):  # set by hand in nbgrader: keep as it is
            cells.append(copy.deepcopy(cell))
            meta = _nbgrader_meta(cell)
            if meta.get("grade"):
                exercises.append((meta.get("grade_id"), float(meta.get("points", 0)),
                                  not meta.get("solution")))
            continue
        base = _student_cell(cell, cell.source)  # same text, clean metadata and no outputs
        if not p.solutions and not p.hidden:
            cells.append(base)
            continue
        points = DEFAULT_POINTS if p.points is None else p.points
        grade_id = f"exercise-{next(numbers)}"  # never one the teacher gave by hand
        if cell.cell_type != "code":
            if not p.solutions:
                problems.append(f"{where}: hidden tests in a {cell.cell_type} cell; nbgrader "
                                f"runs hidden tests only in code cells")
                continue
            base.metadata["nbgrader"] = _grade_meta(grade_id, solution=True, grade=True,
                                                    points=points)
            cells.append(base)
            exercises.append((grade_id, points, False))
            continue
        lines, last_end = _source_lines(p)
        if last_end is None:  # hidden tests only: an autograder-tests cell
            base.metadata["nbgrader"] = _grade_meta(grade_id, solution=False, grade=True,
                                                    points=points)
            cells.append(base)
            exercises.append((grade_id, points, True))
            continue
        split = _answer_end(lines, last_end)
        answer = "\n".join(lines[:split]).rstrip()
        tests = "\n".join(lines[split:]).strip("\n")
        if any(BEGIN_HIDDEN in line for line in lines[:split]):
            problems.append(f"{where}: hidden tests before or inside the solution; put them "
                            f"after it, with the check")
            continue
        if not tests.strip():  # nothing to run against the answer: graded by hand
            base.source = answer
            base.metadata["nbgrader"] = _grade_meta(grade_id, solution=True, grade=True,
                                                    points=points)
            cells.append(base)
            exercises.append((grade_id, points, False))
            continue
        if BEGIN_HIDDEN not in tests:
            problems.append(
                f"{where}: a code exercise without hidden tests; its check only prints, so "
                f"nbgrader would give full points to an empty answer: add after the check "
                f"'### {BEGIN_HIDDEN}', an assert (e.g. assert checks.check_...(fn, quiet=True)) "
                f"and '### {END_HIDDEN}'")
            continue
        base.source = answer
        base.metadata["nbgrader"] = _grade_meta(grade_id, solution=True, grade=False)
        test_cell = nbformat.v4.new_code_cell(tests, metadata={
            "nbgrader": _grade_meta(f"{grade_id}-tests", solution=False, grade=True,
                                    points=points)})
        if "id" in base:
            test_cell.id = f"{base.id}-tests"[-64:]
        cells.extend([base, test_cell])
        exercises.append((f"{grade_id}-tests", points, True))
    if problems:
        raise AssignError(problems)
    return _new_notebook(nb, cells, {"nnlesson": dict(NBGRADER_STAMP)}), exercises


# ---------------------------------------------------------------- folders and files

def _read_notebook(path):
    import nbformat

    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as error:  # nbformat raises several types for a broken file
        first = (str(error).splitlines() or ["unreadable"])[0]
        raise AssignError(f"{path}: cannot read this notebook ({type(error).__name__}: "
                          f"{first})") from None
    if not isinstance(nb.get("cells"), list):
        raise AssignError(f"{path}: cannot read this notebook (no list of cells)")
    for cell in nb.cells:
        if not isinstance(cell.get("source"), str) or cell.get("cell_type") not in (
                "code", "markdown", "raw"):
            raise AssignError(f"{path}: cannot read this notebook (a cell without a text "
                              f"source or with an unknown type)")
    return nb


def _is_inside(a, b):
    return a == b or b in a.parents


def _source_notebooks(source):
    """The teacher's notebooks in ``source`` (a folder or one .ipynb) and the folder itself."""
    source = Path(source)
    if source.is_file():
        if source.suffix != ".ipynb":
            raise AssignError(f"nnlesson-assign: {source} is not a notebook (.ipynb) or a folder")
        return [source], source.resolve().parent
    if not source.is_dir():
        raise AssignError(f"nnlesson-assign: no such folder: {source}")
    notebooks = sorted(source.glob("*.ipynb"))
    problems = []
    for py in sorted(source.glob("*.py")):
        if not py.with_suffix(".ipynb").exists() and re.search(
                r"^# %%", py.read_text(encoding="utf-8", errors="replace"), re.M):
            problems.append(f"{py}: a lesson without its notebook {py.with_suffix('.ipynb').name}"
                            f"; create it with: jupytext --to ipynb {py}")
    if problems:
        raise AssignError(problems)
    if not notebooks:
        raise AssignError(f"nnlesson-assign: no .ipynb files in {source}")
    return notebooks, source.resolve()


def _check_out(source_root, out):
    """Refuse an OUT that would put the teacher's folder at risk."""
    out_resolved = Path(out).resolve()
    if Path(out).exists() and not Path(out).is_dir():
        raise AssignError(f"nnlesson-assign: OUT {out} is a file; give a folder for the "
                          f"student notebooks")
    if _is_inside(out_resolved, source_root):
        raise AssignError(
            f"nnlesson-assign: refusing to write into the source folder {source_root} (OUT "
            f"{out} is {'that folder' if out_resolved == source_root else 'inside it'}): the "
            f"solutions could be lost; choose a folder outside it")
    if source_root in out_resolved.parents or out_resolved in source_root.parents:
        raise AssignError(f"nnlesson-assign: refusing OUT {out}: it contains the source folder "
                          f"{source_root}; choose a folder beside it")
    return out_resolved


def _why_not_overwrite(path, nbgrader):
    """Why an existing file must not be overwritten (it may be the teacher's work), or None."""
    data = path.read_bytes()
    if nbgrader:  # nbgrader sources hold markers: overwrite only what this command wrote
        try:
            import json

            stamp = json.loads(data).get("metadata", {}).get("nnlesson")
        except (ValueError, AttributeError):
            stamp = None
        return None if stamp == NBGRADER_STAMP else "nnlesson-assign --nbgrader did not write it"
    text = data.decode("utf-8", errors="replace")
    if has_markers(text) or '"solution": true' in text:
        return "it holds solutions (a teacher's file?)"
    return None


def build(source, *, write_py=False, nbgrader=False):
    """Read and check every notebook of ``source``; return ``{file name: bytes}`` and a report."""
    import nbformat

    notebooks, _ = _source_notebooks(source)
    files, report, problems, any_solution = {}, [], [], False
    for path in notebooks:
        try:
            nb = _read_notebook(path)
            parsed = parse_notebook(nb, path)
            any_solution = any_solution or notebook_has_solutions(nb, parsed)
            if nbgrader:
                new, exercises = nbgrader_notebook(nb, path)
                total = sum(points for _, points, _ in exercises)
                auto = sum(points for _, points, autograded in exercises if autograded)
                report.append(f"{{}}: {len(exercises)} exercise(s), {total:g} point(s) "
                              f"({auto:g} autograded, {total - auto:g} graded by hand)")
            else:
                new, solutions, hidden = student_notebook(nb, path)
                report.append(f"{{}}: {solutions} solution(s) cleared, "
                              f"{hidden} hidden test(s) removed")
        except AssignError as error:
            problems.extend(error.problems)
            continue
        files[path.name] = nbformat.writes(new).encode("utf-8") + b"\n"
        if write_py:
            import jupytext

            files[path.with_suffix(".py").name] = jupytext.writes(
                new, fmt="py:percent").encode("utf-8")
            report[-1] = report[-1].replace("{}", "{} (and its .py)", 1)
        report[-1] = report[-1].replace("{}", str(path.name), 1)
    if problems:
        raise AssignError(problems)
    if not any_solution:
        raise AssignError(
            f"nnlesson-assign: no solution or hidden-test marker in {source}: it looks like a "
            f"student version already (are SOURCE and OUT swapped?); nothing to clear")
    return files, report


def check(source):
    """Check every notebook in ``source`` without writing, for both the student version and
    nbgrader's (so a code exercise without hidden tests fails here, not on grading night)."""
    report = build(source)[1]
    build(source, nbgrader=True)
    return report


def assign(source, out, *, write_py=False, nbgrader=False, log=print):
    """Write the student (or nbgrader source) version of ``source`` into ``out``; all or nothing.

    Returns the paths written. Raises AssignError, having written nothing, on any problem.
    """
    if write_py and nbgrader:
        raise AssignError("nnlesson-assign: --py and --nbgrader do not go together "
                          "(nbgrader works on .ipynb files)")
    _, source_root = _source_notebooks(source)
    out_dir = _check_out(source_root, out)
    files, report = build(source, write_py=write_py, nbgrader=nbgrader)
    targets = [out_dir / name for name in files]
    reasons = [(p, _why_not_overwrite(p, nbgrader)) for p in targets if p.is_file()]
    problems = [f"nnlesson-assign: refusing to overwrite {p}: {why}; move it away or choose "
                f"another OUT" for p, why in reasons if why]
    problems += [f"nnlesson-assign: {p} is in the way: a folder, not a file"
                 for p in targets if p.exists() and not p.is_file()]
    if problems:
        raise AssignError(problems)
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".nnlesson-assign-", dir=out_dir))
    try:
        for name, data in files.items():
            (staging / name).write_bytes(data)
        written = []
        for name in files:
            os.replace(staging / name, out_dir / name)
            written.append(out_dir / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    for line in report:
        log(f"wrote {out_dir}{os.sep}{line}")
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="nnlesson-assign",
        description="Write the student version of the lessons (solutions replaced by stubs, "
                    "hidden tests removed, outputs cleared), nbgrader's source version "
                    "(--nbgrader), or only check the markers (--check).",
    )
    parser.add_argument("source", help="the teacher's notebooks: a folder (e.g. notebooks) or "
                                       "one .ipynb")
    parser.add_argument("out", nargs="?", help="folder to write into (e.g. student)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--py", action="store_true", help="also write each paired .py (percent)")
    mode.add_argument("--nbgrader", action="store_true",
                      help="write nbgrader source notebooks (exercise cells split, with points) "
                           "for course/source/ASSIGNMENT, instead of the student version")
    mode.add_argument("--check", action="store_true",
                      help="only check the markers of SOURCE; write nothing")
    args = parser.parse_args(argv)
    if args.check != (args.out is None):
        parser.error("give SOURCE and OUT, or --check SOURCE")
    try:
        if args.check:
            for line in check(args.source):
                print(f"ok {line}")
        else:
            assign(args.source, args.out, write_py=args.py, nbgrader=args.nbgrader)
    except OSError as error:  # e.g. OUT not writable: say so, no traceback
        print(f"nnlesson-assign: {error.strerror or error}: {error.filename or ''}",
              file=sys.stderr)
        return 2
    except AssignError as error:
        if not args.check:
            print("nnlesson-assign: nothing written:", file=sys.stderr)
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
