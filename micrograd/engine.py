"""Scalar reverse-mode automatic differentiation: `Value`, `Op` and the backward walk.

An op is declared once, as an `Op`: its name, its forward function on floats and its
local derivatives d out / d input_i written next to it (see `micrograd.ops`, the op
table). The declaration installs the op's method on `Value` (and on every other
registered number type, such as `micrograd.forward.Dual`) and is itself the function
``ops.name(x)`` for floats, Values and Duals.

A node stores only its data, its gradient, its label, its parents and its op; nothing
in a node refers back to the node, so a graph that is no longer referenced is freed at
once by reference counting. `backprop` is the one implementation of the chain-rule
walk; ``Value.backward``, ``viz.trace_backward`` and ``functional.grad`` all call it.
"""

from __future__ import annotations

import ast
import functools
import importlib
import math
import numbers
import threading
import weakref
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, replace
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Protocol, SupportsFloat, TypeVar

__all__ = [
    "Formula",
    "Op",
    "Step",
    "Value",
    "apply",
    "backprop",
    "constant",
    "declared_ops",
    "enable_grad",
    "install_generic_op",
    "is_constant",
    "is_grad_enabled",
    "local_derivatives",
    "no_grad",
    "op_of",
    "primitive",
    "real",
    "register_number_type",
    "to_float",
    "to_non_negative",
    "to_value",
    "topological_order",
]

Partials = Callable[..., tuple[Any, ...]]
Partial = Callable[..., Any]


# ---------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------


def to_float(data: Any, what: str = "Value data") -> float:
    """``data`` as a float if it is a real number, else TypeError naming ``what`` and its type.

    Ints, floats and real number types with ``__float__`` (numpy scalars, 0-d arrays,
    fractions) are accepted; complex numbers, strings, Values and arrays are refused.
    """
    if type(data) is float:  # exact type: float subclasses (np.float64) are converted
        return data
    if isinstance(data, int):
        return float(data)
    kind = getattr(getattr(data, "dtype", None), "kind", "")
    if (
        isinstance(data, (Value, str, bytes, complex))
        or (isinstance(data, numbers.Complex) and not isinstance(data, numbers.Real))
        or kind == "c"
        or getattr(data, "ndim", 0) != 0
        or not hasattr(type(data), "__float__")
    ):
        raise TypeError(f"{what} must be a real number, got {type(data).__name__}: {data!r:.60}")
    return float(data)


def to_non_negative(x: Any, what: str, *, positive: bool = False) -> float:
    """A setting ``x`` (a learning rate, a tolerance) as a float >= 0, or > 0 with
    ``positive``; TypeError naming ``what`` for anything but a real number (bools too),
    ValueError for a negative number, 0 where it must be positive, or nan."""
    if isinstance(x, bool):
        raise TypeError(f"{what} must be a real number, got {x!r}")
    value = to_float(x, what)
    if not (value > 0.0 if positive else value >= 0.0):  # nan fails both
        raise ValueError(f"{what} must be {'positive' if positive else 'non-negative'}, got {x!r}")
    return value


def real(x: Any) -> float:
    """The plain float behind a number, a `Value` or a dual number."""
    if isinstance(x, float):
        return x
    if isinstance(x, Value):
        return x.data
    value = getattr(x, "real", x)  # a dual number's value part; ints and floats are their own
    return to_float(value)


# ---------------------------------------------------------------------------
# Ops
# ---------------------------------------------------------------------------


def _node(op: Op, data: float, parents: tuple[Value, ...]) -> Value:
    """A new Value made by ``op`` from ``parents``; with gradients off, a leaf."""
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
    return out


_new_value = object.__new__


@dataclass(frozen=True)
class Formula:
    """An op's forward and local derivatives as Python expression text.

    ``forward`` is an expression in the ``inputs`` and ``params`` names; ``partials[i]``
    is d out / d inputs[i], an expression that may also use ``out``. The text is
    evaluated in ``scope`` (the globals of the op table), once, to give the op's float
    functions, and it is what `micrograd.codegen` writes out with the names replaced.

    An op with any number of inputs (``variadic``) is a sum: ``forward`` over the
    ``inputs`` (given once each, such as a bias ``b``) plus ``term`` for each i, with the
    inputs after the fixed ones split evenly into the ``groups`` (``w_1..w_n, x_1..x_n``);
    ``partials`` lists the fixed inputs' derivatives, then one per group. ``outer`` is a
    one-input op applied to that sum (relu(b + w . x)). ``bound`` holds the parameter
    values of a bound op (`Op.bind`).
    """

    inputs: tuple[str, ...]
    forward: str
    partials: tuple[str, ...]
    scope: Mapping[str, Any]
    params: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    term: str = ""
    outer: Formula | None = None
    bound: tuple[float, ...] = ()

    def function(self, text: str, *leading: str) -> Callable[..., Any]:
        """``lambda *leading, *inputs, *params: text``, evaluated in ``scope``; a call of a
        function on exactly those arguments is that function itself (no extra call)."""
        names = (*leading, *self.inputs, *self.params)
        # eval needs a dict for its globals: any other mapping is read as it is now
        scope = self.scope if isinstance(self.scope, dict) else dict(self.scope)
        tree = ast.parse(text, mode="eval").body
        if (
            isinstance(tree, ast.Call)
            and not tree.keywords
            and [a.id if isinstance(a, ast.Name) else None for a in tree.args] == list(names)
        ):
            return eval(ast.unparse(tree.func), dict(scope))  # type: ignore[no-any-return]
        return eval(f"lambda {', '.join(names)}: {text}", scope)  # type: ignore[no-any-return]


