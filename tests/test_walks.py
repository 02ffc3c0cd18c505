"""One gradient from every walk: `backward`, `backprop` (with and without ``on_step``),
`trace_backward`, `explore`, `to_python` and `compile` give the same bits on random
graphs whose leaves and constants include 0, -0.0, 1e-300, 1e300, inf and nan; and the
engine agrees with PyTorch float64 wherever PyTorch's gradient is a number."""

import json
import math
import re
import struct
from collections.abc import Callable
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

import micrograd
from micrograd import Value, ops
from micrograd.engine import topological_order
from micrograd.gradients import backprop
from micrograd.op import Op, declared_ops
from micrograd.viz import explore, trace_backward

from helpers import needs_torch, torch

EDGES = [0.0, -0.0, 1e-300, -1e-300, 1e300, -1e300, math.inf, -math.inf, math.nan]
NUMBERS = st.one_of(st.sampled_from(EDGES), st.floats(-3.0, 3.0, allow_nan=False))
TABLE = [op for op in vars(ops).values() if isinstance(op, Op)]


def bits(x: float) -> tuple[int, ...] | str:
    """``x`` as its bits (so 0.0 and -0.0 differ), every nan alike."""
    return "nan" if math.isnan(x) else struct.unpack("<q", struct.pack("<d", x))


def build(choices: list[tuple[int, int, int, float]], leaves: list[Value]) -> Value:
    """Ops picked by ``choices`` on earlier nodes (so nodes fork), constants ``c`` from
    the edge values; an op whose forward raises is left out."""
    table = [op for op in declared_ops().values() if op in TABLE]
    table += [ops.affine, ops.relu_affine, ops.logsumexp]  # ops of many inputs
    nodes = list(leaves)
    for k, (o, i, j, c) in enumerate(choices):
        op = table[o % len(table)]
        a, b = nodes[-1 - i % len(nodes)], nodes[j % len(nodes)]
        try:
            if op.arity is None:  # (b, w_1, x_1) or (b, w_1, w_2, x_1, x_2)
                out = op(a, b, c) if k % 2 else op(b, a, c, nodes[0], a)
            elif op.arity == 2:
                out = op(a, c) if k % 3 == 1 else op(a, b)
            elif op.params:
                out = op(a, c)
            else:
                out = op(a)
        except (ArithmeticError, ValueError):
            continue
        nodes.append(out)
    return ops.total(*nodes[-3:])


def outcome(run: Callable[[], list[float]]) -> list[Any] | type:
    """The bits of the gradients ``run`` gives, or the type of the error it raises."""
    try:
        return [bits(g) for g in run()]
    except (ArithmeticError, ValueError) as error:
        return type(error)


def after_each_step(steps: list[Any], leaves: list[Value]) -> list[float]:
    last = {id(s.to): s.after for s in steps}
    return [last.get(id(v), 0.0) for v in leaves]


def by_explorer(root: Value, leaves: list[Value]) -> list[float]:
    """The gradients the explorer page shows: each leaf's last ``after``, read from the page."""
    page = explore(root, max_nodes=None).html
    data = json.loads(re.search(r'class="mg-data">(.*?)</script>', page, re.S).group(1))  # type: ignore[union-attr]
    ids = {entry["label"]: vid for vid, entry in data["values"].items()}
    last = {s["to"]: float(s["after"][1]) for s in data["backward"]}
    return [last.get(ids.get(v.label, ""), 0.0) for v in leaves]


def by_to_python(root: Value, leaves: list[Value]) -> list[float]:
    source = micrograd.to_python(root)
    namespace: dict[str, Any] = {}
    exec(source, namespace)
    signature = re.search(r"def forward_backward\((.*)\):", source).group(1)  # type: ignore[union-attr]
    names = [n for n in signature.split(", ") if n]
    by_label = {v.label: v for v in leaves}
    _, grads = namespace["forward_backward"](*(by_label[n].data for n in names))
    found = dict(zip(names, grads))
    return [found.get(v.label, 0.0) for v in leaves]


def by_backward(root: Value, leaves: list[Value]) -> list[float]:
    for v in leaves:
        v.grad = 0.0
    root.backward()
    return [v.grad for v in leaves]


def by_compile(choices: list[tuple[int, int, int, float]], leaves: list[Value]) -> list[float]:
    for v in leaves:
        v.grad = 0.0
    micrograd.compile(lambda: build(choices, leaves))()
    return [v.grad for v in leaves]


