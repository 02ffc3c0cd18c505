"""The documentation site in a real browser: built once, served on loopback, opened in Chromium.

The site is built with ``mkdocs build --strict`` (a warning fails the build) into a
temporary folder and served by a local http.server. The guide pages and the notebooks
(with their stored outputs) must load, the formulas must be typeset, and the explorers
and the training replay the guides embed in iframes must register themselves
(``window.micrograd.explorers`` / ``window.micrograd.replays``) and step when asked.
No other host resolves (a notebook's widget loader asks for one): nothing leaves the
machine, and the formulas are typeset by the site's own copy of MathJax.
Screenshots of the pages with live frames go to build/ for people to look at.
"""

from __future__ import annotations

import functools
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from helpers import chromium, needs_chromium

pytestmark = needs_chromium

REPO = Path(__file__).resolve().parent.parent
BUILD = REPO / "build"
LOOPBACK_ONLY = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"

# page: (its heading, how many explorers it embeds, how many replays)
GUIDE = {
    "getting-started.html": ("Getting started", 1, 0),
    "guide/values-and-graphs.html": ("Values and graphs", 1, 0),
    "guide/chain-rule.html": ("The chain rule and the fork rule", 1, 0),
    "guide/backprop.html": ("Backprop step by step", 1, 0),
    "guide/forward-mode.html": ("Forward mode with dual numbers", 0, 0),
    "guide/training.html": ("Neurons, MLPs and training", 1, 1),
    "guide/backprop-as-code.html": ("Backprop as code", 0, 0),
    "guide/own-ops.html": ("Declaring your own ops", 0, 0),
    "micrograd.html": ("Coming from micrograd", 0, 0),
    "notebooks.html": ("About the notebooks", 0, 0),
    "speed.html": ("Speed and memory", 0, 0),
    "how-it-works.html": ("How it works", 0, 0),
}


NOTEBOOKS = sorted(path.stem for path in (REPO / "notebooks").glob("*.ipynb"))

