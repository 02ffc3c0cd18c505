"""The backprop explorer: one self-contained HTML page that steps through both passes.

`explore(root)` lays the graph out in Python (`micrograd.layout`, no Graphviz needed)
and writes a page whose small script draws it as SVG and steps through the backward
pass (the steps of `micrograd.viz.trace_backward`) and the forward pass (the Values in
topological order). Each backward step shows

    upstream gradient × local derivative = contribution

with the local derivative's formula from the op table and its numbers (tanh:
1.0 - out * out = 1.0 - 0.7071 * 0.7071 = 0.5000), and at a Value that feeds several
ops the running sum of its contributions (the fork rule).

Every explorer on a page registers itself in ``window.micrograd.explorers`` (in
creation order) with ``steps``, ``step(k)``, ``value(name) -> {data, grad}`` and
``level('values')`` (the number of Value boxes drawn).
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import os
import re
from importlib import resources
from typing import Any

from micrograd.engine import (
    Formula,
    Step,
    Value,
    local_derivatives,
    op_of,
    real,
    topological_order,
)
from micrograd.layout import Edge, layered_layout
from micrograd.viz import _check_root, _fmt, _input_order, _walk, trace_backward

__all__ = ["Explorer", "explore"]

CHAR = 7.8  # the width of a character of the page's 13px monospace font, in pixels
LINE = 17.0  # the height of a line of text
CELL = 20.0  # the height of one input's cell in an op box
SHORT = 14  # the longest expression shown as an unlabelled Value's name


class Explorer:
    """The backprop explorer of one graph: shows inline in Jupyter (``_repr_html_``) and
    saves as one self-contained HTML file (``save``); ``html`` is that file's text."""

    def __init__(self, fragment: str, title: str) -> None:
        self.fragment = fragment
        self.title = title

    @property
    def html(self) -> str:
        """The whole page: no external URL, no request, nothing but this text."""
        return (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{html.escape(self.title)}</title>\n</head>\n<body>\n"
            f"{self.fragment}\n</body>\n</html>\n"
        )

    def save(self, path: str | os.PathLike[str]) -> str:
        """Write the page to ``path`` (UTF-8) and return the path written."""
        with open(path, "w", encoding="utf-8") as file:
            file.write(self.html)
        return os.fspath(path)

    def _repr_html_(self) -> str:
        return self.fragment

    def __repr__(self) -> str:
        return f"<Explorer: {self.title}; .save('backprop.html') writes it as a page>"


def explore(root: Value, *, max_nodes: int | None = 500, depth: int | None = None) -> Explorer:
    """An interactive page that steps through the backward pass of ``root``, edge by edge.

    Each step k shows the edge of ``trace_backward(root)[k-1]`` with ``upstream
    gradient × local derivative = contribution``, the local derivative's formula with
    its numbers, and the input's accumulator going from ``before`` to ``after``; at a
    Value that feeds several ops, the running sum of its contributions (the fork rule).
    A forward view shows the Values appearing in topological order. Buttons, arrow
    keys (at once, on a page of its own), Home/End and ``p`` (play) step; hovering or
    focusing a Value shows its name, data and gradient to full precision. The picture
    fits the width while its text stays at least 11 px; else it is drawn at actual size
    (``z`` toggles) and scrolls so each step's edge and both its ends are in view.

    ``max_nodes`` and ``depth`` are as in `micrograd.viz.draw_dot`. Needs no Graphviz.
    """
    _check_root(root, "explore")
    for name, value in (("max_nodes", max_nodes), ("depth", depth)):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise TypeError(f"explore: {name} must be an int or None, got {type(value).__name__}")
        if value is not None and value < 1:
            raise ValueError(f"explore: {name} must be at least 1, got {value}")
    index = _walk(root, depth)
    if max_nodes is not None and len(index) > max_nodes:
        raise ValueError(
            f"explore: the graph has {len(index)} Values, more than max_nodes={max_nodes}; "
            "pass max_nodes=None to show it anyway, or depth=d for the d levels of Values "
            "nearest the root"
        )
    steps = trace_backward(root)
    page = _page_data(root, index, steps)
    text = json.dumps(page, ensure_ascii=False, separators=(",", ":"))
    # no "<", ">" or "&" in the page's script: a label cannot end or comment it out
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    root_id = "mg-explore-" + hashlib.sha1(text.encode()).hexdigest()[:12]
    assets = resources.files("micrograd") / "assets"
    style = (assets / "explore.css").read_text(encoding="utf-8")
    script = (assets / "explore.js").read_text(encoding="utf-8")
    buttons = "".join(
        f'<button type="button" data-act="{act}" title="{hint}">{face}</button>'
        for act, face, hint in (
            ("first", "« first", "first step (Home)"),
            ("prev", "◀ prev", "previous step (←)"),
            ("play", "play ▶", "play / pause (p)"),
            ("next", "next ▶", "next step (→)"),
            ("last", "last »", "last step (End)"),
        )
    )
    fragment = (
        f'<div class="mg-explore" id="{root_id}" tabindex="0" role="group" '
        'aria-label="backprop explorer: arrow keys step, Home and End jump, p plays">\n'
        f"<style>\n{style}</style>\n"
        '<div class="mg-bar"><button type="button" data-mode="backward" aria-pressed="true">'
        'backward pass</button><button type="button" data-mode="forward" '
        f'aria-pressed="false">forward pass</button><span class="mg-gap"></span>{buttons}'
        '<span class="mg-counter" aria-live="polite"></span><span class="mg-gap"></span>'
        '<button type="button" data-act="zoom" aria-pressed="false" title="fit the width '
        '/ actual size (z)">actual size</button></div>\n'
        '<div class="mg-panel" aria-live="polite"></div>\n<div class="mg-info"></div>\n'
        '<div class="mg-graph"></div>\n'
        f'<script type="application/json" class="mg-data">{text}</script>\n'
        f"<script>\n{script}</script>\n</div>"
    )
    title = f"backprop of {page['values'][page['root']]['name']}: {len(steps)} steps"
    return Explorer(fragment, title)


