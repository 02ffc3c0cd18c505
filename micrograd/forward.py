"""Forward-mode automatic differentiation with dual numbers.

A dual number is ``a + b ε`` with ``ε² = 0`` (and ``ε ≠ 0``). Taylor expansion gives
``f(a + b ε) = f(a) + f'(a) b ε``: carrying the tangent ``b`` through a computation
along with the value ``a`` yields the derivative, with no graph and no backward pass.
For example ``f(x) = 2x² + 3x + 1`` at ``4 + ε`` is ``45 + 19 ε``, so ``f'(4) = 19``.

`Dual` implements no derivative of its own: every op applies the engine's `Rule`
(``real = rule.forward(*reals)``, ``dual = Σ ∂out/∂x_i · dual_i`` with the partials from
``rule.partials``), so forward mode, reverse mode and custom `primitive` ops share one
definition of each derivative.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any, SupportsFloat

from micrograd.engine import (
    ABS,
    ADD,
    DIV,
    EXP,
    LOG,
    MUL,
    NEG,
    POW,
    RELU,
    SIGMOID,
    SQRT,
    SUB,
    TANH,
    Rule,
    _to_float,
    power_rule,
)

__all__ = ["Dual", "derivative"]


def _checked(x: Any, part: str) -> float:
    """``x`` as a float, or TypeError naming the part of the dual number it was for."""
    return _to_float(x, f"Dual {part} part")


def _constant(x: Any) -> float | None:
    """A plain number as a float (a constant: tangent 0), or None if ``x`` is not one."""
    try:
        return _to_float(x)
    except TypeError:
        return None


def _make(real: float, dual: float) -> Dual:
    out = object.__new__(Dual)
    out.real = real
    out.dual = dual
    return out


def _combine(rule: Rule, reals: Sequence[float], duals: Sequence[float]) -> Dual:
    """``rule`` applied to the dual numbers ``reals + duals ε``.

    Inputs with a zero tangent contribute nothing (an infinite partial times a zero
    tangent is dropped rather than giving nan), as a zero gradient passes nothing on
    in the backward pass.
    """
    out = rule.forward(*reals)
    if not any(duals):
        return _make(out, 0.0)
    try:
        partials = rule.partials(out, *reals)
    except ArithmeticError as error:
        raise type(error)(
            f"forward-mode derivative of {rule.name!r} at {list(reals)!r}: {error}"
        ) from error
    return _make(out, float(sum(p * d for p, d in zip(partials, duals) if d)))


class Dual:
    """The dual number ``real + dual ε`` (``ε² = 0``): a value and its directional derivative.

    >>> x = Dual(4.0, 1.0)       # x = 4, dx = 1
    >>> 2 * x**2 + 3 * x + 1     # f(4) = 45, f'(4) = 4*4 + 3 = 19
    Dual(real=45.0, dual=19.0)

    Supports the same operators and methods as `Value`, with numbers on either side
    (they are constants, tangent 0), and works with `micrograd.primitive` ops.
    """

    __slots__ = ("dual", "real")
    __array_ufunc__ = None  # numpy scalars on the left defer to our reflected ops

    real: float
    dual: float

    def __init__(self, real: SupportsFloat, dual: SupportsFloat = 0.0) -> None:
        self.real = _checked(real, "real")
        self.dual = _checked(dual, "dual")

    def __repr__(self) -> str:
        return f"Dual(real={self.real!r}, dual={self.dual!r})"

    @classmethod
    def _apply_rule(cls, rule: Rule, *inputs: Any) -> Dual:
        """``rule(*inputs)`` in forward mode; numbers among the inputs are constants."""
        reals = []
        duals = []
        for x in inputs:
            if isinstance(x, Dual):
                reals.append(x.real)
                duals.append(x.dual)
            else:
                c = _constant(x)
                if c is None:
                    raise TypeError(
                        f"{rule.name}: inputs must be Duals or real numbers, "
                        f"got {type(x).__name__}: {x!r:.60}"
                    )
                reals.append(c)
                duals.append(0.0)
        return _combine(rule, reals, duals)

    # -- binary ops ----------------------------------------------------------

    def _binary(self, rule: Rule, other: Any, reflected: bool) -> Dual:
        if isinstance(other, Dual):
            reals, duals = (self.real, other.real), (self.dual, other.dual)
        else:
            c = _constant(other)
            if c is None:
                return NotImplemented
            reals, duals = (self.real, c), (self.dual, 0.0)
        if reflected:
            reals, duals = reals[::-1], duals[::-1]
        return _combine(rule, reals, duals)

    def __add__(self, other: Any) -> Dual:
        return self._binary(ADD, other, False)

    def __radd__(self, other: Any) -> Dual:
        return self._binary(ADD, other, True)

    def __sub__(self, other: Any) -> Dual:
        return self._binary(SUB, other, False)

    def __rsub__(self, other: Any) -> Dual:
        return self._binary(SUB, other, True)

    def __mul__(self, other: Any) -> Dual:
        return self._binary(MUL, other, False)

    def __rmul__(self, other: Any) -> Dual:
        return self._binary(MUL, other, True)

    def __truediv__(self, other: Any) -> Dual:
        return self._binary(DIV, other, False)

    def __rtruediv__(self, other: Any) -> Dual:
        return self._binary(DIV, other, True)

    def __pow__(self, other: Any) -> Dual:
        """``x ** y``; a constant exponent uses the rule for ``x ** c``."""
        if isinstance(other, Dual):
            return self._binary(POW, other, False)
        if not isinstance(other, (int, float)):
            other = _constant(other)
            if other is None:
                return NotImplemented
        return _combine(power_rule(other), (self.real,), (self.dual,))

    def __rpow__(self, other: Any) -> Dual:
        return self._binary(POW, other, True)

    # -- unary ops -----------------------------------------------------------

    def __neg__(self) -> Dual:
        return _combine(NEG, (self.real,), (self.dual,))

    def __abs__(self) -> Dual:
        return _combine(ABS, (self.real,), (self.dual,))

    def exp(self) -> Dual:
        """e^x."""
        return _combine(EXP, (self.real,), (self.dual,))

    def log(self) -> Dual:
        """ln x for x > 0."""
        return _combine(LOG, (self.real,), (self.dual,))

    def sqrt(self) -> Dual:
        """sqrt(x) for x >= 0 (the tangent is infinite at 0: ZeroDivisionError)."""
        return _combine(SQRT, (self.real,), (self.dual,))

    def tanh(self) -> Dual:
        """tanh x."""
        return _combine(TANH, (self.real,), (self.dual,))

    def sigmoid(self) -> Dual:
        """1 / (1 + e^-x)."""
        return _combine(SIGMOID, (self.real,), (self.dual,))

    def relu(self) -> Dual:
        """max(0, x), with derivative 0 at the kink."""
        return _combine(RELU, (self.real,), (self.dual,))


def derivative(f: Callable[[Dual], Any], x: SupportsFloat) -> float:
    """f'(x) by forward mode: the ε part of ``f(x + 1 ε)``.

    ``f`` must be written with the ops `Dual` supports (arithmetic, ``exp``, ``log``,
    ``sqrt``, ``tanh``, ``sigmoid``, ``relu``, ``abs``, primitives). A plain number as
    the result means f does not depend on x: the derivative is 0.0.

    >>> derivative(lambda x: 2 * x**2 + 3 * x + 1, 4.0)
    19.0
    """
    if not callable(f):
        raise TypeError(f"derivative: f must be callable, got {type(f).__name__}")
    out = f(Dual(x, 1.0))
    if isinstance(out, Dual):
        return out.dual
    if isinstance(out, numbers.Real):
        return 0.0
    raise TypeError(f"derivative: f must return a Dual or a real number, got {type(out).__name__}")
