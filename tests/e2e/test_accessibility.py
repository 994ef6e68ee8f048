"""The lessons' outputs in JupyterLab against WCAG 2.1 A and AA, as axe-core judges them, and the
widgets driven by keyboard alone.

axe-core (bundled by the ``axe-playwright-python`` package) runs on the output areas only, not on
JupyterLab's own interface:

- of each stored lesson 01-11 opened without running it: the stored outputs are what a student
  first sees (an explorer's or the playground's stored picture);
- of the live widgets: one notebook builds every explorer the lessons show and the playground,
  as the lessons build them, and axe runs with each of the playground's groups of controls
  shown in turn (axe skips what is hidden); the playground again in Notebook 7, where a slider
  is also moved with the arrow keys.

The keyboard tests, in the same notebook: Tab reaches the pReLU alpha and dropout p sliders and
the arrow keys move them; the playground's play / pause, its groups and its learning rate work
from the keyboard; a focused slider and button show a focus ring. One JupyterLab server, one
Notebook 7 server and one browser serve the browser tests (tests/conftest.py starts them).
"""

import pytest
from conftest import TOKEN
from test_browser import ALL_CELLS_RAN, SLIDERS, open_new_notebook

from nnlesson.viz.playground import DATASETS

pytestmark = pytest.mark.slow

LESSONS = ["01_fully_connected", "02_why_nonlinearity", "03_activations", "04_backprop",
           "05_memory_of_backprop", "06_dropout", "07_early_stopping", "08_initialization",
           "09_batch_normalization", "10_capstone_digits", "11_playground"]
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="module")
def page(browser):
    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    yield page
    page.close()


def axe_violations(page, selector):
    """Every element inside ``selector`` that breaks a WCAG 2.1 A/AA rule: (rule, element, html)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, context={"include": [[selector]]},
                        options={"runOnly": {"type": "tag", "values": WCAG_21_AA},
                                 "resultTypes": ["violations"]})
    return [(v["id"], " ".join(node["target"]), node["html"][:120])
            for v in results.response["violations"] for node in v["nodes"]]


IMAGES = """() => [...document.querySelectorAll('#a11y-current .jp-OutputArea img')]
    .map(img => (img.getAttribute('alt') || img.getAttribute('title') || '').trim())"""


OPEN = """async path => {
    const app = window.jupyterapp;
    await app.commands.execute('application:close-all');
    const panel = await app.commands.execute('docmanager:open', {path});
    await panel.context.ready;
    panel.node.id = 'a11y-current';
}"""


@pytest.fixture(scope="module")
def lab_page(lab, page):
    """JupyterLab loaded once in the module's page; each lesson opens in it (no page reload)."""
    base, _ = lab
    page.goto(f"{base}/lab/workspaces/a11y?reset&token={TOKEN}")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.commands"
                           ".hasCommand('docmanager:open')", timeout=90_000)
    return page


@pytest.mark.parametrize("lesson", LESSONS)
def test_the_stored_outputs_pass_axe_wcag_21_aa(lesson, lab_page):
    page = lab_page
    page.evaluate(OPEN, f"{lesson}.ipynb")
    page.wait_for_selector("#a11y-current .jp-OutputArea-output img", timeout=60_000)
    alts = page.evaluate(IMAGES)
    assert alts and all(alts), f"{lesson}: {alts.count('')} of {len(alts)} pictures have no alt"
    assert axe_violations(page, "#a11y-current .jp-OutputArea") == []



# Every widget the lessons show (02, 03, 04, 06, 07, 08, 11), built as they build them (lesson 04's
# graph is its neuron's; lesson 07's curves are the explorer's own defaults).
LIVE = [
    "from nnlesson.viz.explorers import (activation_explorer, backprop_explorer, dropout_explorer,"
    " early_stopping_explorer, init_explorer, nonlinearity_explorer, prelu_explorer)\n"
    "prelu_explorer()",
    "dropout_explorer()",
    "nonlinearity_explorer()",
    "activation_explorer()",
    "from nnlesson.graph import Tensor\n"
    "w, x, b, t = (Tensor(v, name=n) for v, n in [(0.5, 'w'), (2.0, 'x'), (-0.5, 'b'), (1.0, 't')])\n"
    "backprop_explorer(((w * x + b).sigmoid() - t) ** 2)",
    "early_stopping_explorer()",
    "init_explorer()",
    "from nnlesson.viz.playground import playground\nplayground(interval=200)",
]
N_SLIDERS = 8 + 7  # the explorers' and the playground's
GROUPS = ["data", "features", "network", "training", "output"]  # the playground's tabs
PICTURES = "() => [...document.querySelectorAll('.jp-OutputArea img')].map(i => i.src).join()"
TEXT = "() => [...document.querySelectorAll('.jp-OutputArea-output')].map(o => o.innerText).join()"
# the accessible name of the focused element: its <label for>, else its text
FOCUSED = """() => { const e = document.activeElement;
    return ((e.labels && e.labels.length ? e.labels[0].textContent : e.textContent) || '').trim(); }"""
# an outline drawn around the focused element (not a box-shadow: ipywidgets' buttons always
# have one, focused or not)
FOCUS_RING = """() => { const s = getComputedStyle(document.activeElement);
    return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0; }"""
# the playground: the last cell's output
PLAYGROUND = "[...document.querySelectorAll('.jp-OutputArea-output')].at(-1)"
PICTURE = f"() => {PLAYGROUND}.querySelector('img.widget-image').src"
EPOCH_SHOWN = f"""() => {{
    const status = {PLAYGROUND}.querySelector('[role=status][aria-live=polite]');
    const match = status && status.innerText.match(/epoch (\\d+)/);
    return match ? parseInt(match[1]) : null;
}}"""


