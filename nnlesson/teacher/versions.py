"""A teacher's notebook in three versions: the student's, nbgrader's source, the instructor's.

Each function takes one notebook (as nbformat reads it) and returns a new one; nothing here reads
or writes files (``files.py`` does).

- student: solutions replaced by stubs, hidden tests and teaching notes removed, no outputs but
  each exercise's expected output (``outputs.py``). It keeps nothing of a solution: sources,
  outputs, execution counts, attachments the remaining text does not reference, and all metadata
  but the kernel, the language, jupytext's pairing and the cell tags are dropped.
- nbgrader: exercise cells split into answer and autograder tests, with nbgrader's metadata and
  the points the BEGIN markers declare.
- instructor: the teacher's notebook with its outputs and runnable solutions, the student's stub
  shown above each code exercise, teaching notes and model answers labelled.
"""

import ast
import copy
import re
from urllib.parse import quote

from .markers import (
    BEGIN_HIDDEN,
    DEFAULT_POINTS,
    END_HIDDEN,
    TEACHER_NOTE,
    AssignError,
    cell_tags,
    check_tags,
    is_exercise,
    is_solution_cell,
    locate,
    nbgrader_meta,
    parse_notebook,
)
from .outputs import derived_id, expected_cell, expected_output, fence, secret_pieces

CODE_STUB = ["# YOUR CODE HERE", "raise NotImplementedError()"]  # nbgrader's, for Python
TEXT_STUB = ["YOUR ANSWER HERE"]
# What a student notebook keeps of the metadata: nothing else can carry solution text.
NOTEBOOK_METADATA_KEPT = ("kernelspec", "language_info", "jupytext")
NBGRADER_STAMP = {"generated_by": "nnlesson-assign --nbgrader"}
# The student version's stamp: files.py adds to it a digest of the cells (a student edits them).
STUDENT_STAMP = {"generated_by": "nnlesson-assign"}
INSTRUCTOR_STAMP = {"generated_by": "nnlesson-assign --instructor"}
STUDENT_VIEW_TAG = "nnlesson-student-view"  # the instructor version's "What the student sees"
TEACHER_NOTE_LABEL = "**Teacher note.**"


def notebook_has_solutions(nb, parsed):
    return any(is_solution_cell(c, p) for c, p in zip(nb.cells, parsed))


def student_source(parsed, cell_type, nbgrader_solution=False):
    """The student's text of a parsed cell: regions replaced by the stub or removed."""
    stub = CODE_STUB if cell_type == "code" else TEXT_STUB
    if nbgrader_solution and not parsed.solutions:  # nbgrader replaces the whole cell
        return "\n".join(stub)
    out = []
    for part in parsed.parts:
        if isinstance(part, str):
            out.append(part)
        elif part.kind == "solution":
            out.extend(part.indent + s for s in stub)
    return "\n".join(out)


def _student_cell(cell, source):
    """A fresh cell with ``source``: no outputs, count, attachments it no longer uses, metadata."""
    import nbformat  # where it is used: see cli.py

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
                   if _references(source, name)}
    if attachments and cell.cell_type != "code":
        new.attachments = attachments
    return new


def _references(source, name):
    """Whether ``source`` links to the attachment ``name`` (as typed or URL-encoded): the name
    must end there, so that a link to ``plot.png`` does not keep an attachment named ``plot``."""
    return any(re.search(r"attachment:" + re.escape(form) + r"(?![^\s)\]\"'<>])", source)
               for form in {name, quote(name)})


def _new_notebook(nb, cells, extra_metadata=None):
    import nbformat  # where it is used: see cli.py

    new = nbformat.v4.new_notebook(cells=cells)
    new.nbformat, new.nbformat_minor = nb.nbformat, nb.nbformat_minor
    if nb.nbformat_minor < 5:
        for cell in new.cells:
            cell.pop("id", None)
    metadata = {k: copy.deepcopy(nb.metadata[k]) for k in NOTEBOOK_METADATA_KEPT
                if k in nb.metadata}
    new.metadata = nbformat.from_dict(metadata)
    if extra_metadata:
        new.metadata.update(extra_metadata)
    return new


def _check_language(nb, path):
    """The stubs are Python's (nbgrader's ``ClearSolutions`` for Python): refuse another kernel
    rather than give its students a stub that does not run."""
    language = nb.metadata.get("kernelspec", {}).get("language", "python")
    if language != "python":
        raise AssignError(f"{path}: no code stub for the kernel language {language!r} "
                          f"(nnlesson-assign writes Python's: {' / '.join(CODE_STUB)})")


