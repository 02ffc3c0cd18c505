"""The explorer page in a real browser: headless Chromium driven by selenium.

The page is saved to a file and loaded with networking switched off. After k presses
of "next", what it shows (the highlighted edge and op cell, upstream gradient, local
derivative with its formula, contribution, the accumulator before and after, the greyed
boxes) must be step k of `trace_backward`, computed here in Python; every box stays
where it was. The page's own API (``window.micrograd.explorers``) must give the values
and gradients of the Python engine. Screenshots of every view at 1000 and 1400 px go to
build/ for people to look at.
"""

from __future__ import annotations

import random
import re
import statistics
from itertools import pairwise
from pathlib import Path

import pytest

from micrograd.engine import Value, constant, is_constant, topological_order
from micrograd.names import graph_names, reading_order
from micrograd.viz import explore, trace_backward

from helpers import chromium, lecture_neuron, needs_chromium, page_data

pytestmark = needs_chromium

BUILD = Path(__file__).resolve().parent.parent / "build"
API = "window.micrograd.explorers[0]"


@pytest.fixture(scope="module")
def browser():
    with chromium("--hide-scrollbars") as driver:
        yield driver


def open_page(browser, root: Value, tmp_path: Path, width: int = 1400, **options):
    """Save the explorer of ``root`` and load it, the network off, in a window ``width``
    pixels wide and 900 high."""
    path = explore(root, **options).save(tmp_path / "backprop.html")
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False},
    )
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0},
    )
    browser.get(Path(path).as_uri())
    return browser


def shot(browser, name: str) -> None:
    BUILD.mkdir(exist_ok=True)
    browser.save_screenshot(str(BUILD / f"explore-{name}.png"))


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


def mlp_loss() -> tuple[Value, object]:
    """The mse loss of MLP(2, [4, 4, 1]) on 4 points, and the model."""
    from micrograd.losses import mse
    from micrograd.nn import MLP

    random.seed(0)
    model = MLP(2, [4, 4, 1], activation="tanh")
    xs = [[2.0, 3.0], [3.0, -1.0], [0.5, 1.0], [1.0, 1.0]]
    return mse([model(x) for x in xs], [1.0, -1.0, -1.0, 1.0]), model


def four(x: float) -> str:
    return f"{x:.4f}"


READ_PAGE = """
const root = document.querySelector('.mg-explore');
const svg = Array.from(root.querySelectorAll('svg')).find(s => s.style.display !== 'none');
const data = JSON.parse(root.querySelector('script.mg-data').textContent);
const level = data.levels[svg.dataset.level];
const name = id => data.values[id] ? data.values[id].name
    : data.ops[id] ? 'op of ' + data.values[id.slice(0, -2)].name : level.units[id].name;
const exact = sel => Array.from(root.querySelectorAll('.mg-panel ' + sel)).map(
    e => [e.textContent, e.getAttribute('data-exact')]);
const all = Array.from(svg.querySelectorAll('g.mg-value'));
const values = all.filter(g => !g.classList.contains('mg-constant'));
const text = g => g.querySelector('text.mg-label').textContent;
// a constant by its name ("t" of a box that says "t = 0.25")
const label = g => g.classList.contains('mg-constant') ? data.values[g.dataset.id].name : text(g);
const boxes = {};
svg.querySelectorAll('g.mg-value, g.mg-op, g.mg-unit').forEach(g => {
    const b = g.getBBox(), m = g.getCTM(); boxes[g.dataset.id] = [m.e, m.f, b.width, b.height];
});
return {
    counter: root.querySelector('.mg-counter').textContent,
    grad: exact('.mg-grad'), local: exact('.mg-local'),
    contribution: exact('.mg-contribution'), before: exact('.mg-before'),
    after: exact('.mg-after'), parts: exact('.mg-part'),
    formula: Array.from(root.querySelectorAll('.mg-panel .mg-formula, .mg-panel .mg-numbers'))
        .map(e => e.textContent),
    panel: root.querySelector('.mg-panel').textContent,
    hot: Array.from(svg.querySelectorAll('g.mg-edge.mg-hot')).map(g => {
        const e = level.edges.find(e => e.id === g.dataset.id);
        return [name(e.from), name(e.to)];
    }),
    cells: Array.from(svg.querySelectorAll('g.mg-cell.mg-hot')).map(c => [
        data.values[c.parentNode.dataset.id.slice(0, -2)].name, Number(c.dataset.slot),
        c.querySelector('text').textContent]),
    hotValues: all.filter(g => g.classList.contains('mg-hot')).map(label),
    muted: all.filter(g => g.classList.contains('mg-muted')).map(label),
    shown: all.map(label),
    constants: all.filter(g => !values.includes(g)).map(g => [text(g),
        g.querySelectorAll('text').length, g.querySelector('rect').getBBox().height]),
    grads: Object.fromEntries(values.map(g => {
        const t = g.querySelectorAll('text'); return [label(g), t[t.length - 1].textContent];
    })),
    datas: Object.fromEntries(values.map(g => {
        const t = g.querySelectorAll('text'); return [label(g), t[1].textContent];
    })),
    boxes: boxes,
    resources: performance.getEntriesByType('resource').length,
    info: root.querySelector('.mg-info').textContent,
};
"""


def click(browser, act: str) -> None:
    from selenium.webdriver.common.by import By

    browser.find_element(By.CSS_SELECTOR, f'.mg-explore button[data-act="{act}"]').click()


def check_every_step(browser, root: Value, shots: dict[int, str] | None = None) -> None:
    """Step through every step of ``root``'s backward pass in the page, each checked
    against `trace_backward`; Values are called by the names every view shares."""
    steps = trace_backward(root)
    names = graph_names(root).shown
    first = browser.execute_script(READ_PAGE)
    assert first["counter"] == f"step 0 / {len(steps)}"
    assert first["muted"] and names[root] not in first["muted"]
    assert first["grads"][names[root]] == "grad 1.0000"
    assert first["resources"] == 0  # nothing but the page itself was loaded
    assert first["cells"] == [] and first["hot"] == []
    for k, step in enumerate(steps, start=1):
        click(browser, "next")
        page = browser.execute_script(READ_PAGE)
        assert page["counter"] == f"step {k} / {len(steps)}"
        for name in ("grad", "before", "after"):
            expected = getattr(step, name)
            ((text, exact),) = page[name]
            assert float(exact) == expected and text == four(expected), (k, name)
        for text, exact in page["local"]:
            assert float(exact) == step.local and text == four(step.local)
        for text, exact in page["contribution"]:
            assert float(exact) == step.contribution and text == four(step.contribution)
        # the highlighted edge goes from step.to into the op of step.node; only the cell
        # of that input is highlighted, and it holds the local derivative
        into = [h for h in page["hot"] if h[1].startswith("op of")]
        assert into == [[step.to_name, f"op of {step.node_name}"]]
        assert page["cells"] == [[step.node_name, step.slot, four(step.local)]]
        assert sorted(page["hotValues"]) == sorted({step.node_name, step.to_name})
        # the accumulator shows the running value (a constant's box shows none); boxes
        # the pass has not reached are grey
        if is_constant(step.to):
            assert step.to_name not in page["grads"]
        else:
            assert page["grads"][step.to_name] == f"grad {four(step.after)}"
        reached = {names[root], *(s.to_name for s in steps[:k])}
        assert set(page["muted"]) == set(first["shown"]) - reached - set(page["hotValues"])
        # a fork shows the contributions it has summed so far
        into_to = [s.contribution for s in steps[:k] if s.to is step.to]
        if sum(s.to is step.to for s in steps) > 1:
            assert [float(e) for _, e in page["parts"]] == into_to
        else:
            assert page["parts"] == []
        assert page["boxes"] == first["boxes"]  # nothing moves
        api = browser.execute_script(f"return {API}.value(arguments[0])", step.to_name)
        assert api == {"data": step.to.data, "grad": step.after}
        if shots and k in shots:
            shot(browser, shots[k])
    # after the last step: the gradients of a fresh backward, checked against backward itself
    root.backward()
    final = browser.execute_script(READ_PAGE)
    for v in {v for s in steps for v in (s.node, s.to)}:
        if not is_constant(v):
            assert final["grads"][names[v]] == f"grad {four(v.grad)}"
        api = browser.execute_script(f"return {API}.value(arguments[0])", names[v])
        assert api == {"data": v.data, "grad": v.grad}


