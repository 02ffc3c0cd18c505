"""Declaring an op: `Op`, its formula text, the registry and the one method installer.

An op is a forward function on floats and its local derivatives d out / d x_i, side by
side. Every way of giving the derivatives is turned, where it comes in, into the one
form the engine calls: ``op.partials(out, *xs)``, a tuple with d out / d x_i for each
input. Written with arithmetic and `micrograd.ops` functions, that same function
evaluates on floats (the backward pass), on Values (``create_graph=True``) and on dual
numbers (forward mode).

`Op.declare` also installs the op as a method (or operator) on every number type
registered with `register_number_type` (`Value`, `Dual`), through one installer,
`install_op`. Calling an op applies it: ``op(x)`` is a float for floats, a Value for
Values, a dual number for dual numbers.
"""

from __future__ import annotations

import ast
import functools
import operator
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

from micrograd.conventions import float_refused
from micrograd.scalars import to_float

__all__ = [
    "Formula",
    "NumberType",
    "Op",
    "apply",
    "declared_ops",
    "install_op",
    "named_op",
    "partial_of_inputs",
    "register_number_type",
]

_OPERATORS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
Partials = Callable[..., tuple[Any, ...]]  # (out, *xs) -> (d out / d x_1, ..., d out / d x_n)


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
    one-input op applied to that sum (relu(b + w . x)). With ``reduce`` (the text of a
    function), the terms are its arguments instead of a sum (``floatops.logsumexp``),
    and a group's partial may use ``out``. ``bound`` holds the parameter values of a
    bound op (`Op.bind`).
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
    reduce: str = ""

    def function(
        self, text: str, *leading: str, bound: tuple[float, ...] | None = None
    ) -> Callable[..., Any]:
        """``lambda *leading, *inputs, *params: text``, evaluated in ``scope``; with
        ``bound``, ``lambda *leading, *inputs: text`` with the params fixed to those values.
        A call of a function on exactly its arguments is that function itself, and
        ``a + b`` on exactly its arguments is ``operator.add`` (no extra call)."""
        names = (*leading, *self.inputs, *(self.params if bound is None else ()))
        for name in (*names, *self.params):
            if not name.isidentifier():
                raise ValueError(f"formula: {name!r} is not a Python identifier")
        # eval needs a dict for its globals: any other mapping is read as it is now
        scope = self.scope if isinstance(self.scope, dict) else dict(self.scope)
        if bound is not None:  # the params are a closure's cells: as fast as locals
            params = ", ".join(self.params)
            make = eval(f"lambda {params}: lambda {', '.join(names)}: {text}", scope)
            return make(*bound)  # type: ignore[no-any-return]
        tree = ast.parse(text, mode="eval").body
        if (
            isinstance(tree, ast.BinOp)
            and type(tree.op) in _OPERATORS
            and [getattr(side, "id", None) for side in (tree.left, tree.right)] == list(names)
        ):
            return _OPERATORS[type(tree.op)]
        if (
            isinstance(tree, ast.Call)
            and not tree.keywords
            and [a.id if isinstance(a, ast.Name) else None for a in tree.args] == list(names)
        ):
            return eval(ast.unparse(tree.func), dict(scope))  # type: ignore[no-any-return]
        return eval(f"lambda {', '.join(names)}: {text}", scope)  # type: ignore[no-any-return]


