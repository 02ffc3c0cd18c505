"""Backprop as code: a graph written out as a Python function, and a compiled training step.

`to_python(root)` returns the source of one function that does, for the graph of
``root``, what backpropagation does by hand: the forward pass one op per line in
topological order, then the backward pass in reverse order with one accumulator
``delta_u`` = d root / d u per node, ``+=`` where u feeds several ops (the fork rule)
and each local derivative written as its op's formula from the op table:

>>> from micrograd import Value
>>> x = Value(3.0, label='x'); y = Value(-4.0, label='y')
>>> print(to_python(x * y + x))                               # doctest: +NORMALIZE_WHITESPACE
def forward_backward(x, y):
    # forward pass
    v0 = x * y
    v1 = v0 + x
    # backward pass: delta_u = d v1 / d u
    # v1 = v0 + x
    delta_v0 = 1.0
    delta_x = 1.0
    # v0 = x * y
    delta_x += delta_v0 * y  # x feeds several ops: add to its accumulator
    delta_y = delta_v0 * x
    return v1, (delta_x, delta_y)

`compile(fn)` turns ``out = fn(*args); out.backward()`` into such code, compiled once,
with the model's parameters read from and written to their Values on every call.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import functools
import gc
import keyword
import math
import operator
import re
import string
import sys
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Container, Iterator, Mapping
from dataclasses import dataclass
from itertools import chain
from types import CodeType, TracebackType
from typing import Any

from micrograd.engine import Value, is_constant, op_of, topological_order
from micrograd.gradients import Step, backprop
from micrograd.op import Formula, Op
from micrograd.scalars import to_float

__all__ = ["CompiledStep", "compile", "to_python"]

_builtin_compile = builtins.compile
_IDENTIFIER = re.compile(r"(?<![\w.])([A-Za-z_]\w*)")
_POSITIONAL = re.compile(r"v\d+")
_FUNCTION = re.compile(r"\n(?=def )")  # where the next function of generated code starts
TERMS_PER_LINE = 64  # to_python writes a long sum over lines of this many terms


# ---------------------------------------------------------------------------
# Text of one op
# ---------------------------------------------------------------------------


def _literal(x: float) -> str:
    """``x`` as source that evaluates to exactly ``x`` (repr round-trips a float)."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "(-inf)"
    text = repr(x)
    return f"({text})" if text.startswith("-") else text


@functools.lru_cache(maxsize=4096)
def _template(text: str, names: tuple[str, ...]) -> str:
    """``text`` as a format string with a field for each of ``names``."""
    keep = set(names)

    def field(match: re.Match[str]) -> str:
        name = match.group(1)
        return f"{{{name}}}" if name in keep else name

    return _IDENTIFIER.sub(field, text.replace("{", "{{").replace("}", "}}"))


_PLACEHOLDER = re.compile(r"_slot(\d+)_")


@functools.lru_cache(maxsize=8192)
def _filled(text: str, names: tuple[str, ...], constants: tuple[str | None, ...]) -> str:
    """``text`` as a format string with a field for each of ``names`` whose constant is
    None; the others are replaced by their constant (a literal) and folded."""
    if not any(c is not None for c in constants):
        return _template(text, names)
    slots = {
        n: c if c is not None else f"_slot{i}_" for i, (n, c) in enumerate(zip(names, constants))
    }
    folded = _fold(_template(text, names).format_map(slots))
    folded = folded.replace("{", "{{").replace("}", "}}")
    return _PLACEHOLDER.sub(lambda m: f"{{{names[int(m.group(1))]}}}", folded)


class _Folder(ast.NodeTransformer):
    """Folds arithmetic on float constants, and a conditional with a constant test."""

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        return _constant(node) if _all_constant(node.left, node.right) else node

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.USub) and _all_constant(node.operand):
            return node  # keep negative literals as they are written
        return _constant(node) if _all_constant(node.operand) else node

    def visit_IfExp(self, node: ast.IfExp) -> ast.AST:
        self.generic_visit(node)
        if _all_constant(node.test):
            test = eval(ast.unparse(node.test))  # a constant: no names
            return node.body if test else node.orelse
        return node


def _all_constant(*nodes: ast.AST) -> bool:
    return all(
        isinstance(n, ast.Constant)
        or (isinstance(n, ast.UnaryOp) and isinstance(n.operand, ast.Constant))
        for n in nodes
    )


def _constant(node: ast.expr) -> ast.expr:
    """The value of a constant expression, or the expression if it raises."""
    try:
        value = eval(ast.unparse(node))  # floats only: no names
    except (ArithmeticError, ValueError, TypeError):
        return node
    if not isinstance(value, float) or math.isnan(value) or math.isinf(value):
        return node
    return ast.parse(_literal(value), mode="eval").body


def _fold(text: str) -> str:
    tree = _Folder().visit(ast.parse(text, mode="eval"))
    return ast.unparse(tree)


_NUMBER = frozenset("0123456789.e+-")


def _factor(text: str) -> str:
    """``text`` ready to be multiplied: in parentheses unless it is a name or a number."""
    if text.isidentifier() or (text[:1].isdigit() and _NUMBER.issuperset(text)):
        return text
    return f"({text})"


def _times(delta: str | None, partial: str) -> str:
    """delta * partial, written without the multiplications that are exact no-ops
    (``delta`` None is the root's seed 1.0; a partial 1.0 or -1.0 multiplies by one)."""
    if delta is None:
        return partial
    if partial == "1.0":
        return delta
    if partial == "-1.0":
        return f"-{delta}"
    return f"{delta} * {_factor(partial)}"


def _sum_text(terms: list[str], wrap: bool) -> str:
    """The sum of ``terms`` as the op's float function adds them: ``sum(rest, first)``
    (so that, where Python's ``sum`` of floats is compensated, it rounds the same)."""
    if len(terms) == 1:
        return terms[0]
    if not wrap or len(terms) <= TERMS_PER_LINE:
        rest = ", ".join(terms[1:])
    else:
        rows = [
            ", ".join(terms[i : i + TERMS_PER_LINE]) for i in range(1, len(terms), TERMS_PER_LINE)
        ]
        rest = "\n        " + ",\n        ".join(rows) + ",\n    "
    comma = "," if len(terms) == 2 else ""
    return f"sum(({rest}{comma}), {terms[0]})"


