"""The classroom app in a real browser: Voila serves app/classroom.py, headless Chromium clicks.

Needs Debian's ``chromium`` (``apt-get install chromium``) and the Python package
``playwright`` (driving that system browser; no browser is downloaded); skipped
without them. Voila listens on loopback only, on a free port. Screenshots of
each step go to build/screenshots/.
"""
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app" / "classroom.py"
SHOTS = ROOT / "build" / "screenshots"
CHROMIUM = os.environ.get("LGC_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WAIT_MS = 120_000  # one answer: a few seconds unloaded, over 45 s on 2 cores shared with a make paper

if not Path(CHROMIUM).is_file():
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="needs the playwright package (pip install playwright)")
pytest.importorskip("voila", reason="needs voila (the notebooks extra)")
jupytext = pytest.importorskip("jupytext", reason="needs jupytext (the notebooks extra)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """Voila serving the app notebook on 127.0.0.1; yields its URL, stops it afterwards."""
    folder = tmp_path_factory.mktemp("app")
    notebook = folder / "classroom.ipynb"
    jupytext.write(jupytext.read(APP), notebook, fmt="ipynb")
    port = _free_port()
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    log = open(folder / "voila.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "voila", str(notebook), "--no-browser", "--Voila.ip=127.0.0.1",
         f"--port={port}"], cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:  # any HTTP answer (this path is refused) means Voila listens
                urllib.request.urlopen(url + "api", timeout=5).close()
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("Voila did not start:\n" + (folder / "voila.log").read_text())
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture
def page(tmp_path):
    """A headless Chromium page with a fresh profile, tall enough for the whole app."""
    with sync_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, args=ARGS, headless=True,
            viewport={"width": 1300, "height": 1700})
        try:
            yield context.new_page()
        finally:
            context.close()


# Every text the status line shows, busy ones included, as the page renders them.
WATCH_STATUS = """() => {
    window.lgcStatuses = [];
    const status = document.querySelector('.lgc-status');
    new MutationObserver(() => window.lgcStatuses.push(status.innerText))
        .observe(status, {subtree: true, childList: true, characterData: true});
}"""


def _state(page) -> dict:
    return page.evaluate("""() => ({
        cloud: document.querySelector('img.lgc-cloud').src,
        stagnation: document.querySelector('img.lgc-stagnation').src,
        slice: document.querySelector('img.lgc-slice').src,
        sliceWidth: document.querySelector('img.lgc-slice').naturalWidth,
        status: document.querySelector('.lgc-status').innerText,
        classes: document.querySelector('.lgc-classes').innerText,
    })""")


def _type_into_slider(page, name: str, value: str, state: dict) -> dict:
    """Type ``value`` into the readout of the slider ``name``, as a student can, and
    wait for the answer."""
    page.locator(f".lgc-{name} .widget-readout").click()
    page.keyboard.press("Control+A")
    page.keyboard.type(value)
    page.keyboard.press("Enter")
    return _answered(page, state)


def _answered(page, before: dict) -> dict:
    """Wait until the status shows a new, finished answer; return the page's state."""
    page.wait_for_function(
        """before => {
            const s = document.querySelector('.lgc-status').innerText;
            const busy = document.querySelectorAll('.lgc-explorer :disabled').length > 0;
            return s !== before && !s.includes('Running') && !busy;
        }""", arg=before["status"], timeout=WAIT_MS)
    return _state(page)


def _no_error(page, state: dict) -> None:
    text = page.inner_text("body")
    assert "Could not run" not in state["status"] and "Traceback" not in text
    assert page.locator("[data-mime-type='application/vnd.jupyter.stderr']").count() == 0
    assert state["cloud"].startswith("blob:") and state["stagnation"].startswith("blob:")
    assert state["slice"].startswith("blob:")


def _batch_basins(state: dict) -> None:
    """The batch's mean nstag and lstag, in the status line and under the class table."""
    assert "batch at w = " in state["status"] and "nstag = " in state["status"]
    assert "lstag = " in state["status"]
    assert "Basins" in state["classes"] and "nstag" in state["classes"]


def test_app_in_chromium(app_url, page):
    """Widgets appear; problem, loss and a slider each redraw the cloud, the stagnation
    picture, the loss slice and the status."""
    start = time.monotonic()
    SHOTS.mkdir(parents=True, exist_ok=True)
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(app_url, timeout=WAIT_MS)
    page.wait_for_function(
        "() => (document.querySelector('.lgc-status') || {}).innerText?.includes('walks x')",
        timeout=WAIT_MS)
    state = _state(page)
    _no_error(page, state)
    assert state["status"].startswith("8 walks x 100 steps")  # the classroom defaults
    assert "share" in state["classes"] and "%" in state["classes"]
    _batch_basins(state)
    assert "slice" in page.inner_text("body") and "projected" in page.inner_text("body")
    page.wait_for_function("() => document.querySelector('img.lgc-slice').naturalWidth > 0",
                           timeout=WAIT_MS)  # the slice's PNG has loaded and decoded
    page.screenshot(path=SHOTS / "1-start-xor.png", full_page=True)
    page.evaluate(WATCH_STATUS)

    # the problem: a dropdown
    page.select_option(".lgc-problem select", "iris")
    new = _answered(page, state)
    assert new["status"] != state["status"]
    assert new["cloud"] != state["cloud"] and new["stagnation"] != state["stagnation"]
    assert new["slice"] != state["slice"]
    _no_error(page, new)
    _batch_basins(new)
    busy = page.evaluate("window.lgcStatuses")
    assert any("Running" in s for s in busy), busy  # the busy state reached the page
    page.screenshot(path=SHOTS / "2-iris.png", full_page=True)

    # the loss: toggle buttons
    state = new
    page.click(".lgc-loss button:has-text('CE')")
    new = _answered(page, state)
    assert new["cloud"] != state["cloud"] and new["stagnation"] != state["stagnation"]
    assert new["slice"] != state["slice"]
    _no_error(page, new)
    page.screenshot(path=SHOTS / "3-iris-ce.png", full_page=True)

    # a slider: type into the steps slider's readout, as a student can (fewer walks
    # would keep the first walk, so its stagnation picture, unchanged; fewer steps do not)
    state = new
    new = _type_into_slider(page, "steps", "60", state)
    assert new["status"].startswith("8 walks x 60 steps"), new["status"]
    assert new["cloud"] != state["cloud"] and new["stagnation"] != state["stagnation"]
    assert new["slice"] != state["slice"]
    _no_error(page, new)
    page.screenshot(path=SHOTS / "4-iris-ce-60-steps.png", full_page=True)

    # the window: only the stagnation picture and the basin numbers change; the walks
    # and so the cloud and the slice stay
    state = new
    new = _type_into_slider(page, "window", "14", state)
    assert "batch at w = 14" in new["status"], new["status"]
    assert new["stagnation"] != state["stagnation"]
    assert new["cloud"] == state["cloud"] and new["slice"] == state["slice"]
    _no_error(page, new)
    page.screenshot(path=SHOTS / "5-iris-ce-window-14.png", full_page=True)

    assert not errors or all("jupytext" in e.lower() or "shared module" in e for e in errors), \
        errors
    assert time.monotonic() - start < 120