class Op:
    """A differentiable op: ``forward(*xs) -> float`` and ``partials(out, *xs) -> tuple``.

    ``forward`` computes the op on floats, with Python's float errors. ``partials``
    returns d out / d x_i for every input, given the output and the inputs; written
    with arithmetic and the functions of `micrograd.ops`, it evaluates on floats (the
    backward pass), on Values (``create_graph=True``, higher derivatives) and on dual
    numbers (forward mode). ``partials`` may instead be a tuple of one function
    ``(out, *xs) -> d out / d x_i`` per input: then a derivative is only evaluated for
    inputs that can receive gradient (not for constants), so one that is undefined
    there (pow's d / d exponent at a negative base) raises only when it is needed.

    An op declared with `Op.declare` also gets a method on `Value` and on every type
    registered with `register_number_type`. Calling an op applies it: ``op(x)`` is a
    float for floats, a Value for Values, a dual number for dual numbers.

    ``params`` names constant parameters that follow the inputs (``leaky_relu(x, 0.1)``);
    an op with parameters is applied through `bind`, which fixes their values.
    """

    name: str
    forward: Callable[..., float]
    partials: Partials
    each: tuple[Partial, ...] | None
    arity: int | None
    method: str | None
    reflected: str | None
    params: tuple[tuple[str, Any], ...]
    with_constant: Op | None
    formula: Formula | None

    def __init__(
        self,
        name: str,
        forward: Callable[..., float] | str,
        partials: Partials | tuple[Partial, ...] | tuple[str, ...],
        arity: int | None = 1,
        *,
        params: dict[str, Any] | None = None,
        label: str | None = None,
        doc: str | None = None,
        scope: Mapping[str, Any] | None = None,
        inputs: tuple[str, ...] | None = None,
        lazy: bool = False,
        formula: Formula | None = None,
    ) -> None:
        if isinstance(forward, str):
            # the op written as text: its float functions are evaluated from it
            names = inputs if inputs is not None else ("x",) if arity == 1 else ("a", "b")
            if scope is None or not all(isinstance(p, str) for p in partials):  # type: ignore[union-attr]
                raise TypeError(f"op {name!r}: text forward needs text partials and a scope")
            texts: tuple[str, ...] = tuple(partials)  # type: ignore[arg-type]
            formula = Formula(names, forward, texts, scope, tuple(params or {}))
            forward = formula.function(forward)
            if lazy:
                partials = tuple(formula.function(p, "out") for p in texts)
            else:
                partials = formula.function(f"({', '.join(texts)},)", "out")
        self.formula = formula
        each: tuple[Partial, ...] | None = (
            tuple(partials) if isinstance(partials, (tuple, list)) else None  # type: ignore[arg-type]
        )
        if not callable(forward) or not (callable(partials) or each):
            raise TypeError(f"op {name!r}: forward and partials must be callable")
        if each is not None and arity != len(each):
            raise TypeError(f"op {name!r}: {len(each)} partials for {arity} inputs")
        self.name = name
        self.forward = forward
        self.each = each
        self.partials = partials if each is None else _all_of(each)  # type: ignore[assignment]
        self.arity = arity
        self.method = None
        self.reflected = None
        self.params = tuple((params or {}).items())
        self.with_constant = None
        self._label = label if label is not None else name + "({})"
        self._bound: dict[tuple[Any, ...], Op] = {}
        self._binding: tuple[Op, tuple[Any, ...]] | None = None  # (op, parameters) for `bind`
        self.__doc__ = doc

    @classmethod
    def declare(
        cls,
        name: str,
        forward: Callable[..., float] | str,
        partials: Partials | tuple[Partial, ...] | tuple[str, ...],
        arity: int = 1,
        *,
        method: str | None = None,
        reflected: str | None = None,
        params: dict[str, Any] | None = None,
        label: str | None = None,
        with_constant: Op | None = None,
        doc: str | None = None,
        scope: Mapping[str, Any] | None = None,
        inputs: tuple[str, ...] | None = None,
        lazy: bool = False,
    ) -> Op:
        """Declare an op and install it as ``method`` (default: ``name``) on every number type.

        ``reflected`` is the name of an operator's reflected method (``'__radd__'``).
        ``with_constant`` is the op to use instead when the second operand is a plain
        number (``x ** 2`` uses the power op with a constant exponent).

        ``forward`` and ``partials`` may be expression text (a `Formula`) in the names
        ``inputs`` (default ``x``, or ``a, b`` for two inputs), the ``params`` and, in a
        partial, ``out``, evaluated in ``scope``; ``lazy`` evaluates each partial only
        for inputs that can receive gradient.
        """
        op = cls(
            name, forward, partials, arity, params=params, label=label, doc=doc,
            scope=scope, inputs=inputs, lazy=lazy,
        )  # fmt: skip
        op.method = method if method is not None else name
        op.reflected = reflected
        op.with_constant = with_constant
        _DECLARED[op.method] = op
        for kind in _NUMBER_TYPES:
            kind._install_op(op)
        return op

    def bind(self, *values: Any) -> Op:
        """This op with its parameters fixed to ``values`` (cached), ready to apply."""
        if not self.params:
            if values:
                raise TypeError(f"{self.name}: takes no parameters, got {values!r:.60}")
            return self
        if len(values) > len(self.params):
            raise TypeError(
                f"{self.name}: takes {len(self.params)} parameters "
                f"({', '.join(n for n, _ in self.params)}), got {len(values)}"
            )
        values = values + tuple(d for _, d in self.params[len(values) :])
        key = tuple((type(v), v) for v in values)
        bound = self._bound.get(key)
        if bound is None:
            floats = tuple(
                to_float(v, f"{self.name}: parameter {n!r}")
                for (n, _), v in zip(self.params, values)
            )
            bound = Op(
                self._label.format(*values),
                _with_params(self.forward, floats),
                _with_params(self.partials, floats)
                if self.each is None
                else tuple(_with_params(p, floats) for p in self.each),
                self.arity,
            )
            bound._binding = (self, values)
            if self.formula is not None:
                bound.formula = replace(self.formula, bound=floats)
            if len(self._bound) < 1024:
                self._bound[key] = bound
        return bound

    def __call__(self, *args: Any, **params: Any) -> Any:
        """Apply the op: inputs first, then parameters (positional or by name)."""
        op = self
        if self.params:
            n = self.arity if self.arity is not None else len(args)
            args, values = args[:n], args[n:]
            names = [name for name, _ in self.params]
            unknown = set(params) - set(names)
            if unknown:
                raise TypeError(f"{self.name}: unexpected parameter {sorted(unknown)[0]!r}")
            given = dict(zip(names, values))
            given.update(params)
            op = self.bind(*(given.get(name, default) for name, default in self.params))
        elif params:
            raise TypeError(f"{self.name}: takes no parameters, got {sorted(params)[0]!r}")
        if self.arity is not None and len(args) != self.arity:
            raise TypeError(f"{self.name}: expected {self.arity} inputs, got {len(args)}")
        return apply(op, *args)

    def derivatives(
        self, out: Any, inputs: tuple[Any, ...], needed: Iterable[bool]
    ) -> tuple[Any, ...]:
        """d out / d x_i for each input; 0.0 without evaluating it where ``needed`` is
        False, for an op declared with one partial per input."""
        if self.each is None:
            return self.partials(out, *inputs)
        return tuple(p(out, *inputs) if n else 0.0 for p, n in zip(self.each, needed))

    def node(self, parents: tuple[Value, ...]) -> Value:
        """The Value ``self(*parents)`` for parents that are all Values already (no checks:
        the fast path for library code such as `micrograd.nn`)."""
        return _node(self, self.forward(*map(_data_of, parents)), parents)

    # record(data, parents): a new node of this op with the given ``data``, computed by
    # the caller from ``parents`` (all Values) as ``forward`` would (no checks)
    record = _node

    def __copy__(self) -> Op:
        return self  # an op is immutable: copies of models and graphs share it

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle by name: a declared op as its method name, a library op as its module and
        attribute, a bound op as its op and parameters. An op without a name to find it
        by (one made by `primitive` inside a function) cannot be pickled: TypeError."""
        if self._binding is not None:
            return (_bound_op, self._binding)
        if self.method is not None and _DECLARED.get(self.method) is self:
            return (_declared_op, (self.method,))
        for module_name in ("micrograd.ops", __name__):
            for attribute, value in vars(importlib.import_module(module_name)).items():
                if value is self:
                    return (_library_op, (module_name, attribute))
        raise TypeError(
            f"cannot pickle op {self.name!r}: only ops declared with Op.declare, the ops of "
            "micrograd.ops and their bound forms are pickled (by name)"
        )

    def __deepcopy__(self, memo: dict[int, Any]) -> Op:
        return self

    def __repr__(self) -> str:
        return f"Op({self.name!r})"


def _declared_op(method: str) -> Op:
    """The op declared as ``method`` (for unpickling)."""
    op = _DECLARED.get(method)
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


def _all_of(each: tuple[Partial, ...]) -> Partials:
    def partials(out: Any, *xs: Any) -> tuple[Any, ...]:
        return tuple(p(out, *xs) for p in each)

    return partials


def _with_params(function: Callable[..., Any], params: tuple[float, ...]) -> Callable[..., Any]:
    def bound(*args: Any) -> Any:
        return function(*args, *params)

    return bound


def apply(op: Op, *inputs: Any) -> Any:
    """Apply ``op`` (parameters bound) to its inputs: a Value or dual number if any input is one.

    Number types implement ``_apply_op(op, *inputs)``; the first input whose type does
    decides the result. All plain numbers give a float.
    """
    for x in inputs:
        apply_op = getattr(type(x), "_apply_op", None)
        if apply_op is not None:
            return apply_op(op, *inputs)
    return op.forward(*(to_float(x, f"{op.name}: input") for x in inputs))


class NumberType(Protocol):
    """What a number type registered with `register_number_type` provides."""

    @classmethod
    def _apply_op(cls, op: Op, *inputs: Any) -> Any: ...

    @classmethod
    def _install_op(cls, op: Op) -> None: ...


_NUMBER_TYPES: list[type[NumberType]] = []
_DECLARED: dict[str, Op] = {}


def register_number_type(kind: type[NumberType]) -> None:
    """Give ``kind`` every declared op now, and every op declared later.

    ``kind._install_op(op)`` is called once per op; `install_generic_op` is a ready
    implementation built on ``kind._apply_op``.
    """
    if kind not in _NUMBER_TYPES:
        _NUMBER_TYPES.append(kind)
        for op in _DECLARED.values():
            kind._install_op(op)


def declared_ops() -> dict[str, Op]:
    """Every op declared with `Op.declare`, by method name, in declaration order."""
    return dict(_DECLARED)


def install_generic_op(kind: type, op: Op) -> None:
    """Install ``op`` on ``kind`` as methods that call ``kind._apply_op``.

    Operators return NotImplemented for operands that are neither ``kind`` nor real
    numbers, so Python can try the other operand.
    """
    apply_op = kind._apply_op  # type: ignore[attr-defined]

    def accepts(x: Any) -> bool:
        if isinstance(x, kind):
            return True
        try:
            to_float(x)
        except TypeError:
            return False
        return True

    if op.arity == 2:

        def method(self: Any, other: Any) -> Any:
            if not accepts(other):
                return NotImplemented
            if op.with_constant is not None and not isinstance(other, kind):
                return apply_op(op.with_constant.bind(other), self)
            return apply_op(op, self, other)

        def reflected(self: Any, other: Any) -> Any:
            if not accepts(other):
                return NotImplemented
            return apply_op(op, other, self)

        _set_method(kind, op, op.method, method)
        if op.reflected:
            _set_method(kind, op, op.reflected, reflected)
    else:

        def unary(self: Any, *params: Any, **named: Any) -> Any:
            return op(self, *params, **named)

        _set_method(kind, op, op.method, unary)


def _set_method(kind: type, op: Op, name: str | None, function: Callable[..., Any]) -> None:
    if name is None:
        return
    function.__name__ = name
    function.__qualname__ = f"{kind.__name__}.{name}"
    function.__doc__ = op.__doc__
    setattr(kind, name, function)


# ---------------------------------------------------------------------------
# Gradient recording switch
# ---------------------------------------------------------------------------

_grad_enabled: ContextVar[bool] = ContextVar("micrograd_grad_enabled", default=True)
_grad_saved: ContextVar[tuple[bool, ...]] = ContextVar("micrograd_grad_saved", default=())


def is_grad_enabled() -> bool:
    """Whether new ops record their parents (False inside `no_grad`)."""
    return _grad_enabled.get()


F = TypeVar("F", bound=Callable[..., Any])


class _GradMode:
    """Sets the gradient recording switch to ``enabled`` inside a ``with`` block or a call.

    An instance can be entered again (also nested) and used as a decorator, with or
    without parentheses (``@no_grad`` and ``@no_grad()``), as in PyTorch.
    """

    enabled: bool

    def __new__(cls, function: Callable[..., Any] | None = None) -> Any:
        mode = super().__new__(cls)
        if function is None:
            return mode
        return mode(function)  # bare decorator: @no_grad

    def __enter__(self) -> None:
        # the switch's earlier values are kept per context, so one instance can be
        # entered by several threads or asyncio tasks at once
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
    As a decorator it covers calls of the function (for an ``async def``, only the
    creation of the coroutine).
    """

    enabled = False