@dataclass(slots=True)
class _Line:
    """One forward statement and the edges of the node's backward step."""

    forward: list[str]
    edges: list[tuple[Value, str]]  # (parent, d node / d parent as text)
    inner: tuple[str, str, str] | None = None  # (sum's name, its delta, outer partial)
    finite: bool = False  # every local derivative is a finite number (no names)
    needs: list[str] | None = None  # the names the derivatives use (None: any)
    # the forward is only + - * (on floats, it cannot raise): the precedence of its
    # outermost operation (`_PRECEDENCE`); None for any other
    precedence: int | None = None
    inlined: tuple[str, ...] = ()  # the inputs written into the forward as expressions


_ARITHMETIC = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Name, ast.Constant, ast.Load)
_ARITHMETIC_OPS = (ast.Add, ast.Sub, ast.Mult, ast.USub, ast.UAdd)
# how tightly Python binds an expression's outermost operation
_PRECEDENCE = {ast.Add: 1, ast.Sub: 1, ast.Mult: 2, ast.UnaryOp: 3, ast.Name: 4, ast.Constant: 4}


def _precedence(node: ast.expr) -> int:
    return _PRECEDENCE[type(node.op) if isinstance(node, ast.BinOp) else type(node)]


def _arithmetic(text: str) -> int | None:
    """If ``text`` is only ``+ - *`` on names and numbers (on floats: never raises), the
    precedence of its outermost operation; else None."""
    tree = ast.parse(text, mode="eval")
    if all(isinstance(n, (*_ARITHMETIC, *_ARITHMETIC_OPS)) for n in ast.walk(tree)):
        return _precedence(tree.body)
    return None


def _slots(text: str, inputs: tuple[str, ...]) -> dict[int, int]:
    """For each input that ``text`` reads once, where an expression could stand: the
    least precedence such an expression may have to be written there without
    parentheses (0 in a call's arguments; a sum on the right of ``-`` needs them)."""
    tree = ast.parse(text, mode="eval")
    places: dict[str, list[int | None]] = {name: [] for name in inputs}
    for parent in ast.walk(tree):
        for child in ast.iter_child_nodes(parent):
            if isinstance(child, ast.Name) and child.id in places:
                if isinstance(parent, (ast.Call, ast.Expression)):
                    places[child.id].append(0)
                elif isinstance(parent, ast.BinOp) and type(parent.op) in _PRECEDENCE:
                    # left to right: a + b - c is (a + b) - c, but a - (b - c) is not
                    places[child.id].append(_precedence(parent) + (child is parent.right))
                elif isinstance(parent, ast.UnaryOp):
                    places[child.id].append(_precedence(parent))
                else:
                    places[child.id].append(None)  # a test, a subscript: keep it whole
    return {
        i: found[0]
        for i, name in enumerate(inputs)
        if len(found := places[name]) == 1 and found[0] is not None
    }


def _finite(text: str) -> bool:
    """Whether ``text`` (a partial, constants pasted in) is a finite number whatever the
    values: no names, no fields (any value, even a parameter's, can be infinite)."""
    return "{" not in text and not _IDENTIFIER.search(text)


# a formula ready to fill in (``str.format`` with the inputs, then out): forward,
# partials, whether they are finite, the fields they use, the forward's precedence if it
# is plain arithmetic, where an input can be an expression (`_slots`)
_Prepared = tuple[
    str, list[str], bool | tuple[bool, ...], tuple[int, ...], int | None, dict[int, int]
]


def _positional(template: str, fields: tuple[str, ...]) -> str:
    """A format string with named fields (`_template`) with each field ``fields[i]``
    numbered ``{i}`` instead."""
    number = {name: i for i, name in enumerate(fields)}
    parts = []
    for literal, field, _, _ in string.Formatter().parse(template):
        parts.append(literal.replace("{", "{{").replace("}", "}}"))
        if field is not None:
            parts.append(f"{{{number[field]}}}")
    return "".join(parts)