def test_forked_expression_step_by_step(browser, tmp_path):
    root = fork()
    open_page(browser, root, tmp_path)
    # step 5 adds the third contribution into a: the fork's sum is complete there
    check_every_step(browser, root, {5: "fork-step5-1400"})
    browser.execute_script(f"{API}.step(5)")
    panel = browser.execute_script(READ_PAGE)["panel"]
    # f = (a + ab) a: df/da = (a + ab) + a (1 + b) * ... summed as three contributions
    assert "fork: a feeds 3 edges" in panel and "(all 3)" in panel


def with_constants(t: float = 0.25) -> Value:
    """f = (tanh(x * 2 + 0.5) * y - 3) * (x ** 2 + 2 ** y + t): the constants 2.0, 0.5 and
    3.0 are Values (x ** 2 has its exponent in its op, 2 ** y its base), and so is t, a
    labelled constant (0.25 unless given)."""
    x, y = Value(0.75, "x"), Value(-1.5, "y")
    t = constant(t)
    t.label = "t"
    f = ((x * 2.0 + 0.5).tanh() * y - 3.0) * (x**2 + 2.0**y + t)
    f.label = "f"
    return f


@pytest.mark.parametrize("width", [1000, 1400])
def test_constants_are_drawn_as_numbers_and_stepped_as_the_engine_does(browser, tmp_path, width):
    root = with_constants()
    open_page(browser, root, tmp_path, width)
    page = browser.execute_script(READ_PAGE)
    # each constant is its shared name (its number; a labelled one "t = 0.25") in a box
    # of one line: no data or grad
    names = graph_names(root).shown
    constants = {v for s in trace_backward(root) for v in (s.to,) if is_constant(v)}
    assert sorted(c[0] for c in page["constants"]) == sorted(
        names[v] if not v.label else f"{names[v]} = {v.data:g}" for v in constants
    )
    assert sorted(names[v] for v in constants) == ["0.5", "2.0", "3.0", "t"]
    assert all(texts == 1 and height < 30 for _, texts, height in page["constants"])
    shot(browser, f"constants-step0-{width}")
    # the engine's walk adds into a constant's accumulator as into any input's: the page
    # steps into it as trace_backward does, and says what it is
    steps = trace_backward(root)
    k = next(k for k, s in enumerate(steps, start=1) if is_constant(s.to))
    browser.execute_script(f"{API}.step(arguments[0])", k)
    panel = browser.execute_script(READ_PAGE)["panel"]
    assert "(a constant: the engine adds up its gradient too, but nothing uses it)" in panel
    shot(browser, f"constants-step{k}-{width}")
    browser.execute_script(f"{API}.step(0)")
    check_every_step(browser, root)
    # a number in the expression is not to be edited; a labelled constant (an input given
    # as a number, as a network labels it) is, and its box says its new number as
    # Python's format(x, "g") does
    error = browser.execute_script(
        f"try {{ {API}.set('2.0', 3); }} catch (e) {{ return e.message; }}"
    )
    assert error.startswith("2.0 is a number in the expression: only a leaf's data can be")
    for x in (1e-5, 123456789.0, -2.5, 0.1, 1.0):
        browser.execute_script(f"{API}.set('t', arguments[0]); {API}.step({API}.steps)", x)
        texts = [c[0] for c in browser.execute_script(READ_PAGE)["constants"]]
        assert f"t = {x:g}" in texts, (x, texts)
        expected = with_constants(x)
        expected.backward()
        shown = browser.execute_script(f"return {API}.value('f')")
        assert close(shown["data"], expected.data) and close(shown["grad"], 1.0)
        for leaf in reading_order(expected):
            if not is_constant(leaf):
                shown = browser.execute_script(f"return {API}.value(arguments[0])", leaf.label)
                assert close(shown["grad"], leaf.grad), (x, leaf.label)


def test_labels_that_look_like_html_keep_the_page_working(browser, tmp_path):
    root = fork()
    a, c = root._prev[0]._prev[0], root._prev[0]._prev[1]
    a.label, c.label = "<!--<script>", "</script> & >"
    open_page(browser, root, tmp_path)
    check_every_step(browser, root)


@pytest.mark.parametrize("width", [1000, 1400])
def test_lecture_neuron_step_by_step(browser, tmp_path, width):
    root = lecture_neuron()["o"]
    open_page(browser, root, tmp_path, width)
    shot(browser, f"neuron-step0-{width}")
    check_every_step(browser, root, {1: f"neuron-step1-{width}", 4: f"neuron-step4-{width}"})
    # by hand: do/dn = 1 - tanh(n)^2 = 0.5, so do/dx1 = 0.5 * w1 = -1.5, do/dw1 = 0.5 * x1 = 1
    page = browser.execute_script(READ_PAGE)
    assert page["grads"]["x1"] == "grad -1.5000" and page["grads"]["w1"] == "grad 1.0000"
    assert page["grads"]["x2"] == "grad 0.5000" and page["grads"]["w2"] == "grad 0.0000"


def test_a_tanh_step_shows_its_formula_with_numbers(browser, tmp_path):
    root = lecture_neuron()["o"]
    open_page(browser, root, tmp_path)
    browser.execute_script(f"{API}.step(1)")
    page = browser.execute_script(READ_PAGE)
    # o = tanh(n) = 1/sqrt 2 = 0.7071; d o / d n = 1 - o^2 = 1 - 0.5 = 0.5
    assert page["formula"] == ["1.0 - out * out", "1.0 - 0.7071 * 0.7071"]
    assert "d out / d x = 1.0 - out * out = 1.0 - 0.7071 * 0.7071 = 0.5000" in page["panel"]
    g = lecture_neuron()
    # x1*w1 back to x1: d (a*b) / d a = b, which is w1 = -3
    k = next(
        k
        for k, s in enumerate(trace_backward(root), start=1)
        if (s.node.label, s.to.label) == ("x1*w1", "x1")
    )
    browser.execute_script(f"{API}.step(arguments[0])", k)
    page = browser.execute_script(READ_PAGE)
    assert "d out / d a = b = -3.0000 (out = x1*w1, a = x1)" in page["panel"]
    assert page["formula"] == ["b"] and g["w1"].data == -3.0


