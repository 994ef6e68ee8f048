"""Reading the teacher's folder, writing a version of it safely: ``build``, ``check``, ``assign``.

A folder SOURCE includes its subfolders (``notebooks/assignments/A1.ipynb`` goes to
``OUT/assignments/A1.ipynb``), except with ``--nbgrader``, whose assignment is one folder.

Safety: every notebook is read and checked before anything is written; each file is first
written beside its target under a temporary name (so an unwritable folder of OUT is found, and
named, before any file is replaced) and all are renamed into place at the end. OUT may not be
SOURCE, be inside it or contain it (symlinks resolved). An existing file is replaced only when this
mode wrote it: every version is stamped in its metadata (the student version with a digest of its
cells, so that a student's edits are noticed), and anything else in the way, such as a student's
own finished work, is refused. A SOURCE without any marker (a student folder, or arguments
swapped) is refused; so is a link to a folder inside SOURCE (it is not followed). Notebooks of
nbformat 4.4 get cell ids (4.5) quietly, as nbformat would ask.
"""

import contextlib
import hashlib
import json
import os
import re
import sys
from pathlib import Path

from .markers import AssignError, count_exercises, has_markers, parse_notebook
from .versions import (
    INSTRUCTOR_STAMP,
    NBGRADER_STAMP,
    STUDENT_STAMP,
    instructor_notebook,
    nbgrader_notebook,
    notebook_has_solutions,
    student_notebook,
)


def skip_unused_iri_parsers():
    """Spare a command 1.3 s of CPU, more than the rest of its work on the whole course.

    nbformat validates with jsonschema, which at import builds 38 grammar parsers for the
    ``iri`` string format when its optional ``rfc3987_syntax`` is installed (Jupyter's servers
    bring it); nbformat's schema never uses that format (jsonschema issue 1428). Only for our
    commands, each its own process: marking the module absent makes jsonschema skip that
    checker, and changes nothing where something imported it already.
    """
    sys.modules.setdefault("rfc3987_syntax", None)


def _read_notebook(path):
    import nbformat  # where it is used: see cli.py

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
    _give_cell_ids(nb)
    return nb


def _give_cell_ids(nb):
    """Make a notebook of nbformat 4.4 or older a 4.5 one, each cell with an id (``cell-3`` for
    the third), so that nbformat's validator stays quiet (its MissingIDFieldWarning) and every
    version has stable ids."""
    if (nb.nbformat, nb.nbformat_minor) >= (4, 5):
        return
    nb.nbformat_minor = 5
    taken = {cell.get("id") for cell in nb.cells}
    for index, cell in enumerate(nb.cells, 1):
        if not isinstance(cell.get("id"), str):
            new = f"cell-{index}"
            while new in taken:
                new += "-"
            cell["id"] = new
            taken.add(new)


def cells_digest(nb):
    """A digest of the notebook's cells (types and sources): what the student version's stamp
    records, so that a student's edit is noticed before a file is replaced."""
    def text(source):  # a notebook file stores a source as a list of lines
        return "".join(source) if isinstance(source, list) else source

    cells = [[cell.get("cell_type"), text(cell.get("source"))] for cell in nb.get("cells", [])]
    return hashlib.sha256(json.dumps(cells).encode("utf-8")).hexdigest()


def _is_inside(a, b):
    return a == b or b in a.parents


def _walk(folder, pattern, links=None):
    """Files matching ``pattern`` in ``folder`` and its subfolders, sorted; hidden folders
    (``.ipynb_checkpoints``) and ``__pycache__`` skipped. Links to folders are not followed (one
    could lead out of the folder, or to a folder twice): they are added to ``links``."""
    found = []
    for root, dirs, _ in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
        if links is not None:
            links.extend(Path(root) / d for d in dirs if (Path(root) / d).is_symlink())
        found.extend(Path(root).glob(pattern))
    return sorted(found, key=lambda p: (len(p.relative_to(folder).parts), str(p)))


