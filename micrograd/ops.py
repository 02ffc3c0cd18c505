"""The op table: every op's forward on floats and its local derivatives, declared once.

Each declaration ``Op.declare(name, forward, partials)`` gives:

- the function ``ops.name(x)``, which takes a float, a `Value` or a dual number and
  returns the same kind;
- the method ``Value.name()`` (or the operator, for ``+ - * / **``, unary ``-`` and
  ``abs``) and the same method on `micrograd.forward.Dual`;
- the local derivatives that ``backward`` multiplies by, that ``trace_backward`` lists
  and that ``draw_dot(local_grads=True)`` writes on the edges;
- higher derivatives: the partials are written with arithmetic and these functions,
  so they evaluate on Values too (``backward(create_graph=True)``, ``grad(grad(f))``).

``forward(*xs)`` computes on floats with Python's float errors (a domain error raises
ValueError, overflow raises OverflowError). ``partials(out, *xs)`` returns
d out / d x_i for every input, given the output ``out`` and the inputs.

>>> from micrograd import Value, ops
>>> ops.tanh(0.5), ops.tanh(Value(0.5)).data
(0.46211715726000974, 0.46211715726000974)
"""

from __future__ import annotations

import math  # noqa: F401 (the table's text calls math.tanh and math.fabs)
import operator
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from micrograd import floatops
from micrograd.op import Formula, Op
from micrograd.scalars import real

__all__ = [
    "abs",
    "add",
    "affine",
    "bce_with_logits",
    "constant_power",
    "exp",
    "identity",
    "leaky_relu",
    "linear",
    "log",
    "logsumexp",
    "mul",
    "neg",
    "pow",
    "power_constant",
    "relu",
    "relu_affine",
    "sigmoid",
    "softplus",
    "sqrt",
    "sub",
    "tanh",
    "total",
    "truediv",
]

_step = floatops.step


def _dot(bias: float, weights: Iterable[float], inputs: Iterable[float]) -> float:
    """b + sum_i w_i x_i."""
    return sum(map(operator.mul, weights, inputs), bias)


def _affine_partials(inputs: tuple[Any, ...]) -> tuple[Any, ...]:
    """d (b + w . x) / d (b, w_1..w_n, x_1..x_n) = (1, x_1..x_n, w_1..w_n)."""
    n = len(inputs) // 2 + 1  # where x_1 is
    return (1.0, *inputs[n:], *inputs[1:n])


def _affine(bias: float, *weights_and_inputs: float) -> float:
    """b + sum_i w_i x_i, the inputs given as (b, w_1..w_n, x_1..x_n)."""
    n = len(weights_and_inputs) // 2
    return _dot(bias, weights_and_inputs[:n], weights_and_inputs[n:])


def _logsumexp_partials(out: Any, *xs: Any) -> tuple[Any, ...]:
    """d logsumexp / d x_i = e^(x_i - out), the softmax: at most 1, never overflows."""
    return tuple(exp(x - out) for x in xs)


# ---------------------------------------------------------------------------
# Derivatives of pow (on every kind of input; the others are one line in the table)
# ---------------------------------------------------------------------------


def pow_d_base(out: Any, base: Any, exponent: Any) -> Any:
    """d b^e / d b = e b^(e-1), 0 when e == 0."""
    return exponent * base ** (exponent - 1.0) if real(exponent) != 0.0 else 0.0


def pow_d_exponent(out: Any, base: Any, exponent: Any) -> Any:
    """d b^e / d e = b^e ln b; 0 at b == 0 for e >= 0 (PyTorch's convention), undefined
    for b < 0."""
    if real(base) == 0.0 and real(exponent) >= 0.0:
        return 0.0
    if real(base) < 0.0:
        raise ValueError(
            "pow: the derivative with respect to the exponent needs a positive base, "
            f"got {real(base)!r}"
        )
    return out * log(base)


# ---------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------
# fmt: off
# Each row: name, forward on floats, local derivatives d out / d inputs given (out, inputs).

_scope = globals()  # the table's text is evaluated here, once

add = Op.declare("+", "a + b", ("1.0", "1.0"), 2, scope=_scope,
                 method="__add__", reflected="__radd__", doc="a + b")
sub = Op.declare("-", "a - b", ("1.0", "-1.0"), 2, scope=_scope,
                 method="__sub__", reflected="__rsub__", doc="a - b")
mul = Op.declare("*", "a * b", ("b", "a"), 2, scope=_scope,
                 method="__mul__", reflected="__rmul__", doc="a * b")
truediv = Op.declare("/", "a / b", ("1.0 / b", "-out / b"), 2, scope=_scope,
                     method="__truediv__", reflected="__rtruediv__", doc="a / b")
# x ** c for a plain number c is an op of its own with one input, named like "**2"
# x ** c and c ** x for a plain number c are ops of their own with one input, named like
# "**2" and "2**": the derivative with respect to a number is never evaluated
power_constant = Op.from_text("**", "floatops.pow(x, c)", ("c * x ** (c - 1.0) if c else 0.0",),
                              scope=_scope, params={"c": None}, label="**{}")
constant_power = Op.from_text("**", "floatops.pow(c, x)", ("pow_d_exponent(out, c, x)",),
                              scope=_scope, params={"c": None}, label="{}**")
pow = Op.declare("**", "floatops.pow(a, b)", ("pow_d_base(out, a, b)", "pow_d_exponent(out, a, b)"),
                 2, scope=_scope, method="__pow__", reflected="__rpow__",
                 with_constant=power_constant, reflected_constant=constant_power,
                 doc="a ** b; with a number b, the op '**b' of a alone")
