"""What the teacher writes in a notebook: nbgrader's region markers (with their points) and
nnlesson's cell tags. Parsing them, and refusing every near miss.

The regions nnlesson clears are exactly the regions nbgrader 0.9 clears (``ClearSolutions`` and
``ClearHiddenTests``):

- a line is a marker when it CONTAINS ``BEGIN SOLUTION``, ``END SOLUTION``, ``BEGIN HIDDEN TESTS``
  or ``END HIDDEN TESTS`` (case-sensitive), in any cell type; the whole marker line goes;
- a solution region becomes ``# YOUR CODE HERE`` / ``raise NotImplementedError()`` in a code cell
  (indented like its BEGIN line) and ``YOUR ANSWER HERE`` in a markdown or raw cell;
- a hidden-tests region is removed;
- a cell that nbgrader's metadata marks as a solution but that has no markers becomes the stub.

Everything else that looks like a marker is an error, never a silent copy: a near miss such as
``### BEGIN SOLUTON`` or ``### begin solution``, a marker broken over two lines (``### BEGIN``
then ``### SOLUTION``), an END without its BEGIN, a region left open, nested or doubled regions,
two markers on one line. Errors name the notebook, the cell and the line, and never print
solution text.

Points: an exercise cell may declare its points once, on one of its BEGIN markers, as
``### BEGIN SOLUTION (2 points)`` (``(1 point)``, ``(0.5 points)``); an exercise that declares
nothing is worth 1 point.

Tags: ``teacher-note`` on a markdown cell keeps it in the instructor version only; on another
cell type, or on a cell with solution markers, it is an error. The tags other tools use to hide a
cell (``HIDE_TAGS``: ``solution``, ``remove-cell``, ``hidden``, ``ta-note``...) are refused, never
copied silently into the student version. A tag that is a near miss of
``teacher-note`` or ``no-expected-output`` (``teacher_note``, ``Teacher-Note``) is an error, never
ignored; so is ``no-expected-output`` on a cell that is not a code exercise.
"""

import functools
import re
import unicodedata
from dataclasses import dataclass, field

BEGIN_SOLUTION, END_SOLUTION = "BEGIN SOLUTION", "END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
MARKERS = (BEGIN_SOLUTION, END_SOLUTION, BEGIN_HIDDEN, END_HIDDEN)
DEFAULT_POINTS = 1

# Cell tags the teacher writes (exact spellings; a near miss is an error, never ignored).
TEACHER_NOTE = "teacher-note"  # a markdown note for the teacher: instructor version only
NO_EXPECTED_OUTPUT = "no-expected-output"  # an exercise whose teacher output must not be shown
TAGS = (TEACHER_NOTE, NO_EXPECTED_OUTPUT)
# Tags that hide or remove a cell in other tools (Jupyter Book, nbgrader-like workflows, course
# templates). This tool does not drop cells by tag: a dropped code cell would change what the
# student's notebook runs, and a tag is too easy to add by mistake or to lose in a jupytext sync.
# A cell carrying one is refused (the teacher meant it hidden; copied, it would reach students),
# with what to write instead. Compared in lower case with '_' read as '-', plurals included.
HIDE_TAGS = ("solution", "answer", "answer-key", "remove-cell", "remove_cell", "hide-cell",
             "hidden", "private", "staff-only", "ta-note", "grader")
_HIDE = {t.replace("_", "-") for t in HIDE_TAGS} | {t + "s" for t in ("solution", "answer")}

_POINTS = re.compile(r"\((\d+(?:\.\d+)?) points?\)")
# Near misses: a word like BEGIN/END followed by a word like SOLUTION or HIDDEN, in any case.
# Words are runs of letters and digits of any script, so that 'S0LUTION' (a zero) or 'SОLUTION'
# (a Cyrillic O) is one word, a letter away from SOLUTION, not two short unrelated ones.
_WORD = re.compile(r"[^\W_]+")
# Letters of other scripts that look like Latin capitals (and are typed or pasted by mistake).
_CONFUSABLE = str.maketrans("АВЕКМНОРСТХаеорсхΑΒΕΖΗΙΚΜΝΟΡΤΥΧο", "ABEKMHOPCTXaeopcxABEZHIKMNOPTYXo")


