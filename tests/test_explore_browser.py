"""The explorer page in a real browser: headless Chromium driven by selenium.

The page is saved to a file and loaded with networking switched off. After k presses
of "next", what it shows (the highlighted edge, upstream gradient, local derivative,
contribution, the accumulator before and after, the greyed nodes) must be step k of
`trace_backward`, computed here in Python; every node stays where it was. A graph too
wide to read when fitted starts at actual size and scrolls so each step is in view; a
small one never scrolls. Screenshots go to build/ for people to look at.
"""

from __future__ import annotations

import random
import tempfile
from itertools import pairwise
from pathlib import Path

import pytest

from micrograd.engine import Value, topological_order
from micrograd.viz import explore, trace_backward

from helpers import CHROMEDRIVER, CHROMIUM, lecture_neuron, needs_chromium

pytestmark = needs_chromium

BUILD = Path(__file__).resolve().parent.parent / "build"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1600,1000",
)


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    with tempfile.TemporaryDirectory() as profile:
        options.add_argument(f"--user-data-dir={profile}")
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        try:
            yield driver
        finally:
            driver.quit()


def open_page(browser, root: Value, tmp_path: Path, **options):
    """Save the explorer of ``root`` and load it with the network off."""
    path = explore(root, **options).save(tmp_path / "backprop.html")
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0},
    )
    browser.get(Path(path).as_uri())
    return browser


def fork() -> Value:
    """f = (a + a*b) * a: a feeds three edges (the fork rule sums three contributions)."""
    a, b = Value(2.0, "a"), Value(-3.0, "b")
    c = a * b
    c.label = "c"
    d = a + c
    d.label = "d"
    f = d * a
    f.label = "f"
    return f


def scalar_mlp(sizes: tuple[int, ...] = (3, 8, 8, 1), seed: int = 1) -> Value:
    """(y - 0.5)**2 for a 3-8-8-1 tanh MLP written with scalar * + tanh: 328 Values."""
    rng = random.Random(seed)
    xs = [Value(rng.uniform(-1, 1)) for _ in range(sizes[0])]
    for nin, nout in pairwise(sizes):
        weights = [[Value(rng.uniform(-1, 1)) for _ in range(nin)] for _ in range(nout)]
        xs = [sum((w * x for w, x in zip(ws, xs)), Value(0.1)).tanh() for ws in weights]
    return (xs[0] - Value(0.5)) ** 2


def four(x: float) -> str:
    return f"{x:.4f}"


READ_PAGE = """
const root = document.querySelector('.mg-explore');
const exact = sel => Array.from(root.querySelectorAll('.mg-panel ' + sel)).map(
    e => [e.textContent, e.getAttribute('data-exact')]);
const label = g => g.querySelector('text').textContent;
const byName = {};
root.querySelectorAll('g.node').forEach(g => { byName[g.id] = g; });  // ids are dot's names
const values = Array.from(root.querySelectorAll('g.node')).filter(g => /^v\\d+$/.test(g.id));
const hotEdges = Array.from(root.querySelectorAll('g.edge.mg-hot')).map(g => {
    const [tail, head] = g.querySelector('title').textContent.split('->');
    const tailNode = byName[tail.split(':')[0]], headName = head.split(':')[0];
    return [label(tailNode), headName];
});
const boxes = {};
root.querySelectorAll('g.node').forEach(g => {
    const b = g.getBBox(); boxes[g.id] = [b.x, b.y, b.width, b.height];
});
return {
    counter: root.querySelector('.mg-counter').textContent,
    grad: exact('.mg-grad'), local: exact('.mg-local'),
    contribution: exact('.mg-contribution'), before: exact('.mg-before'),
    after: exact('.mg-after'), parts: exact('.mg-part'),
    hot: hotEdges,
    hotValues: values.filter(g => g.classList.contains('mg-hot')).map(label),
    muted: values.filter(g => g.classList.contains('mg-muted')).map(label),
    grads: Object.fromEntries(values.map(g => {
        const t = g.querySelectorAll('text'); return [label(g), t[t.length - 1].textContent];
    })),
    boxes: boxes,
    svgSize: [root.querySelector('svg').getAttribute('width'),
              root.querySelector('svg').getAttribute('height')],
    resources: performance.getEntriesByType('resource').length,
    info: root.querySelector('.mg-info').textContent,
};
"""


