"""The explorers in a real browser: JupyterLab on loopback, headless Chromium driven by Playwright.

For every lesson with an explorer: open it, clear and run all cells, then move every slider with
the keyboard and check that the explorer's picture changed and that no cell shows an error.
Screenshots go to a temporary folder printed at the end (pytest -s shows it). Skips when Debian's
chromium or the playwright package is missing; .ci/run installs both.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
LESSONS_WITH_EXPLORERS = ["02_why_nonlinearity", "03_activations", "04_backprop", "06_dropout",
                          "07_early_stopping"]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TOKEN = "nnlesson-browser-test"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    if not shutil.which("chromium"):
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    root = tmp_path_factory.mktemp("lab")
    work = root / "notebooks"
    shutil.copytree(ROOT / "notebooks", work)  # the test's edits never reach the repository
    settings = root / "settings"
    for plugin, values in [("@jupyterlab/docmanager-extension/plugin", {"autosave": False}),
                           ("@jupyterlab/apputils-extension/notification",
                            {"fetchNews": "false", "checkForUpdates": False}),
                           # render every cell, not only those in view, so all sliders exist
                           ("@jupyterlab/notebook-extension/tracker", {"windowingMode": "none"})]:
        path = settings / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    port = free_port()
    env = {**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(settings)}
    log = open(root / "jupyterlab.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
         f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={work}",
         f"--FileCheckpoints.checkpoint_dir={root / 'checkpoints'}",
         "--LabApp.expose_app_in_browser=True", "--ServerApp.allow_root=True"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail(f"JupyterLab did not start: {(root / 'jupyterlab.log').read_text()[-2000:]}")
        yield base, root
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # only the server we started, and its kernels
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


ALL_CELLS_RAN = """() => {
    const panel = window.jupyterapp.shell.currentWidget;
    const kernel = panel && panel.sessionContext.session && panel.sessionContext.session.kernel;
    if (!kernel || kernel.status !== 'idle') return false;
    return panel.content.widgets.every(
        cell => cell.model.type !== 'code' || cell.model.executionCount !== null);
}"""


@pytest.mark.parametrize("lesson", LESSONS_WITH_EXPLORERS)
def test_every_slider_redraws_its_explorer_in_jupyterlab(lesson, lab, browser, tmp_path_factory):
    base, root = lab
    shots = root / "screenshots"
    shots.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    try:
        # a fresh workspace of its own, so that no other lesson is restored beside this one
        page.goto(f"{base}/lab/workspaces/{lesson}/tree/{lesson}.ipynb?reset&token={TOKEN}")
        page.wait_for_function("window.jupyterapp && window.jupyterapp.shell.currentWidget "
                               "&& window.jupyterapp.shell.currentWidget.sessionContext",
                               timeout=90_000)
        page.wait_for_function("() => { const s = window.jupyterapp.shell.currentWidget"
                               ".sessionContext.session; return s && s.kernel && "
                               "s.kernel.status === 'idle'; }", timeout=90_000)
        page.evaluate("window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        page.wait_for_function(ALL_CELLS_RAN, timeout=180_000)
        page.wait_for_selector(".widget-slider .noUi-handle", state="attached", timeout=60_000)
        handles = page.query_selector_all(".widget-slider .noUi-handle")
        assert handles, f"{lesson}: no slider found"
        for i, handle in enumerate(handles):
            handle.scroll_into_view_if_needed()
            src = handle.evaluate("h => h.closest('.widget-vbox').querySelector('img').src")
            handle.focus()
            for _ in range(3):
                handle.press("ArrowRight")
            page.wait_for_function(
                "([h, old]) => h.closest('.widget-vbox').querySelector('img').src !== old",
                arg=[handle, src], timeout=20_000)
            explorer = handle.evaluate_handle("h => h.closest('.widget-vbox')").as_element()
            explorer.screenshot(path=str(shots / f"{lesson}-slider{i + 1}.png"))
        errors = page.query_selector_all(
            '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
        assert not errors, f"{lesson}: a cell shows an error: {errors[0].inner_text()[:500]}"
        assert "Error displaying widget" not in page.content()
        page.screenshot(path=str(shots / f"{lesson}.png"))
        print(f"\nscreenshots of {lesson}: {shots}")
    finally:
        page.close()
