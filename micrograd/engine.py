"""Scalar reverse-mode automatic differentiation: `Value` and the backward walk.

The reading path. A `Value` is a number that remembers its inputs (``_prev``) and the op
that made it (``_rule``). ``x + y`` is declared once, in the op table `micrograd.ops`,
as ``Op.declare("+", "a + b", ("1.0", "1.0"), 2, method="__add__", ...)``: 2 inputs, the
forward value a + b and the local derivatives d out/d a = d out/d b = 1, as text
compiled once into functions (`micrograd.op`). The last line of this file gives Value
every declared op as a method: ``Value.__add__`` calls `Value._apply_two` (`_apply_op`
for other counts of inputs), where the op's forward gives the data of the new node.

``loss.backward()`` is the chain rule in two steps, both below: `graph` lists the nodes
so that each comes after every node that reads it (`topological_order`), and `walk`
goes down that list adding ``node.grad * d node / d parent`` (the op's ``partials``) to
each parent's grad, so that a node feeding several ops sums what they send back (the
fork rule). An error leaves every ``.grad`` as it was. A node holds its data, gradient,
label, parents (two in slots of their own) and op, and nothing that leads back to it
(micrograd's ``_backward`` closures do): a graph no longer used is freed at once."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Literal, SupportsFloat, TypeVar

from micrograd.conventions import NODE_DATA_READS, FloatConventions
from micrograd.op import Op, named_op, partial_of_inputs, register_number_type
from micrograd.scalars import to_float

if TYPE_CHECKING:  # for type checkers only: at run time the last line installs them
    from micrograd.stubs import OpMethods  # the methods micrograd.ops installs
else:
    OpMethods = object

_data_of = attrgetter("data")
_new_plain = object.__new__  # a Value without running __init__, its slots filled by the caller
_new_value: Callable[[type[Value]], Value] = _new_plain  # `_new_watched` while watched
F = TypeVar("F", bound=Callable[..., Any])  # a function that no_grad wraps


class Value(FloatConventions, OpMethods):
    """A scalar that remembers how it was computed, so gradients can flow back to it.

    >>> a = Value(2.0, label='a'); b = Value(-3.0, label='b')
    >>> c = a * b + a
    >>> c.backward()
    >>> a.grad, b.grad   # dc/da = b + 1, dc/db = a
    (-2.0, 2.0)

    Where Python expects a number, it is its data (`micrograd.conventions`), but a
    Value is always true and ``==`` is identity, as in micrograd. micrograd's
    ``Value(data, (a, b), 'op')`` makes a node that passes no gradient back until its
    ``_backward`` is set, as in the lecture (`micrograd.lecture`).
    """

    __slots__ = ("__weakref__", "_a", "_args", "_b", "_rule", "data", "grad", "label")

    data: float
    grad: Any  # float, or a Value after backward(create_graph=True)
    label: str
    _args: tuple[Value, ...] | Literal[True]  # the inputs (`_prev`), or True: two, in _a, _b
    _a: Value  # an op's two inputs are kept here, not in a tuple: the garbage collector
    _b: Value  # then has half as many objects to go through
    _rule: Op | None  # the op (forward and partials) whenever _prev is set; `_op` names it

    def __init__(
        self,
        data: SupportsFloat,
        _children: Iterable[Value] | str = (),
        _op: str = "",
        label: str = "",
    ) -> None:
        self.data, self.grad = to_float(data), 0.0
        if isinstance(_children, str):  # Value(data, label)
            label, _children = _children, ()
        self.label = label
        self._args = parents = tuple(_children)
        self._rule = named_op(_op) if parents or _op else None
        if parents and not all(isinstance(p, Value) for p in parents):
            raise TypeError(f"Value children must be Values, got {parents!r:.60}")
        if (seen := _seen.get()) is not None:
            seen(self, False)

    @property
    def _op(self) -> str:
        """The name of the op that produced this node ('' for a leaf), as in micrograd."""
        return self._rule.name if self._rule is not None else ""

    @property
    def is_leaf(self) -> bool:
        """True for a node without parents (an input, a parameter or a constant)."""
        return not self._args

    @property
    def _prev(self) -> tuple[Value, ...]:
        """The inputs in order, repeats kept (micrograd keeps a set)."""
        args = self._args
        return (self._a, self._b) if args is True else args

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    # -- how an op makes a Value (called by the methods micrograd.op installs) ------

    @staticmethod
    def _apply_op(op: Op, *parents: Value) -> Value:
        """The node ``op(*parents)``, its data from the op's forward (`record`)."""
        if len(parents) == 2:
            return Value._apply_two(op, *parents)
        if len(parents) == 1:
            return record(op, op.forward(parents[0].data), parents)
        return record(op, op.forward(*map(_data_of, parents)), parents)

    @staticmethod
    def _apply_two(op: Op, a: Value, b: Value) -> Value:
        """`_apply_op` for two inputs, the usual case, kept in ``_a`` and ``_b``: no tuple."""
        data = op.forward(a.data, b.data)
        if not _grad_enabled.get():
            return record(op, data, (a, b))
        out = _new_value(Value)
        out.data, out.grad, out.label = data, 0.0, ""
        out._args, out._a, out._b = True, a, b
        out._rule = op
        return out

    @staticmethod
    def _lift(x: Any) -> Value:  # a number as a constant (the protocol of micrograd.op)
        return constant(x)

    @staticmethod
    def _number_of(x: Value) -> float | None:  # what a constant stands for, else None
        return x.data if x._rule is CONSTANT else None

    def detach(self) -> Value:
        """A new leaf with the same data, cut off from this graph."""
        return Value(self.data, label=self.label)

    def backward(self, gradient: SupportsFloat = 1.0, *, create_graph: bool = False) -> None:
        """Backpropagate d self / d node into ``node.grad`` for every node behind ``self``.

        Leaves accumulate over calls, as in PyTorch; every other node is reset and holds
        this call's gradient. A gradient of exactly 0 passes nothing on. If a local
        derivative cannot be evaluated (``sqrt`` at 0), the error names the op and no
        ``.grad`` changes. ``create_graph=True`` makes the gradients Values, to
        differentiate again; zeros then still pass on through finite numbers, so a second
        derivative keeps its dependence on the inputs (an infinite gradient times a zero
        derivative: nan there, 0 in the float pass). Reset ``.grad`` when done: a leaf's
        ``.grad`` graph leads back to the leaf, as in PyTorch."""
        seed = to_float(gradient, "gradient")
        start: Any = Value(seed) if create_graph else seed
        if not self._args:
            self.grad = self.grad + start
            return
        order, leaves = graph(self)
        touched = order + leaves
        saved = [node.grad for node in touched]
        for node in order:
            node.grad = 0.0
        try:
            walk(order, start, create_graph)
        except BaseException:
            for node, g in zip(touched, saved):
                node.grad = g
            raise