class enable_grad(_GradMode):
    """Context manager and decorator: record graphs again, also inside `no_grad`."""

    enabled = True


# ---------------------------------------------------------------------------
# Value
# ---------------------------------------------------------------------------


def constant(x: Any) -> Value:
    """A leaf for the number ``x`` that needs no gradient: the walk evaluates no derivative
    with respect to it (TypeError if ``x`` is not a real number)."""
    out = Value(x)
    out._rule = CONSTANT
    return out


def to_value(x: Any) -> Value:
    """``x`` itself if it is a Value, else a constant (TypeError if not a real number)."""
    return x if isinstance(x, Value) else constant(x)


def _operand(x: Any) -> Value | None:
    """A Value for an operator's other operand (numbers become constants), or None."""
    if isinstance(x, Value):
        return x
    try:
        return constant(x)
    except TypeError:
        return None


def _is_variable(v: Value) -> bool:
    return v._rule is not CONSTANT


def is_constant(v: Value) -> bool:
    """True for a number lifted into the graph (`constant`): it needs no gradient."""
    return v._rule is CONSTANT


def op_of(v: Value) -> Op | None:
    """The op that made ``v`` (its forward and local derivatives); None for a leaf."""
    return v._rule if v._prev else None


def _compared(x: Any) -> float | None:
    """The number a Value is compared with: a Value's data, a real number, else None."""
    if isinstance(x, Value):
        return x.data
    try:
        return to_float(x)
    except TypeError:
        return None


