"""A graph's compiled program: generated, compiled with Python's compiler, and run.

`make_program` names every value (``a0`` for the arguments, ``p0`` for the captured
leaves, ``v0`` for the nodes, ``d...`` for the accumulators), writes each node's forward
and backward groups (`micrograd.codegen.groups`), assembles them into functions
(`micrograd.codegen.assembly`) and compiles them. A `Program` runs them on the
arguments' numbers and the parameters' ``.data`` and ``.grad``; where its results are
nan or it raises, it hands over to the exact program, which tests every step as the
engine's walk does.
"""

from __future__ import annotations

import builtins
import functools
import math
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from types import CodeType, TracebackType
from typing import Any

from micrograd.codegen.assembly import Code, assemble, may_split
from micrograd.codegen.groups import backward_groups, consumers, forward_groups
from micrograd.codegen.nodes import NodeWriter, leaves_and_order
from micrograd.codegen.scope import Global, formula_globals
from micrograd.engine import Value

__all__ = ["Program", "make_program"]

_FUNCTION = re.compile(r"\n(?=def )")  # where the next function of generated code starts
_counter = iter(range(sys.maxsize))

Run = Callable[[list[float]], tuple[float, list[float]]]  # the value, the params' grads


@dataclass
class Program:
    """The compiled code of one argument structure, with what it needs to run."""

    run: Run
    lines: list[str]  # the op of each line of the source (for error messages)
    source: str
    filename: str
    params: list[Value]  # the captured leaves, in the order the code reads them
    # the program that tests gradients for zero wherever `backprop` would need to (built
    # on first use); None where that is this program
    exact: Callable[[], Program] | None = None

    def results(self, data: list[float]) -> tuple[float, list[float]]:
        """The value and the params' new gradients for the arguments ``data``: from this
        program, or from the `exact` one where this one gives nan or raises."""
        if self.exact is not None:
            try:
                value, grads = self.run(data)
            except (ArithmeticError, ValueError):
                pass
            else:
                if not math.isnan(sum(grads, value)):
                    return value, grads
            return self.exact().results(data)
        try:
            return self.run(data)
        except (ArithmeticError, ValueError) as error:
            raise _retold(error, self) from None


@dataclass(slots=True)
class _Layout:
    """How the code's first function gets its names and gives its results: ``initial``
    (the first items of ``_state``: the arguments, the parameters' data and, in one
    function, their gradients), ``finals`` (the names of the results), ``tail`` (the
    value of a constant root, which has no name) and, where the code adds into the
    gradients in place (``in_place``), ``lists``: the accumulators, items of ``_g``."""

    initial: list[str]
    finals: list[str]
    lists: set[str]
    tail: list[float]
    in_place: bool


def make_program(root: Value, inputs: list[Value], what: str) -> Program:
    """Generate and compile the code of ``root``'s graph with ``inputs`` as the arguments.

    As in `backprop`, a node passes nothing where its gradient is 0 or its local
    derivatives are all 0 (`micrograd.codegen.steps.passes`). The code tests a
    gradient for zero only at nodes of many edges
    (`micrograd.codegen.groups.backward_group`); elsewhere the plain products pass on
    ±0 (which changes no sum), or nan (0 times an infinite derivative, an infinite
    gradient times 0), or raise (a derivative not defined at that point). So the
    program comes with an exact one, the same code with every test
    (`Program.exact`), compiled on first use, which gives the results where the fast
    one gives nan or raises."""
    leaves, backward = leaves_and_order(root)
    found = formula_globals(backward)
    given = set(inputs)
    params = [v for v in leaves if v not in given]
    # A program split into functions adds into the parameters' gradients in place, in a
    # list (``_g[i]``): passing them from one function to the next would cost more.
    # One function keeps them in local variables (faster).
    in_place = may_split(len(backward))
    names = _names(inputs, params, backward)
    if in_place:
        deltas = {v: f"_g[{i}]" for i, v in enumerate(params)}
    else:
        deltas = {v: f"dp{i}" for i, v in enumerate(params)}
    # short names, to give Python's compiler less to read: a0, p0, v0 and dp0, dv0
    writer = NodeWriter(names, {*params, *backward}, wrap=False, delta="d")
    uses = consumers(backward)
    lines, forward = forward_groups(backward[::-1], names, writer, uses)
    steps, zeros = backward_groups(backward, root, params, names, deltas, lines, uses, writer.delta)
    layout = _layout(root, inputs, params, names, list(deltas.values()), in_place)
    namespace = _namespace(found, writer.functions)
    # what is done with goes before the next step needs memory
    del lines, writer, names
    code = assemble(
        len(backward), forward, steps, layout.initial, zeros, layout.finals, layout.lists
    )
    del forward, steps
    build = functools.partial(_build, code, namespace, params, layout, what)
    program = build(code.source, code.ops)
    if code.guards:
        program.exact = functools.cache(lambda: build(*code.exact_source()))
    return program