def test_keys_work_at_once_and_buttons_and_focus(browser, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    root = lecture_neuron()["o"]
    open_page(browser, root, tmp_path)
    count = len(trace_backward(root))
    # no click first: the keys go to the explorer as soon as the page is open
    ActionChains(browser).send_keys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT).perform()
    assert browser.execute_script(READ_PAGE)["counter"] == f"step 2 / {count}"
    ActionChains(browser).send_keys(Keys.ARROW_LEFT).perform()
    assert browser.execute_script(READ_PAGE)["counter"] == f"step 1 / {count}"
    widget = browser.find_element(By.CSS_SELECTOR, ".mg-explore")
    widget.send_keys(Keys.END)
    assert browser.execute_script(READ_PAGE)["counter"] == f"step {count} / {count}"
    widget.send_keys(Keys.HOME)
    assert browser.execute_script(READ_PAGE)["counter"] == f"step 0 / {count}"
    click(browser, "last")
    click(browser, "first")
    assert browser.execute_script(READ_PAGE)["counter"] == f"step 0 / {count}"
    # focusing a Value shows its name, full-precision data and gradient
    b = root._prev[0]._prev[1]
    assert b.label == "b"
    widget.send_keys(Keys.END)
    browser.execute_script(
        "Array.from(document.querySelectorAll('.mg-explore g.mg-value')).find("
        "g => g.querySelector('text').textContent === 'b').focus()"
    )
    info = browser.execute_script(READ_PAGE)["info"]
    root.backward()
    assert abs(b.grad - 0.5) < 1e-12  # 1 - tanh(n)^2 = 1/2, to rounding
    assert info.startswith("b ") and f"data {b.data!r}" in info and f"grad {b.grad!r}" in info


TITLES = (
    "return Array.from(Array.from(document.querySelectorAll('.mg-explore svg'))"
    ".filter(s => s.style.display !== 'none')[0].querySelectorAll('title'))"
)


def test_tooltips_name_values_not_ids(browser, tmp_path):
    root, model = mlp_loss()
    open_page(browser, root, tmp_path, max_nodes=None)
    w = model.layers[0].neurons[1].w[0]
    # a word like v12 is a Value's stable id only where a Value is shown by it; the
    # page's own ids of boxes and edges (v12, v12op, e12_0) are never shown
    names = [v["name"] for v in page_data(explore(root, max_nodes=None))["values"].values()]
    stable_ids = {name for name in names if re.fullmatch(r"v\d+", name)}
    assert stable_ids  # the loss's sums of four terms are too long to write out
    for level in ("neurons", "values"):
        browser.execute_script(f"{API}.level(arguments[0])", level)
        titles = browser.execute_script(TITLES + ".map(t => t.textContent)")
        assert len(titles) > 100
        for title in titles:
            ids = {w for w in re.findall(r"\w+", title) if re.fullmatch(r"[ve]\d+\w*", w)}
            assert ids <= stable_ids, title
        # the parameters are named as in state_dict: layers.0.neurons.1.w.0 is L0.n1.w0;
        # at neuron level it rides on the edge from input x0 into the neuron
        if level == "neurons":
            assert f"x0 → L0.n1 [1], weight L0.n1.w0 = {w.data:.4f}" in titles
        else:
            assert f"L0.n1.w0\ndata {w.data!r}\ngrad 0.0" in titles


def test_forward_view_shows_values_in_topological_order(browser, tmp_path):
    from selenium.webdriver.common.by import By

    root = fork()
    open_page(browser, root, tmp_path)
    browser.find_element(By.CSS_SELECTOR, '.mg-explore button[data-mode="forward"]').click()
    order = list(reversed(topological_order(root)))  # every Value after its inputs
    shown = browser.execute_script(READ_PAGE)["datas"]
    assert shown == {
        "a": "data 2.0000",
        "b": "data -3.0000",
        "c": "data ?",
        "d": "data ?",
        "f": "data ?",
    }
    for k, v in enumerate(order, start=1):
        click(browser, "next")
        shown = browser.execute_script(READ_PAGE)["datas"]
        assert shown[v.label] == f"data {four(v.data)}"
        assert [u.label for u in order[k:] if shown[u.label] != "data ?"] == []
        panel = browser.find_element(By.CSS_SELECTOR, ".mg-explore .mg-panel").text
        assert panel.startswith(f"{v.label} = {v._op}(")
        if k == 2:
            shot(browser, "fork-forward2-1400")


