"""The time lines of the lessons: stated by tools/time_estimates.py, recomputed here.

Every lesson source (lessons_src/**/*.py, assignments included) must state the times its rules
give; a stale line fails (shown on an edited copy); the rules themselves (reading speed, math,
code lines, what is not counted, rounding) are tested on small sources; and the lesson totals are
recomputed a second way, from the cells jupytext reads, so that a bug in the tool's own parser of
the percent format cannot hide.
"""

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jupytext
import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted((ROOT / "lessons_src").rglob("*.py"))
LESSONS = sorted((ROOT / "lessons_src").glob("[0-9][0-9]_*.py"))
TOOL = ROOT / "tools" / "time_estimates.py"

spec = importlib.util.spec_from_file_location("time_estimates", TOOL)
te = importlib.util.module_from_spec(spec)
spec.loader.exec_module(te)

TITLE_LINE = re.compile(r"^\*Time: about (\d+) min \(reading (\d+) min \+ exercises (\d+) min\)\.\*$")
LEAD = re.compile(r"^\*\*[^*]*?(\d+) min\)\.\*\*")  # CONVENTIONS.md point 1


def header():
    return ("# ---\n# jupyter:\n#   kernelspec:\n#     display_name: Python 3\n#     language: python\n"
            "#     name: python3\n# ---\n\n")


def source(*cells):
    """A small percent-format lesson from (kind, text, tags) cells."""
    parts = [header()]
    for kind, text, tags in cells:
        head = "# %%" + (" [markdown]" if kind == "markdown" else "")
        head += f" tags={tags}" if tags else ""
        if kind == "markdown":
            body = "\n".join(("# " + line) if line else "#" for line in text.split("\n"))
        else:
            body = text
        parts.append(f"{head}\n{body}\n\n")
    return "".join(parts)


def prose(n):
    return " ".join(["word"] * n)


# ------------------------------------------------------------------ the lessons as they are

@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_every_source_states_the_times_its_rules_give(path):
    assert te.stale(path.read_text(), path.name) == []