# True while a derivative written for floats is tried on Values (see `primitive`)
_float_refused: ContextVar[bool] = ContextVar("micrograd_float_refused", default=False)
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
    when the pickle stops midway. A listed node's gradient graph is stored afterwards,
    by `_Grads`, so storing one never leads to another list."""

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


def _leaf(data: float, label: str, rule: Op | None) -> Value:
    """A leaf (for unpickling)."""
    out = _new_value(Value)
    out.data, out.grad, out.label, out._prev, out._rule = data, 0.0, label, (), rule
    return out


def _interior(
    behind: list[Value], data: float, label: str, rule: Op | None, parents: tuple[Value, ...]
) -> Value:
    """A node with its parents (for unpickling); ``behind`` is already built."""
    out = _leaf(data, label, rule)
    out._prev = parents
    return out


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
    so Values can be dict keys and set members. In numpy object arrays Values work
    elementwise.

    micrograd's constructor ``Value(data, (a, b), '+')`` makes a node with parents
    ``a, b``; setting its ``_backward`` to a function that adds
    ``d out / d parent * out.grad`` to each ``parent.grad`` (the lecture's way of adding
    an op) makes ``backward()`` use it.
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
            self.label = _children
            return
        self.label = label
        if _children or _op:
            parents = tuple(_children)
            for parent in parents:
                if not isinstance(parent, Value):
                    raise TypeError(f"Value children must be Values, got {type(parent).__name__}")
            self._prev = parents
            self._rule = _Closure(_op, self, None)

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

    # -- copies and pickles -----------------------------------------------------

    def __copy__(self) -> Value:
        """A new node with the same data, gradient, label, parents and op."""
        out = _new_value(Value)
        out.data, out.grad, out.label = self.data, self.grad, self.label
        out._prev, out._rule = self._prev, self._rule
        return out

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle (and deepcopy) a graph of any depth without recursion.

        A leaf is its data, label and op. A node with parents lists all the nodes behind
        it in forward order first, so each of them is stored after its parents and refers
        to them; ops are stored by name. The gradient is the state, set after the node
        exists (a gradient graph may lead back to the node).
        """
        grad: Any = self.grad
        if getattr(_pickling, "next", None) is self:  # listed by `_Behind`: parents stored
            _pickling.next = None
            if isinstance(grad, Value):
                grad = None  # stored later, with the list's gradients (`_Grads`)
            if not self._prev:
                return (_leaf, (self.data, self.label, self._rule), grad)
            return (_interior, ([], self.data, self.label, self._rule, self._prev), grad)
        queue: _Queue | None = getattr(_pickling, "queue", None)
        if not self._prev:
            if queue is not None and isinstance(grad, Value):
                queue.add((self,))
                grad = None
            return (_leaf, (self.data, self.label, self._rule), grad)
        nodes = topological_order(self)[:0:-1]
        if queue is not None:  # storing gradients: this graph's join the queue
            queue.add((*_listed(nodes), self))
            if isinstance(grad, Value):
                grad = None
        elif isinstance(grad, Value) or any(isinstance(n.grad, Value) for n in _listed(nodes)):
            grad = _Grads((*_listed(nodes), self))
        behind = _Behind(nodes)
        return (_interior, (behind, self.data, self.label, self._rule, self._prev), grad)

    def __setstate__(self, grad: Any) -> None:
        if type(grad) is _Grads:
            for pair in grad:
                if pair is not None:
                    pair[0].grad = pair[1]
        else:
            self.grad = grad

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

    # -- how ops reach Value -------------------------------------------------

    @classmethod
    def _apply_op(cls, op: Op, *inputs: Any) -> Value:
        """The node ``op(*inputs)``; numbers among the inputs become constants."""
        return op.node(tuple(map(to_value, inputs)))

    @classmethod
    def _install_op(cls, op: Op) -> None:
        """Install ``op`` as fast Value methods (operators return NotImplemented for
        operands that are not numbers)."""
        forward = op.forward
        if op.arity == 2:
            with_constant = op.with_constant

            def method(self: Value, other: Any) -> Any:
                if type(other) is not Value:
                    if with_constant is not None and not isinstance(other, Value):
                        try:
                            bound = with_constant.bind(other)
                        except TypeError:
                            return NotImplemented
                        return _node(bound, bound.forward(self.data), (self,))
                    other = _operand(other)
                    if other is None:
                        return NotImplemented
                return _node(op, forward(self.data, other.data), (self, other))

            def reflected(self: Value, other: Any) -> Any:
                other = _operand(other)
                if other is None:
                    return NotImplemented
                return _node(op, forward(other.data, self.data), (other, self))

            _set_method(cls, op, op.method, method)
            if op.reflected:
                _set_method(cls, op, op.reflected, reflected)
        elif op.arity == 1 and not op.params:

            def unary(self: Value) -> Value:
                return _node(op, forward(self.data), (self,))

            _set_method(cls, op, op.method, unary)
        else:
            install_generic_op(cls, op)

    # -- graph ---------------------------------------------------------------

    def detach(self) -> Value:
        """A new leaf with the same data, cut off from this graph."""
        return Value(self.data, self.label)

    def backward(self, gradient: SupportsFloat = 1.0, *, create_graph: bool = False) -> None:
        """Backpropagate d self / d node into ``node.grad`` for every node of the graph.

        Leaves (nodes without parents) accumulate over calls, as in PyTorch; every other
        node the pass reaches is reset and holds the gradient of this call only.
        Gradients are summed where a node feeds several ops (the fork rule).

        Only gradient that can be nonzero is passed on: a node whose gradient is exactly
        zero passes nothing, and the pass does not go behind a node whose local
        derivatives are all exactly zero (a ReLU at a negative input); nodes only
        reachable that way keep their ``.grad`` (0.0 for a new node). PyTorch differs
        only where a local derivative is infinite or nan: it gives nan there.

        If a local derivative cannot be evaluated (``sqrt`` at 0), the error names the
        op and no ``.grad`` is changed.

        With ``create_graph=True`` the gradients are Values with graphs of their own, so
        they can be differentiated again; their values are those of the float pass (a
        gradient of value 0 passes nothing through local derivatives that are undefined,
        infinite or nan; elsewhere it is passed on, so that a second derivative keeps its
        dependence on the inputs). As in PyTorch this makes reference cycles
        (a leaf's ``.grad`` graph leads back to the leaf): reset ``.grad`` when done.
        """
        seed = to_float(gradient, "gradient")
        if not self._prev:
            self.grad = self.grad + (Value(seed) if create_graph else seed)
        elif create_graph:
            _store(backprop(self, Value(seed), create_graph=True))
        else:
            _walk(self, seed, local_derivatives, True)

    def _step_backward(self) -> None:
        """micrograd's per-node step: ``parent.grad += self.grad * d self / d parent``."""
        if self._prev:
            g = self.grad
            for parent, d in zip(self._prev, local_derivatives(self)):
                parent.grad += g * d

    @property
    def _backward(self) -> Callable[[], None]:
        """micrograd's per-node step: ``parent.grad += self.grad * d self / d parent``.

        Lets the lecture's manual backprop run (``o.grad = 1.0; o._backward()``, node
        by node); ``backward()`` does the whole pass at once. Setting it (the lecture's
        way of adding an op) gives this node that step as its rule.
        """
        rule = self._rule
        if isinstance(rule, _Closure) and rule.closure is not None:
            return rule.closure
        return self._step_backward

    @_backward.setter
    def _backward(self, closure: Callable[[], None]) -> None:
        if not callable(closure):
            raise TypeError(f"_backward must be a function, got {type(closure).__name__}")
        self._rule = _Closure(self._op, self, closure)