# a formula left as TeX: what MathJax leaves when it did not run
UNTYPESET = """
const inline = Array.from(document.querySelectorAll('.arithmatex'))
    .filter(e => !e.querySelector('mjx-container')).length;
const cells = Array.from(document.querySelectorAll('.jp-RenderedMarkdown'))
    .filter(e => e.textContent.includes('$')).length;
return inline + cells;
"""


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves files without logging each request to stderr."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def site() -> Iterator[str]:
    """The site built from this checkout, served on loopback: yields its base URL."""
    with tempfile.TemporaryDirectory() as folder:
        built = subprocess.run(
            [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", folder],
            cwd=REPO,
            capture_output=True,
            text=True,
        )
        assert built.returncode == 0, built.stderr
        handler = functools.partial(QuietHandler, directory=folder)
        with ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            try:
                yield f"http://127.0.0.1:{server.server_address[1]}/"
            finally:
                server.shutdown()


@pytest.fixture(scope="module")
def browser():
    with chromium(LOOPBACK_ONLY, "--window-size=1400,1000") as driver:
        yield driver


def open_page(browser, site: str, page: str, width: int = 1400):
    """Load ``page`` of the site in a window ``width`` wide; only loopback is reachable."""
    browser.set_window_size(width, 1000)
    browser.get_log("browser")  # forget what earlier pages logged
    browser.get(site + page)
    return browser


def page_errors(browser, site: str) -> list[str]:
    """Severe console messages, except for the failed requests to other hosts."""
    return [
        entry["message"]
        for entry in browser.get_log("browser")
        if entry["level"] == "SEVERE"
        and not (entry["message"].startswith("http") and not entry["message"].startswith(site))
    ]


def frames(browser, kind: str) -> list[Any]:
    from selenium.webdriver.common.by import By

    return browser.find_elements(By.CSS_SELECTOR, f"iframe.live.{kind}")


def registered(browser, kind: str) -> int:
    """How many explorers or replays the current frame has registered, once it has any."""
    from selenium.webdriver.support.ui import WebDriverWait

    script = f"return ((window.micrograd || {{}}).{kind} || []).length"
    WebDriverWait(browser, 10).until(lambda b: b.execute_script(script) > 0)
    return browser.execute_script(script)


def screenshot(browser, name: str) -> None:
    """The whole page, to build/NAME."""
    BUILD.mkdir(exist_ok=True)
    width = browser.execute_script("return window.outerWidth")
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(width, height + 140)
    browser.save_screenshot(str(BUILD / name))


@pytest.mark.parametrize("page", GUIDE)
def test_guide_page_loads_with_its_live_frames(browser, site, page):
    from selenium.webdriver.common.by import By

    heading, explorers, replays = GUIDE[page]
    open_page(browser, site, page)
    assert browser.find_element(By.CSS_SELECTOR, "article h1").text == heading
    assert (len(frames(browser, "explorer")), len(frames(browser, "replay"))) == (
        explorers,
        replays,
    )
    # an explorer takes the keyboard on a page of its own, but not from the text around it
    assert browser.execute_script("return document.activeElement.tagName") == "BODY"
    assert page_errors(browser, site) == []


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_notebook_page_loads_with_its_outputs(browser, site, notebook):
    from selenium.webdriver.common.by import By

    open_page(browser, site, f"notebooks/{notebook}.html")
    assert browser.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-MarkdownCell")
    assert browser.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-OutputArea-output")
    assert page_errors(browser, site) == []


@pytest.mark.parametrize(
    "page", ["guide/backprop.html", "notebooks/03_forward_mode_dual_numbers.html"]
)
def test_formulas_are_typeset_without_network(browser, site, page):
    from selenium.webdriver.support.ui import WebDriverWait

    open_page(browser, site, page)
    WebDriverWait(browser, 10).until(lambda b: b.execute_script(UNTYPESET) == 0)


@pytest.mark.parametrize("width", [1000, 1400])
def test_embedded_replay_registers_and_steps(browser, site, width):
    open_page(browser, site, "guide/training.html", width)
    (frame,) = frames(browser, "replay")
    browser.switch_to.frame(frame)
    try:
        assert registered(browser, "replays") == 1
        shown = browser.execute_script(
            "const r = window.micrograd.replays[0]; r.step(37);"
            "return {steps: r.steps, step: r.element.querySelector('.mg-step').textContent,"
            " slider: r.element.querySelector('.mg-slider').value};"
        )
    finally:
        browser.switch_to.default_content()
    assert shown == {"steps": 60, "step": "37", "slider": "37"}
    screenshot(browser, f"docs-training-{width}.png")


@pytest.mark.parametrize("page", [page for page, (_, count, _) in GUIDE.items() if count])
def test_embedded_explorer_registers_and_steps(browser, site, page):
    open_page(browser, site, page)
    for frame in frames(browser, "explorer"):
        browser.switch_to.frame(frame)
        try:
            assert registered(browser, "explorers") == 1
            steps = browser.execute_script("return window.micrograd.explorers[0].steps")
            assert steps >= 2
            for k in (1, steps, 0):
                counter = browser.execute_script(
                    "const e = window.micrograd.explorers[0]; e.step(arguments[0]);"
                    "return e.element.querySelector('.mg-counter').textContent;",
                    k,
                )
                assert counter.startswith(f"step {k} / "), (k, counter)
        finally:
            browser.switch_to.default_content()


@pytest.mark.parametrize("width", [1000, 1400])
def test_screenshots_of_the_worked_example(browser, site, width):
    from selenium.webdriver.common.by import By

    open_page(browser, site, "guide/backprop.html", width)
    (frame,) = frames(browser, "explorer")
    browser.switch_to.frame(frame)
    try:
        for _ in range(6):
            browser.find_element(By.CSS_SELECTOR, 'button[data-act="next"]').click()
    finally:
        browser.switch_to.default_content()
    screenshot(browser, f"docs-backprop-{width}.png")
