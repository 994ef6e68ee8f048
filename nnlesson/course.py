"""The course travels with the package: find the installed lessons and copy them for a student.

The lessons (the ``.ipynb`` files, with their stored outputs) live in the repository's
``notebooks/`` folder; a wheel installs them as ``nnlesson/lessons/`` (pyproject's
``package-dir``), so the repository keeps one copy. ``nnlesson course DIR`` copies them into
``DIR`` as ordinary, writable files, and never overwrites a file that is already there: that
would be a student's work.
"""

import os
import shlex
import shutil
from pathlib import Path


class CourseError(Exception):
    """A course folder that cannot be written (the message says why and what to do)."""


def lessons_dir():
    """The folder that holds the lessons (``*.ipynb``): installed, or the clone's ``notebooks/``."""
    package = Path(__file__).resolve().parent
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


def copy_course(dest, log=print):
    """Copy every lesson into the folder ``dest`` (created if missing) and return the new paths.

    Raises ``CourseError`` and writes nothing if ``dest`` is a file or if any lesson is already
    there. The copies are new files (not the installed files' permissions), so they are writable
    even when the package was installed read-only.
    """
    if not str(dest).strip():
        raise CourseError("nnlesson course: the folder name is empty (try: nnlesson course "
                          "my-course)")
    dest = Path(dest).expanduser()
    sources = lessons()
    if dest.exists() and not dest.is_dir():
        raise CourseError(f"nnlesson course: {dest} is a file, not a folder; choose a folder")
    existing = [dest / path.name for path in sources if (dest / path.name).exists()]
    if existing:
        names = ", ".join(path.name for path in existing)
        raise CourseError(
            f"nnlesson course: {dest} already holds {names}; nothing was copied, so that no "
            f"work is overwritten. Open it with: {jupyter_lab_command(dest)}   (or start over "
            f"in a new folder: nnlesson course ANOTHER_FOLDER)"
        )
    written = []
    try:
        dest.mkdir(parents=True, exist_ok=True)
        for path in sources:
            target = dest / path.name
            shutil.copyfile(path, target)  # contents only: fresh permissions and times
            written.append(target)
    except OSError as error:
        raise CourseError(f"nnlesson course: cannot write into {dest}: {error.strerror or error}; "
                          f"choose a folder of yours") from error
    log(f"copied {len(written)} lessons to {dest.resolve()}")
    log(f"next: {jupyter_lab_command(dest)}")
    return written


def jupyter_lab_command(folder):
    """The command that opens ``folder`` in JupyterLab, ready to paste into a shell (quoted when
    the name has spaces; as root, Jupyter refuses to start without ``--allow-root``)."""
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    return f"jupyter lab {shlex.quote(str(folder))}" + (" --allow-root" if as_root else "")
