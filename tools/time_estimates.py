"""How long a lesson takes, computed from what the student reads and does: ``time_estimates.py``.

``python tools/time_estimates.py`` prints every lesson's figures; ``--write`` puts them into the
lesson sources (lessons_src/**/*.py) and into the time column of the README's tables of lessons
and assignments; ``--check`` changes nothing and exits 1, listing every stale or missing time
line and README row (for CI and pre-commit). After ``--write``, sync the notebooks:
``jupytext --sync lessons_src/NAME.py`` (a markdown-only edit keeps the stored outputs).

The rules (the README's "The lessons" states the same):

- Reading speed: 200 words per minute. Brysbaert (2019, "How many words do we read per minute?",
  Journal of Memory and Language 109) puts adults' silent reading of English non-fiction at 238
  words per minute on average; a student reads a lesson to learn it, so we round down to 200.
- What counts as reading: the markdown a student sees, as words (a word is a run of characters
  that holds a letter or a digit, so `nl.Linear(3, 4)` is three words). Inline math
  (``$...$``) counts as MATH_INLINE_WORDS words per expression and a display equation
  (``$$...$$``) as MATH_DISPLAY_WORDS, whatever its length: an equation is read slower than
  prose, and its length in LaTeX says little about how long it takes to read.
- Code a student reads and runs (every non-blank line of a code cell that is not an exercise)
  counts CODE_SECONDS_PER_LINE seconds a line, which covers running the cell and looking at what
  it prints or draws.
- Exercises (and Think! questions) count with their own estimate, the N of the bold lead that
  starts their paragraph, ``**Exercise 2 (code, 10 min).**`` (CONVENTIONS.md point 1). Their
  statement (the paragraph of the lead and the ones after it in the same cell, up to the next
  heading or bold lead) and their cells (a code cell with solution or hidden-test markers, a
  markdown answer cell) are part of that estimate, not of the reading.
- Not counted at all: cells tagged ``teacher-note``, model answers and hidden tests (the
  regions between BEGIN/END SOLUTION and BEGIN/END HIDDEN TESTS), and the time lines themselves.
- Rounding: reading time in whole minutes, half up, at least 1; the lesson's reading is
  rounded once from its total, each section's from its own part, so the sections' figures
  need not add up exactly to the lesson's. The time before the first ``## `` section (title,
  goals, imports) counts towards the lesson only.

Where the lines go: one line under the title (the ``# `` heading) of the first markdown cell,
``*Time: about 78 min (reading 33 min + exercises 45 min).*``, and one under every ``## ``
section heading, ``*Time: about 7 min (reading 5 min + exercises 2 min).*`` or, for a section
without exercises, ``*Time: about 3 min of reading.*``. Exercises here include Think! questions.
"""

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "lessons_src"
README = ROOT / "README.md"
README_TIME = re.compile(r"\| \d+ min \(\d+ \+ \d+\) \|")  # the time column of a table row

WORDS_PER_MINUTE = 200
MATH_INLINE_WORDS = 3
MATH_DISPLAY_WORDS = 20
CODE_SECONDS_PER_LINE = 6

EXERCISE = re.compile(r"^\*\*[^*]*?(\d+) min\)\.\*\*")  # CONVENTIONS.md point 1, exactly
ANY_TIME_LINE = re.compile(r"^\*Time: .*\*$")  # a line of ours, possibly stale or hand-edited
CELL = re.compile(r"^# %%(?P<rest>.*)$")
TAGS = re.compile(r"tags=(\[[^\]]*\])")
REGION_BEGIN = ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS")
REGION_END = ("END SOLUTION", "END HIDDEN TESTS")
WORD = re.compile(r"\S*[A-Za-z0-9]\S*")
DISPLAY_MATH = re.compile(r"\$\$.*?\$\$", re.S)
INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\$)[^$]+?(?<!\\)\$")  # may span lines of a paragraph


@dataclass
class Cell:
    kind: str  # "markdown" or "code"
    tags: list
    start: int  # index of the "# %%" line in the file's lines
    lines: list = field(default_factory=list)  # the cell's text, comment prefixes removed


def read_cells(text):
    """Split a jupytext percent-format source into cells (the header before the first cell is
    skipped). A markdown cell's lines lose their ``# `` prefix."""
    lines = text.split("\n")
    cells = []
    for i, line in enumerate(lines):
        match = CELL.match(line)
        if match:
            rest = match.group("rest")
            tags = TAGS.search(rest)
            cells.append(Cell("markdown" if "[markdown]" in rest else "code",
                              json.loads(tags.group(1)) if tags else [], i))
        elif cells:
            cell = cells[-1]
            if cell.kind == "markdown":
                cell.lines.append(line[2:] if line.startswith("# ") else line[1:])
            else:
                cell.lines.append(line)
    for cell in cells:  # jupytext leaves one blank line between cells
        while cell.lines and not cell.lines[-1].strip():
            cell.lines.pop()
    return cells