def run_live_notebook(page, server, name, sources, sliders, **where):
    """Open a notebook of ``sources`` (see ``open_new_notebook``), run it, wait for its sliders."""
    open_new_notebook(page, server, name, sources, **where)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(ALL_CELLS_RAN, timeout=240_000)
    page.wait_for_function(f"() => document.querySelectorAll('{SLIDERS}').length === {sliders}",
                           timeout=60_000)
    return page


def live_violations(page):
    """axe's violations in the outputs, with each of the playground's groups shown in turn."""
    found = set()
    for title in GROUPS:
        page.click(f".widget-tab .lm-TabBar-tab:has-text('{title}')")
        found.update(axe_violations(page, ".jp-OutputArea"))
    page.click(".widget-tab .lm-TabBar-tab:has-text('data')")
    counts = {}
    for rule, _, _ in found:
        counts[rule] = counts.get(rule, 0) + 1
    print(f"\naxe on the live widgets: {counts or 'no violations'}")
    return sorted(found)


@pytest.fixture(scope="module")
def live(lab, lab_page):
    return run_live_notebook(lab_page, lab, "a11y_live", LIVE, N_SLIDERS)


def test_the_live_widgets_pass_axe_wcag_21_aa(live):
    labels = live.evaluate(f"""() => [...document.querySelectorAll('{SLIDERS}')]
        .map(s => [s.labels[0].textContent, s.getAttribute('aria-valuetext')])""")
    assert all(name and value for name, value in labels), labels  # named, and the value said
    assert live_violations(live) == []
    # every explorer's picture has a text alternative; every caption is a live region
    alts = live.evaluate(IMAGES.replace("#a11y-current ", ""))
    # the playground's data-set thumbnails are drawn inside buttons that name them: alt=""
    assert alts.count("") == len(DATASETS) and len(alts) == 8 + len(DATASETS), alts
    assert live.evaluate("() => document.querySelectorAll("
                         "'.jp-OutputArea [role=status][aria-live=polite]').length") >= 6


def tab_to(page, name, presses=15):
    """Press Tab until the focused element is named ``name``."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED) == name:
            return
    pytest.fail(f"Tab never reached {name!r} (stopped on {page.evaluate(FOCUSED)!r})")


def focus_output(page, n):
    """Make the ``n``-th output area the start of the Tab order, as a click there would."""
    page.evaluate("""n => { const start = document.querySelectorAll('.jp-OutputArea-output')[n];
                            start.tabIndex = -1; start.focus(); }""", n)


def test_the_explorers_are_driven_by_keyboard_alone_with_the_focus_shown(live):
    page = live
    focus_output(page, 0)
    for name in ["alpha (slope for x <= 0)", "p (drop probability)"]:
        tab_to(page, name)
        assert page.evaluate(FOCUS_RING), f"{name}: no focus ring"
        value = "() => document.activeElement.getAttribute('aria-valuetext')"
        before = (page.evaluate(value), page.evaluate(PICTURES), page.evaluate(TEXT))
        page.keyboard.press("ArrowRight")
        page.wait_for_function(f"old => ({PICTURES})() !== old", arg=before[1], timeout=20_000)
        assert page.evaluate(value) != before[0], f"{name}: no new value"
        assert page.evaluate(TEXT) != before[2], f"{name}: the caption did not change"
    tab_to(page, "resample")  # the dropout explorer's button
    assert page.evaluate(FOCUS_RING), "the resample button: no focus ring"


def test_the_playground_is_driven_by_keyboard_alone(live):
    page = live
    focus_output(page, len(LIVE) - 1)
    tab_to(page, "play")
    before = page.evaluate(PICTURE)
    page.keyboard.press("Space")
    page.wait_for_function(f"() => ({EPOCH_SHOWN})() >= 2", timeout=60_000)
    assert page.evaluate(PICTURE) != before
    assert page.evaluate(FOCUSED) == "pause"
    page.keyboard.press("Space")
    page.wait_for_function("() => document.activeElement.textContent.trim() === 'play'")
    # the groups of controls: a tab bar, moved along with the arrow keys
    tab_to(page, "data")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert page.evaluate(FOCUSED) == "training"
    page.keyboard.press("Enter")
    tab_to(page, "learning rate")
    page.keyboard.press("ArrowDown")
    selected = "() => document.activeElement.selectedOptions[0].textContent"
    page.wait_for_function(f"() => ({selected})() === '0.1'", timeout=10_000)
    # back to the step button: one frame at the new rate changes the picture
    for _ in range(12):
        page.keyboard.press("Shift+Tab")
        if page.evaluate(FOCUSED) == "step":
            break
    before, epoch = page.evaluate(PICTURE), page.evaluate(EPOCH_SHOWN)
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => ({EPOCH_SHOWN})() === {epoch + 1}", timeout=20_000)
    assert page.evaluate(PICTURE) != before


def test_the_live_playground_passes_axe_in_notebook_7(notebook7, browser):
    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    try:
        run_live_notebook(page, notebook7, "a11y_playground", LIVE[-1:], 7, notebook7=True)
        assert live_violations(page) == []
        # Notebook 7 gave the arrow keys of ipywidgets' sliders to its cell selection; these
        # sliders keep them
        noise = page.locator(".nnlesson-slider:has-text('noise')")
        noise.locator("input").focus()
        before = page.evaluate(PICTURE)
        page.keyboard.press("ArrowRight")
        page.wait_for_function(f"old => ({PICTURE})() !== old", arg=before, timeout=20_000)
        assert noise.locator("output").inner_text() == "0.05"
    finally:
        page.close()
