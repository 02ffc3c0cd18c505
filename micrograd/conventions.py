"""A Value is a number where Python expects one: these methods read its ``data``.

``float(v)``, ``int(v)``, ``round(v)``, ``math.floor``/``ceil``/``trunc``,
``format(v, '.4f')`` (``f"{loss:.4f}"``) and ``< <= > >=`` (so ``max``, ``min`` and
``sorted`` work) use the data; ``==`` and ``hash`` stay by identity, as in
micrograd, so Values can be dict keys. `micrograd.engine.Value` inherits them.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from types import CodeType
from typing import Any, Protocol

from micrograd.scalars import to_float

__all__ = ["NODE_DATA_READS", "FloatConventions", "NumberReads", "float_refused", "watch_reads"]

#: True while a derivative written for floats is tried on Values (see
#: `micrograd.engine.primitive`): ``float(value)`` then raises instead of losing the graph.
float_refused: ContextVar[bool] = ContextVar("micrograd_float_refused", default=False)


class NumberReads(Protocol):
    """Told of every number read from a Value by these methods while `watch_reads` runs
    (a compile trace): a comparison and its outcome, or the data itself."""

    def compared(self, value: Any, op: str, other: Any, outcome: bool) -> None: ...

    def number(self, value: Any, data: float) -> None: ...


_reads: NumberReads | None = None  # set only inside `watch_reads`

#: The code of functions whose reads of ``.data`` only compute a new node's data (the
#: engine's ``_apply_op``, a layer's fast path) or are told to `NumberReads` already
#: (the methods below): a trace does not count them as reads of ``fn``.
NODE_DATA_READS: set[CodeType] = set()


@contextmanager
def watch_reads(reads: NumberReads) -> Iterator[None]:
    """Tell ``reads`` of every number these methods read in the block (in any thread:
    the reader keeps those of its own)."""
    global _reads
    previous, _reads = _reads, reads
    try:
        yield
    finally:
        _reads = previous


class FloatConventions:
    """Python's number protocol on ``self.data``, for a class with a ``data`` float."""

    __slots__ = ()
    data: float

    def __float__(self) -> float:
        if float_refused.get():
            raise TypeError("a Value cannot be turned into a float here")
        return self.data if _reads is None else _number(self)

    def __int__(self) -> int:
        return int(_number(self))

    def __round__(self, ndigits: int | None = None) -> float:
        x = _number(self)
        return round(x, ndigits) if ndigits is not None else round(x)

    def __trunc__(self) -> int:
        return math.trunc(_number(self))

    def __floor__(self) -> int:
        return math.floor(_number(self))

    def __ceil__(self) -> int:
        return math.ceil(_number(self))

    def __format__(self, spec: str) -> str:
        """``format(v, spec)`` formats the data; no spec gives ``str(v)``."""
        return format(_number(self), spec) if spec else str(self)

    def __lt__(self, other: Any) -> bool:
        x = _compared(other)
        if x is None or _reads is not None:
            return _compare(self, "<", operator.lt, x, other)
        return self.data < x

    def __le__(self, other: Any) -> bool:
        x = _compared(other)
        if x is None or _reads is not None:
            return _compare(self, "<=", operator.le, x, other)
        return self.data <= x

    def __gt__(self, other: Any) -> bool:
        x = _compared(other)
        if x is None or _reads is not None:
            return _compare(self, ">", operator.gt, x, other)
        return self.data > x

    def __ge__(self, other: Any) -> bool:
        x = _compared(other)
        if x is None or _reads is not None:
            return _compare(self, ">=", operator.ge, x, other)
        return self.data >= x

    __eq__ = object.__eq__  # by identity, as in micrograd
    __hash__ = object.__hash__


def _number(value: FloatConventions) -> float:
    """``value.data``, told to the watching `NumberReads` if any."""
    data = value.data
    if _reads is not None:
        _reads.number(value, data)
    return data


def _compare(
    value: FloatConventions, op: str, test: Callable[[float, float], bool], x: Any, other: Any
) -> bool:
    """``test(value.data, x)``, ``x`` the number of ``other`` (None: not comparable), told
    to the watching `NumberReads` if any."""
    if x is None:
        return NotImplemented  # type: ignore[no-any-return]
    outcome = test(value.data, x)
    if _reads is not None:
        _reads.compared(value, op, other, outcome)
    return outcome


def _compared(x: Any) -> float | None:
    """The number a Value is compared with: another's data, a real number, else None."""
    if isinstance(x, FloatConventions):
        return x.data
    try:
        return to_float(x)
    except TypeError:
        return None


NODE_DATA_READS.update(
    f.__code__
    for f in (*vars(FloatConventions).values(), _number, _compare, _compared)
    if callable(f) and hasattr(f, "__code__")
)