class _Closure(Op):
    """The rule of a node made the lecture's way: ``Value(data, children, op)``, with a
    ``_backward`` closure that adds ``d out / d parent * out.grad`` to each parent's grad.

    Its local derivatives are read off the closure: with ``out.grad = 1`` and the parents'
    grads at 0, the closure leaves d out / d parent in each parent's grad (everything is
    put back afterwards). Without a closure the node passes no gradient, as in micrograd.
    First derivatives only: ``create_graph=True`` through it raises NotImplementedError.
    """

    def __init__(self, name: str, node: Value, closure: Callable[[], None] | None) -> None:
        self.name = name
        self.each = None
        self.arity = None
        self.method = self.reflected = self.with_constant = None
        self.params = ()
        self._binding = None
        self.formula = None
        self.closure = closure
        self._node = weakref.ref(node)

    def forward(self, *xs: float) -> float:
        raise NotImplementedError(f"op {self.name!r} has a _backward closure and no forward")

    def partials(self, out: Any, *xs: Any) -> tuple[Any, ...]:
        node, closure = self._node(), self.closure
        if out.__class__ is not float:
            raise NotImplementedError(
                f"op {self.name!r} is defined by a _backward closure, which gives first "
                "derivatives only (not create_graph=True, grad(grad(f))); declare it with "
                "micrograd.primitive to differentiate it again"
            )
        if node is None or closure is None:
            return (0.0,) * len(xs)
        parents = list(dict.fromkeys(node._prev))  # a parent used twice gets its total once
        saved, saved_out = [p.grad for p in parents], node.grad
        try:
            for p in parents:
                p.grad = 0.0
            node.grad = 1.0
            closure()
            found = {p: real(p.grad) for p in parents}
        finally:
            for p, g in zip(parents, saved):
                p.grad = g
            node.grad = saved_out
        return tuple(found.pop(p, 0.0) for p in node._prev)

    def derivatives(
        self, out: Any, inputs: tuple[Any, ...], needed: Iterable[bool]
    ) -> tuple[Any, ...]:
        return self.partials(out, *inputs)

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


