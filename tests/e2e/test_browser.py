"""The explorers in a real browser: Jupyter on loopback, headless Chromium driven by Playwright.

For every lesson with an explorer, in JupyterLab: open a notebook of the lesson's own cells that
its explorers need (its opening cells, each cell that builds an explorer, and every earlier cell
that defines a name those use: ``explorer_cells``; the whole lesson runs under nbval already),
run all its cells, then move every slider with the keyboard and check that the explorer's
picture changed and that no cell shows an error. In Notebook 7, one lesson with the mouse (a drag
sends values while it moves). And a lesson opened without running it shows each explorer as a
picture (its stored static image).
Screenshots go to a temporary folder printed at the end (pytest -s shows it). Skips when Debian's
chromium or the playwright package is missing; .ci/run installs both.
"""


import ast

import pytest
from conftest import TOKEN, code_cells

pytestmark = pytest.mark.slow

LESSONS_WITH_EXPLORERS = ["02_why_nonlinearity", "03_activations", "04_backprop", "06_dropout",
                          "07_early_stopping", "08_initialization"]
@pytest.fixture
def page(browser):
    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    yield page
    page.close()


KERNEL_IDLE = """() => {
    const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    const session = panel && panel.sessionContext && panel.sessionContext.session;
    return Boolean(session && session.kernel && session.kernel.status === 'idle');
}"""
ALL_CELLS_RAN = """() => {
    const panel = window.jupyterapp.shell.currentWidget;
    if (panel.sessionContext.session.kernel.status !== 'idle') return false;
    return panel.content.widgets.every(
        cell => cell.model.type !== 'code' || cell.model.executionCount !== null);
}"""
IMAGE_OF = "h => h.closest('.widget-vbox').querySelector('img').src"
SLIDERS = ".nnlesson-slider input[type=range]"  # nnlesson/viz/controls.py's sliders


def wait_for_redraw(page, handle, move):
    """Move a slider's handle with ``move(page, handle)``; wait until its explorer's picture
    changes."""
    handle.scroll_into_view_if_needed()
    before = handle.evaluate(IMAGE_OF)
    move(page, handle)
    page.wait_for_function(f"([h, old]) => ({IMAGE_OF})(h) !== old", arg=[handle, before],
                           timeout=20_000)


def press_arrows(page, handle, times=3):
    """Arrow keys on a focused slider: right, or left from a slider that starts at its end (lesson
    03's depth explorer starts at its 30 layers)."""
    handle.focus()
    at_end = handle.evaluate("h => Number(h.value) >= Number(h.max)")
    for _ in range(times):
        handle.press("ArrowLeft" if at_end else "ArrowRight")


def drag_right(page, handle, pixels=40):
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + pixels, y, steps=5)
    page.mouse.up()