def click(browser, act: str) -> None:
    from selenium.webdriver.common.by import By

    browser.find_element(By.CSS_SELECTOR, f'.mg-explore button[data-act="{act}"]').click()


def op_label_of(browser, op_name: str) -> str:
    """The label of the Value an op node (``v3op``) produces."""
    return browser.execute_script(
        "return document.querySelector('.mg-explore g[id=\"' + arguments[0] + '\"] text')"
        ".textContent",
        op_name.removesuffix("op"),
    )


def check_every_step(browser, root: Value, shot: Path | None = None, shot_at: int = 0) -> None:
    steps = trace_backward(root)
    first = browser.execute_script(READ_PAGE)
    assert first["counter"] == f"step 0 / {len(steps)}"
    assert first["muted"] and root.label not in first["muted"]
    assert first["grads"][root.label] == "grad 1.0000"
    assert first["resources"] == 0  # nothing but the page itself was loaded
    for k, step in enumerate(steps, start=1):
        click(browser, "next")
        page = browser.execute_script(READ_PAGE)
        assert page["counter"] == f"step {k} / {len(steps)}"
        for name in ("grad", "local", "before", "after"):
            expected = getattr(step, name)
            ((text, exact),) = page[name]
            assert float(exact) == expected and text == four(expected), (k, name)
        for text, exact in page["contribution"]:
            assert float(exact) == step.contribution and text == four(step.contribution)
        # the highlighted edge goes from step.to into the op of step.node
        into = [h for h in page["hot"] if h[1].endswith("op")]
        assert [(t, op_label_of(browser, h)) for t, h in into] == [(step.to.label, step.node.label)]
        assert sorted(page["hotValues"]) == sorted({step.node.label, step.to.label})
        # the accumulator shows the running value; nodes the pass has not reached are grey
        assert page["grads"][step.to.label] == f"grad {four(step.after)}"
        reached = {root.label, *(s.to.label for s in steps[:k])}
        assert set(page["muted"]) == set(first["grads"]) - reached - set(page["hotValues"])
        # a fork shows the contributions it has summed so far
        into_to = [s.contribution for s in steps[:k] if s.to is step.to]
        if sum(s.to is step.to for s in steps) > 1:
            assert [float(e) for _, e in page["parts"]] == into_to
        else:
            assert page["parts"] == []
        assert page["boxes"] == first["boxes"] and page["svgSize"] == first["svgSize"]
        if shot is not None and k == shot_at:
            BUILD.mkdir(exist_ok=True)
            browser.find_element("css selector", ".mg-explore").screenshot(str(shot))
    # after the last step: the gradients of a fresh backward, checked against backward itself
    root.backward()
    final = browser.execute_script(READ_PAGE)
    leaves_and_nodes = {v.label: v for s in steps for v in (s.node, s.to)}
    for name, v in leaves_and_nodes.items():
        assert final["grads"][name] == f"grad {four(v.grad)}"


def test_forked_expression_step_by_step(browser, tmp_path):
    root = fork()
    open_page(browser, root, tmp_path)
    # step 5 adds the third contribution into a: the fork's sum is complete there
    check_every_step(browser, root, BUILD / "explore-fork-step5.png", shot_at=5)


def test_labels_that_look_like_html_keep_the_page_working(browser, tmp_path):
    root = fork()
    a, c = root._prev[0]._prev[0], root._prev[0]._prev[1]
    a.label, c.label = "<!--<script>", "</script> & >"
    open_page(browser, root, tmp_path)
    check_every_step(browser, root)


def test_lecture_neuron_step_by_step(browser, tmp_path):
    root = lecture_neuron()["o"]
    open_page(browser, root, tmp_path)
    steps = trace_backward(root)
    check_every_step(browser, root, BUILD / "explore-neuron-last.png", shot_at=len(steps))
    # by hand: do/dn = 1 - tanh(n)^2 = 0.5, so do/dx1 = 0.5 * w1 = -1.5, do/dw1 = 0.5 * x1 = 1
    page = browser.execute_script(READ_PAGE)
    assert page["grads"]["x1"] == "grad -1.5000" and page["grads"]["w1"] == "grad 1.0000"
    assert page["grads"]["x2"] == "grad 0.5000" and page["grads"]["w2"] == "grad 0.0000"