def _parsed(nb, path, parsed):
    """The notebook's cells parsed (``parsed`` when the caller has them) and their tags checked."""
    if parsed is None:
        parsed = parse_notebook(nb, path)
    check_tags(nb, parsed, path)
    return parsed


def student_notebook(nb, path="notebook", parsed=None):
    """The notebook ``nb`` as students get it, and the counts ``(solutions, hidden tests,
    expected outputs)``. ``parsed``: ``parse_notebook(nb, path)``, when the caller has it."""
    parsed = _parsed(nb, path, parsed)
    _check_language(nb, path)
    secrets = secret_pieces(nb, parsed)
    cells, solutions, hidden, expected, problems = [], 0, 0, 0, []
    for index, (cell, p) in enumerate(zip(nb.cells, parsed), 1):
        if TEACHER_NOTE in cell_tags(cell):
            continue
        is_solution = bool(nbgrader_meta(cell).get("solution"))
        source = student_source(p, cell.cell_type, is_solution)
        solutions += len(p.solutions) or int(is_solution)
        hidden += len(p.hidden)
        cells.append(_student_cell(cell, source))
        if is_exercise(cell, p):
            try:
                pngs, text = expected_output(cell, locate(path, index, cell), secrets)
            except AssignError as error:
                problems.extend(error.problems)
                continue
            if pngs or text is not None:
                cells.append(expected_cell(cell, pngs, text))
                expected += 1
    if problems:
        raise AssignError(problems)
    return _new_notebook(nb, cells), solutions, hidden, expected


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


def _grade_meta(grade_id, *, solution, grade, points=None):
    meta = {"grade": grade, "grade_id": grade_id, "locked": not solution, "schema_version": 3,
            "solution": solution, "task": False}
    if grade:
        meta["points"] = points
    return meta


# The bold lead a student reads above an exercise: "**Exercise 2**", "**Think!**", "**Task 3.1**"
LEAD = re.compile(r"\*\*(Exercise \d+|Think!?|Task \d+(?:\.\d+)*|Part \d+)")


def _grade_ids(nb, parsed, taken):
    """A grade id for each exercise cell (by index), named after the lead the student reads
    above it, so that Formgrader and the feedback say what the lesson says: ``exercise-2`` for
    **Exercise 2**, ``think-1`` for the first **Think!**, ``task-3-1`` for **Task 3.1**;
    ``answer-N`` where there is no lead. A repeated name gets ``-2``, ``-3``...; an id in
    ``taken`` (set by hand) is never reused."""
    ids, counts, lead = {}, {}, None
    for index, (cell, p) in enumerate(zip(nb.cells, parsed)):
        leads = LEAD.findall(cell.source) if cell.cell_type == "markdown" else []
        if (p.solutions or p.hidden) and TEACHER_NOTE not in cell_tags(cell):
            label = leads[-1] if leads else lead
            if label is None or label.startswith("Think"):
                kind = "answer" if label is None else "think"
                counts[kind] = counts.get(kind, 0) + 1
                name = f"{kind}-{counts[kind]}"
            else:
                name = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
            base, n = name, 1
            while {name, f"{name}-tests"} & (taken | set(ids.values())):
                n += 1
                name = f"{base}-{n}"
            ids[index] = name
        if leads:
            lead = leads[-1]
    return ids


