"""Pickling and copying graphs of any depth, in time and space linear in the graph.

`pickle` and `copy.deepcopy` recurse into an object's parts, so a chain of 100,000
Values would overflow the stack. Here a Value is stored after a list of every node
behind it, in forward order: each entry is stored after its parents, so no entry leads
to another list. Gradients that are Values (after ``backward(create_graph=True)``) may
lead back to the node itself, so they come in its state, which is stored once the node
exists: first the nodes of those gradient graphs that are not stored yet, in forward
order, then (node, gradient) pairs. Every node is listed once, however many gradient
graphs share it. Ops are stored by name (a declared op by its method, a library op by
module and attribute, a bound op as its op and parameter values).

Importing `micrograd` installs ``Value.__reduce__``, ``Value.__setstate__``,
``Value.__copy__`` and ``Op.__reduce__`` from here.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterable, Iterator
from typing import Any

from micrograd.engine import Value, constant, enable_grad, is_constant, op_of, record
from micrograd.op import Op, declared_ops

__all__: list[str] = []

_pickling = threading.local()  # .next: the node a list entry is storing now


def _stored(node: Value) -> Value:
    """``node`` itself (for unpickling: an entry of a list that orders the nodes)."""
    return node


class _Next:
    """An entry of a stored list: when it is stored, ``node`` is stored next, its parents
    stored already, so the node stores only references to them."""

    __slots__ = ("node",)

    def __init__(self, node: Value) -> None:
        self.node = node

    def __reduce__(self) -> tuple[Any, ...]:
        _pickling.next = self.node
        return (_stored, (self.node,))


def _entries(nodes: list[Value], pairs: list[tuple[Value, Any]]) -> Iterator[Any]:
    """The entries of a stored list, made one at a time, so that only the node being
    stored is marked and nothing stays marked when the pickle stops midway."""
    try:
        for node in nodes:
            yield _Next(node)
    finally:
        _pickling.next = None
    yield from pairs


class _Nodes(list[Any]):
    """A list of nodes in forward order, then (node, gradient) pairs, stored entry by entry."""

    def __init__(self, nodes: list[Value] | None = None, pairs: Iterable[Any] = ()) -> None:
        super().__init__()
        self.nodes = nodes or []
        self.pairs = list(pairs)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_Nodes, (), None, _entries(self.nodes, self.pairs))


def _forward_order(starts: Iterable[Value], seen: set[Value]) -> list[Value]:
    """The nodes behind ``starts`` and the starts themselves that are not in ``seen``,
    parents first, each once (a depth-first search on a stack; ``seen`` grows)."""
    out: list[Value] = []
    for start in starts:
        stack = [(start, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                out.append(node)
            elif node not in seen:
                seen.add(node)
                stack.append((node, True))
                stack.extend((p, False) for p in reversed(node._prev) if p not in seen)
    return out


def _gradient_graphs(nodes: list[Value], seen: set[Value]) -> list[Value]:
    """The nodes of the gradients that are Values of ``nodes``, and of theirs, not seen."""
    found: list[Value] = []
    todo = [n.grad for n in nodes if isinstance(n.grad, Value)]
    while todo:
        more = _forward_order(todo, seen)
        found += more
        todo = [n.grad for n in more if isinstance(n.grad, Value)]
    return found


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
    """A leaf is its data, label and whether it is a constant; an interior node also its
    op and parents, stored after the list of the nodes behind it (see the module)."""
    listed = getattr(_pickling, "next", None) is self  # its parents are stored already
    if listed:
        _pickling.next = None
    op = op_of(self)
    behind: list[Value] = []
    seen = {self}
    if op is not None and not listed:
        behind = _forward_order(self._prev, seen)
    grad: Any = self.grad
    if listed:
        grad = None if isinstance(grad, Value) else grad  # the list's owner stores it
    else:
        everything = [*behind, self]
        extra = _gradient_graphs(everything, seen)
        pairs = [(n, n.grad) for n in (*everything, *extra) if isinstance(n.grad, Value)]
        grad = _Nodes(extra, pairs) if pairs else grad
    if op is None:
        return (_leaf, (self.data, self.label, is_constant(self)), grad)
    return (_interior, (_Nodes(behind), self.data, self.label, op, self._prev), grad)


def _set_grad(self: Value, grad: Any) -> None:
    if type(grad) is _Nodes:
        for entry in grad:
            if type(entry) is tuple:
                entry[0].grad = entry[1]
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
