"""`compile`: a training step traced once and run as generated code.

`CompiledStep` traces ``fn`` on new leaf Values for each shape of arguments, watching
the Values made meanwhile (`micrograd.engine.watch_values`) and the numbers ``fn``
reads from them (`micrograd.codegen.guards`); it has the code made
(`micrograd.codegen.program`), checks it against a run of ``fn`` in eager mode if
asked, and keeps a few guarded programs per shape for the last shapes.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from micrograd.codegen.guards import Guards, Reads, user_line, watch_data
from micrograd.codegen.program import Program, make_program
from micrograd.conventions import watch_reads
from micrograd.engine import (
    Value,
    enable_grad,
    is_constant,
    is_grad_enabled,
    topological_order,
    watch_values,
)
from micrograd.gradients import backprop
from micrograd.scalars import to_float

__all__ = ["PROGRAMS_PER_SHAPE", "CompiledStep", "compile"]

#: How many programs, each with its own guards, a shape of arguments keeps at most.
PROGRAMS_PER_SHAPE = 4


@dataclass(slots=True)
class _Traced:
    """A program and the guards under which it computes what ``fn`` computes."""

    program: Program
    guards: Guards


class CompiledStep:
    """``fn`` compiled to straight-line Python: ``step(*args)`` is ``out = fn(*args);
    out.backward()``, returning ``out.data``. See `compile`."""

    def __init__(self, fn: Callable[..., Any], check: bool, cache_size: int) -> None:
        self.fn = fn
        self.check = check
        self.cache_size = cache_size
        self._programs: OrderedDict[Any, list[_Traced]] = OrderedDict()
        # by shape: the guards' outcomes of the last call that ran in eager mode
        self._missed: dict[Any, tuple[Any, ...]] = {}
        self.__doc__ = getattr(fn, "__doc__", None)
        self.__name__ = getattr(fn, "__name__", "compiled")

    def __call__(self, *args: Any) -> float:
        key = _structure(args)
        data = list(_flatten(args))
        programs = self._traced(key, args)
        for traced in programs:
            if traced.guards.hold(data):
                return self._run(traced.program, data, args)
        outcomes = tuple(traced.guards.outcomes(data) for traced in programs)
        if self._missed.pop(key, None) != outcomes or len(programs) >= PROGRAMS_PER_SHAPE:
            self._missed[key] = outcomes
            return self._eager(args)
        programs.append(self._trace(args))  # the same miss twice: a program for it too
        if programs[-1].guards.hold(data):
            return self._run(programs[-1].program, data, args)
        return self._eager(args)

    def source(self, *args: Any) -> str:
        """The generated source for arguments shaped like ``args`` (traced if new)."""
        return self._traced(_structure(args), args)[0].program.source

    def guards(self, *args: Any) -> list[str]:
        """What the programs for arguments shaped like ``args`` (traced if new) check on
        each call: each number ``fn`` read from a Value while traced, and where."""
        return [
            str(g) for traced in self._traced(_structure(args), args) for g in traced.guards.guards
        ]

    def _traced(self, key: Any, args: tuple[Any, ...]) -> list[_Traced]:
        """The programs for the shape ``key``: cached, else traced (and cached, the
        least recently used shape dropped beyond ``cache_size``)."""
        programs = self._programs.get(key)
        if programs is None:
            programs = [self._trace(args)]
            self._programs[key] = programs
            if len(self._programs) > self.cache_size:
                dropped, _ = self._programs.popitem(last=False)
                self._missed.pop(dropped, None)
        else:
            self._programs.move_to_end(key)
        return programs

    def _run(self, program: Program, data: list[float], args: tuple[Any, ...]) -> float:
        """``program`` on ``data``, its gradients into the parameters' ``.grad``; under
        `no_grad` the value alone (an error of the code: eager mode's forward decides)."""
        if not is_grad_enabled():
            try:
                value, _ = program.results(data)
            except (ArithmeticError, ValueError):
                return self._eager(args)
            return value
        value, grads = program.results(data)
        for p, g in zip(program.params, grads):
            p.grad = g
        return value

    def _eager(self, args: tuple[Any, ...]) -> float:
        """``out = fn(*args); out.backward()`` on new leaf Values (no backward under
        `no_grad`): what the compiled step stands for, without code."""
        out = _returned(self.fn(*(_rebuild(a, Value) for a in args)))
        if is_grad_enabled():
            out.backward()
        return out.data

    def _trace(self, args: tuple[Any, ...]) -> _Traced:
        """``fn`` traced on new leaves for ``args``: its program and guards (TypeError for
        what cannot be compiled)."""
        inputs: list[Value] = []

        def leaf(x: float) -> Value:
            v = Value(x)
            inputs.append(v)
            return v

        made: list[Value] = []
        under_no_grad: dict[Value, str] = {}

        def seen(v: Value, by_op: bool) -> None:
            made.append(v)
            if by_op and not is_grad_enabled():
                under_no_grad[v] = user_line()

        traced = [_rebuild(a, leaf) for a in args]
        reads = Reads()
        with enable_grad(), watch_values(seen), watch_reads(reads), watch_data(reads):
            out = _returned(self.fn(*traced))
        made_here = set(made)
        _refuse_older_nodes(out, made_here)
        program = make_program(out, inputs, getattr(self.fn, "__qualname__", "fn"))
        guards = Guards(reads.guards, made, inputs)
        frozen = [
            v
            for v in (*program.params, *guards.sources)
            if v in under_no_grad and not is_constant(v)
        ]
        where = under_no_grad[frozen[0]] if frozen else ""
        constants = {p for p in program.params if p in made_here}  # Value(0.0) in fn
        made.clear()  # Values of the graph, which goes below
        under_no_grad.clear()
        del made_here, reads
        if self.check and not frozen:
            self._check(args, program, constants)
        del out, traced  # the graph goes now, freed by reference counting
        if frozen:
            raise TypeError(
                f"compile: the function computed {len(frozen)} Value(s) under no_grad while "
                f"traced and used them (first: {frozen[0]!r:.60}, made at {where}): their "
                "data comes from traced Values, and the code would keep it as traced on "
                "every call. Compute them with gradients on, or from plain numbers"
            )
        return _Traced(program, guards)

    def _check(self, args: tuple[Any, ...], program: Program, constants: set[Value]) -> None:
        """Compare a run of ``program`` with ``fn`` run again in eager mode on new leaf
        Values, its gradients from `backprop` (the engine's walk, as ``backward``). The
        ``constants`` (Values without parents that ``fn`` makes) are new in each run:
        not compared."""
        with enable_grad():
            eager_out = _returned(self.fn(*(_rebuild(a, Value) for a in args)))
        eager = backprop(eager_out)
        params = program.params
        saved = [p.grad for p in params]
        for p in params:
            p.grad = 0.0
        try:
            value, compiled = program.results(list(_flatten(args)))
        finally:
            for p, g in zip(params, saved):
                p.grad = g
        if not _same(eager_out.data, value):
            raise ValueError(
                f"compile(check=True): the value differs from eager mode: "
                f"{eager_out.data!r} != {value!r}"
            )
        for i, (p, b) in enumerate(zip(params, compiled)):
            a = eager.get(p, 0.0)
            if not _same(a, b) and p not in constants:
                raise ValueError(
                    f"compile(check=True): the gradient of leaf {i} differs from eager mode: "
                    f"{a!r} != {b!r}"
                )


def _same(a: float, b: float) -> bool:
    """a and b equal bit for bit (0.0 and -0.0 differ), or both nan."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def compile(fn: Callable[..., Value], *, check: bool = False, cache_size: int = 16) -> CompiledStep:
    """``fn`` as straight-line Python code: ``step(*args)`` does ``out = fn(*args);
    out.backward()`` and returns ``out.data`` as a float (under `no_grad`: the value
    alone, no ``.grad`` changed).

    ``fn`` is traced on its first call with each argument (a number or a nested list or
    tuple of numbers) replaced by a new leaf Value. Everything else it reaches is
    captured: Values without parents (a model's parameters) stay themselves, their
    ``.data`` read on every call and their ``.grad`` accumulated into, as ``backward``
    does; constants, op parameters, plain numbers that ``fn`` takes from elsewhere and
    Values that it makes from them (``Value(0.0)``) become literals: pass a number that
    changes between calls as an argument. The forward and backward code is generated (see
    `to_python`) and compiled with Python's ``compile``. Branches inside ops (relu,
    abs, the hinge, the losses' stable forms) are evaluated on every call.

    Guards. Numbers that ``fn`` reads from Values while traced are checked again on
    every call, before any ``.grad`` is written: comparisons (``<``, ``<=``, ``>``,
    ``>=``, so ``max``, ``min``, ``sorted``) must come out as traced; ``float``,
    ``int``, ``round``, ``math.floor``/``ceil``/``trunc``, ``format`` with a spec and
    ``.data`` must give the same number bit for bit. Where a guard fails, that call runs
    ``fn`` and ``backward`` in eager mode (the same result by construction); where the
    same failure comes again, ``fn`` is traced for it too, up to `PROGRAMS_PER_SHAPE`
    programs per shape of arguments; `CompiledStep.guards` lists them. Arguments of a
    new shape (another length) trace again; the last ``cache_size`` shapes are kept.

    Refused with TypeError: a node computed before the trace that ``fn`` uses (eager
    mode uses its stored data; compute it inside ``fn`` or ``.detach()`` it), and a
    result computed under ``no_grad`` during the trace that the code or a guard would
    use (its data came from traced Values; the error names where it was made).

    ``check=True`` runs ``fn`` again in eager mode on new leaves at the first call of
    each program and raises ValueError if the value or a gradient differs: the code adds
    up every gradient in the order of the engine's backward walk, so they are equal bit
    for bit.

    Errors at run time are the eager engine's: the same type (ValueError for log of a
    negative number, OverflowError for exp overflowing, ZeroDivisionError), naming
    the op. What a compiled call skips compared with eager mode: an op whose result
    does not reach ``out`` is not in the code, so its error is not raised; a local
    derivative with respect to an argument or a constant is evaluated only where the
    test below needs it; and, as in ``backward``, a zero gradient passes nothing on, so
    a local derivative behind it is not evaluated, even where it is infinite or
    undefined. As in ``backward``, a node passes nothing where its gradient is 0 or its
    local derivatives are all 0 (`micrograd.codegen.steps.passes`). The code tests that
    only at nodes of many edges (where skipping saves work); elsewhere the plain
    products differ from it only by a nan (0 times an infinite derivative, an infinite
    gradient times 0) or an error. Where a step's value or a gradient comes out nan, or
    the code raises, the step is run again by the same code with every test in place
    (compiled on first use), whose results stand: bit for bit those of ``backward``.

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


def _structure(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """The shape of the arguments: the type and length of each list or tuple and None for
    each number, in order (iteratively: nesting depth is unlimited); TypeError for
    anything else."""
    key: list[Any] = [len(args)]
    stack = [(iter(enumerate(args)), "argument {}")]
    while stack:
        items, where = stack[-1]
        for i, x in items:
            if isinstance(x, (list, tuple)):
                key.append((type(x), len(x)))
                stack.append((iter(enumerate(x)), f"{where.format(i)}[{{}}]"))
                break
            key.append(None)
            if x.__class__ is not float:
                _check_number(x, where.format(i))
        else:
            stack.pop()
    return tuple(key)


def _check_number(x: Any, where: str) -> None:
    """TypeError unless ``x`` is a real number (a truth value is not), OverflowError if
    it is too large for a float."""
    try:
        if isinstance(x, bool) or getattr(getattr(x, "dtype", None), "kind", "") == "b":
            raise TypeError
        to_float(x)
    except TypeError:
        raise TypeError(
            f"compile: arguments must be numbers or (nested) lists of numbers, got "
            f"{type(x).__name__} at {where}: {x!r:.60}"
        ) from None
    except OverflowError:
        raise OverflowError(f"compile: {where} is too large for a float: {x!r:.60}") from None


def _returned(out: Any) -> Value:
    """``fn``'s result, TypeError unless it is a Value."""
    if not isinstance(out, Value):
        raise TypeError(
            f"compile: the function must return a Value, got {type(out).__name__}: {out!r:.60}"
        )
    return out


def _refuse_older_nodes(out: Value, made: set[Value]) -> None:
    """TypeError where ``out``'s graph has a node computed before the trace: the code
    would compute it again from its inputs on every call, eager mode uses its data."""
    older = next((v for v in topological_order(out) if v not in made), None)
    if older is not None:
        raise TypeError(
            f"compile: the function uses {older!r:.60}, the result of op {older._op!r} "
            "computed before the trace: the compiled code would compute it again on every "
            "call, eager mode uses its stored data. Compute it inside the function, or "
            "use .detach() to make it a leaf"
        )


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
