"""The README's examples run as written, and print what their comments say."""

import contextlib
import io
import re
import shutil
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


def printed_claims(block: str) -> list[list[float]]:
    """The numbers in each ``print(...)  # n1 n2 ...`` comment of a block."""
    return [
        [float(n) for n in comment.split()]
        for comment in re.findall(r"^print\(.*\)\s+#\s*([-\d. ]+)$", block, re.M)
    ]


def test_readme_examples_run_and_print_what_they_claim(tmp_path, monkeypatch):
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed (the README renders a graph)")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    blocks = python_blocks()
    assert len(blocks) >= 4
    for block in blocks:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(block, str(README), "exec"), namespace)
        printed = [[float(n) for n in line.split()] for line in out.getvalue().splitlines()]
        for claim, shown in zip(printed_claims(block), printed, strict=True):
            decimals = [len(str(c).split(".")[1]) if "." in str(c) else 0 for c in claim]
            assert [round(v, d) for v, d in zip(shown, decimals)] == claim
    assert (tmp_path / "graph.svg").exists()
    assert (tmp_path / "model.json").exists()
