"""The playground on a laptop screen: JupyterLab at 1280 x 800 with its file browser open.

One live playground, in one notebook: every slider track is at least 120 px wide (measured, in
each group of controls), the picture with its loss chart fits the screen, play / pause / step /
reset work from their named buttons, and a slider reached with Tab and moved with the arrow keys
changes the picture. JupyterLab and the browser are the session's (tests/conftest.py starts
them: Debian's chromium, Playwright without `playwright install`); skips when either is missing.
"""

import pytest
from test_browser import ALL_CELLS_RAN, open_new_notebook

pytestmark = pytest.mark.slow

WIDTH, HEIGHT = 1280, 800
MIN_TRACK = 120  # px: a track narrower than this cannot be dragged to a chosen value
GROUPS = ["data", "features", "network", "training", "output"]
EPOCH_SHOWN = """() => {
    const status = document.querySelector('[role=status][aria-live=polite]');
    const match = status && status.innerText.match(/epoch (\\d+)/);
    return match ? parseInt(match[1]) : null;
}"""
PICTURE = "() => document.querySelector('img.widget-image').src"
VISIBLE_TRACKS = """() => [...document.querySelectorAll('.nnlesson-slider')]
    .filter(s => s.offsetParent !== null)
    .map(s => [s.querySelector('label').innerText,
               s.querySelector('input[type=range]').getBoundingClientRect().width])"""


@pytest.fixture(scope="module")
def page(lab, browser):
    _, root = lab
    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    try:
        open_new_notebook(page, lab, "playground_laptop", [
            "from nnlesson.viz.playground import playground\npg = playground(interval=150)\npg"])
        page.evaluate("window.jupyterapp.commands.execute('filebrowser:activate')")
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        page.wait_for_function(ALL_CELLS_RAN, timeout=120_000)
        page.wait_for_selector("img.widget-image", timeout=60_000)
        page.wait_for_function(f"() => ({EPOCH_SHOWN})() === 0", timeout=30_000)
        yield page
        page.screenshot(path=str(root / "playground_1280x800.png"))
        print(f"\nscreenshot: {root / 'playground_1280x800.png'}")
    finally:
        page.close()


def click_group(page, title):
    page.click(f".widget-tab .lm-TabBar-tab:has-text('{title}')")


def test_every_slider_track_is_at_least_120_px_with_the_file_browser_open(page):
    browser_panel = page.query_selector("#filebrowser")
    assert browser_panel and browser_panel.is_visible()  # the file browser is open beside it
    assert browser_panel.bounding_box()["width"] >= 200
    measured = {}
    for title in GROUPS:
        click_group(page, title)
        page.wait_for_timeout(100)
        measured.update(dict(page.evaluate(VISIBLE_TRACKS)))
    print("\nslider tracks (px):", {k: round(v) for k, v in measured.items()})
    assert len(measured) >= 6  # noise, training part, batch size, layers, dropout, patience, ...
    narrow = {label: width for label, width in measured.items() if width < MIN_TRACK}
    assert not narrow, f"slider tracks narrower than {MIN_TRACK} px: {narrow}"


def test_the_picture_with_its_loss_chart_fits_the_screen(page):
    image = page.query_selector("img.widget-image")
    image.scroll_into_view_if_needed()
    box = image.bounding_box()
    print(f"\npicture: {box['width']:.0f} x {box['height']:.0f} px at y = {box['y']:.0f}")
    view = page.query_selector(".jp-NotebookPanel-notebook").bounding_box()  # the scrolled area
    # the whole picture, its loss chart at the bottom included, inside the notebook's view
    assert view["y"] <= box["y"] and box["y"] + box["height"] <= view["y"] + view["height"]
    assert box["width"] >= 600  # scaled to the notebook's width, still readable
    assert box["x"] + box["width"] <= view["x"] + view["width"]  # no sideways scroll


def test_play_pause_step_and_reset_from_their_named_buttons(page):
    page.get_by_role("button", name="play", exact=True).click()
    page.wait_for_function(f"() => ({EPOCH_SHOWN})() >= 2", timeout=30_000)
    page.get_by_role("button", name="pause", exact=True).click()
    page.wait_for_timeout(600)  # four timer intervals: a tick already sent may still land
    paused = page.evaluate(EPOCH_SHOWN)
    page.wait_for_timeout(600)
    assert page.evaluate(EPOCH_SHOWN) == paused
    page.get_by_role("button", name="step", exact=True).click()
    page.wait_for_function(f"() => ({EPOCH_SHOWN})() === {paused + 1}", timeout=20_000)
    page.get_by_role("button", name="reset", exact=True).click()
    page.wait_for_function(f"() => ({EPOCH_SHOWN})() === 0", timeout=20_000)