VIEW = """
const root = document.querySelector('.mg-explore'), box = root.querySelector('.mg-graph');
const svg = Array.from(box.querySelectorAll('svg')).find(s => s.style.display !== 'none');
const lvl = svg.dataset.level;
const v = box.getBoundingClientRect();
const x = v.left + box.clientLeft, y = v.top + box.clientTop;  // the box's visible corner
const rect = g => {
    const r = g.getBoundingClientRect(); return [r.left - x, r.top - y, r.right - x, r.bottom - y];
};
const hot = Array.from(svg.querySelectorAll('g.mg-edge.mg-hot'));
const data = JSON.parse(root.querySelector('script.mg-data').textContent);
const into = hot.filter(g => /_/.test(g.dataset.id));  // an edge into an op, not op to Value
const ends = g => {
    const e = data.levels[lvl].edges.find(e => e.id === g.dataset.id); return [e.from, e.to];
};
const find = id => svg.querySelector('[data-id="' + id + '"]');
return {
    counter: root.querySelector('.mg-counter').textContent,
    level: lvl,
    actual: box.classList.contains('mg-actual'),
    scroll: [box.scrollLeft, box.scrollTop],
    size: [box.clientWidth, box.clientHeight],
    edges: into.map(rect),
    ends: into.map(g => ends(g).map(id => rect(find(id)))),
    values: Array.from(svg.querySelectorAll('g.mg-value.mg-hot, g.mg-unit.mg-hot')).map(rect),
    scale: svg.getBoundingClientRect().width / svg.width.baseVal.value,
    fontSize: parseFloat(getComputedStyle(svg.querySelector('text')).fontSize),
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
    """The edge and both its ends (the Value and the op it enters) are in view if the
    box can show them at once, else the Value receiving the contribution; the view
    moved only if they were not in view already."""
    ((edge,), ((value, op),)) = page["edges"], page["ends"]
    size = page["size"]
    shown = [value, edge, op] if fit_together([value, edge, op], size) else [value]
    assert all(inside(r, size) for r in shown), (page["counter"], shown, size)
    if before is not None:
        moved = (page["scroll"][0] - before["scroll"][0], page["scroll"][1] - before["scroll"][1])
        if all(inside(r, size, moved) for r in shown):
            assert moved == (0, 0), page["counter"]


@pytest.mark.parametrize("width", [1000, 1400])
def test_every_step_of_the_lecture_neuron_is_in_view_and_legible(browser, tmp_path, width):
    root = lecture_neuron()["o"]
    open_page(browser, root, tmp_path, width)
    page = browser.execute_script(VIEW)
    if width == 1400:  # 10 Values fit the width with text of at least 11 px
        assert not page["actual"] and page["fontSize"] * page["scale"] >= 11
    else:  # fitted, the text would be smaller than 11 px: actual size, scrolled
        assert page["actual"] and page["scale"] == pytest.approx(1, abs=1e-3)
    for _ in range(len(trace_backward(root))):
        click(browser, "next")
        before, page = page, browser.execute_script(VIEW)
        check_step_in_view(page, before)
        assert fit_together([page["edges"][0], *page["ends"][0]], page["size"])
        if width == 1400:
            assert page["scroll"] == [0, 0]


@pytest.mark.parametrize("width", [1000, 1400])
def test_a_network_loss_follows_each_step(browser, tmp_path, width):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    root, _ = mlp_loss()
    steps = trace_backward(root)
    open_page(browser, root, tmp_path, width, max_nodes=None)
    browser.execute_script(f"{API}.level('values')")  # 96 Values: it opens at neuron level
    page = browser.execute_script(VIEW)
    assert page["actual"] and page["scale"] == pytest.approx(1, abs=1e-3)
    widget = browser.find_element(By.CSS_SELECTOR, ".mg-explore")
    moves = 0
    for k in range(1, 41):  # step by step: the view moves only when it must
        widget.send_keys(Keys.ARROW_RIGHT)
        before, page = page, browser.execute_script(VIEW)
        assert page["counter"] == f"step {k} / {len(steps)}"
        check_step_in_view(page, before)
        moves += page["scroll"] != before["scroll"]
        if k == 12:
            shot(browser, f"mlp-step12-{width}")
    assert 0 < moves < 40
    for keys, k in (
        (Keys.ARROW_RIGHT * 100, 140),
        (Keys.END, len(steps)),
        (Keys.LEFT, len(steps) - 1),
    ):
        widget.send_keys(keys)
        page = browser.execute_script(VIEW)
        assert page["counter"] == f"step {k} / {len(steps)}"
        check_step_in_view(page)
    # the forward view follows the Value being computed
    browser.find_element(By.CSS_SELECTOR, '.mg-explore button[data-mode="forward"]').click()
    for presses in (1, 30):
        widget.send_keys(Keys.ARROW_RIGHT * presses)
        page = browser.execute_script(VIEW)
        (value,) = page["values"]
        assert inside(value, page["size"]), page["counter"]
    shot(browser, f"mlp-forward31-{width}")
    # the zoom button toggles to fitting the width
    click(browser, "zoom")
    page = browser.execute_script(VIEW)
    assert not page["actual"] and page["scale"] < 11 / 13


def test_large_scalar_graph_opens_and_steps(browser, tmp_path):
    root = scalar_mlp()
    leaves = {p for v in topological_order(root) for p in v._prev if not p._prev}
    assert len(topological_order(root)) + len(leaves) == 328
    open_page(browser, root, tmp_path)
    steps = trace_backward(root)
    assert browser.execute_script(f"return {API}.steps") == len(steps)
    assert browser.execute_script(f"return {API}.level('values')") == 328
    root.backward()
    for k in (1, 150, len(steps)):
        browser.execute_script(f"{API}.step(arguments[0])", k)
        check_step_in_view(browser.execute_script(VIEW))
    # a leaf the page can be asked for by its data: no other leaf has the same
    leaf = next(p for p in leaves if sum(q.data == p.data for q in leaves) == 1)
    name = browser.execute_script(
        "const d = JSON.parse(document.querySelector('.mg-data').textContent);"
        "return Object.values(d.values).find(v => v.data[1] === arguments[0] && !v.op).name",
        repr(leaf.data),
    )
    assert browser.execute_script(f"return {API}.value(arguments[0])", name) == {
        "data": leaf.data,
        "grad": leaf.grad,
    }


def test_the_api_checks_names(browser, tmp_path):
    root = fork()
    open_page(browser, root, tmp_path)
    error = browser.execute_script(
        f"try {{ {API}.value('nope'); }} catch (e) {{ return e.message; }}"
    )
    assert error == "no Value is shown with the name nope"
    # the note for views that run no scripts is gone once the script has drawn the graph
    assert browser.execute_script("return document.querySelector('.mg-noscript')") is None
    last = len(trace_backward(root))
    assert browser.execute_script(f"return {API}.step(99)") == last  # clamped to the last step


# ---------------------------------------------------------------------------
# Levels: one box per neuron, one box per layer, a neuron opened in place
# ---------------------------------------------------------------------------

ROWS = """
return Array.from(document.querySelectorAll('.mg-explore .mg-panel table.mg-rows tr'))
    .slice(1).map(tr => Array.from(tr.querySelectorAll('.mg-num'))
        .map(e => Number(e.getAttribute('data-exact'))));
"""


def network_counts(root: Value, model) -> tuple[int, int, int]:
    """The Values, the neurons' own interior Values (w·x+b and tanh) and the parameters
    of ``model``'s graph, counted from the model's structure and the graph."""
    values = {root, *topological_order(root)}
    values |= {p for v in list(values) for p in v._prev}
    per_sample = sum(
        len(layer.neurons) * (2 if layer.neurons[0].activation == "tanh" else 1)
        for layer in model.layers
    )
    return len(values), 4 * per_sample, len(model.parameters())


UNIT_IN_VIEW = """
const root = document.querySelector('.mg-explore'), box = root.querySelector('.mg-graph');
const v = box.getBoundingClientRect(), x = v.left + box.clientLeft, y = v.top + box.clientTop;
const name = root.querySelector('.mg-panel .mg-name').textContent;
const g = Array.from(box.querySelectorAll('g.mg-unit'))
    .find(g => g.querySelector('text').textContent === name);
const r = g.getBoundingClientRect();
return {unit: [r.left - x, r.top - y, r.right - x, r.bottom - y],
        size: [box.clientWidth, box.clientHeight], window: [r.top, r.bottom, innerHeight]};
