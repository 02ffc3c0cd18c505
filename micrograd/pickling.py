"""Pickling and copying graphs of any depth, without recursion.

`pickle` and `copy.deepcopy` recurse into an object's parts, so a chain of 100,000
Values would overflow the stack. Here a Value with parents is stored as the list of
every node behind it, in forward order, followed by the node: each entry is stored
after its parents, so no entry leads to another list. Ops are stored by name (a
declared op by its method, a library op by module and attribute, a bound op as its
op and parameter values). A gradient that is a Value (after
``backward(create_graph=True)``) is stored once all those nodes are, by `_Grads`.

Importing `micrograd` installs ``Value.__reduce__``, ``Value.__setstate__``,
``Value.__copy__`` and ``Op.__reduce__`` from here.
"""

from __future__ import annotations

import importlib
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

from micrograd.engine import (
    Value,
    constant,
    enable_grad,
    is_constant,
    op_of,
    record,
    topological_order,
)
from micrograd.op import Op, declared_ops

__all__: list[str] = []

_pickling = threading.local()


def _stored(node: Value) -> Value:
    """``node`` itself (for unpickling: the list that orders a graph's nodes)."""
    return node


class _Next:
    """One entry of the list `_Behind` pickles: when it is stored, ``node`` is the node
    about to be stored, and its parents are stored already."""

    __slots__ = ("node",)

    def __init__(self, node: Value) -> None:
        self.node = node

    def __reduce__(self) -> tuple[Any, ...]:
        _pickling.next = self.node
        return (_stored, (self.node,))


def _listed(nodes: list[Value]) -> Iterator[Value]:
    """``nodes`` (interior, in forward order) with each leaf parent just before its first
    use: the order in which a graph is stored."""
    seen: set[int] = set()
    for node in nodes:
        for parent in node._prev:
            if not parent._prev and id(parent) not in seen:
                seen.add(id(parent))
                yield parent
        yield node


class _Behind:
    """The nodes behind a node, pickled (and deep-copied) as a list whose entries are made
    one at a time, so only the node being stored is marked and nothing stays marked
    when the pickle stops midway."""

    __slots__ = ("nodes",)

    def __init__(self, nodes: list[Value]) -> None:
        self.nodes = nodes

    def __reduce__(self) -> tuple[Any, ...]:
        return (list, (), None, _marked(self.nodes))


def _marked(nodes: list[Value]) -> Iterator[_Next]:
    try:
        for node in _listed(nodes):
            yield _Next(node)
    finally:
        _pickling.next = None


class _Grads(list[Any]):
    """The gradients that are Values of a node and of the graphs stored with it, as
    (node, grad) pairs, stored once all those nodes are: while they are stored, a node
    reached for the first time adds its graph's nodes here instead of starting its own
    list, so gradient graphs of gradient graphs never nest."""

    def __init__(self, nodes: Iterable[Value] = ()) -> None:
        super().__init__()
        self.nodes = [n for n in nodes if isinstance(n.grad, Value)]

    def __reduce__(self) -> tuple[Any, ...]:
        return (_Grads, (), None, _drained(self.nodes) if self.nodes else iter(self))


class _Queue:
    __slots__ = ("nodes", "seen")

    def __init__(self) -> None:
        self.nodes: deque[Value] = deque()
        self.seen: set[int] = set()

    def add(self, nodes: Iterable[Value]) -> None:
        for node in nodes:
            if isinstance(node.grad, Value) and id(node) not in self.seen:
                self.seen.add(id(node))
                self.nodes.append(node)


def _drained(nodes: list[Value]) -> Iterator[tuple[Value, Any] | None]:
    queue = _pickling.queue = _Queue()
    queue.add(nodes)
    try:
        # two Nones at the end: the pickler may fetch an entry before storing the last
        # one, which can add nodes; after the second, every entry before is stored
        empty = 0
        while empty < 2:
            if queue.nodes:
                empty = 0
                node = queue.nodes.popleft()
                yield (node, node.grad)
            else:
                empty += 1
                yield None
    finally:
        _pickling.queue = None


def _leaf(data: float, label: str, is_a_constant: bool) -> Value:
    """A leaf (for unpickling)."""
    out = constant(data) if is_a_constant else Value(data)
    out.label = label
    return out


