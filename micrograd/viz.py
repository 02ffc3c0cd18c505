"""Pictures of the computation graph and of the backward pass, drawn with Graphviz.

`draw_dot(root)` draws every Value as a record ``{ name | data | grad }`` (named as
every view names it, `micrograd.names`) and every op as its own small node between its
inputs and its output, as in the lecture.
`trace_backward(root)` lists the steps of the backward pass one edge at a time:
for an op node n with input p, the step adds

    dL/dn * dn/dp    (upstream gradient times the local derivative)

to p's gradient; the steps into a node that feeds several ops add up to its
gradient (the fork rule). `draw_dot(root, upto=k)` draws the graph after k of those
steps and `step_through(root)` puts a slider over k in Jupyter.

Only building the DOT source is done here; turning it into a picture needs
Graphviz's ``dot`` program. Without it the drawing still has its ``.source``,
Jupyter shows how to install Graphviz, and ``.render()``/``.pipe()`` say the same.
Every run of ``dot`` stops after the drawing's ``time_limit`` (`DOT_TIME_LIMIT`
seconds unless set) with a TimeoutError that says how to draw a part of the graph.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

import graphviz

from micrograd.drawing import DOT_TIME_LIMIT, Drawing, GraphvizNotFoundError
from micrograd.engine import Value, is_constant
from micrograd.explorer import Explorer, explore
from micrograd.gradients import Step, local_derivatives
from micrograd.names import constant_text, graph_names
from micrograd.replay import TrainingReplay
from micrograd.shown import check_root, input_order, nodes_within, number_text, trace_backward
from micrograd.units import LEVELS, Unit, boxes_of, units_of

__all__ = [
    "DOT_TIME_LIMIT",
    "Explorer",
    "GraphvizNotFoundError",
    "Step",
    "TrainingReplay",
    "draw_dot",
    "explore",
    "step_through",
    "trace_backward",
]

HIGHLIGHT = "#d62728"  # the edge and nodes of the current step of a trace
MUTED = "#a0a0a0"  # nodes and edges the backward pass has not reached yet
_RANKDIRS = ("LR", "TB", "RL", "BT")
# dot ranks the nodes, then places them across the ranks, each by network simplex. An
# edge that spans many ranks becomes a chain of virtual nodes: a leaf that feeds every
# step of a loop gives thousands of them, and the placing then takes over 100,000 pivots
# (minutes). The pictures of expressions and networks converge in at most about 8
# pivots per node; 10 per node leaves them as they were and stops the others in seconds.
_LAYOUT_LIMITS = {"nslimit": "10", "nslimit1": "10"}


def _graph_attributes(rankdir: str) -> dict[str, str]:
    return {"rankdir": rankdir, **_LAYOUT_LIMITS}


# ---------------------------------------------------------------------------
# Text in DOT labels
# ---------------------------------------------------------------------------

# In a double-quoted DOT string, " and \ are escaped and a newline is written \n.
# Record labels also give { } | < > a meaning, and collapse runs of spaces and drop
# spaces at a field's ends: those spaces become no-break spaces (as dot itself writes
# them in SVG), since an escaped space at the start of a field moves to its end.
_QUOTED = re.compile(r'[\\"\n]')
_RECORD = re.compile(r'[\\"\n{}|<>]| (?= )|(?<= ) |^ | $')


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return "\\n" if char == "\n" else "\xa0" if char == " " else "\\" + char


def _drawable(text: str) -> str:
    """``text`` itself, or ValueError if it holds a NUL character (Graphviz stops at one)."""
    if "\0" in text:
        raise ValueError(f"cannot draw the text {text!r}: it contains a NUL character")
    return text


def _quoted_text(text: str) -> str:
    """``text`` for a double-quoted DOT string, shown exactly as written."""
    text = _drawable(text)
    return _QUOTED.sub(_escape, text.replace("\r\n", "\n").replace("\r", "\n"))


def _record_text(text: str) -> str:
    """``text`` for one field of a record label, shown exactly as written."""
    text = _drawable(text)
    return _RECORD.sub(_escape, text.replace("\r\n", "\n").replace("\r", "\n"))


def _html_text(text: str) -> str:
    """``text`` for an HTML-like DOT label, one line per line of ``text``."""
    return "<BR/>".join(html.escape(line) for line in _drawable(text).split("\n"))


# ---------------------------------------------------------------------------
# Drawing
# ---------------------------------------------------------------------------


def _check_count(name: str, value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"draw_dot: {name} must be an int or None, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"draw_dot: {name} must be at least 1, got {value}")


def draw_dot(
    root: Value,
    rankdir: str = "LR",
    *,
    show_grad: bool = True,
    local_grads: bool = False,
    max_nodes: int | None = 500,
    depth: int | None = None,
    upto: int | None = None,
    level: str = "values",
    time_limit: float | None = DOT_TIME_LIMIT,
) -> graphviz.Digraph:
    """Draw the graph that computes ``root``: Values as records, ops as nodes.

    Each Value shows ``{ name | data | grad }`` (no grad part with ``show_grad=False``),
    named as every view names it (`micrograd.names`: its label, else its neuron, its
    short expression or its stable id); each op is a node named by its
    ``_op`` between its inputs and its output. ``rankdir`` is the direction of flow
    ('LR', 'TB', 'RL' or 'BT').

    ``local_grads=True`` writes on every input edge the local derivative
    d out / d input at the current values (x into x*y shows y).

    ``upto=k`` draws the backward pass after the first k steps of
    ``trace_backward(root)``: gradients as they are at that moment (on zeroed
    leaves), the k-th step's edge and its two nodes highlighted and labelled
    ``grad × local = contribution``, and what the pass has not reached yet greyed.

    A graph of more than ``max_nodes`` Values raises ValueError; ``max_nodes=None``
    draws any size, ``depth=d`` draws only the d levels of Values nearest the root
    (ops whose inputs are cut off get a dashed "… n more" input).

    ``level='neurons'`` draws each neuron (`micrograd.units`) as one record
    ``{ name | op | data | grad }`` with its weights written on the edges from its
    inputs; ``level='layers'`` draws each layer as one record. Every other Value is
    drawn as usual. These levels take no ``local_grads``, ``depth`` or ``upto``.

    A constant (a number lifted into the graph, as the 2 in ``x * 2``) is drawn as its
    number alone in a small grey box.

    Returns a `graphviz.Digraph`: Jupyter displays it; ``.render()``/``.pipe()`` save
    it; ``.source`` is the DOT text. Each of those runs ``dot``, and stops it with a
    TimeoutError after ``time_limit`` seconds (None: no limit; the drawing's
    ``time_limit`` attribute can be changed afterwards).
    """
    check_root(root, "draw_dot")
    if rankdir not in _RANKDIRS:
        raise ValueError(f"draw_dot: rankdir must be one of {_RANKDIRS}, got {rankdir!r}")
    _check_count("max_nodes", max_nodes)
    _check_count("depth", depth)
    _check_time_limit(time_limit)
    steps = None
    if upto is not None:
        steps = trace_backward(root)
        if not isinstance(upto, int) or isinstance(upto, bool):
            raise TypeError(f"draw_dot: upto must be an int, got {type(upto).__name__}")
        if not 0 <= upto <= len(steps):
            raise ValueError(
                f"draw_dot: upto={upto} is not a step of this backward pass, "
                f"which has {len(steps)} steps (use 0..{len(steps)})"
            )
    if level != "values":
        if level not in LEVELS:
            raise ValueError(f"draw_dot: level must be one of {LEVELS}, got {level!r}")
        if local_grads or depth is not None or upto is not None:
            raise ValueError(f"draw_dot: level={level!r} draws without local_grads, depth or upto")
        drawing = _draw_units(root, rankdir, show_grad, max_nodes, level)
    else:
        drawing = _draw(root, rankdir, show_grad, local_grads, max_nodes, depth, steps, upto or 0)
    drawing.time_limit = time_limit
    return drawing


def _check_time_limit(time_limit: Any) -> None:
    if time_limit is None:
        return
    if not isinstance(time_limit, (int, float)) or isinstance(time_limit, bool):
        raise TypeError(
            f"draw_dot: time_limit must be a number of seconds or None, "
            f"got {type(time_limit).__name__}"
        )
    if not time_limit > 0:
        raise ValueError(f"draw_dot: time_limit must be more than 0 seconds, got {time_limit}")


def _draw_units(
    root: Value, rankdir: str, show_grad: bool, max_nodes: int | None, level: str
) -> graphviz.Digraph:
    """The drawing at a level of neurons or layers: a record per unit, the weights of a
    neuron on the edges from its inputs."""
    index = nodes_within(root, None)
    if max_nodes is not None and len(index) > max_nodes:
        raise ValueError(
            f"draw_dot: the graph has {len(index)} Value nodes, more than "
            f"max_nodes={max_nodes}; pass max_nodes=None to draw it anyway"
        )
    order = sorted(index, key=index.__getitem__)
    units = units_of(reversed(order), level)
    box = boxes_of(order, units)
    names = graph_names(root).shown

    def name(b: Value | Unit) -> str:
        return b.id if isinstance(b, Unit) else f"v{index[b]}"

    def record(title: str, *lines: str) -> str:
        fields = [_record_text(t) for t in (title, *lines) if t]
        return 'label="{ ' + " | ".join(fields) + ' }"'

    lines: list[str] = []
    for v in order:
        if box[v] is not v:
            continue
        if is_constant(v):
            lines.append(f"\t{name(v)}{_attrs(_constant_label(v, names[v]))}\n")
            continue
        grad = f"grad {number_text(v.grad)}" if show_grad else ""
        lines.append(f"\t{name(v)} [{record(names[v], f'data {number_text(v.data)}', grad)}]\n")
        if v._prev:
            lines.append(f'\tv{index[v]}op [label="{_quoted_text(v._op)}" shape=ellipse]\n')
            lines.append(f"\tv{index[v]}op -> v{index[v]}\n")
            for p in v._prev:
                tail = box.get(p)
                if tail is not None:
                    lines.append(f"\t{name(tail)} -> v{index[v]}op\n")
    for u in units:
        rows = [
            f"{number_text(out.data)}" + (f" / {number_text(out.grad)}" if show_grad else "")
            for out in u.outputs
        ]
        head = "data / grad" if show_grad else "data"
        label = record(u.name, u.op, head, *rows)
        lines.append(f'\t{u.id} [{label} style=rounded color="#35608f"]\n')
        for x, weights in zip(u.inputs, u.weights):
            tail = box.get(x)
            if tail is None:
                continue
            text = (
                f"w {number_text(weights[0].data)}"
                if len(weights) == 1
                else f"{len(weights)} weights"
            )
            lines.append(f'\t{name(tail)} -> {u.id} [label="{_quoted_text(text)}" fontsize=10]\n')
    graph_attr = _graph_attributes(rankdir)
    return Drawing(graph_attr=graph_attr, node_attr={"shape": "record"}, body=lines)


@dataclass
class _Frame:
    """One picture's state: every Value's gradient; with a backward step, what the pass
    has reached (None: everything) and the current step; captions; record widths."""

    grads: dict[Value, Any]
    reached_values: set[Value] | None = None
    reached_ops: set[Value] | None = None
    reached_edges: set[tuple[Value, int]] | None = None
    current: Step | None = None
    captions: list[str] = field(default_factory=list)
    widths: dict[Value, float] = field(default_factory=dict)


def _frame(
    index: dict[Value, int],
    names: dict[Value, str],
    root: Value,
    steps: list[Step] | None,
    upto: int,
    show_grad: bool,
    room: list[Step] | None,
    rankdir: str,
) -> _Frame:
    if steps is None:
        frame = _Frame({v: v.grad for v in index})
        if room is not None:
            frame.widths = _widest_records(index, names, root, room, rankdir)
        return frame
    done = steps[:upto]
    grads = {root: 1.0}
    grads.update((s.to, s.after) for s in done)
    return _Frame(
        grads,
        {root, *(s.to for s in done)},
        {s.node for s in done},
        {(s.node, s.slot) for s in done},
        done[-1] if done else None,
        _step_caption(steps, upto),
        _widest_records(index, names, root, steps, rankdir) if show_grad else {},
    )


_GREY = f'color="{MUTED}" fontcolor="{MUTED}"'
_BOLD = f'color="{HIGHLIGHT}" fontcolor="{HIGHLIGHT}" penwidth=2.5'


def _style(hot: bool, reached: set[Any] | None, key: Any) -> str:
    """Bold for the current step, grey for what the pass has not reached, else none."""
    return _BOLD if hot else _GREY if reached is not None and key not in reached else ""


def _draw(
    root: Value,
    rankdir: str,
    show_grad: bool,
    local_grads: bool,
    max_nodes: int | None,
    depth: int | None,
    steps: list[Step] | None,
    upto: int,
    room: list[Step] | None = None,
) -> graphviz.Digraph:
    """The drawing; with ``steps``, the state after the first ``upto`` of them. With
    ``room``, every record is as wide as the widest gradient those steps give it."""
    index = nodes_within(root, depth)
    if max_nodes is not None and len(index) > max_nodes:
        raise ValueError(
            f"draw_dot: the graph has {len(index)} Value nodes, more than "
            f"max_nodes={max_nodes}; pass max_nodes=None to draw it anyway (Graphviz "
            "may take a while), or depth=d to draw only the d levels of Values "
            "nearest the root"
        )
    graph_attr = _graph_attributes(rankdir)
    names = graph_names(root).shown
    frame = _frame(index, names, root, steps, upto, show_grad, room, rankdir)
    captions = list(frame.captions)
    if local_grads:
        captions.append("local derivative d out / d input where each edge enters its op")
    if steps is not None:
        graph_attr["label"] = _fixed_caption(captions, _step_caption_width(steps, captions))
        graph_attr["labelloc"] = "t"
    elif captions:
        graph_attr["label"] = _quoted_text("\n".join(captions))
        graph_attr["labelloc"] = "t"
    lines: list[str] = []
    current = frame.current
    for node, i in index.items():
        hot = current is not None and (node is current.node or node is current.to)
        style = _style(hot, frame.reached_values, node)
        if is_constant(node):
            label = _constant_label(node, names[node])
            lines.append(f"\tv{i}{_attrs(f'id=v{i}', label, style)}\n")
            continue
        fields = [_record_text(names[node]), f"data {number_text(node.data)}"]
        if show_grad:
            fields.append(f"grad {number_text(frame.grads.get(node, 0.0))}")
        record = 'label="{ ' + " | ".join(fields) + ' }"'
        width = f"width={frame.widths[node]:.3f}" if node in frame.widths else ""
        lines.append(f"\tv{i}{_attrs(f'id=v{i}', record, width, style)}\n")
        if node._prev:
            lines += _op_lines(node, index, frame, local_grads, rankdir)
    return Drawing(graph_attr=graph_attr, node_attr={"shape": "record"}, body=lines)


def _constant_label(node: Value, name: str) -> str:
    """A constant's node: its name (its number, or its label ``= number``) in a small
    grey box, with no data or grad fields."""
    return (
        f'label="{_quoted_text(constant_text(node, name))}" shape=box '
        'style="rounded,filled" fillcolor="#f2f2f2" '
        'color="#a0a0a0" fontsize=12 width=0 height=0 margin="0.08,0.04"'
    )


def _op_lines(
    node: Value, index: dict[Value, int], frame: _Frame, local_grads: bool, rankdir: str
) -> list[str]:
    """The DOT lines of ``node``'s op: the op node, its edge to ``node`` and its input
    edges (a dashed "… n more" input for those cut off by ``depth``)."""
    i, current = index[node], frame.current
    op_style = _style(current is not None and node is current.node, frame.reached_ops, node)
    order = input_order(node)
    if local_grads:
        op_label = _op_table(node, _edge_labels(node), order, rankdir)
    else:
        op_label = f'label="{_quoted_text(node._op)}" shape=ellipse height=0.3 ordering=in'
    lines = [
        f"\tv{i}op{_attrs(f'id=v{i}op', op_label, op_style)}\n",
        f"\tv{i}op -> v{i}{_attrs(f'id=v{i}out', op_style)}\n",
    ]
    missing = 0
    for slot in order:
        j = index.get(node._prev[slot])
        if j is None:
            missing += 1
            continue
        hot = current is not None and node is current.node and slot == current.slot
        style = _style(hot, frame.reached_edges, (node, slot))
        port = f":i{slot}:{_ENTRY[rankdir]}" if local_grads else ""
        lines.append(f"\tv{j} -> v{i}op{port}{_attrs(f'id=e{i}_{slot}', style)}\n")
    if missing:
        lines.append(f'\tv{i}cut [label="… {missing} more" shape=plaintext]\n')
        lines.append(f"\tv{i}cut -> v{i}op [style=dashed]\n")
    return lines


# The side of an op's table where its input edges come in, for each direction of flow.
_ENTRY = {"LR": "w", "TB": "n", "RL": "e", "BT": "s"}


def _attrs(*parts: str) -> str:
    """A DOT attribute list `` [a=1 b=2]`` from the non-empty ``parts`` ('' if none)."""
    text = " ".join(filter(None, parts))
    return f" [{text}]" if text else ""


def _op_table(node: Value, labels: list[str], order: list[int], rankdir: str) -> str:
    """An op node as an HTML-like table: the op's name, and one cell per input, on the
    side its edge comes in, holding the local derivative for that edge (port ``i<slot>``)."""
    name = f'<TD BGCOLOR="#f2f2f2">{_html_text(node._op)}</TD>'
    ports = [
        f'<TD PORT="i{slot}"><FONT POINT-SIZE="11">{labels[slot]}</FONT></TD>' for slot in order
    ]
    if rankdir in ("LR", "RL"):
        span = name.replace("<TD", f'<TD ROWSPAN="{len(ports)}"', 1)
        first = ports[0] + span if rankdir == "LR" else span + ports[0]
        rows = [first, *ports[1:]]
    else:
        span = name.replace("<TD", f'<TD COLSPAN="{len(ports)}"', 1)
        rows = ["".join(ports), span] if rankdir == "TB" else [span, "".join(ports)]
    table = "".join(f"<TR>{row}</TR>" for row in rows)
    return (
        'shape=plain label=<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" '
        f'CELLPADDING="3">{table}</TABLE>>'
    )


def _step_caption(steps: list[Step], upto: int) -> list[str]:
    """The caption of the frame after ``upto`` steps: which step, and its arithmetic."""
    if not upto:
        return [f"before the backward pass ({len(steps)} steps): the root's gradient is 1", ""]
    s = steps[upto - 1]
    return [
        f"after step {upto} of {len(steps)} of the backward pass",
        f"{number_text(s.grad)} × {number_text(s.local)} = {number_text(s.contribution)}, "
        f"into the gradient of {s.to_name}: {number_text(s.before)} → {number_text(s.after)}",
    ]


def _step_caption_width(steps: list[Step], captions: list[str]) -> float:
    """Points wide enough for the caption of every frame of ``steps``."""
    frames = [_step_caption(steps, k) for k in range(len(steps) + 1)]
    return max(_text_width(line) for lines in [*frames, captions] for line in lines)


def _fixed_caption(lines: list[str], width: float) -> str:
    """A graph label of the same size in every frame: a fixed-size table cell."""
    text = _html_text("\n".join(lines))
    height = 21 * len(lines) + 8
    return (
        f'<<TABLE BORDER="0"><TR><TD FIXEDSIZE="TRUE" WIDTH="{width + 8:.0f}" '
        f'HEIGHT="{height}">{text}</TD></TR></TABLE>>'
    )


def _text_width(text: str) -> float:
    """A generous estimate of ``text``'s width in points at 14 pt (dot's default font)."""
    narrow, wide = " .,:;il|!'()[]\xa0", "MWmw@%"
    return sum(
        6.0 if c in narrow else 14.0 if c in wide or c.isupper() or ord(c) > 0x2000 else 9.0
        for c in text
    )


def _widest_records(
    index: dict[Value, int], names: dict[Value, str], root: Value, steps: list[Step], rankdir: str
) -> dict[Value, float]:
    """Each record's width in inches, the widest it gets in any frame of ``steps``, so
    that every frame has the same layout: ``width`` is a minimum for dot."""
    grads: dict[Value, list[Any]] = {v: [0.0] for v in index}
    grads[root].append(1.0)
    for s in steps:
        if s.to in grads:
            grads[s.to].append(s.after)
    widths = {}
    for node, seen in grads.items():
        fields = [max(map(_text_width, names[node].splitlines()))]
        fields.append(_text_width(f"data {number_text(node.data)}"))
        fields.append(max(_text_width(f"grad {number_text(g)}") for g in seen))
        padded = [w + 16 for w in fields]
        widths[node] = (sum(padded) if rankdir in ("LR", "RL") else max(padded)) / 72
    return widths


def _edge_labels(node: Value) -> list[str]:
    """The local derivative of ``node`` in each input, formatted for its edge.

    "undefined" on every input edge when the rule cannot evaluate them here (pow's
    d / d exponent at a negative base): ``backward`` would raise at this node too.
    """
    try:
        return [number_text(d) for d in local_derivatives(node)]
    except (ArithmeticError, ValueError):
        return ["undefined"] * len(node._prev)


def step_through(root: Value, **draw_options: Any) -> None:
    """In Jupyter, a slider over the steps of the backward pass from ``root``.

    Step k shows ``draw_dot(root, upto=k, **draw_options)``. Needs ipywidgets;
    without it (or outside Jupyter) prints what to do instead.
    """
    steps = trace_backward(root)
    fallback = f"draw_dot(root, upto=k) draws the graph after step k, for k = 0..{len(steps)}."
    try:
        import ipywidgets
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        print(
            "step_through needs ipywidgets for its slider: pip install ipywidgets "
            f"(then restart the kernel). Meanwhile, {fallback}"
        )
        return
    if not hasattr(get_ipython(), "kernel"):
        print(f"step_through shows a slider in a Jupyter notebook. Here, {fallback}")
        return
    draw_dot(root, upto=0, **draw_options)  # bad options fail here, not in the slider

    def show(k: int) -> None:
        display(draw_dot(root, upto=k, **draw_options))  # type: ignore[no-untyped-call]

    slider = ipywidgets.IntSlider(value=0, min=0, max=len(steps), description="step")
    display(ipywidgets.interactive(show, k=slider))  # type: ignore[no-untyped-call]