class _Writer:
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
        self._prepared: dict[tuple[int, Any], _Prepared] = {}
        self._formulas: list[Formula] = []

    def node(
        self, node: Value, out: str, inline: Mapping[str, tuple[str, int]] | None = None
    ) -> _Line:
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
                *(None if a is not None else _literal(p.data) for a, p in zip(atoms, parents)),
                *map(_literal, formula.bound),
                None,
            )
        else:
            constants = None
        key = (id(formula), constants)
        prepared = self._prepared.get(key)
        if prepared is None:
            prepared = self._prepare(formula, constants)
            self._prepared[key] = prepared
        forward, partials, finites, used, precedence, slots = prepared
        args = [*atoms, out]  # the fields of the templates: the inputs, then out
        wants = self.wants
        edges = [(p, t.format(*args)) for p, t in zip(parents, partials) if p in wants]
        # finite where every partial that is written is (a constant's is not)
        finite = finites is True or (
            finites is not False and all(f for p, f in zip(parents, finites) if p in wants)
        )
        needs = [n for n in map(args.__getitem__, used) if n is not None]
        inlined: list[str] = []
        if inline and not inline.keys().isdisjoint(atoms):
            for i, a in enumerate(atoms):
                if a is not None and a in inline and i in slots and a not in needs:
                    expression, tightness = inline[a]
                    args[i] = expression if tightness >= slots[i] else f"({expression})"
                    inlined.append(a)
        text = f"{out} = {forward.format(*args)}"
        return _Line([text], edges, None, finite, needs, precedence, tuple(inlined))

    def _prepare(self, formula: Formula, constants: tuple[str | None, ...] | None) -> _Prepared:
        """A formula's forward and partials as format strings with a numbered field for
        each input and then ``out``, constants pasted in; whether every partial is
        `_finite` (True, False, or which are); the fields that the partials use; the
        forward's precedence if it is plain arithmetic (`_arithmetic`); where an input
        can be an expression (`_slots`)."""
        self._formulas.append(formula)  # keeps its id unique while cached
        names = (*formula.inputs, *formula.params, "out")
        if constants is None:
            constants = (None,) * len(names)
        fields = (*formula.inputs, "out")
        filled = _filled(formula.forward, names, constants)
        forward = _positional(filled, fields)
        partials = [_filled(t, names, constants) for t in formula.partials]
        each = tuple(map(_finite, partials))
        finite: bool | tuple[bool, ...] = all(each) or (any(each) and each)
        used = tuple(i for i, n in enumerate(fields) if any(f"{{{n}}}" in t for t in partials))
        partials = [_positional(t, fields) for t in partials]
        # the forward with the inputs' names in it (constants pasted in)
        slots = _slots(filled.format_map({n: n for n in names}), formula.inputs)
        return forward, partials, finite, used, _arithmetic(formula.forward), slots

    def _sum(self, formula: Formula, parents: tuple[Value, ...], out: str) -> _Line:
        k = len(formula.inputs)
        m = (len(parents) - k) // len(formula.groups)
        groups = [parents[k + g * m : k + (g + 1) * m] for g in range(len(formula.groups))]
        get = self.names.get
        fixed_names = (*formula.inputs, *formula.params)
        fixed_atoms = [get(p) for p in parents[:k]]
        fixed_constants = (
            *(None if a is not None else _literal(p.data) for a, p in zip(fixed_atoms, parents)),
            *map(_literal, formula.bound),
        )
        fixed = dict(zip(formula.inputs, fixed_atoms))

        def fill(text: str) -> str:
            return _filled(text, fixed_names, fixed_constants).format_map(fixed)

        terms = [fill(formula.forward)] if formula.forward else []
        rows = list(zip(*groups))
        items: list[tuple[dict[str, str | None], tuple[str | None, ...]]] = []
        for row in rows:
            atoms = [get(p) for p in row]
            constants = tuple(
                None if a is not None else _literal(p.data) for a, p in zip(atoms, row)
            )
            items.append((dict(zip(formula.groups, atoms)), constants))
        term = formula.term
        terms += [_filled(term, formula.groups, c).format_map(d) for d, c in items]
        total = out if formula.outer is None else f"{out}_sum"
        lines = [f"{total} = {_sum_text(terms, self.wrap)}"]
        edges = [(p, fill(t)) for p, t in zip(parents, formula.partials[:k]) if p in self.wants]
        for g, group in enumerate(groups):
            text = formula.partials[k + g]
            edges += [
                (p, _filled(text, formula.groups, c).format_map(d))
                for p, (d, c) in zip(group, items)
                if p in self.wants
            ]
        if formula.outer is None:
            return _Line(lines, edges, finite=all(_finite(t) for _, t in edges))
        outer = formula.outer
        names = {outer.inputs[0]: total, "out": out}
        lines.append(f"{out} = {_template(outer.forward, tuple(names)).format_map(names)}")
        partial = _template(outer.partials[0], tuple(names)).format_map(names)
        return _Line(lines, edges, (total, f"{self.delta}{total}", partial))

    def _opaque(self, op: Op, node: Value, out: str) -> _Line:
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
        args = ", ".join(self.names.get(p) or _literal(p.data) for p in node._prev)
        edges = []
        for i, p in enumerate(node._prev):
            if p in self.wants:
                self.functions[f"{key}_partials"] = op.partials
                edges.append((p, f"{key}_partials({out}, {args})[{i}]"))
        return _Line([f"{out} = {key}_forward({args})"], edges)


@functools.lru_cache(maxsize=1024)
def _names_in(texts: tuple[str, ...]) -> frozenset[str]:
    return frozenset(name for text in texts for name in _IDENTIFIER.findall(text))


def _op_table_scope() -> Mapping[str, Any]:
    """The namespace the op table's text is written in (the ``add`` op's formula's)."""
    from micrograd import ops

    formula = ops.add.formula
    assert formula is not None
    return formula.scope


_MISSING = object()
# names that the generated code itself uses, whatever the ops' scopes say
_OWN = {"sum": builtins.sum, "inf": math.inf, "nan": math.nan}


@dataclass
class _Global:
    """A name that formula text uses from its scope: the object, and the module it can be
    imported from (None: none found)."""

    value: Any
    module: str | None
    op: str


def _globals(nodes: list[Value]) -> dict[str, _Global]:
    """The names that the formulas of ``nodes``' ops take from their scopes (or from
    builtins), TypeError where two scopes give one name different objects."""
    found: dict[str, _Global] = {n: _Global(v, None, "") for n, v in _OWN.items()}
    seen: set[int] = set()
    for node in nodes:
        op = op_of(node)
        formula = op.formula if op is not None else None
        while formula is not None and id(formula) not in seen:
            seen.add(id(formula))
            local = {*formula.inputs, *formula.params, *formula.groups, "out"}
            texts = (formula.forward, formula.term, *formula.partials)
            for name in _names_in(texts) - local:
                scope = formula.scope
                value = scope[name] if name in scope else getattr(builtins, name, _MISSING)
                if value is _MISSING:
                    continue  # an undefined name: the op's own functions raise NameError too
                known = found.get(name)
                if known is None:
                    found[name] = _Global(value, _module_of(name, value, scope), repr(op))
                elif known.value is not value:
                    where = f"op {known.op}" if known.op else "the generated code"
                    raise TypeError(
                        f"the formulas of op {op!r} and {where} give the name {name!r} "
                        f"different meanings ({value!r:.40} and {known.value!r:.40}); "
                        "rename it in one of their scopes"
                    )
            formula = formula.outer
    return found


def _module_of(name: str, value: Any, scope: Mapping[str, Any]) -> str | None:
    """The module that ``from module import name`` gives ``value`` from, if any."""
    if getattr(builtins, name, _MISSING) is value:
        return "builtins"
    for module in (scope.get("__name__"), getattr(value, "__module__", None)):
        if isinstance(module, str) and getattr(sys.modules.get(module), name, _MISSING) is value:
            return module
    return None