_data_of = attrgetter("data")
_parents_of = attrgetter("_prev")


# ---------------------------------------------------------------------------
# The backward walk
# ---------------------------------------------------------------------------


def local_derivatives(node: Value) -> tuple[float, ...]:
    """d node / d parent for each of ``node._prev``, at the current data (floats).

    Raises the op's error (ValueError, ArithmeticError) where a derivative is undefined.
    """
    op, parents = node._rule, node._prev
    if not parents or op is None:
        return ()
    if op.each is None:
        return op.partials(node.data, *map(_data_of, parents))
    return op.derivatives(node.data, tuple(map(_data_of, parents)), map(_is_variable, parents))


def topological_order(root: Value) -> list[Value]:
    """The interior nodes (those with parents) that ``root`` depends on, in backward order.

    ``root`` comes first (when it is not a leaf) and every node comes after all the
    nodes that consume it, so its gradient is complete by the time it is passed on.
    Leaves only receive gradient, so they are left out. Built by an iterative
    depth-first search, first input first (a node is emitted once all its parents are):
    read backwards, it is the order in which the expression computes its values
    ((x + sigmoid(y)) / (x^2 + y): sigmoid(y), the sum, x^2, ...). Depth is unlimited.
    """
    return _plan(root, lambda node: (), prune=False)[0]


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


