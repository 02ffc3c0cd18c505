"""Scalar reverse-mode automatic differentiation: `Value` and the backward walk.

How to read it: a `Value` is a number that remembers the op that made it (``_rule``)
and its inputs (``_prev``). ``x + y`` is declared once, in the op table
`micrograd.ops`, as ``Op.declare("+", "a + b", ("1.0", "1.0"), 2, method="__add__")``:
the forward value ``a + b`` and the local derivatives d out / d a = 1, d out / d b = 1.
`micrograd.op` turns that declaration into ``Value.__add__``, which calls
`Value._apply_op`: it computes the data with the op's forward and records the new node.

``loss.backward()`` then does the chain rule in three steps, all in this file:
`topological_order` lists the nodes so that each comes after every node that reads it;
`_walk` goes down that list and adds ``node.grad * d node / d parent`` (the op's
``partials``) to each parent's grad, so a node that feeds several ops sums their
contributions (the fork rule); and errors leave every ``.grad`` as it was.

A node holds only its data, its gradient, its label, its parents and its op: nothing
in it refers back to itself, so a graph that is no longer used is freed at once.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING, Any, SupportsFloat, TypeVar

from micrograd.op import Op, register_number_type
from micrograd.scalars import to_float

__all__ = [
    "Step",
    "Value",
    "backprop",
    "constant",
    "enable_grad",
    "is_constant",
    "is_grad_enabled",
    "local_derivatives",
    "new_leaves",
    "no_grad",
    "op_of",
    "primitive",
    "record",
    "to_value",
    "topological_order",
]

_data_of = attrgetter("data")


# ---------------------------------------------------------------------------
# Value
# ---------------------------------------------------------------------------


class Value:
    """A scalar that remembers how it was computed, so gradients can flow back to it.

    >>> a = Value(2.0, label='a'); b = Value(-3.0, label='b')
    >>> c = a * b + a
    >>> c.backward()
    >>> a.grad, b.grad   # dc/da = b + 1, dc/db = a
    (-2.0, 2.0)

    Its ops (``+ - * / **``, ``exp``, ``tanh``, ...) come from the op table in
    `micrograd.ops`. ``float(v)``, ``format(v, '.4f')`` and ``< <= > >=`` use the data
    (so ``max(values)`` works); ``==`` and ``hash`` are by identity, as in micrograd,
    so Values can be dict keys and set members.

    micrograd's constructor ``Value(data, (a, b), '+')`` makes a node with parents
    ``a, b`` that passes no gradient until its ``_backward`` is set (see
    `micrograd.lecture`).
    """

    __slots__ = ("__weakref__", "_prev", "_rule", "data", "grad", "label")

    data: float
    grad: Any  # float, or a Value after backward(create_graph=True)
    label: str
    _prev: tuple[Value, ...]
    _rule: Op | None

    def __init__(
        self,
        data: SupportsFloat,
        _children: Iterable[Value] | str = (),
        _op: str = "",
        label: str = "",
    ) -> None:
        self.data = to_float(data)
        self.grad = 0.0
        self._prev = ()
        self._rule = None
        if isinstance(_children, str):  # Value(data, label)
            label, _children = _children, ()
        self.label = label
        if _children or _op:
            parents = tuple(_children)
            if not all(isinstance(p, Value) for p in parents):
                raise TypeError(f"Value children must be Values, got {parents!r:.60}")
            self._prev = parents
            self._rule = _named_op(_op)
        leaves = _new_leaves.get()
        if leaves is not None:
            leaves.append(self)

    @property
    def _op(self) -> str:
        """The name of the op that produced this node ('' for a leaf), as in micrograd."""
        return self._rule.name if self._rule is not None else ""

    @property
    def is_leaf(self) -> bool:
        """True for a node without parents (an input, a parameter or a constant)."""
        return not self._prev

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    # -- Python number conventions (on the data) ------------------------------

    def __float__(self) -> float:
        if _float_refused.get():
            raise TypeError("a Value cannot be turned into a float here")
        return self.data

    def __format__(self, spec: str) -> str:
        """``format(v, spec)`` formats the data (``f"{loss:.4f}"``); no spec gives ``str(v)``."""
        return format(self.data, spec) if spec else str(self)

    def __lt__(self, other: Any) -> bool:
        x = _compared(other)
        return NotImplemented if x is None else self.data < x

    def __le__(self, other: Any) -> bool:
        x = _compared(other)
        return NotImplemented if x is None else self.data <= x

    def __gt__(self, other: Any) -> bool:
        x = _compared(other)
        return NotImplemented if x is None else self.data > x

    def __ge__(self, other: Any) -> bool:
        x = _compared(other)
        return NotImplemented if x is None else self.data >= x

    __eq__ = object.__eq__  # by identity, as in micrograd
    __hash__ = object.__hash__

    if TYPE_CHECKING:  # the methods that micrograd.ops installs, for type checkers

        def __add__(self, other: Value | float) -> Value: ...
        def __radd__(self, other: float) -> Value: ...
        def __sub__(self, other: Value | float) -> Value: ...
        def __rsub__(self, other: float) -> Value: ...
        def __mul__(self, other: Value | float) -> Value: ...
        def __rmul__(self, other: float) -> Value: ...
        def __truediv__(self, other: Value | float) -> Value: ...
        def __rtruediv__(self, other: float) -> Value: ...
        def __pow__(self, other: Value | float) -> Value: ...
        def __rpow__(self, other: float) -> Value: ...
        def __neg__(self) -> Value: ...
        def __abs__(self) -> Value: ...
        def exp(self) -> Value: ...
        def log(self) -> Value: ...
        def sqrt(self) -> Value: ...
        def tanh(self) -> Value: ...
        def sigmoid(self) -> Value: ...
        def relu(self) -> Value: ...
        def softplus(self) -> Value: ...
        def leaky_relu(self, slope: float = 0.01) -> Value: ...

    # -- how ops make Values (see micrograd.op.install_op) ----------------------

    @staticmethod
    def _apply_op(op: Op, *parents: Value) -> Value:
        """The node ``op(*parents)``: its data from the op's forward, its parents recorded."""
        out = _new_value(Value)
        if len(parents) == 2:
            out.data = op.forward(parents[0].data, parents[1].data)
        elif len(parents) == 1:
            out.data = op.forward(parents[0].data)
        else:
            out.data = op.forward(*map(_data_of, parents))
        out.grad = 0.0
        out.label = ""
        if _grad_enabled.get():
            out._prev = parents
            out._rule = op
        else:
            out._prev = ()
            out._rule = None
            leaves = _new_leaves.get()
            if leaves is not None:
                leaves.append(out)
        return out

    @staticmethod
    def _lift(x: Any) -> Value:
        """A plain number as a constant (TypeError for anything else)."""
        return constant(x)

    @staticmethod
    def _number_of(x: Value) -> float | None:
        """The number a constant stands for; None for a Value that can get gradient."""
        return x.data if x._rule is CONSTANT else None

    # -- graph ---------------------------------------------------------------

    def detach(self) -> Value:
        """A new leaf with the same data, cut off from this graph."""
        return Value(self.data, self.label)

    def backward(self, gradient: SupportsFloat = 1.0, *, create_graph: bool = False) -> None:
        """Backpropagate d self / d node into ``node.grad`` for every node of the graph.

        Leaves (nodes without parents) accumulate over calls, as in PyTorch; every other
        node behind ``self`` is reset and holds the gradient of this call only.
        Gradients are summed where a node feeds several ops (the fork rule). A node
        whose gradient is exactly zero passes nothing on.

        If a local derivative cannot be evaluated (``sqrt`` at 0), the error names the
        op and no ``.grad`` is changed.

        With ``create_graph=True`` the gradients are Values with graphs of their own, so
        they can be differentiated again. Their values are those of the float pass,
        except that a gradient of value 0 is still passed on through finite local
        derivatives (a second derivative keeps its dependence on the inputs), so a
        product that underflows or overflows in between can round differently. As in
        PyTorch this makes reference cycles (a leaf's ``.grad`` graph leads back to the
        leaf): reset ``.grad`` when done.
        """
        seed = to_float(gradient, "gradient")
        start: Any = Value(seed) if create_graph else seed
        if not self._prev:
            self.grad = self.grad + start
            return
        order, ends = _graph(self, ())
        saved, saved_ends = [n.grad for n in order], [n.grad for n in ends]
        for node in order:
            node.grad = 0.0
        try:
            _walk(order, start, create_graph, None)
        except BaseException:
            _restore(order, saved)
            _restore(ends, saved_ends)
            raise