"""


def test_a_network_opens_at_neuron_level_and_steps_neuron_by_neuron(browser, tmp_path):
    root, model = mlp_loss()
    steps = trace_backward(root)
    open_page(browser, root, tmp_path, max_nodes=None)
    shot(browser, "mlp-neurons-step0-1400")
    n_values, n_inside, n_params = network_counts(root, model)
    neurons = 4 * 9  # a copy of each of the 9 neurons for each of the 4 points
    assert browser.execute_script(VIEW)["level"] == "neurons"
    boxes = browser.execute_script(f"return {API}.level('neurons')")
    assert boxes == n_values - n_inside - n_params + neurons
    count = browser.execute_script(f"return {API}.steps")
    assert count < len(steps)
    # every step lists a run of the engine's steps, in order, with their numbers: over
    # all steps, the whole backward pass, each edge once
    listed = []
    for k in range(1, count + 1):
        click(browser, "next")
        rows = browser.execute_script(ROWS)
        if rows:  # a neuron's step: grad, local, contribution, before, after per edge
            panel = browser.execute_script(READ_PAGE)["panel"]
            more = int(panel.split("… and ")[1].split()[0]) if "… and " in panel else 0
            run = steps[len(listed) : len(listed) + len(rows) + more]
            assert rows == [
                [s.grad, s.local, s.contribution, s.before, s.after] for s in run[: len(rows)]
            ]
            listed += run
        else:  # a Value's own step, as at the level of Values
            page = browser.execute_script(READ_PAGE)
            ((_, exact),) = page["after"]
            assert float(exact) == steps[len(listed)].after
            listed.append(steps[len(listed)])
        if rows and "neuron " in browser.execute_script(READ_PAGE)["panel"]:
            # the neuron whose step it is stays in view
            page = browser.execute_script(UNIT_IN_VIEW)
            assert inside(page["unit"], page["size"]), k
            top, bottom, height = page["window"]
            assert top >= 0 and bottom <= height, k  # and in the window
        if k == 5:
            shot(browser, "mlp-neurons-step5-1400")
    assert listed == steps
    root.backward()
    for name, p in model.named_parameters():
        assert browser.execute_script(f"return {API}.value(arguments[0])", p.label) == {
            "data": p.data,
            "grad": p.grad,
        }, name


def test_a_neuron_opens_in_place(browser, tmp_path):
    from selenium.webdriver.common.by import By

    root, model = mlp_loss()
    open_page(browser, root, tmp_path, max_nodes=None)
    before = browser.execute_script(READ_PAGE)["boxes"]
    browser.execute_script(f"{API}.step({API}.steps)")
    # a user clicks the neuron: its scalar graph opens over its box
    unit = browser.find_element(
        By.XPATH,
        "//*[local-name()='g'][@class and contains(@class,'mg-unit')]"
        "[*[local-name()='text'][text()='L1.n2 [1]']]",
    )
    unit.click()
    shot(browser, "mlp-neuron-open-1400")
    inner = browser.execute_script(
        "return Array.from(document.querySelectorAll('.mg-explore .mg-inner g.mg-value'))"
        ".map(g => [g.querySelector('text').textContent,"
        " g.querySelectorAll('text')[2].textContent])"
    )
    root.backward()
    neuron = model.layers[1].neurons[2]
    # b, w_i beside x_i (the outputs of layer 0 for the first point), then w.x+b and tanh
    names = [name for name, _ in inner]
    assert names[:3] == ["L1.n2.b", "L1.n2.w0", "L0.n0 [1]"]
    assert names[-2:] == ["L1.n2 [1].z", "L1.n2 [1]"]
    assert len(inner) == 2 * 4 + 1 + 2
    grads = dict(inner)
    for p in neuron.parameters():
        assert grads[p.label] == f"grad {four(p.grad)}"
    after = browser.execute_script(READ_PAGE)["boxes"]
    assert {k: after[k] for k in before} == before  # nothing else moved
    # the API opens and closes it too
    assert browser.execute_script(f"return {API}.expand('L1.n2 [1]')") == 0
    assert (
        browser.execute_script("return document.querySelectorAll('.mg-explore .mg-inner').length")
        == 0
    )
    assert browser.execute_script(f"return {API}.expand('L1.n2 [1]')") == 11


def test_layer_level(browser, tmp_path):
    root, model = mlp_loss()
    open_page(browser, root, tmp_path, max_nodes=None)
    n_values, n_inside, n_params = network_counts(root, model)
    boxes = browser.execute_script(f"return {API}.level('layers')")
    assert boxes == n_values - n_inside - n_params + 3 * 4  # a copy of each layer per point
    shot(browser, "mlp-layers-step0-1400")
    count = browser.execute_script(f"return {API}.steps")
    browser.execute_script(f"{API}.step(3)")
    shot(browser, "mlp-layers-step3-1400")
    browser.execute_script(f"{API}.step(arguments[0])", count)
    root.backward()
    for p in model.parameters():
        assert browser.execute_script(f"return {API}.value(arguments[0])", p.label)["grad"] == (
            p.grad
        )
    error = browser.execute_script(
        f"try {{ {API}.level('rows'); }} catch (e) {{ return e.message; }}"
    )
    assert error == "no level rows here: values, neurons, layers"


def test_the_digits_model_opens_at_neuron_level_quickly(browser, tmp_path):
    import time

    from micrograd.losses import cross_entropy
    from micrograd.nn import MLP

    random.seed(0)
    model = MLP(64, [32, 10])
    image = [random.randint(0, 16) / 16 for _ in range(64)]
    root = cross_entropy(model.outputs(image), 3)
    page = explore(root, max_nodes=None)
    size = len(page.html.encode("utf-8"))
    assert size <= 5_000_000
    path = page.save(tmp_path / "digits.html")
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 1400, "height": 900, "deviceScaleFactor": 1, "mobile": False},
    )
    start = time.perf_counter()
    browser.get(Path(path).as_uri())  # returns once the page has loaded and drawn
    opened = time.perf_counter() - start
    assert browser.execute_script(VIEW)["level"] == "neurons"
    assert opened <= 2.0
    # every step at neuron level and a sample at the level of Values, one at a time: the
    # time from the call to the next frame painted must be at most 100 ms, every time
    redraw = step_times(browser, None)
    shot(browser, "digits-neurons-last-1400")
    assert max(redraw) <= 100, slow(redraw)
    browser.execute_script(f"{API}.level('values')")
    sample = step_times(browser, 40)
    assert max(sample) <= 100, slow(sample)
    shot(browser, "digits-values-last-1400")
    root.backward()
    w = model.layers[0].neurons[5].w[17]
    assert browser.execute_script(f"return {API}.value(arguments[0])", w.label) == {
        "data": w.data,
        "grad": w.grad,
    }
    print(
        f"digits page: {size / 1e6:.2f} MB, opened in {opened:.2f} s; a step at neuron level "
        f"{statistics.median(redraw):.0f} ms (median), {max(redraw):.0f} ms (slowest of "
        f"{len(redraw)}); at the level of Values {statistics.median(sample):.0f} ms (median), "
        f"{max(sample):.0f} ms (slowest of {len(sample)})"
    )


ON_CURVE = """
const [level, ids, ts] = arguments;
const root = document.querySelector('.mg-explore');
const data = JSON.parse(root.querySelector('script.mg-data').textContent);
const stack = Array.from(root.querySelectorAll('.mg-stack')).find(s => s.style.display !== 'none');
const bands = Array.from(stack.querySelectorAll('svg.mg-bundle path:not(.mg-head)'));
const lit = Array.from(stack.querySelectorAll('svg.mg-svg .mg-lit path:not(.mg-head)'));
// strokes 1 px wide for the test: a point within 0.5 px of a drawn curve is on it
const style = document.createElement('style');
style.textContent = '.mg-explore svg path { stroke-width: 1px !important; }';
document.head.appendChild(style);
const point = stack.querySelector('svg.mg-svg').createSVGPoint();
const inside = (paths, x, y) => {
    point.x = x; point.y = y; return paths.some(p => p.isPointInStroke(point));
};
const result = ids.map(id => {
    const e = data.levels[level].edges.find(e => e.id === id), p = e.points;
    return ts.map(([i, t]) => {
        // the cubic of curve(p) from point i to point i + 1, at t
        const [xa, ya, xb, yb] = p.slice(2 * i, 2 * i + 4), m = (xa + xb) / 2, u = 1 - t;
        const x = u * u * u * xa + 3 * u * t * m + t * t * t * xb;
        const y = (u * u * u + 3 * u * u * t) * ya + (3 * u * t * t + t * t * t) * yb;
        return [inside(bands, x, y), inside(lit, x, y)];
    });
});
style.remove();
return result;
"""


def test_the_bundle_draws_every_edge_of_a_large_picture_and_a_step_lights_its_own(
    browser, tmp_path
):
    from micrograd.losses import cross_entropy
    from micrograd.nn import MLP

    random.seed(1)
    model = MLP(16, [24, 10])
    root = cross_entropy(model.outputs([random.random() for _ in range(16)]), 4)
    data = page_data(explore(root, max_nodes=None))
    open_page(browser, root, tmp_path, max_nodes=None)
    for level in ("neurons", "values"):
        browser.execute_script(f"{API}.level(arguments[0]); {API}.step(arguments[1])", level, 3)
        edges = data["levels"][level]["edges"]
        # the edges the page draws as SVG shapes of their own: at the level of neurons,
        # those into neurons of at most 8 inputs; at the level of Values, none
        shapes = browser.execute_script(
            "return Array.from(document.querySelectorAll('.mg-explore svg.mg-svg'))"
            ".find(s => s.style.display !== 'none').querySelectorAll('g.mg-edge').length"
        )
        assert shapes == (len(edges) - 16 * 24 - 24 * 10 if level == "neurons" else 0)
        # the longest edges, cut into bands: every point of each one's curve is on the
        # bundle's strokes; only the current step's edges are on the red ones
        longest = sorted(edges, key=lambda e: -abs(e["points"][1] - e["points"][-1]))[:12]
        for e in longest:
            ts = [(i, t / 16) for i in range(len(e["points"]) // 2 - 1) for t in range(17)]
            result = browser.execute_script(ON_CURVE, level, [e["id"]], ts)[0]
            assert all(bundle for bundle, _ in result), (level, e["id"])
        # the step's edges in red: at the level of neurons, one into a neuron from each of
        # its inputs (step 3 is a neuron of the last layer)
        lit = browser.execute_script(
            "return Array.from(document.querySelectorAll('.mg-explore svg.mg-svg'))"
            ".find(s => s.style.display !== 'none')"
            ".querySelectorAll('.mg-lit path:not(.mg-head)').length"
        )
        assert lit == (24 if level == "neurons" else 2)
    shot(browser, "bundle-values-step3-1400")


def slow(times: list[float]) -> str:
    """The steps (by position in ``times``) that took over 100 ms, and how long."""
    return ", ".join(f"#{i}: {t:.0f} ms" for i, t in enumerate(times) if t > 100)


def step_times(browser, sample: int | None) -> list[float]:
    """Milliseconds from each ``step(k)`` call, one step on from k - 1, to the next frame
    painted: for every step of the current level in turn (``sample=None``), or for
    ``sample`` steps spread evenly over it, each reached from the step before it
    (untimed). The first step comes first."""
    return browser.execute_async_script(
        f"const api = {API}, n = api.steps, m = arguments[0], done = arguments[1];"
        "const ks = m === null ? Array.from({length: n}, (_, i) => i + 1)"
        "  : Array.from({length: m}, (_, i) => 1 + Math.round(i * (n - 1) / (m - 1)));"
        "const frame = () => new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));"
        "(async () => { const times = []; for (const k of ks) {"
        "  if (m !== null) { api.step(k - 1); await frame(); }"
        "  const t = performance.now(); api.step(k); await frame();"
        "  times.push(performance.now() - t); } done(times); })();",
        sample,
    )


# ---------------------------------------------------------------------------
# What if: a leaf's data changed in the page, the graph recomputed from formula text
# ---------------------------------------------------------------------------


def _ops():
    from micrograd import ops

    return {
        "add": lambda a, b: a + b,
        "sub": lambda a, b: a - b,
        "mul": lambda a, b: a * b,
        "truediv": lambda a, b: a / b,
        "pow": lambda a, b: a**b,
        "power_constant": lambda a, b: a**3 + b**0.5,
        "rpow_constant_base": lambda a, b: 2.0**a * b,
        "neg": lambda a, b: -a * b,
        "abs": lambda a, b: abs(a - b),
        "exp": lambda a, b: (a * b).exp(),
        "log": lambda a, b: (a * b).log(),
        "sqrt": lambda a, b: (a + b).sqrt(),
        "tanh": lambda a, b: (a * b).tanh(),
        "sigmoid": lambda a, b: (a - b).sigmoid(),
        "relu": lambda a, b: (a - b).relu() + (b - a).relu() * 3,
        "softplus": lambda a, b: (a * b).softplus(),
        "leaky_relu": lambda a, b: (a - b).leaky_relu(0.1) * b,
        "affine": lambda a, b: ops.linear([a, b, a], [b, b * b, 2.5], a),
        "total": lambda a, b: ops.total(a, b, a * b),
        "identity": lambda a, b: ops.identity(a) * b,
        "relu_affine": lambda a, b: ops.relu_affine(b, a, b, a * 2, b),
        # z = a - b takes both signs over the data below: both forms of the op
        "bce_with_logits": lambda a, b: ops.bce_with_logits(a - b, b * 0.25),
        # the largest term is a different one for each data
        "logsumexp": lambda a, b: ops.logsumexp(a, b, a * b, -a),
    }


def build(name: str, a: float, b: float) -> tuple[Value, list[Value]]:
    """The graph of one op on leaves a and b (each interior Value labelled by its place)."""
    leaves = [Value(a, "a"), Value(b, "b")]
    out = _ops()[name](*leaves) * Value(1.5, "k")
    for i, v in enumerate(reversed(topological_order(out))):
        v.label = f"n{i}"
    return out, leaves


def close(x: float, y: float) -> bool:
    return x == y or abs(x - y) <= 1e-12 * max(abs(x), abs(y))


@pytest.mark.parametrize("op", sorted(_ops()))
def test_what_if_recomputes_every_op_as_python_does(browser, tmp_path, op):
    root, _ = build(op, 1.3, 0.7)
    open_page(browser, root, tmp_path)
    for a, b in ((0.4, 2.25), (2.5, 1.1)):  # both leaves changed, one after the other
        browser.execute_script(f"{API}.set('a', arguments[0]); {API}.set('b', arguments[1])", a, b)
        browser.execute_script(f"{API}.step({API}.steps)")
        # the oracle: the same graph built in Python on the new data, and its backward
        expected, leaves = build(op, a, b)
        expected.backward()
        assert browser.execute_script(f"return {API}.steps") == len(trace_backward(expected))
        values = {v.label: v for v in [*topological_order(expected), *leaves]}
        for name, v in values.items():
            shown = browser.execute_script(f"return {API}.value(arguments[0])", name)
            assert close(shown["data"], v.data), (op, name, shown, v.data)
            assert close(shown["grad"], v.grad), (op, name, shown, v.grad)


def digits_like(seed: int, changes: dict[str, float]) -> tuple[Value, object]:
    """The cross-entropy of an MLP(12, [6, 4]) on one 12-pixel image, class 2, with the
    data of the named parameters and pixels (``x3``) changed first."""
    from micrograd.losses import cross_entropy
    from micrograd.nn import MLP

    random.seed(seed)
    model = MLP(12, [6, 4])
    image = [Value(random.randint(0, 16) / 16, f"x{i}") for i in range(12)]
    for v in [*model.parameters(), *image]:
        v.data = changes.get(v.label, v.data)
    return cross_entropy(model.outputs(image), 2), model


def test_what_if_on_a_cross_entropy_network(browser, tmp_path):
    root, _ = digits_like(3, {})
    open_page(browser, root, tmp_path, max_nodes=None)
    assert browser.execute_script(
        "return document.querySelector('.mg-explore .mg-edit').textContent"
    ).startswith("what if")  # editing is on
    loss = page_data(explore(root, max_nodes=None))
    loss = loss["values"][loss["root"]]["name"]
    changes: dict[str, float] = {}
    for name, x in (("x3", 0.9), ("L1.n2.w4", -2.5), ("L0.n1.b", 3.0), ("L1.n0.b", 40.0)):
        changes[name] = x
        browser.execute_script(f"{API}.set(arguments[0], arguments[1])", name, x)
        browser.execute_script(f"{API}.step({API}.steps)")
        # the oracle: the same network built in Python on the new data, and its backward
        expected, model = digits_like(3, changes)
        expected.backward()
        shown = browser.execute_script(f"return {API}.value(arguments[0])", loss)
        assert close(shown["data"], expected.data), (name, shown, expected.data)
        for p in model.parameters():
            shown = browser.execute_script(f"return {API}.value(arguments[0])", p.label)
            assert close(shown["data"], p.data) and close(shown["grad"], p.grad), (name, p.label)


def test_a_user_edits_a_leaf_by_clicking_and_typing(browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    g = lecture_neuron()
    root = g["o"]
    open_page(browser, root, tmp_path)
    browser.execute_script(f"{API}.step(1)")
    box = browser.find_element(
        By.XPATH,
        "//*[local-name()='g'][contains(@class,'mg-value')][*[local-name()='text'][text()='x2']]",
    )
    box.click()
    field = browser.find_element(By.CSS_SELECTOR, ".mg-explore .mg-edit input")
    assert field.get_attribute("value") == "0.0"
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys("1", Keys.ENTER)
    # by hand: n = 2*-3 + 1*1 + b = 1.8813735870195432, o = tanh(n), do/dn = 1 - o^2
    import math

    n = 2.0 * -3.0 + 1.0 * 1.0 + 6.8813735870195432
    o = math.tanh(n)
    shown = browser.execute_script(f"return {API}.value('o')")
    assert close(shown["data"], o)
    page = browser.execute_script(READ_PAGE)
    assert page["counter"] == "step 1 / 9"
    assert f"1.0 - {o:.4f} * {o:.4f} = {1 - o * o:.4f}" in page["panel"]
    assert page["datas"]["x2"] == "data 1.0000" and page["datas"]["o"] == f"data {o:.4f}"
    browser.execute_script(f"{API}.step({API}.steps)")
    assert close(browser.execute_script(f"return {API}.value('w2')")["grad"], 1.0 - o * o)
    shot(browser, "neuron-whatif-1400")
    # bad input is refused with a reason; reset brings back Python's data
    box.click()
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys("two", Keys.ENTER)
    error = browser.find_element(By.CSS_SELECTOR, ".mg-explore .mg-edit-error").text
    assert error == "the data of x2 must be a finite number, got NaN"
    browser.find_element(By.CSS_SELECTOR, '.mg-explore [data-edit="reset"]').click()
    assert browser.execute_script(f"return {API}.value('o')")["data"] == root.data


def test_editing_is_off_where_an_op_has_no_formula_text(browser, tmp_path):
    from micrograd import primitive

    cube = primitive(lambda x: x**3, lambda x: 3 * x**2, name="cube")
    root = cube(Value(2.0, "x"))
    open_page(browser, root, tmp_path)
    text = browser.execute_script(
        "return document.querySelector('.mg-explore .mg-edit').textContent"
    )
    assert text == "editing is off: op 'cube' is given as functions, not formula text"
    error = browser.execute_script(
        f"try {{ {API}.set('x', 3); }} catch (e) {{ return e.message; }}"
    )
    assert error == text
    root2 = lecture_neuron()["o"]
    open_page(browser, root2, tmp_path)
    error = browser.execute_script(
        f"try {{ {API}.set('n', 3); }} catch (e) {{ return e.message; }}"
    )
    assert error == "n is computed by +: only a leaf's data can be changed"


# ---------------------------------------------------------------------------
# Quiz: the learner computes every step
# ---------------------------------------------------------------------------


def test_quiz_checks_each_step_and_keeps_score(browser, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    root = fork()
    steps = trace_backward(root)
    path = explore(root, quiz=True).save(tmp_path / "quiz.html")
    open_page(browser, fork(), tmp_path)  # window size and network as in the other tests
    browser.get(Path(path).as_uri())

    def answer(*numbers: float) -> None:
        fields = browser.find_elements(By.CSS_SELECTOR, ".mg-explore .mg-answer")
        assert len(fields) == len(numbers)
        for field, x in zip(fields, numbers):
            field.clear()
            field.send_keys(f"{x:.6g}")
        fields[-1].send_keys(Keys.ENTER)

    def verdict() -> str:
        return browser.find_element(By.CSS_SELECTOR, ".mg-explore .mg-verdict").text

    ActionChains(browser).send_keys(Keys.ARROW_RIGHT).perform()
    page = browser.execute_script(READ_PAGE)
    assert page["counter"] == f"step 1 / {len(steps)}"
    # what the step computes is hidden: its cell, its result, the arithmetic
    assert page["contribution"] == [] and page["cells"][0][2] == "?"
    assert page["grads"][steps[0].to.label] == "grad 0.0000"
    answer(steps[0].contribution + 1)  # wrong
    assert verdict() == "not quite: try again, or reveal it"
    click(browser, "next")  # the step must be answered first
    assert browser.execute_script(READ_PAGE)["counter"] == f"step 1 / {len(steps)}"
    assert verdict() == "answer this step first, or reveal it"
    answer(steps[0].contribution)
    page = browser.execute_script(READ_PAGE)
    ((_, exact),) = page["after"]
    assert float(exact) == steps[0].after  # the arithmetic is shown now
    assert page["cells"][0][2] == four(steps[0].local)
    asked_sums = 0
    for k, step in enumerate(steps[1:], start=2):
        click(browser, "next")
        assert browser.execute_script(READ_PAGE)["counter"] == f"step {k} / {len(steps)}"
        seen = sum(s.to is step.to for s in steps[:k])
        if k == 4:  # d back to c: revealed
            browser.find_element(By.CSS_SELECTOR, '.mg-explore [data-quiz="reveal"]').click()
            continue
        # at a fork, after its first contribution, the running sum is asked too
        if seen > 1:
            asked_sums += 1
            answer(step.contribution, step.after)
        else:
            answer(step.contribution)
        page = browser.execute_script(READ_PAGE)
        assert [float(e) for _, e in page["after"]] == [step.after], k
    assert asked_sums == 2  # a's second and third contributions
    panel = browser.execute_script(READ_PAGE)["panel"]
    # step 1 took two tries and step 4 was revealed
    assert f"score: {len(steps) - 2} of {len(steps)} steps right the first time" in panel
    shot(browser, "fork-quiz-end-1400")


def test_levels_by_buttons_and_the_forward_pass_neuron_by_neuron(browser, tmp_path):
    from selenium.webdriver.common.by import By

    root, model = mlp_loss()
    open_page(browser, root, tmp_path, max_nodes=None)
    browser.find_element(By.CSS_SELECTOR, '.mg-explore button[data-level="layers"]').click()
    assert browser.execute_script(VIEW)["level"] == "layers"
    browser.find_element(By.CSS_SELECTOR, '.mg-explore button[data-level="neurons"]').click()
    assert browser.execute_script(VIEW)["level"] == "neurons"
    browser.find_element(By.CSS_SELECTOR, '.mg-explore button[data-mode="forward"]').click()
    click(browser, "next")
    panel = browser.execute_script(READ_PAGE)["panel"]
    # the first neuron computed: layer 0's first neuron on the first point
    first = model.layers[0].neurons[0]([2.0, 3.0])
    assert panel == f"L0.n0 [1] = tanh(w·x+b) of its 2 inputs = {first.data:.4f}"
    shot(browser, "mlp-neurons-forward1-1400")


HOT_IN_WINDOW = """
const svg = Array.from(document.querySelectorAll('.mg-explore svg'))
    .find(s => s.style.display !== 'none');