def _plan(
    root: Value,
    partials_of: Callable[[Value], Any],
    prune: bool = True,
    until: Collection[Value] = (),
) -> tuple[list[Value], dict[Value, Any]]:
    """The interior nodes behind ``root`` in backward order, and ``partials_of(node)`` for each.

    With ``prune``, a node whose local derivatives are all exactly 0.0 is a dead end:
    it gets no derivatives (its edges would pass nothing) and the search does not go
    behind it; nor behind the nodes in ``until``. A ``partials_of`` that raises is kept
    as the error, to be raised only if gradient reaches that node.
    """
    emitted: list[Value] = []
    local: dict[Value, Any] = {}
    if not root._prev:
        return emitted, local
    stack: list[Any] = [root]
    pop, push, emit = stack.pop, stack.append, emitted.append
    while stack:
        node = pop()
        if node is None:  # marker: everything pushed after it is done
            emit(pop())
        elif node not in local:
            try:
                partials = partials_of(node)
            except (ArithmeticError, ValueError, TypeError, NotImplementedError) as error:
                partials = error
            push(node)
            push(None)
            if prune and partials.__class__ is tuple and not any(partials):
                local[node] = ()  # a dead end: it passes nothing on, so its edges are skipped
                continue
            local[node] = partials
            if until and node in until:
                continue
            # interior parents only, the last pushed first: the first input is searched first
            for parent in filter(_parents_of, node._prev[::-1]):
                if parent not in local:
                    push(parent)
    emitted.reverse()
    return emitted, local


def backprop(
    root: Value,
    seed: Any = 1.0,
    *,
    create_graph: bool = False,
    on_step: Callable[[Step], Any] | None = None,
    until: Collection[Value] = (),
) -> dict[Value, Any]:
    """The chain-rule walk: d root / d node for every node it reaches, as a new dict.

    Starts from ``{root: seed}`` and visits the interior nodes in `topological_order`;
    each node n with gradient g != 0 passes ``g * dn/dp`` to each of its parents p
    (the chain rule), and a parent's contributions add up (the fork rule). Changes no
    node: `Value.backward` writes the result into ``.grad``.

    ``create_graph=True`` evaluates the local derivatives on the Values themselves, so
    the gradients are Values that can be differentiated again (``seed`` should then
    be a Value). ``on_step(step)`` is called with a `Step` for every edge as its
    contribution is added; it also sees the zero contributions of nodes whose local
    derivatives are all 0 (a ReLU at a negative input), which the walk otherwise skips
    along with everything only reachable through them. The walk does not go behind
    the nodes in ``until`` (their own gradients are complete; their parents' are not).

    Errors from a local derivative (``sqrt`` at 0, ``pow``'s d/d exponent at a negative
    base) are raised with the op's name, and only when gradient actually reaches that
    node.
    """
    if create_graph:

        def partials_of(node: Value) -> Any:
            parents = node._prev
            return node._rule.derivatives(node, parents, map(_is_variable, parents))  # type: ignore[union-attr]

    else:
        partials_of = local_derivatives
    return _walk(root, seed, partials_of, False, on_step, until)