def _source_notebooks(source, recursive=True):
    """The teacher's notebooks in ``source`` (a folder, with its subfolders when ``recursive``,
    or one .ipynb), the folder itself, and the notebooks of subfolders left out."""
    source = Path(source)
    if source.is_file():
        if source.suffix != ".ipynb":
            raise AssignError(f"nnlesson-assign: {source} is not a notebook (.ipynb) or a folder")
        return [source], source.resolve().parent, []
    if not source.is_dir():
        raise AssignError(f"nnlesson-assign: no such folder: {source}")
    links = []
    every = _walk(source, "*.ipynb", links)
    notebooks = every if recursive else [p for p in every if p.parent == source]
    problems = [f"{link}: a link to the folder {link.resolve()}; nnlesson-assign does not follow "
                f"links (one could lead out of {source}, or to a folder twice), so its notebooks "
                f"would be left out: copy the folder into {source}, or give it as a SOURCE of "
                f"its own" for link in links] if recursive else []
    for py in _walk(source, "*.py") if recursive else sorted(source.glob("*.py")):
        if not py.with_suffix(".ipynb").exists() and re.search(
                r"^# %%", py.read_text(encoding="utf-8", errors="replace"), re.M):
            problems.append(f"{py}: a lesson without its notebook {py.with_suffix('.ipynb').name}"
                            f"; create it with: jupytext --to ipynb {py}")
    if problems:
        raise AssignError(problems)
    if not notebooks:
        raise AssignError(f"nnlesson-assign: no .ipynb files in {source}")
    left_out = [p for p in every if p not in notebooks] + [p for p in links if p.parent == source]
    return notebooks, source.resolve(), left_out


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


def _stamp_of(data):
    """The ``nnlesson`` stamp in a notebook's metadata (bytes of the file), or None."""
    try:
        found = json.loads(data).get("metadata", {}).get("nnlesson")
    except (ValueError, AttributeError):
        return None
    return found if isinstance(found, dict) else None


def untouched(data, generated_by):
    """Whether the notebook ``data`` (bytes) was written by ``generated_by`` with a digest stamp
    and nobody changed its cells since (running it, which only adds outputs, changes nothing)."""
    stamp = _stamp_of(data)
    if not stamp or stamp.get("generated_by") != generated_by or "cells" not in stamp:
        return False
    return stamp["cells"] == cells_digest(json.loads(data))


def _why_not_overwrite(path, stamp):
    """Why an existing file must not be replaced (it may be a teacher's or a student's work), or
    None. A mode replaces only the files it wrote itself: stamped in their metadata, and for the
    student version (``STUDENT_STAMP``, whose files students edit) with its cells unchanged. A
    student version's ``.py`` goes with its notebook: replaced only when it is exactly the text
    of the unchanged notebook beside it."""
    data = path.read_bytes()
    if stamp is not STUDENT_STAMP:  # these modes write solutions: their own stamp says it all
        return None if _stamp_of(data) == stamp else f"{stamp['generated_by']} did not write it"
    text = data.decode("utf-8", errors="replace")
    if has_markers(text) or '"solution": true' in text:
        return "it holds solutions (a teacher's file?)"
    if INSTRUCTOR_STAMP["generated_by"] in text:
        return "it is an instructor version (it holds solutions)"
    mine = "nnlesson-assign did not write it, or it was changed since (a student's own work?)"
    if path.suffix == ".py":
        import jupytext  # only --py writes .py files

        notebook = path.with_suffix(".ipynb")
        if not notebook.is_file() or not untouched(notebook.read_bytes(), stamp["generated_by"]):
            return mine
        same = jupytext.writes(jupytext.read(notebook), fmt="py:percent") == text
        return None if same else mine
    return None if untouched(data, stamp["generated_by"]) else mine


def _mode(nbgrader, instructor):
    if nbgrader and instructor:
        raise AssignError("nnlesson-assign: --nbgrader and --instructor do not go together")
    return "nbgrader" if nbgrader else "instructor" if instructor else "student"