def _reserved(found: Mapping[str, _Global]) -> set[str]:
    """Names a label or the function may not take: the names the ops' text uses, the op
    table's names, builtins, keywords."""
    return {*found, *_op_table_scope(), *dir(builtins), *keyword.kwlist, "inf", "nan", "out"}


# ---------------------------------------------------------------------------
# The graph
# ---------------------------------------------------------------------------


def _graph(root: Value) -> tuple[list[Value], list[Value]]:
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


def _reading_order(root: Value, leaves: list[Value]) -> list[Value]:
    """``leaves`` in the order they are met reading ``root``'s expression from the left
    (x, y for (x + sigmoid(y)) / (x^2 + y)): a depth-first search, first input first."""
    wanted = set(leaves)
    order: dict[Value, None] = {}
    seen: set[Value] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node in wanted:
            order[node] = None
        elif node not in seen:
            seen.add(node)
            stack += reversed(node._prev)
    return list(order)


def _label_names(nodes: list[Value], reserved: set[str]) -> dict[Value, str]:
    """Each node's label where it is a valid, unique identifier that is free to use.

    Python reads identifiers in NFKC normal form (a fullwidth ``ｘ`` is ``x``): labels
    are compared in that form, and a label not written in it is not used."""
    counts: dict[str, int] = {}
    for v in nodes:
        key = unicodedata.normalize("NFKC", v.label)
        counts[key] = counts.get(key, 0) + 1
    return {
        v: v.label
        for v in nodes
        if v.label.isidentifier()
        and unicodedata.normalize("NFKC", v.label) == v.label
        and counts[v.label] == 1
        and v.label not in reserved
        and not v.label.startswith(("_", "delta_"))
        and not _POSITIONAL.fullmatch(v.label)
        and not v.label.endswith("_sum")
    }


@dataclass(slots=True)
class _BackwardStep:
    """One node's step of the backward pass: ``head`` (``delta_sum = delta * partial``
    for a sum with an outer op, else None) and, for each edge, the parent, its
    accumulator, the term ``delta * partial`` and whether it is the accumulator's first
    write."""

    node: Value
    line: _Line
    delta: str | None  # d root / d node as text; None for the root (1.0)
    head: str | None
    edges: list[tuple[Value, str, str, bool]]


def _backward_steps(
    backward: list[Value],
    root: Value,
    names: Mapping[Value, str],
    lines: Mapping[Value, _Line],
    defined: set[Value],
    shared: dict[Value, str] | None = None,
    once: Container[Value] = (),
    prefix: str = "delta_",
) -> Iterator[_BackwardStep]:
    """The backward pass in the engine's order (`topological_order`), each edge's term
    in the order of the node's parents; ``defined`` (the nodes whose accumulator exists
    already) grows as the steps are read.

    With ``shared`` (a dict, filled as the steps are read), a parent in ``once`` (the
    nodes with one consumer) whose gradient is its node's as it is (partial 1.0, no
    test) shares the node's accumulator, which nothing changes after the node's step and
    the parent never adds to: its edge is written ``(parent, delta, delta, True)``, an
    assignment to itself, and costs nothing."""
    accumulators = {} if shared is None else shared
    for node in backward:
        line = lines[node]
        delta = None if node is root else accumulators.get(node) or f"{prefix}{names[node]}"
        head = None
        through = delta
        if line.inner is not None:
            _, through, partial = line.inner
            head = f"{through} = {_times(delta, partial)}"
        # the gradient is passed on untested: a parent can share the accumulator
        plain = shared is not None and delta is not None and line.inner is None and line.finite
        edges = []
        for parent, partial in line.edges:
            first = parent not in defined
            if first:
                defined.add(parent)
                if plain and partial == "1.0" and parent in once:
                    assert delta is not None
                    accumulators[parent] = delta
            target = accumulators.get(parent) or f"{prefix}{names[parent]}"
            edges.append((parent, target, _times(through, partial), first))
        yield _BackwardStep(node, line, delta, head, edges)


def to_python(root: Value, name: str = "forward_backward") -> str:
    """The source of a function ``name(*leaves) -> (root value, leaf gradients)``.

    Its parameters are the leaves of ``root``'s graph (Values without parents that are
    not constants), named by their labels where those are valid, unique identifiers,
    else ``v0, v1, ...`` by position (Python reads a name in NFKC form: a label not
    written in that form is not used); constants are written as literals. ``name`` may
    not be a name the code uses (ValueError). An op's formula text is written as it is,
    with import lines for the names it takes from its scope. The body is
    the forward pass, one op per line in topological order, then the backward pass in
    reverse order: for node n = op(u, ...), ``delta_u = delta_n * (d n / d u)`` with the
    local derivative written as the op's formula, ``+=`` where u feeds several ops.
    Called on the leaves' data it returns ``root.data`` and the gradients that
    ``root.backward()`` gives the leaves, bit for bit: the backward pass visits the
    nodes in the engine's order (`micrograd.engine.topological_order`), adds each
    node's contributions in that order and writes sums as their op adds them. (Unlike
    ``backward``, it does not skip a node whose gradient is 0: where a local
    derivative there is infinite or undefined, the code gives nan or raises.)
    """
    if not (isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name)):
        raise ValueError(f"to_python: name must be a Python identifier, got {name!r}")
    leaves, backward = _graph(root)
    leaves = _reading_order(root, leaves)
    interior = backward[::-1]  # forward order
    nodes = [*leaves, *interior]
    found = _globals(interior)
    reserved = _reserved(found)
    if (
        name in reserved
        or unicodedata.normalize("NFKC", name) in reserved
        or name != (unicodedata.normalize("NFKC", name))
    ):
        raise ValueError(
            f"to_python: name {name!r} is taken: the generated code uses it (the op table's "
            "names, builtins) or Python reads it as another name"
        )
    names = _label_names(nodes, reserved | {name})
    counter = iter(range(sys.maxsize))
    for v in nodes:
        if v not in names:
            names[v] = f"v{next(counter)}"
    writer = _Writer(names, {v for v in nodes if not is_constant(v)})
    body: list[str] = ["# forward pass"]
    lines = {}
    for node in interior:
        line = writer.node(node, names[node])
        lines[node] = line
        body += line.forward
    root_name = names[root] if root in names else _literal(root.data)
    body.append(f"# backward pass: delta_u = d {root_name} / d u")
    has_delta: set[Value] = set()
    for step in _backward_steps(backward, root, names, lines, has_delta):
        body.append(f"# {step.line.forward[-1]}")
        if step.head is not None:
            body.append(step.head)
        for parent, target, value, first in step.edges:
            if first:
                body.append(f"{target} = {value}")
            else:
                body.append(
                    f"{target} += {value}  # {names[parent]} feeds several ops: "
                    "add to its accumulator"
                )
    grads = [f"delta_{names[v]}" if v in has_delta else "1.0" for v in leaves]
    if not interior:  # the root is a leaf or a constant
        grads = ["1.0"] * len(leaves)
    if writer.functions:
        ops = ", ".join(sorted({_describe(n) for n in interior if _formula_of(n) is None}))
        raise TypeError(
            f"to_python: ops declared with functions instead of formula text cannot be "
            f"written out: {ops}"
        )
    header = _imports(found, frozenset(_IDENTIFIER.findall("\n".join(body))))
    tuple_text = f"({', '.join(grads)}{',' if len(grads) == 1 else ''})"
    signature = ", ".join(names[v] for v in leaves)
    source = [*header, f"def {name}({signature}):"]
    source += [f"    {line}" for line in body]
    source.append(f"    return {root_name}, {tuple_text}")
    return "\n".join(source) + "\n"


