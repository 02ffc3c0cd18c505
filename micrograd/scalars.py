"""Plain numbers: what counts as a real number here, and the float behind one.

A leaf module: it imports nothing from the package, so every other module can use it.

>>> from micrograd.scalars import to_float
>>> to_float(3), to_float(2.5)
(3.0, 2.5)
"""

from __future__ import annotations

import numbers
from typing import Any

__all__ = ["real", "to_float", "to_non_negative"]


def _is_number_type(data: Any) -> bool:
    """Whether ``data`` is one of the package's own number types (`Value`, `Dual`): they
    carry ops (``_apply_op``), so they are no plain number."""
    return getattr(type(data), "_apply_op", None) is not None


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
        isinstance(data, (str, bytes, complex))
        or _is_number_type(data)
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
    """The plain float behind a number, a `Value` (its ``data``) or a dual number (its
    ``real`` part)."""
    if x.__class__ is float:
        return x
    if _is_number_type(x):
        x = x.data if hasattr(x, "data") else x.real
    return to_float(x)
