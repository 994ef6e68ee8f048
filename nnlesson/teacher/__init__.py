"""The teacher's tool: writes the student, nbgrader and instructor versions of the notebooks.

Its command is ``nnlesson-assign`` (or ``python -m nnlesson.teacher``); it needs the ``teacher``
extra: ``pip install "nnlesson[teacher]"``. It imports nothing from the rest of nnlesson.

Where things are:

- ``markers.py``: what the teacher writes (nbgrader's region markers, points, cell tags), parsed
  into ``Region``s by ``parse_cell``; every near miss is an ``AssignError``;
- ``outputs.py``: which of the teacher's outputs the student sees (each exercise's expected
  output, never a secret);
- ``versions.py``: one notebook's student, nbgrader and instructor versions;
- ``files.py``: reading the teacher's folder and writing a version safely (``build``, ``check``,
  ``assign``);
- ``cli.py``: the command line (``main``).
"""

from .cli import main
from .files import assign, build, check
from .markers import (
    BEGIN_HIDDEN,
    BEGIN_SOLUTION,
    END_HIDDEN,
    END_SOLUTION,
    HIDE_TAGS,
    MARKERS,
    NO_EXPECTED_OUTPUT,
    TEACHER_NOTE,
    AssignError,
    ParsedCell,
    Region,
    parse_cell,
    parse_notebook,
)
from .outputs import EXPECTED_TAG, expected_output
from .versions import (
    STUDENT_VIEW_TAG,
    instructor_notebook,
    nbgrader_notebook,
    student_notebook,
    student_source,
)

__all__ = [
    "BEGIN_HIDDEN", "BEGIN_SOLUTION", "END_HIDDEN", "END_SOLUTION", "EXPECTED_TAG", "HIDE_TAGS",
    "MARKERS",
    "NO_EXPECTED_OUTPUT", "STUDENT_VIEW_TAG", "TEACHER_NOTE", "AssignError", "ParsedCell",
    "Region", "assign", "build", "check", "expected_output", "instructor_notebook", "main",
    "nbgrader_notebook", "parse_cell", "parse_notebook", "student_notebook", "student_source",
]