const hot = svg.querySelector('g.mg-unit.mg-hot, g.mg-value.mg-hot');
const r = hot.getBoundingClientRect();
return r.left >= 0 && r.right <= innerWidth && r.top >= 0 && r.bottom <= innerHeight;
"""


@pytest.mark.parametrize("width", [1000, 1400])
def test_every_view_at_both_widths(browser, tmp_path, width):
    root, _ = mlp_loss()
    open_page(browser, root, tmp_path, width, max_nodes=None)
    for level in ("values", "neurons", "layers"):
        browser.execute_script(f"{API}.level(arguments[0]); {API}.step(3)", level)
        assert browser.execute_script(HOT_IN_WINDOW), level
        shot(browser, f"mlp-{level}-step3-{width}")
    browser.execute_script(f"{API}.expand('L1.n2 [1]')")
    corner = browser.execute_script(
        "const box = document.querySelector('.mg-explore .mg-graph').getBoundingClientRect();"
        "const r = document.querySelector('.mg-explore .mg-inner').getBoundingClientRect();"
        "return [r.left - box.left, r.top - box.top];"
    )
    assert all(0 <= c <= 20 for c in corner)  # the opened neuron is in view
    shot(browser, f"mlp-neuron-open-{width}")
    path = explore(fork(), quiz=True).save(tmp_path / "quiz.html")
    browser.get(Path(path).as_uri())
    browser.execute_script(f"{API}.step(1)")
    assert browser.execute_script(HOT_IN_WINDOW)
    shot(browser, f"fork-quiz-step1-{width}")
    open_page(browser, lecture_neuron()["o"], tmp_path, width)
    browser.execute_script(f"{API}.set('w2', -0.5); {API}.step(4)")
    assert browser.execute_script(HOT_IN_WINDOW)
    shot(browser, f"neuron-whatif-step4-{width}")


WEIGHTS_INTO = """
const svg = Array.from(document.querySelectorAll('.mg-explore svg'))
    .find(s => s.style.display !== 'none');
