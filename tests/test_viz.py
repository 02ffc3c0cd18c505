"""Graphviz pictures of the graph and of the backward pass (micrograd.viz).

Pictures are checked through the structure of the SVG that ``dot`` makes (nodes,
edges, texts, colours), never its bytes. Expected numbers are derived by hand in
each test.
"""

from __future__ import annotations

import dataclasses
import math
import re
import shutil
import subprocess
import sys
import time
import types
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd.engine import Value, primitive
from micrograd.ops import linear
from micrograd.viz import (
    HIGHLIGHT,
    MUTED,
    draw_dot,
    explore,
    step_through,
    trace_backward,
)

from helpers import lecture_neuron, page_data

REPO = Path(__file__).resolve().parent.parent
SVG_NS = "http://www.w3.org/2000/svg"
NS = {"svg": SVG_NS}


# ---------------------------------------------------------------------------
# SVG reading helpers
# ---------------------------------------------------------------------------


def require_dot() -> None:
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed")


def render(drawing) -> ET.Element:
    require_dot()
    return ET.fromstring(drawing.pipe(format="svg"))


def groups(svg: ET.Element, kind: str) -> list[ET.Element]:
    return [g for g in svg.iter(f"{{{SVG_NS}}}g") if g.get("class") == kind]


def title(g: ET.Element) -> str:
    return g.find("svg:title", NS).text


def texts(g: ET.Element) -> list[str]:
    # dot writes the spaces it must keep as no-break spaces
    return [t.text.replace("\xa0", " ") for t in g.findall("svg:text", NS)]


def value_nodes(svg: ET.Element) -> list[ET.Element]:
    """Record nodes (Values): drawn as a polygon, not an op's ellipse or table."""
    return [g for g in groups(svg, "node") if re.fullmatch(r"v\d+", g.get("id", ""))]


def op_nodes(svg: ET.Element) -> list[ET.Element]:
    return [g for g in groups(svg, "node") if re.fullmatch(r"v\d+op", g.get("id", ""))]


def op_name(op: ET.Element) -> list[str]:
    """The op's name in an ellipse; in a table (local_grads) the cell in the grey cell."""
    return texts(op) if op.find("svg:ellipse", NS) is not None else texts(op)[1:2]


def node_by_label(svg: ET.Element, label: str) -> ET.Element:
    (node,) = [g for g in value_nodes(svg) if texts(g)[0] == label]
    return node


def caption(svg: ET.Element) -> list[str]:
    """The lines of the graph's own label (a table cell's texts, or plain texts)."""
    (graph,) = groups(svg, "graph")
    return [t.text for t in graph.iter(f"{{{SVG_NS}}}text") if not in_node_or_edge(graph, t)]


def in_node_or_edge(graph: ET.Element, text: ET.Element) -> bool:
    return any(text in list(g.iter()) for g in graph if g.get("class") in ("node", "edge"))


def edge_ends(edge: ET.Element) -> tuple[str, str]:
    """The node names at the two ends of an edge (without the ports)."""
    tail, head = title(edge).split("->")
    return tail.split(":")[0], head.split(":")[0]


def points(text: str) -> list[tuple[float, float]]:
    return [tuple(map(float, p.split(","))) for p in text.split()]


def number_at_arrow(svg: ET.Element, edge: ET.Element) -> str:
    """The text of the op's cell that the edge's arrowhead touches (left to right drawing):
    the number whose cell's vertical extent contains the arrow's tip."""
    tip = max(points(edge.find("svg:polygon", NS).get("points")))  # rightmost: the tip
    (op,) = [g for g in op_nodes(svg) if title(g) == edge_ends(edge)[1]]
    boxes = [list(zip(*points(c.get("points")))) for c in op.findall("svg:polygon", NS)]
    hits = []
    for label in op.findall("svg:text", NS):
        x, y = float(label.get("x")), float(label.get("y"))
        xs, ys = min(
            (b for b in boxes if min(b[0]) <= x <= max(b[0]) and min(b[1]) <= y <= max(b[1])),
            key=lambda b: (max(b[0]) - min(b[0])) * (max(b[1]) - min(b[1])),
        )
        if min(ys) <= tip[1] <= max(ys) and abs(min(xs) - tip[0]) < 2:
            hits.append(label.text.replace("&#45;", "-"))
    (hit,) = hits
    return hit


def edges_into_op_of(svg: ET.Element, node: ET.Element) -> list[ET.Element]:
    """The input edges of the op that produced ``node``."""
    (op_edge,) = [e for e in groups(svg, "edge") if edge_ends(e)[1] == title(node)]
    op = edge_ends(op_edge)[0]
    return [e for e in groups(svg, "edge") if edge_ends(e)[1] == op]


def stroke(g: ET.Element) -> str:
    shape = g.find("svg:polygon", NS)
    if shape is None:
        shape = g.find("svg:path", NS)
    if shape is None:
        shape = g.find("svg:ellipse", NS)
    return shape.get("stroke")


def lecture_graph() -> dict[str, Value]:
    """L = (a*b + c) * f at a=2, b=-3, c=10, f=-2, as in the lecture."""
    a, b, c, f = Value(2.0, "a"), Value(-3.0, "b"), Value(10.0, "c"), Value(-2.0, "f")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    L = d * f
    L.label = "L"
    return dict(a=a, b=b, c=c, d=d, e=e, f=f, L=L)


# By hand: L = d f, d = e + c, e = a b; dL/dd = f = -2, dL/df = d = 4,
# dL/de = dL/dc = dL/dd * 1 = -2, dL/da = dL/de * b = 6, dL/db = dL/de * a = -4.
LECTURE_GRADS = dict(L=1.0, d=-2.0, f=4.0, e=-2.0, c=-2.0, a=6.0, b=-4.0)
LECTURE_DATA = dict(a=2.0, b=-3.0, c=10.0, e=-6.0, d=4.0, f=-2.0, L=-8.0)