class AssignError(ValueError):
    """Problems found in the teacher's notebooks or the arguments; nothing was written."""

    def __init__(self, problems):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


def _close(a, b, limit):
    """Whether ``a`` is at most ``limit`` edits (Levenshtein distance) from ``b``.

    Every word of every line is compared with the marker words, so this must be quick: words
    whose lengths differ by more than ``limit`` are far apart without any table, and the table
    stops at the first row that is over the limit everywhere (later rows can only grow)."""
    if abs(len(a) - len(b)) > limit:
        return False
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return False
        previous = current
    return previous[-1] <= limit


def _normalised(line):
    """``line`` as a reader sees it: compatibility forms folded (fullwidth letters), invisible
    format characters (zero-width spaces) removed, look-alike letters of other scripts made
    Latin."""
    if line.isascii():  # nothing to fold: the usual line, and the quick way
        return line
    line = unicodedata.normalize("NFKC", line)
    return "".join(c for c in line if unicodedata.category(c) != "Cf").translate(_CONFUSABLE)


def _split_marker(line, following):
    """The marker words if ``line`` holds only BEGIN or END and ``following`` goes on with the
    rest of a marker ("### BEGIN" then "### SOLUTION"), else None."""
    words = [w.upper() for w in _WORD.findall(_normalised(line))]
    if len(words) == 1 and (words[0] == "END" or _close(words[0], "BEGIN", 1)):
        return _near_miss(f"{line} {following}")
    return None


def _near_miss(line):
    """The words of ``line`` that look like a marker nbgrader would NOT recognise, or None."""
    words = _WORD.findall(_normalised(line))
    upper = [w.upper() for w in words]
    for i in range(len(words)):
        # a word, or two glued ("BEG IN", "SOL UTION"): glued pieces must match closely
        for la in (1, 2):
            a = "".join(upper[i:i + la])
            if not (a == "END" or a == "BEGIN" or (la == 1 and _close(a, "BEGIN", 1))):
                continue
            for lb in (1, 2):
                if i + la + lb > len(words):
                    break
                b = "".join(upper[i + la:i + la + lb])
                slack = 1 if la == 2 or lb == 2 else 2
                found = " ".join(words[i:i + la + lb])
                if _close(b, "SOLUTION", slack):
                    return found
                after = upper[i + la + lb] if i + la + lb < len(words) else "TESTS"
                if _close(b, "HIDDEN", slack - 1) and _close(after, "TESTS", 2):
                    return found
                # "BEGIN TESTS" (meant hidden?); in capitals only: "in the end, test ..." is prose
                if lb == 1 and found.isupper() and _close(b, "TESTS", 1):
                    return found
    for word in upper:
        if _like_glued_marker(word):
            return word
    return None


@functools.lru_cache(maxsize=4096)  # every word of every line comes here; most are common words
def _like_glued_marker(word):
    """Whether ``word`` is a marker written without its space ("BEGINSOLUTON"), give or take two
    letters."""
    return any(_close(word, glued, 2)
               for glued in ("BEGINSOLUTION", "ENDSOLUTION", "BEGINHIDDEN", "ENDHIDDEN"))


def markers_in(line):
    """The nbgrader markers a line contains (nbgrader's rule: substring, case-sensitive)."""
    return [marker for marker in MARKERS if marker in line]


def has_markers(text):
    """Whether any line of ``text`` holds a marker nbgrader recognises."""
    return any(marker in text for marker in MARKERS)


@dataclass
class Region:
    """A solution or hidden-tests region of a cell: its lines between the markers."""

    kind: str  # "solution" or "hidden"
    begin: str  # the BEGIN line, kept for nbgrader's source version
    indent: str
    lines: list = field(default_factory=list)
    end: str = ""
    line_number: int = 0  # of the BEGIN line, counting from 1


