"""What several test modules share: optional dependencies, reference functions, closeness.

Tests that need PyTorch, Graphviz's ``dot`` or a headless Chromium carry ``@needs_torch`` /
``@needs_dot`` / ``@needs_chromium`` and skip, one by one, when it is missing; every other
test in the module still runs.
"""

from __future__ import annotations

import contextlib
import json
import math
import shutil
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot is not installed"
)

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
try:
    import selenium
except ImportError:
    selenium = None
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None or selenium is None,
    reason="the browser tests need chromium, chromedriver and selenium",
)
# headless, and quiet: no requests of the browser's own (updates, sync, QUIC probes)
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@contextlib.contextmanager
def chromium(*flags: str) -> Iterator[Any]:
    """A headless Chromium driven by selenium, with a fresh profile, its console logged,
    and ``flags`` besides `CHROMIUM_FLAGS`; quit on leaving."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*CHROMIUM_FLAGS, *flags):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    with tempfile.TemporaryDirectory() as profile:
        options.add_argument(f"--user-data-dir={profile}")
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        try:
            yield driver
        finally:
            driver.quit()


def tensor(x: Any) -> Any:
    """A float64 torch tensor that requires grad (a number gives a 0-dim tensor)."""
    return torch.tensor(x, dtype=torch.float64, requires_grad=True)


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def central_difference(f: Callable[[float], float], x: float, h: float = 1e-6) -> float:
    """(f(x + s) - f(x - s)) / 2s, with the step s = h scaled to the size of x."""
    step = h * max(1.0, abs(x))
    return (f(x + step) - f(x - step)) / (2 * step)


def close(a: float, b: float, rel: float = 1e-9, abs_: float = 1e-9) -> bool:
    """Whether a and b agree to a relative ``rel`` or an absolute ``abs_`` tolerance."""
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def lecture_neuron() -> dict[str, Any]:
    """The lecture's neuron o = tanh(x1 w1 + x2 w2 + b) at x1=2, x2=0, w1=-3, w2=1,
    b=6.8813735870195432, each Value labelled as in the lecture, by name."""
    from micrograd import Value

    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    x1w1, x2w2 = x1 * w1, x2 * w2
    x1w1.label, x2w2.label = "x1*w1", "x2*w2"
    s = x1w1 + x2w2
    s.label = "x1*w1 + x2*w2"
    n = s + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return dict(x1=x1, x2=x2, w1=w1, w2=w2, b=b, x1w1=x1w1, x2w2=x2w2, s=s, n=n, o=o)


def page_data(page: Any) -> dict[str, Any]:
    """The JSON an explorer page's script reads."""
    text = page.fragment.split('class="mg-data">', 1)[1].split("</script>", 1)[0]
    data: dict[str, Any] = json.loads(text)
    return data