def test_keys_buttons_and_focus(browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    root = lecture_neuron()["o"]
    open_page(browser, root, tmp_path)
    count = len(trace_backward(root))
    BUILD.mkdir(exist_ok=True)
    browser.find_element(By.CSS_SELECTOR, ".mg-explore").screenshot(
        str(BUILD / "explore-neuron-step0.png")
    )
    widget = browser.find_element(By.CSS_SELECTOR, ".mg-explore")
    widget.send_keys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT)
    assert browser.execute_script(READ_PAGE)["counter"] == f"step 2 / {count}"
    widget.send_keys(Keys.ARROW_LEFT)
    assert browser.execute_script(READ_PAGE)["counter"] == f"step 1 / {count}"
    widget.send_keys(Keys.END)
    assert browser.execute_script(READ_PAGE)["counter"] == f"step {count} / {count}"
    widget.send_keys(Keys.HOME)
    assert browser.execute_script(READ_PAGE)["counter"] == f"step 0 / {count}"
    click(browser, "last")
    click(browser, "first")
    assert browser.execute_script(READ_PAGE)["counter"] == f"step 0 / {count}"
    # tabbing to a Value shows its full-precision data and gradient
    b = root._prev[0]._prev[1]
    assert b.label == "b"
    widget.send_keys(Keys.END)
    browser.execute_script(
        "Array.from(document.querySelectorAll('.mg-explore g.node')).find("
        "g => g.querySelector('text').textContent === 'b').focus()"
    )
    info = browser.execute_script(READ_PAGE)["info"]
    root.backward()
    assert abs(b.grad - 0.5) < 1e-12  # 1 - tanh(n)^2 = 1/2, to rounding
    assert f"data {b.data!r}" in info and f"grad {b.grad!r}" in info  # every digit


def test_forward_view_shows_values_in_topological_order(browser, tmp_path):
    from selenium.webdriver.common.by import By

    root = fork()
    open_page(browser, root, tmp_path)
    browser.find_element(By.CSS_SELECTOR, '.mg-explore button[data-mode="forward"]').click()
    order = list(reversed(topological_order(root)))  # every Value after its inputs
    datas = (
        "return Object.fromEntries(Array.from(document.querySelectorAll('.mg-explore g.node'))"
        ".filter(g => /^v\\d+$/.test(g.id)).map(g => {const t = g.querySelectorAll('text');"
        " return [t[0].textContent, t[t.length - 2].textContent];}))"
    )
    shown = browser.execute_script(datas)
    assert shown == {
        "a": "data 2.0000",
        "b": "data -3.0000",
        "c": "data ?",
        "d": "data ?",
        "f": "data ?",
    }
    for k, v in enumerate(order, start=1):
        click(browser, "next")
        shown = browser.execute_script(datas)
        assert shown[v.label] == f"data {four(v.data)}"
        assert [u.label for u in order[k:] if shown[u.label] != "data ?"] == []
        panel = browser.find_element(By.CSS_SELECTOR, ".mg-explore .mg-panel").text
        assert panel.startswith(f"{v.label} = {v._op}(")


VIEW = """
const box = document.querySelector('.mg-explore .mg-graph'), v = box.getBoundingClientRect();
const x = v.left + box.clientLeft, y = v.top + box.clientTop;  // the box's visible corner
const rect = g => {
    const r = g.getBoundingClientRect(); return [r.left - x, r.top - y, r.right - x, r.bottom - y];
};
const ends = g => g.querySelector('title').textContent.split('->').map(e => e.split(':')[0]);
// the highlighted edge into an op (the other goes from the op to its output)
const hot = Array.from(box.querySelectorAll('g.edge.mg-hot')).filter(g => /op$/.test(ends(g)[1]));
return {
    counter: document.querySelector('.mg-explore .mg-counter').textContent,
    actual: box.classList.contains('mg-actual'),
    scroll: [box.scrollLeft, box.scrollTop],
    size: [box.clientWidth, box.clientHeight],
    edges: hot.map(rect),
    receiving: hot.map(g => rect(box.querySelector('g.node[id="' + ends(g)[0] + '"]'))),
    values: Array.from(box.querySelectorAll('g.node.mg-hot'))
        .filter(g => /^v\\d+$/.test(g.id)).map(rect),
    textScale: box.querySelector('svg').getBoundingClientRect().width
        / box.querySelector('svg').width.baseVal.value,
};
"""


def inside(rect: list[float], size: list[float], moved: tuple[float, float] = (0, 0)) -> bool:
    """Whether ``rect`` lies in the box's visible area, or did before a scroll by ``moved``."""
    left, top, right, bottom = rect
    dx, dy = moved
    return left + dx >= 0 and right + dx <= size[0] and top + dy >= 0 and bottom + dy <= size[1]


