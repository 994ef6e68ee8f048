"""``nnlesson`` / ``python -m nnlesson``: where the course is, and ``course DIR`` to copy it.

    nnlesson                     the version, where the lessons are, the next command to run
    nnlesson course my-course    copy the lessons into my-course/ (never over existing files)
"""

import argparse
import sys


def describe():
    """What ``nnlesson`` with no arguments prints."""
    import nnlesson

    from .course import CourseError, lessons

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

    from .course import CourseError, copy_course

    parser = argparse.ArgumentParser(
        prog="nnlesson",
        description="The nnlesson course. With no command: the version, where the lessons are "
                    "and what to run next.",
    )
    parser.add_argument("--version", action="version", version=f"nnlesson {nnlesson.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    course = commands.add_parser(
        "course", help="copy the lessons into a folder of yours (never over existing files)")
    course.add_argument("dest", metavar="DIR", help="the folder to copy into (created if missing)")
    args = parser.parse_args(argv)
    if args.command is None:
        print(describe())
        return 0
    try:
        copy_course(args.dest)
    except CourseError as error:
        print(error, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
