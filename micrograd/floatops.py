"""The op table's functions on plain floats, which its formula text calls.

The forward functions keep Python's float semantics and name the op in their errors
(a domain error raises ValueError, overflow raises OverflowError); `sigmoid`,
`softplus` and `logsumexp` never overflow. `step` and `sign` are the pieces of derivatives that are
constant between kinks: they read the float behind a float, a `Value` or a dual
number and return a float.

>>> from micrograd import floatops
>>> floatops.sigmoid(0.0), floatops.step(2.5), floatops.sign(-3.0)
(0.5, 1.0, -1.0)
"""

from __future__ import annotations

import math
from typing import Any

from micrograd.scalars import real

__all__ = ["exp", "log", "logsumexp", "pow", "sigmoid", "sign", "softplus", "sqrt", "step"]


def log(x: float) -> float:
    """ln x for x > 0, else ValueError."""
    if x <= 0.0:
        raise ValueError(f"log: operand must be positive, got {x!r}")
    return math.log(x)


def sqrt(x: float) -> float:
    """sqrt(x) for x >= 0, else ValueError."""
    if x < 0.0:
        raise ValueError(f"sqrt: operand must be non-negative, got {x!r}")
    return math.sqrt(x)


def pow(base: float, exponent: float) -> float:
    """base ** exponent; ValueError where it has no real value, OverflowError on overflow."""
    if base < 0.0 and math.isfinite(exponent) and not float(exponent).is_integer():
        raise ValueError(
            f"pow: negative base {base!r} to the non-integer power {exponent!r} has no real value"
        )
    try:
        result: float = base**exponent
    except OverflowError:
        raise OverflowError(f"pow: {base!r} ** {exponent!r} overflows a float") from None
    return result


def exp(x: float) -> float:
    """e^x, OverflowError naming the op where it overflows."""
    try:
        return math.exp(x)
    except OverflowError:
        raise OverflowError(f"exp: exp({x!r}) overflows a float") from None


def sigmoid(x: float) -> float:
    """1 / (1 + e^-x), taking e^t only for t <= 0, so it never overflows."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def softplus(x: float) -> float:
    """log(1 + e^x) = max(x, 0) + log(1 + e^-|x|), which never overflows."""
    return max(x, 0.0) + math.log1p(math.exp(-math.fabs(x)))


def logsumexp(*xs: float) -> float:
    """log sum_i e^(x_i) = m + log sum_i e^(x_i - m) with m = max_i x_i: every exponent is
    <= 0, so it never overflows (an infinite m is the result itself)."""
    m = max(xs)
    if math.isinf(m):
        return m
    return m + math.log(sum([math.exp(x - m) for x in xs]))


def step(x: Any, below: float = 0.0) -> float:
    """d relu(x) / dx: 1 for x > 0, else ``below`` (0: the kink counts as below, as in
    PyTorch). At x = nan, as PyTorch: 1 for relu (below = 0), ``below`` for leaky relu."""
    r = x if x.__class__ is float else real(x)
    return 1.0 if r > 0.0 else below if r <= 0.0 or below else 1.0


def sign(x: Any) -> float:
    """d |x| / dx: the sign of x, 0 at 0 (as in PyTorch)."""
    r = real(x)
    return 1.0 if r > 0.0 else -1.0 if r < 0.0 else 0.0
