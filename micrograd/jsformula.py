"""The op table's formula text as JavaScript, so that the explorer page recomputes a
graph (the what-if) from the same text as Python does.

An expression in the formula's names (``1.0 - out * out``) becomes a JavaScript
expression over an object ``e`` of those names (``(1.0 - (e.out * e.out))``) that
calls the functions of a table ``F`` by their Python names (``F["math.tanh"]``):
``explore.js`` holds that table, one JavaScript function per name of `FUNCTIONS`,
each with the float semantics of its Python namesake (where Python raises, it gives
NaN). Python's truth of a number (nonzero, nan included) is ``F.truth``.

Arithmetic, comparisons, ``and``/``or``/``not``, ``a if c else b`` and calls of those
functions translate, and so does a sum whose terms go to one of them instead of being
added (``Formula.reduce``: logsumexp, the cross-entropy's op); anything else (an op
given as functions, a name the table lacks) raises `NotTranslatable` saying what, and
the page turns editing off with that reason.
"""

from __future__ import annotations

import ast
from typing import Any

from micrograd.engine import Value, op_of
from micrograd.op import Formula

__all__ = ["FUNCTIONS", "NotTranslatable", "op_spec", "to_js"]

#: The functions formula text may call, by the name it calls them (explore.js has each).
FUNCTIONS = frozenset(
    {
        "math.tanh", "math.fabs", "math.exp", "math.log", "math.sqrt", "math.log1p",
        "floatops.exp", "floatops.log", "floatops.sqrt", "floatops.pow", "floatops.sigmoid",
        "floatops.softplus", "floatops.step", "floatops.sign", "floatops.logsumexp",
        "pow_d_base", "pow_d_exponent", "sigmoid", "float", "abs", "max", "min",
    }
)  # fmt: skip

_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_COMPARE = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "===", ast.NotEq: "!=="}
_UNARY = {ast.USub: "-", ast.UAdd: "+"}


class NotTranslatable(ValueError):
    """Formula text that the page cannot compute: the message says what stops it."""


def to_js(text: str) -> str:
    """The JavaScript expression for the Python expression ``text`` (see the module)."""
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError as error:
        raise NotTranslatable(f"{text!r} is not an expression: {error.msg}") from None
    out: list[str] = []
    # an explicit stack of pieces: a node to translate, or text to write as it is
    stack: list[ast.AST | str] = [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
        else:
            stack.extend(reversed(_pieces(item, text)))
    return "".join(out)


def _pieces(node: ast.AST, text: str) -> list[ast.AST | str]:
    """``node`` as a sequence of text and child nodes, in writing order."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        value = node.value
        return ["true" if value is True else "false" if value is False else repr(float(value))]
    if isinstance(node, ast.Name):
        return [f"e.{node.id}"]
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return ["(", node.left, f" {_BINARY[type(node.op)]} ", node.right, ")"]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        return ["F.pow(", node.left, ", ", node.right, ")"]
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return [f"({_UNARY[type(node.op)]}", node.operand, ")"]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return ["(!F.truth(", node.operand, "))"]
    if isinstance(node, ast.IfExp):
        return ["(F.truth(", node.test, ") ? ", node.body, " : ", node.orelse, ")"]
    if isinstance(node, ast.Compare) and all(type(op) in _COMPARE for op in node.ops):
        parts: list[ast.AST | str] = ["("]
        left = node.left
        for i, (op, right) in enumerate(zip(node.ops, node.comparators)):
            parts += [" && " if i else "", left, f" {_COMPARE[type(op)]} ", right]
            left = right
        return [*parts, ")"]
    if isinstance(node, ast.BoolOp):
        return _bool(node)
    if isinstance(node, ast.Call) and not node.keywords:
        name = ast.unparse(node.func)
        if name not in FUNCTIONS:
            raise NotTranslatable(f"{text!r} calls {name}, which the page has no JavaScript for")
        parts = [f'F["{name}"](']
        for i, arg in enumerate(node.args):
            parts += [", " if i else "", arg]
        return [*parts, ")"]
    raise NotTranslatable(f"{text!r} uses {ast.unparse(node)!r}, which the page cannot compute")


def _bool(node: ast.BoolOp) -> list[ast.AST | str]:
    """Python's ``a and b`` (b if a is true, else a) and ``a or b``, left to right."""
    *rest, last = node.values
    parts: list[ast.AST | str] = [last]
    for value in reversed(rest):
        if isinstance(node.op, ast.And):
            parts = ["(F.truth(", value, ") ? ", *parts, " : ", value, ")"]
        else:
            parts = ["(F.truth(", value, ") ? ", value, " : ", *parts, ")"]
    return parts


def _formula_spec(formula: Formula) -> dict[str, Any]:
    if formula.reduce and formula.reduce not in FUNCTIONS:
        raise NotTranslatable(
            f"the terms go to {formula.reduce}, which the page has no JavaScript for"
        )
    spec: dict[str, Any] = {
        "fixed": list(formula.inputs),
        "groups": list(formula.groups),
        "params": dict(zip(formula.params, formula.bound)),
        "forward": to_js(formula.forward) if formula.forward else None,
        "term": to_js(formula.term) if formula.term else None,
        "partials": [to_js(p) for p in formula.partials],
        "reduce": formula.reduce or None,
    }
    if formula.params and len(formula.bound) != len(formula.params):
        raise NotTranslatable(f"the parameters {formula.params} have no values")
    return spec


def op_spec(node: Value) -> dict[str, Any]:
    """How the page computes ``node``'s op: its formula's names and JavaScript text.

    ``fixed`` names the inputs given once, ``groups`` the groups of a sum (w, x: the
    inputs after the fixed ones split evenly), ``params`` the bound parameters;
    ``forward`` is over the fixed inputs, ``term`` over one element of each group, and
    ``partials`` lists d out / d input for the fixed inputs, then one per group (a
    group's may use ``out``); ``reduce`` names the function of `FUNCTIONS` that takes
    ``forward`` (if any) and the terms as its arguments instead of their sum
    (logsumexp), else None; an ``outer`` op is applied to the sum (its input is the
    sum, its ``out`` the output).
    NotTranslatable for an op without formula text or with text the page cannot compute.
    """
    op = op_of(node)
    if op is None:
        raise NotTranslatable("a leaf has no op")
    if op.formula is None:
        raise NotTranslatable(f"op {op.name!r} is given as functions, not formula text")
    spec = _formula_spec(op.formula)
    if op.formula.outer is not None:
        outer = _formula_spec(op.formula.outer)
        spec["outer"] = {**outer, "input": op.formula.outer.inputs[0]}
    return spec
