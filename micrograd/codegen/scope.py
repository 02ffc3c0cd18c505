"""The names that formula text takes from its op's scope (``math``, ``floatops``, ...).

Each op's text is evaluated in its own scope; the generated code runs in one namespace
(compile) or imports what it uses (to_python). `formula_globals` gathers those names
for a graph and refuses a name that two scopes give different meanings.
"""

from __future__ import annotations

import builtins
import functools
import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from micrograd.codegen.text import IDENTIFIER
from micrograd.engine import Value, op_of

__all__ = ["OWN", "Global", "formula_globals"]

_MISSING = object()
# names that the generated code itself uses, whatever the ops' scopes say
OWN = {"sum": builtins.sum, "inf": math.inf, "nan": math.nan}


@dataclass
class Global:
    """A name that formula text uses from its scope: the object, and the module it can be
    imported from (None: none found)."""

    value: Any
    module: str | None
    op: str


@functools.lru_cache(maxsize=1024)
def _names_in(texts: tuple[str, ...]) -> frozenset[str]:
    return frozenset(name for text in texts for name in IDENTIFIER.findall(text))


def formula_globals(nodes: list[Value]) -> dict[str, Global]:
    """The names that the formulas of ``nodes``' ops take from their scopes (or from
    builtins), TypeError where two scopes give one name different objects."""
    found: dict[str, Global] = {n: Global(v, None, "") for n, v in OWN.items()}
    for op in dict.fromkeys(map(op_of, nodes)):
        formula = op.formula if op is not None else None
        while formula is not None:
            local = {*formula.inputs, *formula.params, *formula.groups, "out"}
            texts = (formula.forward, formula.term, formula.reduce, *formula.partials)
            for name in _names_in(texts) - local:
                scope = formula.scope
                value = scope[name] if name in scope else getattr(builtins, name, _MISSING)
                if value is _MISSING:
                    continue  # an undefined name: the op's own functions raise NameError too
                known = found.get(name)
                if known is None:
                    found[name] = Global(value, _module_of(name, value, scope), repr(op))
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