def _compared(x: Any) -> float | None:
    """The number a Value is compared with: a Value's data, a real number, else None."""
    if isinstance(x, Value):
        return x.data
    try:
        return to_float(x)
    except TypeError:
        return None


def record(op: Op, data: float, parents: tuple[Value, ...]) -> Value:
    """A new node of ``op`` with ``data``, computed by the caller from ``parents`` as
    ``op.forward`` would (no checks: the fast path for library code). Under `no_grad`,
    a leaf."""
    out = _new_value(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    if _grad_enabled.get():
        out._prev = parents
        out._rule = op
    else:
        out._prev = ()
        out._rule = None
        leaves = _new_leaves.get()
        if leaves is not None:
            leaves.append(out)
    return out


_new_value = object.__new__


def _not_computed(*xs: float) -> float:
    raise NotImplementedError("this op was made by Value(data, children, op): it has no forward")


def _passes_nothing(out: Any, *xs: Any) -> tuple[float, ...]:
    return (0.0,) * len(xs)


@functools.lru_cache(maxsize=256)
def _named_op(name: str) -> Op:
    """The op of a node made as ``Value(data, children, name)``: only a name, and no
    gradient passes through it (as in micrograd before ``_backward`` is set)."""
    return Op(name, _not_computed, _passes_nothing, None)


CONSTANT = Op("", float, _passes_nothing, 0, doc="a number lifted into the graph")


def constant(x: Any) -> Value:
    """A leaf for the number ``x`` that needs no gradient (TypeError if ``x`` is not a
    real number)."""
    out = _new_value(Value)
    out.data = x if x.__class__ is float else to_float(x)
    out.grad = 0.0
    out.label = ""
    out._prev = ()
    out._rule = CONSTANT
    return out


def to_value(x: Any) -> Value:
    """``x`` itself if it is a Value, else a constant (TypeError if not a real number)."""
    return x if isinstance(x, Value) else constant(x)


def is_constant(v: Value) -> bool:
    """True for a number lifted into the graph (`constant`): it needs no gradient."""
    return v._rule is CONSTANT


def op_of(v: Value) -> Op | None:
    """The op that made ``v`` (its forward and local derivatives); None for a leaf."""
    return v._rule if v._prev else None


# ---------------------------------------------------------------------------
# Gradient recording switch, and the leaves made while a trace watches
# ---------------------------------------------------------------------------

_grad_enabled: ContextVar[bool] = ContextVar("micrograd_grad_enabled", default=True)
_grad_saved: ContextVar[tuple[bool, ...]] = ContextVar("micrograd_grad_saved", default=())
_new_leaves: ContextVar[list[Value] | None] = ContextVar("micrograd_new_leaves", default=None)
# True while a derivative written for floats is tried on Values (see `primitive`)
_float_refused: ContextVar[bool] = ContextVar("micrograd_float_refused", default=False)


def is_grad_enabled() -> bool:
    """Whether new ops record their parents (False inside `no_grad`)."""
    return _grad_enabled.get()


@contextmanager
def new_leaves() -> Iterator[list[Value]]:
    """A list that collects every Value without parents made inside the ``with`` block
    (``Value(x)``, constants, results under `no_grad`), in this thread or task."""
    leaves: list[Value] = []
    token = _new_leaves.set(leaves)
    try:
        yield leaves
    finally:
        _new_leaves.reset(token)


F = TypeVar("F", bound=Callable[..., Any])


class _GradMode:
    """Sets the gradient recording switch to ``enabled`` inside a ``with`` block or a call.

    An instance can be entered again (also nested) and used as a decorator, with or
    without parentheses (``@no_grad`` and ``@no_grad()``), as in PyTorch.
    """

    enabled: bool

    def __new__(cls, function: Callable[..., Any] | None = None) -> Any:
        mode = super().__new__(cls)
        return mode if function is None else mode(function)  # bare decorator: @no_grad

    def __enter__(self) -> None:
        # the earlier values are kept per context, so that threads and asyncio tasks
        # can enter one instance at once
        _grad_saved.set((*_grad_saved.get(), _grad_enabled.get()))
        _grad_enabled.set(self.enabled)

    def __exit__(self, *exc_info: object) -> None:
        *saved, enabled = _grad_saved.get()
        _grad_saved.set(tuple(saved))
        _grad_enabled.set(enabled)

    def __call__(self, function: F) -> F:
        """``function`` wrapped so that each call runs in this mode."""
        if not callable(function):
            raise TypeError(
                f"{type(self).__name__} decorates a function, got {type(function).__name__}"
            )
        kind = type(self)

        @functools.wraps(function)
        def in_mode(*args: Any, **kwargs: Any) -> Any:
            with kind():
                return function(*args, **kwargs)

        return in_mode  # type: ignore[return-value]


class no_grad(_GradMode):
    """Context manager and decorator: ops inside record no parents (no graph is built).

    The switch is a context variable, so it is local to the thread or asyncio task.
    """

    enabled = False


class enable_grad(_GradMode):
    """Context manager and decorator: record graphs again, also inside `no_grad`."""

    enabled = True


# ---------------------------------------------------------------------------
# The backward walk
# ---------------------------------------------------------------------------


def local_derivatives(node: Value) -> tuple[Any, ...]:
    """d node / d parent for each of ``node._prev``, at the current data (floats).

    Raises the op's error (ValueError, ArithmeticError) where a derivative is undefined.
    """
    rule, parents = node._rule, node._prev
    if not parents or rule is None:
        return ()
    return rule.partials(node.data, *map(_data_of, parents))


def topological_order(root: Value) -> list[Value]:
    """The interior nodes (those with parents) that ``root`` depends on, in backward order.

    ``root`` comes first (when it is not a leaf) and every node comes after all the
    nodes that read it, so its gradient is complete by the time it is passed on. Read
    backwards, it is the order in which the expression computes its values, first
    input first ((x + sigmoid(y)) / (x^2 + y): sigmoid(y), the sum, x^2, ...).
    """
    return _graph(root, ())[0]


def _graph(root: Value, until: Collection[Value]) -> tuple[list[Value], list[Value]]:
    """`topological_order` of ``root``, and its ends: the leaves it reaches and the nodes
    of ``until`` (not gone behind), each once.

    An iterative depth-first search: a node is emitted once all its parents are, which a
    ``None`` pushed above it marks, so depth is unlimited.
    """
    order: list[Value] = []
    ends: list[Value] = []
    if not root._prev:
        return order, ends
    done: set[Value] = set()
    stack: list[Value | None] = [root]
    pop, push = stack.pop, stack.append
    while stack:
        node = pop()
        if node is None:
            order.append(pop())  # type: ignore[arg-type]
            continue
        if node in done:
            continue
        done.add(node)
        push(node)
        push(None)
        for parent in reversed(node._prev):  # the last pushed first: first input first
            if parent in done:
                continue
            if parent._prev and parent not in until:
                push(parent)
            else:
                done.add(parent)
                ends.append(parent)
    order.reverse()
    return order, ends


@dataclass(frozen=True, slots=True)
class Step:
    """One edge of the backward pass: ``to``'s gradient accumulator gets ``grad * local``.

    ``node`` is the op output being processed and ``grad`` its gradient d root / d node
    at that moment; ``to`` is its input number ``slot`` (``node._prev[slot]``) and
    ``local`` is d node / d to. ``contribution = grad * local`` takes ``to``'s
    accumulator from ``before`` to ``after``.
    """

    node: Value
    to: Value
    slot: int
    grad: Any
    local: Any
    contribution: Any
    before: Any
    after: Any

    def __repr__(self) -> str:
        return (
            f"Step(node={_describe(self.node)}, to={_describe(self.to)}, slot={self.slot}, "
            f"grad={self.grad!r}, local={self.local!r}, contribution={self.contribution!r}, "
            f"before={self.before!r}, after={self.after!r})"
        )


def _describe(v: Value) -> str:
    """A short description of a node: its label, or its data; and its op."""
    text = repr(v.label) if v.label else f"Value(data={v.data!r})"
    return f"{text} ({v._op})" if v._prev else text


def _walk(
    order: list[Value], seed: Any, create_graph: bool, on_step: Callable[[Step], Any] | None
) -> None:
    """The chain rule over ``order`` (interior nodes at 0): ``order[0]`` gets ``seed``,
    then each node n with gradient g != 0 adds ``g * dn/dp`` to each parent p's grad.

    ``create_graph`` evaluates the local derivatives on the Values themselves, so every
    gradient is a Value with a graph of its own; a gradient of value 0 passes nothing
    through a derivative that is undefined, infinite or nan (as with floats, where it
    passes nothing at all). ``on_step`` sees each edge as its contribution is added.
    """
    order[0].grad = seed
    for node in order:
        g = node.grad
        if not g:
            continue  # a float 0: every contribution would be zero (a Value is never false)
        rule, parents = node._rule, node._prev
        try:
            if create_graph:
                local = rule.partials(node, *parents)  # type: ignore[union-attr]
            elif len(parents) == 2:  # most nodes: the same steps, written out
                a, b = parents
                da, db = local = rule.partials(node.data, a.data, b.data)  # type: ignore[union-attr]
                if on_step is None:
                    a.grad += g * da
                    b.grad += g * db
                    continue
            else:
                local = rule.partials(node.data, *map(_data_of, parents))  # type: ignore[union-attr]
        except (ArithmeticError, ValueError, TypeError, NotImplementedError) as error:
            if create_graph and g.data == 0.0:
                continue
            raise _at(error, node) from error
        if create_graph and g.data == 0.0 and not all(map(_finite, local)):
            continue
        if on_step is None:
            for parent, d in zip(parents, local):
                parent.grad += g * d
            continue
        for slot, (parent, d) in enumerate(zip(parents, local)):
            before = parent.grad
            contribution = g * d
            parent.grad = after = before + contribution
            on_step(Step(node, parent, slot, g, d, contribution, before, after))


def _finite(d: Any) -> bool:
    return -math.inf < (d.data if isinstance(d, Value) else d) < math.inf


def _restore(nodes: list[Value], grads: list[Any]) -> None:
    for node, g in zip(nodes, grads):
        node.grad = g


def backprop(
    root: Value,
    seed: Any = 1.0,
    *,
    create_graph: bool = False,
    on_step: Callable[[Step], Any] | None = None,
    until: Collection[Value] = (),
) -> dict[Value, Any]:
    """d root / d node for every node behind ``root``, as a new dict; no ``.grad`` changes.

    The same walk as `Value.backward` (so the same bits), with every accumulator
    starting at 0. ``create_graph=True`` makes the gradients Values (``seed`` should
    then be a Value). ``on_step(step)`` is called with a `Step` for every edge as its
    contribution is added. The walk does not go behind the nodes in ``until``: they get
    their gradients, their parents none.
    """
    order, ends = _graph(root, until)
    if not order:
        return {root: seed}
    nodes = order + ends
    saved = [n.grad for n in nodes]
    try:
        for node in nodes:
            node.grad = 0.0
        _walk(order, seed, create_graph, on_step)
        return {node: node.grad for node in nodes}
    finally:
        _restore(nodes, saved)


def _at(error: BaseException, node: Value) -> BaseException:
    """``error`` raised by a local derivative, retold with the op and the node."""
    where = f"backward through {node._op!r} at {node!r}"
    try:
        return type(error)(f"{where}: {error}")
    except TypeError:  # an exception type with a different constructor
        return error


# ---------------------------------------------------------------------------
# Your own ops
# ---------------------------------------------------------------------------


def primitive(
    forward: Callable[..., float],
    *partials: Callable[..., Any],
    name: str | None = None,
) -> Op:
    """Make a differentiable op from its forward function and its partial derivatives.

    ``forward(x_1, ..., x_n)`` and each ``partials[i](x_1, ..., x_n)`` (d out / d x_i)
    take the inputs. The result is an `Op`: call it on Values, dual numbers or floats.

    >>> from micrograd import ops
    >>> softplus = primitive(lambda x: math.log1p(math.exp(x)),
    ...                      lambda x: ops.sigmoid(x), name='softplus')
    >>> y = softplus(Value(0.0)); y.backward(); y.data, y._prev[0].grad
    (0.6931471805599453, 0.5)

    Partials written with `micrograd.ops` (and arithmetic) also take Values, so the
    op supports ``create_graph=True`` and ``grad(grad(f))``. Partials written with
    ``math`` work for first derivatives; differentiating them again raises an error
    that says so.
    """
    if not callable(forward) or not all(callable(p) for p in partials):
        raise TypeError("primitive: forward and every partial must be callable")
    if not partials:
        raise TypeError("primitive: give one partial derivative per input")
    op_name = name if name is not None else getattr(forward, "__name__", "primitive")

    def checked_forward(*xs: float) -> float:
        return to_float(forward(*xs), f"primitive {op_name!r}: the forward result")

    def checked(i: int, partial: Callable[..., Any]) -> Callable[..., Any]:
        def derivative(out: Any, *xs: Any) -> Any:
            if all(x.__class__ is float for x in xs):
                return to_float(partial(*xs), f"primitive {op_name!r}: partial {i}")
            # on Values, float(x) (and so math.exp(x)) must fail rather than drop the graph
            token = _float_refused.set(True)
            try:
                return partial(*xs)
            except TypeError as error:
                raise NotImplementedError(
                    f"primitive {op_name!r}: partial derivative {i} cannot take "
                    f"{type(xs[0]).__name__}s ({error}), so the gradient cannot be "
                    "differentiated again (create_graph=True, grad(grad(f))); write it "
                    "with micrograd.ops (ops.exp, ops.sigmoid, ...) instead of math"
                ) from error
            finally:
                _float_refused.reset(token)

        return derivative

    return Op(
        op_name,
        checked_forward,
        tuple(checked(i, p) for i, p in enumerate(partials)),
        len(partials),
        doc=f"The {op_name!r} op, differentiable in each of its {len(partials)} inputs.",
    )


register_number_type(Value)
