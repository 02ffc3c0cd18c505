"""Scalar reverse-mode automatic differentiation: `Value` and its backward pass.

Every op is a `Rule`: a name, the forward function on floats, and the local partial
derivatives d out / d input_i written next to it. A node stores only its data, its
gradient, its parents and its rule; nothing in a node refers back to the node, so a
graph that is no longer referenced is freed at once by reference counting.

Partial derivatives are written with arithmetic and the helpers below only, so the
same rule evaluates on floats (the ordinary backward pass), on Values
(``backward(create_graph=True)``, higher-order gradients) and on dual numbers
(forward mode).
"""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from operator import attrgetter, mul
from typing import Any, SupportsFloat

__all__ = [
    "Rule",
    "Value",
    "apply",
    "enable_grad",
    "is_grad_enabled",
    "linear",
    "no_grad",
    "primitive",
    "topological_order",
]

Number = int | float


# ---------------------------------------------------------------------------
# Helpers that let one derivative rule run on floats, Values and dual numbers
# ---------------------------------------------------------------------------


def real(x: Any) -> float:
    """The plain float behind a float, a `Value` or a dual number."""
    if isinstance(x, float):
        return x
    if isinstance(x, Value):
        return x.data
    return x.real


def _step(x: Any) -> float:
    """d relu(x) / dx: 1 for x > 0, else 0 (0 at the kink, as in PyTorch)."""
    return 1.0 if real(x) > 0.0 else 0.0


def _sign(x: Any) -> float:
    """d |x| / dx: the sign of x, 0 at 0 (as in PyTorch)."""
    r = real(x)
    return 1.0 if r > 0.0 else -1.0 if r < 0.0 else 0.0


def _log(x: Any) -> Any:
    """Natural log of a float, or the log op on a Value or dual number."""
    return _log_float(x) if isinstance(x, float) else x.log()


# ---------------------------------------------------------------------------
# Forward functions on floats: Python's float semantics, with named errors
# ---------------------------------------------------------------------------


def _log_float(x: float) -> float:
    if x <= 0.0:
        raise ValueError(f"log: operand must be positive, got {x!r}")
    return math.log(x)


def _sqrt_float(x: float) -> float:
    if x < 0.0:
        raise ValueError(f"sqrt: operand must be non-negative, got {x!r}")
    return math.sqrt(x)


def _pow_float(base: float, exponent: float) -> float:
    if base < 0.0 and math.isfinite(exponent) and not float(exponent).is_integer():
        raise ValueError(
            f"pow: negative base {base!r} to the non-integer power {exponent!r} has no real value"
        )
    try:
        return base**exponent
    except OverflowError:
        raise OverflowError(f"pow: {base!r} ** {exponent!r} overflows a float") from None


