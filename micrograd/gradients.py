"""Gradients without touching ``.grad``: `backprop` returns them as a dict, and calls
``on_step`` with a `Step` for every edge of the walk; `local_derivatives` of one node.

It runs the engine's one walk (`micrograd.engine.walk`), the one `Value.backward`
runs, so its numbers are ``backward``'s to the bit; `micrograd.functional.grad`,
`micrograd.viz.trace_backward` and the explorer read them from here.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from micrograd.engine import Value, graph, walk

__all__ = ["Step", "backprop", "local_derivatives"]


@dataclass(frozen=True, slots=True)
class Step:
    """One edge of the backward pass: ``to`` (input ``slot`` of ``node``) gets
    ``contribution = grad * local``, with ``grad`` = d root / d node and ``local`` =
    d node / d to, which takes its accumulator from ``before`` to ``after``.
    ``node_name`` and ``to_name`` are what the views call the two (`micrograd.names`;
    empty where the walk did not name them)."""

    node: Value
    to: Value
    slot: int
    grad: Any
    local: Any
    contribution: Any
    before: Any
    after: Any
    node_name: str = ""
    to_name: str = ""

    def __repr__(self) -> str:
        node, to = _describe(self.node, self.node_name), _describe(self.to, self.to_name)
        return (
            f"Step(node={node}, to={to}, slot={self.slot}, "
            f"grad={self.grad!r}, local={self.local!r}, contribution={self.contribution!r}, "
            f"before={self.before!r}, after={self.after!r})"
        )


def _describe(v: Value, name: str) -> str:
    shown = name or v.label
    text = repr(shown) if shown else f"Value(data={v.data!r})"
    return f"{text} ({v._op})" if v._prev else text


def local_derivatives(node: Value) -> tuple[Any, ...]:
    """d node / d parent for each of ``node._prev``, at the current data (floats), as the
    walk evaluates them; the op's error (ValueError, ArithmeticError) where one is
    undefined."""
    rule, parents = node._rule, node._prev
    if not parents or rule is None:
        return ()
    return rule.partials(node.data, *(p.data for p in parents))


def backprop(
    root: Value,
    seed: Any = 1.0,
    *,
    create_graph: bool = False,
    on_step: Callable[[Step], Any] | None = None,
    until: Collection[Value] = (),
) -> dict[Value, Any]:
    """d root / d node for every node behind ``root``, as a new dict; no ``.grad`` changes.

    Every accumulator starts at 0 (leaves too). ``create_graph=True`` makes the
    gradients Values (``seed`` should be one too); ``on_step(step)`` is called with a
    `Step` for every edge; the walk does not go behind the nodes in ``until`` (they get
    their gradients, their parents none).
    """
    order, ends = graph(root, until)
    if not order:
        return {root: seed}
    nodes = order + ends
    saved = [n.grad for n in nodes]
    on_edge = None if on_step is None else lambda *fields: on_step(Step(*fields))
    try:
        for node in nodes:
            node.grad = 0.0
        walk(order, seed, create_graph, on_edge)
        return {node: node.grad for node in nodes}
    finally:
        for node, g in zip(nodes, saved):
            node.grad = g