# ---------------------------------------------------------------------------
# The drawing
# ---------------------------------------------------------------------------


def test_lecture_graph_records_ops_and_edges():
    g = lecture_graph()
    g["L"].backward()
    svg = render(draw_dot(g["L"]))
    assert len(value_nodes(svg)) == 7
    assert sorted(texts(op)[0] for op in op_nodes(svg)) == ["*", "*", "+"]
    assert sorted(op_name(op)[0] for op in op_nodes(svg)) == ["*", "*", "+"]
    # every op: one edge out and two in
    assert len(groups(svg, "edge")) == 9
    for name, data in LECTURE_DATA.items():
        assert texts(node_by_label(svg, name)) == [
            name,
            f"data {data:.4f}",
            f"grad {LECTURE_GRADS[name]:.4f}",
        ]


def test_unlabelled_values_and_show_grad_false():
    x = Value(1.5) * Value(2.0)
    svg = render(draw_dot(x, show_grad=False))
    fields = sorted(tuple(texts(n)) for n in value_nodes(svg))
    # unlabelled, each is named by its stable id: the leaves from the left, then the product
    assert fields == [("v0", "data 1.5000"), ("v1", "data 2.0000"), ("v2", "data 3.0000")]
    svg = render(draw_dot(x))
    assert all(len(texts(n)) == 3 for n in value_nodes(svg))


def test_op_nodes_are_named_by_the_op():
    x = Value(0.5, "x")
    softplus = primitive(
        lambda t: math.log1p(math.exp(t)), lambda t: 1 / (1 + math.exp(-t)), name="softplus"
    )
    out = linear([x**2, x.tanh()], [Value(1.0), Value(2.0)], 0.5)
    out = softplus(out - x)
    svg = render(draw_dot(out))
    names = sorted(texts(op)[0] for op in op_nodes(svg))
    assert names == sorted(["**2", "tanh", "w·x+b", "-", "softplus"])


def test_repeated_parent_gets_one_edge_per_use():
    a = Value(3.0, "a")
    s = a + a
    s.label = "s"
    svg = render(draw_dot(s))
    a_node = node_by_label(svg, "a")
    into = edges_into_op_of(svg, node_by_label(svg, "s"))
    assert [edge_ends(e)[0] for e in into] == [title(a_node)] * 2
    # the picture of a + a has two records, one op and three edges
    assert len(value_nodes(svg)) == 2
    assert len(groups(svg, "edge")) == 3


def test_local_grads_on_edges_are_the_local_derivatives():
    x, y = Value(3.0, "x"), Value(-4.0, "y")
    p = x * y
    p.label = "p"
    t = p.tanh()
    t.label = "t"
    q = t / x
    q.label = "q"
    svg = render(draw_dot(q, local_grads=True))

    def edge_labels(out: str) -> dict[str, str]:
        labels = {}
        for e in edges_into_op_of(svg, node_by_label(svg, out)):
            tail = edge_ends(e)[0]
            (source,) = [n for n in value_nodes(svg) if title(n) == tail]
            labels[texts(source)[0]] = number_at_arrow(svg, e)
        return labels

    # d(xy)/dx = y, d(xy)/dy = x
    assert edge_labels("p") == {"x": "-4.0000", "y": "3.0000"}
    # d tanh(p)/dp = 1 - tanh(p)^2 at p = -12
    assert edge_labels("t") == {"p": f"{1 - math.tanh(-12.0) ** 2:.4e}"}
    # d(t/x)/dt = 1/x, d(t/x)/dx = -t/x^2
    assert edge_labels("q") == {
        "t": f"{1 / 3:.4f}",
        "x": f"{-math.tanh(-12.0) / 9:.4f}",
    }
    caption = svg.find("svg:g/svg:text", NS)
    assert "local derivative" in caption.text
    assert sorted(op_name(op)[0] for op in op_nodes(svg)) == sorted(["/", "tanh", "*"])


def test_local_grads_of_a_repeated_parent_and_of_linear():
    a = Value(5.0, "a")
    diff = a - a
    diff.label = "diff"
    svg = render(draw_dot(diff, local_grads=True))
    # d(u - v)/du = 1 and d(u - v)/dv = -1, one edge each
    into = edges_into_op_of(svg, node_by_label(svg, "diff"))
    assert sorted(number_at_arrow(svg, e) for e in into) == ["-1.0000", "1.0000"]
    w1, w2, x1, x2 = Value(2.0, "w1"), Value(3.0, "w2"), Value(5.0, "x1"), Value(7.0, "x2")
    n = linear([w1, w2], [x1, x2], Value(1.0, "b"))
    n.label = "n"
    svg = render(draw_dot(n, local_grads=True))
    into = edges_into_op_of(svg, node_by_label(svg, "n"))
    by_tail = {edge_ends(e)[0]: number_at_arrow(svg, e) for e in into}
    # d(w.x + b)/dw_i = x_i, d/dx_i = w_i, d/db = 1
    expected = {"w1": "5.0000", "w2": "7.0000", "x1": "2.0000", "x2": "3.0000", "b": "1.0000"}
    assert {k: by_tail[title(node_by_label(svg, k))] for k in expected} == expected


def test_local_grad_that_is_undefined_is_labelled_so():
    # d(b^e)/de = b^e ln b has no real value for b < 0; backward raises there too
    out = Value(-2.0) ** Value(2.0)
    with pytest.raises(ValueError):
        out.backward()
    svg = render(draw_dot(out, local_grads=True))
    (op,) = op_nodes(svg)
    assert [number_at_arrow(svg, e) for e in edges_into_op_of(svg, value_nodes(svg)[0])] == [
        "undefined"
    ] * 2
    assert "undefined" in texts(op)


def test_gradients_that_are_values_are_drawn_by_their_data():
    x = Value(3.0, "x")
    y = x**3
    y.backward(create_graph=True)
    svg = render(draw_dot(y))
    assert texts(node_by_label(svg, "x"))[2] == "grad 27.0000"  # 3 x^2