def _names(inputs: list[Value], params: list[Value], backward: list[Value]) -> dict[Value, str]:
    """``a0, a1, ...`` for the arguments, ``p0, ...`` for the parameters, ``v0, ...``
    for the nodes in backward order."""
    names: dict[Value, str] = {}
    for i, v in enumerate(inputs):
        names[v] = f"a{i}"
    names.update((v, f"p{i}") for i, v in enumerate(params))
    for i, v in enumerate(backward):
        names[v] = f"v{i}"
    return names


def _layout(
    root: Value,
    inputs: list[Value],
    params: list[Value],
    names: dict[Value, str],
    deltas: list[str],
    in_place: bool,
) -> _Layout:
    """Where the names and results of the code go in ``_state`` (see `_Layout`)."""
    initial = [names[v] for v in inputs]
    finals = [names.get(root, "")]
    if in_place:
        initial = ["_g", *initial, *(names[v] for v in params)]
        lists = set(deltas)
    else:
        initial += [*(names[v] for v in params), *deltas]
        finals = [*deltas, *finals]
        lists = set()
    tail = [] if root in names else [root.data]  # a constant: no name, a slot of its own
    if tail:
        initial.append("")
    return _Layout(initial, finals, lists, tail, in_place)


def _namespace(found: dict[str, Global], functions: dict[str, Any]) -> dict[str, Any]:
    """The globals of the code: the names the formulas use, and the functions of ops
    declared without formula text."""
    namespace = {n: g.value for n, g in found.items()}
    namespace.update(functions)
    return namespace


def _build(
    code: Code,
    namespace: dict[str, Any],
    params: list[Value],
    layout: _Layout,
    what: str,
    source: str,
    ops: list[str],
) -> Program:
    """``source`` (the code's own, or its exact form) compiled into a `Program`."""
    filename = f"<micrograd.compile {what} #{next(_counter)}>"
    scope = {**namespace, **code.getters}
    for function in _compile_source(source, filename, code.nodes):
        exec(function, scope)
    first_chunk = scope["_chunk0"]
    grad_slots, value_slot = code.slots[:-1], code.slots[-1]
    tail = layout.tail

    if layout.in_place:

        def run(data: list[float]) -> tuple[float, list[float]]:
            grads = [*map(_grad_of, params)]
            state: list[Any] = [grads, *data, *map(_data_of, params), *tail]
            first_chunk(state)
            return state[value_slot], grads

    else:

        def run(data: list[float]) -> tuple[float, list[float]]:
            state = [*data, *map(_data_of, params), *map(_grad_of, params), *tail]
            first_chunk(state)
            return state[value_slot], [state[i] for i in grad_slots]

    return Program(run, ops, source, filename, params)


def _data_of(v: Value) -> float:
    return v.data


def _grad_of(v: Value) -> float:
    grad: float = v.grad
    return grad


def _compile_source(source: str, filename: str, n_nodes: int) -> list[CodeType]:
    """Each function of ``source`` compiled on its own, so that Python's compiler holds
    one function's syntax tree at a time; the line numbers are those of ``source``."""
    codes = []
    line = 0
    try:
        for part in _FUNCTION.split(source):
            codes.append(builtins.compile("\n" * line + part, filename, "exec"))
            line += part.count("\n") + 1
        return codes
    except (RecursionError, MemoryError, SyntaxError) as error:
        raise ValueError(
            f"compile: the graph of {n_nodes:,} nodes is too large for Python's compiler "
            f"({type(error).__name__}: {error})"
        ) from None


def _retold(error: BaseException, program: Program) -> BaseException:
    """``error`` from the generated code, with the op of the failing line in its message."""
    tb: TracebackType | None = error.__traceback__
    line = 0
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == program.filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    op = program.lines[line - 1] if 0 < line <= len(program.lines) else ""
    message = str(error)
    if not op or message.startswith(f"{op}:"):
        return error
    try:
        retold = type(error)(f"{op}: {message}")
    except TypeError:
        return error
    retold.__cause__ = error
    return retold
