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
import functools
import keyword
import math
import re
import sys
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import CodeType, TracebackType
from typing import Any

from micrograd.engine import (
    Formula,
    Op,
    Value,
    is_constant,
    to_float,
)

__all__ = ["CompiledStep", "compile", "to_python"]

_builtin_compile = builtins.compile
_IDENTIFIER = re.compile(r"(?<![\w.])([A-Za-z_]\w*)")
_ATOM = re.compile(r"[A-Za-z_]\w*|\d[\d.e+-]*")
_POSITIONAL = re.compile(r"v\d+")
TERMS_PER_LINE = 64  # a long sum is written over several lines of this many terms
GUARD = 4  # a node with this many edges or more skips its backward step at gradient 0.0


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


def _paste(text: str, names: Mapping[str, str]) -> str:
    """``text`` with each of its names replaced by ``names[name]`` (an atom: a name or a
    literal, so no parentheses are needed); parts that became constant are folded."""
    pasted = _template(text, tuple(names)).format_map(names)
    if any(v[0] in "(0123456789" or v in ("inf", "nan") for v in names.values()):
        return _fold(pasted)
    return pasted


@functools.lru_cache(maxsize=4096)
def _template(text: str, names: tuple[str, ...]) -> str:
    """``text`` as a format string with a field for each of ``names``."""
    keep = set(names)

    def field(match: re.Match[str]) -> str:
        name = match.group(1)
        return f"{{{name}}}" if name in keep else name

    return _IDENTIFIER.sub(field, text.replace("{", "{{").replace("}", "}}"))


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


def _factor(text: str) -> str:
    """``text`` ready to be multiplied: in parentheses unless it is a name or a number."""
    return text if _ATOM.fullmatch(text) else f"({text})"


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


@dataclass
class _Line:
    """One forward statement and the edges of the node's backward step."""

    forward: list[str]
    edges: list[tuple[Value, str]]  # (parent, d node / d parent as text); None: skipped
    inner: tuple[str, str, str] | None = None  # (sum's name, its delta, outer partial)


class _Writer:
    """Writes the forward and backward text of every node of a graph."""

    def __init__(self, names: dict[Value, str], wants: Callable[[Value], bool]) -> None:
        self.names = names
        self.wants = wants
        self.scope_names: set[str] = set()
        self.functions: dict[str, Any] = {}  # ops without a formula: their own functions

    def atom(self, v: Value) -> str:
        name = self.names.get(v)
        return name if name is not None else _literal(v.data)

    def node(self, node: Value, out: str) -> _Line:
        op = node._rule
        assert op is not None
        formula = op.formula
        parents = node._prev
        if formula is None:
            return self._opaque(op, node, out)
        bound = dict(zip(formula.params, map(_literal, formula.bound)))
        if formula.groups:
            return self._sum(formula, parents, out, bound)
        atoms = list(map(self.atom, parents))
        names = dict(zip(formula.inputs, atoms), **bound, out=out)
        forward, partials, used = _templates(formula)
        self.scope_names |= used
        if bound or any(a[0] in "(0123456789" or a in ("inf", "nan") for a in atoms):
            fill: Callable[[str], str] = lambda t: _fold(t.format_map(names))  # noqa: E731
        else:
            fill = lambda t: t.format_map(names)  # noqa: E731
        edges = [(p, fill(t)) for p, t in zip(parents, partials) if self.wants(p)]
        return _Line([f"{out} = {fill(forward)}"], edges)

    def _sum(
        self, formula: Formula, parents: tuple[Value, ...], out: str, bound: dict[str, str]
    ) -> _Line:
        k = len(formula.inputs)
        m = (len(parents) - k) // len(formula.groups)
        groups = [parents[k + g * m : k + (g + 1) * m] for g in range(len(formula.groups))]
        fixed = dict(zip(formula.inputs, map(self.atom, parents)), **bound)
        self._uses(formula.forward, formula.term, *formula.partials)
        terms = [_paste(formula.forward, fixed)] if formula.forward else []
        items = [dict(zip(formula.groups, map(self.atom, row))) for row in zip(*groups)]
        terms += [_paste(formula.term, item) for item in items]
        total = out if formula.outer is None else f"{out}_sum"
        lines = []
        for start in range(0, len(terms), TERMS_PER_LINE):
            chunk = terms[start : start + TERMS_PER_LINE]
            head = [] if start == 0 else [total]
            lines.append(f"{total} = {' + '.join(head + chunk)}")
        edges = [
            (p, _paste(text, fixed))
            for p, text in zip(parents, formula.partials[:k])
            if self.wants(p)
        ]
        for g, group in enumerate(groups):
            text = formula.partials[k + g]
            edges += [(p, _paste(text, item)) for p, item in zip(group, items) if self.wants(p)]
        if formula.outer is None:
            return _Line(lines, edges)
        outer = formula.outer
        self._uses(outer.forward, *outer.partials)
        names = {outer.inputs[0]: total, "out": out}
        lines.append(f"{out} = {_paste(outer.forward, names)}")
        return _Line(lines, edges, (total, f"delta_{total}", _paste(outer.partials[0], names)))

    def _opaque(self, op: Op, node: Value, out: str) -> _Line:
        """An op declared with functions, not text: call its own functions."""
        key = f"_op{id(op)}"
        self.functions[f"{key}_forward"] = op.forward
        args = ", ".join(map(self.atom, node._prev))
        edges = []
        for i, p in enumerate(node._prev):
            if self.wants(p):
                if op.each is not None:
                    self.functions[f"{key}_d{i}"] = op.each[i]
                    edges.append((p, f"{key}_d{i}({out}, {args})"))
                else:
                    self.functions[f"{key}_partials"] = op.partials
                    edges.append((p, f"{key}_partials({out}, {args})[{i}]"))
        return _Line([f"{out} = {key}_forward({args})"], edges)

    def _uses(self, *texts: str) -> None:
        self.scope_names.update(_names_in(texts))


