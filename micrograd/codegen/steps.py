"""The backward pass as steps: for each node, in the engine's order, the term that each
of its edges adds to its parent's accumulator.

`backward_steps` is the one writer of the backward pass, for both products:
`micrograd.codegen.python` writes each step as readable lines, and
`micrograd.codegen.groups` turns each into the compiled code's statements.
"""

from __future__ import annotations

from collections.abc import Container, Iterator, Mapping
from dataclasses import dataclass

from micrograd.codegen.nodes import Line
from micrograd.codegen.text import times
from micrograd.engine import Value

__all__ = ["BackwardStep", "Edge", "backward_steps"]


@dataclass(slots=True)
class Edge:
    """One edge of a backward step: the parent, its accumulator, the term ``delta *
    partial`` added to it, and whether that is the accumulator's first write."""

    parent: Value
    target: str
    term: str
    first: bool


@dataclass(slots=True)
class BackwardStep:
    """One node's step of the backward pass: ``head`` (``delta_sum = delta * partial``
    for a sum with an outer op, else None) and its edges, in the order of the node's
    parents."""

    node: Value
    line: Line
    delta: str | None  # d root / d node as text; None for the root (1.0)
    head: str | None
    edges: list[Edge]


def backward_steps(
    backward: list[Value],
    root: Value,
    names: Mapping[Value, str],
    lines: Mapping[Value, Line],
    defined: set[Value],
    shared: dict[Value, str] | None = None,
    once: Container[Value] = (),
    prefix: str = "delta_",
) -> Iterator[BackwardStep]:
    """The backward pass in the engine's order (`topological_order`), each edge's term
    in the order of the node's parents; ``defined`` (the nodes whose accumulator exists
    already) grows as the steps are read.

    With ``shared`` (a dict, filled as the steps are read), a parent in ``once`` (the
    nodes with one consumer) whose gradient is its node's as it is (partial 1.0, no
    test) shares the node's accumulator, which nothing changes after the node's step and
    the parent never adds to: its edge is written ``Edge(parent, delta, delta, True)``,
    an assignment to itself, and costs nothing."""
    accumulators = {} if shared is None else shared
    for node in backward:
        line = lines[node]
        delta = None if node is root else accumulators.get(node) or f"{prefix}{names[node]}"
        head = None
        through = delta
        if line.inner is not None:
            through = line.inner.delta
            head = f"{through} = {times(delta, line.inner.partial)}"
        # the gradient is passed on untested: a parent can share the accumulator
        plain = shared is not None and delta is not None and line.inner is None and line.finite
        edges = []
        for parent, partial in line.edges:
            first = parent not in defined
            if first:
                defined.add(parent)
                if plain and partial == "1.0" and parent in once:
                    assert delta is not None
                    accumulators[parent] = delta
            target = accumulators.get(parent) or f"{prefix}{names[parent]}"
            edges.append(Edge(parent, target, times(through, partial), first))
        yield BackwardStep(node, line, delta, head, edges)
