"""One set of names for every view of a graph: the picture (draw_dot), the explorer's
page, the steps of trace_backward and the variables of to_python.

The names expected here are written out by hand from how each graph is built: labels
as given, a neuron's output by its neuron, short expressions from the inputs' names,
and the stable ids v0, v1, ... counted leaves first (reading from the left), then the
interior nodes in the order the forward pass computes them.
"""

from __future__ import annotations

import random
import re

from micrograd import Value, to_python
from micrograd.explorer import explore
from micrograd.losses import mse
from micrograd.names import graph_names
from micrograd.nn import MLP
from micrograd.shown import nodes_within
from micrograd.viz import draw_dot, trace_backward

from helpers import page_data

RECORD = re.compile(r'^\t(v\d+) \[id=v\d+ label="\{ (.*?) \| data', re.MULTILINE)
CONSTANT = re.compile(r'^\t(v\d+) \[id=v\d+ label="([^"]*?)(?: = [^"]*)?" shape=box', re.M)
ASSIGNED = re.compile(r"^    (\w+) = ", re.MULTILINE)


def names_in_views(root: Value) -> dict[str, dict[Value, str]]:
    """What the picture, the explorer's page and trace_backward's steps call each
    Value. The page and the picture number their Values breadth-first from the root
    (`nodes_within`); that number only finds the Value, it is not a name."""
    by_id = {f"v{i}": v for v, i in nodes_within(root, None).items()}
    page = page_data(explore(root, max_nodes=None))
    traced: dict[Value, str] = {}
    for s in trace_backward(root):
        traced.update({s.node: s.node_name, s.to: s.to_name})
    return {
        "explorer": {by_id[k]: entry["name"] for k, entry in page["values"].items()},
        "picture": {
            by_id[k]: name
            for pattern in (RECORD, CONSTANT)
            for k, name in pattern.findall(draw_dot(root).source)
        },
        "trace": traced,
    }


def code_names(root: Value) -> tuple[list[str], list[str]]:
    """to_python's parameters, and the variables its forward pass assigns (without the
    inner sums of neurons, ``*_sum``), in the order it writes them."""
    source = to_python(root)
    params = source.split("def forward_backward(", 1)[1].split(")", 1)[0].split(", ")
    forward = source.split("# forward pass", 1)[1].split("# backward pass", 1)[0]
    return params, [n for n in ASSIGNED.findall(forward) if not n.endswith("_sum")]


def check_views(root: Value, expected: dict[Value, str]) -> None:
    for view, names in names_in_views(root).items():
        assert names == expected, view


def bare_neuron() -> tuple[Value, list[Value], list[Value]]:
    """The lecture's neuron tanh(x1*w1 + x2*w2 + b) with only its leaves labelled: the
    root, the leaves as read from the left, the interior nodes in forward order."""
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    x1w1 = x1 * w1
    x2w2 = x2 * w2
    s = x1w1 + x2w2
    n = s + b
    o = n.tanh()
    return o, [x1, w1, x2, w2, b], [x1w1, x2w2, s, n, o]


def test_the_lecture_neuron_has_one_name_per_value_in_every_view():
    o, leaves, interior = bare_neuron()
    x1w1, x2w2, s, n, _ = interior
    expected = {v: v.label for v in leaves}
    expected.update({x1w1: "x1*w1", x2w2: "x2*w2", s: "x1*w1+x2*w2", n: "x1*w1+x2*w2+b"})
    expected[o] = "v4"  # tanh(x1*w1+x2*w2+b) is too long: the fifth interior node's id
    check_views(o, expected)
    first = trace_backward(o)[0]  # its repr names both ends as the views do
    assert repr(first).startswith("Step(node='v4' (tanh), to='x1*w1+x2*w2+b' (+), slot=0,")
    params, assigned = code_names(o)
    assert params == ["x1", "w1", "x2", "w2", "b"]
    # every interior node has a stable id; the code names it so, as the views do for o
    assert assigned == ["v0", "v1", "v2", "v3", "v4"]


def test_an_mlp_loss_has_one_name_per_value_in_every_view():
    random.seed(0)
    model = MLP(2, [3, 1])
    loss = mse([model([0.5, -1.0])], [1.0])  # ((out - 1.0)**2 summed) / 1.0
    total, count = loss._prev
    (square,) = total._prev
    (diff,) = square._prev
    out, target = diff._prev
    hidden = list(out._prev[4:])  # a neuron's inputs are b, w0.., x0..
    inputs = list(hidden[0]._prev[3:])
    params = [*out._prev[:4], *(p for h in hidden for p in h._prev[:3])]
    expected = {p: p.label for p in params}  # L1.n0.b, L0.n2.w1, ...
    expected.update({x: f"x{i}" for i, x in enumerate(inputs)})
    expected.update({h: f"L0.n{j}" for j, h in enumerate(hidden)})
    expected.update({out: "L1.n0", target: "1.0", count: "1.0"})
    expected.update({diff: "L1.n0-1.0", square: "(L1.n0-1.0)**2"})
    # ids: the 13 parameters (labels with dots), then the interior nodes in forward
    # order: three hidden neurons, the output neuron, the difference, its square, the
    # sum and the mean; the sum's and the mean's expressions are too long
    expected.update({total: "v19", loss: "v20"})
    check_views(loss, expected)
    code_params, assigned = code_names(loss)
    assert code_params == [f"v{k}" for k in range(13)]
    assert assigned == [f"v{k}" for k in range(13, 21)]


def test_names_do_not_depend_on_the_view():
    o, _, interior = bare_neuron()
    shallow = page_data(explore(o, depth=2))  # o and its input only
    assert sorted(v["name"] for v in shallow["values"].values()) == ["v4", "x1*w1+x2*w2+b"]
    code = to_python(interior[1])  # x2*w2 alone: its ids are its own graph's
    assert code.splitlines()[0] == "def forward_backward(x2, w2):"
    assert "    v0 = x2 * w2" in code


def test_ids_skip_labels_and_expressions_keep_their_order():
    a, b, c = Value(1.0, "a"), Value(2.0, "v0"), Value(3.0, "c")
    unnamed = Value(4.0)
    root = (a - (b - c)) * unnamed
    names = graph_names(root)
    assert names.ids[unnamed] == "v1"  # v0 is a label here
    assert names.shown[root._prev[0]] == "a-(v0-c)"
    left = (a - b) - c
    assert graph_names(left).shown[left] == "a-v0-c"
    square = (a + b) ** 2
    assert graph_names(square).shown[square] == "(a+v0)**2"


def test_constants_are_named_by_their_numbers():
    x = Value(1.0, "x")
    doubled, shifted = x * 2, x + 14.683999140631522
    assert graph_names(doubled).shown[doubled] == "x*2.0"
    assert graph_names(shifted).shown[shifted] == "x+14.684"  # to 6 digits where longer
    assert doubled._prev[1] not in graph_names(doubled).ids  # a literal in code: no id