def _walk(
    root: Value,
    seed: Any,
    partials_of: Callable[[Value], Any],
    into_grad: bool,
    on_step: Callable[[Step], Any] | None = None,
    until: Collection[Value] = (),
) -> dict[Value, Any]:
    """The walk itself (see `backprop`), accumulating into a new dict that it returns, or
    with ``into_grad`` straight into the nodes' ``.grad`` (`Value.backward`'s fast way:
    the interior nodes of the walk start at 0, leaves keep accumulating).

    It goes into ``.grad`` only when no local derivative failed, so that nothing can
    raise half way; otherwise it works on a dict and writes it into ``.grad`` at the end.
    """
    order, local = _plan(root, partials_of, on_step is None, until)
    if into_grad:
        if any(p.__class__ is not tuple for p in local.values()):
            _store(_walk(root, seed, partials_of, False))
            return {}
        for node in order:
            node.grad = 0.0
        root.grad = seed
        for node in order:
            g = node.grad
            if g.__class__ is float and g == 0.0:  # every contribution would be zero
                continue
            for parent, d in zip(node._prev, local[node]):
                parent.grad += g * d
        return {}
    grads: dict[Value, Any] = {root: seed}
    get, setdefault = grads.get, grads.setdefault
    for node in order:
        g = setdefault(node, 0.0)
        if g.__class__ is float:
            if g == 0.0:
                continue
        elif g.data == 0.0 and _undefined(local[node]):
            continue  # a zero gradient passes nothing here, as with floats
        partials = local[node]
        if partials.__class__ is not tuple:
            raise _at(partials, node)
        parents = node._prev
        if on_step is None:
            for parent, d in zip(parents, partials):
                grads[parent] = get(parent, 0.0) + g * d
        else:
            for slot, (parent, d) in enumerate(zip(parents, partials)):
                before = get(parent, 0.0)
                contribution = g * d
                grads[parent] = after = before + contribution
                on_step(Step(node, parent, slot, g, d, contribution, before, after))
    return grads


def _undefined(partials: Any) -> bool:
    """Whether local derivatives (Values) failed to evaluate or are infinite or nan."""
    return partials.__class__ is not tuple or not all(map(_finite, partials))


def _finite(d: Any) -> bool:
    return -math.inf < real(d) < math.inf


def _store(grads: dict[Value, Any]) -> None:
    """Write gradients into ``.grad``: interior nodes take theirs, leaves add theirs."""
    for node, g in grads.items():
        if node._prev:
            node.grad = g
        else:
            node.grad = node.grad + g


def _at(error: BaseException, node: Value) -> BaseException:
    """``error`` raised by a local derivative, retold with the op and the node."""
    where = f"backward through {node._op!r} at {node!r}"
    try:
        retold = type(error)(f"{where}: {error}")
    except TypeError:  # an exception type with a different constructor
        return error
    retold.__cause__ = error
    return retold


# ---------------------------------------------------------------------------
# User-defined ops
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

    def checked(i: int, partial: Callable[..., Any]) -> Partial:
        def derivative(out: Any, *xs: Any) -> Any:
            on_floats = all(x.__class__ is float for x in xs)
            # on Values, float(x) (and so math.exp(x)) must fail rather than drop the graph
            token = None if on_floats else _float_refused.set(True)
            try:
                d = partial(*xs)
            except TypeError as error:
                if on_floats:
                    raise
                raise NotImplementedError(
                    f"primitive {op_name!r}: partial derivative {i} cannot take "
                    f"{type(xs[0]).__name__}s ({error}), so the gradient cannot be "
                    "differentiated again (create_graph=True, grad(grad(f))); write it "
                    "with micrograd.ops (ops.exp, ops.sigmoid, ...) instead of math"
                ) from error
            finally:
                if token is not None:
                    _float_refused.reset(token)
            return to_float(d, f"primitive {op_name!r}: partial {i}") if on_floats else d

        return derivative

    return Op(
        op_name,
        checked_forward,
        tuple(checked(i, p) for i, p in enumerate(partials)),
        len(partials),
        doc=f"The {op_name!r} op, differentiable in each of its {len(partials)} inputs.",
    )


register_number_type(Value)
CONSTANT = Op("", float, lambda out: (), 0, doc="a number lifted into the graph")


def __getattr__(name: str) -> Any:
    """``linear`` lives in `micrograd.ops`; importing it from here still works."""
    if name == "linear":
        return _ops.linear
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# The op table declares every op and installs its methods on Value (and needs Value).
from micrograd import ops as _ops  # noqa: E402
