"""The text of each node: its forward statement and the local derivative of each edge.

`leaves_and_order` lists a graph as the code visits it. `NodeWriter.node` writes one
node ``out = op(u, ...)`` from its op's formula text (`micrograd.codegen.text`), with
its inputs' names, or their literals for constants, filled in: the forward statement,
and for each input that takes gradient, d out / d input as text (a `Line`).
"""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from micrograd.codegen.text import (
    arithmetic,
    either,
    expression_slots,
    filled,
    literal,
    number,
    positional,
    sum_text,
    template,
)
from micrograd.engine import Value, is_constant, op_of, topological_order
from micrograd.op import Formula, Op

__all__ = ["InnerSum", "Line", "NodeWriter", "leaves_and_order"]


def leaves_and_order(root: Value) -> tuple[list[Value], list[Value]]:
    """The leaves (not constants) in order of first use, and the interior nodes in
    backward order: the engine's `topological_order`, so that the code adds up each
    node's gradient in the order ``backward`` does (the forward pass is its reverse)."""
    if not isinstance(root, Value):
        raise TypeError(f"expected a Value, got {type(root).__name__}: {root!r:.60}")
    if not root._prev:
        return ([] if is_constant(root) else [root]), []
    backward = topological_order(root)
    leaves: dict[Value, None] = {}
    for node in reversed(backward):
        for p in node._prev:
            if not p._prev and p not in leaves and not is_constant(p):
                leaves[p] = None
    return list(leaves), backward


@dataclass(frozen=True, slots=True)
class InnerSum:
    """The sum inside an op with an outer op (relu(b + w . x)): the sum's name, its
    accumulator, and the outer op's local derivative as text."""

    total: str
    delta: str
    partial: str