def _describe(node: Value) -> str:
    return repr(node._op)


def _formula_of(node: Value) -> Formula | None:
    op = op_of(node)
    return op.formula if op is not None else None


def _imports(found: Mapping[str, _Global], used: frozenset[str]) -> list[str]:
    """Import lines for the names from the ops' scopes that the code uses (TypeError for
    one that no module gives)."""
    modules: list[str] = []
    names: dict[str, list[str]] = {}
    for name in sorted(used & set(found)):
        item = found[name]
        if name in _OWN or item.module == "builtins":
            continue
        if isinstance(item.value, type(math)):
            module = item.value.__name__
            parent, _, last = module.rpartition(".")
            if module == name:
                modules.append(f"import {name}")
            elif last == name:
                modules.append(f"from {parent} import {name}")
            else:
                modules.append(f"import {module} as {name}")
        elif item.module is None:
            raise TypeError(
                f"to_python: the formula of op {item.op} uses {name!r} from its scope, "
                "which is no module's global: the code could not import it (declare the "
                "op with scope=globals() of the module that defines it)"
            )
        else:
            names.setdefault(item.module, []).append(name)
    modules += [f"from {m} import {', '.join(ns)}" for m, ns in names.items()]
    for constant in ("inf", "nan"):
        if constant in used:
            modules.append(f"from math import {constant}")
    return modules


# ---------------------------------------------------------------------------
# compile
# ---------------------------------------------------------------------------


@dataclass
class _Program:
    """The compiled code of one argument structure, with what it needs to run."""

    run: Callable[[list[float]], tuple[float, list[float]]]  # the value, the params' grads
    lines: list[str]  # the op of each line of the source (for error messages)
    source: str
    filename: str
    params: list[Value]  # the captured leaves, in the order the code reads them
    # the program that tests gradients for zero wherever `backprop` would need to (built
    # on first use); None where that is this program
    exact: Callable[[], _Program] | None = None

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


class CompiledStep:
    """``fn`` compiled to straight-line Python: ``step(*args)`` is ``out = fn(*args);
    out.backward()``, returning ``out.data``. See `compile`."""

    def __init__(self, fn: Callable[..., Any], check: bool, cache_size: int) -> None:
        self.fn = fn
        self.check = check
        self.cache_size = cache_size
        self._programs: OrderedDict[Any, _Program] = OrderedDict()
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

    def _program(self, args: tuple[Any, ...]) -> _Program:
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

    def _trace(self, args: tuple[Any, ...]) -> _Program:
        inputs: list[Value] = []

        def leaf(x: float) -> Value:
            v = Value(x)
            inputs.append(v)
            return v

        traced = [_rebuild(a, leaf) for a in args]
        with _no_gc():  # a graph makes no cycles; collecting would only rescan it
            # the Values that exist before the trace (held, so that no id is reused); the
            # type test does not touch the objects (isinstance would wake lazy modules)
            existing = [o for o in gc.get_objects() if issubclass(type(o), Value)]
            out = self.fn(*traced)
            if not isinstance(out, Value):
                raise TypeError(
                    f"compile: the function must return a Value, got {type(out).__name__}: "
                    f"{out!r:.60}"
                )
            program = _program(out, inputs, getattr(self.fn, "__qualname__", "fn"))
            before = {*map(id, existing), *map(id, inputs)}
            del existing
            fresh = [p for p in program.params if id(p) not in before]
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

    def _check(self, args: tuple[Any, ...], out: Value, program: _Program) -> None:
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
    about `CHUNK_LINES` statements: function k runs part k of the forward pass, calls
    function k + 1, then runs part k of the backward pass, so most values stay local
    variables, and a program so split adds into the parameters' gradients in place.
    Graphs of hundreds of thousands of nodes compile; one that Python's compiler cannot
    take raises ValueError.
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