neg = Op.declare("neg", "-x", ("-1.0",), scope=_scope,
                 method="__neg__", doc="-x")
abs = Op.declare("abs", "math.fabs(x)", ("floatops.sign(x)",), scope=_scope,
                 method="__abs__", doc="|x|; d/dx = sign(x), 0 at 0")
exp = Op.declare("exp", "floatops.exp(x)", ("out",), scope=_scope,
                 doc="e^x; d/dx = e^x")
log = Op.declare("log", "floatops.log(x)", ("1.0 / x",), scope=_scope,
                 doc="ln x for x > 0; d/dx = 1/x")
sqrt = Op.declare("sqrt", "floatops.sqrt(x)", ("0.5 / out",), scope=_scope,
                  doc="sqrt(x) for x >= 0; d/dx = 1 / (2 sqrt(x))")
tanh = Op.declare("tanh", "math.tanh(x)", ("1.0 - out * out",), scope=_scope,
                  doc="tanh x; d/dx = 1 - tanh^2 x. Finite for every float.")
sigmoid = Op.declare("sigmoid", "floatops.sigmoid(x)", ("out * (1.0 - out)",), scope=_scope,
                     doc="1 / (1 + e^-x); d/dx = s (1 - s). Finite for every float.")
relu = Op.declare("ReLU", "0.0 if x <= 0.0 else x", ("floatops.step(out)",), scope=_scope,
                  method="relu", doc="max(0, x); d/dx = 1 for x > 0, else 0")
softplus = Op.declare("softplus", "floatops.softplus(x)", ("sigmoid(x)",), scope=_scope,
                      doc="log(1 + e^x), a smooth relu; d/dx = sigmoid(x). Never overflows.")
leaky_relu = Op.declare("leaky_relu", "x if x > 0.0 else slope * x", ("floatops.step(x, slope)",),
                        scope=_scope, params={"slope": 0.01}, label="leaky_relu({})",
                        doc="x for x > 0, else slope * x; d/dx = 1 or slope")
# w . x + b as one node with inputs (b, w_1..w_n, x_1..x_n): d/db = 1, d/dw_i = x_i, d/dx_i = w_i
_affine_formula = Formula(("b",), "b", ("1.0", "x", "w"), _scope, groups=("w", "x"),
                          term="w * x")
affine = Op("w·x+b", _affine, lambda out, *inputs: _affine_partials(inputs),
            None, formula=_affine_formula, doc="b + sum_i w_i x_i, inputs (b, w_1..w_n, x_1..x_n)")
total = Op("Σ", lambda *xs: sum(xs[1:], xs[0]), lambda out, *xs: (1.0,) * len(xs),
           None, formula=Formula((), "", ("1.0",), _scope, groups=("x",), term="x"),
           doc="x_1 + ... + x_n as one node (added left to right); d/dx_i = 1")
# binary cross-entropy of sigmoid(z) against t, from the logit z: softplus(z) - z t, written
# per sign of z (softplus(z) = z + softplus(-z)) so that neither it nor its derivative
# sigmoid(z) - t = (1 - t) - sigmoid(-z) subtracts nearly equal numbers; d/dt = -z
bce_with_logits = Op.from_text(
    "bce", "floatops.softplus(-z) + z * (1.0 - t) if z >= 0.0 else floatops.softplus(z) - z * t",
    ("(1.0 - t) - sigmoid(-z) if z >= 0.0 else sigmoid(z) - t", "-z"), 2, scope=_scope,
    inputs=("z", "t"), doc="softplus(z) - z t; d/dz = sigmoid(z) - t, d/dt = -z")
logsumexp = Op("logsumexp", floatops.logsumexp, _logsumexp_partials, None,
               formula=Formula((), "", ("floatops.exp(x - out)",), _scope, groups=("x",), term="x",
                               reduce="floatops.logsumexp"),
               doc="log(e^x_1 + ... + e^x_n), shifted by the max; d/dx_i = e^(x_i - out)")
identity = Op.from_text("identity", "float(x)", ("1.0",), scope=_scope,
              doc="x itself, as a node of its own; d/dx = 1")

# fmt: on


def _relu_affine_partials(out: Any, *inputs: Any) -> tuple[Any, ...]:
    """relu'(z) * d z / d input with relu'(z) = 1 for out > 0, else 0: nothing to multiply."""
    return _affine_partials(inputs) if _step(out) else (0.0,) * len(inputs)


# relu(b + w . x) as one node, with inputs (b, w_1..w_n, x_1..x_n). Its gradients are
# bit for bit those of the two nodes "w·x+b" and "ReLU", with one node fewer to build
# and to walk: ReLU's derivative is 1 or 0, so the chain rule multiplies nothing.
_relu = relu.forward
relu_affine = Op("ReLU(w·x+b)", lambda b, *wx: _relu(_affine(b, *wx)), _relu_affine_partials,
                 None, formula=replace(_affine_formula, outer=relu.formula), gate=_step,
                 doc="relu(b + w . x), inputs (b, w_1..w_n, x_1..x_n)")  # fmt: skip


def linear(weights: Iterable[Any], inputs: Iterable[Any], bias: Any = 0.0) -> Any:
    """w . x + b as a single node with all of w, x and b as parents.

    Same value and gradients as ``sum(w_i * x_i) + b`` built from binary ops, with one
    node instead of 2n + 1. Numbers are constants; all numbers give a float, dual
    numbers give a dual number.
    """
    ws, xs = list(weights), list(inputs)
    if len(ws) != len(xs):
        raise ValueError(f"linear: {len(ws)} weights but {len(xs)} inputs")
    return affine(bias, *ws, *xs)
