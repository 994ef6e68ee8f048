"""The command ``nnlesson-assign`` (also ``python -m nnlesson.teacher``).

``nnlesson-assign SOURCE OUT`` writes the student version of the lessons,
``nnlesson-assign --nbgrader SOURCE OUT`` nbgrader's source notebooks (exercise cells split into
answer and autograder tests, with points), ``nnlesson-assign --instructor SOURCE OUT`` the
instructor version, and ``nnlesson-assign --check SOURCE`` checks everything and writes nothing
(for CI and pre-commit).

The tool needs the ``teacher`` extra (nbformat; jupytext for ``--py``). Its modules import those
inside the functions that use them, never at the top: after a plain ``pip install nnlesson`` the
command must still start, to say which package is missing and how to install it, not end in a
traceback. Keep it so when you add a function (tests/tooling/test_assign.py checks it).
"""

import argparse
import sys

from .files import assign, check, skip_unused_iri_parsers
from .markers import AssignError

INSTALL = 'pip install "nnlesson[teacher]"'


def _parser():
    parser = argparse.ArgumentParser(
        prog="nnlesson-assign",
        description="Write the student version of the lessons (solutions replaced by stubs, "
                    "hidden tests removed, outputs cleared but the exercises' expected "
                    "outputs), nbgrader's source version (--nbgrader), the instructor version "
                    "(--instructor), or only check the markers and tags (--check).",
    )
    parser.add_argument("source", help="the teacher's notebooks: a folder (e.g. notebooks) or "
                                       "one .ipynb")
    parser.add_argument("out", nargs="?", help="folder to write into (e.g. student)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--py", action="store_true", help="also write each paired .py (percent)")
    mode.add_argument("--instructor", action="store_true",
                      help="write the instructor version instead: the teacher's notebooks with "
                           "outputs and runnable solutions, the student's stub shown above each "
                           "exercise, teacher notes and model answers")
    mode.add_argument("--nbgrader", action="store_true",
                      help="write nbgrader source notebooks (exercise cells split, with points) "
                           "for course/source/ASSIGNMENT, instead of the student version")
    mode.add_argument("--check", action="store_true",
                      help="only check the markers of SOURCE; write nothing")
    return parser


def main(argv=None):
    parser = _parser()
    args = parser.parse_args(argv)
    skip_unused_iri_parsers()
    if args.check != (args.out is None):
        parser.error("give SOURCE and OUT, or --check SOURCE")
    try:
        if args.check:
            for line in check(args.source):
                print(f"ok {line}")
        else:
            assign(args.source, args.out, write_py=args.py, nbgrader=args.nbgrader,
                   instructor=args.instructor)
    except ModuleNotFoundError as error:  # a plain `pip install nnlesson`: no teacher extra
        if (error.name or "nnlesson").partition(".")[0] == "nnlesson":
            raise  # a bug of ours, not a missing extra
        print(f"nnlesson-assign: needs the package {error.name!r}, which is not installed; "
              f"install the teacher's tools with: {INSTALL}", file=sys.stderr)
        return 2
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