def record(op: Op, data: float, parents: tuple[Value, ...]) -> Value:
    """The new node of ``op`` with ``data``, computed by the caller from ``parents`` (no
    checks; `Value._apply_op` makes an op's node the same way). Under `no_grad`, a leaf."""
    out = _new_value(Value)
    out.data, out.grad, out.label = data, 0.0, ""
    if _grad_enabled.get():
        out._args, out._rule = parents, op
    else:
        out._args, out._rule = (), None
    return out


# the rule of a constant: no inputs, so no partials; named "" so that `_op` is "" as for a leaf
CONSTANT = Op("", float, lambda out: (), 0, doc="a number lifted into the graph")


def constant(x: Any) -> Value:
    """A leaf for the number ``x`` that needs no gradient (TypeError if ``x`` is none)."""
    out = record(CONSTANT, x if x.__class__ is float else to_float(x), ())
    out._rule = CONSTANT  # under no_grad too
    return out


def to_value(x: Any) -> Value:
    """``x`` itself if it is a Value, else a constant (TypeError if not a real number)."""
    return x if isinstance(x, Value) else constant(x)


def is_constant(v: Value) -> bool:
    """True for a number lifted into the graph (`constant`): it needs no gradient."""
    return v._rule is CONSTANT


def op_of(v: Value) -> Op | None:
    """The op that made ``v`` (its forward and local derivatives); None for a leaf."""
    return v._rule if v._args else None


# -- Gradient mode, and the Values made while a trace watches ------------------

_grad_enabled: ContextVar[bool] = ContextVar("micrograd_grad_enabled", default=True)
_grad_saved: ContextVar[tuple[bool, ...]] = ContextVar("micrograd_grad_saved", default=())
_seen: ContextVar[Callable[[Value, bool], None] | None] = ContextVar("micrograd_seen", default=None)
_watching = 0  # how many blocks watch, in any thread


def is_grad_enabled() -> bool:
    """Whether new ops record their parents (False inside `no_grad`)."""
    return _grad_enabled.get()