_TEMPLATES: dict[int, tuple[Formula, str, tuple[str, ...], frozenset[str]]] = {}


def _templates(formula: Formula) -> tuple[str, tuple[str, ...], frozenset[str]]:
    """A fixed-arity formula's forward and partials as format strings, and the names
    of the op table that they use."""
    known = _TEMPLATES.get(id(formula))
    if known is None or known[0] is not formula:
        names = (*formula.inputs, *formula.params, "out")
        known = _TEMPLATES[id(formula)] = (
            formula,
            _template(formula.forward, names),
            tuple(_template(t, names) for t in formula.partials),
            _names_in((formula.forward, *formula.partials)),
        )
    return known[1:]


@functools.lru_cache(maxsize=1024)
def _names_in(texts: tuple[str, ...]) -> frozenset[str]:
    return frozenset(name for text in texts for name in _IDENTIFIER.findall(text))


def _scope() -> Mapping[str, Any]:
    """The namespace the op table's text is written in (the ``add`` op's formula's)."""
    from micrograd import ops

    formula = ops.add.formula
    assert formula is not None
    return formula.scope


def _reserved() -> set[str]:
    """Names a label may not take: the op table's names, builtins, keywords."""
    return {*_scope(), *dir(builtins), *keyword.kwlist, "inf", "nan", "out"}


# ---------------------------------------------------------------------------
# The graph
# ---------------------------------------------------------------------------


def _graph(root: Value) -> tuple[list[Value], list[Value]]:
    """The leaves (not constants) in order of first use, and the interior nodes in
    forward (topological) order."""
    if not isinstance(root, Value):
        raise TypeError(f"expected a Value, got {type(root).__name__}: {root!r:.60}")
    if not root._prev:
        return ([] if is_constant(root) else [root]), []
    return _forward_order(root)


def _forward_order(root: Value) -> tuple[list[Value], list[Value]]:
    """The leaves (not constants) and the interior nodes behind ``root`` (which has
    parents), each interior node after its parents, parents visited left to right (the
    order in which the expression was written); iterative."""
    order: list[Value] = []
    leaves: list[Value] = []
    seen = {root}
    stack = [(root, iter(root._prev))]
    while stack:
        node, parents = stack[-1]
        for p in parents:
            if p not in seen:
                seen.add(p)
                if p._prev:
                    stack.append((p, iter(p._prev)))
                    break
                if not is_constant(p):
                    leaves.append(p)
        else:
            stack.pop()
            order.append(node)
    return leaves, order