# ---------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------

_INFIX = ("+", "-", "*", "/")


def _names(root: Value, index: dict[Value, int]) -> dict[Value, str]:
    """What each Value is called on the page: its label; else, for an unlabelled
    interior Value whose inputs are named, its expression where that is short
    (``x1*w1``, ``tanh(n)``); else ``#i`` by its number in the page."""
    names: dict[Value, str] = {}
    for v in sorted(index, key=index.__getitem__, reverse=True):  # inputs before outputs
        names[v] = str(v.label) or f"#{index[v]}"
    for v in reversed(topological_order(root)):
        if v.label or v not in index or not all(p in index for p in v._prev):
            continue
        parts = [names[p] for p in v._prev]
        if len(parts) == 2 and v._op in _INFIX:
            text = f"{parts[0]}{v._op}{parts[1]}"
        elif len(parts) == 1 and v._op.startswith("**"):
            text = f"{parts[0]}{v._op}"
        elif len(parts) == 1:
            text = f"{v._op}({parts[0]})"
        else:
            continue
        if len(text) <= SHORT and "#" not in text:
            names[v] = text
    return names


# ---------------------------------------------------------------------------
# The local derivative's formula, with numbers
# ---------------------------------------------------------------------------

_IDENTIFIER = re.compile(r"(?<![\w.])[A-Za-z_]\w*")


def _slot_names(formula: Formula, count: int) -> list[str]:
    """The formula's name for each input slot: the fixed inputs, then w_1..w_n, x_1..x_n
    for a sum over groups."""
    fixed = list(formula.inputs)
    if not formula.groups:
        return fixed
    n = (count - len(fixed)) // len(formula.groups)
    return fixed + [f"{g}_{i}" for g in formula.groups for i in range(1, n + 1)]