def nbgrader_notebook(nb, path="notebook", parsed=None):
    """nbgrader's source version of a lesson: exercise cells split and given nbgrader metadata.

    A code exercise becomes an autograded answer (the code up to the end of the statement that
    holds its last END SOLUTION) and an autograder-tests cell (the rest: the instant check and the
    hidden tests), which carries the exercise's points. A code exercise with nothing after its
    solution, and every written answer, becomes a manually graded answer with the points. Returns
    ``(notebook, exercises)`` with ``exercises`` a list of ``(grade_id, points, autograded)``.
    ``parsed``: ``parse_notebook(nb, path)``, when the caller has it.
    """
    import nbformat  # where it is used: see cli.py

    parsed = _parsed(nb, path, parsed)
    secrets = secret_pieces(nb, parsed)
    cells, exercises, problems = [], [], []
    taken = {nbgrader_meta(c).get("grade_id") for c in nb.cells}
    grade_ids = _grade_ids(nb, parsed, taken)
    for index, (cell, p) in enumerate(zip(nb.cells, parsed), 1):
        where = locate(path, index, cell)
        if TEACHER_NOTE in cell_tags(cell):
            continue
        if "nbgrader" in cell.get("metadata", {}):  # set by hand in nbgrader: keep as it is
            cells.append(copy.deepcopy(cell))
            meta = nbgrader_meta(cell)
            if meta.get("grade"):
                exercises.append((meta.get("grade_id"), float(meta.get("points", 0)),
                                  not meta.get("solution")))
            continue
        base = _student_cell(cell, cell.source)  # same text, clean metadata and no outputs
        if not p.solutions and not p.hidden:
            cells.append(base)
            continue
        points = DEFAULT_POINTS if p.points is None else p.points
        grade_id = grade_ids[index - 1]
        if cell.cell_type == "raw":
            problems.append(f"{where}: an exercise in a raw cell; nbgrader grades code and "
                            f"markdown cells only (its generate_assignment stops with "
                            f"LookupError: 'raw'): make it a markdown cell")
            continue
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
        try:
            pngs, text = expected_output(cell, where, secrets)
        except AssignError as error:
            problems.extend(error.problems)
            continue
        expected = [expected_cell(cell, pngs, text)] if pngs or text is not None else []
        if not tests.strip():  # nothing to run against the answer: graded by hand
            base.source = answer
            base.metadata["nbgrader"] = _grade_meta(grade_id, solution=True, grade=True,
                                                    points=points)
            cells.extend([base, *expected])
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
        cells.extend([base, test_cell, *expected])
        exercises.append((f"{grade_id}-tests", points, True))
    if problems:
        raise AssignError(problems)
    return _new_notebook(nb, cells, {"nnlesson": dict(NBGRADER_STAMP)}), exercises


# ---------------------------------------------------------------- instructor version

def _points_text(points):
    return f"{points:g} point{'' if points == 1 else 's'}"


def _without_markers(parsed, model_answer_label=None):
    """A parsed cell's text with every line kept but the marker lines; in a text cell each
    solution region starts with ``model_answer_label``."""
    out = []
    for part in parsed.parts:
        if isinstance(part, str):
            out.append(part)
            continue
        if model_answer_label and part.kind == "solution":
            out.extend([part.indent + model_answer_label, ""])
        out.extend(part.lines)
    return "\n".join(out)


def instructor_notebook(nb, path="notebook", parsed=None):
    """The instructor's version: the teacher's notebook with its outputs, every solution and
    hidden test kept and runnable (marker lines removed), above each code exercise a markdown
    cell showing the stub exactly as the student version has it, the teaching notes labelled and
    each written answer labelled as the model answer. Returns ``(notebook, exercises)``.
    ``parsed``: ``parse_notebook(nb, path)``, when the caller has it."""
    import nbformat  # where it is used: see cli.py

    parsed = _parsed(nb, path, parsed)
    _check_language(nb, path)
    cells, exercises = [], 0
    for cell, p in zip(nb.cells, parsed):
        new = copy.deepcopy(cell)
        new.get("metadata", {}).pop("nbgrader", None)  # not nbgrader's source: no grading metadata
        is_solution = bool(nbgrader_meta(cell).get("solution"))
        if TEACHER_NOTE in cell_tags(cell):
            if not cell.source.lstrip().startswith(TEACHER_NOTE_LABEL):
                new.source = f"{TEACHER_NOTE_LABEL} {cell.source}"
            cells.append(new)
            continue
        if not is_solution_cell(cell, p):
            cells.append(new)
            continue
        exercises += 1
        points = DEFAULT_POINTS if p.points is None else p.points
        if cell.cell_type == "code":
            stub = student_source(p, "code", is_solution)
            view = nbformat.v4.new_markdown_cell(
                f"**What the student sees** ({_points_text(points)}; the cell below is the "
                f"solution, not in the student version):\n\n" + fence(stub, "python"),
                metadata={"tags": [STUDENT_VIEW_TAG]})
            derived_id(view, cell, "student-view")
            cells.append(view)
            new.source = _without_markers(p)
        else:
            label = (f"**Model answer** ({_points_text(points)}; the student version shows "
                     f"`{TEXT_STUB[0]}`):")
            new.source = _without_markers(p, label if cell.cell_type == "markdown" else None)
            if is_solution and not p.solutions and cell.cell_type == "markdown":
                new.source = f"{label}\n\n{cell.source}"
        cells.append(new)
    out = nbformat.from_dict(copy.deepcopy(dict(nb)))
    out.cells = cells
    if nb.nbformat_minor < 5:
        for cell in out.cells:
            cell.pop("id", None)
    out.metadata["nnlesson"] = dict(INSTRUCTOR_STAMP)
    return out, exercises