def test_the_check_command_passes_on_the_repository():
    done = subprocess.run([sys.executable, str(TOOL), "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def independent_totals(path):
    """(reading, exercises) minutes of a lesson, recomputed from jupytext's cells with the
    documented rules, without the tool's own parser."""
    nb = jupytext.read(path)
    seconds, exercise_minutes = 0.0, 0
    for cell in nb.cells:
        if "teacher-note" in cell.metadata.get("tags", []):
            continue
        text = re.sub(r"[^\n]*BEGIN (SOLUTION|HIDDEN TESTS).*?END (SOLUTION|HIDDEN TESTS)[^\n]*",
                      "", cell.source, flags=re.S)
        if cell.cell_type == "code":
            if text == cell.source:  # not an exercise's cell
                seconds += te.CODE_SECONDS_PER_LINE * sum(1 for line in text.split("\n")
                                                          if line.strip())
            continue
        if text != cell.source and not text.strip():
            continue  # a model answer
        in_exercise = False
        for block in re.split(r"\n\s*\n", text):
            lines = [line for line in block.split("\n") if line.strip()]
            pieces, current = [], []
            for line in lines:  # a heading is a paragraph of its own
                if line.startswith("#"):
                    pieces += [current, [line]] if current else [[line]]
                    current = []
                else:
                    current.append(line)
            pieces.append(current)
            for piece in filter(None, pieces):
                first = piece[0].strip()
                if first.startswith("#"):
                    in_exercise = False
                if re.match(r"^\*Time: .*\*$", first):
                    continue
                lead = LEAD.match(first)
                if lead:
                    exercise_minutes += int(lead.group(1))
                    in_exercise = True
                if not in_exercise:
                    seconds += te.words("\n".join(piece)) * 60 / te.WORDS_PER_MINUTE
    return max(1, int(seconds / 60 + 0.5)), exercise_minutes


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_the_title_line_agrees_with_a_second_computation(path):
    title = jupytext.read(path).cells[0].source.split("\n")
    stated = [TITLE_LINE.match(line) for line in title]
    stated = [m for m in stated if m]
    assert len(stated) == 1, f"{path.name}: one time line under the title"
    total, reading, exercises = map(int, stated[0].groups())
    assert total == reading + exercises
    assert (reading, exercises) == independent_totals(path)
    assert exercises > 0 and 5 <= total <= 120, f"{path.name}: {total} min is not a lesson"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_every_exercise_and_think_question_states_its_time(path):
    for cell in jupytext.read(path).cells:
        for paragraph in cell.source.split("\n\n"):
            if paragraph.startswith(("**Exercise", "**Think!", "**Task")):
                assert LEAD.match(paragraph), f"{path.name}: no time in {paragraph[:60]!r}"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_think_questions_and_teacher_notes(path):
    """1-3 Think! questions, each followed by its model answer (a manually graded cell worth 1
    point), and 1-3 teacher notes, in every lesson."""
    cells = jupytext.read(path).cells
    thinks = [i for i, c in enumerate(cells) if c.source.startswith("**Think! (")]
    assert 1 <= len(thinks) <= 3, path.name
    for i in thinks:
        answer = cells[i + 1].source.split("\n")
        assert cells[i + 1].cell_type == "markdown"
        assert answer[0] == "### BEGIN SOLUTION (1 point)" and answer[-1] == "### END SOLUTION"
        assert len(" ".join(answer[1:-1]).split()) >= 20, f"{path.name}: answer too short"
    notes = [c for c in cells if "teacher-note" in c.metadata.get("tags", [])]
    assert 1 <= len(notes) <= 3, path.name
    assert all(c.cell_type == "markdown" and c.source.startswith("**Teacher note.** ")
               for c in notes)
    # a note is for the teacher only: it never holds an exercise or a timed statement
    assert not any(LEAD.match(c.source) or "BEGIN SOLUTION" in c.source for c in notes)


# ------------------------------------------------------------------ a stale line is caught

def test_added_prose_makes_the_section_and_title_stale_and_write_fixes_it(tmp_path):
    lesson = tmp_path / "01_copy.py"
    shutil.copy(LESSONS[0], lesson)
    text = lesson.read_text()
    anchor = "# ## One neuron\n"
    assert anchor in text
    # 400 more words in the first section: 2 more minutes at 200 words per minute
    edited = text.replace("# The weights say how much each input matters",
                          f"# {prose(400)}\n#\n# The weights say how much each input matters", 1)
    assert edited != text
    lesson.write_text(edited)
    problems = te.stale(edited, lesson.name)
    assert any("title says" in p for p in problems), problems
    assert any("section 'One neuron'" in p for p in problems), problems
    assert len(problems) == 2, problems
    check = [sys.executable, str(TOOL), "--check", str(lesson)]
    done = subprocess.run(check, capture_output=True, text=True)
    assert done.returncode == 1 and "One neuron" in done.stdout
    assert subprocess.run([sys.executable, str(TOOL), "--write", str(lesson)]).returncode == 0
    assert subprocess.run(check).returncode == 0
    fixed = lesson.read_text()
    total, reading, exercises = title_figures(text)
    assert title_figures(fixed) == (total + 2, reading + 2, exercises)
    # --write changed the time lines and nothing else
    strip = [line for line in fixed.split("\n") if not line.startswith("# *Time: ")]
    assert strip == [line for line in edited.split("\n") if not line.startswith("# *Time: ")]


def title_figures(text):
    """(total, reading, exercises) stated under a source's title."""
    line = next(line for line in text.split("\n") if line.startswith("# *Time: about"))
    return tuple(map(int, TITLE_LINE.match(line[2:]).groups()))


def test_a_changed_exercise_estimate_is_caught():
    text = LESSONS[0].read_text()
    edited = text.replace("# **Exercise 1 (code, 5 min).**", "# **Exercise 1 (code, 25 min).**")
    assert edited != text
    problems = te.stale(edited)
    assert len(problems) == 2, problems
    assert any("title says" in p for p in problems)
    assert any("section 'Exercises'" in p for p in problems)
    rewritten = te.write(edited)
    assert te.stale(rewritten) == []
    total, reading, exercises = title_figures(text)
    assert title_figures(rewritten) == (total + 20, reading, exercises + 20)


def test_a_missing_or_hand_edited_line_is_caught():
    text = LESSONS[1].read_text()
    lines = text.split("\n")
    i = next(i for i, line in enumerate(lines) if line.startswith("# *Time: about")
             and i > 30)  # a section's line
    hand_edited = "\n".join(lines[:i] + ["# *Time: about 99 min of reading.*"] + lines[i + 1:])
    assert len(te.stale(hand_edited)) == 1
    missing = "\n".join(lines[:i] + lines[i + 2:])  # the line and its blank line removed
    assert len(te.stale(missing)) == 1 and "(no time line)" in te.stale(missing)[0]
    assert te.write(missing) == text and te.write(hand_edited) == text


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_write_is_idempotent_on_every_source(path):
    text = path.read_text()
    assert te.write(text) == text


# ------------------------------------------------------------------ the rules

def test_reading_speed_and_rounding():
    assert te.WORDS_PER_MINUTE == 200
    assert te.minutes(0) == 1 and te.minutes(29) == 1  # at least 1
    assert te.minutes(89.9) == 1 and te.minutes(90) == 2  # half up
    assert te.minutes(149) == 2 and te.minutes(151) == 3
    src = source(("markdown", "# Title\n\n## A\n\n" + prose(600), None))
    title, sections = te.expected_lines(src)
    assert title == "*Time: about 3 min (reading 3 min + exercises 0 min).*"
    assert sections == [("A", "*Time: about 3 min of reading.*")]


def test_math_counts_by_expression_not_by_length():
    assert te.words("$x$") == te.MATH_INLINE_WORDS == 3
    assert te.words("$\\sum_{i=1}^{n} W_{ji} x_i + b_j$") == 3
    assert te.words("$$ y = Wx + b $$") == te.MATH_DISPLAY_WORDS == 20
    assert te.words("a $x$ and\n$$\ny = 1\n$$\nb") == 3 + 3 + 20  # a, and, b
    assert te.words("`nl.Linear(3, 4)` costs") == 3  # a word holds a letter or a digit
    assert te.words("- **bold**, *it* --- ok") == 3


def test_code_lines_count_six_seconds_but_exercise_cells_do_not():
    code = "x = 1\n\n# a comment is read too\ny = 2\n"
    exercise = ("def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n\n"
                "check(f)\n### BEGIN HIDDEN TESTS\nassert f(1)\n### END HIDDEN TESTS")
    parts = te.measure(source(("markdown", "# T\n\n## A", None), ("code", code, None),
                              ("code", exercise, None)))
    assert parts[1].code_lines == 3
    assert parts[1].reading_seconds == 3 * te.CODE_SECONDS_PER_LINE + 1 * 60 / 200  # "A"


def test_teacher_notes_model_answers_and_exercise_statements_are_not_reading():
    src = source(
        ("markdown", "# T\n\n## S", None),
        ("markdown", "**Teacher note.** " + prose(1000), '["teacher-note"]'),
        ("markdown", "**Think! (2 min).** " + prose(300) + "\n\nmore of the question " + prose(50)
         + "\n\n### Next\n\n" + prose(40), None),
        ("markdown", "### BEGIN SOLUTION (1 point)\n" + prose(1000) + "\n### END SOLUTION", None),
        ("markdown", "Before the answer.\n### BEGIN SOLUTION\n" + prose(1000) + "\n### END SOLUTION",
         None),
    )
    parts = te.measure(src)
    section = parts[1]
    assert section.exercise_minutes == 2
    # "S", "Next" and 40 words after the heading that ends the statement, "Before the answer."
    assert section.words == 1 + 1 + 40 + 3


def test_timed_statements_follow_the_conventions_regex_exactly():
    for lead, minutes in [("**Exercise 2 (code, 10 min).** Write", 10),
                          ("**Task 1.3 (code, 15 min).** Do", 15), ("**Think! (2 min).** Why?", 2)]:
        parts = te.measure(source(("markdown", f"# T\n\n## S\n\n{lead}", None)))
        assert parts[1].exercise_minutes == minutes
    for untimed in ["**Exercise 2 (code).** Write", "**Exercise (10 minutes).** Write",
                    "Text **Think! (2 min).** inside a paragraph"]:
        assert te.measure(source(("markdown", f"# T\n\n## S\n\n{untimed}", None)))[1] \
            .exercise_minutes == 0


def test_the_parser_finds_the_cells_jupytext_finds():
    for path in SOURCES:
        mine = te.read_cells(path.read_text())
        theirs = jupytext.read(path).cells
        assert [c.kind for c in mine] == [c.cell_type for c in theirs], path.name
        assert [c.tags for c in mine] == [c.metadata.get("tags", []) for c in theirs], path.name
        markdown = [(a, b) for a, b in zip(mine, theirs) if b.cell_type == "markdown"]
        assert all("\n".join(a.lines).strip() == b.source.strip() for a, b in markdown), path.name


def test_the_readme_table_repeats_each_lessons_time():
    readme = (ROOT / "README.md").read_text()
    for path in LESSONS:
        total, reading, exercises = title_figures(path.read_text())
        row = next(line for line in readme.split("\n") if line.startswith(f"| `{path.stem}` |"))
        assert f"| {total} min ({reading} + {exercises}) |" in row, (path.stem, row[-160:])


def test_an_assignment_gets_its_lines_and_parts_count_their_tasks(tmp_path):
    """The sources of the assignments (lessons_src/assignments/) follow the same rules."""
    path = tmp_path / "assignments" / "A9_example.py"
    path.parent.mkdir()
    path.write_text(source(
        ("markdown", "# A9: an example\n\nIntroduction " + prose(397), None),
        ("markdown", "## Part 1: The linear layer\n\n" + prose(200)
         + "\n\n**Task 1.1 (code, 15 min).** Write it.", None),
        ("code", "def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION", None),
        ("markdown", "## Part 2: Training\n\n**Task 2.1 (written, 10 min).** Why?", None),
        ("markdown", "### BEGIN SOLUTION (2 points)\n" + prose(500) + "\n### END SOLUTION", None)))
    tool = [sys.executable, str(TOOL)]
    assert subprocess.run(tool + ["--check", str(path)], capture_output=True).returncode == 1
    assert subprocess.run(tool + ["--write", str(path)], capture_output=True).returncode == 0
    assert subprocess.run(tool + ["--check", str(path)], capture_output=True).returncode == 0
    text = path.read_text()
    # 401 words before Part 1, 205 in it (its heading too), 3 in Part 2: 609 words, 3 minutes
    assert "# *Time: about 28 min (reading 3 min + exercises 25 min).*" in text
    assert "# ## Part 1: The linear layer\n#\n# *Time: about 16 min (reading 1 min + exercises " \
           "15 min).*\n#\n" in text
    assert "# *Time: about 11 min (reading 1 min + exercises 10 min).*" in text


def test_bad_input_gets_a_clear_error(tmp_path):
    tool = [sys.executable, str(TOOL)]
    done = subprocess.run(tool + ["--check", str(tmp_path / "missing.py")], capture_output=True,
                          text=True)
    assert done.returncode == 2 and "expected a lesson source" in done.stderr
    untitled = tmp_path / "untitled.py"
    untitled.write_text(source(("markdown", "## Only a section\n\ntext", None)))
    done = subprocess.run(tool + ["--write", str(untitled)], capture_output=True, text=True)
    assert done.returncode == 2 and "no title found" in done.stderr
    assert "Traceback" not in done.stderr


def test_write_updates_the_readme_rows_and_check_names_a_stale_one():
    """`--write` keeps the README's time column in step with the sources (the row's other cells
    and every other line unchanged); `--check` names a stale row."""
    path = LESSONS[0]
    total, reading, exercises = title_figures(path.read_text())
    row = f"| `{path.stem}` | what it teaches | 1 min (0 + 1) | [Colab](x) |"
    readme = f"# Title\n\n| lesson | what | time | open |\n| --- | --- | --- | --- |\n{row}\nend"
    fresh = te.readme_with_times(readme, [path])
    assert fresh == readme.replace("| 1 min (0 + 1) |", f"| {total} min ({reading} + {exercises}) |")
    assert te.readme_with_times(fresh, [path]) == fresh
    checked = subprocess.run([sys.executable, str(TOOL), "--check"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout  # the real README is current