def _rebuild(x: Any, leaf: Callable[[float], Value]) -> Any:
    """``x`` with every number replaced by ``leaf(number)``, lists and tuples kept
    (iteratively, so nesting depth is unlimited)."""
    if not isinstance(x, (list, tuple)):
        return leaf(to_float(x))
    top: list[Any] = []
    # each frame: the items still to read, the list being built, the original, where
    # it goes in its parent's list
    stack: list[tuple[Iterator[Any], list[Any], Any, list[Any] | None, int]]
    stack = [(iter(x), top, x, None, 0)]
    while stack:
        items, built, original, parent, index = stack[-1]
        for item in items:
            if isinstance(item, (list, tuple)):
                child: list[Any] = []
                built.append(child)
                stack.append((iter(item), child, item, built, len(built) - 1))
                break
            built.append(leaf(to_float(item)))
        else:
            stack.pop()
            if parent is not None and isinstance(original, tuple):
                parent[index] = tuple(built)
    return tuple(top) if isinstance(x, tuple) else top


@dataclass(slots=True)
class _Group:
    """The statements of one node's forward or backward step, with the names they read
    from earlier steps and the names they set."""

    lines: list[str]  # statements at one indentation, each possibly a one-line `if`
    op: str
    reads: list[str]  # names read before this group sets them
    writes: list[str]  # names set (read or not)
    defines: list[str]  # names set without being read: their first value
    guard: str | None = None  # the exact program runs the (one) line only if this is nonzero


def _program(root: Value, inputs: list[Value], what: str) -> _Program:
    """Generate and compile the code of ``root``'s graph with ``inputs`` as the arguments.

    Where a local derivative could be infinite or nan, a zero gradient must pass
    nothing, as in `backprop`. The code tests for that only at nodes of many edges
    (`_backward_group`); elsewhere a zero gradient passes on ±0 (which changes no sum),
    or nan, or an error (a derivative not defined at that point). So the program comes
    with an exact one, the same code with every test (`_Program.exact`), compiled on
    first use, which gives the results where the fast one gives nan or raises."""
    input_ids = {id(v): i for i, v in enumerate(inputs)}
    leaves, backward = _graph(root)
    found = _globals(backward)
    params = [v for v in leaves if id(v) not in input_ids]
    names: dict[Value, str] = {}
    for i, v in enumerate(inputs):
        names[v] = f"a{i}"
    # A program split into functions adds into the parameters' gradients in place, in a
    # list (``_g[i]``): passing them from one function to the next would cost more.
    # One function keeps them in local variables (faster).
    in_place = len(backward) > CHUNK_LINES
    names.update((v, f"p{i}") for i, v in enumerate(params))
    if in_place:
        deltas = {v: f"_g[{i}]" for i, v in enumerate(params)}
    else:
        deltas = {v: f"dp{i}" for i, v in enumerate(params)}
    for i, v in enumerate(backward):
        names[v] = f"v{i}"
    # short names, to give Python's compiler less to read: a0, p0, v0 and dp0, dv0
    writer = _Writer(names, {*params, *backward}, wrap=False, delta="d")
    uses: dict[Value, int] = {}
    for node in backward:
        for p in node._prev:
            uses[p] = uses.get(p, 0) + 1
    lines, forward = _forward_pass(backward[::-1], names, writer, uses)
    # each node's backward step, with the node's place in the forward pass; an interior
    # node's accumulator starts at 0.0 (in ``zeros``) where first set under a test, a
    # parameter's at its ``.grad``
    steps: list[tuple[int, _Group]] = []
    zeros: set[str] = set()
    once = {p for p, n in uses.items() if n == 1}
    last = len(backward) - 1
    shared = dict(deltas)  # the parameters' accumulators are named in advance
    walk = _backward_steps(backward, root, names, lines, set(params), shared, once, writer.delta)
    for j, step in enumerate(walk):
        if step.edges:
            group = _backward_group(step, names, zeros)
            if group is not None:
                steps.append((last - j, group))
    if root in params:  # d root / d root = 1
        target = deltas[root]
        steps.append((0, _Group([f"{target} += 1.0"], "", [target], [target], [])))
    initial = [*(names[v] for v in inputs)]
    finals = [names.get(root, "")]
    if in_place:
        initial = ["_g", *initial, *(names[v] for v in params)]
        lists = set(deltas.values())
    else:
        initial += [*(names[v] for v in params), *deltas.values()]
        finals = [*deltas.values(), *finals]
        lists = set()
    tail = [] if root in names else [root.data]  # a constant: no name, a slot of its own
    if tail:
        initial.append("")
    namespace = {n: g.value for n, g in found.items()}
    namespace.update(writer.functions)
    # what is done with goes before the next step needs memory
    del lines, writer, names
    code = _assemble(len(backward), forward, steps, initial, zeros, finals, lists)
    del forward, steps

    def build(source: str, ops: list[str]) -> _Program:
        filename = f"<micrograd.compile {what} #{next(_counter)}>"
        scope = {**namespace, **code.getters}
        for function in _compile_source(source, filename, code.nodes):
            exec(function, scope)
        first_chunk = scope["_chunk0"]
        grad_slots, value_slot = code.slots[:-1], code.slots[-1]

        def run(data: list[float]) -> tuple[float, list[float]]:
            if in_place:
                grads = [*map(_grad_of, params)]
                state: list[Any] = [grads, *data, *map(_data_of, params), *tail]
                first_chunk(state)
                return state[value_slot], grads
            state = [*data, *map(_data_of, params), *map(_grad_of, params), *tail]
            first_chunk(state)
            return state[value_slot], [state[i] for i in grad_slots]

        return _Program(run, ops, source, filename, params)

    program = build(code.source, code.ops)
    if code.guards:

        @functools.cache
        def exact() -> _Program:
            return build(*code.exact_source())

        program.exact = exact
    return program


