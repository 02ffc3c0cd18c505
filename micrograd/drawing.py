"""The Graphviz drawing that `micrograd.viz.draw_dot` returns: a `graphviz.Digraph` whose
pictures come from Graphviz's ``dot`` within a time limit, and that says how to install
Graphviz when ``dot`` is missing and how to see the picture where nothing displays it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any, cast

import graphviz

__all__ = ["DOT_TIME_LIMIT", "INSTALL_HINT", "TOO_SLOW", "Drawing", "GraphvizNotFoundError"]

INSTALL_HINT = (
    "Graphviz's `dot` program was not found, so the graph cannot be drawn as a picture: "
    "install Graphviz (apt install graphviz / brew install graphviz / conda install graphviz)"
)
DOT_TIME_LIMIT = 30.0  # seconds a drawing gives dot, unless its time_limit says otherwise
TOO_SLOW = (
    "Graphviz's dot did not lay out this graph within {limit:g} s and was stopped. "
    "Draw a part of it instead: draw_dot(v) for a Value v inside the expression, or "
    "draw_dot(root, depth=d) for the d levels nearest the root; explore(root) shows the "
    "whole graph step by step in a browser and needs no Graphviz. To wait longer, set "
    "the drawing's time_limit (seconds; None: no limit)."
)


class GraphvizNotFoundError(graphviz.ExecutableNotFound):  # type: ignore[misc]
    """Graphviz's ``dot`` is not installed; the message says how to install it."""

    def __init__(self, message: str) -> None:
        RuntimeError.__init__(self, message)


class Drawing(graphviz.Digraph):  # type: ignore[misc]
    """A `graphviz.Digraph` whose pictures come from ``dot`` within ``time_limit`` seconds
    (None: no limit), and whose display and rendering explain a missing ``dot``."""

    time_limit: float | None = DOT_TIME_LIMIT

    def pipe(
        self,
        format: str | None = None,
        renderer: str | None = None,
        formatter: str | None = None,
        neato_no_op: bool | int | None = None,
        quiet: bool = False,
        *,
        engine: str | None = None,
        encoding: str | None = None,
    ) -> bytes | str:
        """The picture in ``format`` (default ``self.format``) as bytes, or as text in
        ``encoding``; the arguments are `graphviz.Digraph.pipe`'s."""
        if formatter is not None and renderer is None:
            raise graphviz.RequiredArgumentError("formatter given without renderer")
        output = ":".join(filter(None, (format or self.format, renderer, formatter)))
        command = ["dot", f"-K{engine or self.engine}", f"-T{output}"]
        if neato_no_op:
            command.append(f"-n{int(neato_no_op)}")
        picture = _run_dot(command, self.source.encode(self.encoding), self.time_limit, quiet)
        return picture if encoding is None else picture.decode(encoding)

    def render(
        self,
        filename: str | os.PathLike[str] | None = None,
        directory: str | os.PathLike[str] | None = None,
        view: bool = False,
        cleanup: bool = True,
        format: str | None = None,
        renderer: str | None = None,
        formatter: str | None = None,
        neato_no_op: bool | int | None = None,
        quiet: bool = False,
        quiet_view: bool = False,
        *,
        outfile: str | os.PathLike[str] | None = None,
        engine: str | None = None,
    ) -> str:
        """Write the picture to ``filename.format`` (or ``outfile``, whose suffix gives the
        format) and return its path: ``render('graph', format='svg')`` writes graph.svg.

        The arguments are `graphviz.Digraph.render`'s, but only ``cleanup=False`` also
        writes the DOT source (to ``filename``).
        """
        folder = os.fspath(self.directory if directory is None else directory)
        if outfile is None:
            format = format or self.format
            path = os.path.join(folder, os.fspath(filename or self.filename)) + f".{format}"
        else:
            path = os.path.join(folder, os.fspath(outfile))
            format = format or os.path.splitext(path)[1][1:] or self.format
        picture = self.pipe(format, renderer, formatter, neato_no_op, quiet, engine=engine)
        if not cleanup:
            self.save(filename, directory=directory)
        if os.path.dirname(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(cast(bytes, picture))
        if view or quiet_view:
            graphviz.view(path, quiet=quiet_view)
        return path

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None, **kwargs: Any
    ) -> dict[str, bytes | str]:
        """The picture for Jupyter; without ``dot``, the install hint and the DOT source;
        past the time limit, what to do instead."""
        try:
            return cast(
                dict[str, bytes | str], super()._repr_mimebundle_(include, exclude, **kwargs)
            )
        except graphviz.ExecutableNotFound:
            return {"text/plain": f"{INSTALL_HINT}.\n{self.source}"}
        except TimeoutError as error:
            return {"text/plain": str(error)}

    def __repr__(self) -> str:
        """How to see the picture, where nothing displays it (a plain Python prompt)."""
        return (
            "<a drawing of the graph: Jupyter shows it; elsewhere\n"
            "  .render('graph', format='svg')     writes the picture to graph.svg\n"
            "  .pipe(format='svg')                gives the picture's bytes\n"
            "  explore(root).save('graph.html')   writes the backward pass step by step\n"
            "                                     as a page (needs no Graphviz)\n"
            "  .source                            is the DOT text>"
        )


def _run_dot(command: list[str], source: bytes, time_limit: float | None, quiet: bool) -> bytes:
    """The output of ``command`` (a dot command line) on ``source``; the install hint if
    dot is missing, TimeoutError after ``time_limit`` seconds (dot is stopped)."""
    try:
        done = subprocess.run(command, input=source, capture_output=True, timeout=time_limit)
    except FileNotFoundError as error:
        raise GraphvizNotFoundError(f"{INSTALL_HINT} ({error})") from None
    except subprocess.TimeoutExpired:
        raise TimeoutError(TOO_SLOW.format(limit=time_limit)) from None
    if done.returncode:
        raise graphviz.CalledProcessError(done.returncode, command, done.stdout, done.stderr)
    if done.stderr and not quiet:
        sys.stderr.write(done.stderr.decode(errors="replace"))
    return done.stdout
