"""``nnlesson course DIR``: a student's own copy of the lessons, as the teacher's tool writes it.

The lessons (the teacher's ``.ipynb`` files, with their solutions and stored outputs) live in the
repository's ``notebooks/``; a wheel installs them as ``nnlesson/lessons/`` (pyproject's
``package-dir``; the assignments stay out of the wheel). The student's copy is the student
version, exactly what ``nnlesson-assign`` writes: no solution region, no hidden test, no teacher
note. ``--solutions`` gives the worked lessons instead (the teacher's notebooks of the lessons, as
a textbook's answers are public), for a self-learner who asks for them.

What is already in DIR is the student's: a plain run adds only the lessons that are missing (a
deleted lesson comes back) and says which it kept. ``--update`` brings a newer version's lessons:
a lesson nobody changed since it was written (its stamp's digest still matches) is replaced; a
lesson the student changed is kept, and the new one written beside it
(``03_activations-nnlesson-0.2.0.ipynb``). Nothing is ever overwritten that this command did not
write.

This lives with the teacher's tool because it writes the tool's student version; like the rest
of ``nnlesson.teacher`` it imports nothing from nnlesson (``python -m nnlesson`` is its front door).
"""

import importlib.util
import os
import shlex
from importlib import metadata
from pathlib import Path

from .files import _read_notebook, _stamp_of, build, cells_digest, untouched, write_all
from .markers import AssignError
from .versions import STUDENT_STAMP

INSTALL = 'pip install "nnlesson[course]"'
SOLUTIONS_STAMP = {"generated_by": "nnlesson course --solutions"}


class CourseError(Exception):
    """A course folder that cannot be written (the message says why and what to do)."""


def lessons_dir():
    """The folder that holds the lessons (``*.ipynb``): installed, or the clone's ``notebooks/``."""
    package = Path(__file__).resolve().parent.parent
    # A wheel installs them as nnlesson/lessons/; an editable install or a plain clone has them
    # in the repository's notebooks/, next to the package folder.
    candidates = [package / "lessons", package.parent / "notebooks"]
    for folder in candidates:
        if sorted(folder.glob("*.ipynb")):
            return folder
    raise CourseError(
        f"nnlesson course: no lessons in {' or '.join(map(str, candidates))}: this nnlesson was "
        f"installed without its lessons (reinstall it: pip install --force-reinstall nnlesson)"
    )


def lessons():
    """The installed lessons' paths, in course order (``01_...`` first)."""
    return sorted(lessons_dir().glob("*.ipynb"))


def installed_version():
    try:
        return metadata.version("nnlesson")
    except metadata.PackageNotFoundError:  # a clone on PYTHONPATH, never installed
        return "new"


def _versions(solutions):
    """``{file name: bytes}`` of every lesson, and the stamp that marks them as ours."""
    import nbformat  # needs the course extra (nbformat comes with Jupyter)

    if not solutions:
        files, _ = build(lessons_dir(), recursive=False)
        return files, STUDENT_STAMP["generated_by"]
    files = {}
    for path in lessons():
        nb = _read_notebook(path)
        nb.metadata["nnlesson"] = {**SOLUTIONS_STAMP, "cells": cells_digest(nb)}
        files[path.name] = nbformat.writes(nb).encode("utf-8") + b"\n"
    return files, SOLUTIONS_STAMP["generated_by"]