def _backward_group(
    step: _BackwardStep, names: Mapping[Value, str], zeros: set[str]
) -> _Group | None:
    """The statements of one backward step (None if it has none); an accumulator first
    set under a test goes into ``zeros``.

    A node whose local derivatives could be infinite or nan passes a zero gradient on
    only in the fast program: its statements are the same in both, and its `_Group.guard`
    (the delta to test) is where the exact program writes ``if delta:`` (after setting
    the accumulators that the line sets first to 0.0). A node of more than
    `TESTED_EDGES` edges, or a ReLU neuron's sum, is tested in both, as that skips the
    work where the gradient is zero."""
    node, line, delta = step.node, step.line, step.delta
    if line.needs is not None:
        reads = list(line.needs)
    else:
        reads = [names[node], *(n for n in map(names.get, node._prev) if n is not None)]
    writes: dict[str, None] = {}
    defines: list[str] = []
    if delta is not None:
        reads.append(delta)
    # a zero gradient times a finite number is zero, which changes no sum: no test
    test = delta is not None and not line.finite
    # the fast program tests too where that saves more than it costs: a node of many
    # edges (a neuron's sum, whose gradient is zero where a hinge or ReLU stops it)
    tested = line.inner is not None or (test and len(step.edges) > TESTED_EDGES)
    statements = []
    for _, target, value, first in step.edges:
        if first and target == value:
            continue  # the parent shares the node's accumulator
        if not first:
            if target not in writes:  # else set earlier in this step
                reads.append(target)
            statements.append(f"{target} += {value}")
        elif not tested:
            statements.append(f"{target} = {value}")
            defines.append(target)
        else:
            zeros.add(target)
            reads.append(target)
            statements.append(f"{target} += {value}")
        writes[target] = None
    if not statements:
        return None
    edges = "; ".join(statements)
    if step.head is None:
        if tested:
            return _Group([f"if {delta}: {edges}"], node._op, reads, list(writes), defines)
        return _Group([edges], node._op, reads, list(writes), defines, delta if test else None)
    assert line.inner is not None
    total, inner_delta, _ = line.inner
    reads.append(total)
    writes[inner_delta] = None
    defines.append(inner_delta)
    body = f"if {inner_delta}: {edges}"
    text = (
        [step.head, body] if delta is None else [f"if {delta}:", f"    {step.head}", f"    {body}"]
    )
    return _Group(text, node._op, reads, list(writes), defines)


TESTED_EDGES = 2  # a node with more edges is tested for a zero gradient in the fast code
MAX_INLINED = 8  # ops written into one forward line at most


@dataclass(slots=True)
class _Inlined:
    """A node whose forward is written into its consumer's line: the expression, the
    names it reads, how many ops it holds, its place, and its own statement and op (if
    the consumer cannot take it)."""

    expression: str
    precedence: int
    reads: list[str]
    depth: int
    index: int
    line: list[str]
    op: str


def _forward_pass(
    nodes: list[Value], names: Mapping[Value, str], writer: _Writer, uses: Mapping[Value, int]
) -> tuple[dict[Value, _Line], list[tuple[int, _Group]]]:
    """Each node's text, and the forward pass: a group per node (with its place in
    ``nodes``), but for a node with one consumer whose value the backward pass does not
    read and whose op is plain arithmetic (``+ - *``, which cannot raise: a line's op is
    then the one an error names); it is written into its consumer's line, up to
    `MAX_INLINED` ops deep."""
    get = names.get
    lines: dict[Value, _Line] = {}
    groups: list[tuple[int, _Group]] = []
    pending: dict[str, _Inlined] = {}
    expressions: dict[str, tuple[str, int]] = {}  # the same, for the writer
    for i, node in enumerate(nodes):
        out = names[node]
        line = writer.node(node, out, expressions)
        lines[node] = line
        reads = [n for n in map(get, node._prev) if n is not None]
        depth = 1
        if pending and not expressions.keys().isdisjoint(reads):
            plain = reads
            reads = []
            for name in plain:
                waiting = pending.pop(name, None)
                if waiting is None:
                    reads.append(name)
                    continue
                del expressions[name]
                if name in line.inlined:
                    reads += waiting.reads
                    depth = max(depth, waiting.depth + 1)
                else:  # written as its own statement after all
                    own = [name]
                    group = _Group(waiting.line, waiting.op, waiting.reads, own, own)
                    groups.append((waiting.index, group))
                    reads.append(name)
        if (
            line.precedence is not None
            and uses.get(node) == 1
            and depth < MAX_INLINED
            and line.needs is not None
            and out not in line.needs
        ):
            expression = line.forward[0].partition(" = ")[2]
            pending[out] = _Inlined(
                expression, line.precedence, reads, depth, i, line.forward, node._op
            )
            expressions[out] = expression, line.precedence
        else:
            sets = [out] if line.inner is None else [line.inner[0], out]
            groups.append((i, _Group(line.forward, node._op, reads, sets, sets)))
    return lines, groups


CHUNK_LINES = 20_000  # statements per generated function (each compiled as one unit)
MAX_CHUNKS = 200  # functions per program at most (they call each other: a deeper stack)