@contextmanager
def watch_values(seen: Callable[[Value, bool], None]) -> Iterator[None]:
    """Call ``seen(v, by_op)`` on each Value made in the block in this thread or task,
    ``by_op`` for an op's node or a constant (before its slots are set); free outside."""
    global _new_value, _watching
    token, _watching, _new_value = _seen.set(seen), _watching + 1, _new_watched
    try:
        yield
    finally:
        _seen.reset(token)
        _watching, _new_value = _watching - 1, _new_watched if _watching > 1 else _new_plain


def _new_watched(kind: type[Value]) -> Value:
    out = _new_plain(kind)
    if (seen := _seen.get()) is not None:
        seen(out, True)
    return out


class _GradMode:
    """Sets gradient mode to ``enabled`` in a ``with`` block or a decorated function
    (``@no_grad``, ``@no_grad()``); re-entrant, also from threads and asyncio tasks at once."""

    enabled: bool

    def __new__(cls, function: Callable[..., Any] | None = None) -> Any:
        mode = super().__new__(cls)
        return mode if function is None else mode(function)  # no_grad(f): f wrapped

    def __enter__(self) -> None:
        _grad_saved.set((*_grad_saved.get(), _grad_enabled.get()))
        _grad_enabled.set(self.enabled)

    def __exit__(self, *exc_info: object) -> None:
        *saved, enabled = _grad_saved.get()
        _grad_saved.set(tuple(saved))
        _grad_enabled.set(enabled)

    def __call__(self, function: F) -> F:
        kind = type(self)
        if not callable(function):
            raise TypeError(f"{kind.__name__} decorates a function, got {type(function).__name__}")

        @functools.wraps(function)
        def in_mode(*args: Any, **kwargs: Any) -> Any:
            with kind():
                return function(*args, **kwargs)

        return in_mode  # type: ignore[return-value]


class no_grad(_GradMode):
    """Context manager and decorator: ops inside record no parents (no graph is built)."""

    enabled = False


class enable_grad(_GradMode):
    """Context manager and decorator: record graphs again, also inside `no_grad`."""

    enabled = True


# -- The backward walk ---------------------------------------------------------


def topological_order(root: Value) -> list[Value]:
    """The interior nodes behind ``root``, ``root`` first, each after every node reading it."""
    return graph(root)[0]


def graph(root: Value, until: Collection[Value] = ()) -> tuple[list[Value], list[Value]]:
    """(`topological_order`, the ends: the leaves and nodes of ``until`` it reaches, each
    once). micrograd's recursive ``build_topo`` as a loop, so depth is unlimited: a node
    is emitted when the ``None`` pushed above it comes off, after all its parents."""
    order: list[Value] = []
    ends: list[Value] = []
    seen: set[Value] = set()  # the nodes entered, and the ends found
    stack: list[Value | None] = [root] if root._args else []
    pop, push, see, end = stack.pop, stack.append, seen.add, ends.append
    while stack:
        node = pop()
        if node is None:
            order.append(pop())  # type: ignore[arg-type]
        elif node not in seen:
            see(node)
            push(node)
            push(None)
            parents = node._args  # pushed in reverse: the first input is searched first
            if parents is True:  # most nodes: the loop below, written out
                a, b = node._a, node._b
                if b not in seen:
                    if not b._args or b in until:
                        see(b)
                        end(b)
                    else:
                        push(b)
                if a not in seen:
                    if not a._args or a in until:
                        see(a)
                        end(a)
                    else:
                        push(a)
                continue
            if seen.issuperset(parents):  # all met already (its weights, its layer's inputs)
                continue  # so the loop below would do nothing
            for parent in reversed(parents):
                if parent not in seen:
                    if not parent._args or parent in until:
                        see(parent)
                        end(parent)
                    else:
                        push(parent)
    order.reverse()
    return order, ends


