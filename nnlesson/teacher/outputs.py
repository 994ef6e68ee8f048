"""Which of the teacher's outputs a student sees: an exercise's expected output, and nothing else.

The student (and nbgrader) version has no outputs but, in a markdown cell right after a code
exercise (after its tests cell in nbgrader's version), what the teacher's run of that cell drew
(``image/png``, text chunks of the PNG removed) and printed (stdout and results' text, the checks'
verdict lines removed, kept when 1 to 15 lines), labelled "Expected output". A markdown cell is
not changed when the student runs the notebook. Never kept: verdicts, errors (a cell whose run
failed keeps nothing), stderr, HTML, SVG, widgets, object reprs. Printed text that holds a line
or a string (6 characters or more) of any solution or hidden test, or a number a hidden test
checks, is an error naming the cell: the tool refuses rather than leak. The tag
``no-expected-output`` opts an exercise out (its pictures could show the answer: the tool cannot
read pictures).
"""

import base64
import re
import struct

from .markers import NO_EXPECTED_OUTPUT, AssignError, Region, cell_tags, nbgrader_meta

# Tag of the cells this tool adds (so that tests and tools can find them).
EXPECTED_TAG = "nnlesson-expected-output"
EXPECTED_LABEL = ("**Expected output** (from the teacher's run of the exercise above; run your "
                  "cell and compare. This is not your result.)")
MAX_EXPECTED_LINES = 15  # longer printed text is not kept as an expected output
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
# PNG chunks an expected-output picture keeps: the pixels and how to show them. Text chunks
# (tEXt, zTXt, iTXt), EXIF, ICC profiles and times are dropped: they could carry any text.
PNG_CHUNKS_KEPT = {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND", b"pHYs", b"gAMA", b"sRGB", b"cHRM"}
# A check's verdict (nnlesson.checks prints PASS or FAIL first) is never an expected output.
_VERDICT = re.compile("^\\s*[\N{HEAVY CHECK MARK}\N{HEAVY BALLOT X}]")
# A number a hidden test checks: a decimal (0.693), an integer of 3 digits or more (200960), or
# either in scientific notation (8.3e-05).
_GRADED_NUMBER = re.compile(
    r"(?<![\w.])((?:\d+\.\d+|\d{3,})(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+)(?![\w.])")
# Any number printed in an output: the same, and integers of fewer digits and "1797." too.
_PRINTED_NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)(?![\w])")
# An integer written in groups of three digits, one separator throughout: "6,291,456",
# "6_291_456" (a Python literal), "6 291 456", "6'291'456" (thin and no-break spaces too).
_GROUPED = re.compile(r"(?<![\w.,])\d{1,3}([,_ '\u00a0\u202f])\d{3}(?:\1\d{3})*(?![\w,])")


def _numbers(pattern, text):
    """The numbers ``pattern`` finds in ``text``, as written and with digit groups joined: a
    grouped "6,291,456" is the number 6291456 as well as the pieces 6, 291 and 456."""
    joined = _GROUPED.sub(lambda m: m.group(0).replace(m.group(1), ""), text)
    return set(pattern.findall(text)) | set(pattern.findall(joined))


def _clean_png(data):
    """The PNG ``data`` with only the chunks of PNG_CHUNKS_KEPT, or None if it is not a PNG."""
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


def _precision(number):
    """(value, the step of its last digit, its significant digits) of a number as written."""
    mantissa, _, exponent = number.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    shift = int(exponent or 0)
    digits = len(mantissa.replace(".", "").lstrip("0"))
    return float(number), 10.0 ** min(max(shift - decimals, -300), 300), digits


def _shows_graded_number(text, numbers):
    """Whether ``text`` prints one of ``numbers`` (strings from hidden tests): as written, or
    rounded or written differently ("0.6931" for 0.69314718, "1797.0" for 1797, "8.30e-05",
    "6,291,456" or "6 291 456" for 6291456)
    when the coarser of the two still has 2 significant digits (a tolerance such as 1e-6,
    one digit, is not an answer)."""
    printed = _numbers(_PRINTED_NUMBER, text)
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


