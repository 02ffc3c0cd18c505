"""`to_python`: a graph written out as one readable Python function.

The leaves become the parameters, named by their labels; the body is each node's
forward statement (`micrograd.codegen.nodes`) in forward order, then the backward
steps (`micrograd.codegen.steps`) with a comment naming each node, ``+=`` where an
accumulator already exists (the fork rule), and import lines for the names that the
ops' formula text takes from their scopes (`micrograd.codegen.scope`).
"""

from __future__ import annotations

import builtins
import keyword
import math
import unicodedata
from collections.abc import Mapping
from itertools import count

from micrograd import ops
from micrograd.codegen.nodes import Line, NodeWriter, leaves_and_order
from micrograd.codegen.scope import OWN, Global, formula_globals
from micrograd.codegen.steps import backward_steps
from micrograd.codegen.text import IDENTIFIER, literal
from micrograd.engine import Value, is_constant, op_of
from micrograd.names import graph_names, reading_order
from micrograd.op import Formula

__all__ = ["to_python"]


def to_python(root: Value, name: str = "forward_backward") -> str:
    """The source of a function ``name(*leaves) -> (root value, leaf gradients)``.

    Its parameters are the leaves of ``root``'s graph (Values without parents that are
    not constants), named by their labels where those are valid, unique identifiers,
    else by the stable ids ``v0, v1, ...`` that every view of the graph shows
    (`micrograd.names`; Python reads a name in NFKC form: a label not written in that
    form is not used); constants are written as literals. ``name`` may
    not be a name the code uses (ValueError). An op's formula text is written as it is,
    with import lines for the names it takes from its scope. The body is
    the forward pass, one op per line in topological order, then the backward pass in
    reverse order: for node n = op(u, ...), ``delta_u = delta_n * (d n / d u)`` with the
    local derivative written as the op's formula, ``+=`` where u feeds several ops.
    As in ``backward``, a step passes nothing where delta_n is 0 or every local
    derivative of n is 0 (so 0 times an infinite derivative adds nothing, and a dead
    ReLU stops an infinite gradient): the code tests that with an ``if`` where the
    products could differ from it, and the leaves' gradients start at 0.0.
    Called on the leaves' data it returns ``root.data`` and the gradients that
    ``root.backward()`` gives the leaves, bit for bit, nan, infinities and the sign of
    zero included: the backward pass visits the nodes in the engine's order
    (`micrograd.engine.topological_order`), adds each node's contributions in that
    order and writes sums as their op adds them. It raises where ``backward`` raises,
    but for a local derivative with respect to a constant, which it does not evaluate
    unless the test above needs it.
    """
    if not (isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name)):
        raise ValueError(f"to_python: name must be a Python identifier, got {name!r}")
    leaves, backward = leaves_and_order(root)
    wanted = set(leaves)
    leaves = [v for v in reading_order(root) if v in wanted]
    interior = backward[::-1]  # forward order
    found = formula_globals(interior)
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
    names = _names(root, [*leaves, *interior], reserved | {name})
    writer = NodeWriter(names, {v for v in names if not is_constant(v)})
    body: list[str] = ["# forward pass"]
    lines: dict[Value, Line] = {}
    for node in interior:
        line = writer.node(node, names[node])
        lines[node] = line
        body += line.forward
    if writer.functions:
        opaque = ", ".join(sorted({repr(n._op) for n in interior if _formula_of(n) is None}))
        raise TypeError(
            f"to_python: ops declared with functions instead of formula text cannot be "
            f"written out: {opaque}"
        )
    root_name = names[root] if root in names else literal(root.data)
    body.append(f"# backward pass: delta_u = d {root_name} / d u")
    body += _backward_pass(root, backward, leaves, names, lines)
    grads = ["1.0" if v is root else f"delta_{names[v]}" for v in leaves]
    header = _imports(found, frozenset(IDENTIFIER.findall("\n".join(body))))
    tuple_text = f"({', '.join(grads)}{',' if len(grads) == 1 else ''})"
    signature = ", ".join(names[v] for v in leaves)
    source = [*header, f"def {name}({signature}):"]
    source += [f"    {line}" for line in body]
    source.append(f"    return {root_name}, {tuple_text}")
    return "\n".join(source) + "\n"


