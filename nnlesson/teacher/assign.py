"""Make the student version of the lessons, safely: ``nnlesson-assign SOURCE OUT``.

``nnlesson-assign --nbgrader SOURCE OUT`` writes nbgrader's source notebooks instead (exercise
cells split into answer and autograder tests, with points), ``nnlesson-assign --instructor
SOURCE OUT`` the instructor version (the teacher's notebook with its outputs and runnable
solutions, the student's stub shown above each exercise, teaching notes and model answers), and
``nnlesson-assign --check SOURCE`` checks everything and writes nothing (for CI and pre-commit).
A folder SOURCE includes its subfolders (``notebooks/assignments/A1.ipynb`` goes to
``OUT/assignments/A1.ipynb``), except with ``--nbgrader``, whose assignment is one folder.

The lessons are the teacher's version. Their exercises use nbgrader's markers, and the regions
nnlesson clears are exactly the regions nbgrader 0.9 clears (``ClearSolutions`` and
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
two markers on one line. Errors name the notebook, the cell and the
line, and never print solution text.

Points: an exercise cell may declare its points once, on one of its BEGIN markers, as
``### BEGIN SOLUTION (2 points)`` (``(1 point)``, ``(0.5 points)``); an exercise that declares
nothing is worth 1 point. ``--nbgrader`` turns the declaration into nbgrader metadata.

Safety: every notebook is read and checked before anything is written; the files are written to a
temporary folder inside OUT and moved into place at the end. OUT may not be SOURCE, be inside it or
contain it (symlinks resolved); an existing file that holds solution markers is never overwritten;
a SOURCE without any marker (a student folder, or arguments swapped) is refused.

The student version keeps nothing of a solution: sources, outputs, execution counts, attachments
the remaining text does not reference, and all metadata but the kernel, the language, jupytext's
pairing and the cell tags are dropped.

Expected outputs: the student (and nbgrader) version shows, in a markdown cell right after a code
exercise (after its tests cell in nbgrader's version), what the teacher's run of that cell drew
(``image/png``, text chunks of the PNG removed) and printed (stdout and results' text, the checks'
verdict lines removed, kept when 1 to 15 lines), labelled "Expected output". A markdown cell is
not changed when the student runs the notebook. Never kept: verdicts, errors (a cell whose run
failed keeps nothing), stderr, HTML, SVG, widgets, object reprs. Printed text that holds a line
or a string (6 characters or more) of any solution or hidden test, or a number a hidden test
checks, is an error naming the cell: the tool refuses rather than leak. The tag
``no-expected-output`` opts an exercise out (its pictures could show the answer: the tool cannot
read pictures).

Tags: ``teacher-note`` on a markdown cell keeps it in the instructor version only; on another
cell type, or on a cell with solution markers, it is an error. A tag that is a near miss of
``teacher-note`` or ``no-expected-output`` (``teacher_note``, ``Teacher-Note``) is an error, never
ignored; so is ``no-expected-output`` on a cell that is not a code exercise.
"""

import argparse
import ast
import copy
import os
import re
import shutil
import sys
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

BEGIN_SOLUTION, END_SOLUTION = "BEGIN SOLUTION", "END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
MARKERS = (BEGIN_SOLUTION, END_SOLUTION, BEGIN_HIDDEN, END_HIDDEN)
CODE_STUB = ["# YOUR CODE HERE", "raise NotImplementedError()"]
# nbgrader's stubs per kernel language (ClearSolutions.code_stub); other languages are refused.
CODE_STUBS = {"python": CODE_STUB, "R": ["# YOUR CODE HERE", "fail()"],
              "matlab": ["% YOUR CODE HERE", "error('No Answer Given!')"],
              "octave": ["% YOUR CODE HERE", "error('No Answer Given!')"],
              "sas": ["/* YOUR CODE HERE */", " %notImplemented;"], "java": ["// YOUR CODE HERE"]}
TEXT_STUB = ["YOUR ANSWER HERE"]
DEFAULT_POINTS = 1
# What a student notebook keeps of the metadata: nothing else can carry solution text.
NOTEBOOK_METADATA_KEPT = ("kernelspec", "language_info", "jupytext")
NBGRADER_STAMP = {"generated_by": "nnlesson-assign --nbgrader"}
INSTRUCTOR_STAMP = {"generated_by": "nnlesson-assign --instructor"}

# Cell tags the teacher writes (exact spellings; a near miss is an error, never ignored).
TEACHER_NOTE = "teacher-note"  # a markdown note for the teacher: instructor version only
NO_EXPECTED_OUTPUT = "no-expected-output"  # an exercise whose teacher output must not be shown
TAGS = (TEACHER_NOTE, NO_EXPECTED_OUTPUT)
# Tags on the cells this tool adds (so that tests and tools can find them).
EXPECTED_TAG = "nnlesson-expected-output"
STUDENT_VIEW_TAG = "nnlesson-student-view"
EXPECTED_LABEL = ("**Expected output** (from the teacher's run of the exercise above; run your "
                  "cell and compare. This is not your result.)")
