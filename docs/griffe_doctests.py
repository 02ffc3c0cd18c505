"""A Griffe extension for the API reference: the docstrings' doctest examples shown as code.

The package's docstrings give their examples as bare doctest lines (``>>> x.grad``),
which Markdown would read as quotations nested three deep. This extension puts each
run of them (the prompts and the output that follows, up to a blank line) in a
``pycon`` code fence at the run's own indentation. mkdocs.yml names it in the
mkdocstrings options.
"""

from __future__ import annotations

from typing import Any

import griffe


def fenced(text: str) -> str:
    """``text`` with every run of doctest lines inside a ```` ```pycon ```` fence."""
    lines: list[str] = []
    indent: str | None = None  # the indentation of the open run, if one is open
    for line in text.split("\n"):
        stripped = line.lstrip()
        if indent is None and stripped.startswith(">>>"):
            indent = line[: len(line) - len(stripped)]
            lines.append(indent + "```pycon")
        elif indent is not None and not stripped:
            lines.append(indent + "```")
            indent = None
        lines.append(line)
    if indent is not None:
        lines.append(indent + "```")
    return "\n".join(lines)


class DoctestFences(griffe.Extension):
    """Fences the doctest examples of every docstring Griffe reads."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        """Rewrite ``obj``'s docstring, if it has doctest lines."""
        if obj.docstring is not None and ">>>" in obj.docstring.value:
            obj.docstring.value = fenced(obj.docstring.value)