def _label_names(nodes: list[Value], reserved: set[str]) -> dict[Value, str]:
    """Each node's label where it is a valid, unique identifier that is free to use."""
    counts: dict[str, int] = {}
    for v in nodes:
        counts[v.label] = counts.get(v.label, 0) + 1
    return {
        v: v.label
        for v in nodes
        if v.label.isidentifier()
        and counts[v.label] == 1
        and v.label not in reserved
        and not v.label.startswith(("_", "delta_"))
        and not _POSITIONAL.fullmatch(v.label)
        and not v.label.endswith("_sum")
    }


def to_python(root: Value, name: str = "forward_backward") -> str:
    """The source of a function ``name(*leaves) -> (root value, leaf gradients)``.

    Its parameters are the leaves of ``root``'s graph (Values without parents that are
    not constants), named by their labels where those are valid, unique identifiers,
    else ``v0, v1, ...`` by position; constants are written as literals. The body is
    the forward pass, one op per line in topological order, then the backward pass in
    reverse order: for node n = op(u, ...), ``delta_u = delta_n * (d n / d u)`` with the
    local derivative written as the op's formula, ``+=`` where u feeds several ops.
    Called on the leaves' data it returns ``root.data`` and the gradients that
    ``root.backward()`` gives the leaves (bit for bit, for ops that are not sums: a
    sum of many terms may round differently where Python's ``sum`` is compensated).
    """
    if not (isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name)):
        raise ValueError(f"to_python: name must be a Python identifier, got {name!r}")
    leaves, interior = _graph(root)
    nodes = [*leaves, *interior]
    names = _label_names(nodes, _reserved() | {name})
    counter = iter(range(sys.maxsize))
    for v in nodes:
        if v not in names:
            names[v] = f"v{next(counter)}"
    writer = _Writer(names, lambda v: not is_constant(v))
    body: list[str] = ["# forward pass"]
    lines = {}
    for node in interior:
        line = writer.node(node, names[node])
        lines[node] = line
        body += line.forward
    root_name = names[root] if root in names else _literal(root.data)
    body.append(f"# backward pass: delta_u = d {root_name} / d u")
    has_delta: set[Value] = set()
    for node in reversed(interior):
        line = lines[node]
        delta = None if node is root else f"delta_{names[node]}"
        body.append(f"# {line.forward[-1]}")
        if line.inner is not None:
            _, inner_delta, partial = line.inner
            body.append(f"{inner_delta} = {_times(delta, partial)}")
            delta = inner_delta
        for parent, partial in line.edges:
            target = f"delta_{names[parent]}"
            value = _times(delta, partial)
            if parent in has_delta:
                body.append(
                    f"{target} += {value}  # {names[parent]} feeds several ops: "
                    "add to its accumulator"
                )
            else:
                has_delta.add(parent)
                body.append(f"{target} = {value}")
    grads = [f"delta_{names[v]}" if v in has_delta else "1.0" for v in leaves]
    if not interior:  # the root is a leaf or a constant
        grads = ["1.0"] * len(leaves)
    if writer.functions:
        ops = ", ".join(sorted({_describe(n) for n in interior if n._rule.formula is None}))  # type: ignore[union-attr]
        raise TypeError(
            f"to_python: ops declared with functions instead of formula text cannot be "
            f"written out: {ops}"
        )
    header = _imports(writer.scope_names)
    tuple_text = f"({', '.join(grads)}{',' if len(grads) == 1 else ''})"
    signature = ", ".join(names[v] for v in leaves)
    source = [*header, f"def {name}({signature}):"]
    source += [f"    {line}" for line in body]
    source.append(f"    return {root_name}, {tuple_text}")
    return "\n".join(source) + "\n"


def _describe(node: Value) -> str:
    return repr(node._op)


