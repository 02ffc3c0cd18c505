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
from collections.abc import Callable
from importlib import resources
from typing import Any

from micrograd.engine import Value, is_constant, op_of, topological_order
from micrograd.gradients import Step, local_derivatives
from micrograd.jsformula import NotTranslatable, op_spec
from micrograd.layout import COLUMN_GAP, Edge, layered_layout
from micrograd.names import constant_text, graph_names
from micrograd.op import Formula
from micrograd.scalars import real
from micrograd.shown import check_root, input_order, nodes_within, number_text, trace_backward
from micrograd.units import Unit, boxes_of, units_of

__all__ = ["Explorer", "explore"]

CHAR = 7.8  # the width of a character of the page's 13px monospace font, in pixels
LINE = 17.0  # the height of a line of text
CELL = 20.0  # the height of one input's cell in an op box
CONSTANT_HEIGHT = LINE + 8  # a constant's box: one line, its number
NEURON_LEVEL_FROM = 60  # a graph of more Values that has neurons opens at neuron level
WEIGHTS_SHOWN = 8  # a neuron with at most this many inputs has its weights on its edges
WEIGHT_GAP = 120.0  # the gap between columns where weights are written on edges


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


def explore(
    root: Value, *, max_nodes: int | None = 500, depth: int | None = None, quiz: bool = False
) -> Explorer:
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

    A graph with neurons (`micrograd.units`) of more than 60 Values opens at the level
    of neurons (one box per neuron, its weights on its edges; click one to open it in
    place), and has a level of layers. Clicking a leaf lets the learner change its data:
    the page recomputes both passes (what if).

    A constant (a number lifted into the graph, as the 2 in ``x * 2``) is drawn as in
    `micrograd.viz.draw_dot`: its name (its number) alone in a small grey box, or
    ``label = number`` for a labelled one, no gradient shown. Only a labelled one (an
    input given as a plain number, which `micrograd.nn` labels ``x0, x1, ...``) can be
    edited. The engine's walk adds into a constant's accumulator as into any input's,
    so the steps into it are there, as ``trace_backward`` lists them.

    ``quiz=True`` hides what each step computes: the learner types the contribution
    (and, at a fork, the running sum), the page checks it to 1e-4 relative and then
    shows the arithmetic; a score at the end. It shows the level of Values only.

    ``max_nodes`` and ``depth`` are as in `micrograd.viz.draw_dot`. Needs no Graphviz.
    """
    check_root(root, "explore")
    if not isinstance(quiz, bool):
        raise TypeError(f"explore: quiz must be True or False, got {type(quiz).__name__}")
    for name, value in (("max_nodes", max_nodes), ("depth", depth)):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise TypeError(f"explore: {name} must be an int or None, got {type(value).__name__}")
        if value is not None and value < 1:
            raise ValueError(f"explore: {name} must be at least 1, got {value}")
    index = nodes_within(root, depth)
    if max_nodes is not None and len(index) > max_nodes:
        raise ValueError(
            f"explore: the graph has {len(index)} Values, more than max_nodes={max_nodes}; "
            "pass max_nodes=None to show it anyway, or depth=d for the d levels of Values "
            "nearest the root"
        )
    steps = trace_backward(root)
    page = _page_data(root, index, steps)
    if quiz:  # the learner's own arithmetic, edge by edge: no level shows it done
        page.update(quiz=True, start="values", levels={"values": page["levels"]["values"]})
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
    levels = "".join(
        f'<button type="button" data-level="{level}" aria-pressed="false" '
        f'title="one box per {level[:-1]}">{level}</button>'
        for level in page["levels"]
        if len(page["levels"]) > 1
    )
    fragment = (
        f'<div class="mg-explore" id="{root_id}" tabindex="0" role="group" '
        'aria-label="backprop explorer: arrow keys step, Home and End jump, p plays">\n'
        f"<style>\n{style}</style>\n"
        '<div class="mg-bar"><button type="button" data-mode="backward" aria-pressed="true">'
        'backward pass</button><button type="button" data-mode="forward" '
        f'aria-pressed="false">forward pass</button><span class="mg-gap"></span>{buttons}'
        '<span class="mg-counter" aria-live="polite"></span><span class="mg-gap"></span>'
        f"{levels}"
        '<button type="button" data-act="zoom" aria-pressed="false" title="fit the width '
        '/ actual size (z)">actual size</button></div>\n'
        '<div class="mg-panel" aria-live="polite"></div>\n<div class="mg-edit"></div>\n'
        '<div class="mg-info"></div>\n'
        '<div class="mg-graph"><p class="mg-noscript">The explorer draws the graph with '
        "JavaScript, which this view does not run: open the saved page (Explorer.save) in a "
        "browser.</p></div>\n"
        f'<script type="application/json" class="mg-data">{text}</script>\n'
        f"<script>\n{script}</script>\n</div>"
    )
    title = f"backprop of {page['values'][page['root']]['name']}: {len(steps)} steps"
    return Explorer(fragment, title)


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


def _derivative_text(
    node: Value, slot: int, vid: Callable[[Value], str | None]
) -> list[Any] | None:
    """[d out / d input as the op table writes it, the input's name in the formula,
    what each name in the text stands for: a Value's id (``vid``, None for a Value not
    on the page) or a number], or None for an op without formula text. The page writes
    the text with the numbers of the names it knows. With an op applied to a sum
    (ReLU(w·x+b)), the chain rule inside the node: d op / d sum * d sum / d input."""
    op = op_of(node)
    formula = op.formula if op is not None else None
    if formula is None:
        return None
    parents = node._prev
    names = _slot_names(formula, len(parents))
    fixed = len(formula.inputs)
    binds: dict[str, Any] = {"out": vid(node), **dict(zip(formula.params, formula.bound))}
    if slot < fixed:
        text = formula.partials[slot]
        binds.update(zip(formula.inputs, map(vid, parents)))
    else:
        n = (len(parents) - fixed) // len(formula.groups)
        k = (slot - fixed) % n
        # in a group's partial, a group's name stands for its k-th input
        text = _IDENTIFIER.sub(
            lambda m: f"{m.group()}_{k + 1}" if m.group() in formula.groups else m.group(),
            formula.partials[fixed + (slot - fixed) // n],
        )
        binds.update(
            (f"{g}_{k + 1}", vid(parents[fixed + j * n + k])) for j, g in enumerate(formula.groups)
        )
    if formula.outer is not None:
        # the outer op's partial is in its own input (the sum, not on the page) and out
        inner = text if _IDENTIFIER.fullmatch(text) or text == "1.0" else f"({text})"
        text = f"{formula.outer.partials[0]} * {inner}"
        binds.update(zip(formula.outer.params, formula.outer.bound))
    used = set(_IDENTIFIER.findall(text))
    known = {name: b for name, b in binds.items() if name in used and b is not None}
    return [text, names[slot], known]


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
    return [number_text(x), exact]


def _text_width(texts: list[str]) -> float:
    return max(len(t) for t in texts) * CHAR + 16


def _page_data(root: Value, index: dict[Value, int], steps: list[Step]) -> dict[str, Any]:
    """The Values, the op boxes, the backward steps, the forward order and, for each
    level, its boxes, edges and steps."""
    forward = [v for v in reversed(topological_order(root)) if v in index]
    neurons = units_of(forward, "neurons")
    names = graph_names(root).shown
    order = sorted(index, key=index.__getitem__)
    values = {
        f"v{index[v]}": {
            "name": names[v],
            "label": str(v.label),
            "data": _number(v.data),
            "op": v._op if v._prev else "",
        }
        for v in order
    }
    constants = {v: constant_text(v, names[v]) for v in order if is_constant(v)}
    for v, text in constants.items():
        values[f"v{index[v]}"]["constant"] = text
    specs, edit = _specs(order, index, values)
    ops = {f"v{index[v]}op": _op_box(v, index) for v in order if v._prev}
    backward = [s for s in steps if s.node in index and s.to in index]
    seen: dict[Value, list[Any]] = {v: [0.0] for v in index}  # every gradient a Value shows
    seen[root].append(1.0)
    for s in backward:
        seen[s.to].append(s.after)
    widths = {
        v: _text_width(
            [names[v], f"data {number_text(v.data)}", *(f"grad {number_text(g)}" for g in seen[v])]
        )
        for v in order
    }
    widths.update((v, _text_width([text])) for v, text in constants.items())
    context = _Context(index, names, ops, widths, seen, backward, forward)
    levels = {"values": context.level([])}
    if neurons:  # levels of neurons and of layers only for a graph that has neurons
        levels["neurons"] = context.level(neurons)
        levels["layers"] = context.level(units_of(forward, "layers"))
    start = "neurons" if "neurons" in levels and len(index) > NEURON_LEVEL_FROM else "values"
    return {
        "root": f"v{index[root]}",
        "seed": _number(1.0),
        "zero": _number(0.0),
        "start": start,
        "weightsShown": WEIGHTS_SHOWN,
        "values": values,
        "ops": ops,
        "levels": levels,
        "specs": specs,
        "edit": edit,
        "order": [f"v{index[v]}" for v in topological_order(root) if v in index],
        "backward": [_step_data(s, index) for s in backward],
        "forward": [
            {
                "value": f"v{index[v]}",
                "inputs": [f"v{index[p]}" if p in index else None for p in v._prev],
                "edges": [f"e{index[v]}_{slot}" for slot, p in enumerate(v._prev) if p in index],
            }
            for v in forward
        ],
    }


class _Context:
    """What every level's drawing is made from."""

    def __init__(
        self,
        index: dict[Value, int],
        names: dict[Value, str],
        ops: dict[str, Any],
        widths: dict[Value, float],
        seen: dict[Value, list[Any]],
        backward: list[Step],
        forward: list[Value],
    ) -> None:
        self.index, self.names, self.ops, self.widths = index, names, ops, widths
        self.seen, self.backward, self.forward = seen, backward, forward

    def vid(self, v: Value) -> str:
        return f"v{self.index[v]}"

    def boxes_of(self, units: list[Unit]) -> dict[Value, str | None]:
        """The id of the box that shows each Value (see `micrograd.units.boxes_of`)."""
        return {
            v: None if b is None else b.id if isinstance(b, Unit) else self.vid(b)
            for v, b in boxes_of(self.index, units).items()
        }

    def level(self, units: list[Unit]) -> dict[str, Any]:
        """One level's boxes (laid out), edges (with the value edges each stands for),
        units, and the backward and forward steps grouped by the box they start from."""
        box = self.boxes_of(units)
        sizes: list[tuple[float, float]] = []
        numbers: dict[str, int] = {}
        for v in sorted(self.index, key=self.index.__getitem__):
            if box[v] != self.vid(v):
                continue
            numbers[self.vid(v)] = len(sizes)
            sizes.append((self.widths[v], CONSTANT_HEIGHT if is_constant(v) else 3 * LINE + 8))
            if v._prev:
                op = self.ops[self.vid(v) + "op"]
                numbers[self.vid(v) + "op"] = len(sizes)
                sizes.append((op["w"], op["h"]))
        shown = {u.id: self._unit(u) for u in units}
        for u in units:
            numbers[u.id] = len(sizes)
            sizes.append((shown[u.id]["w"], shown[u.id]["h"]))
        heights = {u.id: float(shown[u.id]["h"]) for u in units}
        edges, about = self._edges(box, units, numbers, heights)
        # room on the edges for the weights of neurons with few inputs (as the page draws)
        labelled = any(len(u.sums) == 1 and len(u.inputs) <= WEIGHTS_SHOWN for u in units)
        layout = layered_layout(sizes, edges, gap=WEIGHT_GAP if labelled else COLUMN_GAP)
        places = {
            name: [round(c, 1) for c in (x - w / 2, y - h / 2, w, h)]
            for name, n in numbers.items()
            for (x, y), (w, h) in [(layout.centres[n], sizes[n])]
        }
        return {
            "width": round(layout.width, 1),
            "height": round(layout.height, 1),
            "crossings": layout.crossings,
            "boxes": places,
            "units": shown,
            "edges": [
                {**a, "points": [round(c, 1) for p in route for c in p]}
                for a, route in zip(about, layout.routes)
            ],
            "box": {self.vid(v): b for v, b in box.items() if b != self.vid(v)},
        }

    def _edges(
        self,
        box: dict[Value, str | None],
        units: list[Unit],
        numbers: dict[str, int],
        heights: dict[str, float],
    ) -> tuple[list[Edge], list[dict[str, Any]]]:
        """Every edge of a level: into each op's cell for its input, out of each op into
        its Value, and into a unit from each of its inputs, spread down its left side in
        input order."""
        edges: list[Edge] = []
        about: list[dict[str, Any]] = []

        def add(tail: str, head: str, port: float, eid: str, stands: list[str]) -> None:
            edges.append(Edge(numbers[tail], numbers[head], port))
            about.append({"id": eid, "from": tail, "to": head, "v": stands})

        for v in sorted(self.index, key=self.index.__getitem__):
            if box[v] != self.vid(v) or not v._prev:
                continue
            op_id = self.vid(v) + "op"
            op = self.ops[op_id]
            for cell in op["cells"]:
                tail = box.get(v._prev[cell["slot"]])
                if tail is not None:
                    eid = f"e{self.index[v]}_{cell['slot']}"
                    add(tail, op_id, cell["y"] - op["h"] / 2, eid, [eid])
            add(op_id, self.vid(v), 0.0, self.vid(v) + "out", [self.vid(v) + "out"])
        for u in units:
            for k, x in enumerate(u.inputs):
                tail = box.get(x)
                if tail is None:
                    continue
                n = len(u.inputs)
                stands = [f"e{self.index[z]}_{slot}" for z in u.sums for slot in (1 + k, 1 + n + k)]
                port = ((k + 0.5) / n - 0.5) * (heights[u.id] - 8)
                add(tail, u.id, port, f"{u.id}_{k}", stands)
        return edges, about

    def _unit(self, u: Unit) -> dict[str, Any]:
        """A unit's box: its name and op, then data and grad of its output (a neuron) or
        of each output (a layer, one row per neuron)."""
        widest = max(
            (number_text(g) for out in u.outputs for g in self.seen[out]), key=len, default=""
        )
        texts = [u.name, u.op, f"data {number_text(u.outputs[0].data)}", f"grad {widest}"]
        lines = 4 if len(u.outputs) == 1 else 2 + len(u.outputs)
        if len(u.outputs) > 1:
            texts += [f"{'':8} {number_text(out.data)} {widest}" for out in u.outputs]
        neuron = len(u.sums) == 1
        return {
            "name": u.name,
            "op": u.op,
            "outs": [self.vid(v) for v in u.outputs],
            "sums": [self.vid(v) for v in u.sums],
            "params": [[self.vid(p) if p in self.index else None for p in ps] for ps in u.params],
            "inputs": [self.vid(x) if x in self.index else None for x in u.inputs],
            "weights": [[self.vid(w) if w in self.index else None for w in ws] for ws in u.weights],
            "neuron": neuron,
            "w": round(_text_width(texts), 1),
            "h": lines * LINE + 8,
        }


