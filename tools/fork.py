"""Point every link of the course at your fork: ``python tools/fork.py OWNER/NAME``.

The repository's address is one setting, ``Repository`` under ``[project.urls]`` in
pyproject.toml. This script changes it and rewrites every link built from it: the Binder badge and
the Colab links in README.md, and the install cell at the top of each lesson (its ``.ipynb`` and
its ``.py``). Run it from anywhere; it prints each file it changed. Commit the result.
``tests/tooling/test_repo.py`` checks that every link agrees with the setting.
"""

import argparse
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETTING = re.compile(r'^Repository = "https://github\.com/([\w.-]+/[\w.-]+)"$', flags=re.M)
# Every form a GitHub address takes in the course: Binder, Colab, pip's git+https, plain links.
LINK = re.compile(r"(mybinder\.org/v2/gh/|colab\.research\.google\.com/github/|github\.com/)"
                  r"([\w.-]+/[\w.-]+?)(?=\.git\b|[^\w.-]|$)", flags=re.M)
SUFFIXES = {".md", ".py", ".ipynb", ".toml", ".txt", ".cfg", ".yaml", ".yml"}
SKIP_DIRS = {"build", "dist", "node_modules", "__pycache__"}


def repository(root=ROOT):
    """The ``OWNER/NAME`` set in pyproject.toml."""
    found = SETTING.findall((root / "pyproject.toml").read_text())
    if len(found) != 1:
        raise SystemExit(f"fork: expected one line 'Repository = \"https://github.com/OWNER/"
                         f"NAME\"' in {root / 'pyproject.toml'}, found {len(found)}")
    return found[0]


def course_files(root=ROOT):
    """The text files that may hold links (hidden folders, virtual envs and builds skipped)."""
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs
                         if not (d.startswith(".") or d in SKIP_DIRS or d.endswith(".egg-info")))
        for name in sorted(files):
            path = Path(folder) / name
            if path.suffix in SUFFIXES and path.resolve() != Path(__file__).resolve():
                yield path


def links(text):
    """Every ``OWNER/NAME`` that a link in ``text`` points at."""
    return [match.group(2) for match in LINK.finditer(text)]


def fork(new, root=ROOT, log=print):
    """Rewrite every link from the current repository to ``new`` (``OWNER/NAME``)."""
    if not re.fullmatch(r"[\w.-]+/[\w.-]+", new) or new.endswith(".git"):
        raise SystemExit(f"fork: expected OWNER/NAME (as in github.com/OWNER/NAME), got {new!r}")
    old = repository(root)
    changed = []
    for path in course_files(root):
        text = path.read_text(encoding="utf-8")
        updated = LINK.sub(lambda m: m.group(1) + (new if m.group(2) == old else m.group(2)), text)
        if updated != text:
            path.write_text(updated, encoding="utf-8")
            changed.append(path)
            log(f"rewrote {path.relative_to(root)}")
    log(f"{len(changed)} files now point at {new} (was {old})")
    return changed


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python tools/fork.py",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("repository", metavar="OWNER/NAME", help="your fork on GitHub")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    fork(args.repository, root=args.root.resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