def _imports(used: set[str]) -> list[str]:
    """Import lines for the op table's names that the code uses."""
    scope = _scope()
    modules, names = [], []
    for name in sorted(used & set(scope)):
        obj = scope[name]
        if getattr(builtins, name, None) is obj:
            continue
        if type(obj) is type(math):
            modules.append(f"import {name}")
        else:
            names.append(name)
    if names:
        modules.append(f"from {scope['__name__']} import {', '.join(names)}")
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

    run: Callable[[list[float]], float]
    lines: list[str]  # the op of each line of the source (for error messages)
    source: str
    filename: str
    params: list[Value]  # the captured leaves, in the order the code reads them


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
        key = _structure(args, "")
        program = self._programs.get(key)
        if program is None:
            program = self._trace(args)
            self._programs[key] = program
            if len(self._programs) > self.cache_size:
                self._programs.popitem(last=False)
        else:
            self._programs.move_to_end(key)
        data = list(_flatten(args))
        try:
            return program.run(data)
        except (ArithmeticError, ValueError) as error:
            raise _retold(error, program) from None

    def source(self, *args: Any) -> str:
        """The generated source for arguments shaped like ``args`` (traced if new)."""
        key = _structure(args, "")
        program = self._programs.get(key)
        if program is None:
            program = self._programs[key] = self._trace(args)
        return program.source

    def _trace(self, args: tuple[Any, ...]) -> _Program:
        inputs: list[Value] = []

        def leaf(x: float) -> Value:
            v = Value(x)
            inputs.append(v)
            return v

        traced = [_rebuild(a, leaf) for a in args]
        out = self.fn(*traced)
        if not isinstance(out, Value):
            raise TypeError(
                f"compile: the function must return a Value, got {type(out).__name__}: {out!r:.60}"
            )
        program = _program(out, inputs, getattr(self.fn, "__qualname__", "fn"))
        if self.check:
            self._check(args, out, program)
        return program

    def _check(self, args: tuple[Any, ...], out: Value, program: _Program) -> None:
        """Compare a run of ``program`` with the eager result on the same arguments."""
        params = program.params
        saved = [p.grad for p in params]
        for p in params:
            p.grad = 0.0
        out.backward()
        eager = [p.grad for p in params]
        for p in params:
            p.grad = 0.0
        value = program.run(list(_flatten(args)))
        compiled = [p.grad for p in params]
        for p, g in zip(params, saved):
            p.grad = g
        if not _close(out.data, value, 0.0):
            raise ValueError(
                f"compile(check=True): the value differs from eager mode: {out.data!r} != {value!r}"
            )
        # gradients are sums whose order differs: compared relative to the largest one
        scale = max(map(abs, eager), default=0.0)
        for i, (a, b) in enumerate(zip(eager, compiled)):
            if not _close(a, b, scale):
                raise ValueError(
                    f"compile(check=True): the gradient of leaf {i} differs from eager mode: "
                    f"{a!r} != {b!r}"
                )


def _close(a: float, b: float, scale: float) -> bool:
    """a == b to 1e-12, relative to the larger of them or ``scale``."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or abs(a - b) <= 1e-12 * max(abs(a), abs(b), scale)


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
    as it went at trace time. Arguments of a new shape (another length) trace again;
    the last ``cache_size`` shapes are kept. ``check=True`` compares the first call of
    each shape against eager mode and raises ValueError if value or gradients differ
    by more than 1e-12 (relative).

    Errors at run time are the eager engine's: the same type (ValueError for log of a
    negative number, OverflowError for exp overflowing, ZeroDivisionError), naming
    the op.
    """
    if not callable(fn):
        raise TypeError(f"compile: expected a function, got {type(fn).__name__}")
    if isinstance(cache_size, bool) or not isinstance(cache_size, int) or cache_size < 1:
        raise ValueError(f"compile: cache_size must be a positive int, got {cache_size!r}")
    return CompiledStep(fn, check, cache_size)


def _structure(x: Any, where: str) -> Any:
    """The shape of the arguments (nesting and lengths), TypeError for anything else."""
    if isinstance(x, tuple) and not where:
        return tuple(_structure(a, f"argument {i}") for i, a in enumerate(x))
    if isinstance(x, (list, tuple)):
        return (type(x), tuple(_structure(a, f"{where}[{i}]") for i, a in enumerate(x)))
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        try:
            if isinstance(x, bool):
                raise TypeError
            to_float(x)
        except TypeError:
            raise TypeError(
                f"compile: arguments must be numbers or (nested) lists of numbers, got "
                f"{type(x).__name__} at {where}: {x!r:.60}"
            ) from None
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


