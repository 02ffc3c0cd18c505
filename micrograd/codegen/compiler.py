"""`compile`: a training step traced once and run as generated code.

`CompiledStep` traces ``fn`` on new leaf Values for each shape of arguments, watching
the Values made meanwhile (`micrograd.engine.new_leaves`) so that a leaf made from
data during the trace is refused; it has the code made (`micrograd.codegen.program`),
checks it against the engine's walk if asked, and keeps the last programs by shape.
"""

from __future__ import annotations

import contextlib
import gc
import math
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from micrograd.codegen.program import Program, make_program
from micrograd.engine import Value, new_leaves
from micrograd.gradients import Step, backprop
from micrograd.scalars import to_float

__all__ = ["CompiledStep", "compile"]


class CompiledStep:
    """``fn`` compiled to straight-line Python: ``step(*args)`` is ``out = fn(*args);
    out.backward()``, returning ``out.data``. See `compile`."""

    def __init__(self, fn: Callable[..., Any], check: bool, cache_size: int) -> None:
        self.fn = fn
        self.check = check
        self.cache_size = cache_size
        self._programs: OrderedDict[Any, Program] = OrderedDict()
        self.__doc__ = getattr(fn, "__doc__", None)
        self.__name__ = getattr(fn, "__name__", "compiled")

    def __call__(self, *args: Any) -> float:
        program = self._program(args)
        value, grads = program.results(list(_flatten(args)))
        for p, g in zip(program.params, grads):
            p.grad = g
        return value

    def source(self, *args: Any) -> str:
        """The generated source for arguments shaped like ``args`` (traced if new)."""
        return self._program(args).source

    def _program(self, args: tuple[Any, ...]) -> Program:
        """The program for the shape of ``args``: cached, else traced (and cached, the
        least recently used dropped beyond ``cache_size``)."""
        key = _structure(args, "")
        program = self._programs.get(key)
        if program is None:
            program = self._trace(args)
            self._programs[key] = program
            if len(self._programs) > self.cache_size:
                self._programs.popitem(last=False)
        else:
            self._programs.move_to_end(key)
        return program

    def _trace(self, args: tuple[Any, ...]) -> Program:
        inputs: list[Value] = []

        def leaf(x: float) -> Value:
            v = Value(x)
            inputs.append(v)
            return v

        traced = [_rebuild(a, leaf) for a in args]
        with _no_gc():  # a graph makes no cycles; collecting would only rescan it
            with new_leaves() as made:
                out = self.fn(*traced)
            if not isinstance(out, Value):
                raise TypeError(
                    f"compile: the function must return a Value, got {type(out).__name__}: "
                    f"{out!r:.60}"
                )
            program = make_program(out, inputs, getattr(self.fn, "__qualname__", "fn"))
            made_here = set(made)
            fresh = [p for p in program.params if p in made_here]
            del made, made_here  # Values of the graph, which goes below
            if self.check and not fresh:
                self._check(args, out, program)
            # the graph goes now, freed by reference counting: alive when the collector
            # is back on, it would be scanned once more as new objects
            del out, traced
        if fresh:
            raise TypeError(
                f"compile: the function made {len(fresh)} Value(s) without parents while "
                f"traced (first: {fresh[0]!r:.60}), such as Value(x.data * 2) or a result "
                "under no_grad: the code would keep their traced data on every call. Compute "
                "them with ops on the arguments, or use plain numbers for fixed numbers"
            )
        return program

    def _check(self, args: tuple[Any, ...], out: Value, program: Program) -> None:
        """Compare a run of ``program`` with the engine's walk on the same arguments.

        The reference is `backprop` with ``on_step``, which visits every node in
        `topological_order`, as the code does. (``backward`` skips the nodes behind a
        local derivative of exactly 0, such as a ReLU at a negative input, and can then
        meet a node's consumers in another order, so a sum of three or more
        contributions may round differently, by about 1e-16 relative.)
        """
        params = program.params
        eager = backprop(out, on_step=_ignore)
        expected = [eager.get(p, 0.0) for p in params]
        saved = [p.grad for p in params]
        for p in params:
            p.grad = 0.0
        try:
            value, compiled = program.results(list(_flatten(args)))
        finally:
            for p, g in zip(params, saved):
                p.grad = g
        if not _same(out.data, value):
            raise ValueError(
                f"compile(check=True): the value differs from eager mode: {out.data!r} != {value!r}"
            )
        for i, (a, b) in enumerate(zip(expected, compiled)):
            if not _same(a, b):
                raise ValueError(
                    f"compile(check=True): the gradient of leaf {i} differs from eager mode: "
                    f"{a!r} != {b!r}"
                )


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """The cyclic garbage collector paused (reference counting still frees)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _ignore(step: Step) -> None:
    """An ``on_step`` that does nothing (it makes `backprop` visit every node)."""


def _same(a: float, b: float) -> bool:
    """a == b, or both nan."""
    return a == b or (math.isnan(a) and math.isnan(b))


def compile(fn: Callable[..., Value], *, check: bool = False, cache_size: int = 16) -> CompiledStep:
    """``fn`` as straight-line Python code: ``step(*args)`` does ``out = fn(*args);
    out.backward()`` and returns ``out.data`` as a float.

    ``fn`` is traced on its first call with each argument (a number or a nested list or
    tuple of numbers) replaced by a new leaf Value. Everything else it reaches is
    captured: Values without parents (a model's parameters) stay themselves, their
    ``.data`` read on every call and their ``.grad`` accumulated into, as ``backward``
    does; constants and op parameters become literals. The forward and backward code
    is generated (see `to_python`) and compiled with Python's ``compile``.

    Branches inside ops (relu, abs, the hinge) are evaluated on every call. Python
    control flow in ``fn`` itself (``if x.data > 0``, a loop over ``.data``) is frozen
    as it went at trace time, and so is any number ``fn`` computes from ``.data``; a
    Value without parents made during the trace (``Value(x.data * 2)``, a result under
    ``no_grad``) would be frozen too, so it raises TypeError. Arguments of a new shape
    (another length) trace again; the last ``cache_size`` shapes are kept.
    ``check=True`` compares the first call of each shape against eager mode and raises
    ValueError if value or gradients are not equal: the code adds up every gradient in
    the order of the engine's backward walk, so they are equal bit for bit.

    Errors at run time are the eager engine's: the same type (ValueError for log of a
    negative number, OverflowError for exp overflowing, ZeroDivisionError), naming
    the op.

    A zero gradient passes nothing on, as in ``backward``, even through a local
    derivative that is infinite or undefined there. The code tests for that only at
    nodes of many edges (where skipping saves work); elsewhere a zero gradient times a
    finite derivative adds 0 and changes nothing. Where a step's value or a gradient
    comes out nan, or the code raises, the step is run again by the same code with a
    test at every such node (compiled on first use), whose results stand.

    Operations written once in the forward pass (a product that only a ``tanh`` reads)
    are written into the line that reads them. The code is split into functions of
    about `micrograd.codegen.assembly.CHUNK_LINES` statements: function k runs part k
    of the forward pass, calls function k + 1, then runs part k of the backward pass,
    so most values stay local variables, and a program so split adds into the
    parameters' gradients in place. Graphs of hundreds of thousands of nodes compile;
    one that Python's compiler cannot take raises ValueError.
    """
    if not callable(fn):
        raise TypeError(f"compile: expected a function, got {type(fn).__name__}")
    if not isinstance(check, bool):
        raise TypeError(f"compile: check must be True or False, got {check!r:.60}")
    if isinstance(cache_size, bool) or not isinstance(cache_size, int) or cache_size < 1:
        raise ValueError(f"compile: cache_size must be a positive int, got {cache_size!r}")
    return CompiledStep(fn, check, cache_size)


def _structure(x: Any, where: str) -> Any:
    """The shape of the arguments (nesting and lengths), TypeError for anything else."""
    if isinstance(x, tuple) and not where:
        return tuple(_structure(a, f"argument {i}") for i, a in enumerate(x))
    if isinstance(x, (list, tuple)):
        return (type(x), tuple(_structure(a, f"{where}[{i}]") for i, a in enumerate(x)))
    if x.__class__ is float:
        return None
    try:
        if isinstance(x, bool) or getattr(getattr(x, "dtype", None), "kind", "") == "b":
            raise TypeError  # a truth value is not a number here
        to_float(x)
    except TypeError:
        raise TypeError(
            f"compile: arguments must be numbers or (nested) lists of numbers, got "
            f"{type(x).__name__} at {where}: {x!r:.60}"
        ) from None
    except OverflowError:
        raise OverflowError(f"compile: {where} is too large for a float: {x!r:.60}") from None
    return None


def _flatten(x: Any) -> Iterator[float]:
    stack = [iter(x)]
    while stack:
        for item in stack[-1]:
            if isinstance(item, (list, tuple)):
                stack.append(iter(item))
                break
            yield item if item.__class__ is float else to_float(item)
        else:
            stack.pop()


@dataclass(slots=True)
class _Frame:
    """A list or tuple being rebuilt: the items still to read, the list built so far,
    the original, and where the result goes in its parent's list."""

    items: Iterator[Any]
    built: list[Any]
    original: list[Any] | tuple[Any, ...]
    parent: list[Any] | None
    index: int


def _rebuild(x: Any, leaf: Callable[[float], Value]) -> Any:
    """``x`` with every number replaced by ``leaf(number)``, lists and tuples kept
    (iteratively, so nesting depth is unlimited)."""
    if not isinstance(x, (list, tuple)):
        return leaf(to_float(x))
    top: list[Any] = []
    stack = [_Frame(iter(x), top, x, None, 0)]
    while stack:
        frame = stack[-1]
        for item in frame.items:
            if isinstance(item, (list, tuple)):
                child: list[Any] = []
                frame.built.append(child)
                stack.append(_Frame(iter(item), child, item, frame.built, len(frame.built) - 1))
                break
            frame.built.append(leaf(to_float(item)))
        else:
            stack.pop()
            if frame.parent is not None and isinstance(frame.original, tuple):
                frame.parent[frame.index] = tuple(frame.built)
    return tuple(top) if isinstance(x, tuple) else top
