"""The compiled code's statements, a `Group` per node's forward or backward step.

A group knows the names it reads and sets, so that `micrograd.codegen.assembly` can cut
the code into functions and pass between them exactly the names that cross. The
forward pass writes an op that only one line reads, and that cannot raise, into that
line (`forward_groups`); the backward pass comes from the one writer of backward steps
(`micrograd.codegen.steps`), with a test for a zero gradient where it saves work.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from micrograd.codegen.nodes import Line, NodeWriter
from micrograd.codegen.steps import BackwardStep, backward_steps
from micrograd.engine import Value

__all__ = [
    "MAX_INLINED",
    "TESTED_EDGES",
    "Group",
    "backward_groups",
    "consumers",
    "forward_groups",
]

TESTED_EDGES = 2  # a node with more edges is tested for a zero gradient in the fast code
MAX_INLINED = 8  # ops written into one forward line at most


@dataclass(slots=True)
class Group:
    """The statements of one node's forward or backward step, with the names they read
    from earlier steps and the names they set."""

    lines: list[str]  # statements at one indentation, each possibly a one-line `if`
    op: str
    reads: list[str]  # names read before this group sets them
    writes: list[str]  # names set (read or not)
    defines: list[str]  # names set without being read: their first value
    guard: list[str] | None = None  # the exact program's lines in place of these, if other


def consumers(backward: list[Value]) -> dict[Value, int]:
    """How many times each node of the graph is read by the nodes of ``backward``."""
    uses: dict[Value, int] = {}
    for node in backward:
        for p in node._prev:
            uses[p] = uses.get(p, 0) + 1
    return uses


@dataclass(slots=True)
class _Inlined:
    """A node whose forward is written into its consumer's line: the expression, the
    names it reads, how many ops it holds, its place, and its own statement and op (if
    the consumer cannot take it)."""

    expression: str
    precedence: int
    reads: list[str]
    depth: int
    index: int
    line: list[str]
    op: str


def forward_groups(
    nodes: list[Value], names: Mapping[Value, str], writer: NodeWriter, uses: Mapping[Value, int]
) -> tuple[dict[Value, Line], list[tuple[int, Group]]]:
    """Each node's text, and the forward pass: a group per node (with its place in
    ``nodes``), but for a node with one consumer whose value the backward pass does not
    read and whose op is plain arithmetic (``+ - *``, which cannot raise: a line's op is
    then the one an error names); it is written into its consumer's line, up to
    `MAX_INLINED` ops deep."""
    get = names.get
    lines: dict[Value, Line] = {}
    groups: list[tuple[int, Group]] = []
    pending: dict[str, _Inlined] = {}
    expressions: dict[str, tuple[str, int]] = {}  # the same, for the writer
    for i, node in enumerate(nodes):
        out = names[node]
        line = writer.node(node, out, expressions)
        lines[node] = line
        reads = [n for n in map(get, node._prev) if n is not None]
        depth = 1
        if pending and not expressions.keys().isdisjoint(reads):
            plain = reads
            reads = []
            for name in plain:
                waiting = pending.pop(name, None)
                if waiting is None:
                    reads.append(name)
                    continue
                del expressions[name]
                if name in line.inlined:
                    reads += waiting.reads
                    depth = max(depth, waiting.depth + 1)
                else:  # written as its own statement after all
                    own = [name]
                    group = Group(waiting.line, waiting.op, waiting.reads, own, own)
                    groups.append((waiting.index, group))
                    reads.append(name)
        if (
            line.precedence is not None
            and uses.get(node) == 1
            and depth < MAX_INLINED
            and line.needs is not None
            and out not in line.needs
        ):
            expression = line.forward[0].partition(" = ")[2]
            pending[out] = _Inlined(
                expression, line.precedence, reads, depth, i, line.forward, node._op
            )
            expressions[out] = expression, line.precedence
        else:
            sets = [out] if line.inner is None else [line.inner.total, out]
            groups.append((i, Group(line.forward, node._op, reads, sets, sets)))
    return lines, groups


def backward_groups(
    backward: list[Value],
    root: Value,
    params: list[Value],
    names: Mapping[Value, str],
    deltas: Mapping[Value, str],
    lines: Mapping[Value, Line],
    uses: Mapping[Value, int],
    prefix: str,
) -> tuple[list[tuple[int, Group]], set[str]]:
    """Each node's backward group, with the node's place in the forward pass, and the
    accumulators that start at 0.0 (those first set under a test). A parameter's
    accumulator (``deltas``) starts at its ``.grad``; a parameter that is the root
    gets 1.0."""
    groups: list[tuple[int, Group]] = []
    zeros: set[str] = set()
    once = {p for p, n in uses.items() if n == 1}
    last = len(backward) - 1
    shared = dict(deltas)  # the parameters' accumulators are named in advance
    walk = backward_steps(backward, root, names, lines, set(params), shared, once, prefix)
    for j, step in enumerate(walk):
        if step.edges:
            group = backward_group(step, names, zeros)
            if group is not None:
                groups.append((last - j, group))
    if root in deltas:  # d root / d root = 1
        target = deltas[root]
        groups.append((0, Group([f"{target} += 1.0"], "", [target], [target], [])))
    return groups, zeros


def backward_group(step: BackwardStep, names: Mapping[Value, str], zeros: set[str]) -> Group | None:
    """The statements of one backward step (None if it has none); an accumulator first
    set under a test goes into ``zeros``.

    Where a step needs its test (`micrograd.codegen.steps.passes`: the gradient may be 0
    where a derivative is infinite or undefined, or infinite where every derivative is
    0), the exact program tests it: its lines are the `Group.guard`, which sets the
    accumulators that the step sets first to 0.0 and writes ``if test:``. A node of more
    than `TESTED_EDGES` edges, or a ReLU neuron's sum, is tested in the fast program
    too, as that skips the work where the gradient is zero; there the fast program
    tests only the gradient (an infinite one through a zero derivative gives nan, on
    which the exact program takes over)."""
    node, line, delta = step.node, step.line, step.delta
    if line.needs is not None:
        reads = list(line.needs)
    else:
        reads = [names[node], *(n for n in map(names.get, node._prev) if n is not None)]
    writes: dict[str, None] = {}
    defines: list[str] = []
    if delta is not None:
        reads.append(delta)
    test = step.test
    # the fast program tests too where that saves more than it costs: a node of many
    # edges (a neuron's sum, whose gradient is zero where a hinge or ReLU stops it)
    tested = line.inner is not None or (test is not None and len(step.edges) > TESTED_EDGES)
    statements = []
    for edge in step.edges:
        target, term = edge.target, edge.term
        if edge.first and target == term:
            continue  # the parent shares the node's accumulator
        if not edge.first:
            if target not in writes:  # else set earlier in this step
                reads.append(target)
            statements.append(f"{target} += {term}")
        elif not tested:
            statements.append(f"{target} = {term}")
            defines.append(target)
        else:
            zeros.add(target)
            reads.append(target)
            statements.append(f"{target} += {term}")
        writes[target] = None
    if not statements:
        return None
    edges = "; ".join(statements)
    group = Group([edges], node._op, reads, list(writes), defines)
    exact: list[str] | None
    if step.head is None:
        if tested:
            group.lines = [f"if {delta}: {edges}"]
            exact = [f"if {test}: {edges}"]
        else:
            zeros_first = [f"{' = '.join(defines)} = 0.0"] if defines else []
            exact = None if test is None else [*zeros_first, f"if {test}: {edges}"]
    else:
        assert line.inner is not None
        reads.append(line.inner.total)
        writes[line.inner.delta] = None
        defines.append(line.inner.delta)
        group.writes = list(writes)
        inner = step.inner_test
        fast_inner = line.inner.delta if inner is not None else None
        group.lines = _inner_sum(step.head, edges, delta if test else None, fast_inner)
        exact = _inner_sum(step.head, edges, test, inner)
    group.guard = exact if exact != group.lines else None
    return group


def _inner_sum(head: str, edges: str, test: str | None, inner_test: str | None) -> list[str]:
    """The lines of a sum with an outer op: ``head`` (the sum's gradient) under ``test``,
    then ``edges`` under ``inner_test`` (None: no test)."""
    body = edges if inner_test is None else f"if {inner_test}: {edges}"
    return [head, body] if test is None else [f"if {test}:", f"    {head}", f"    {body}"]