def _program(root: Value, inputs: list[Value], what: str) -> _Program:
    """Generate and compile the code of ``root``'s graph with ``inputs`` as the arguments."""
    input_ids = {id(v): i for i, v in enumerate(inputs)}
    leaves, interior = _graph(root)
    params = [v for v in leaves if id(v) not in input_ids]
    names: dict[Value, str] = {}
    for i, v in enumerate(inputs):
        names[v] = f"a{i}"
    for i, v in enumerate(params):
        names[v] = f"p{i}"
    for i, v in enumerate(interior):
        names[v] = f"v{i}"
    writer = _Writer(names, lambda v: not is_constant(v) and id(v) not in input_ids)
    ops: list[str] = ["", ""]  # the op of each source line; two lines of header
    body: list[str] = []

    def emit(text: str, op: str, indent: int = 1) -> None:
        body.append("    " * (indent + 1) + text)
        ops.append(op)

    if inputs:
        emit(f"{', '.join(names[v] for v in inputs)}, = _args", "")
    if params:
        emit(f"{', '.join(names[v] for v in params)}, = map(_data, _params)", "")
    lines: dict[Value, _Line] = {}
    for node in interior:
        line = writer.node(node, names[node])
        lines[node] = line
        for text in line.forward:
            emit(text, node._op)
    # A node with many edges passes nothing on while its gradient is 0.0 (as in
    # `Value.backward`); an accumulator first reached inside such a test starts at 0.0.
    backward_start = len(body)
    defined: set[Value] = set()
    starts_at_zero: list[str] = []
    for node in reversed(interior):
        line = lines[node]
        op = node._op
        indent = 1
        delta: str | None = None if node is root else f"delta_{names[node]}"
        guarded = delta is not None and (line.inner is not None or len(line.edges) >= GUARD)
        if guarded:
            emit(f"if {delta}:", op)
            indent = 2
        if line.inner is not None:
            _, inner_delta, partial = line.inner
            emit(f"{inner_delta} = {_times(delta, partial)}", op, indent)
            emit(f"if {inner_delta}:", op, indent)
            indent += 1
            delta = inner_delta
        if not line.edges:
            emit("pass", op, indent)
        for parent, partial in line.edges:
            target = f"delta_{names[parent]}"
            if parent in defined:
                emit(f"{target} += {_times(delta, partial)}", op, indent)
                continue
            defined.add(parent)
            if indent > 1:
                starts_at_zero.append(target)
                emit(f"{target} += {_times(delta, partial)}", op, indent)
            else:
                emit(f"{target} = {_times(delta, partial)}", op, indent)
    for v in [*params, *interior]:
        if v not in defined and v is not root:
            defined.add(v)
            starts_at_zero.append(f"delta_{names[v]}")
    inits = [
        " = ".join([*starts_at_zero[i : i + 200], "0.0"])
        for i in range(0, len(starts_at_zero), 200)
    ]
    body[backward_start:backward_start] = ["        " + text for text in inits]
    ops[backward_start + 2 : backward_start + 2] = [""] * len(inits)
    if params:
        emit(f"{', '.join(f'q{i}' for i in range(len(params)))}, = _params", "")
    for i, v in enumerate(params):
        emit(f"q{i}.grad += {'delta_' + names[v] if v is not root else '1.0'}", "")
    emit(f"return {names.get(root, _literal(root.data))}", "")
    header = [
        "def _make(_params, _data):",
        "    def step(_args):",
    ]
    source = "\n".join([*header, *body, "    return step"]) + "\n"
    filename = f"<micrograd.compile {what} #{next(_counter)}>"
    code = _compile_source(source, filename, len(interior))
    namespace = dict(_scope(), inf=math.inf, nan=math.nan, **writer.functions)
    exec(code, namespace)
    run = namespace["_make"](params, _data_of)
    return _Program(run, ops, source, filename, params)


_counter = iter(range(sys.maxsize))


def _data_of(v: Value) -> float:
    return v.data


def _compile_source(source: str, filename: str, n_nodes: int) -> CodeType:
    try:
        return _builtin_compile(source, filename, "exec")
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