@pytest.mark.parametrize(
    "value, text",
    [
        (2.5, "2.5000"),
        (-0.125, "-0.1250"),
        (0.0, "0.0000"),
        (123456.0, "123456.0000"),
        (1e10, "1.0000e+10"),
        (-3.5e-7, "-3.5000e-07"),
        (float("inf"), "inf"),
    ],
)
def test_number_format(value, text):
    assert f'label="{{ v0 | data {text} | grad 0.0000 }}"' in draw_dot(Value(value)).source


# ---------------------------------------------------------------------------
# Escaping
# ---------------------------------------------------------------------------

METACHARACTERS = ["|", "{", "}", "<", ">", '"', "\\", "\\N", "\\l", "\\\\", "\n", "  ", " "]


def dot_svg_checked(drawing) -> ET.Element:
    """Render with dot directly, requiring that it reports nothing at all."""
    require_dot()
    run = subprocess.run(["dot", "-Tsvg"], input=drawing.source.encode(), capture_output=True)
    assert run.returncode == 0, run.stderr
    assert run.stderr == b""
    return ET.fromstring(run.stdout)


@pytest.mark.parametrize("meta", METACHARACTERS)
def test_value_labels_render_as_written(meta):
    label = f" a{meta}b{meta}"
    v = Value(1.0, label) + Value(2.0, "z")
    svg = dot_svg_checked(draw_dot(v))
    node = next(n for n in value_nodes(svg) if texts(n)[-2:] == ["data 1.0000", "grad 0.0000"])
    lines = [line for line in label.split("\n") if line]  # dot writes no empty text
    assert texts(node)[:-2] == lines


@pytest.mark.parametrize("meta", METACHARACTERS)
def test_op_names_render_as_written(meta):
    name = f"f{meta}g"
    op = primitive(lambda t: 2 * t, lambda t: 2.0, name=name)
    svg = dot_svg_checked(draw_dot(op(Value(1.0))))
    (node,) = op_nodes(svg)
    # outside records, dot keeps single spaces but writes a run of them with no-break spaces
    assert texts(node) == name.split("\n")


def test_every_metacharacter_at_once():
    label = 'L|{x}<y>"q"\\N\nsecond  line'
    svg = dot_svg_checked(draw_dot(Value(1.0, label)))
    (node,) = value_nodes(svg)
    assert texts(node) == ['L|{x}<y>"q"\\N', "second  line", "data 1.0000", "grad 0.0000"]


# ---------------------------------------------------------------------------
# The backward pass, step by step
# ---------------------------------------------------------------------------


def test_trace_of_a_forked_node():
    # b = a*a + a at a = 3: db/da = 2a + 1 = 7, reached along three edges:
    # through + directly (1), and through a*a twice (local derivative a = 3 each).
    a = Value(3.0, "a")
    m = a * a
    b = m + a
    a.grad = 5.0  # the trace must neither use nor change it
    steps = trace_backward(b)
    assert a.grad == 5.0 and m.grad == 0.0 and b.grad == 0.0
    assert [(s.node, s.to, s.slot) for s in steps] == [(b, m, 0), (b, a, 1), (m, a, 0), (m, a, 1)]
    into_a = [s for s in steps if s.to is a]
    assert [s.local for s in into_a] == [1.0, 3.0, 3.0]
    assert [s.contribution for s in into_a] == [1.0, 3.0, 3.0]
    assert [(s.before, s.after) for s in into_a] == [(0.0, 1.0), (1.0, 4.0), (4.0, 7.0)]
    assert sum(s.contribution for s in into_a) == 2 * 3.0 + 1
    assert steps[2].grad == 1.0  # db/dm = 1 when m passes its gradient on


def test_trace_skips_nodes_whose_gradient_is_zero():
    x, y = Value(2.0, "x"), Value(-1.0, "y")
    r = (x * y).relu()  # x*y < 0, so d relu / d(xy) = 0
    out = r + x
    steps = trace_backward(out)
    assert [(s.node, s.to) for s in steps] == [(out, r), (out, x), (r, r._prev[0])]
    assert steps[-1].contribution == 0.0
    out.backward()
    assert (x.grad, y.grad) == (1.0, 0.0)


def test_trace_of_a_leaf_is_empty():
    assert trace_backward(Value(1.0)) == []


def test_step_is_a_small_frozen_record_with_a_readable_repr():
    a = Value(3.0, "a")
    (step, _) = trace_backward(a * Value(2.0, "k"))
    assert not hasattr(step, "__dict__")
    with pytest.raises(dataclasses.FrozenInstanceError):
        step.after = 0.0
    text = repr(step)
    assert "to='a'" in text and "local=2.0" in text and "after=2.0" in text
    assert "(*)" in text


OPS = {
    "add": lambda u, v: u + v,
    "sub": lambda u, v: u - v,
    "mul": lambda u, v: u * v,
    "tanh": lambda u, v: u.tanh(),
    "sigmoid": lambda u, v: u.sigmoid(),
    "relu": lambda u, v: u.relu(),
    "square": lambda u, v: u**2,
    "div": lambda u, v: u / (1 + v**2),
}


def build(program: list[tuple[str, int, int]], leaves: list[float]) -> list[Value]:
    """Every node of the expression ``program`` over fresh leaves, in creation order."""
    nodes = [Value(x, f"x{i}") for i, x in enumerate(leaves)]
    for op, i, j in program:
        u, v = nodes[i % len(nodes)], nodes[j % len(nodes)]
        nodes.append(OPS[op](u, v))
    return nodes