def walk(order: list[Value], seed: Any, create_graph: bool = False, on_edge: Any = None) -> None:
    """The chain rule over ``order``, whose nodes' grads are 0: ``order[0]`` gets ``seed``,
    then each node n with gradient g != 0 adds ``g * dn/dp`` to each parent p's grad,
    unless all its dn/dp are 0 (a dead ReLU passes 0 even for g = inf, as in PyTorch).
    ``create_graph`` evaluates the partials on the Values themselves, so gradients are
    Values; a gradient of value 0 then passes nothing through a derivative that is
    undefined, infinite or nan. ``on_edge`` sees each edge (`micrograd.gradients.Step`)."""
    order[0].grad = seed
    for node in order:
        g = node.grad
        if not g:  # a float 0 passes nothing, not even 0 * an undefined or infinite partial
            continue  # (a Value is always true: create_graph decides below)
        rule: Op = node._rule  # type: ignore[assignment]
        parents = node._args
        try:
            if create_graph:
                local = rule.partials(node, *node._prev)
            elif parents is True:  # most nodes: the same steps, written out
                a, b = node._a, node._b
                da, db = local = rule.fixed or rule.partials(node.data, a.data, b.data)
                if on_edge is None:
                    if da or db:
                        a.grad += g * da
                        b.grad += g * db
                    continue
            elif len(parents) == 1:
                (a,) = parents
                (da,) = local = rule.fixed or rule.partials(node.data, a.data)
                if on_edge is None:
                    if da:
                        a.grad += g * da
                    continue
            else:
                if on_edge is None and rule.gate is not None and not rule.gate(node.data):
                    continue  # every partial is 0 there (a ReLU neuron at out <= 0)
                local = rule.partials(node.data, *map(_data_of, parents))
                if on_edge is None and any(local):  # `_pass_on`, written out
                    for parent, d in zip(parents, local):
                        parent.grad += g * d
                    continue
        except (ArithmeticError, ValueError, TypeError, NotImplementedError) as error:
            if create_graph and g.data == 0.0:
                continue
            raise _at(error, node) from error
        _pass_on(node, g, local, on_edge, create_graph)


def _pass_on(node: Value, g: Any, local: tuple[Any, ...], on_edge: Any, create_graph: bool) -> None:
    """``g * d`` into each parent's grad, d its local derivative: `walk`'s general case."""
    if create_graph and g.data == 0.0 and not all(map(_finite, local)):
        return  # a gradient of value 0 through a derivative that is not a number
    live = any(local)  # not all 0 (a partial that is a Value is always true)
    if on_edge is None:
        if live:
            for parent, d in zip(node._prev, local):
                parent.grad += g * d
        return
    for slot, (parent, d) in enumerate(zip(node._prev, local)):
        before = parent.grad
        contribution = g * d if live else 0.0
        parent.grad = after = before + contribution if live else before
        on_edge(node, parent, slot, g, d, contribution, before, after)


def _finite(d: Any) -> bool:
    return -math.inf < (d.data if isinstance(d, Value) else d) < math.inf


def _at(error: BaseException, node: Value) -> BaseException:
    try:  # the error of a local derivative, retold with the op and the node
        text = f"Value(data={node.data!r}{f', label={node.label!r}' if node.label else ''})"
        return type(error)(f"backward through {node._op!r} at {text}: {error}")
    except TypeError:  # an exception type with a different constructor
        return error


# -- Your own ops --------------------------------------------------------------


def primitive(
    forward: Callable[..., float], *partials: Callable[..., Any], name: str | None = None
) -> Op:
    """An op from ``forward(x_1, ..., x_n)`` and one partial derivative d out / d x_i per
    input, ``partials[i](x_1, ..., x_n)``; the op takes floats, Values and Duals.

    >>> from micrograd import ops
    >>> softplus = primitive(lambda x: math.log1p(math.exp(x)),
    ...                      lambda x: ops.sigmoid(x), name='softplus')
    >>> x = Value(0.0); y = softplus(x); y.backward(); y.data, x.grad
    (0.6931471805599453, 0.5)

    Partials written with `micrograd.ops` also take Values, so the op can be
    differentiated again (``grad(grad(f))``); partials written with ``math`` work for
    first derivatives, and differentiating them again raises an error that says so.
    """
    if not callable(forward) or not all(callable(p) for p in partials):
        raise TypeError("primitive: forward and every partial must be callable")
    if not partials:
        raise TypeError("primitive: give one partial derivative per input")
    op_name = name if name is not None else getattr(forward, "__name__", "primitive")

    def checked_forward(*xs: float) -> float:
        return to_float(forward(*xs), f"primitive {op_name!r}: the forward result")

    each = tuple(partial_of_inputs(f"primitive {op_name!r}", i, p) for i, p in enumerate(partials))
    doc = f"The {op_name!r} op, differentiable in each of its {len(partials)} inputs."
    return Op(op_name, checked_forward, each, len(partials), doc=doc)


NODE_DATA_READS.add(Value._apply_two.__code__)  # its reads compute the new node's data
register_number_type(Value)  # every declared op as a method (Value.__add__), now and later