def assert_no_error_shown(page, lesson):
    errors = page.query_selector_all(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
    assert not errors, f"{lesson}: a cell shows an error: {errors[0].inner_text()[:500]}"
    assert "Error displaying widget" not in page.content()


def explorer_cells(cells):
    """Of a lesson's code cells, those its explorers need, in the lesson's order: the opening
    cells (up to the one importing nnlesson), each cell that builds an explorer, and each earlier
    cell binding a name that a kept cell uses (and so on back)."""
    trees = [ast.parse(source) for source in cells]
    opening = next(i for i, source in enumerate(cells) if "import nnlesson as nl" in source)
    keep, wanted = set(range(opening + 1)), set()
    for i in reversed(range(len(cells))):
        nodes = list(ast.walk(trees[i]))
        bound = {n.id for n in nodes if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        bound |= {a.asname or a.name.split(".")[0] for n in nodes
                  if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
        bound |= {n.name for n in nodes if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
        if "_explorer(" in cells[i] or bound & wanted:
            keep.add(i)
            used = {n.id for n in nodes if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
            wanted = (wanted - bound) | used
    return [cells[i] for i in sorted(keep)]


def test_explorer_cells_keep_what_an_explorer_uses_and_leave_the_rest():
    cells = ["try:\n    import nnlesson\nexcept ModuleNotFoundError:\n    pass",
             "import numpy as np\nimport nnlesson as nl",
             "data = np.arange(3)",
             "def train(x):\n    return x * 2",
             "unused = train(data)",
             "curves = {'test': train(data)}",
             "from nnlesson.viz.explorers import early_stopping_explorer\n"
             "early_stopping_explorer(curves['test'])",
             "after = 1"]
    assert explorer_cells(cells) == cells[:4] + cells[5:7]


def run_explorers(page, server, name, lesson, **where):
    """Open a notebook of ``explorer_cells`` of LESSON (see ``open_new_notebook``), run it and
    return its sliders."""
    open_new_notebook(page, server, name, explorer_cells(code_cells(lesson)), **where)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(ALL_CELLS_RAN, timeout=180_000)
    page.wait_for_selector(SLIDERS, state="attached", timeout=60_000)
    return page.query_selector_all(SLIDERS)


@pytest.mark.parametrize("lesson", LESSONS_WITH_EXPLORERS)
def test_every_slider_redraws_its_explorer_in_jupyterlab(lesson, lab, page):
    base, root = lab
    shots = root / "screenshots"
    shots.mkdir(exist_ok=True)
    handles = run_explorers(page, lab, f"{lesson}_explorers", lesson)
    assert handles, f"{lesson}: no slider found"
    for i, handle in enumerate(handles):
        wait_for_redraw(page, handle, press_arrows)
        explorer = handle.evaluate_handle("h => h.closest('.widget-vbox')").as_element()
        explorer.screenshot(path=str(shots / f"{lesson}-slider{i + 1}.png"))
    assert_no_error_shown(page, lesson)
    page.screenshot(path=str(shots / f"{lesson}.png"))
    print(f"\nscreenshots of {lesson}: {shots}")


def test_sliders_redraw_in_notebook_7_with_the_mouse(notebook7, page):
    base, root = notebook7
    handles = run_explorers(page, notebook7, "03_activations_explorers", "03_activations",
                            notebook7=True)
    assert len(handles) == 2  # pReLU's alpha and the activation explorer's depth
    for handle in handles:  # the mouse here (the keys: test_accessibility.py)
        wait_for_redraw(page, handle, drag_right)
    assert_no_error_shown(page, "03_activations")
    page.screenshot(path=str(root / "notebook7-03_activations.png"))


def test_an_unrun_lesson_shows_each_explorer_as_a_picture(lab, page):
    base, _ = lab
    page.goto(f"{base}/lab/workspaces/unrun/tree/06_dropout.ipynb?reset&token={TOKEN}")
    page.wait_for_selector(".jp-Notebook .jp-OutputArea-output", timeout=90_000)
    # No kernel has run: the stored widget has no model, so its static PNG is what shows.
    mimes = page.evaluate("""() => [...document.querySelectorAll('.jp-CodeCell')]
        .filter(cell => cell.querySelector('.jp-InputArea').innerText.includes('_explorer('))
        .map(cell => [...cell.querySelectorAll('.jp-OutputArea-output')]
             .map(o => o.getAttribute('data-mime-type')))""")
    assert mimes == [["text/html"]]  # the static picture as an <img> with its text alternative
    assert "Error displaying widget" not in page.content()


EPOCH_SHOWN = """() => {
    const status = [...document.querySelectorAll('.widget-html-content')]
        .find(e => e.innerText.startsWith('epoch '));
    return status ? parseInt(status.innerText.slice(6)) : null;
}"""


def open_new_notebook(page, server, name, sources, *, notebook7=False):
    """Write a notebook of the code cells ``sources`` as NAME.ipynb into the server's folder, open
    it in ``page`` (JupyterLab's, in a workspace of its own, or with ``notebook7=True`` the
    ``notebook7`` fixture's) and wait until its kernel is idle."""
    import nbformat

    base, root = server
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    nbformat.write(notebook, root / "notebooks" / f"{name}.ipynb")
    if notebook7:
        page.goto(f"{base}/notebooks/{name}.ipynb?token={TOKEN}")
    else:
        page.goto(f"{base}/lab/workspaces/{name}/tree/{name}.ipynb?reset&token={TOKEN}")
    page.wait_for_function(KERNEL_IDLE, timeout=90_000)


def test_playground_plays_and_pauses_within_one_frame_in_jupyterlab(lab, page):
    _, root = lab
    open_new_notebook(page, lab, "playground_live", [
        "from nnlesson.viz.playground import playground\n"
        "pg = playground(interval=200, epochs_per_frame=1)\npg"])
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(ALL_CELLS_RAN, timeout=120_000)
    page.wait_for_selector("img.widget-image", timeout=60_000)
    page.wait_for_function(f"() => ({EPOCH_SHOWN})() === 0", timeout=30_000)
    picture = "() => document.querySelector('img.widget-image').src"
    before = page.evaluate(picture)

    page.get_by_role("button", name="play", exact=True).click()  # drives the hidden Play
    page.wait_for_function(f"() => ({EPOCH_SHOWN})() >= 3", timeout=60_000)
    assert page.evaluate(picture) != before  # the picture follows the training

    page.get_by_role("button", name="pause", exact=True).click()
    paused_at = page.evaluate(EPOCH_SHOWN)
    page.wait_for_timeout(2000)  # ten timer intervals
    stopped_at = page.evaluate(EPOCH_SHOWN)
    assert stopped_at - paused_at <= 1, f"{stopped_at - paused_at} frames after pause"
    page.wait_for_timeout(1000)
    assert page.evaluate(EPOCH_SHOWN) == stopped_at
    # The kernel's side: the run kept its exact settings (the browser did not round them) and
    # counted the same epochs as the picture.
    for command in ("notebook:insert-cell-below", "notebook:enter-edit-mode"):
        page.evaluate(f"window.jupyterapp.commands.execute('{command}')")
    # _min_delay: the ticks' send times were read from the browser's messages (frame dropping)
    page.keyboard.type("print(pg.state['learning_rate'], pg.state['changes'], pg.epoch, "
                       "pg._min_delay is not None)")
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-cell')")
    stdout = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stdout"]'
    page.wait_for_selector(stdout, timeout=30_000)
    assert page.inner_text(stdout).split() == ["0.03", "[]", str(stopped_at), "True"]
    assert_no_error_shown(page, "playground")
    page.screenshot(path=str(root / "playground.png"))