@settings(max_examples=60, deadline=None)
@given(
    program=st.lists(
        st.tuples(st.sampled_from(sorted(OPS)), st.integers(0, 50), st.integers(0, 50)),
        min_size=1,
        max_size=12,
    ),
    leaves=st.lists(st.floats(-2, 2), min_size=1, max_size=4),
)
def test_replaying_the_trace_gives_the_gradients_of_backward(program, leaves):
    traced = build(program, leaves)
    steps = trace_backward(traced[-1])
    final = {traced[-1]: 1.0}
    for step in steps:
        assert step.before == final.get(step.to, 0.0)
        assert step.contribution == step.grad * step.local
        final[step.to] = step.after
    assert all(v.grad == 0.0 for v in traced)  # tracing changed nothing
    copy = build(program, leaves)  # the same expression with its own nodes
    copy[-1].backward()
    # the trace adds the same numbers in the same order as backward: equal exactly
    for t, c in zip(traced, copy):
        assert final.get(t, 0.0) == c.grad
        if any(s.to is t for s in steps):  # steps into a node sum to its gradient
            assert sum(s.contribution for s in steps if s.to is t) == pytest.approx(c.grad)


def test_draw_upto_k_highlights_the_step_and_greys_what_is_not_reached():
    g = lecture_graph()
    g["L"].backward()
    g["L"].backward()  # leaves now hold twice their gradient; the trace starts at 0
    # steps: L->d (f = -2), L->f (d = 4), d->e, d->c, e->a, e->b
    assert len(trace_backward(g["L"])) == 6
    svg = render(draw_dot(g["L"], upto=2))
    hot = [e for e in groups(svg, "edge") if stroke(e) == HIGHLIGHT]
    into = [e for e in hot if edge_ends(e)[1] != title(node_by_label(svg, "L"))]
    (edge,) = into
    assert edge_ends(edge)[0] == title(node_by_label(svg, "f"))
    assert not texts(edge)  # the arithmetic is in the caption, which every frame reserves
    # dL/dL * dL/df, into f's accumulator
    assert caption(svg) == [
        "after step 2 of 6 of the backward pass",
        "1.0000 × 4.0000 = 4.0000, into the gradient of f: 0.0000 → 4.0000",
    ]
    assert {texts(n)[0] for n in value_nodes(svg) if stroke(n) == HIGHLIGHT} == {"L", "f"}
    grey = {texts(n)[0] for n in value_nodes(svg) if stroke(n) == MUTED}
    assert grey == {"e", "c", "a", "b"}
    shown = {texts(n)[0]: texts(n)[2] for n in value_nodes(svg)}
    assert shown == dict(
        L="grad 1.0000",
        d="grad -2.0000",
        f="grad 4.0000",
        e="grad 0.0000",
        c="grad 0.0000",
        a="grad 0.0000",
        b="grad 0.0000",
    )
    # after all six steps: the gradients of one fresh backward, nothing grey
    svg = render(draw_dot(g["L"], upto=6))
    for name, grad in LECTURE_GRADS.items():
        assert texts(node_by_label(svg, name))[2] == f"grad {grad:.4f}"
    assert not [n for n in groups(svg, "node") if stroke(n) == MUTED]
    (edge,) = [
        e for e in groups(svg, "edge") if stroke(e) == HIGHLIGHT and e.get("id", "").endswith("_1")
    ]
    assert edge_ends(edge)[0] == title(node_by_label(svg, "b"))
    # dL/de * a, and b's accumulator from 0
    assert caption(svg)[1] == "-2.0000 × 2.0000 = -4.0000, into the gradient of b: 0.0000 → -4.0000"


def test_draw_upto_zero_shows_only_the_seed():
    g = lecture_graph()
    svg = render(draw_dot(g["L"], upto=0))
    assert not [e for e in groups(svg, "edge") if stroke(e) == HIGHLIGHT]
    assert {texts(n)[0] for n in value_nodes(svg) if stroke(n) != MUTED} == {"L"}
    assert texts(node_by_label(svg, "L"))[2] == "grad 1.0000"


def test_draw_upto_out_of_range():
    g = lecture_graph()
    with pytest.raises(ValueError, match=r"6 steps \(use 0\.\.6\)"):
        draw_dot(g["L"], upto=7)
    with pytest.raises(ValueError, match="upto=-1"):
        draw_dot(g["L"], upto=-1)


# ---------------------------------------------------------------------------
# step_through
# ---------------------------------------------------------------------------