@dataclass(slots=True)
class Line:
    """One forward statement and the edges of the node's backward step."""

    forward: list[str]
    edges: list[tuple[Value, str]]  # (parent, d node / d parent as text)
    inner: InnerSum | None = None
    finite: bool = False  # every local derivative written is a finite number (no names)
    # the test that not every local derivative (constants' too) is 0, as the walk asks
    # before it passes a gradient on; None where one is a nonzero number
    nonzero: str | None = None
    needs: list[str] | None = None  # the names the derivatives use (None: any)
    # the forward is only + - * (on floats, it cannot raise): the precedence of its
    # outermost operation (`arithmetic`); None for any other
    precedence: int | None = None
    inlined: tuple[str, ...] = ()  # the inputs written into the forward as expressions


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A formula ready to fill in: its forward and partials as format strings with a
    numbered field for each input and then ``out``, constants pasted in."""

    forward: str
    partials: list[str]
    numbers: tuple[float | None, ...]  # each partial's `number`: None where it is not one
    used: tuple[int, ...]  # the fields that the partials use
    precedence: int | None  # the forward's, if it is plain arithmetic (`arithmetic`)
    slots: dict[int, int]  # where an input can be an expression (`expression_slots`)


class NodeWriter:
    """Writes the forward and backward text of every node of a graph."""

    def __init__(
        self,
        names: dict[Value, str],
        wants: Container[Value],
        wrap: bool = True,
        delta: str = "delta_",
    ) -> None:
        self.names = names
        self.wants = wants  # the nodes that take gradient
        self.wrap = wrap  # long sums over several lines (readable) or one
        self.delta = delta  # the prefix of an accumulator's name
        self.functions: dict[str, Any] = {}  # ops without a formula: their own functions
        # by the formula's id and the constants; the formulas are kept, so no id is reused
        self._prepared: dict[tuple[int, Any], _Prepared] = {}
        self._formulas: list[Formula] = []

    def node(
        self, node: Value, out: str, inline: Mapping[str, tuple[str, int]] | None = None
    ) -> Line:
        """The text of ``node``, named ``out``; an input named in ``inline`` (its
        expression and that expression's precedence) that no local derivative uses and
        the forward reads once is written as its expression there."""
        op = op_of(node)
        assert op is not None
        formula = op.formula
        if formula is None:
            return self._opaque(op, node, out)
        parents = node._prev
        get = self.names.get
        if formula.groups:
            return self._sum(formula, parents, out)
        atoms = [get(p) for p in parents]
        if formula.bound or None in atoms:
            constants = (
                *(None if a is not None else literal(p.data) for a, p in zip(atoms, parents)),
                *map(literal, formula.bound),
                None,
            )
        else:
            constants = None
        key = (id(formula), constants)
        prepared = self._prepared.get(key)
        if prepared is None:
            prepared = self._prepare(formula, constants)
            self._prepared[key] = prepared
        args = [*atoms, out]  # the fields of the templates: the inputs, then out
        wants = self.wants
        edges = [(p, t.format(*args)) for p, t in zip(parents, prepared.partials) if p in wants]
        numbers = prepared.numbers
        # finite where every partial that is written is (a constant's is not)
        finite = all(n is not None for p, n in zip(parents, numbers) if p in wants)
        if any(numbers):
            nonzero = None
        else:
            nonzero = _nonzero([t.format(*args) for t in prepared.partials], numbers)
            edges = edges if nonzero is not None else []
        needs = [n for n in map(args.__getitem__, prepared.used) if n is not None]
        inlined: list[str] = []
        if inline and not inline.keys().isdisjoint(atoms):
            slots = prepared.slots
            for i, a in enumerate(atoms):
                if a is not None and a in inline and i in slots and a not in needs:
                    expression, tightness = inline[a]
                    args[i] = expression if tightness >= slots[i] else f"({expression})"
                    inlined.append(a)
        text = f"{out} = {prepared.forward.format(*args)}"
        inlined_names = tuple(inlined)
        return Line([text], edges, None, finite, nonzero, needs, prepared.precedence, inlined_names)

    def _prepare(self, formula: Formula, constants: tuple[str | None, ...] | None) -> _Prepared:
        """``formula`` with ``constants`` (one per input, parameter and out; None for
        a name that stays) pasted in, ready to fill in."""
        self._formulas.append(formula)  # keeps its id unique while cached
        names = (*formula.inputs, *formula.params, "out")
        if constants is None:
            constants = (None,) * len(names)
        fields = (*formula.inputs, "out")
        forward = filled(formula.forward, names, constants)
        partials = [filled(t, names, constants) for t in formula.partials]
        used = tuple(i for i, n in enumerate(fields) if any(f"{{{n}}}" in t for t in partials))
        # the forward with the inputs' names in it (constants pasted in)
        slots = expression_slots(forward.format_map({n: n for n in names}), formula.inputs)
        return _Prepared(
            positional(forward, fields),
            [positional(t, fields) for t in partials],
            tuple(map(number, partials)),
            used,
            arithmetic(formula.forward),
            slots,
        )

    def _sum(self, formula: Formula, parents: tuple[Value, ...], out: str) -> Line:
        k = len(formula.inputs)
        m = (len(parents) - k) // len(formula.groups)
        groups = [parents[k + g * m : k + (g + 1) * m] for g in range(len(formula.groups))]
        get = self.names.get
        fixed_names = (*formula.inputs, *formula.params)
        fixed_atoms = [get(p) for p in parents[:k]]
        fixed_constants = (
            *(None if a is not None else literal(p.data) for a, p in zip(fixed_atoms, parents)),
            *map(literal, formula.bound),
        )
        fixed = dict(zip(formula.inputs, fixed_atoms))

        def fill(text: str) -> str:
            return filled(text, fixed_names, fixed_constants).format_map(fixed)

        terms = [fill(formula.forward)] if formula.forward else []
        # each row's names, and its constants (None where it has none: most rows)
        items: list[tuple[dict[str, str | None], tuple[str | None, ...] | None]] = []
        for row in zip(*groups):
            atoms = [get(p) for p in row]
            constants = (
                tuple(None if a is not None else literal(p.data) for a, p in zip(atoms, row))
                if None in atoms
                else None
            )
            items.append((dict(zip(formula.groups, atoms)), constants))
        term = formula.term
        terms += [_shaped(term, formula.groups, c).format_map(d) for d, c in items]
        total = out if formula.outer is None else f"{out}_sum"
        reduced = f"{formula.reduce}({', '.join(terms)})" if formula.reduce else ""
        lines = [f"{total} = {reduced or sum_text(terms, self.wrap)}"]
        partials = [(p, fill(t)) for p, t in zip(parents, formula.partials[:k])]
        group_names = (*formula.groups, "out") if formula.reduce else formula.groups
        if formula.reduce:  # a group's partial may read the output
            items = [({**d, "out": out}, c and (*c, None)) for d, c in items]
        for g, group in enumerate(groups):
            text = formula.partials[k + g]
            partials += [
                (p, _shaped(text, group_names, c).format_map(d)) for p, (d, c) in zip(group, items)
            ]
        line = _line(lines, partials, self.wants)
        if formula.outer is None:
            return line
        outer = formula.outer
        names = {outer.inputs[0]: total, "out": out}
        lines.append(f"{out} = {template(outer.forward, tuple(names)).format_map(names)}")
        partial = template(outer.partials[0], tuple(names)).format_map(names)
        line.inner = InnerSum(total, f"{self.delta}{total}", partial)
        return line

    def _opaque(self, op: Op, node: Value, out: str) -> Line:
        """An op declared with functions, not text: call its own functions (TypeError
        for one without a forward function, made the lecture's way)."""
        try:
            op.forward(*(p.data for p in node._prev))
        except NotImplementedError as error:
            raise TypeError(
                f"op {op.name!r} cannot be compiled or written out: {error}; declare it "
                "with micrograd.primitive or Op.declare"
            ) from None
        except (ArithmeticError, ValueError):
            pass  # the forward raises here as it would in eager mode
        key = f"_op{id(op)}"
        self.functions[f"{key}_forward"] = op.forward
        self.functions[f"{key}_partials"] = op.partials
        args = ", ".join(self.names.get(p) or literal(p.data) for p in node._prev)
        partials = [(p, f"{key}_partials({out}, {args})[{i}]") for i, p in enumerate(node._prev)]
        return _line([f"{out} = {key}_forward({args})"], partials, self.wants)


def _shaped(text: str, names: tuple[str, ...], constants: tuple[str | None, ...] | None) -> str:
    """`filled`, for a row of a sum whose ``constants`` may be None: no constants."""
    return template(text, names) if constants is None else filled(text, names, constants)


def _line(forward: list[str], partials: list[tuple[Value, str]], wants: Container[Value]) -> Line:
    """The `Line` of ``forward`` with the local derivative of each parent, ``partials``:
    an edge for each parent in ``wants``, and none if every local derivative is 0."""
    edges = [(p, t) for p, t in partials if p in wants]
    finite = all(number(t) is not None for _, t in edges)
    if any(number(t) for _, t in partials):  # a nonzero number: never all 0
        return Line(forward, edges, finite=finite)
    nonzero = _nonzero([t for _, t in partials], [number(t) for _, t in partials])
    return Line(forward, edges if nonzero is not None else [], finite=finite, nonzero=nonzero)


def _nonzero(partials: list[str], numbers: Sequence[float | None]) -> str | None:
    """The test that not every one of ``partials`` is 0, where none is a nonzero number
    (their `number`s given); None where every one is 0: the step passes nothing."""
    unknown = [t for t, n in zip(partials, numbers) if n is None]
    return either(unknown) if unknown else None
