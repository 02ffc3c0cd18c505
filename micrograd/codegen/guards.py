"""Guards: the numbers that ``fn`` reads from Values while traced, checked on every call.

Generated code cannot follow Python control flow in ``fn``: ``if x > 0``, ``max(zs)``,
``float(loss)`` or ``x.data * 2`` run once, at trace time. `Reads` records each such
read as a `Guard`: a comparison with its outcome, or a number (``float``, ``int``,
``round``, ``math.floor``/``ceil``/``trunc``, ``format`` with a spec, ``.data``) with
its exact value. `Guards` evaluates them again from a call's arguments (the forward of
the traced nodes they read, in the order they were made) and says whether every one
comes out as traced; where one does not, the call runs in eager mode.
"""

from __future__ import annotations

import operator
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from micrograd.conventions import NODE_DATA_READS
from micrograd.engine import Value, is_constant, op_of

__all__ = ["Guard", "Guards", "Reads", "user_line", "watch_data"]

_PACKAGE = str(Path(__file__).resolve().parent.parent)
_TESTS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
# reads by the engine itself: a node's data from its parents', a Value's repr
NODE_DATA_READS.update((Value._apply_op.__code__, Value.__repr__.__code__))


def user_line() -> str:
    """``file:line`` of the innermost frame outside the micrograd package (fn's code)."""
    frame = sys._getframe(1)
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


def _exact(x: float) -> str:
    """``x`` bit for bit (nan equal to nan, -0.0 not equal to 0.0)."""
    return float.hex(x)


@dataclass(frozen=True, slots=True)
class Guard:
    """``value op other`` came out ``expected`` (op "<", "<=", ">", ">="), or, with op
    "", ``value``'s data was ``expected`` (`float.hex`); read at ``where``."""

    value: Value
    op: str
    other: Value | float | None
    expected: bool | str
    where: str

    def outcome(self, values: dict[Value, float]) -> bool | str:
        """The outcome for this call's ``values`` of the Values read."""
        x = values[self.value]
        if not self.op:
            return _exact(x)
        other = self.other
        y = values[other] if isinstance(other, Value) else other
        return _TESTS[self.op](x, y)  # type: ignore[arg-type]

    def __str__(self) -> str:
        what = f"a comparison ({self.op})" if self.op else "a number"
        return f"{what} read from {self.value!r:.60} at {self.where}"


class Reads:
    """The `micrograd.conventions.NumberReads` of a trace: a `Guard` for each read, in
    this thread, of a Value that is not a constant (whose data is fixed)."""

    def __init__(self) -> None:
        self.guards: list[Guard] = []
        self._thread = threading.get_ident()

    def compared(self, value: Any, op: str, other: Any, outcome: bool) -> None:
        if not self._counts(value) and not (isinstance(other, Value) and self._counts(other)):
            return
        kept = other if isinstance(other, Value) else float(other)
        self.guards.append(Guard(value, op, kept, outcome, user_line()))

    def number(self, value: Any, data: float) -> None:
        if self._counts(value):
            self.guards.append(Guard(value, "", None, _exact(data), user_line()))

    def _counts(self, value: Any) -> bool:
        return (
            isinstance(value, Value)
            and not is_constant(value)
            and threading.get_ident() == self._thread
        )


@contextmanager
def watch_data(reads: Reads) -> Iterator[None]:
    """``Value.data`` told to ``reads`` in the block (but for `NODE_DATA_READS`).

    ``data`` is a slot: for the block, `Value` gets a property in its place that reads
    the slot and tells ``reads``; the class of every Value stays the same."""
    member = vars(Value)["data"]
    get, frame, inside = member.__get__, sys._getframe, NODE_DATA_READS

    def data(value: Value) -> float:
        x: float = get(value, Value)
        if frame(1).f_code not in inside:
            reads.number(value, x)
        return x

    # setattr: for type checkers, Value.data is a float
    setattr(Value, "data", property(data, member.__set__, doc=member.__doc__))  # noqa: B010
    try:
        yield
    finally:
        setattr(Value, "data", member)  # noqa: B010


class Guards:
    """The guards of one program, and the forward that evaluates them on a call.

    ``made`` lists the Values made during the trace, in order: each node among them
    that a guard reads, directly or through other nodes, is computed again by its op's
    forward; every other Value read (an argument, a parameter, a constant, a node made
    before the trace) is a `source`, read from the call's arguments or its ``.data``
    now, as in eager mode."""

    def __init__(self, guards: list[Guard], made: list[Value], inputs: list[Value]) -> None:
        self.guards = guards
        self.expected = tuple(g.expected for g in guards)
        needed = {g.value for g in guards}
        needed.update(g.other for g in guards if isinstance(g.other, Value))
        nodes = [v for v in made if v._prev]
        for v in reversed(nodes):
            if v in needed:
                needed.update(v._prev)
        steps = [v for v in nodes if v in needed]
        computed = set(steps)
        index = {v: i for i, v in enumerate(inputs)}
        self.sources = [v for v in needed if v not in computed]
        self._sources = [(v, index.get(v)) for v in self.sources]
        self._steps = [(v, op_of(v).forward, v._prev) for v in steps]  # type: ignore[union-attr]

    def outcomes(self, data: list[float]) -> tuple[bool | str, ...] | None:
        """Every guard's outcome for the arguments ``data`` (None where the forward of
        the nodes read raises: the call then runs in eager mode, which raises too)."""
        if not self.guards:
            return ()
        values = {v: data[i] if i is not None else v.data for v, i in self._sources}
        try:
            for v, forward, parents in self._steps:
                values[v] = forward(*[values[p] for p in parents])
        except (ArithmeticError, ValueError, TypeError, NotImplementedError):
            return None
        return tuple(g.outcome(values) for g in self.guards)

    def hold(self, data: list[float]) -> bool:
        """Whether every guard comes out as traced for the arguments ``data``."""
        return not self.guards or self.outcomes(data) == self.expected