def secret_pieces(nb, parsed):
    """What of the notebook's solutions and hidden tests must never show in an expected output:
    their lines and their string literals (6 characters or more), except lines the notebook
    also shows outside every region, and the numbers the hidden tests check (the answer)."""
    shown = {line.strip() for p in parsed for line in p.parts if isinstance(line, str)}
    pieces, numbers = set(), set()
    for cell, p in zip(nb.cells, parsed):
        regions = [part for part in p.parts if isinstance(part, Region)]
        if nbgrader_meta(cell).get("solution") and not p.solutions:
            regions.append(Region("solution", "", "", cell.source.split("\n")))
        for region in regions:
            for line in region.lines:
                line = line.strip()
                if len(line) >= 6 and line not in shown:
                    pieces.add(line)
                pieces.update(s for q in re.findall(r"'([^'\n]*)'|\"([^\"\n]*)\"", line)
                              for s in q if len(s.strip()) >= 6)
                if region.kind == "hidden":
                    numbers.update(_numbers(_GRADED_NUMBER, line))
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


def _alt(page, secrets):
    """The text alternative of a picture shown as an HTML ``<img alt=...>`` beside its PNG (the
    lessons' figures are), or None: none given, or it would show a line of a solution or a
    number a hidden test checks (the picture is kept; its alt then says only what it is)."""
    import html

    found = re.search(r'<img\b[^>]*\balt="([^"]*)"', page or "")
    if not found:
        return None
    alt = " ".join(html.unescape(found[1]).split())
    pieces, numbers = secrets
    if any(_squashed(piece) in _squashed(alt) for piece in pieces if len(_squashed(piece)) >= 6):
        return None
    return None if _shows_graded_number(alt, numbers) else alt or None


def expected_output(cell, where, secrets):
    """What the student version keeps of an exercise cell's teacher run: ``(pictures, text)``.

    Kept: each picture as ``(png, alt)`` (``image/png``, chunks that can carry text removed;
    its text alternative where the output gives one, see :func:`_alt`) and the printed text
    (stdout, and the text of a result that is not an object's ``<...>`` repr) once the checks'
    verdict lines are removed, when that text has 1 to MAX_EXPECTED_LINES lines. Nothing is kept
    from a cell tagged ``no-expected-output``, a cell whose run raised an error, a widget, stderr
    or HTML. AssignError if the kept text holds a line or a string of a solution or hidden
    test, or a number a hidden test checks (``secrets``, from ``secret_pieces``).
    """
    if NO_EXPECTED_OUTPUT in cell_tags(cell) or cell.cell_type != "code":
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
                    pngs.append((png, _alt(data.get("text/html", ""), secrets)))
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


def fence(text, info=""):
    """A fenced block around ``text`` with a fence longer than any run of backticks in it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    marks = "`" * max(3, longest + 1)
    return f"{marks}{info}\n{text}\n{marks}"


def derived_id(new, cell, suffix):
    """Give a cell this tool adds an id derived from the exercise's (none when it has none)."""
    if "id" in cell:
        new.id = f"{cell.id}-{suffix}"[-64:]
    else:
        new.pop("id", None)


def expected_cell(cell, pngs, text):
    """The markdown cell that shows an exercise's expected output beside the student's stub."""
    import nbformat  # where it is used: see cli.py

    parts, attachments = [EXPECTED_LABEL], {}
    if text is not None:
        parts.append(fence(text, "text"))
    for number, (png, alt) in enumerate(pngs, 1):
        name = f"expected-output-{number}.png"
        attachments[name] = {"image/png": base64.b64encode(png).decode("ascii")}
        # the picture's text alternative travels with it (markdown's image text is the <img> alt)
        words = f"expected output {number}" + (f": {alt}" if alt else "")
        words = re.sub(r"([\\\[\]])", r"\\\1", words)
        parts.append(f"![{words}](attachment:{name})")
    new = nbformat.v4.new_markdown_cell("\n\n".join(parts), metadata={"tags": [EXPECTED_TAG]})
    if attachments:
        new.attachments = attachments
    derived_id(new, cell, "expected")
    return new