@dataclass
class ParsedCell:
    """A cell as a list of parts: plain lines (str) and Regions, in order."""

    parts: list
    points: float | None = None  # declared on a BEGIN marker, else None

    @property
    def solutions(self):
        return [p for p in self.parts if isinstance(p, Region) and p.kind == "solution"]

    @property
    def hidden(self):
        return [p for p in self.parts if isinstance(p, Region) and p.kind == "hidden"]


def parse_cell(source, where="cell"):
    """Split one cell's source into plain lines and regions; AssignError on any bad marker.

    ``where`` (e.g. ``"notebooks/01.ipynb: cell 12 (code)"``) starts every message. Messages
    quote only marker words, never a line of the cell, so that no solution text is printed.
    """
    parts, region, points = [], None, None
    lines = source.split("\n")
    for number, line in enumerate(lines, 1):
        found = markers_in(line)
        here = f"{where}, line {number}"
        if not found:
            miss = _near_miss(line)
            if miss is not None:
                raise AssignError(
                    f"{here}: {miss!r} looks like a marker but nbgrader does not recognise it "
                    f"(markers are case-sensitive: {', '.join(MARKERS)}); fix the spelling, or "
                    f"reword the line if it is not meant as a marker")
            split = _split_marker(line, lines[number] if number < len(lines) else "")
            if split is not None:
                raise AssignError(
                    f"{here}: {split!r} looks like a marker broken over this line and the "
                    f"next, which nbgrader does not recognise; put the whole marker on one line")
            if region is None:
                parts.append(line)
            else:
                region.lines.append(line)
            continue
        if len(found) > 1:
            raise AssignError(f"{here}: two markers on one line ({' and '.join(found)}); "
                              f"put each marker on its own line")
        marker = found[0]
        declared = _POINTS.search(line)
        if "point" in line.lower():
            if not marker.startswith("BEGIN"):
                raise AssignError(f"{here}: points go on the BEGIN marker, not on {marker}")
            if declared is None:
                raise AssignError(f"{here}: cannot read the points; write them as "
                                  f"'{marker} (2 points)' or '(1 point)'")
            if points is not None:
                raise AssignError(f"{here}: this cell already declared its points; "
                                  f"declare them once per exercise cell")
            points = float(declared.group(1))
            points = int(points) if points.is_integer() else points
        if marker.startswith("BEGIN"):
            if region is not None:
                raise AssignError(
                    f"{here}: {marker} inside the {region.kind} region opened on line "
                    f"{region.line_number}; regions cannot nest: close it with "
                    f"{'END SOLUTION' if region.kind == 'solution' else END_HIDDEN} first")
            region = Region("solution" if marker == BEGIN_SOLUTION else "hidden", begin=line,
                            indent=re.match(r"\s*", line).group(0), line_number=number)
        else:
            kind = "solution" if marker == END_SOLUTION else "hidden"
            if region is None:
                raise AssignError(f"{here}: {marker} without a {marker.replace('END', 'BEGIN')} "
                                  f"before it")
            if region.kind != kind:
                raise AssignError(f"{here}: {marker} closes the {region.kind} region opened on "
                                  f"line {region.line_number}; regions cannot overlap")
            region.end = line
            parts.append(region)
            region = None
    if region is not None:
        end = END_SOLUTION if region.kind == "solution" else END_HIDDEN
        raise AssignError(f"{where}, line {region.line_number}: the {region.kind} region opened "
                          f"here has no {end}")
    return ParsedCell(parts, points)


def locate(path, index, cell):
    """How messages name a cell: ``"notebooks/01.ipynb: cell 12 (code)"``."""
    return f"{path}: cell {index} ({cell.cell_type})"


def parse_notebook(nb, path):
    """Parse every cell; AssignError listing the first problem of each bad cell."""
    parsed, problems = [], []
    for index, cell in enumerate(nb.cells, 1):
        try:
            parsed.append(parse_cell(cell.source, locate(path, index, cell)))
        except AssignError as error:
            problems.extend(error.problems)
            parsed.append(None)
    if problems:
        raise AssignError(problems)
    return parsed


