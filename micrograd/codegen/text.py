"""Formula text: an op's forward and local derivatives as format strings to fill in.

An op's formula (`micrograd.op.Formula`) is Python text in its input names, such as
``a * b`` with the partials ``b`` and ``a``. `template` turns that text into a format
string with a field for each name; `filled` also pastes a constant's `literal` in
place of its name and folds the arithmetic on constants. `times` and `sum_text` write
a gradient times a local derivative, and a sum, as the op's float functions compute
them (so the code rounds as the engine does). `arithmetic`, `expression_slots` and
`positional` say how a forward line can take an input written as an expression.
"""

from __future__ import annotations

import ast
import functools
import math
import re
import string

__all__ = [
    "IDENTIFIER",
    "TERMS_PER_LINE",
    "arithmetic",
    "either",
    "expression_slots",
    "filled",
    "literal",
    "number",
    "positional",
    "sum_text",
    "template",
    "times",
]

IDENTIFIER = re.compile(r"(?<![\w.])([^\W\d]\w*)")  # a name (not an attribute), any script
TERMS_PER_LINE = 64  # to_python writes a long sum over lines of this many terms


def literal(x: float) -> str:
    """``x`` as source that evaluates to exactly ``x`` (repr round-trips a float)."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "(-inf)"
    text = repr(x)
    return f"({text})" if text.startswith("-") else text


@functools.lru_cache(maxsize=4096)
def template(text: str, names: tuple[str, ...]) -> str:
    """``text`` as a format string with a field for each of ``names``."""
    keep = set(names)

    def field(match: re.Match[str]) -> str:
        name = match.group(1)
        return f"{{{name}}}" if name in keep else name

    return IDENTIFIER.sub(field, text.replace("{", "{{").replace("}", "}}"))


_PLACEHOLDER = re.compile(r"_slot(\d+)_")


@functools.lru_cache(maxsize=8192)
def filled(text: str, names: tuple[str, ...], constants: tuple[str | None, ...]) -> str:
    """``text`` as a format string with a field for each of ``names`` whose constant is
    None; the others are replaced by their constant (a literal) and folded."""
    if not any(c is not None for c in constants):
        return template(text, names)
    slots = {
        n: c if c is not None else f"_slot{i}_" for i, (n, c) in enumerate(zip(names, constants))
    }
    folded = _fold(template(text, names).format_map(slots))
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
    return ast.parse(literal(value), mode="eval").body


def _fold(text: str) -> str:
    tree = _Folder().visit(ast.parse(text, mode="eval"))
    return ast.unparse(tree)


_NUMBER = frozenset("0123456789.e+-")


def _factor(text: str) -> str:
    """``text`` ready to be multiplied: in parentheses unless it is a name or a number."""
    if text.isidentifier() or (text[:1].isdigit() and _NUMBER.issuperset(text)):
        return text
    return f"({text})"


def times(delta: str | None, partial: str) -> str:
    """delta * partial, written without the multiplications that are exact no-ops
    (``delta`` None is the root's seed 1.0; a partial 1.0 or -1.0 multiplies by one)."""
    if delta is None:
        return partial
    if partial == "1.0":
        return delta
    if partial == "-1.0":
        return f"-{delta}"
    return f"{delta} * {_factor(partial)}"


def either(texts: list[str]) -> str:
    """``texts`` joined by ``or``, true where one of them is not 0: each in parentheses
    unless it is a name or a number, the whole too if there are several."""
    joined = " or ".join(map(_factor, texts))
    return f"({joined})" if len(texts) > 1 else joined


def sum_text(terms: list[str], wrap: bool) -> str:
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


_ARITHMETIC = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Name, ast.Constant, ast.Load)
_ARITHMETIC_OPS = (ast.Add, ast.Sub, ast.Mult, ast.USub, ast.UAdd)
# how tightly Python binds an expression's outermost operation
_PRECEDENCE = {ast.Add: 1, ast.Sub: 1, ast.Mult: 2, ast.UnaryOp: 3, ast.Name: 4, ast.Constant: 4}


def _precedence(node: ast.expr) -> int:
    return _PRECEDENCE[type(node.op) if isinstance(node, ast.BinOp) else type(node)]


def arithmetic(text: str) -> int | None:
    """If ``text`` is only ``+ - *`` on names and numbers (on floats: never raises), the
    precedence of its outermost operation; else None."""
    tree = ast.parse(text, mode="eval")
    if all(isinstance(n, (*_ARITHMETIC, *_ARITHMETIC_OPS)) for n in ast.walk(tree)):
        return _precedence(tree.body)
    return None


def expression_slots(text: str, inputs: tuple[str, ...]) -> dict[int, int]:
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


def number(text: str) -> float | None:
    """The number ``text`` (a partial, constants pasted in and folded) always is, where it
    is a finite number whatever the values: no names, no fields (any value, even a
    parameter's, can be infinite or nan); else None."""
    if text.isidentifier() or "{" in text or IDENTIFIER.search(text):  # a name: the usual case
        return None
    try:
        value = float(text.strip().removeprefix("(").removesuffix(")"))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def positional(named: str, fields: tuple[str, ...]) -> str:
    """A format string with named fields (`template`) with each field ``fields[i]``
    numbered ``{i}`` instead."""
    number = {name: i for i, name in enumerate(fields)}
    parts = []
    for text, field, _, _ in string.Formatter().parse(named):
        parts.append(text.replace("{", "{{").replace("}", "}}"))
        if field is not None:
            parts.append(f"{{{number[field]}}}")
    return "".join(parts)
