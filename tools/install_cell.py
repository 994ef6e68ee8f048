"""The install cell at the top of every lesson and assignment: ``python tools/install_cell.py``.

One template (``TEMPLATE`` below) is the only source of that cell. It installs, where nnlesson is
missing (Colab, a Jupyter elsewhere), the version the notebook was stored with (the tag
``v<nnlesson.__version__>`` of the repository set in pyproject.toml) with the ``lessons`` extra
(matplotlib, ipywidgets 7.7 or 8, anywidget), and prints pip's own messages in the cell, so that
a failure shows its cause rather than an exit status.

``--write`` puts the cell into every lessons_src/**/*.py (then ``jupytext --sync`` them: the cell
prints nothing where nnlesson is installed, so no stored output changes); ``--check`` changes
nothing and exits 1 naming each source whose cell differs. tests/tooling/test_install_cell.py
runs the check. After a version bump: ``--write``, sync, and push the tag ``vX.Y.Z`` with the
release, or the cell of every notebook of that version cannot install.
"""

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from fork import repository  # noqa: E402  (the repository's one address)

EXTRA = "lessons"  # pyproject's extra with what the lessons import
TEMPLATE = '''\
# %%
# On Colab, or anywhere nnlesson is missing, install the version this notebook was written for,
# with what the lessons need. Binder and local installs have it already.
try:
    import nnlesson  # noqa: F401
except ModuleNotFoundError:
    import subprocess
    import sys

    # pip's own messages are printed in this cell: if it fails, they say why
    command = [sys.executable, "-m", "pip", "install",
               "{spec}"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True) as pip:
        for line in pip.stdout:
            print(line, end="")
    if pip.returncode != 0:
        raise RuntimeError("pip could not install nnlesson: see its messages above") from None
'''
# The cell in a source: from its "# %%" line to the blank line before the next cell.
CELL = re.compile(r"^# %%\n(?:#[^\n]*\n)*try:\n    import nnlesson  # noqa: F401\n.*?\n(?=\n# %%)",
                  flags=re.S | re.M)


def version(root=ROOT):
    """``nnlesson.__version__`` as nnlesson/__init__.py sets it (read, not imported)."""
    init = (root / "nnlesson" / "__init__.py").read_text()
    found = re.findall(r'^__version__ = "([^"]+)"$', init, flags=re.M)
    if len(found) != 1:
        raise SystemExit(f"install_cell: expected one __version__ line in nnlesson/__init__.py, "
                         f"found {len(found)}")
    return found[0]


def spec(root=ROOT):
    """What the cell gives pip: nnlesson with the extra, from the repository at tag vVERSION."""
    return f"nnlesson[{EXTRA}] @ git+https://github.com/{repository(root)}@v{version(root)}"


def cell(root=ROOT):
    """The install cell, as it stands in a percent-format source (ending with a blank line)."""
    return TEMPLATE.format(spec=spec(root))


def sources(root=ROOT):
    return sorted((root / "lessons_src").rglob("*.py"))


def cells_in(text):
    return CELL.findall(text)


def stale(root=ROOT):
    """The sources whose install cell is not exactly ``cell()`` (or that hold none or several)."""
    want = cell(root)
    return [path for path in sources(root) if cells_in(path.read_text()) != [want]]


def write(root=ROOT, log=print):
    want = cell(root)
    for path in stale(root):
        text = path.read_text()
        if len(cells_in(text)) != 1:
            raise SystemExit(f"install_cell: {path.relative_to(root)} holds "
                             f"{len(cells_in(text))} install cells, expected 1")
        path.write_text(CELL.sub(lambda _: want, text))
        log(f"rewrote the install cell of {path.relative_to(root)}")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python tools/install_cell.py",
                                     description=__doc__.split("\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="rewrite every source's cell")
    mode.add_argument("--check", action="store_true", help="exit 1 if a source's cell differs")
    args = parser.parse_args(argv)
    if args.write:
        write()
    elif args.check:
        wrong = stale()
        for path in wrong:
            print(f"{path.relative_to(ROOT)}: its install cell is not tools/install_cell.py's")
        return 1 if wrong else 0
    else:
        print(cell(), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