def visible(lines):
    """The lines outside solution and hidden-test regions (the marker lines go too)."""
    kept, inside = [], False
    for line in lines:
        if any(marker in line for marker in REGION_BEGIN):
            inside = True
        elif any(marker in line for marker in REGION_END):
            inside = False
        elif not inside:
            kept.append(line)
    return kept


def has_regions(lines):
    return any(marker in line for line in lines for marker in REGION_BEGIN)


def words(text):
    """Reading words of a piece of markdown: math counted by the stated rule, then words."""
    displays = len(DISPLAY_MATH.findall(text))
    text = DISPLAY_MATH.sub(" ", text)
    inlines = len(INLINE_MATH.findall(text))
    text = INLINE_MATH.sub(" ", text)
    return len(WORD.findall(text)) + MATH_INLINE_WORDS * inlines + MATH_DISPLAY_WORDS * displays


@dataclass
class Part:
    """A section of a lesson, or its preamble (heading None: the text before the first ``## ``)."""
    heading: str | None
    words: int = 0
    code_lines: int = 0
    exercise_minutes: int = 0
    exercises: list = field(default_factory=list)  # the bold leads, for the report

    @property
    def reading_seconds(self):
        return self.words * 60 / WORDS_PER_MINUTE + self.code_lines * CODE_SECONDS_PER_LINE


def minutes(seconds):
    """Whole minutes, half up, at least 1."""
    return max(1, int(seconds / 60 + 0.5))


def paragraphs(lines):
    """Blocks of lines separated by blank lines; a heading line is always a block of its own."""
    block = []
    for line in lines:
        if line.strip() and not line.startswith("#"):
            block.append(line)
            continue
        if block:
            yield block
            block = []
        if line.strip():
            yield [line]
    if block:
        yield block


def measure(text):
    """The parts of a lesson source: ``[preamble, section, section, ...]``."""
    parts = [Part(None)]
    for cell in read_cells(text):
        if "teacher-note" in cell.tags:
            continue
        shown = [line for line in visible(cell.lines) if not ANY_TIME_LINE.match(line.strip())]
        if cell.kind == "code":
            if not has_regions(cell.lines):  # an exercise's own cell belongs to its estimate
                parts[-1].code_lines += sum(1 for line in shown if line.strip())
            continue
        if has_regions(cell.lines) and not any(line.strip() for line in shown):
            continue  # a markdown answer cell: the model answer is not read
        in_exercise = False
        for block in paragraphs(shown):
            first = block[0].strip()
            if first.startswith("## "):
                parts.append(Part(first[3:].strip()))
            if first.startswith("#"):  # a heading ends an exercise's statement
                in_exercise = False
            lead = EXERCISE.match(first)
            if lead:
                parts[-1].exercise_minutes += int(lead.group(1))
                parts[-1].exercises.append(block[0].strip()[:60])
                in_exercise = True
            if not in_exercise:
                parts[-1].words += words("\n".join(block))
    return parts


def lesson_figures(parts):
    """``(reading, exercises)`` minutes of the whole lesson."""
    seconds = sum(p.reading_seconds for p in parts)
    return minutes(seconds), sum(p.exercise_minutes for p in parts)


def time_line(reading, exercises, *, title=False):
    """The lesson's line shows both parts always; a section without exercises says only reading."""
    if exercises or title:
        return (f"*Time: about {reading + exercises} min (reading {reading} min + exercises "
                f"{exercises} min).*")
    return f"*Time: about {reading} min of reading.*"


def expected_lines(text):
    """``(title line, {section heading: line})`` as the rules give them for this source."""
    parts = measure(text)
    title = time_line(*lesson_figures(parts), title=True)
    sections = [(p.heading, time_line(minutes(p.reading_seconds), p.exercise_minutes))
                for p in parts[1:]]
    return title, sections


def _strip_time_lines(lines):
    """Remove our time lines (and the blank comment line that follows each) from file lines."""
    out, i = [], 0
    while i < len(lines):
        if ANY_TIME_LINE.match(lines[i][2:].strip() if lines[i].startswith("# ") else ""):
            i += 1
            if i < len(lines) and lines[i] == "#":
                i += 1
            continue
        out.append(lines[i])
        i += 1
    return out