const data = JSON.parse(document.querySelector('.mg-explore .mg-data').textContent);
const units = data.levels.neurons.units;
const uid = Object.keys(units).find(u => units[u].name === arguments[0]);
return units[uid].inputs.map((_, k) => {
    const g = svg.querySelector('g.mg-edge[data-id="' + uid + '_' + k + '"]');
    return g.querySelector('text.mg-weight').textContent;
});
"""


def test_a_neurons_weights_are_written_on_its_edges(browser, tmp_path):
    root, model = mlp_loss()
    open_page(browser, root, tmp_path, max_nodes=None)
    neuron = model.layers[1].neurons[2]
    shown = browser.execute_script(WEIGHTS_INTO, "L1.n2 [3]")
    assert shown == [f"w {w.data:.4f}" for w in neuron.w]
    # what if the weight changes: the edge says so
    browser.execute_script(f"{API}.set('L1.n2.w1', 0.25)")
    assert browser.execute_script(WEIGHTS_INTO, "L1.n2 [3]")[1] == "w 0.2500"


def test_dragging_a_leaf_changes_its_data(browser, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    open_page(browser, lecture_neuron()["o"], tmp_path)
    box = browser.find_element(
        By.XPATH,
        "//*[local-name()='g'][contains(@class,'mg-value')][*[local-name()='text'][text()='w1']]",
    )
    ActionChains(browser).click_and_hold(box).move_by_offset(40, 0).move_by_offset(
        10, 0
    ).release().perform()
    w1 = browser.execute_script(f"return {API}.value('w1')")["data"]
    # 1% of |w1| = 3 per pixel: 50 pixels to the right add 1.5
    assert w1 == pytest.approx(-3.0 + 50 * 0.03, abs=0.031)
    g = lecture_neuron()
    g["w1"].data = w1
    o = (g["x1"] * g["w1"] + g["x2"] * g["w2"] + g["b"]).tanh()
    o.backward()
    browser.execute_script(f"{API}.step({API}.steps)")
    assert close(browser.execute_script(f"return {API}.value('o')")["data"], o.data)
    assert close(browser.execute_script(f"return {API}.value('x1')")["grad"], g["x1"].grad)
    # the editor did not open: that is for a press without a drag
    assert not browser.find_element(By.CSS_SELECTOR, ".mg-explore .mg-edit input").is_displayed()


def thirty_values() -> Value:
    """A 3-input tanh neuron written with scalar ops, squared against a target: 30 Values."""
    xs = [Value(x, f"x{i}") for i, x in enumerate((0.5, -1.0, 2.0))]
    ws = [Value(w, f"w{i}") for i, w in enumerate((0.3, -0.2, 0.1))]
    z = xs[0] * ws[0] + xs[1] * ws[1] + xs[2] * ws[2] + Value(0.1, "b")
    y = z.tanh()
    loss = (y - Value(0.5, "t")) ** 2 + (y * Value(0.1, "c")) ** 2 + z.exp() * Value(0.0, "k")
    return (loss + (z * Value(0.2, "d")).sigmoid()).relu()


def test_text_is_at_least_11_px_on_a_graph_of_30_values(browser, tmp_path):
    root = thirty_values()
    values = {root, *topological_order(root)}
    values |= {p for v in list(values) for p in v._prev}
    assert len(values) == 30
    open_page(browser, root, tmp_path, 1400)
    page = browser.execute_script(VIEW)
    assert page["fontSize"] * page["scale"] >= 11
    sizes = browser.execute_script(
        "return Array.from(document.querySelectorAll('.mg-explore svg text'))"
        ".map(t => t.getBoundingClientRect().height)"
    )
    assert min(sizes) >= 11  # every text as drawn, 11 px at the least
    shot(browser, "thirty-step0-1400")
