"""The names of a graph's Values, one set for every view: `micrograd.viz.draw_dot`, the
explorer, `micrograd.viz.trace_backward` and `micrograd.codegen.to_python`.

A Value is called by its label. An unlabelled one is called by its neuron
(`micrograd.units`: ``L1.n0`` for a neuron's output, ``L1.n0.z`` for its w·x+b), else by
its expression where that is short and its inputs have names of their own (``x1*w1``,
``tanh(n)``), else by its stable id; an unlabelled constant by its number (to 6 digits).

Every Value that is not a constant and whose label will not do as a Python name (not
an identifier Python reads as written, a keyword, or another Value's label too; an
empty label included) has a stable id ``v0, v1, ...``: the leaves first, in the order
reading the expression from the left meets them, then the interior nodes in the order
the forward pass computes them, skipping ids that are labels in the graph. The ids
depend on the graph alone, so every view of it agrees on them, and ``to_python``
names its variables by them where a label will not do.
"""

from __future__ import annotations

import keyword
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from itertools import count

from micrograd.engine import Value, is_constant, topological_order
from micrograd.scalars import real
from micrograd.units import units_of

__all__ = ["GraphNames", "constant_text", "graph_names", "reading_order"]

SHORT = 14  # the longest expression shown as an unlabelled Value's name
# how tightly an expression binds: + and - least, then * and /, then **k, then a name
# (or a number, or a call such as tanh(x)); any other text not at all
_INFIX = {"+": 1, "-": 1, "*": 2, "/": 2}
_POWER, _NAME = 3, 4
_ATOM = re.compile(r"[\w.]+")


@dataclass(frozen=True)
class GraphNames:
    """``shown[v]``: what every view calls ``v``; ``ids[v]``: its stable id, for each
    Value not a constant whose label will not do as a Python name."""

    shown: dict[Value, str]
    ids: dict[Value, str]


def reading_order(root: Value) -> list[Value]:
    """The Values without inputs behind ``root`` (constants too), in the order they are
    met reading its expression from the left (x, y for (x + sigmoid(y)) / (x^2 + y)):
    a depth-first search, first input first."""
    order: dict[Value, None] = {}
    seen: set[Value] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if not node._prev:
            order[node] = None
        elif node not in seen:
            seen.add(node)
            stack += reversed(node._prev)
    return list(order)


def graph_names(root: Value) -> GraphNames:
    """The names of every Value behind ``root`` (see the module's text)."""
    nodes = reading_order(root) + topological_order(root)[::-1]
    uses = Counter(unicodedata.normalize("NFKC", v.label) for v in nodes)
    fresh = (name for k in count() if uses[name := f"v{k}"] == 0)
    ids = {v: next(fresh) for v in nodes if not is_constant(v) and not _python_name(v, uses)}
    shown = {v: v.label for v in nodes if v.label}
    for u in units_of(nodes, "neurons"):
        for v, name in ((u.outputs[0], u.name), (u.sums[0], f"{u.name}.z")):
            shown.setdefault(v, name)
    binding: dict[Value, int] = {}
    for v in nodes:  # inputs before outputs: an expression reads its inputs' names
        if v not in shown:
            shown[v] = _number(v.data) if is_constant(v) else _expression(v, shown, ids, binding)
    return GraphNames(shown, ids)


def _number(x: object) -> str:
    """A constant's name: its number as Python writes it, or to 6 digits where that is
    longer than 8 characters (14.684 for 14.683999140631522)."""
    text = repr(real(x))
    return text if len(text) <= 8 else f"{real(x):.6g}"


def _python_name(v: Value, uses: Counter[str]) -> bool:
    """``v``'s label will do as a Python name: an identifier, read as written, no keyword,
    and no other Value's label (``uses``: how many labels Python reads as each name)."""
    label = v.label
    return (
        label.isidentifier()
        and unicodedata.normalize("NFKC", label) == label
        and not keyword.iskeyword(label)
        and uses[label] == 1
    )


def _expression(
    v: Value, shown: dict[Value, str], ids: dict[Value, str], binding: dict[Value, int]
) -> str:
    """``v``'s expression in its inputs' names where it is short and none of them is
    called by its id, with parentheses where an input's own expression binds less
    tightly (``binding``, filled in here); else ``v``'s id."""
    parents = v._prev
    if not parents or any(shown[p] == ids.get(p) for p in parents):
        return ids[v]

    def operand(p: Value, least: int) -> str:
        text = shown[p]
        tight = binding.get(p, _NAME if _ATOM.fullmatch(text) else 0)
        return text if tight >= least else f"({text})"

    if len(parents) == 2 and v._op in _INFIX:
        tight = _INFIX[v._op]  # the right input of a - (b - c) needs its parentheses
        text = f"{operand(parents[0], tight)}{v._op}{operand(parents[1], tight + 1)}"
    elif len(parents) == 1 and v._op.startswith("**"):
        tight, text = _POWER, f"{operand(parents[0], _NAME)}{v._op}"
    elif len(parents) == 1:
        tight, text = _NAME, f"{v._op}({shown[parents[0]]})"
    else:
        return ids[v]
    if len(text) > SHORT:
        return ids[v]
    binding[v] = tight
    return text


def constant_text(v: Value, name: str) -> str:
    """What a drawn constant says (`micrograd.viz.draw_dot`, the explorer): its name
    ``name`` (its number), or for a labelled one ``name = number``."""
    return name if not v.label else f"{name} = {v.data:g}"