def _exp_float(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        raise OverflowError(f"exp: exp({x!r}) overflows a float") from None


def _sigmoid_float(x: float) -> float:
    """1 / (1 + e^-x), evaluated so that e^t is only taken for t <= 0 (never overflows)."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _relu_float(x: float) -> float:
    return x if x > 0.0 else 0.0


def _affine(bias: float, weights: Iterable[float], inputs: Iterable[float]) -> float:
    """b + sum_i w_i x_i."""
    return sum(map(mul, weights, inputs), bias)


def _pow_partials(out: Any, base: Any, exponent: Any) -> tuple[Any, Any]:
    # d/d base = e * b^(e-1), zero when e == 0; d/d exponent = b^e * ln b, zero at b == 0
    # (the limit for e > 0, PyTorch's convention for every e >= 0).
    d_base = exponent * base ** (exponent - 1.0) if real(exponent) != 0.0 else 0.0
    if real(base) == 0.0 and real(exponent) >= 0.0:
        return d_base, 0.0
    if real(base) < 0.0:
        raise ValueError(
            f"pow: the derivative with respect to the exponent needs a positive base, "
            f"got {real(base)!r}"
        )
    return d_base, out * _log(base)


# ---------------------------------------------------------------------------
# Rules: each op's forward and local derivatives, side by side
# ---------------------------------------------------------------------------


class Rule:
    """An op: ``name``, ``forward(*xs) -> float`` and ``partials(out, *xs) -> tuple``.

    ``partials`` returns d out / d x_i for every input, given the output and the inputs.
    """

    __slots__ = ("forward", "name", "partials")

    def __init__(
        self,
        name: str,
        forward: Callable[..., float],
        partials: Callable[..., tuple[Any, ...]],
    ) -> None:
        self.name = name
        self.forward = forward
        self.partials = partials

    def __repr__(self) -> str:
        return f"Rule({self.name!r})"


#                      forward                     partials d out / d inputs
ADD = Rule("+", float.__add__, lambda out, a, b: (1.0, 1.0))
SUB = Rule("-", float.__sub__, lambda out, a, b: (1.0, -1.0))
MUL = Rule("*", float.__mul__, lambda out, a, b: (b, a))
DIV = Rule("/", float.__truediv__, lambda out, a, b: (1.0 / b, -out / b))
POW = Rule("**", _pow_float, _pow_partials)
NEG = Rule("neg", float.__neg__, lambda out, x: (-1.0,))
ABS = Rule("abs", abs, lambda out, x: (_sign(x),))
EXP = Rule("exp", _exp_float, lambda out, x: (out,))
LOG = Rule("log", _log_float, lambda out, x: (1.0 / x,))
SQRT = Rule("sqrt", _sqrt_float, lambda out, x: (0.5 / out,))
TANH = Rule("tanh", math.tanh, lambda out, x: (1.0 - out * out,))
SIGMOID = Rule("sigmoid", _sigmoid_float, lambda out, x: (out * (1.0 - out),))
RELU = Rule("ReLU", _relu_float, lambda out, x: (_step(x),))
# w.x + b as one node; inputs are (b, w_1..w_n, x_1..x_n): d/db = 1, d/dw_i = x_i, d/dx_i = w_i
LINEAR = Rule(
    "w·x+b",
    lambda b, *wx: _affine(b, wx[: len(wx) // 2], wx[len(wx) // 2 :]),
    lambda out, b, *wx: (1.0, *wx[len(wx) // 2 :], *wx[: len(wx) // 2]),
)


@functools.lru_cache(maxsize=1024, typed=True)
def power_rule(exponent: Number) -> Rule:
    """The rule for x ** c with a constant c: d/dx = c * x^(c-1) (0 when c == 0)."""
    c = float(exponent)
    return Rule(
        f"**{exponent}",
        lambda x: _pow_float(x, c),
        lambda out, x: (c * x ** (c - 1.0) if c != 0.0 else 0.0,),
    )


# ---------------------------------------------------------------------------
# Gradient recording switch
# ---------------------------------------------------------------------------

_grad_enabled: ContextVar[bool] = ContextVar("micrograd_grad_enabled", default=True)


def is_grad_enabled() -> bool:
    """Whether new ops record their parents (False inside `no_grad`)."""
    return _grad_enabled.get()


@contextmanager
def _grad_mode(enabled: bool) -> Iterator[None]:
    token = _grad_enabled.set(enabled)
    try:
        yield
    finally:
        _grad_enabled.reset(token)


def no_grad() -> AbstractContextManager[None]:
    """Context manager and decorator: ops inside record no parents (no graph is built).

    The switch is a context variable, so it is local to the thread or asyncio task.
    As a decorator it covers calls of the function (for an ``async def``, only the
    creation of the coroutine, as with every ``contextlib`` decorator).
    """
    return _grad_mode(False)


def enable_grad() -> AbstractContextManager[None]:
    """Context manager and decorator: record graphs again, also inside `no_grad`."""
    return _grad_mode(True)


# ---------------------------------------------------------------------------
# Value
# ---------------------------------------------------------------------------


def _to_float(data: Any, what: str = "Value data") -> float:
    """``data`` as a float if it is a real number, else TypeError naming ``what`` and its type."""
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


def _node(data: float, parents: tuple[Value, ...], rule: Rule) -> Value:
    """A new Value that records ``parents`` and ``rule`` unless gradients are off."""
    out = _new_value(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    if _grad_enabled.get():
        out._prev = parents
        out._rule = rule
    else:
        out._prev = ()
        out._rule = None
    return out


def _operand(x: Any) -> Value | Any:
    """A Value for ``x`` (numbers become constant leaves), or NotImplemented."""
    if isinstance(x, Value):
        return x
    try:
        return Value(x)
    except TypeError:
        return NotImplemented


class Value:
    """A scalar that remembers how it was computed, so gradients can flow back to it.

    >>> a = Value(2.0, label='a'); b = Value(-3.0, label='b')
    >>> c = a * b + a
    >>> c.backward()
    >>> a.grad, b.grad   # dc/da = b + 1, dc/db = a
    (-2.0, 2.0)
    """

    __slots__ = ("_prev", "_rule", "data", "grad", "label")
    __array_ufunc__ = None  # numpy scalars on the left defer to our reflected ops

    data: float
    grad: Any  # float, or a Value after backward(create_graph=True)
    label: str
    _prev: tuple[Value, ...]
    _rule: Rule | None

    def __init__(self, data: SupportsFloat, label: str = "") -> None:
        self.data = _to_float(data)
        self.grad = 0.0
        self.label = label
        self._prev = ()
        self._rule = None

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

    # -- binary ops ----------------------------------------------------------

    def __add__(self, other: Any) -> Value:
        other = _operand(other)
        if other is NotImplemented:
            return NotImplemented
        return _node(self.data + other.data, (self, other), ADD)

    def __radd__(self, other: Any) -> Value:
        other = _operand(other)
        if other is NotImplemented:
            return NotImplemented
        return _node(other.data + self.data, (other, self), ADD)

    def __sub__(self, other: Any) -> Value:
        other = _operand(other)
        if other is NotImplemented:
            return NotImplemented
        return _node(self.data - other.data, (self, other), SUB)

    def __rsub__(self, other: Any) -> Value:
        other = _operand(other)
        if other is NotImplemented:
            return NotImplemented
        return _node(other.data - self.data, (other, self), SUB)

    def __mul__(self, other: Any) -> Value:
        other = _operand(other)
        if other is NotImplemented:
            return NotImplemented
        return _node(self.data * other.data, (self, other), MUL)

    def __rmul__(self, other: Any) -> Value:
        other = _operand(other)
        if other is NotImplemented:
            return NotImplemented
        return _node(other.data * self.data, (other, self), MUL)

    def __truediv__(self, other: Any) -> Value:
        other = _operand(other)
        if other is NotImplemented:
            return NotImplemented
        return _node(self.data / other.data, (self, other), DIV)

    def __rtruediv__(self, other: Any) -> Value:
        other = _operand(other)
        if other is NotImplemented:
            return NotImplemented
        return _node(other.data / self.data, (other, self), DIV)

    def __pow__(self, other: Any) -> Value:
        if isinstance(other, Value):
            return _node(_pow_float(self.data, other.data), (self, other), POW)
        if not isinstance(other, (int, float)):
            other = _operand(other)
            if other is NotImplemented:
                return NotImplemented
            other = other.data
        rule = power_rule(other)
        return _node(rule.forward(self.data), (self,), rule)

    def __rpow__(self, other: Any) -> Value:
        other = _operand(other)
        if other is NotImplemented:
            return NotImplemented
        return _node(_pow_float(other.data, self.data), (other, self), POW)

    # -- unary ops -----------------------------------------------------------

    def __neg__(self) -> Value:
        return _node(-self.data, (self,), NEG)

    def __abs__(self) -> Value:
        return _node(abs(self.data), (self,), ABS)

    def exp(self) -> Value:
        """e^x; d/dx = e^x."""
        return _node(_exp_float(self.data), (self,), EXP)

    def log(self) -> Value:
        """ln x for x > 0; d/dx = 1/x."""
        return _node(_log_float(self.data), (self,), LOG)

    def sqrt(self) -> Value:
        """sqrt(x) for x >= 0; d/dx = 1 / (2 sqrt(x))."""
        return _node(_sqrt_float(self.data), (self,), SQRT)

    def tanh(self) -> Value:
        """tanh x; d/dx = 1 - tanh^2 x. Finite for every float."""
        return _node(math.tanh(self.data), (self,), TANH)

    def sigmoid(self) -> Value:
        """1 / (1 + e^-x); d/dx = s (1 - s). Finite for every float."""
        return _node(_sigmoid_float(self.data), (self,), SIGMOID)

    def relu(self) -> Value:
        """max(0, x); d/dx = 1 for x > 0, else 0."""
        return _node(_relu_float(self.data), (self,), RELU)

    @classmethod
    def _apply_rule(cls, rule: Rule, *inputs: Any) -> Value:
        """The node ``rule(*inputs)``; numbers among the inputs become constants."""
        parents = tuple(map(_lift, inputs))
        return _node(rule.forward(*map(_data_of, parents)), parents, rule)

    # -- graph ---------------------------------------------------------------

    def detach(self) -> Value:
        """A new leaf with the same data, cut off from this graph."""
        return Value(self.data, self.label)

    def backward(self, gradient: SupportsFloat = 1.0, *, create_graph: bool = False) -> None:
        """Backpropagate d self / d node into ``node.grad`` for every node of the graph.

        Leaves (nodes without parents) accumulate over calls, as in PyTorch; every other
        node of the graph is reset and holds the gradient of this call only. Gradients
        are summed where a node feeds several ops (the fork rule).

        A node whose gradient is exactly zero passes nothing on: its contributions
        would all be zero (PyTorch gives nan there only when a local derivative is
        infinite or nan).

        With ``create_graph=True`` the gradients are Values with graphs of their own, so
        they can be differentiated again. As in PyTorch this makes reference cycles
        (a leaf's ``.grad`` graph leads back to the leaf): reset ``.grad`` when done.
        """
        seed = _to_float(gradient, "gradient")
        order = topological_order(self)
        for node in order:
            node.grad = 0.0
        if create_graph:
            seed = Value(seed)
        if self._prev:
            self.grad = seed
        else:
            self.grad = self.grad + seed
        _propagate(order, create_graph)


def _propagate(order: list[Value], create_graph: bool) -> None:
    """Pass each node's gradient to its parents: parent.grad += node.grad * d node/d parent.

    With ``create_graph`` the local derivatives are evaluated on the Values themselves,
    so the gradients are Values with graphs of their own.
    """
    node = None
    try:
        if create_graph:
            for node in order:
                g = node.grad
                parents = node._prev
                for parent, d in zip(parents, node._rule.partials(node, *parents)):
                    parent.grad = parent.grad + g * d
            return
        for node in order:
            g = node.grad
            if g == 0.0:  # every contribution would be zero: nothing to pass on
                continue
            parents = node._prev
            partials = node._rule.partials(node.data, *map(_data_of, parents))
            for parent, d in zip(parents, partials):
                parent.grad += g * d
    except ArithmeticError as error:
        raise type(error)(f"backward through {node._op!r} at {node!r}: {error}") from error


_new_value = object.__new__
_data_of = attrgetter("data")
_parents_of = attrgetter("_prev")


def topological_order(root: Value) -> list[Value]:
    """The interior nodes (those with parents) that ``root`` depends on, in backward order.

    ``root`` comes first (when it is not a leaf) and every node comes after all the
    nodes that consume it, so its gradient is complete by the time it is passed on.
    Leaves only receive gradient, so they are left out. Built by an iterative
    depth-first search (a node is emitted once all its parents are), so depth is
    unlimited.
    """
    if not root._prev:
        return []
    emitted: list[Value] = []  # parents before the nodes that consume them
    visited = set()
    stack: list[Value | None] = [root]
    while stack:
        node = stack.pop()
        if node is None:  # marker: everything above it on the stack is done
            emitted.append(stack.pop())
        elif node not in visited:
            visited.add(node)
            stack.append(node)
            stack.append(None)
            for parent in filter(_parents_of, node._prev):  # interior parents only
                if parent not in visited:
                    stack.append(parent)
    emitted.reverse()
    return emitted


# ---------------------------------------------------------------------------
# Fused and user-defined ops
# ---------------------------------------------------------------------------


def linear(weights: Iterable[Any], inputs: Iterable[Any], bias: Any = 0.0) -> Value:
    """w . x + b as a single node with all of w, x and b as parents.

    Same value and gradients as ``sum(w_i * x_i) + b`` built from binary ops, with
    one node instead of 2n + 1. Numbers are taken as constants.
    """
    ws, xs = list(weights), list(inputs)
    if len(ws) != len(xs):
        raise ValueError(f"linear: {len(ws)} weights but {len(xs)} inputs")
    if all(isinstance(v, Value) or not hasattr(type(v), "_apply_rule") for v in (bias, *ws, *xs)):
        return _linear([_lift(w) for w in ws], [_lift(x) for x in xs], _lift(bias))
    return apply(LINEAR, bias, *ws, *xs)  # dual numbers: forward mode


def _linear(ws: list[Value], xs: list[Value], bias: Value) -> Value:
    data = _affine(bias.data, map(_data_of, ws), map(_data_of, xs))
    return _node(data, (bias, *ws, *xs), LINEAR)


def _lift(x: Any) -> Value:
    """``x`` itself if it is a Value, else a constant leaf (TypeError if not a number)."""
    return x if isinstance(x, Value) else Value(x)


def primitive(
    forward: Callable[..., float],
    *partials: Callable[..., float],
    name: str | None = None,
) -> Callable[..., Value]:
    """Make a differentiable op from its forward function and its partial derivatives.

    ``forward(x_1, ..., x_n)`` and each ``partials[i](x_1, ..., x_n)`` (d out / d x_i)
    take the inputs' data as floats. The result takes Values or numbers:

    >>> softplus = primitive(lambda x: math.log1p(math.exp(x)),
    ...                      lambda x: 1 / (1 + math.exp(-x)), name='softplus')
    >>> y = softplus(Value(0.0)); y.backward(); y.data, y._prev[0].grad
    (0.6931471805599453, 0.5)
    """
    if not callable(forward) or not all(callable(p) for p in partials):
        raise TypeError("primitive: forward and every partial must be callable")
    if not partials:
        raise TypeError("primitive: give one partial derivative per input")
    arity = len(partials)
    op_name = name if name is not None else getattr(forward, "__name__", "primitive")

    def local_partials(out: Any, *xs: Any) -> tuple[float, ...]:
        if any(isinstance(x, Value) for x in xs):
            raise NotImplementedError(
                f"primitive {op_name!r}: its partial derivatives are float functions, so "
                "its gradient cannot be differentiated again (create_graph=True)"
            )
        return tuple(_to_float(p(*xs)) for p in partials)

    rule = Rule(op_name, lambda *xs: _to_float(forward(*xs)), local_partials)

    def op(*inputs: Any) -> Any:
        if len(inputs) != arity:
            raise TypeError(f"{op_name}: expected {arity} inputs, got {len(inputs)}")
        return apply(rule, *inputs)

    op.__name__ = op_name
    op.__doc__ = f"The {op_name!r} op, differentiable in each of its {arity} inputs."
    op.rule = rule  # type: ignore[attr-defined]
    return op


def apply(rule: Rule, *inputs: Any) -> Any:
    """Apply ``rule`` to its inputs: a Value (or dual number) if any input is one.

    Types that carry derivatives implement ``_apply_rule(rule, *inputs)``; the first
    input whose type does decides the result. All plain numbers give a float.
    """
    for x in inputs:
        apply_rule = getattr(type(x), "_apply_rule", None)
        if apply_rule is not None:
            return apply_rule(rule, *inputs)
    return rule.forward(*map(_to_float, inputs))