def _specs(
    order: list[Value], index: dict[Value, int], values: dict[str, Any]
) -> tuple[dict[str, Any], str | None]:
    """How the page recomputes each op (`micrograd.jsformula.op_spec`), shared by the
    Values of the same op, and why editing is off (None: it is on). Each interior
    Value's entry gets its parents (``p``), its spec's key and its formulas (``f``)."""
    specs: dict[str, Any] = {}
    keys: dict[str, str] = {}
    edit = None

    def vid(v: Value) -> str | None:  # None: left out by depth
        return f"v{index[v]}" if v in index else None

    for v in order:
        entry = values[f"v{index[v]}"]
        if not v._prev:
            continue
        entry["f"] = [_derivative_text(v, slot, vid) for slot in range(len(v._prev))]
        if any(p not in index for p in v._prev):
            edit = edit or "editing is off: depth leaves some inputs out of the page"
            continue
        entry["p"] = [f"v{index[p]}" for p in v._prev]
        try:
            spec = op_spec(v)
        except NotTranslatable as error:
            edit = edit or f"editing is off: {error}"
            continue
        text = json.dumps(spec, sort_keys=True)
        entry["spec"] = keys.setdefault(text, f"s{len(keys)}")
        specs[entry["spec"]] = spec
    return specs, edit


def _op_box(node: Value, index: dict[Value, int]) -> dict[str, Any]:
    """An op's box: its name, and one cell per input (in drawing order) that will hold
    the local derivative for that edge; inputs cut off by ``depth`` are counted in a
    last cell."""
    slots = input_order(node)
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
    return {
        "node": f"v{i}",
        "to": f"v{index[s.to]}",
        "slot": s.slot,
        "edge": f"e{i}_{s.slot}",
        **{
            name: _number(getattr(s, name))
            for name in ("grad", "local", "contribution", "before", "after")
        },
    }