def _derivative_text(node: Value, slot: int) -> tuple[str, str, str] | None:
    """(d out / d input as the op table writes it, that text with the numbers, the
    input's name in the formula), or None for an op without formula text."""
    op = op_of(node)
    formula = op.formula if op is not None else None
    if formula is None or formula.outer is not None:
        return None
    parents = node._prev
    names = _slot_names(formula, len(parents))
    fixed = len(formula.inputs)
    values: dict[str, float] = {"out": node.data, **dict(zip(formula.params, formula.bound))}
    if slot < fixed:
        text = formula.partials[slot]
        values.update(zip(formula.inputs, (p.data for p in parents)))
    else:
        n = (len(parents) - fixed) // len(formula.groups)
        k = (slot - fixed) % n
        text = formula.partials[fixed + (slot - fixed) // n]
        # in a group's partial, a group's name stands for its k-th input
        values.update((g, parents[fixed + j * n + k].data) for j, g in enumerate(formula.groups))
        text = _IDENTIFIER.sub(
            lambda m: f"{m.group()}_{k + 1}" if m.group() in formula.groups else m.group(), text
        )
        values.update((f"{g}_{k + 1}", values[g]) for g in formula.groups)

    def number(match: re.Match[str]) -> str:
        name = match.group()
        if name not in values:
            return name
        shown = _fmt(values[name])
        return f"({shown})" if shown.startswith("-") else shown

    return text, _IDENTIFIER.sub(number, text), names[slot]


# ---------------------------------------------------------------------------
# What the page's script reads
# ---------------------------------------------------------------------------


def _number(x: Any) -> list[str]:
    """A number as the page shows it: [as in the pictures, to full precision]."""
    x = real(x)
    exact = (
        repr(x)
        if math.isfinite(x)
        else {"inf": "Infinity", "-inf": "-Infinity"}.get(repr(x), "NaN")
    )
    return [_fmt(x), exact]


def _text_width(texts: list[str]) -> float:
    return max(len(t) for t in texts) * CHAR + 16


def _page_data(root: Value, index: dict[Value, int], steps: list[Step]) -> dict[str, Any]:
    """The Values with their boxes, the op boxes, the edges' routes, the backward steps
    and the forward order."""
    names = _names(root, index)
    grads: dict[Value, list[Any]] = {v: [0.0] for v in index}
    grads[root].append(1.0)
    for s in steps:
        if s.to in grads:
            grads[s.to].append(s.after)
    order = sorted(index, key=index.__getitem__)
    sizes: list[tuple[float, float]] = []
    boxes: dict[str, int] = {}
    values: dict[str, Any] = {}
    ops: dict[str, Any] = {}
    for v in order:
        i = index[v]
        texts = [names[v], f"data {_fmt(v.data)}", *(f"grad {_fmt(g)}" for g in grads[v])]
        boxes[f"v{i}"] = len(sizes)
        sizes.append((_text_width(texts), 3 * LINE + 8))
        values[f"v{i}"] = {
            "name": names[v],
            "label": str(v.label),
            "data": _number(v.data),
            "op": v._op if v._prev else "",
        }
        if v._prev:
            ops[f"v{i}op"] = _op_box(v, index)
            boxes[f"v{i}op"] = len(sizes)
            sizes.append((ops[f"v{i}op"]["w"], ops[f"v{i}op"]["h"]))
    edges, ids = [], []
    for v in order:
        if not v._prev:
            continue
        i = index[v]
        box = ops[f"v{i}op"]
        for row, slot in enumerate(box["slots"]):
            parent = v._prev[slot]
            if parent in index:
                port = box["cells"][row]["y"] - box["h"] / 2
                edges.append(Edge(boxes[f"v{index[parent]}"], boxes[f"v{i}op"], port))
                ids.append((f"e{i}_{slot}", f"v{index[parent]}", f"v{i}op"))
        edges.append(Edge(boxes[f"v{i}op"], boxes[f"v{i}"]))
        ids.append((f"v{i}out", f"v{i}op", f"v{i}"))
    layout = layered_layout(sizes, edges)
    for name, b in boxes.items():
        (x, y), (w, h) = layout.centres[b], sizes[b]
        place = values.get(name) or ops[name]
        place.update(x=round(x - w / 2, 1), y=round(y - h / 2, 1), w=round(w, 1), h=round(h, 1))
    return {
        "root": f"v{index[root]}",
        "seed": _number(1.0),
        "zero": _number(0.0),
        "width": round(layout.width, 1),
        "height": round(layout.height, 1),
        "values": values,
        "ops": ops,
        "edges": [
            {"id": e, "from": a, "to": b, "points": [round(c, 1) for p in route for c in p]}
            for (e, a, b), route in zip(ids, layout.routes)
        ],
        "backward": [_step_data(s, index) for s in steps if s.node in index and s.to in index],
        "forward": [
            {
                "value": f"v{index[v]}",
                "inputs": [f"v{index[p]}" if p in index else None for p in v._prev],
                "edges": [f"e{index[v]}_{slot}" for slot, p in enumerate(v._prev) if p in index],
            }
            for v in reversed(topological_order(root))
            if v in index
        ],
    }


def _op_box(node: Value, index: dict[Value, int]) -> dict[str, Any]:
    """An op's box: its name, and one cell per input (in drawing order) that will hold
    the local derivative for that edge; inputs cut off by ``depth`` are counted in a
    last cell."""
    slots = _input_order(node)
    shown = [s for s in slots if node._prev[s] in index]
    missing = len(slots) - len(shown)
    try:
        locals_ = [_number(d) for d in local_derivatives(node)]
    except (ArithmeticError, ValueError):
        locals_ = [["undefined", "undefined"]] * len(node._prev)
    rows = [locals_[s][0] for s in shown] + ([f"… {missing} more"] if missing else [])
    cell_w = _text_width(rows)
    name_w = _text_width([node._op])
    h = CELL * max(1, len(rows))
    top = (h - CELL * len(rows)) / 2
    cells = [
        {"slot": s, "local": locals_[s], "y": top + CELL * (r + 0.5)} for r, s in enumerate(shown)
    ]
    return {
        "name": node._op,
        "slots": shown,
        "cells": cells,
        "more": missing,
        "cw": round(cell_w, 1),
        "w": round(cell_w + name_w, 1),
        "h": h,
    }


def _step_data(s: Step, index: dict[Value, int]) -> dict[str, Any]:
    i = index[s.node]
    formula = _derivative_text(s.node, s.slot)
    return {
        "node": f"v{i}",
        "to": f"v{index[s.to]}",
        "slot": s.slot,
        "edge": f"e{i}_{s.slot}",
        "formula": list(formula) if formula is not None else None,
        **{
            name: _number(getattr(s, name))
            for name in ("grad", "local", "contribution", "before", "after")
        },
    }
