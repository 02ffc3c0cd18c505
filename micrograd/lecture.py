"""micrograd's way of writing an op, as in the lecture: a ``_backward`` closure per node.

In micrograd each node carries a function ``_backward`` that adds
``d out / d parent * out.grad`` to each parent's grad. This module gives `Value` that
attribute, so the lecture's code runs unchanged:

- reading ``node._backward`` gives that step for any node (``o.grad = 1.0;
  o._backward()`` backpropagates one node by hand);
- setting it on a node made as ``Value(data, (a, b), 'op')`` makes the closure the
  node's rule, which ``backward()`` then uses.

The engine reads the closure's local derivatives off it: with ``out.grad = 1`` and the
parents' grads at 0, the closure leaves d out / d parent in each parent's grad.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from micrograd.engine import Value
from micrograd.gradients import local_derivatives
from micrograd.op import Op
from micrograd.scalars import real

__all__ = ["ClosureOp"]


class ClosureOp(Op):
    """The rule of a node whose ``_backward`` was set: its local derivatives are read off
    the closure (everything it touches is put back afterwards). First derivatives only:
    ``create_graph=True`` through it raises NotImplementedError."""

    def __init__(self, name: str, node: Value, closure: Callable[[], None]) -> None:
        super().__init__(name, self._forward, self._partials, None)
        self.closure = closure
        self._node = weakref.ref(node)  # the node holds this op: no cycle through it

    def _forward(self, *xs: float) -> float:
        raise NotImplementedError(f"op {self.name!r} has a _backward closure and no forward")

    def _partials(self, out: Any, *xs: Any) -> tuple[Any, ...]:
        node = self._node()
        if out.__class__ is not float:
            raise NotImplementedError(
                f"op {self.name!r} is defined by a _backward closure, which gives first "
                "derivatives only (not create_graph=True, grad(grad(f))); declare it with "
                "micrograd.primitive to differentiate it again"
            )
        if node is None:
            return (0.0,) * len(xs)
        parents = list(dict.fromkeys(node._prev))  # a parent used twice gets its total once
        saved, saved_out = [p.grad for p in parents], node.grad
        try:
            for p in parents:
                p.grad = 0.0
            node.grad = 1.0
            self.closure()
            found = {p: real(p.grad) for p in parents}
        finally:
            for p, g in zip(parents, saved):
                p.grad = g
            node.grad = saved_out
        return tuple(found.pop(p, 0.0) for p in node._prev)

    def __deepcopy__(self, memo: dict[int, Any]) -> Op:
        raise TypeError(
            f"cannot copy a node of op {self.name!r} made with a _backward closure: "
            "the closure refers to the original nodes"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        raise TypeError(
            f"cannot pickle a node of op {self.name!r} made with a _backward closure; "
            "declare the op with micrograd.primitive or Op.declare"
        )


def _get_backward(node: Value) -> Callable[[], None]:
    """micrograd's per-node step: ``parent.grad += node.grad * d node / d parent``."""
    rule = node._rule
    if isinstance(rule, ClosureOp):
        return rule.closure

    def step() -> None:
        g = node.grad
        for parent, d in zip(node._prev, local_derivatives(node)):
            parent.grad += g * d

    return step


def _set_backward(node: Value, closure: Callable[[], None]) -> None:
    if not callable(closure):
        raise TypeError(f"_backward must be a function, got {type(closure).__name__}")
    node._rule = ClosureOp(node._op, node, closure)


Value._backward = property(  # type: ignore[attr-defined]
    _get_backward,
    _set_backward,
    doc="micrograd's per-node step: ``parent.grad += self.grad * d self / d parent``; "
    "setting it (the lecture's way of adding an op) makes the closure this node's rule.",
)
