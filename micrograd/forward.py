"""Forward-mode automatic differentiation with dual numbers.

A dual number is ``a + b ε`` with ``ε² = 0`` (and ``ε ≠ 0``). Taylor expansion gives
``f(a + b ε) = f(a) + f'(a) b ε``: carrying the tangent ``b`` through a computation
along with the value ``a`` yields the derivative, with no graph and no backward pass.
For example ``f(x) = 2x² + 3x + 1`` at ``4 + ε`` is ``45 + 19 ε``, so ``f'(4) = 19``.

`Dual` implements no derivative of its own: every op of the op table (`micrograd.ops`)
applies its declaration (``real = op.forward(*reals)``, ``dual = Σ ∂out/∂x_i · dual_i``
with the partials from ``op.partials``), so forward mode, reverse mode and custom
`primitive` ops share one definition of each derivative.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, SupportsFloat

from micrograd.op import Op, register_number_type
from micrograd.scalars import to_float

if TYPE_CHECKING:
    from micrograd.stubs import OpMethods  # the methods micrograd.ops installs
else:
    OpMethods = object

__all__ = ["Dual", "derivative"]


def _make(real: float, dual: float) -> Dual:
    out = object.__new__(Dual)
    out.real = real
    out.dual = dual
    return out


class Dual(OpMethods):
    """The dual number ``real + dual ε`` (``ε² = 0``): a value and its directional derivative.

    >>> x = Dual(4.0, 1.0)       # x = 4, dx = 1
    >>> 2 * x**2 + 3 * x + 1     # f(4) = 45, f'(4) = 4*4 + 3 = 19
    Dual(real=45.0, dual=19.0)

    Has every op of the op table (`micrograd.ops`) as a method or operator, with numbers
    on either side (they are constants, tangent 0), and works with
    `micrograd.primitive` ops.
    """

    __slots__ = ("dual", "real")
    __array_ufunc__ = None  # numpy scalars on the left defer to our reflected ops

    real: float
    dual: float

    def __init__(self, real: SupportsFloat, dual: SupportsFloat = 0.0) -> None:
        self.real = to_float(real, "Dual real part")
        self.dual = to_float(dual, "Dual dual part")

    def __repr__(self) -> str:
        return f"Dual(real={self.real!r}, dual={self.dual!r})"

    @staticmethod
    def _apply_op(op: Op, *inputs: Dual) -> Dual:
        """``op(*inputs)`` in forward mode: real part ``op.forward(*reals)``, dual part
        ``sum_i d out / d x_i * dual_i`` with the op's partials.

        Inputs with a zero tangent contribute nothing (an infinite partial times a zero
        tangent is dropped rather than giving nan), as a zero gradient passes nothing on
        in the backward pass.
        """
        reals = [x.real for x in inputs]
        out = op.forward(*reals)
        if not any(x.dual for x in inputs):
            return _make(out, 0.0)
        try:
            partials = op.partials(out, *reals)
        except ArithmeticError as error:
            raise type(error)(
                f"forward-mode derivative of {op.name!r} at {reals!r}: {error}"
            ) from error
        return _make(out, float(sum(p * x.dual for p, x in zip(partials, inputs) if x.dual)))

    @staticmethod
    def _number_of(x: Dual) -> None:
        """None: every dual number counts as a variable."""
        return None

    @staticmethod
    def _lift(x: Any) -> Dual:
        """A plain number as a constant: tangent 0 (TypeError for anything else)."""
        return _make(to_float(x), 0.0)


register_number_type(Dual)


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