class Op:
    """A differentiable op: ``forward(*xs) -> float`` and ``partials(out, *xs) -> tuple``.

    ``forward`` computes the op on floats, with Python's float errors. ``partials(out,
    *xs)`` returns d out / d x_i for every input, given the output and the inputs.
    ``partials`` may also be given as a tuple of one function ``(out, *xs) -> d out /
    d x_i`` per input; it is joined into one function here.

    ``params`` names constant parameters that follow the inputs (``leaky_relu(x, 0.1)``);
    an op with parameters is applied through `bind`, which fixes their values.
    ``formula`` is the op's text, where it was declared as text (`Formula`). Where
    ``gate(out)`` is 0, every partial is 0, whatever the inputs (relu(b + w . x) at out
    <= 0): the backward walk may then pass nothing without evaluating the partials.
    """

    name: str
    forward: Callable[..., float]
    partials: Partials
    arity: int | None
    params: tuple[tuple[str, Any], ...]
    formula: Formula | None
    method: str | None = None
    reflected: str | None = None
    with_constant: Op | None = None  # the op for ``x op number`` (``x ** 2``)
    reflected_constant: Op | None = None  # the op for ``number op x`` (``2 ** x``)
    binding: tuple[Op, tuple[Any, ...]] | None = None  # (op, parameter values) of a bound op
    gate: Callable[[Any], Any] | None = None  # see the class's docstring
    fixed: tuple[float, ...] | None = None  # the partials where they are numbers, such as
    # (1.0, 1.0) for ``a + b``: the backward walk takes them without calling ``partials``

    def __init__(
        self,
        name: str,
        forward: Callable[..., float],
        partials: Partials | tuple[Callable[..., Any], ...],
        arity: int | None = 1,
        *,
        params: Mapping[str, Any] | None = None,
        label: str | None = None,
        doc: str | None = None,
        formula: Formula | None = None,
        gate: Callable[[Any], Any] | None = None,
    ) -> None:
        if isinstance(partials, tuple):
            if arity != len(partials):
                raise TypeError(f"op {name!r}: {len(partials)} partials for {arity} inputs")
            partials = _joined(partials)
        if not callable(forward) or not callable(partials):
            raise TypeError(f"op {name!r}: forward and partials must be callable")
        self.name = name
        self.forward = forward
        self.partials = partials
        self.arity = arity
        self.params = tuple((params or {}).items())
        self.formula = formula
        self.gate = gate
        self.label = label if label is not None else name + "({})"
        self._bound: dict[tuple[Any, ...], Op] = {}
        self.__doc__ = doc

    @classmethod
    def from_text(
        cls,
        name: str,
        forward: str,
        partials: tuple[str, ...],
        arity: int = 1,
        *,
        scope: Mapping[str, Any],
        inputs: tuple[str, ...] | None = None,
        params: Mapping[str, Any] | None = None,
        label: str | None = None,
        doc: str | None = None,
    ) -> Op:
        """An op written as text: ``forward`` and each partial are expressions in the
        ``inputs`` (default ``x``, or ``a, b`` for two inputs), the ``params`` and, in a
        partial, ``out``, evaluated once in ``scope`` into its float functions."""
        names = inputs if inputs is not None else ("x",) if arity == 1 else ("a", "b")
        if len(names) != arity or len(partials) != arity:
            raise TypeError(f"op {name!r}: {len(names)} inputs, {len(partials)} partials")
        formula = Formula(tuple(names), forward, tuple(partials), scope, tuple(params or {}))
        op = cls(
            name,
            formula.function(forward),
            formula.function(f"({', '.join(partials)},)", "out"),
            arity,
            params=params, label=label, doc=doc, formula=formula,
        )  # fmt: skip
        numbers = [_number(text) for text in partials]
        if not params and all(isinstance(d, float) for d in numbers):
            op.fixed = tuple(numbers)
        return op

    @classmethod
    def declare(
        cls,
        name: str,
        forward: Callable[..., float] | str,
        partials: Partials | tuple[Callable[..., Any], ...] | tuple[str, ...],
        arity: int = 1,
        *,
        method: str | None = None,
        reflected: str | None = None,
        with_constant: Op | None = None,
        reflected_constant: Op | None = None,
        replace: bool = False,
        **details: Any,
    ) -> Op:
        """Declare an op and install it as ``method`` (default: ``name``) on every number type.

        ``forward`` and ``partials`` are functions, or expression text (see `from_text`,
        which takes ``scope``, ``inputs``, ``params``, ``label`` and ``doc`` as
        ``details``). ``reflected`` is the name of an operator's reflected method
        (``'__radd__'``). ``with_constant`` is the op to use instead when the second
        operand is a plain number (``x ** 2``, the power op with a constant exponent), and
        ``reflected_constant`` when the first one is (``2 ** x``): a number's derivative
        is then never evaluated.

        A name or method that is already declared, or that is an attribute of a number
        type (``data``, ``grad``, ``backward``, ...), is refused with ValueError unless
        ``replace=True``, which also puts the new op in `micrograd.ops` in the old one's
        place.
        """
        if isinstance(forward, str):
            op = cls.from_text(name, forward, partials, arity, **details)  # type: ignore[arg-type]
        else:
            op = cls(name, forward, partials, arity, **details)  # type: ignore[arg-type]
        op.method = method if method is not None else name
        op.reflected = reflected
        op.with_constant = with_constant
        op.reflected_constant = reflected_constant
        old = _check_free(op, replace)
        for spelling in (op.method, op.reflected):
            if spelling is not None:
                _DECLARED[spelling] = op
        for kind in _NUMBER_TYPES:
            install_op(kind, op)
        if old is not None:
            _replace_in_table(old, op)
        return op

    def bind(self, *values: Any) -> Op:
        """This op with its parameters fixed to ``values`` (cached), ready to apply."""
        key = (*map(type, values), *values)  # 2 and 2.0 name different ops: "**2", "**2.0"
        try:
            bound = self._bound.get(key)
        except TypeError:  # an unhashable value: refused below
            bound = None
        if bound is not None:
            return bound
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
        floats = tuple(
            to_float(v, f"{self.name}: parameter {n!r}") for (n, _), v in zip(self.params, values)
        )
        formula = self.formula
        if formula is None:
            forward, partials = (_with_params(f, floats) for f in (self.forward, self.partials))
        else:
            texts = f"({', '.join(formula.partials)},)"
            forward = formula.function(formula.forward, bound=floats)
            partials = formula.function(texts, "out", bound=floats)
            formula = replace(formula, bound=floats)
        bound = Op(self.label.format(*values), forward, partials, self.arity, formula=formula)
        bound.binding = (self, values)
        if len(self._bound) < 1024 and all(v == v for v in values):  # nan never matches
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

    def __copy__(self) -> Op:
        return self  # an op is immutable: copies of models and graphs share it

    def __deepcopy__(self, memo: dict[int, Any]) -> Op:
        return self

    def __repr__(self) -> str:
        return f"Op({self.name!r})"


