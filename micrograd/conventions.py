"""A Value is a number where Python expects one: these methods read its ``data``.

``float(v)``, ``format(v, '.4f')`` (``f"{loss:.4f}"``) and ``< <= > >=`` (so ``max``,
``min`` and ``sorted`` work) use the data; ``==`` and ``hash`` stay by identity, as in
micrograd, so Values can be dict keys. `micrograd.engine.Value` inherits them.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from micrograd.scalars import to_float

__all__ = ["FloatConventions", "float_refused"]

#: True while a derivative written for floats is tried on Values (see
#: `micrograd.engine.primitive`): ``float(value)`` then raises instead of losing the graph.
float_refused: ContextVar[bool] = ContextVar("micrograd_float_refused", default=False)


class FloatConventions:
    """Python's number protocol on ``self.data``, for a class with a ``data`` float."""

    __slots__ = ()
    data: float

    def __float__(self) -> float:
        if float_refused.get():
            raise TypeError("a Value cannot be turned into a float here")
        return self.data

    def __format__(self, spec: str) -> str:
        """``format(v, spec)`` formats the data; no spec gives ``str(v)``."""
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


def _compared(x: Any) -> float | None:
    """The number a Value is compared with: another's data, a real number, else None."""
    if isinstance(x, FloatConventions):
        return x.data
    try:
        return to_float(x)
    except TypeError:
        return None