def fit_together(rects: list[list[float]], size: list[float]) -> bool:
    """Whether the box is large enough to show all of ``rects`` at once."""
    width = max(r[2] for r in rects) - min(r[0] for r in rects)
    height = max(r[3] for r in rects) - min(r[1] for r in rects)
    return width <= size[0] and height <= size[1]


def check_step_in_view(page: dict, before: dict | None = None) -> None:
    """The Value receiving the contribution is in view, and so is its edge if the box can
    show both; the view moved only if they were not in view already."""
    ((edge,), (value,)) = page["edges"], page["receiving"]
    size = page["size"]
    shown = [value, edge] if fit_together([value, edge], size) else [value]
    assert all(inside(r, size) for r in shown), (page["counter"], shown, size)
    if before is not None:
        moved = (page["scroll"][0] - before["scroll"][0], page["scroll"][1] - before["scroll"][1])
        if all(inside(r, size, moved) for r in shown):
            assert moved == (0, 0), page["counter"]


def test_large_graph_starts_at_actual_size_and_follows_each_step(browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    root = scalar_mlp()
    leaves = {p for v in topological_order(root) for p in v._prev if not p._prev}
    assert len(topological_order(root)) + len(leaves) == 328
    steps = trace_backward(root)
    open_page(browser, root, tmp_path)
    page = browser.execute_script(VIEW)
    # fitting 14,500 pixels into 1,600 would shrink the text to a tenth: actual size instead
    assert page["actual"] and page["textScale"] == pytest.approx(1, abs=1e-3)
    widget = browser.find_element(By.CSS_SELECTOR, ".mg-explore")
    moves = 0
    for k in range(1, 41):  # step by step: the view moves only when it must
        widget.send_keys(Keys.ARROW_RIGHT)
        before, page = page, browser.execute_script(VIEW)
        assert page["counter"] == f"step {k} / {len(steps)}"
        check_step_in_view(page, before)
        moves += page["scroll"] != before["scroll"]
    assert 0 < moves < 40
    far = ((Keys.ARROW_RIGHT * 110, 150), (Keys.END, len(steps)), (Keys.LEFT, len(steps) - 1))
    for keys, k in far:  # far from the start, in one go
        widget.send_keys(keys)
        page = browser.execute_script(VIEW)
        assert page["counter"] == f"step {k} / {len(steps)}"
        check_step_in_view(page)
        if k == 150:
            BUILD.mkdir(exist_ok=True)
            widget.screenshot(str(BUILD / "explore-large-step150.png"))
    # the forward view follows the Value being computed
    browser.find_element(By.CSS_SELECTOR, '.mg-explore button[data-mode="forward"]').click()
    for presses in (1, 60):
        widget.send_keys(Keys.ARROW_RIGHT * presses)
        page = browser.execute_script(VIEW)
        (value,) = page["values"]
        assert inside(value, page["size"]), page["counter"]
    # the zoom button still toggles back to fitting the width
    click(browser, "zoom")
    page = browser.execute_script(VIEW)
    assert not page["actual"] and page["textScale"] < 0.2


def test_small_graph_never_scrolls(browser, tmp_path):
    from selenium.webdriver.common.by import By

    root = lecture_neuron()["o"]
    open_page(browser, root, tmp_path)
    page = browser.execute_script(VIEW)
    assert not page["actual"] and 0.5 < page["textScale"] < 1  # fitted, and legible so
    for mode in ("backward", "forward"):
        browser.find_element(By.CSS_SELECTOR, f'.mg-explore button[data-mode="{mode}"]').click()
        for _ in range(len(trace_backward(root))):
            click(browser, "next")
            assert browser.execute_script(VIEW)["scroll"] == [0, 0]
    # at actual size the neuron is wider than the box: each step still comes into view,
    # and the view moves only when a step is out of it
    browser.find_element(By.CSS_SELECTOR, '.mg-explore button[data-mode="backward"]').click()
    click(browser, "zoom")
    page = browser.execute_script(VIEW)
    assert page["actual"] and page["textScale"] == pytest.approx(1, abs=1e-3)
    for _ in range(len(trace_backward(root))):
        click(browser, "next")
        before, page = page, browser.execute_script(VIEW)
        check_step_in_view(page, before)