def _no_forward(*xs: float) -> float:
    raise NotImplementedError("an op made by Value(data, children, op) has no forward")


def _passes_nothing(out: Any, *xs: Any) -> tuple[float, ...]:
    return (0.0,) * len(xs)


@functools.lru_cache(maxsize=256)
def named_op(name: str) -> Op:
    """The op of a node made as micrograd makes one, ``Value(data, children, name)``: a
    name that passes no gradient back (until the node's ``_backward`` is set)."""
    return Op(name, _no_forward, _passes_nothing, None)


def _number(text: str) -> Any:
    """The float that ``text`` writes (``'-1.0'``), else None."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return None


def _joined(each: tuple[Callable[..., Any], ...]) -> Partials:
    """One partials function from one function per input."""

    def partials(out: Any, *xs: Any) -> tuple[Any, ...]:
        return tuple(p(out, *xs) for p in each)

    return partials


def partial_of_inputs(what: str, i: int, partial: Callable[..., Any]) -> Callable[..., Any]:
    """``partial(x_1, ..., x_n)``, d out / d x_i of the op ``what`` as a function of the
    inputs only, as a partial ``(out, *xs) -> d out / d x_i`` (`micrograd.engine.primitive`).
    On floats its result must be a real number; on Values, ``float(value)`` raises, so that
    a partial written with ``math`` says it cannot be differentiated again."""

    def derivative(out: Any, *xs: Any) -> Any:
        if all(x.__class__ is float for x in xs):
            return to_float(partial(*xs), f"{what}: partial {i}")
        # float(Value) is its data, so math.exp(x) would drop the graph: make it raise
        token = float_refused.set(True)
        try:
            return partial(*xs)
        except TypeError as error:
            raise NotImplementedError(
                f"{what}: partial derivative {i} cannot take Values "
                f"({error}), so it cannot be differentiated again (create_graph=True, "
                "grad(grad(f))); write it with micrograd.ops (ops.exp, ...), not math"
            ) from error
        finally:
            float_refused.reset(token)

    return derivative


def _with_params(function: Callable[..., Any], params: tuple[float, ...]) -> Callable[..., Any]:
    def bound(*args: Any) -> Any:
        return function(*args, *params)

    return bound


# ---------------------------------------------------------------------------
# Number types and the registry of declared ops
# ---------------------------------------------------------------------------


class NumberType(Protocol):
    """What a number type registered with `register_number_type` provides.

    ``_apply_op(op, *inputs)`` applies ``op`` (parameters bound) to inputs of this type
    (a type may also give ``_apply_two(op, a, b)``, the same for two, without a tuple);
    ``_lift(x)`` is a plain number ``x`` as a constant of this type (TypeError for
    anything that is not a real number); ``_number_of(x)`` is the number that a constant
    ``x`` stands for, None for any other ``x``.
    """

    @staticmethod
    def _apply_op(op: Op, *inputs: Any) -> Any: ...

    @staticmethod
    def _lift(x: Any) -> Any: ...

    @staticmethod
    def _number_of(x: Any) -> float | None: ...


_NUMBER_TYPES: list[type[NumberType]] = []
_DECLARED: dict[str, Op] = {}  # by method name (and reflected name), in declaration order


def register_number_type(kind: type[NumberType]) -> None:
    """Give ``kind`` every declared op now, and every op declared later."""
    if kind not in _NUMBER_TYPES:
        _NUMBER_TYPES.append(kind)
        for op in declared_ops().values():
            install_op(kind, op)


def declared_ops() -> dict[str, Op]:
    """Every op declared with `Op.declare`, by method name, in declaration order."""
    return {name: op for name, op in _DECLARED.items() if op.method == name}


def apply(op: Op, *inputs: Any) -> Any:
    """Apply ``op`` (parameters bound) to its inputs: a Value or dual number if any input is one.

    The first input whose type is a number type decides the result; the other inputs
    are lifted to that type (numbers become constants). All plain numbers give a float.
    """
    for i, x in enumerate(inputs):
        kind = type(x)
        if kind not in _NUMBER_TYPES:
            continue
        if op.arity == 2:
            out = binary(op, *inputs)
            if out is NotImplemented:
                _lifted(kind, op, inputs[1 - i])  # raises the TypeError naming the input
            return out
        return kind._apply_op(op, *(y if type(y) is kind else _lifted(kind, op, y) for y in inputs))
    return op.forward(*(to_float(x, f"{op.name}: input") for x in inputs))


def _lifted(kind: type[NumberType], op: Op, x: Any) -> Any:
    try:
        return kind._lift(x)
    except TypeError:
        raise TypeError(
            f"{op.name}: inputs must be {kind.__name__}s or real numbers, "
            f"got {type(x).__name__}: {x!r:.60}"
        ) from None


def binary(op: Op, a: Any, b: Any) -> Any:
    """``op(a, b)`` for a two-input op where ``a`` or ``b`` is of a number type.

    A plain number, or a constant of that type, becomes a constant; where the op has a
    form for a constant operand (``x ** 2``: `Op.with_constant`, ``2 ** x``:
    `Op.reflected_constant`), that form is used, so the derivative with respect to the
    number is never evaluated. NotImplemented where the other operand is not a real
    number, so that Python can try its own methods.
    """
    kind = type(a) if type(a) in _NUMBER_TYPES else type(b)
    number_of = kind._number_of
    x = None if a.__class__ is not kind else number_of(a)
    y = None if b.__class__ is not kind else number_of(b)
    try:
        if a.__class__ is not kind:
            to_float(a, "")
            x = a  # as given, so that ``x ** 2`` is named "**2"
        if b.__class__ is not kind:
            to_float(b, "")
            y = b
    except TypeError:
        return NotImplemented
    if y is not None and x is None and op.with_constant is not None:
        return kind._apply_op(op.with_constant.bind(y), a)
    if x is not None and y is None and op.reflected_constant is not None:
        return kind._apply_op(op.reflected_constant.bind(x), b)
    return kind._apply_op(
        op,
        a if a.__class__ is kind else kind._lift(a),
        b if b.__class__ is kind else kind._lift(b),
    )


_PLAIN = (float, int)


def install_op(kind: type[NumberType], op: Op) -> None:
    """Install ``op`` on ``kind`` as its method (an operator and its reflected form for a
    two-input op). The one installer: every number type gets its ops from here."""
    apply_op, lift = kind._apply_op, kind._lift
    if op.arity == 2:
        two = getattr(kind, "_apply_two", apply_op)
        plain = op.with_constant is None and op.reflected_constant is None
        right, left = op.with_constant, op.reflected_constant

        # the common cases first: another number of this type, then a float or an int
        # (sum(values) starts with 0 + value); `binary` does the rest
        def method(self: Any, other: Any) -> Any:
            if other.__class__ is kind:
                if plain:
                    return two(op, self, other)
            elif other.__class__ in _PLAIN:
                if right is not None:
                    return apply_op(right.bind(other), self)
                return two(op, self, lift(other))
            return binary(op, self, other)

        def reflected(self: Any, other: Any) -> Any:
            if other.__class__ in _PLAIN:
                if left is not None:
                    return apply_op(left.bind(other), self)
                return two(op, lift(other), self)
            return binary(op, other, self)

        _set_method(kind, op, op.method, method)
        _set_method(kind, op, op.reflected, reflected)
    elif op.arity == 1 and not op.params:

        def unary(self: Any) -> Any:
            return apply_op(op, self)

        _set_method(kind, op, op.method, unary)
    else:

        def with_params(self: Any, *params: Any, **named: Any) -> Any:
            return op(self, *params, **named)

        _set_method(kind, op, op.method, with_params)


def _set_method(kind: type, op: Op, name: str | None, function: Callable[..., Any]) -> None:
    if name is None:
        return
    function.__name__ = name
    function.__qualname__ = f"{kind.__name__}.{name}"
    function.__doc__ = op.__doc__
    setattr(kind, name, function)


def _check_free(op: Op, replace: bool) -> Op | None:
    """The op that ``op`` replaces (None for a new one); ValueError where its name or
    method is taken and ``replace`` is False."""
    spellings = [s for s in (op.method, op.reflected) if s is not None]
    old = next((_DECLARED[s] for s in spellings if s in _DECLARED), None)
    if old is None:
        old = next((o for o in declared_ops().values() if o.name == op.name), None)
    taken = [
        s for s in spellings for kind in _NUMBER_TYPES if s not in _DECLARED and hasattr(kind, s)
    ]
    if taken:
        raise ValueError(
            f"Op.declare: {taken[0]!r} is an attribute of {_owner(taken[0])}, not an op; "
            "choose another name (method=...)"
        )
    if old is not None and not replace:
        raise ValueError(
            f"Op.declare: an op named {old.name!r} (method {old.method!r}) is declared "
            "already; pass replace=True to replace it"
        )
    if old is not None:
        for spelling in (old.method, old.reflected):
            if spelling is not None and _DECLARED.get(spelling) is old:
                del _DECLARED[spelling]
    return old


def _owner(attribute: str) -> str:
    return next(k.__name__ for k in _NUMBER_TYPES if hasattr(k, attribute))


def _replace_in_table(old: Op, new: Op) -> None:
    """Put ``new`` wherever the op table (`micrograd.ops`) holds ``old``, if it is loaded."""
    table = sys.modules.get("micrograd.ops")
    for attribute, value in list(vars(table).items()) if table is not None else ():
        if value is old:
            setattr(table, attribute, new)