def _version(mode, nb, path, parsed):
    """One notebook's version for ``mode``, and its line of the report (every mode counts the
    exercises the same way: ``count_exercises``)."""
    exercises = f"{count_exercises(nb, parsed)} exercise(s)"
    if mode == "nbgrader":
        new, graded = nbgrader_notebook(nb, path, parsed)
        total = sum(points for _, points, _ in graded)
        auto = sum(points for _, points, autograded in graded if autograded)
        # the grade ids Formgrader and the feedback show, named after the lesson's own leads
        ids = ", ".join(grade_id.removesuffix("-tests") for grade_id, _, _ in graded)
        return new, (f"{exercises}, {total:g} point(s) "
                     f"({auto:g} autograded, {total - auto:g} graded by hand): {ids}")
    if mode == "instructor":
        new, _ = instructor_notebook(nb, path, parsed)
        return new, f"{exercises} with their solutions and the student's view"
    new, _, hidden, expected = student_notebook(nb, path, parsed)
    return new, (f"{exercises}: solutions cleared, {hidden} hidden test(s) removed, "
                 f"{expected} expected output(s) kept")


def _read_teachers(source, recursive):
    """Every teacher's notebook of ``source``, read and parsed once: ``[(name, path, nb,
    parsed)]``, the notebooks nbgrader would leave out, and the problems found (a notebook with a
    problem is not in the list)."""
    notebooks, _, left_out = _source_notebooks(source, recursive)
    read, problems, any_solution = [], [], False
    for path in notebooks:
        name = path.name if Path(source).is_file() else path.relative_to(source).as_posix()
        try:
            nb = _read_notebook(path)
            stamp = nb.metadata.get("nnlesson")
            if stamp in (INSTRUCTOR_STAMP, NBGRADER_STAMP):  # solutions without the markers
                raise AssignError(f"{path}: written by {stamp['generated_by']}, not a teacher's "
                                  f"notebook (it holds the solutions, and the student version "
                                  f"would keep them); move it out of {source}")
            parsed = parse_notebook(nb, path)
        except AssignError as error:
            problems.extend(error.problems)
            continue
        any_solution = any_solution or notebook_has_solutions(nb, parsed)
        read.append((name, path, nb, parsed))
    if not problems and not any_solution:
        problems.append(
            f"nnlesson-assign: no solution or hidden-test marker in {source}: it looks like a "
            f"student version already (are SOURCE and OUT swapped?); nothing to clear")
    return read, left_out, problems


def _versions(read, mode, write_py=False):
    """``{relative path: bytes}`` of ``mode``'s version of each notebook ``read``, the report
    lines, and the problems found."""
    import nbformat  # where it is used: see cli.py

    files, report, problems = {}, [], []
    for name, path, nb, parsed in read:
        try:
            new, line = _version(mode, nb, path, parsed)
        except AssignError as error:
            problems.extend(error.problems)
            continue
        if mode == "student":  # so that a rerun replaces it only while the student has not
            new.metadata["nnlesson"] = {**STUDENT_STAMP, "cells": cells_digest(new)}
        files[name] = nbformat.writes(new).encode("utf-8") + b"\n"
        if write_py:
            import jupytext  # only --py needs it

            files[name[:-len(".ipynb")] + ".py"] = jupytext.writes(
                new, fmt="py:percent").encode("utf-8")
            name += " (and its .py)"
        report.append(f"{name}: {line}")
    return files, report, problems


def build(source, *, write_py=False, nbgrader=False, instructor=False, recursive=None):
    """Read and check every notebook of ``source``; return ``{relative path: bytes}`` and a
    report (lines; those starting with ``note:`` are not about a file written).

    A folder's subfolders are included (``notebooks/assignments/A1.ipynb`` is written to
    ``OUT/assignments/A1.ipynb``), except with ``nbgrader``: nbgrader releases and grades only the
    notebooks at the top of an assignment's folder (a subfolder's notebook would silently be
    neither), so ``--nbgrader`` takes the top level and notes what it left out
    (``recursive=True`` overrides this, for ``--check``).
    """
    mode = _mode(nbgrader, instructor)
    if recursive is None:
        recursive = mode != "nbgrader"
    read, left_out, problems = _read_teachers(source, recursive)
    files, report, more = _versions(read, mode, write_py)
    if problems or more:
        raise AssignError(problems + more)
    for path in left_out:
        report.append(f"note: left out {path} (nbgrader grades one folder per assignment); "
                      f"make it an assignment of its own: nnlesson-assign --nbgrader {path} "
                      f"COURSE/source/{path.stem}")
    return files, report