def _interior(
    behind: list[Value], data: float, label: str, op: Op, parents: tuple[Value, ...]
) -> Value:
    """A node with its parents (for unpickling); ``behind`` is already built."""
    with enable_grad():
        out = record(op, data, parents)
    out.label = label
    return out


def _reduce_value(self: Value) -> tuple[Any, ...]:
    """A leaf is its data, label and whether it is a constant. A node with parents lists
    all the nodes behind it in forward order first, so each of them is stored after its
    parents and refers to them. The gradient is the state, set after the node exists
    (a gradient graph may lead back to the node)."""
    grad: Any = self.grad
    op = op_of(self)
    if getattr(_pickling, "next", None) is self:  # listed by `_Behind`: parents stored
        _pickling.next = None
        if isinstance(grad, Value):
            grad = None  # stored later, with the list's gradients (`_Grads`)
        if op is None:
            return (_leaf, (self.data, self.label, is_constant(self)), grad)
        return (_interior, ([], self.data, self.label, op, self._prev), grad)
    queue: _Queue | None = getattr(_pickling, "queue", None)
    if op is None:
        if queue is not None and isinstance(grad, Value):
            queue.add((self,))
            grad = None
        return (_leaf, (self.data, self.label, is_constant(self)), grad)
    nodes = topological_order(self)[:0:-1]
    if queue is not None:  # storing gradients: this graph's join the queue
        queue.add((*_listed(nodes), self))
        if isinstance(grad, Value):
            grad = None
    elif isinstance(grad, Value) or any(isinstance(n.grad, Value) for n in _listed(nodes)):
        grad = _Grads((*_listed(nodes), self))
    return (_interior, (_Behind(nodes), self.data, self.label, op, self._prev), grad)


def _set_grad(self: Value, grad: Any) -> None:
    if type(grad) is _Grads:
        for pair in grad:
            if pair is not None:
                pair[0].grad = pair[1]
    else:
        self.grad = grad


def _copy_value(self: Value) -> Value:
    """A new node with the same data, gradient, label, parents and op."""
    op = op_of(self)
    if op is None:
        out = _leaf(self.data, self.label, is_constant(self))
    else:
        out = _interior([], self.data, self.label, op, self._prev)
    out.grad = self.grad
    return out


# -- ops, by name ---------------------------------------------------------------


def _declared_op(method: str) -> Op:
    """The op declared as ``method`` (for unpickling)."""
    op = declared_ops().get(method)
    if op is None:
        raise TypeError(
            f"cannot unpickle a node of op {method!r}: no op is declared as {method!r} here; "
            "import the module that declares it (Op.declare) before unpickling"
        )
    return op


def _library_op(module_name: str, attribute: str) -> Op:
    """The op ``module.attribute`` (for unpickling)."""
    op = getattr(importlib.import_module(module_name), attribute)
    if not isinstance(op, Op):
        raise TypeError(f"{module_name}.{attribute} is not an op")
    return op


def _bound_op(op: Op, values: tuple[Any, ...]) -> Op:
    """``op`` with its parameters bound to ``values`` (for unpickling)."""
    return op.bind(*values)


_LIBRARIES = ("micrograd.ops", "micrograd.engine")


def _reduce_op(self: Op) -> tuple[Any, ...]:
    """Pickle by name. An op without a name to find it by (one made by `primitive`
    inside a function) cannot be pickled: TypeError."""
    if self.binding is not None:
        return (_bound_op, self.binding)
    if self.method is not None and declared_ops().get(self.method) is self:
        return (_declared_op, (self.method,))
    for module_name in _LIBRARIES:
        for attribute, value in vars(importlib.import_module(module_name)).items():
            if value is self:
                return (_library_op, (module_name, attribute))
    raise TypeError(
        f"cannot pickle op {self.name!r}: only ops declared with Op.declare, the ops of "
        "micrograd.ops and their bound forms are pickled (by name)"
    )


Value.__reduce__ = _reduce_value  # type: ignore[assignment,method-assign]
Value.__setstate__ = _set_grad  # type: ignore[attr-defined]
Value.__copy__ = _copy_value  # type: ignore[attr-defined]
Op.__reduce__ = _reduce_op  # type: ignore[assignment,method-assign]