def write(text):
    """The source with fresh time lines under the title and under every ``## `` heading."""
    title, sections = expected_lines(text)
    sections = iter(sections)
    lines = _strip_time_lines(text.split("\n"))
    out, kind, titled, tags = [], None, False, []
    for line in lines:
        match = CELL.match(line)
        if match:
            kind = "markdown" if "[markdown]" in match.group("rest") else "code"
            found = TAGS.search(match.group("rest"))
            tags = json.loads(found.group(1)) if found else []
        out.append(line)
        if kind != "markdown" or "teacher-note" in tags:
            continue
        if line.startswith("# # ") and not titled:
            out += ["#", f"# {title}"]
            titled = True
        elif line.startswith("# ## "):
            heading, stated = next(sections)
            assert heading == line[5:].strip(), (heading, line)
            out += ["#", f"# {stated}"]
    if not titled:
        raise ValueError("no title found (a markdown cell with a '# ' heading line); the "
                         "lesson's time line goes under it")
    # a heading followed directly by text gets a blank line after our line
    fixed = []
    for i, line in enumerate(out):
        fixed.append(line)
        if (line.startswith("# *Time: ") and i + 1 < len(out) and out[i + 1].startswith("#")
                and out[i + 1] != "#" and not out[i + 1].startswith("# %%")):
            fixed.append("#")
    return "\n".join(fixed)


def stale(text, name="lesson"):
    """Every problem with the time lines of a source, as readable lines; [] when all are right."""
    title, sections = expected_lines(text)
    problems = []
    cells = [c for c in read_cells(text) if c.kind == "markdown" and "teacher-note" not in c.tags]
    stated_title, stated = None, []
    for cell in cells:
        for i, line in enumerate(cell.lines):
            following = next((x.strip() for x in cell.lines[i + 1:] if x.strip()), "")
            following = following if ANY_TIME_LINE.match(following) else None
            if line.startswith("# ") and stated_title is None:
                stated_title = following or "(no time line)"
            elif line.startswith("## "):
                stated.append((line[3:].strip(), following or "(no time line)"))
    if stated_title != title:
        problems.append(f"{name}: title says {stated_title!r}, the rules give {title!r}")
    for (heading, says), (_, right) in zip(stated, sections):
        if says != right:
            problems.append(f"{name}: section {heading!r} says {says!r}, the rules give {right!r}")
    return problems


def readme_with_times(readme, paths):
    """``readme`` with the time column of each of ``paths``' rows (``| `NAME` | ...``) fresh."""
    lines = readme.split("\n")
    for path in paths:
        reading, exercises = lesson_figures(measure(path.read_text()))
        cell = f"| {reading + exercises} min ({reading} + {exercises}) |"
        for i, line in enumerate(lines):
            if line.startswith(f"| `{path.stem}` |"):
                lines[i] = README_TIME.sub(cell, line)
    return "\n".join(lines)


def sources(root=SOURCES):
    return sorted(root.rglob("*.py"))


def report(path):
    parts = measure(path.read_text())
    reading, exercises = lesson_figures(parts)
    words_total = sum(p.words for p in parts)
    code_total = sum(p.code_lines for p in parts)
    return (f"{path.name}: "
            f"{reading + exercises} min = reading {reading} min ({words_total} words, "
            f"{code_total} code lines) + exercises {exercises} min "
            f"({sum(len(p.exercises) for p in parts)} timed statements)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--write", action="store_true", help="update the time lines in the sources")
    group.add_argument("--check", action="store_true", help="exit 1 if a time line is stale")
    parser.add_argument("paths", nargs="*", type=Path,
                        help="lesson sources (default: every .py under lessons_src/)")
    args = parser.parse_args(argv)
    paths = args.paths or sources()
    for path in paths:
        if path.suffix != ".py" or not path.is_file():
            parser.error(f"{path}: expected a lesson source, a percent-format .py file")
    problems = []
    for path in paths:
        text = path.read_text()
        if args.write:
            try:
                new = write(text)
            except ValueError as error:
                parser.error(f"{path}: {error}")
            if new != text:
                path.write_text(new)
                print(f"updated {path}")
        elif args.check:
            problems += stale(text, str(path))
        else:
            print(report(path))
    if README.is_file():
        readme = README.read_text()
        fresh = readme_with_times(readme, paths)
        if fresh != readme and args.write:
            README.write_text(fresh)
            print(f"updated {README}")
        elif fresh != readme and args.check:
            problems += [f"README.md: the row {old.split(' | ')[0]} | says "
                         f"{README_TIME.search(old).group()}, the rules give "
                         f"{README_TIME.search(new).group()}"
                         for old, new in zip(readme.split("\n"), fresh.split("\n")) if old != new]
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} stale time line(s): run python tools/time_estimates.py --write, "
              f"then jupytext --sync the lessons", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