def nbgrader_meta(cell):
    """The nbgrader metadata a teacher set on a cell by hand (a dict; empty when none)."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def is_solution_cell(cell, parsed):
    """Whether the cell holds something the student version clears: a region, or nbgrader's
    solution metadata."""
    return bool(parsed.solutions or parsed.hidden or nbgrader_meta(cell).get("solution"))


def is_exercise(cell, parsed):
    """A code cell the student completes: a solution region, or nbgrader's solution metadata."""
    return cell.cell_type == "code" and bool(parsed.solutions
                                             or nbgrader_meta(cell).get("solution"))


def count_exercises(nb, parsed):
    """How many exercises a notebook holds, as every version reports them: the cells that hold a
    solution or hidden tests, or that nbgrader's metadata marks as an answer or graded."""
    return sum(1 for cell, p in zip(nb.cells, parsed)
               if TEACHER_NOTE not in cell_tags(cell)
               and (is_solution_cell(cell, p) or nbgrader_meta(cell).get("grade")))


# ---------------------------------------------------------------- cell tags

def cell_tags(cell):
    """The cell's tags (the strings of its ``tags`` metadata; none when it is malformed)."""
    found = cell.get("metadata", {}).get("tags")
    return [t for t in found if isinstance(t, str)] if isinstance(found, list) else []


def _near_tag(tag):
    """The tag of TAGS that ``tag`` misspells (other case, '_' for '-', a letter off), or None.
    A tag naming the teacher or instructor (``instructor-only``) is taken for a teacher note."""
    squashed = re.sub(r"[^a-z]", "", tag.lower())
    if tag != TEACHER_NOTE and ("teacher" in squashed or "instructor" in squashed):
        return TEACHER_NOTE
    for known in TAGS:
        if tag != known and _close(squashed, known.replace("-", ""), 2):
            return known
    return None


def check_tags(nb, parsed, path):
    """AssignError for a misspelt tag, or a tag on a cell it cannot apply to."""
    problems = []
    for index, (cell, p) in enumerate(zip(nb.cells, parsed), 1):
        here, found = locate(path, index, cell), cell_tags(cell)
        for tag in found:
            if tag.lower().replace("_", "-") in _HIDE:
                problems.append(
                    f"{here}: tag {tag!r} hides a cell in other tools, but nnlesson-assign does "
                    f"not drop cells by tag (the student version would show this cell): for a "
                    f"note write a markdown cell tagged {TEACHER_NOTE!r}, for an answer put it "
                    f"between '### {BEGIN_SOLUTION}' and '### {END_SOLUTION}', for tests "
                    f"between '### {BEGIN_HIDDEN}' and '### {END_HIDDEN}'; then remove the tag")
                continue
            near = _near_tag(tag)
            if near is not None:
                problems.append(f"{here}: tag {tag!r} is not {near!r} (tags are exact, lower "
                                f"case, with '-'); the tool would ignore it: write {near!r}")
        if TEACHER_NOTE in found:
            if cell.cell_type != "markdown":
                problems.append(f"{here}: the {TEACHER_NOTE!r} tag goes on markdown cells only "
                                f"(a {cell.cell_type} cell would run or show in the instructor "
                                f"version only, and the student version would differ in what "
                                f"it runs); make the note a markdown cell")
            elif is_solution_cell(cell, p):
                problems.append(f"{here}: a {TEACHER_NOTE!r} cell holds a solution or hidden "
                                f"tests; a note is dropped whole from the student version, so "
                                f"put the exercise in a cell of its own")
        if NO_EXPECTED_OUTPUT in found and not is_exercise(cell, p):
            problems.append(f"{here}: the {NO_EXPECTED_OUTPUT!r} tag is on a cell that is not a "
                            f"code exercise (nothing to opt out of); put it on the exercise cell")
    if problems:
        raise AssignError(problems)