def test_a_slider_reached_with_tab_and_moved_with_arrows_changes_the_picture(page):
    click_group(page, "data")
    page.get_by_role("button", name="regenerate data").focus()
    page.keyboard.press("Tab")  # the next control: the noise slider
    focused = page.evaluate("""() => [document.activeElement.type,
                                      document.activeElement.labels[0].textContent]""")
    assert focused == ["range", "noise"]
    before = page.evaluate(PICTURE)
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"(old) => ({PICTURE})() !== old", arg=before, timeout=20_000)
    assert page.locator(".nnlesson-slider:has-text('noise') output").inner_text() == "0.05"


# -- the picture you can touch (nnlesson/viz/playground_picture.js over the PNG) ----------------
LAYER_1_UNITS = """() => {
    const box = [...document.querySelectorAll('.widget-text')]
        .find(b => b.innerText.trim().startsWith('layer 1 units'));
    return box ? parseInt(box.querySelector('input').value) : null;
}"""
HOT_SPOTS = "() => document.querySelectorAll('.nnl-unit[role=button]').length"


def add_a_unit_from_the_picture(page):
    """Click '+' over hidden layer 1 in the picture: the network, its control and the picture
    change (4 -> 5 units), then '-' puts it back."""
    plus = page.get_by_role("button", name="add a unit to hidden layer 1 (4 units)")
    plus.scroll_into_view_if_needed()
    before, spots = page.evaluate(PICTURE), page.evaluate(HOT_SPOTS)
    plus.click()
    page.wait_for_function(f"() => ({LAYER_1_UNITS})() === 5", timeout=30_000)
    page.wait_for_function(f"(old) => ({PICTURE})() !== old", arg=before, timeout=20_000)
    page.wait_for_function(f"(n) => ({HOT_SPOTS})() === n + 1", arg=spots, timeout=20_000)
    assert page.get_by_role("button", name="hidden layer 1, unit 5: bias +0.000").count() == 1
    page.get_by_role("button", name="remove a unit from hidden layer 1 (5 units)").click()
    page.wait_for_function(f"() => ({LAYER_1_UNITS})() === 4", timeout=30_000)


def test_plus_over_a_hidden_layer_in_the_picture_adds_a_unit_in_jupyterlab(page):
    click_group(page, "network")  # the units control is in the network group
    add_a_unit_from_the_picture(page)


def test_a_unit_reached_with_tab_is_announced_and_its_bias_set_with_the_keyboard(page):
    page.get_by_role("button", name="add a hidden layer (2 hidden layers)").focus()
    names = []
    for _ in range(3):  # the two feature tiles, then hidden layer 1's first unit
        page.keyboard.press("Tab")
        names.append(page.evaluate("""() => [document.activeElement.getAttribute('role'),
                                             document.activeElement.getAttribute('aria-label')]"""))
    assert names[0] == ["button", "feature x1 (in use; press to switch it off)"]
    role, label = names[2]
    assert role == "button" and label.startswith("hidden layer 1, unit 1: bias ")
    page.keyboard.press("Enter")  # a text box for its bias, focused
    assert page.evaluate("document.activeElement.type") == "number"
    page.keyboard.press("Control+a")
    page.keyboard.type("0.5")
    page.keyboard.press("Enter")
    status = page.locator(".nnl-picture [role=status]")
    assert status.inner_text() == "bias of hidden layer 1, unit 1 set to 0.5"  # a live region
    page.wait_for_function("""() => document.activeElement.getAttribute('aria-label')
                              === 'hidden layer 1, unit 1: bias +0.500'""", timeout=20_000)


def test_plus_over_a_hidden_layer_in_the_picture_adds_a_unit_in_notebook_7(notebook7, browser):
    from test_browser import open_new_notebook

    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    try:
        open_new_notebook(page, notebook7, "picture_nb7", [
            "from nnlesson.viz.playground import playground\npg = playground()\npg"],
            notebook7=True)
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        page.wait_for_function(ALL_CELLS_RAN, timeout=120_000)
        page.wait_for_selector(".nnl-unit", timeout=60_000)
        click_group(page, "network")
        add_a_unit_from_the_picture(page)
    finally:
        page.close()


def test_the_live_picture_and_its_hot_spots_pass_axe_wcag_21_aa(page):
    from test_accessibility import axe_violations

    page.wait_for_selector(".nnl-picture .nnl-unit", timeout=20_000)
    assert axe_violations(page, ".nnl-picture") == []
