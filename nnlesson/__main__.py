"""``nnlesson`` / ``python -m nnlesson``: where the course is, and ``course DIR`` to copy it.

    nnlesson                              the version, where the lessons are, the next command
    nnlesson course my-course             the lessons' student version into my-course/ (adds
                                          what is missing, never touches what is there)
    nnlesson course my-course --update    a newer version's lessons, keeping the student's edits
    nnlesson course my-course --solutions the worked lessons instead, for a self-learner

The front door only: the copying is the teacher tool's (``nnlesson.teacher.course``), since the
student's copy is the student version that tool writes.
"""

import argparse
import sys


def describe():
    """What ``nnlesson`` with no arguments prints."""
    import nnlesson

    from .teacher.course import CourseError, lessons

    lines = [f"nnlesson {nnlesson.__version__} (the package: {nnlesson.__path__[0]})"]
    try:
        paths = lessons()
    except CourseError as error:
        return "\n".join([*lines, str(error)])
    lines.append(f"{len(paths)} lessons in {paths[0].parent}:")
    lines += [f"  {path.name}" for path in paths]
    lines.append("next: nnlesson course my-course   (copies the lessons into a folder of yours, "
                 "then says how to open them)")
    return "\n".join(lines)


def main(argv=None):
    import nnlesson

    from .teacher.course import CourseError, copy_course
    from .teacher.files import skip_unused_iri_parsers

    parser = argparse.ArgumentParser(
        prog="nnlesson",
        description="The nnlesson course. With no command: the version, where the lessons are "
                    "and what to run next.",
    )
    parser.add_argument("--version", action="version", version=f"nnlesson {nnlesson.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    course = commands.add_parser(
        "course", help="copy the lessons (the student version) into a folder of yours: adds what "
                       "is missing, never touches what is there")
    course.add_argument("dest", metavar="DIR", help="the folder to copy into (created if missing)")
    course.add_argument("--update", action="store_true",
                        help="bring this version's lessons: a lesson you have not changed is "
                             "replaced, one you changed is kept and the new one written beside it")
    course.add_argument("--solutions", action="store_true",
                        help="the worked lessons (with their solutions) instead of the student "
                             "version, for learning on your own")
    args = parser.parse_args(argv)
    if args.command is None:
        print(describe())
        return 0
    skip_unused_iri_parsers()
    try:
        copy_course(args.dest, solutions=args.solutions, update=args.update,
                    version=nnlesson.__version__)
    except CourseError as error:
        print(error, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