def _assemble(
    n_nodes: int,
    forward: list[tuple[int, _Group]],
    backward: list[tuple[int, _Group]],
    initial: list[str],
    zeros: set[str],
    finals: list[str],
    lists: set[str],
) -> _Code:
    """The source of functions ``_chunk0(_state), _chunk1(_state), ...`` that run the
    ``forward`` groups (one per node, in order) and then the ``backward`` ones (each with
    its node's index in ``forward``, in backward order).

    The nodes are cut into runs of about `CHUNK_LINES` statements, forward and backward
    counted. Function k runs the forward steps of run k, calls function k + 1, then runs
    the backward steps of run k: the values that a node's backward step reads from its
    own run stay local variables. A name that one function sets and another reads goes
    through the list ``_state`` (appended at the end of the segment that sets it, read
    with an ``itemgetter``); ``initial`` are its first items. The names in ``lists``
    are items of the list ``_g`` (``_state[0]``), which every function has."""
    cost = [0] * max(n_nodes, 1)
    for i, group in forward:
        cost[i] += len(group.lines)
    for i, group in backward:
        cost[i] += len(group.lines)
    size = max(CHUNK_LINES, -(-sum(cost) // MAX_CHUNKS))
    run_of: list[int] = []
    run = total = 0
    for c in cost:
        if total >= size:
            run, total = run + 1, 0
        run_of.append(run)
        total += c
    k_runs = run + 1
    # the segments in the order they run: forward of runs 0..K-1, backward of K-1..0
    segments: list[list[_Group]] = [[] for _ in range(2 * k_runs)]
    for i, group in forward:
        segments[run_of[i]].append(group)
    for i, group in backward:
        segments[2 * k_runs - 1 - run_of[i]].append(group)
    frame = [*range(k_runs), *reversed(range(k_runs))]

    # Which names each segment loads, starts at 0.0 and stores: a name read before the
    # segment sets it is loaded unless its frame holds it as last set (``version``: the
    # segment, -1 for an item of ``initial``); the segment that set it stores it.
    version = dict.fromkeys(initial, -1)
    held: list[dict[str, int]] = [{} for _ in range(k_runs)]
    loads: list[list[str]] = []
    starts: list[list[str]] = []
    stores: list[set[str]] = [set() for _ in segments]
    for s, groups in enumerate(segments):
        mine = held[frame[s]]
        reads = set(chain.from_iterable([g.reads for g in groups]))
        writes = set(chain.from_iterable([g.writes for g in groups]))
        defines = set(chain.from_iterable([g.defines for g in groups]))
        if lists:
            reads -= lists
            writes -= lists
        load: list[str] = []
        start: list[str] = []
        for name in sorted(reads - defines):
            v = version.get(name)
            if v is None:
                assert name in zeros, name
                start.append(name)
            elif mine.get(name) != v:
                load.append(name)
                mine[name] = v
                if v >= 0:
                    stores[v].add(name)
        now = dict.fromkeys(writes, s)
        version.update(now)
        mine.update(now)
        loads.append(load)
        starts.append(start)
    for name in finals:  # stored last by the function that set them last
        v = version[name]
        if v >= 0:
            stores[2 * k_runs - 1 - frame[v]].add(name)

    # the text of each segment, in the order they run (which numbers the slots)
    slot = {name: i for i, name in enumerate(initial)}
    size = len(initial)
    getters: dict[str, Any] = {}
    # the lines, their ops, and (line, delta, names) where the exact program tests a
    # delta, the names first set there set to 0.0 before
    texts: list[tuple[list[str], list[str], list[tuple[int, str, list[str]]]]] = []
    for s, groups in enumerate(segments):
        lines: list[str] = ["_g = _state[0]"] if lists and s < k_runs else []
        load = loads[s]
        if len(load) == 1:
            lines.append(f"{load[0]} = _state[{slot[load[0]]}]")
        elif load:
            getters[f"_get{s}"] = operator.itemgetter(*(slot[n] for n in load))
            lines.append(f"{', '.join(load)}, = _get{s}(_state)")
        start = starts[s]
        lines += [f"{' = '.join(start[i : i + 200])} = 0.0" for i in range(0, len(start), 200)]
        ops = [""] * len(lines)
        marks: list[tuple[int, str, list[str]]] = []
        for group in groups:
            if group.guard is not None:
                marks.append((len(lines), group.guard, group.defines))
            lines += group.lines
            if len(group.lines) == 1:
                ops.append(group.op)
            else:
                ops += [group.op] * len(group.lines)
        if stores[s]:
            names = sorted(stores[s])
            # lists of a few hundred names: cheaper for Python's compiler than one tuple
            for i in range(0, len(names), 200):
                lines.append(f"_state += [{', '.join(names[i : i + 200])}]")
                ops.append("")
            for name in names:
                slot[name] = size
                size += 1
        texts.append((lines, ops, marks))
    source: list[str] = []
    line_ops: list[str] = []
    guards: list[tuple[int, str, list[str]]] = []
    for k in range(k_runs):
        lines, ops, fwd_guards = texts[k]
        if k + 1 < k_runs:
            lines, ops = [*lines, f"_chunk{k + 1}(_state)"], [*ops, ""]
        back_lines, back_ops, back_guards = texts[2 * k_runs - 1 - k]
        first = len(line_ops) + 1  # the body's first line (after the def)
        for where, (i, name, names) in [(first, g) for g in fwd_guards] + [
            (first + len(lines), g) for g in back_guards
        ]:
            guards.append((where + i, name, names))
        lines, ops = [*lines, *back_lines] or ["pass"], [*ops, *back_ops] or [""]
        source += [f"def _chunk{k}(_state):", "    " + "\n    ".join(lines)]
        line_ops += ["", *ops]
    final_slots = [slot[name] for name in finals]
    return _Code("\n".join(source) + "\n", line_ops, getters, final_slots, n_nodes, guards)


@dataclass
class _Code:
    """The generated source, with the op of each line, the getters it uses, the slots
    of the results in ``_state`` and the number of nodes; and the lines where the exact
    program (`_Program.exact`) tests a delta (line, delta, names the line sets first)."""

    source: str
    ops: list[str]
    getters: dict[str, Any]
    slots: list[int]
    nodes: int
    guards: list[tuple[int, str, list[str]]]

    def exact_source(self) -> tuple[str, list[str]]:
        """The source with ``if delta:`` on each guarded line (the names it sets first
        set to 0.0 on a line before), and the op of each line."""
        lines = self.source.split("\n")
        source: list[str] = []
        ops: list[str] = []
        done = 0
        for i, delta, names in self.guards:
            source += lines[done:i]
            ops += self.ops[done:i]
            line = lines[i]
            statement = line.lstrip()
            indent = line[: len(line) - len(statement)]
            if names:
                source.append(f"{indent}{' = '.join(names)} = 0.0")
                ops.append("")
            source.append(f"{indent}if {delta}: {statement}")
            ops.append(self.ops[i])
            done = i + 1
        return "\n".join(source + lines[done:]), ops + self.ops[done:]


_counter = iter(range(sys.maxsize))


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
            codes.append(_builtin_compile("\n" * line + part, filename, "exec"))
            line += part.count("\n") + 1
        return codes
    except (RecursionError, MemoryError, SyntaxError) as error:
        raise ValueError(
            f"compile: the graph of {n_nodes:,} nodes is too large for Python's compiler "
            f"({type(error).__name__}: {error})"
        ) from None


def _retold(error: BaseException, program: _Program) -> BaseException:
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
