"""Run the tutorial notebooks and store their outputs in the .ipynb files.

    python notebooks/execute.py                 # every notebook
    python notebooks/execute.py 01 06           # only those whose name starts with 01 or 06

Each notebook's source is its paired percent-format ``.py`` file (jupytext); edit
either one in Jupyter with jupytext installed, or the ``.py`` in any editor. This
script reads the ``.py``, runs it on a fresh ``python3`` kernel in a temporary
directory with the repository root on PYTHONPATH (so the outputs come from this
checkout's ``micrograd``), and writes the ``.ipynb`` with the outputs. A failing
``assert`` cell stops it.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

import jupytext
import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CELL_TIMEOUT = 120  # seconds


def sources() -> list[Path]:
    """Every notebook source: the .py files paired with a notebook."""
    return sorted(p for p in HERE.glob("[0-9][0-9]_*.py"))


def read_source(path: Path) -> nbformat.NotebookNode:
    """The notebook of a .py source, without outputs, with stable cell ids."""
    nb = jupytext.read(path)
    for i, cell in enumerate(nb.cells):
        cell.id = f"{path.stem[:2]}-{i:02d}"
    return nb


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+>")


def _widget_text(model_id: str, states: dict[str, Any]) -> str:
    """A static stand-in for a widget on pages that cannot run it (such as GitHub).

    A tqdm bar (HBox of HTML, FloatProgress, HTML) becomes its final text; any other
    widget says that it needs a running notebook.
    """
    state = states.get(model_id, {}).get("state", {})
    parts = [states.get(c.removeprefix("IPY_MODEL_"), {}) for c in state.get("children", [])]
    if [p.get("model_name") for p in parts] == ["HTMLModel", "FloatProgressModel", "HTMLModel"]:
        left, bar, right = (p["state"] for p in parts)
        filled = round(10 * bar.get("value", 0) / (bar.get("max") or 1))
        meter = "█" * filled + " " * (10 - filled)
        return html.unescape(f"{left.get('value', '')}|{meter}|{right.get('value', '')}")
    return "(an interactive widget: run the notebook in Jupyter to use it)"


def tidy(nb: nbformat.NotebookNode) -> None:
    """Make stored outputs read well without a kernel and stable between builds.

    Widgets get a meaningful plain-text fallback, and object reprs lose their memory
    address (``<... at 0x7f...>``).
    """
    states = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data:
                data["text/plain"] = _widget_text(data[WIDGET_VIEW]["model_id"], states)
            elif "text/plain" in data:
                data["text/plain"] = _ADDRESS.sub(">", data["text/plain"])


def execute(nb: nbformat.NotebookNode, workdir: str | os.PathLike[str]) -> None:
    """Run ``nb`` in place on a fresh python3 kernel started in ``workdir``.

    The kernel imports this repository's ``micrograd`` (its root goes first on PYTHONPATH).
    """
    path = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), path]))
    try:
        NotebookClient(
            nb,
            timeout=CELL_TIMEOUT,
            kernel_name="python3",
            resources={"metadata": {"path": str(workdir)}},
            record_timing=False,
        ).execute()
    finally:
        if path is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prefixes", nargs="*", help="run only notebooks starting with these")
    args = parser.parse_args(argv)
    paths = [p for p in sources() if not args.prefixes or p.stem.startswith(tuple(args.prefixes))]
    if not paths:
        parser.error(f"no notebook starts with {', '.join(args.prefixes)}")
    for path in paths:
        nb = read_source(path)
        with tempfile.TemporaryDirectory() as workdir:
            execute(nb, workdir)
        tidy(nb)
        nbformat.validate(nb)
        jupytext.write(nb, path.with_suffix(".ipynb"))
        print(f"wrote {path.stem}.ipynb", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