TEACHER_NOTE_LABEL = "**Teacher note.**"
MAX_EXPECTED_LINES = 15  # longer printed text is not kept as an expected output
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
# PNG chunks an expected-output picture keeps: the pixels and how to show them. Text chunks
# (tEXt, zTXt, iTXt), EXIF, ICC profiles and times are dropped: they could carry any text.
PNG_CHUNKS_KEPT = {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND", b"pHYs", b"gAMA", b"sRGB", b"cHRM"}
# A check's verdict (nnlesson.checks prints PASS or FAIL first) is never an expected output.
_VERDICT = re.compile("^\\s*[\N{HEAVY CHECK MARK}\N{HEAVY BALLOT X}]")

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


def _distance(a, b):
    """Levenshtein distance (short words only)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _normalised(line):
    """``line`` as a reader sees it: compatibility forms folded (fullwidth letters), invisible
    format characters (zero-width spaces) removed, look-alike letters of other scripts made
    Latin."""
    line = unicodedata.normalize("NFKC", line)
    return "".join(c for c in line if unicodedata.category(c) != "Cf").translate(_CONFUSABLE)


def _split_marker(line, following):
    """The marker words if ``line`` holds only BEGIN or END and ``following`` goes on with the
    rest of a marker ("### BEGIN" then "### SOLUTION"), else None."""
    words = [w.upper() for w in _WORD.findall(_normalised(line))]
    if len(words) == 1 and (words[0] == "END" or _distance(words[0], "BEGIN") <= 1):
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
            if not (a == "END" or a == "BEGIN" or (la == 1 and _distance(a, "BEGIN") <= 1)):
                continue
            for lb in (1, 2):
                if i + la + lb > len(words):
                    break
                b = "".join(upper[i + la:i + la + lb])
                slack = 1 if la == 2 or lb == 2 else 2
                found = " ".join(words[i:i + la + lb])
                if _distance(b, "SOLUTION") <= slack:
                    return found
                after = upper[i + la + lb] if i + la + lb < len(words) else "TESTS"
                if _distance(b, "HIDDEN") <= slack - 1 and _distance(after, "TESTS") <= 2:
                    return found
                # "BEGIN TESTS" (meant hidden?); in capitals only: "in the end, test ..." is prose
                if lb == 1 and found.isupper() and _distance(b, "TESTS") <= 1:
                    return found
    for word in upper:
        if any(_distance(word, glued) <= 2 for glued in
               ("BEGINSOLUTION", "ENDSOLUTION", "BEGINHIDDEN", "ENDHIDDEN")):
            return word
    return None


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


def _nbgrader_meta(cell):
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def student_source(parsed, cell_type, nbgrader_solution=False, code_stub=CODE_STUB):
    """The student's text of a parsed cell: regions replaced by the stub or removed."""
    stub = code_stub if cell_type == "code" else TEXT_STUB
    if nbgrader_solution and not parsed.solutions:  # nbgrader replaces the whole cell
        return "\n".join(stub)
    out = []
    for part in parsed.parts:
        if isinstance(part, str):
            out.append(part)
        elif part.kind == "solution":
            out.extend(part.indent + s for s in stub)
    return "\n".join(out)


def _where(path, index, cell):
    return f"{path}: cell {index} ({cell.cell_type})"


def parse_notebook(nb, path):
    """Parse every cell; AssignError listing the first problem of each bad cell."""
    parsed, problems = [], []
    for index, cell in enumerate(nb.cells, 1):
        try:
            parsed.append(parse_cell(cell.source, _where(path, index, cell)))
        except AssignError as error:
            problems.extend(error.problems)
            parsed.append(None)
    if problems:
        raise AssignError(problems)
    return parsed


def notebook_has_solutions(nb, parsed):
    return any(p.solutions or p.hidden or _nbgrader_meta(c).get("solution")
               for c, p in zip(nb.cells, parsed))


def _clean_metadata(metadata, keep):
    return {k: copy.deepcopy(metadata[k]) for k in keep if k in metadata}


def _student_cell(cell, source):
    """A fresh cell with ``source``: no outputs, count, attachments it no longer uses, metadata."""
    import nbformat

    metadata = {}
    tags = cell.get("metadata", {}).get("tags")
    if isinstance(tags, list) and tags and all(isinstance(t, str) for t in tags):
        metadata["tags"] = list(tags)
    if cell.cell_type == "code":
        new = nbformat.v4.new_code_cell(source, metadata=metadata)
    elif cell.cell_type == "markdown":
        new = nbformat.v4.new_markdown_cell(source, metadata=metadata)
    else:
        new = nbformat.v4.new_raw_cell(source, metadata=metadata)
    if "id" in cell:
        new.id = cell.id
    else:
        new.pop("id", None)
    attachments = {name: copy.deepcopy(data) for name, data in cell.get("attachments", {}).items()
                   if _references(source, name)}
    if attachments and cell.cell_type != "code":
        new.attachments = attachments
    return new


def _references(source, name):
    """Whether ``source`` links to the attachment ``name`` (as typed or URL-encoded): the name
    must end there, so that a link to ``plot.png`` does not keep an attachment named ``plot``."""
    return any(re.search(r"attachment:" + re.escape(form) + r"(?![^\s)\]\"'<>])", source)
               for form in {name, quote(name)})


def _new_notebook(nb, cells, extra_metadata=None):
    import nbformat

    new = nbformat.v4.new_notebook(cells=cells)
    new.nbformat, new.nbformat_minor = nb.nbformat, nb.nbformat_minor
    if nb.nbformat_minor < 5:
        for cell in new.cells:
            cell.pop("id", None)
    new.metadata = nbformat.from_dict(_clean_metadata(nb.metadata, NOTEBOOK_METADATA_KEPT))
    if extra_metadata:
        new.metadata.update(extra_metadata)
    return new


# ---------------------------------------------------------------- tags and expected outputs

def _tags(cell):
    tags = cell.get("metadata", {}).get("tags")
    return [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []


def _is_exercise(cell, parsed):
    """A code cell the student completes: a solution region, or nbgrader's solution metadata."""
    return cell.cell_type == "code" and bool(parsed.solutions
                                             or _nbgrader_meta(cell).get("solution"))


def _near_tag(tag):
    """The tag of TAGS that ``tag`` misspells (other case, '_' for '-', a letter off), or None.
    A tag naming the teacher or instructor (``instructor-only``) is taken for a teacher note."""
    squashed = re.sub(r"[^a-z]", "", tag.lower())
    if tag != TEACHER_NOTE and ("teacher" in squashed or "instructor" in squashed):
        return TEACHER_NOTE
    for known in TAGS:
        if tag != known and _distance(squashed, known.replace("-", "")) <= 2:
            return known
    return None


def check_tags(nb, parsed, path):
    """AssignError for a misspelt tag, or a tag on a cell it cannot apply to."""
    problems = []
    for index, (cell, p) in enumerate(zip(nb.cells, parsed), 1):
        where, tags = _where(path, index, cell), _tags(cell)
        for tag in tags:
            near = _near_tag(tag)
            if near is not None:
                problems.append(f"{where}: tag {tag!r} is not {near!r} (tags are exact, lower "
                                f"case, with '-'); the tool would ignore it: write {near!r}")
        if TEACHER_NOTE in tags:
            if cell.cell_type != "markdown":
                problems.append(f"{where}: the {TEACHER_NOTE!r} tag goes on markdown cells only "
                                f"(a {cell.cell_type} cell would run or show in the instructor "
                                f"version only, and the student version would differ in what "
                                f"it runs); make the note a markdown cell")
            elif p.solutions or p.hidden or _nbgrader_meta(cell).get("solution"):
                problems.append(f"{where}: a {TEACHER_NOTE!r} cell holds a solution or hidden "
                                f"tests; a note is dropped whole from the student version, so "
                                f"put the exercise in a cell of its own")
        if NO_EXPECTED_OUTPUT in tags and not _is_exercise(cell, p):
            problems.append(f"{where}: the {NO_EXPECTED_OUTPUT!r} tag is on a cell that is not a "
                            f"code exercise (nothing to opt out of); put it on the exercise cell")
    if problems:
        raise AssignError(problems)


def _clean_png(data):
    """The PNG ``data`` with only the chunks of PNG_CHUNKS_KEPT, or None if it is not a PNG."""
    import struct

    signature = b"\x89PNG\r\n\x1a\n"
    if not data.startswith(signature):
        return None
    out, at = [signature], len(signature)
    while at + 12 <= len(data):
        (length,), kind = struct.unpack(">I", data[at:at + 4]), data[at + 4:at + 8]
        end = at + 12 + length
        if end > len(data):
            return None
        if kind in PNG_CHUNKS_KEPT:
            out.append(data[at:end])
        at = end
        if kind == b"IEND":
            return b"".join(out)
    return None


# A number a hidden test checks: a decimal (0.693), an integer of 3 digits or more (200960), or
# either in scientific notation (8.3e-05).
_GRADED_NUMBER = re.compile(
    r"(?<![\w.])((?:\d+\.\d+|\d{3,})(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+)(?![\w.])")
# Any number printed in an output: the same, and integers of fewer digits and "1797." too.
_PRINTED_NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)(?![\w])")


def _precision(number):
    """(value, the step of its last digit, its significant digits) of a number as written."""
    mantissa, _, exponent = number.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    shift = int(exponent or 0)
    digits = len(mantissa.replace(".", "").lstrip("0"))
    return float(number), 10.0 ** min(max(shift - decimals, -300), 300), digits


def _shows_graded_number(text, numbers):
    """Whether ``text`` prints one of ``numbers`` (strings from hidden tests): as written, or
    rounded or written differently ("0.6931" for 0.69314718, "1797.0" for 1797, "8.30e-05")
    when the coarser of the two still has 2 significant digits (a tolerance such as 1e-6,
    one digit, is not an answer)."""
    printed = set(_PRINTED_NUMBER.findall(text))
    if numbers & printed:
        return True
    for hidden in numbers:
        h, h_step, h_digits = _precision(hidden)
        for shown in printed:
            p, p_step, p_digits = _precision(shown)
            step, digits = max((h_step, h_digits), (p_step, p_digits))
            if digits >= 2 and abs(p - h) <= 0.5 * step * (1 + 1e-9):
                return True
    return False


def _squashed(text):
    return re.sub(r"\s+", "", text)


def _secret_pieces(nb, parsed):
    """What of the notebook's solutions and hidden tests must never show in an expected output:
    their lines and their string literals (6 characters or more), except lines the notebook
    also shows outside every region, and the numbers the hidden tests check (the answer)."""
    shown = {line.strip() for p in parsed for line in p.parts if isinstance(line, str)}
    pieces, numbers = set(), set()
    for cell, p in zip(nb.cells, parsed):
        regions = [part for part in p.parts if isinstance(part, Region)]
        if _nbgrader_meta(cell).get("solution") and not p.solutions:
            regions.append(Region("solution", "", "", cell.source.split("\n")))
        for region in regions:
            for line in region.lines:
                line = line.strip()
                if len(line) >= 6 and line not in shown:
                    pieces.add(line)
                pieces.update(s for q in re.findall(r"'([^'\n]*)'|\"([^\"\n]*)\"", line)
                              for s in q if len(s.strip()) >= 6)
                if region.kind == "hidden":
                    numbers.update(_GRADED_NUMBER.findall(line))
    return pieces, numbers


def _drop_verdicts(lines):
    """The lines without the checks' verdicts. A failing verdict may quote an array over several
    lines (``got array([[1, 2],`` / ``       [3, 4]])``): the indented lines after it go too."""
    kept, in_verdict = [], False
    for line in lines:
        if _VERDICT.match(line) or "not implemented yet" in line:
            in_verdict = "\N{HEAVY BALLOT X}" in line
        elif not (in_verdict and line[:1].isspace()):
            in_verdict = False
            kept.append(line)
    return kept


def expected_output(cell, where, secrets):
    """What the student version keeps of an exercise cell's teacher run: ``(pngs, text)``.

    Kept: each picture (``image/png``, chunks that can carry text removed) and the printed text
    (stdout, and the text of a result that is not an object's ``<...>`` repr) once the checks'
    verdict lines are removed, when that text has 1 to MAX_EXPECTED_LINES lines. Nothing is kept
    from a cell tagged ``no-expected-output``, a cell whose run raised an error, a widget, stderr
    or HTML. AssignError if the kept text holds a line or a string of a solution or hidden
    test, or a number a hidden test checks (``secrets``, from ``_secret_pieces``).
    """
    import base64

    if NO_EXPECTED_OUTPUT in _tags(cell) or cell.cell_type != "code":
        return [], None
    outputs = cell.get("outputs", [])
    if any(o.get("output_type") == "error" for o in outputs):
        return [], None
    pngs, texts = [], []
    for o in outputs:
        kind = o.get("output_type")
        if kind == "stream" and o.get("name") == "stdout":
            texts.append(o.get("text", ""))
        elif kind in ("display_data", "execute_result"):
            data = o.get("data", {})
            if WIDGET_MIME in data:
                continue
            if "image/png" in data:
                try:
                    png = _clean_png(base64.b64decode(data["image/png"]))
                except (ValueError, TypeError):  # not base64 text: not a picture we can keep
                    png = None
                if png is not None:
                    pngs.append(png)
                continue
            plain = data.get("text/plain", "")
            if plain and not re.match(r"^\[?<.*>\]?$", plain.strip(), re.S):
                texts.append(plain + "\n")
    lines = _drop_verdicts("".join(texts).split("\n"))
    while lines and not lines[-1].strip():
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    text = "\n".join(lines) if 0 < len(lines) <= MAX_EXPECTED_LINES else None
    if text is not None and "\x1b[" in text:  # terminal colours: not a table to compare with
        text = None
    pieces, numbers = secrets
    # spacing does not hide a line: "return x.T  @  W" prints the line "return x.T @ W"
    if text is not None and any(_squashed(piece) in _squashed(text) for piece in pieces
                                if len(_squashed(piece)) >= 6):
        raise AssignError(f"{where}: the teacher's printed output of this exercise contains a "
                          f"line or a string of a solution or hidden test, and the student "
                          f"version would show it as the expected output; print less, or tag "
                          f"the cell {NO_EXPECTED_OUTPUT!r}")
    if text is not None and _shows_graded_number(text, numbers):
        raise AssignError(f"{where}: the teacher's printed output of this exercise shows a "
                          f"number that a hidden test checks (the answer), and the student "
                          f"version would show it as the expected output; print less, or tag "
                          f"the cell {NO_EXPECTED_OUTPUT!r}")
    return pngs, text


def _fence(text, info=""):
    """A fenced block around ``text`` with a fence longer than any run of backticks in it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text}\n{fence}"


def _expected_cell(cell, pngs, text):
    """The markdown cell that shows an exercise's expected output beside the student's stub."""
    import base64

    import nbformat

    parts, attachments = [EXPECTED_LABEL], {}
    if text is not None:
        parts.append(_fence(text, "text"))
    for number, png in enumerate(pngs, 1):
        name = f"expected-output-{number}.png"
        attachments[name] = {"image/png": base64.b64encode(png).decode("ascii")}
        parts.append(f"![expected output {number}](attachment:{name})")
    new = nbformat.v4.new_markdown_cell("\n\n".join(parts), metadata={"tags": [EXPECTED_TAG]})
    if attachments:
        new.attachments = attachments
    _derived_id(new, cell, "expected")
    return new


def _derived_id(new, cell, suffix):
    if "id" in cell:
        new.id = f"{cell.id}-{suffix}"[-64:]
    else:
        new.pop("id", None)


def _language_stub(nb, path):
    language = nb.metadata.get("kernelspec", {}).get("language", "python")
    if language not in CODE_STUBS:
        raise AssignError(f"{path}: no code stub for the kernel language {language!r} "
                          f"(nbgrader's: {', '.join(CODE_STUBS)})")
    return CODE_STUBS[language]


def student_notebook(nb, path="notebook"):
    """The notebook ``nb`` as students get it, and the counts ``(solutions, hidden tests,
    expected outputs)``."""
    parsed = parse_notebook(nb, path)
    check_tags(nb, parsed, path)
    stub = _language_stub(nb, path)
    secrets = _secret_pieces(nb, parsed)
    cells, solutions, hidden, expected, problems = [], 0, 0, 0, []
    for index, (cell, p) in enumerate(zip(nb.cells, parsed), 1):
        if TEACHER_NOTE in _tags(cell):
            continue
        is_solution = bool(_nbgrader_meta(cell).get("solution"))
        source = student_source(p, cell.cell_type, is_solution, stub)
        solutions += len(p.solutions) or int(is_solution)
        hidden += len(p.hidden)
        cells.append(_student_cell(cell, source))
        if _is_exercise(cell, p):
            try:
                pngs, text = expected_output(cell, _where(path, index, cell), secrets)
            except AssignError as error:
                problems.extend(error.problems)
                continue
            if pngs or text is not None:
                cells.append(_expected_cell(cell, pngs, text))
                expected += 1
    if problems:
        raise AssignError(problems)
    return _new_notebook(nb, cells), solutions, hidden, expected


# ---------------------------------------------------------------- nbgrader source version

def _source_lines(parsed):
    """The teacher's lines of a parsed cell, markers included, and where each region ends."""
    lines, last_solution_end = [], None
    for part in parsed.parts:
        if isinstance(part, str):
            lines.append(part)
            continue
        lines.append(part.begin)
        lines.extend(part.lines)
        lines.append(part.end)
        if part.kind == "solution":
            last_solution_end = len(lines)  # 1-based number of the END line
    return lines, last_solution_end


def _answer_end(lines, last_end):
    """The last line (1-based) of the answer: the top-level statement holding the last END."""
    source = "\n".join(lines)
    try:
        statements = ast.parse(source).body
    except SyntaxError:  # magics, or a solution that does not parse: go by indentation
        statements = None
    if statements is not None:
        for node in statements:
            start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
            if start <= last_end <= node.end_lineno:
                return node.end_lineno
        return last_end
    for number in range(last_end + 1, len(lines) + 1):
        line = lines[number - 1]
        if line.strip() and not line[0].isspace():
            return number - 1
    return len(lines)


def _grade_meta(grade_id, *, solution, grade, points=None, locked=None):
    meta = {"grade": grade, "grade_id": grade_id, "locked": (not solution) if locked is None
            else locked, "schema_version": 3, "solution": solution, "task": False}
    if grade:
        meta["points"] = points
    return meta


def nbgrader_notebook(nb, path="notebook"):
    """nbgrader's source version of a lesson: exercise cells split and given nbgrader metadata.

    A code exercise becomes an autograded answer (the code up to the end of the statement that
    holds its last END SOLUTION) and an autograder-tests cell (the rest: the instant check and the
    hidden tests), which carries the exercise's points. A code exercise with nothing after its
    solution, and every written answer, becomes a manually graded answer with the points. Returns
    ``(notebook, exercises)`` with ``exercises`` a list of ``(grade_id, points, autograded)``.
    """
    import nbformat

    parsed = parse_notebook(nb, path)
    check_tags(nb, parsed, path)
    secrets = _secret_pieces(nb, parsed)
    cells, exercises, problems = [], [], []
    taken = {_nbgrader_meta(c).get("grade_id") for c in nb.cells}
    numbers = (n for n in range(1, 10**6) if not {f"exercise-{n}", f"exercise-{n}-tests"} & taken)
    for index, (cell, p) in enumerate(zip(nb.cells, parsed), 1):
        where = _where(path, index, cell)
        if TEACHER_NOTE in _tags(cell):
            continue
        if "nbgrader" in cell.get("metadata", {}):  # set by hand in nbgrader: keep as it is
            cells.append(copy.deepcopy(cell))
            meta = _nbgrader_meta(cell)
            if meta.get("grade"):
                exercises.append((meta.get("grade_id"), float(meta.get("points", 0)),
                                  not meta.get("solution")))
            continue
        base = _student_cell(cell, cell.source)  # same text, clean metadata and no outputs
        if not p.solutions and not p.hidden:
            cells.append(base)
            continue
        points = DEFAULT_POINTS if p.points is None else p.points
        grade_id = f"exercise-{next(numbers)}"  # never one the teacher gave by hand
        if cell.cell_type != "code":
            if not p.solutions:
                problems.append(f"{where}: hidden tests in a {cell.cell_type} cell; nbgrader "
                                f"runs hidden tests only in code cells")
                continue
            base.metadata["nbgrader"] = _grade_meta(grade_id, solution=True, grade=True,
                                                    points=points)
            cells.append(base)
            exercises.append((grade_id, points, False))
            continue
        lines, last_end = _source_lines(p)
        if last_end is None:  # hidden tests only: an autograder-tests cell
            base.metadata["nbgrader"] = _grade_meta(grade_id, solution=False, grade=True,
                                                    points=points)
            cells.append(base)
            exercises.append((grade_id, points, True))
            continue
        split = _answer_end(lines, last_end)
        answer = "\n".join(lines[:split]).rstrip()
        tests = "\n".join(lines[split:]).strip("\n")
        if any(BEGIN_HIDDEN in line for line in lines[:split]):
            problems.append(f"{where}: hidden tests before or inside the solution; put them "
                            f"after it, with the check")
            continue
        try:
            pngs, text = expected_output(cell, where, secrets)
        except AssignError as error:
            problems.extend(error.problems)
            continue
        expected = [_expected_cell(cell, pngs, text)] if pngs or text is not None else []
        if not tests.strip():  # nothing to run against the answer: graded by hand
            base.source = answer
            base.metadata["nbgrader"] = _grade_meta(grade_id, solution=True, grade=True,
                                                    points=points)
            cells.extend([base, *expected])
            exercises.append((grade_id, points, False))
            continue
        if BEGIN_HIDDEN not in tests:
            problems.append(
                f"{where}: a code exercise without hidden tests; its check only prints, so "
                f"nbgrader would give full points to an empty answer: add after the check "
                f"'### {BEGIN_HIDDEN}', an assert (e.g. assert checks.check_...(fn, quiet=True)) "
                f"and '### {END_HIDDEN}'")
            continue
        base.source = answer
        base.metadata["nbgrader"] = _grade_meta(grade_id, solution=True, grade=False)
        test_cell = nbformat.v4.new_code_cell(tests, metadata={
            "nbgrader": _grade_meta(f"{grade_id}-tests", solution=False, grade=True,
                                    points=points)})
        if "id" in base:
            test_cell.id = f"{base.id}-tests"[-64:]
        cells.extend([base, test_cell, *expected])
        exercises.append((f"{grade_id}-tests", points, True))
    if problems:
        raise AssignError(problems)
    return _new_notebook(nb, cells, {"nnlesson": dict(NBGRADER_STAMP)}), exercises


# ---------------------------------------------------------------- instructor version

def _points_text(points):
    return f"{points:g} point{'' if points == 1 else 's'}"


def _without_markers(parsed, model_answer_label=None):
    """A parsed cell's text with every line kept but the marker lines; in a text cell each
    solution region starts with ``model_answer_label``."""
    out = []
    for part in parsed.parts:
        if isinstance(part, str):
            out.append(part)
            continue
        if model_answer_label and part.kind == "solution":
            out.extend([part.indent + model_answer_label, ""])
        out.extend(part.lines)
    return "\n".join(out)


def instructor_notebook(nb, path="notebook"):
    """The instructor's version: the teacher's notebook with its outputs, every solution and
    hidden test kept and runnable (marker lines removed), above each code exercise a markdown
    cell showing the stub exactly as the student version has it, the teaching notes labelled and
    each written answer labelled as the model answer. Returns ``(notebook, exercises)``."""
    import nbformat

    parsed = parse_notebook(nb, path)
    check_tags(nb, parsed, path)
    code_stub = _language_stub(nb, path)
    cells, exercises = [], 0
    for cell, p in zip(nb.cells, parsed):
        new = copy.deepcopy(cell)
        new.get("metadata", {}).pop("nbgrader", None)  # not nbgrader's source: no grading metadata
        is_solution = bool(_nbgrader_meta(cell).get("solution"))
        if TEACHER_NOTE in _tags(cell):
            if not cell.source.lstrip().startswith(TEACHER_NOTE_LABEL):
                new.source = f"{TEACHER_NOTE_LABEL} {cell.source}"
            cells.append(new)
            continue
        if not (p.solutions or p.hidden or is_solution):
            cells.append(new)
            continue
        exercises += 1
        points = DEFAULT_POINTS if p.points is None else p.points
        if cell.cell_type == "code":
            stub = student_source(p, "code", is_solution, code_stub)
            view = nbformat.v4.new_markdown_cell(
                f"**What the student sees** ({_points_text(points)}; the cell below is the "
                f"solution, not in the student version):\n\n" + _fence(stub, "python"),
                metadata={"tags": [STUDENT_VIEW_TAG]})
            _derived_id(view, cell, "student-view")
            cells.append(view)
            new.source = _without_markers(p)
        else:
            label = (f"**Model answer** ({_points_text(points)}; the student version shows "
                     f"`{TEXT_STUB[0]}`):")
            new.source = _without_markers(p, label if cell.cell_type == "markdown" else None)
            if is_solution and not p.solutions and cell.cell_type == "markdown":
                new.source = f"{label}\n\n{cell.source}"
        cells.append(new)
    out = nbformat.from_dict(copy.deepcopy(dict(nb)))
    out.cells = cells
    if nb.nbformat_minor < 5:
        for cell in out.cells:
            cell.pop("id", None)
    out.metadata["nnlesson"] = dict(INSTRUCTOR_STAMP)
    return out, exercises


# ---------------------------------------------------------------- folders and files

def _read_notebook(path):
    import nbformat

    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as error:  # nbformat raises several types for a broken file
        first = (str(error).splitlines() or ["unreadable"])[0]
        raise AssignError(f"{path}: cannot read this notebook ({type(error).__name__}: "
                          f"{first})") from None
    if not isinstance(nb.get("cells"), list):
        raise AssignError(f"{path}: cannot read this notebook (no list of cells)")
    for cell in nb.cells:
        if not isinstance(cell.get("source"), str) or cell.get("cell_type") not in (
                "code", "markdown", "raw"):
            raise AssignError(f"{path}: cannot read this notebook (a cell without a text "
                              f"source or with an unknown type)")
    return nb


def _is_inside(a, b):
    return a == b or b in a.parents


def _walk(folder, pattern):
    """Files matching ``pattern`` in ``folder`` and its subfolders, sorted; hidden folders
    (``.ipynb_checkpoints``) and ``__pycache__`` skipped, links to folders not followed."""
    found = []
    for root, dirs, _ in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
        found.extend(Path(root).glob(pattern))
    return sorted(found, key=lambda p: (len(p.relative_to(folder).parts), str(p)))


def _source_notebooks(source, recursive=True):
    """The teacher's notebooks in ``source`` (a folder, with its subfolders when ``recursive``,
    or one .ipynb), the folder itself, and the notebooks of subfolders left out."""
    source = Path(source)
    if source.is_file():
        if source.suffix != ".ipynb":
            raise AssignError(f"nnlesson-assign: {source} is not a notebook (.ipynb) or a folder")
        return [source], source.resolve().parent, []
    if not source.is_dir():
        raise AssignError(f"nnlesson-assign: no such folder: {source}")
    every = _walk(source, "*.ipynb")
    notebooks = every if recursive else [p for p in every if p.parent == source]
    problems = []
    for py in _walk(source, "*.py") if recursive else sorted(source.glob("*.py")):
        if not py.with_suffix(".ipynb").exists() and re.search(
                r"^# %%", py.read_text(encoding="utf-8", errors="replace"), re.M):
            problems.append(f"{py}: a lesson without its notebook {py.with_suffix('.ipynb').name}"
                            f"; create it with: jupytext --to ipynb {py}")
    if problems:
        raise AssignError(problems)
    if not notebooks:
        raise AssignError(f"nnlesson-assign: no .ipynb files in {source}")
    return notebooks, source.resolve(), [p for p in every if p not in notebooks]


def _check_out(source_root, out):
    """Refuse an OUT that would put the teacher's folder at risk."""
    out_resolved = Path(out).resolve()
    if Path(out).exists() and not Path(out).is_dir():
        raise AssignError(f"nnlesson-assign: OUT {out} is a file; give a folder for the "
                          f"student notebooks")
    if _is_inside(out_resolved, source_root):
        raise AssignError(
            f"nnlesson-assign: refusing to write into the source folder {source_root} (OUT "
            f"{out} is {'that folder' if out_resolved == source_root else 'inside it'}): the "
            f"solutions could be lost; choose a folder outside it")
    if source_root in out_resolved.parents or out_resolved in source_root.parents:
        raise AssignError(f"nnlesson-assign: refusing OUT {out}: it contains the source folder "
                          f"{source_root}; choose a folder beside it")
    return out_resolved


def _why_not_overwrite(path, stamp=None):
    """Why an existing file must not be overwritten (it may be the teacher's work), or None.

    ``stamp``: the mode writes files that hold solutions (--nbgrader, --instructor); it then
    overwrites only the files it wrote itself, stamped in their metadata."""
    data = path.read_bytes()
    if stamp is not None:
        try:
            import json

            found = json.loads(data).get("metadata", {}).get("nnlesson")
        except (ValueError, AttributeError):
            found = None
        return None if found == stamp else f"{stamp['generated_by']} did not write it"
    text = data.decode("utf-8", errors="replace")
    if has_markers(text) or '"solution": true' in text:
        return "it holds solutions (a teacher's file?)"
    if INSTRUCTOR_STAMP["generated_by"] in text:
        return "it is an instructor version (it holds solutions)"
    return None


def _mode(nbgrader, instructor):
    if nbgrader and instructor:
        raise AssignError("nnlesson-assign: --nbgrader and --instructor do not go together")
    return "nbgrader" if nbgrader else "instructor" if instructor else "student"


def build(source, *, write_py=False, nbgrader=False, instructor=False, recursive=None):
    """Read and check every notebook of ``source``; return ``{relative path: bytes}`` and a
    report (lines; those starting with ``note:`` are not about a file written).

    A folder's subfolders are included (``notebooks/assignments/A1.ipynb`` is written to
    ``OUT/assignments/A1.ipynb``), except with ``nbgrader``: nbgrader releases and grades only the
    notebooks at the top of an assignment's folder (a subfolder's notebook would silently be
    neither), so ``--nbgrader`` takes the top level and notes what it left out
    (``recursive=True`` overrides this, for ``--check``).
    """
    import nbformat

    mode = _mode(nbgrader, instructor)
    if recursive is None:
        recursive = mode != "nbgrader"
    notebooks, root, left_out = _source_notebooks(source, recursive)
    files, report, problems, any_solution = {}, [], [], False
    for path in notebooks:
        name = path.name if Path(source).is_file() else path.relative_to(source).as_posix()
        try:
            nb = _read_notebook(path)
            stamp = nb.metadata.get("nnlesson")
            if stamp in (INSTRUCTOR_STAMP, NBGRADER_STAMP):  # solutions without the markers
                raise AssignError(f"{path}: written by {stamp['generated_by']}, not a teacher's "
                                  f"notebook (it holds the solutions, and the student version "
                                  f"would keep them); move it out of {source}")
            parsed = parse_notebook(nb, path)
            any_solution = any_solution or notebook_has_solutions(nb, parsed)
            if mode == "nbgrader":
                new, exercises = nbgrader_notebook(nb, path)
                total = sum(points for _, points, _ in exercises)
                auto = sum(points for _, points, autograded in exercises if autograded)
                line = (f"{len(exercises)} exercise(s), {total:g} point(s) "
                        f"({auto:g} autograded, {total - auto:g} graded by hand)")
            elif mode == "instructor":
                new, exercises = instructor_notebook(nb, path)
                line = f"{exercises} exercise(s) with their solutions and the student's view"
            else:
                new, solutions, hidden, expected = student_notebook(nb, path)
                line = (f"{solutions} solution(s) cleared, {hidden} hidden test(s) removed, "
                        f"{expected} expected output(s) kept")
        except AssignError as error:
            problems.extend(error.problems)
            continue
        files[name] = nbformat.writes(new).encode("utf-8") + b"\n"
        if write_py:
            import jupytext

            files[name[:-len(".ipynb")] + ".py"] = jupytext.writes(
                new, fmt="py:percent").encode("utf-8")
            name += " (and its .py)"
        report.append(f"{name}: {line}")
    if problems:
        raise AssignError(problems)
    if not any_solution:
        raise AssignError(
            f"nnlesson-assign: no solution or hidden-test marker in {source}: it looks like a "
            f"student version already (are SOURCE and OUT swapped?); nothing to clear")
    for path in left_out:
        report.append(f"note: left out {path} (nbgrader grades one folder per assignment); "
                      f"make it an assignment of its own: nnlesson-assign --nbgrader {path} "
                      f"COURSE/source/{path.stem}")
    return files, report


def check(source):
    """Check every notebook in ``source`` and its subfolders without writing, for the student
    version, nbgrader's (so a code exercise without hidden tests fails here, not on grading
    night) and the instructor's."""
    report = build(source)[1]
    build(source, nbgrader=True, recursive=True)
    build(source, instructor=True)
    return report


def assign(source, out, *, write_py=False, nbgrader=False, instructor=False, log=print):
    """Write the student (or nbgrader source, or instructor) version of ``source`` into ``out``;
    all or nothing. Returns the paths written. Raises AssignError, having written nothing, on
    any problem.
    """
    mode = _mode(nbgrader, instructor)
    if write_py and mode != "student":
        raise AssignError(f"nnlesson-assign: --py and --{mode} do not go together "
                          f"(--py writes the student version's .py files)")
    _, source_root, _ = _source_notebooks(source, recursive=mode != "nbgrader")
    out_dir = _check_out(source_root, out)
    files, report = build(source, write_py=write_py, nbgrader=nbgrader, instructor=instructor)
    stamp = {"nbgrader": NBGRADER_STAMP, "instructor": INSTRUCTOR_STAMP}.get(mode)
    targets = [out_dir / name for name in files]
    problems = []
    for target in targets:
        # every folder on the way must be a folder of OUT (not a file, not a link out of OUT)
        for folder in reversed(target.relative_to(out_dir).parents[:-1]):
            folder = out_dir / folder
            if folder.exists() and not folder.is_dir():
                problems.append(f"nnlesson-assign: {folder} is in the way: a file, not a folder")
                break
            if folder.exists() and not _is_inside(folder.resolve(), out_dir):
                problems.append(f"nnlesson-assign: refusing to write through {folder}: it "
                                f"leads out of {out_dir} (a link?)")
                break
        else:
            if target.is_file():
                why = _why_not_overwrite(target, stamp)
                if why:
                    problems.append(f"nnlesson-assign: refusing to overwrite {target}: {why}; "
                                    f"move it away or choose another OUT")
            elif target.exists():
                problems.append(f"nnlesson-assign: {target} is in the way: a folder, not a file")
    if problems:
        raise AssignError(problems)
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".nnlesson-assign-", dir=out_dir))
    try:
        for name, data in files.items():
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            (staging / name).write_bytes(data)
        written = []
        for name in files:
            (out_dir / name).parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / name, out_dir / name)
            written.append(out_dir / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    for line in report:
        log(line if line.startswith("note:") else f"wrote {out_dir}{os.sep}{line}")
    return written


def main(argv=None):
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
    args = parser.parse_args(argv)
    if args.check != (args.out is None):
        parser.error("give SOURCE and OUT, or --check SOURCE")
    try:
        if args.check:
            for line in check(args.source):
                print(f"ok {line}")
        else:
            assign(args.source, args.out, write_py=args.py, nbgrader=args.nbgrader,
                   instructor=args.instructor)
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


if __name__ == "__main__":
    sys.exit(main())
