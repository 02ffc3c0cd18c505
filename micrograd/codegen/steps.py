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
from micrograd.codegen.text import either, number, times
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
    parents; each under its test, where one is needed (`passes`)."""

    node: Value
    line: Line
    delta: str | None  # d root / d node as text; None for the root (1.0)
    head: str | None
    edges: list[Edge]
    test: str | None  # the test of the step (of the head, for a sum with an outer op)
    inner_test: str | None  # for a sum with an outer op, the test of its edges


def passes(delta: str | None, finite: bool, nonzero: str | None) -> str | None:
    """The test under which a step passes anything on, as the engine's walk decides: its
    gradient ``delta`` is not 0 and not every local derivative is 0 (``nonzero``, the
    test of `Line.nonzero`). None where the plain products give the same sums: at the
    root (gradient 1), and where every derivative written is a finite number
    (``finite``) and one is not 0, as 0 times a finite number adds ±0. (The sign of a
    zero gradient is all that differs there, and a leaf's sum starts at 0.0.)"""
    if delta is None:
        return None
    if nonzero is not None:
        return f"{delta} and {nonzero}"
    return None if finite else delta


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
        if node is not root and node not in defined:
            continue  # no gradient reaches it: 0, which passes nothing
        line = lines[node]
        delta = None if node is root else accumulators.get(node) or f"{prefix}{names[node]}"
        head = inner_test = None
        through = delta
        if line.inner is None:
            test = passes(delta, line.finite, line.nonzero)
        else:
            partial = line.inner.partial
            known = number(partial)
            test = passes(delta, known is not None, None if known else either([partial]))
            through = line.inner.delta
            head = f"{through} = {times(delta, partial)}"
            inner_test = passes(through, line.finite, line.nonzero)
        # the gradient is passed on untested: a parent can share the accumulator
        plain = shared is not None and delta is not None and line.inner is None and test is None
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
        yield BackwardStep(node, line, delta, head, edges, test, inner_test)