def by_compile_with_argument(
    choices: list[tuple[int, int, int, float]], leaves: list[Value]
) -> list[float]:
    """The gradients of the other leaves, with the first one passed as an argument (an
    argument takes no gradient: its local derivatives are only read by the code's tests)."""
    first, *rest = leaves
    for v in rest:
        v.grad = 0.0
    micrograd.compile(lambda x0: build(choices, [x0, *rest]))(first.data)
    return [v.grad for v in rest]


graphs = st.lists(
    st.tuples(st.integers(0, 100), st.integers(0, 6), st.integers(0, 6), NUMBERS),
    min_size=1,
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(graphs, st.lists(NUMBERS, min_size=3, max_size=3))
def test_every_walk_gives_the_same_bits(choices, xs) -> None:
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(xs)]
    root = build(choices, leaves)
    if not root._prev:
        return
    reference = outcome(lambda: by_backward(root, leaves))
    walks = {
        "backprop": lambda: [backprop(root).get(v, 0.0) for v in leaves],
        "backprop(on_step)": lambda: [
            backprop(root, on_step=lambda s: None).get(v, 0.0) for v in leaves
        ],
        "trace_backward": lambda: after_each_step(trace_backward(root), leaves),
        "explore": lambda: by_explorer(root, leaves),
        "to_python": lambda: by_to_python(root, leaves),
        "compile": lambda: by_compile(choices, leaves),
    }
    for name, run in walks.items():
        assert outcome(run) == reference, (name, xs, choices)
    if isinstance(reference, list):
        found = outcome(lambda: by_compile_with_argument(choices, leaves))
        assert found == reference[1:], (xs, choices)


# -- against PyTorch float64 -----------------------------------------------------------

TORCH_OPS: dict[str, Callable[..., Any]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "neg": lambda x: -x,
    "exp": lambda x: x.exp(),
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "ReLU": lambda x: x.relu(),
    "abs": lambda x: x.abs(),
    "log": lambda x: x.log(),
    "sqrt": lambda x: x.sqrt(),
    "Σ": lambda *xs: sum(xs[1:], xs[0]),
    "w·x+b": lambda b, *wx: _affine(b, wx),
    "ReLU(w·x+b)": lambda b, *wx: _affine(b, wx).relu(),
}


def _affine(b: Any, wx: tuple[Any, ...]) -> Any:
    """b + w_1 x_1 + ... + w_n x_n, added left to right as the engine adds it."""
    n = len(wx) // 2
    return sum((w * x for w, x in zip(wx[:n], wx[n:])), b)


def to_torch(root: Value, leaves: list[Value]) -> tuple[Any, list[Any]] | None:
    """``root``'s graph rebuilt with PyTorch ops, or None if it uses an op not mapped."""
    tensors = {v: torch.tensor(v.data, dtype=torch.float64, requires_grad=True) for v in leaves}
    for node in reversed(topological_order(root)):
        mapped = TORCH_OPS.get(node._op)
        if mapped is None:
            return None
        inputs = [
            tensors[p] if p in tensors else torch.tensor(p.data, dtype=torch.float64)
            for p in node._prev
        ]
        tensors[node] = mapped(*inputs)
    return tensors[root], [tensors[v] for v in leaves]


@needs_torch
@settings(max_examples=200, deadline=None)
@given(graphs, st.lists(NUMBERS, min_size=3, max_size=3))
def test_the_engine_agrees_with_torch(choices, xs) -> None:
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(xs)]
    root = build(choices, leaves)
    rebuilt = to_torch(root, leaves) if root._prev else None
    if rebuilt is None:
        return
    event("compared with PyTorch")
    out, inputs = rebuilt
    assert agree(root.data, out.item())
    if not isinstance(outcome(lambda: by_backward(root, leaves)), list):
        return  # a derivative undefined here raises, as Python's math does; PyTorch: inf, nan
    out.backward()
    for v, t in zip(leaves, inputs):
        theirs = 0.0 if t.grad is None else t.grad.item()
        if math.isnan(theirs):
            continue  # PyTorch multiplies a zero gradient by an infinite derivative
        assert agree(v.grad, theirs), (v.label, v.grad, theirs)


def agree(ours: float, theirs: float) -> bool:
    """Equal, both nan, or within 1e-12 relative (libm and PyTorch may round tanh or exp
    differently in the last bit)."""
    both_nan = math.isnan(ours) and math.isnan(theirs)
    return both_nan or ours == theirs or math.isclose(ours, theirs, rel_tol=1e-12)