def _plan(dest, files, generated_by, update, version):
    """What to write (``{name: bytes}``) and what to tell the student (lines)."""
    write, added, kept, updated, yours, said = {}, [], [], [], [], []
    for name, data in files.items():
        target = dest / name
        old = target.read_bytes() if target.is_file() else None
        if not target.exists():
            write[name] = data
            added.append(name)
        elif not update or old == data:
            kept.append(name)
        elif old is not None and untouched(old, generated_by):
            write[name] = data
            updated.append(name)
        elif old is not None and _written_from(old) == _written_from(data):
            yours.append(name)  # changed by the student, and this version's lesson is the same
        else:  # the student's: keep it, and put the new one beside it
            new_name = f"{Path(name).stem}-nnlesson-{version}.ipynb"
            other = dest / new_name
            if other.exists() and not (other.is_file()
                                       and untouched(other.read_bytes(), generated_by)):
                said.append(f"kept {name} (yours); its new version is not written: {new_name} "
                            f"is in the way")
                continue
            if not (other.is_file() and other.read_bytes() == data):
                write[new_name] = data
            said.append(f"kept {name} (you changed it); the new version is beside it: "
                        f"{new_name}")
    if updated:
        said.insert(0, f"updated {len(updated)} lesson(s) you had not changed: "
                       f"{', '.join(updated)}")
    if added:
        said.insert(0, f"wrote {len(added)} lesson(s) to {dest.resolve()}")
    if kept and update:
        said.append(f"{len(kept)} lesson(s) already up to date: {', '.join(kept)}")
    if yours:
        said.append(f"kept {len(yours)} lesson(s) you changed; nnlesson {version} has nothing "
                    f"newer for them: {', '.join(yours)}")
    elif kept and not update:  # (--update has just looked for newer lessons)
        hint = (f"; for a newer version's lessons: nnlesson course {shlex.quote(str(dest))} "
                f"--update")
        said.append(f"kept {len(kept)} lesson(s) already there, untouched: {', '.join(kept)}"
                    f"{hint}")
    return write, said


def _written_from(data):
    """The digest of the lesson a copy was written from (its stamp's), or None."""
    return (_stamp_of(data) or {}).get("cells")


def copy_course(dest, *, solutions=False, update=False, version=None, log=print):
    """Write the lessons into the folder ``dest`` (created if missing); return the paths written.

    The student version of each lesson (``solutions``: the worked lesson instead), added only
    where missing; with ``update``, a lesson the student has not changed is replaced by this
    version's and a changed one kept, the new one written beside it. Raises ``CourseError``,
    having written nothing, if ``dest`` cannot be written or Jupyter's nbformat is missing.
    """
    if not str(dest).strip():
        raise CourseError("nnlesson course: the folder name is empty (try: nnlesson course "
                          "my-course)")
    dest = Path(dest).expanduser()
    if dest.exists() and not dest.is_dir():
        raise CourseError(f"nnlesson course: {dest} is a file, not a folder; choose a folder")
    try:
        files, generated_by = _versions(solutions)
    except ModuleNotFoundError as error:
        if (error.name or "nnlesson").partition(".")[0] == "nnlesson":
            raise  # a bug of ours, not a missing extra
        raise CourseError(f"nnlesson course: the lessons are notebooks, and Jupyter is not "
                          f"installed here (no {error.name!r}); install the course's tools: "
                          f"{INSTALL}, then run this again") from None
    write, said = _plan(dest, files, generated_by, update, version or installed_version())
    try:
        written = write_all(dest, write, "nnlesson course")
    except AssignError as error:
        raise CourseError(f"{error}; choose a folder of yours") from None
    except OSError as error:
        raise CourseError(f"nnlesson course: cannot write into {dest}: "
                          f"{error.strerror or error}; choose a folder of yours") from None
    for line in said or [f"{dest.resolve()} already holds every lesson"]:
        log(line)
    log(next_step(dest))
    return written


def next_step(folder):
    """The command that opens ``folder``, or what to install first when Jupyter is missing."""
    if importlib.util.find_spec("jupyterlab") is None:
        return (f"next: install Jupyter, which is not installed here: {INSTALL}; then: "
                f"{jupyter_lab_command(folder)}")
    return f"next: {jupyter_lab_command(folder)}"


def jupyter_lab_command(folder):
    """The command that opens ``folder`` in JupyterLab, ready to paste into a shell (quoted when
    the name has spaces; as root, Jupyter refuses to start without ``--allow-root``)."""
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    return f"jupyter lab {shlex.quote(str(folder))}" + (" --allow-root" if as_root else "")