def test_step_through_without_ipywidgets_says_what_to_install(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # makes the import fail
    assert step_through(lecture_graph()["L"]) is None
    out = capsys.readouterr().out
    assert "pip install ipywidgets" in out and "k = 0..6" in out


def fake_jupyter(monkeypatch, kernel: bool) -> list:
    """Stand-ins for ipywidgets and IPython; returns the list of displayed objects."""
    shown: list = []
    widgets = types.ModuleType("ipywidgets")
    widgets.IntSlider = lambda **kw: types.SimpleNamespace(**kw)
    widgets.interactive = lambda f, k: types.SimpleNamespace(f=f, slider=k)
    ipython = types.ModuleType("IPython")
    shell = types.SimpleNamespace(kernel=object()) if kernel else None
    ipython.get_ipython = lambda: shell
    display = types.ModuleType("IPython.display")
    display.display = shown.append
    ipython.display = display
    monkeypatch.setitem(sys.modules, "ipywidgets", widgets)
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setitem(sys.modules, "IPython.display", display)
    return shown


def test_step_through_outside_jupyter_says_so(monkeypatch, capsys):
    shown = fake_jupyter(monkeypatch, kernel=False)
    step_through(lecture_graph()["L"])
    assert "Jupyter" in capsys.readouterr().out and not shown


def test_step_through_in_jupyter_shows_a_slider_over_the_steps(monkeypatch):
    shown = fake_jupyter(monkeypatch, kernel=True)
    g = lecture_graph()
    step_through(g["L"], local_grads=True)
    (widget,) = shown
    assert (widget.slider.min, widget.slider.max, widget.slider.value) == (0, 6, 0)
    widget.f(5)  # the slider moved to step 5: e passes -2 * b = 6 on to a
    assert "-2.0000 × -3.0000 = 6.0000" in shown[-1].source
    assert "local derivative" in shown[-1].source


# ---------------------------------------------------------------------------
# Large graphs
# ---------------------------------------------------------------------------


def tanh_chain(n: int) -> Value:
    """x, tanh x, tanh tanh x, ...: n + 1 Values."""
    x = Value(0.5, "x")
    for _ in range(n):
        x = x.tanh()
    return x


def test_too_many_nodes_explains_how_to_draw_anyway():
    with pytest.raises(ValueError, match=r"601 Value nodes.*max_nodes=500") as error:
        draw_dot(tanh_chain(600))
    assert "max_nodes=None" in str(error.value) and "depth=" in str(error.value)
    with pytest.raises(ValueError, match="31 Value nodes"):
        draw_dot(tanh_chain(30), max_nodes=30)
    assert draw_dot(tanh_chain(30), max_nodes=31).source.count('label="tanh"') == 30
    assert draw_dot(tanh_chain(600), max_nodes=None).source.count('label="tanh"') == 600


def test_depth_draws_the_levels_nearest_the_root():
    g = lecture_graph()
    svg = render(draw_dot(g["L"], depth=2))
    assert sorted(texts(n)[0] for n in value_nodes(svg)) == ["L", "d", "f"]
    cut = [texts(n) for n in groups(svg, "node") if title(n).endswith("cut")]
    assert cut == [["… 2 more"]]  # d = e + c: both inputs are beyond depth 2
    svg = render(draw_dot(g["L"], depth=1))
    assert [texts(n)[0] for n in value_nodes(svg)] == ["L"]
    # depth limits what counts against max_nodes
    assert draw_dot(tanh_chain(5000), depth=10).source.count("tanh") == 10
    with pytest.raises(ValueError, match="5 Value nodes"):
        draw_dot(g["L"], depth=3, max_nodes=4)  # L; d, f; e, c


def test_ten_thousand_values_take_seconds():
    # 2500 rounds of x = tanh(x * w + c): new Values w, x*w, c, x*w + c and the tanh
    # (c, a constant, without a data field), and 3 ops with 1 + 2, 1 + 2 and 1 + 1 edges
    x = Value(0.1)
    for i in range(2500):
        x = (x * Value(0.5 + i % 7 * 0.01) + 0.1).tanh()
    start = time.perf_counter()
    source = draw_dot(x, max_nodes=None, local_grads=True).source
    assert time.perf_counter() - start < 10.0
    assert source.count("->") == 2500 * 8
    assert source.count("data ") == 1 + 2500 * 4
    assert source.count('label="0.1"') == 2500


def leaf_feeding_every_step(steps: int) -> Value:
    """y = tanh(0.999 y + x), ``steps`` times from y = x: x feeds an op in every step,
    so its edges span the whole drawing. 1 + 4 * steps Values."""
    x = Value(0.5, "x")
    y = x
    for _ in range(steps):
        y = (y * 0.999 + x).tanh()
    return y


def test_a_leaf_that_feeds_every_step_is_laid_out_in_seconds():
    require_dot()
    root = leaf_feeding_every_step(50)
    root.backward()
    start = time.perf_counter()
    svg = render(draw_dot(root))  # without a limit on dot's network simplex: minutes
    assert time.perf_counter() - start < 15.0
    assert len(value_nodes(svg)) == 201
    assert len(groups(svg, "edge")) == 50 * (3 + 3 + 2)  # *, + and tanh: inputs + output


def test_usual_pictures_are_laid_out_as_without_the_layout_limits():
    require_dot()
    g = lecture_neuron()
    g["o"].backward()
    drawing = draw_dot(g["o"], local_grads=True)
    unlimited = re.sub(r"\bnslimit1?=\d+ ", "", drawing.source)
    assert unlimited != drawing.source
    plain = subprocess.run(
        ["dot", "-Tsvg"], input=unlimited.encode(), capture_output=True, check=True
    ).stdout
    assert drawing.pipe(format="svg") == plain


# ---------------------------------------------------------------------------
# Arguments, display, and a missing Graphviz
# ---------------------------------------------------------------------------


def test_bad_arguments():
    with pytest.raises(TypeError, match="root must be a Value"):
        draw_dot(3.0)
    with pytest.raises(TypeError, match="root must be a Value"):
        trace_backward([Value(1.0)])
    with pytest.raises(ValueError, match="rankdir"):
        draw_dot(Value(1.0), rankdir="XY")
    with pytest.raises(ValueError, match="depth must be at least 1"):
        draw_dot(Value(1.0), depth=0)
    with pytest.raises(TypeError, match="max_nodes"):
        draw_dot(Value(1.0), max_nodes=2.5)
    assert "rankdir=TB" in draw_dot(Value(1.0), "TB").source


def test_jupyter_display_is_svg():
    require_dot()
    bundle = draw_dot(lecture_graph()["L"])._repr_mimebundle_()
    svg = ET.fromstring(bundle["image/svg+xml"])
    assert len(value_nodes(svg)) == 7


def test_constants_are_drawn_as_plain_numbers():
    x = Value(1.5, "x")
    y = x * 2.0 + 0.25
    y.backward()
    svg = render(draw_dot(y))
    constants = [n for n in value_nodes(svg) if len(texts(n)) == 1]
    assert sorted(texts(n)[0] for n in constants) == ["0.25", "2.0"]  # as every view names them
    for node in constants:  # a grey box, not a black record like the leaf x
        assert stroke(node) == "#a0a0a0"
    assert texts(node_by_label(svg, "x")) == ["x", "data 1.5000", "grad 2.0000"]
    assert stroke(node_by_label(svg, "x")) == "black"
    neurons = render(draw_dot(y, level="neurons"))  # at every level
    assert sorted(t for g in groups(neurons, "node") for t in texts(g) if t in ("2.0", "0.25")) == [
        "0.25",
        "2.0",
    ]


# ---------------------------------------------------------------------------
# Frames that stay put, and inputs in a readable order
# ---------------------------------------------------------------------------


def layout(svg: ET.Element) -> tuple:
    """The picture's size and every node's outline, by node name."""
    shapes = {
        title(g): [p.get("points") for p in g.findall("svg:polygon", NS)]
        + [
            (e.get("cx"), e.get("cy"), e.get("rx"), e.get("ry"))
            for e in g.findall("svg:ellipse", NS)
        ]
        for g in groups(svg, "node")
    }
    return svg.get("width"), svg.get("height"), shapes


@pytest.mark.parametrize("rankdir", ["LR", "TB"])
@pytest.mark.parametrize("local_grads", [False, True])
def test_every_frame_of_the_backward_pass_has_the_same_layout(rankdir, local_grads):
    for root in (lecture_neuron()["o"], lecture_graph()["L"]):
        count = len(trace_backward(root))
        frames = [
            layout(render(draw_dot(root, rankdir, local_grads=local_grads, upto=k)))
            for k in range(count + 1)
        ]
        assert len(frames[0][2]) > 7
        for k, frame in enumerate(frames):
            assert frame == frames[0], f"frame {k} differs from frame 0"


def centre_y(g: ET.Element) -> float:
    ys = [y for _, y in points(g.find("svg:polygon", NS).get("points"))]
    return (min(ys) + max(ys)) / 2


def test_a_neuron_lists_b_then_each_weight_beside_its_input():
    from micrograd.nn import Neuron

    neuron = Neuron(3, activation="tanh")
    for i, (w, data) in enumerate(zip(neuron.w, (0.5, -1.5, 2.0))):
        w.data, w.label = data, f"w{i}"
    neuron.b.data, neuron.b.label = 0.25, "b"
    xs = [Value(x, f"x{i}") for i, x in enumerate((1.0, -2.0, 0.5))]
    out = neuron(xs)
    z = out._prev[0]  # the affine node below the activation
    z.label = "z"
    svg = render(draw_dot(out, local_grads=True))
    into = edges_into_op_of(svg, node_by_label(svg, "z"))
    label_of = {title(n): texts(n)[0] for n in value_nodes(svg)}
    tails = {label_of[edge_ends(e)[0]]: e for e in into}
    # top to bottom on the page (the y axis of dot's SVG points up: larger y is lower)
    order = sorted(tails, key=lambda name: centre_y(node_by_label(svg, name)))
    assert order == ["b", "w0", "x0", "w1", "x1", "w2", "x2"]
    # d(w.x + b)/db = 1, d/dw_i = x_i, d/dx_i = w_i, each at its own edge's arrow
    expected = dict(b=1.0, w0=1.0, w1=-2.0, w2=0.5, x0=0.5, x1=-1.5, x2=2.0)
    assert {k: number_at_arrow(svg, e) for k, e in tails.items()} == {
        k: f"{v:.4f}" for k, v in expected.items()
    }


def test_lecture_neuron_numbers_sit_on_their_own_edges():
    g = lecture_neuron()
    svg = render(draw_dot(g["o"], local_grads=True))
    label_of = {title(n): texts(n)[0] for n in value_nodes(svg)}

    def numbers(out: str) -> dict[str, str]:
        into = edges_into_op_of(svg, node_by_label(svg, out))
        return {label_of[edge_ends(e)[0]]: number_at_arrow(svg, e) for e in into}

    # d(x w)/dx = w, d(x w)/dw = x: x2's edge carries w2 = 1, w2's edge carries x2 = 0
    assert numbers("x2*w2") == {"x2": "1.0000", "w2": "0.0000"}
    assert numbers("x1*w1") == {"x1": "-3.0000", "w1": "2.0000"}
    # d tanh(n)/dn = 1 - tanh(n)^2 = 1/2 at n = atanh(1/sqrt 2) (b was chosen for that)
    assert numbers("o") == {"n": f"{1 - math.tanh(0.8813735870195432) ** 2:.4f}"}
    assert numbers("o") == {"n": "0.5000"}


# ---------------------------------------------------------------------------
# The explorer page (its behaviour in a browser: tests/test_explore_browser.py)
# ---------------------------------------------------------------------------


def test_explore_needs_no_graphviz(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot on the path
    g = lecture_neuron()
    data = page_data(explore(g["o"]))
    names = {v["name"]: v for v in data["values"].values()}
    assert set(names) == {"x1", "x2", "w1", "w2", "b", "x1*w1", "x2*w2", "x1*w1 + x2*w2", "n", "o"}
    # laid out left to right: every input is left of its op, every op left of its output
    assert list(data["levels"]) == ["values"]  # no neurons: one level
    level = data["levels"]["values"]
    box = level["boxes"]
    for edge in level["edges"]:
        (x, _, w, _), (head_x, _, head_w, _) = box[edge["from"]], box[edge["to"]]
        assert x + w <= edge["points"][0] + 0.1
        assert edge["points"][-2] <= head_x + 0.1 < head_x + head_w
    ids = {v["name"]: k for k, v in data["values"].items()}
    assert box[ids["x1"]][0] < box[ids["x1*w1"]][0] < box[ids["n"]][0] < box[ids["o"]][0]


def test_unlabelled_values_are_named_by_short_expressions():
    x, w = Value(2.0, "x"), Value(-3.0, "w")
    y = (x * w).tanh() + (x**2).exp()
    data = page_data(explore(y))
    names = sorted(v["name"] for v in data["values"].values())
    # the sum's expression would be longer than a box: it gets its stable id, v4 as the
    # fifth of the five unlabelled Values the forward pass computes
    assert names == sorted(["x", "w", "x*w", "tanh(x*w)", "x**2", "exp(x**2)", "v4"])


def test_parameters_and_inputs_of_a_network_are_named():
    from micrograd.nn import MLP

    model = MLP(2, [3, 1], activation="tanh")
    x = [Value(0.5), 1.5]
    out = model(x)
    assert x[0].label == "x0"  # an unlabelled input is named by its position
    labelled = Value(1.0, "height")
    model([labelled, 2.0])
    assert labelled.label == "height"  # a label the user gave stays
    state = model.state_dict()
    # the short name of layers.i.neurons.j.w.k is Li.nj.wk, of ...neurons.j.b is Li.nj.b
    short = {p.label: name for name, p in model.named_parameters()}
    for label, name in short.items():
        layer, neuron, *rest = label.split(".")
        assert name == f"layers.{layer[1:]}.neurons.{neuron[1:]}." + (
            "b" if rest == ["b"] else f"w.{rest[0][1:]}"
        )
    assert len(short) == len(state) == 13
    data = page_data(explore(out))
    shown = {v["name"] for v in data["values"].values()}
    assert set(short) | {"x0"} <= shown


def formula_of(data: dict, node: str, to: str) -> list:
    """[text, input's name, {name in the text: the name of the Value or a number}] of
    the step from ``node`` back to ``to``."""
    names = {k: v["name"] for k, v in data["values"].items()}
    (step,) = [s for s in data["backward"] if names[s["node"]] == node and names[s["to"]] == to]
    formula = data["values"][step["node"]]["f"][step["slot"]]
    if formula is None:
        return None
    text, name, binds = formula
    return [text, name, {k: names.get(b, b) for k, b in binds.items()}]


def test_each_step_has_the_local_derivatives_formula_and_what_its_names_are():
    g = lecture_neuron()
    data = page_data(explore(g["o"]))
    # tanh: d out / d x = 1 - out^2, the op table's text; out is o
    assert formula_of(data, "o", "n") == ["1.0 - out * out", "x", {"out": "o"}]
    # a * b: d / da = b, which is w1 in x1 * w1
    assert formula_of(data, "x1*w1", "x1") == ["b", "a", {"b": "w1"}]
    assert formula_of(data, "x1*w1", "w1") == ["a", "b", {"a": "x1"}]
    assert formula_of(data, "n", "b") == ["1.0", "b", {}]
    # a neuron's w.x + b: d / dw_2 = x_2 and d / dx_2 = w_2, by group
    from micrograd.ops import linear

    ws = [Value(0.5, "p"), Value(-1.5, "q")]
    xs = [Value(2.0, "s"), Value(4.0, "t")]
    z = linear(ws, xs, Value(0.25, "c"))
    data = page_data(explore(z))
    # w.x + b is a neuron of its own: it is named so
    assert formula_of(data, "neuron 1", "q") == ["x_2", "w_2", {"x_2": "t"}]
    assert formula_of(data, "neuron 1", "s") == ["w_1", "x_1", {"w_1": "p"}]
    assert formula_of(data, "neuron 1", "c") == ["1.0", "b", {}]
    # ReLU(w.x + b) as one node: d relu / d sum (step(out)) times d sum / d input
    from micrograd.ops import relu_affine

    r = relu_affine(Value(0.5, "c"), Value(2.0, "p"), Value(3.0, "s"))
    r.label = "r"
    data = page_data(explore(r))
    assert formula_of(data, "r", "p") == [
        "floatops.step(out) * x_1",
        "w_1",
        {"out": "r", "x_1": "s"},
    ]
    assert formula_of(data, "r", "c") == ["floatops.step(out) * 1.0", "b", {"out": "r"}]
    # a bound parameter is a number: leaky_relu's slope
    y = Value(-2.0, "y").leaky_relu(0.25)
    y.label = "r"
    data = page_data(explore(y))
    assert formula_of(data, "r", "y") == ["floatops.step(x, slope)", "x", {"x": "y", "slope": 0.25}]
    assert data["edit"] is None
    # an op given as functions has no formula text: the page shows the number alone, and
    # says why editing is off
    cube = primitive(lambda x: x**3, lambda x: 3 * x**2, name="cube")
    data = page_data(explore(cube(Value(2.0, "x"))))
    assert data["values"][data["backward"][0]["node"]]["f"] == [None]
    assert data["backward"][0]["local"] == ["12.0000", "12.0"]
    assert data["edit"] == "editing is off: op 'cube' is given as functions, not formula text"


def test_explore_draws_constants_as_their_numbers():
    from micrograd.engine import constant, is_constant
    from micrograd.names import graph_names

    x = Value(0.5, "x")
    t = constant(-2.0)
    t.label = "t"
    y = (x * 3.0 + 0.25) * t
    data = page_data(explore(y))
    names = graph_names(y).shown
    constants = [p for v in (y, *y._prev, *y._prev[0]._prev) for p in v._prev if is_constant(p)]
    shown = {v["name"]: v for v in data["values"].values()}
    # as draw_dot writes them: the shared name, and a label's number
    assert {names[c] for c in constants} == {"3.0", "0.25", "t"}
    assert {names[c]: shown[names[c]]["constant"] for c in constants} == {
        "3.0": "3.0",
        "0.25": "0.25",
        "t": "t = -2",
    }
    assert "constant" not in shown["x"]
    # a box of one line, narrower than a Value's box
    boxes = data["levels"]["values"]["boxes"]
    ids = {v["name"]: k for k, v in data["values"].items()}
    for c in constants:
        (_, _, w, h), (_, _, wx, hx) = boxes[ids[names[c]]], boxes[ids["x"]]
        assert h < hx / 2 and w < wx
    # the steps into constants are the engine's, as trace_backward lists them
    into = [names[s.to] for s in trace_backward(y) if is_constant(s.to)]
    assert [data["values"][s["to"]]["name"] for s in data["backward"]
            if "constant" in data["values"][s["to"]]] == into  # fmt: skip
    assert sorted(into) == ["0.25", "3.0", "t"]


def test_explore_checks_its_arguments():
    with pytest.raises(TypeError, match="root must be a Value"):
        explore(3.0)
    with pytest.raises(TypeError, match="upto"):
        explore(Value(1.0), upto=2)
    with pytest.raises(ValueError, match="max_nodes must be at least 1"):
        explore(Value(1.0) * 2, max_nodes=0)
    with pytest.raises(TypeError, match="depth must be an int"):
        explore(Value(1.0) * 2, depth=1.5)
    with pytest.raises(ValueError, match="more than max_nodes=3"):
        explore(lecture_neuron()["o"], max_nodes=3)
    with pytest.raises(TypeError, match="quiz must be True or False, got str"):
        explore(lecture_neuron()["o"], quiz="yes")


def test_a_quiz_shows_the_level_of_values_only():
    loss, _ = small_network()
    assert set(page_data(explore(loss))["levels"]) == {"values", "neurons", "layers"}
    page = explore(loss, quiz=True)
    data = page_data(page)
    assert set(data["levels"]) == {"values"} and data["quiz"] and data["start"] == "values"
    assert "data-level=" not in page.fragment  # no buttons for other levels


def test_depth_counts_the_inputs_it_leaves_out():
    g = lecture_neuron()
    data = page_data(explore(g["o"], depth=2))  # o and n
    assert sorted(v["name"] for v in data["values"].values()) == ["n", "o"]
    (n_op,) = [o for k, o in data["ops"].items() if data["values"][k[:-2]]["name"] == "n"]
    assert n_op["cells"] == []  # no edge comes in
    assert n_op["more"] == 2  # x1*w1 + x2*w2 and b are cut off


# a reference to anything outside the page; url(#id) names a part of the page itself
URL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:[a-z]+:)?//|https?://|url\((?!#)""", re.I)


def test_explore_page_is_one_file_with_no_external_reference(tmp_path):
    page = explore(lecture_neuron()["o"])
    path = page.save(tmp_path / "backprop.html")
    text = Path(path).read_text(encoding="utf-8")
    assert text == page.html and page._repr_html_() in text
    namespaces = ("http://www.w3.org/2000/svg",)
    stripped = text
    for namespace in namespaces:
        stripped = stripped.replace(f'"{namespace}"', '""')
    assert not URL.findall(stripped)
    assert text.count("<script") == 2 and "<style>" in text


# ---------------------------------------------------------------------------
# Pictures at the level of neurons and of layers
# ---------------------------------------------------------------------------


def small_network():
    """The mse loss of a tanh MLP(2, [3, 1]) on two points, and the model."""
    import random

    from micrograd.losses import mse
    from micrograd.nn import MLP

    random.seed(4)
    model = MLP(2, [3, 1], activation="tanh")
    return mse([model(x) for x in ([1.0, -2.0], [0.5, 3.0])], [1.0, -1.0]), model


def test_draw_dot_at_neuron_level_puts_weights_on_edges():
    loss, model = small_network()
    loss.backward()
    source = draw_dot(loss, level="neurons").source
    units = re.findall(r'^\t(u\d+) \[label="\{ ([^|]+) \| ([^|]+) \|', source, re.M)
    # a copy of each of the 4 neurons for each of the 2 points
    assert sorted(name.strip() for _, name, _ in units) == sorted(
        f"L{i}.n{j} [{k}]" for i, n in ((0, 3), (1, 1)) for j in range(n) for k in (1, 2)
    )
    assert {op.strip() for _, _, op in units} == {"tanh(w·x+b)", "w·x+b"}
    ids = {name.strip(): uid for uid, name, _ in units}
    # the edge from L0.n2's first copy into L1.n0's first copy carries the weight L1.n0.w2
    w = model.layers[1].neurons[0].w[2]
    edge = f'\t{ids["L0.n2 [1]"]} -> {ids["L1.n0 [1]"]} [label="w {w.data:.4f}" fontsize=10]'
    assert edge in source.splitlines()
    # the output and gradient of a neuron: L1.n0's output for the first point
    out = loss._prev[0]._prev[0]._prev[0]._prev[0]  # loss = Σ/2 of (out - y)**2
    assert f"{out.data:.4f} / {out.grad:.4f}" in source
    assert "L0.n0.w0" not in source  # the parameters ride on edges: no box of their own
    svg = render(draw_dot(loss, level="neurons"))
    nodes = [line for line in source.splitlines() if re.match(r"\t\w+ \[", line)]
    nodes = [line for line in nodes if not line.startswith(("\tgraph ", "\tnode "))]
    assert len(groups(svg, "node")) == len(nodes)


def test_draw_dot_at_layer_level():
    loss, _ = small_network()
    source = draw_dot(loss, level="layers").source
    layers = re.findall(r'^\t(l\d+) \[label="\{ ([^|]+) \| ([^|]+) \|', source, re.M)
    assert sorted(name.strip() for _, name, _ in layers) == ["L0 [1]", "L0 [2]", "L1 [1]", "L1 [2]"]
    assert {op.strip() for _, _, op in layers} == {"3 × tanh(w·x+b)", "1 × w·x+b"}
    # x0 and x1 each feed L0's 3 neurons (3 weights on the edge), for each point; each of
    # L0's outputs feeds L1's one neuron (its weight on the edge)
    assert source.count('label="3 weights"') == 4
    assert len(re.findall(r'-> l\d+ \[label="w ', source)) == 6


def test_draw_dot_level_checks():
    loss, _ = small_network()
    with pytest.raises(ValueError, match="level must be one of"):
        draw_dot(loss, level="rows")
    with pytest.raises(ValueError, match="without local_grads, depth or upto"):
        draw_dot(loss, level="neurons", upto=1)
    # a graph without neurons draws the same at every level
    g = lecture_neuron()["o"]
    assert draw_dot(g, level="neurons").source.count("->") == draw_dot(g).source.count("->")