def _backward_pass(
    root: Value,
    backward: list[Value],
    leaves: list[Value],
    names: Mapping[Value, str],
    lines: Mapping[Value, Line],
) -> list[str]:
    """The lines of the backward pass: each step, under its test where it needs one
    (`micrograd.codegen.steps.passes`), after the line that sets the accumulators that
    start at 0.0 (the leaves', and those first added to under a test)."""
    steps = list(backward_steps(backward, root, names, lines, set()))
    zeros = [f"delta_{names[v]}" for v in leaves if v is not root]
    for step in steps:
        if step.test is not None or step.inner_test is not None:
            zeros += [edge.target for edge in step.edges if edge.first and edge.parent._prev]
    body = ["# these start at 0.0 and add up what reaches them"] if zeros else []
    body += [f"{' = '.join(zeros[i : i + 8])} = 0.0" for i in range(0, len(zeros), 8)]
    started = set(zeros)
    explain = "  # skip when delta or all local derivatives are 0"
    for step in steps:
        body.append(f"# {step.line.forward[-1]}")
        indent = ""
        if step.test is not None:
            body.append(f"if {step.test}:{explain}")
            indent, explain = "    ", ""
        if step.head is not None:
            body.append(f"{indent}{step.head}")
        if step.inner_test is not None:
            body.append(f"{indent}if {step.inner_test}:{explain}")
            indent, explain = indent + "    ", ""
        for edge in step.edges:
            if edge.first:
                sign = "+=" if edge.target in started else "="
                body.append(f"{indent}{edge.target} {sign} {edge.term}")
            else:
                body.append(
                    f"{indent}{edge.target} += {edge.term}  # {names[edge.parent]} feeds several "
                    "ops: add to its accumulator"
                )
    return body


def _names(root: Value, nodes: list[Value], reserved: set[str]) -> dict[Value, str]:
    """A name for each of ``nodes``: its stable id where it has one, the name every view
    of the graph shows (`micrograd.names.graph_names`), else its label where the code
    can take it (`_free`), else the next ``v<k>`` that no other name takes."""
    ids = graph_names(root).ids
    taken = {v.label for v in nodes} | set(ids.values()) | reserved
    fresh = (name for k in count() if (name := f"v{k}") not in taken)
    return {
        v: ids[v] if v in ids else v.label if _free(v.label, reserved) else next(fresh)
        for v in nodes
    }


def _free(label: str, reserved: set[str]) -> bool:
    """A label that will do as a Python name (it has no stable id) is free to use in the
    code: not one of its reserved names, nor like a name the code makes (``delta_u``,
    ``u_sum``, private names)."""
    return (
        label not in reserved
        and not label.startswith(("_", "delta_"))
        and not label.endswith("_sum")
    )


def _reserved(found: Mapping[str, Global]) -> set[str]:
    """Names a label or the function may not take: the names the ops' text uses, the op
    table's names, builtins, keywords."""
    return {*found, *vars(ops), *dir(builtins), *keyword.kwlist, "inf", "nan", "out"}


def _formula_of(node: Value) -> Formula | None:
    op = op_of(node)
    return op.formula if op is not None else None


def _imports(found: Mapping[str, Global], used: frozenset[str]) -> list[str]:
    """Import lines for the names from the ops' scopes that the code uses (TypeError for
    one that no module gives)."""
    modules: list[str] = []
    names: dict[str, list[str]] = {}
    for name in sorted(used & set(found)):
        item = found[name]
        if name in OWN or item.module == "builtins":
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