def check(source):
    """Check every notebook in ``source`` and its subfolders without writing, for the student
    version, nbgrader's (so a code exercise without hidden tests fails here, not on grading
    night) and the instructor's; each notebook is read once. Returns the student version's
    report."""
    read, _, problems = _read_teachers(source, recursive=True)
    report = []
    for mode in ("student", "nbgrader", "instructor"):
        _, lines, more = _versions(read, mode)
        problems += [p for p in more if p not in problems]
        report = report or lines
    if problems:
        raise AssignError(problems)
    return report


def assign(source, out, *, write_py=False, nbgrader=False, instructor=False, log=print):
    """Write the student (or nbgrader source, or instructor) version of ``source`` into ``out``;
    all or nothing. Returns the paths written. Raises AssignError, having written nothing, on
    any problem.
    """
    mode = _mode(nbgrader, instructor)
    if write_py and mode != "student":
        raise AssignError(f"nnlesson-assign: --py and --{mode} do not go together "
                          f"(--py writes the student version's .py files)")
    _, source_root, _ = _source_notebooks(source, recursive=mode != "nbgrader")
    out_dir = _check_out(source_root, out)
    files, report = build(source, write_py=write_py, nbgrader=nbgrader, instructor=instructor)
    stamp = {"nbgrader": NBGRADER_STAMP, "instructor": INSTRUCTOR_STAMP}.get(mode, STUDENT_STAMP)
    targets = [out_dir / name for name in files]
    problems = []
    for target in targets:
        # every folder on the way must be a folder of OUT (not a file, not a link out of OUT)
        for folder in reversed(target.relative_to(out_dir).parents[:-1]):
            folder = out_dir / folder
            if folder.exists() and not folder.is_dir():
                problems.append(f"nnlesson-assign: {folder} is in the way: a file, not a folder")
                break
            if folder.exists() and not _is_inside(folder.resolve(), out_dir):
                problems.append(f"nnlesson-assign: refusing to write through {folder}: it "
                                f"leads out of {out_dir} (a link?)")
                break
        else:
            if target.is_file():
                why = _why_not_overwrite(target, stamp)
                if why:
                    problems.append(f"nnlesson-assign: refusing to overwrite {target}: {why}; "
                                    f"move it away or choose another OUT")
            elif target.exists():
                problems.append(f"nnlesson-assign: {target} is in the way: a folder, not a file")
    if problems:
        raise AssignError(problems)
    written = write_all(out_dir, files, "nnlesson-assign")
    for line in report:
        log(line if line.startswith("note:") else f"wrote {out_dir}{os.sep}{line}")
    return written


def _write_beside(target, data):
    """Write ``data`` under a temporary name in ``target``'s folder; return that path."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with open(temporary, "wb") as file:
        file.write(data)
    return temporary


def write_all(out_dir, files, command):
    """Write ``files`` (``{relative path: bytes}``) into ``out_dir``, all or nothing: each file
    is first written beside its target under a temporary name, so that a folder of ``out_dir``
    that cannot be written is found, and named, before any file is replaced; then all are
    renamed into place. Raises AssignError naming the folder, having changed nothing (a folder
    it created is removed again)."""
    created, temporaries, done = [], {}, False
    try:
        for name in files:
            _make_folders((out_dir / name).parent, created)
        for name, data in files.items():
            temporaries[out_dir / name] = _write_beside(out_dir / name, data)
        for target, temporary in temporaries.items():
            os.replace(temporary, target)
        done = True
    except OSError as error:
        folder = Path(error.filename).parent if error.filename else out_dir
        raise AssignError(f"{command}: cannot write into {folder}: {error.strerror or error}; "
                          f"nothing was written (make that folder writable, or choose "
                          f"another)") from None
    finally:
        if not done:
            for temporary in temporaries.values():
                temporary.unlink(missing_ok=True)
            for folder in reversed(created):
                with contextlib.suppress(OSError):
                    folder.rmdir()
    return [out_dir / name for name in files]


def _make_folders(folder, created):
    """Create ``folder`` and the folders above it that are missing, noting each in ``created``."""
    if folder.exists():
        return
    _make_folders(folder.parent, created)
    folder.mkdir()
    created.append(folder)
