"""The drawing that draw_dot returns (micrograd.drawing): dot within a time limit, a
missing Graphviz explained, render leaving only the picture, a repr that says what to do."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from micrograd.engine import Value
from micrograd.viz import draw_dot

from helpers import needs_dot

REPO = Path(__file__).resolve().parent.parent


def leaf_feeding_every_step(steps: int) -> Value:
    """y = tanh(0.999 y + x), ``steps`` times from y = x: x feeds an op in every step."""
    x = Value(0.5, "x")
    y = x
    for _ in range(steps):
        y = (y * 0.999 + x).tanh()
    return y


def product() -> Value:
    """a * b = 6 with a = 2, b = 3, labelled."""
    return Value(2.0, "a") * Value(3.0, "b")


def svg_texts(path: Path) -> list[str]:
    root = ET.parse(path).getroot()
    return [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]


@needs_dot
def test_dot_is_stopped_at_the_time_limit_with_what_to_do_instead(tmp_path):
    drawing = draw_dot(leaf_feeding_every_step(120), time_limit=0.2)
    for run in (lambda: drawing.pipe(format="svg"), lambda: drawing.render(tmp_path / "g")):
        start = time.perf_counter()
        with pytest.raises(TimeoutError, match=r"within 0\.2 s") as error:
            run()
        assert time.perf_counter() - start < 5.0
        assert "draw_dot(v)" in str(error.value) and "explore(root)" in str(error.value)
        assert "time_limit" in str(error.value)
    assert "within 0.2 s" in drawing._repr_mimebundle_()["text/plain"]  # Jupyter says so
    assert list(tmp_path.iterdir()) == []
    smaller = draw_dot(leaf_feeding_every_step(20), time_limit=0.2)
    smaller.time_limit = None  # no limit (a drawing of 120 steps takes minutes)
    assert smaller.pipe(format="svg").startswith(b"<?xml")
    with pytest.raises(ValueError, match="more than 0 seconds"):
        draw_dot(Value(1.0), time_limit=0)
    with pytest.raises(TypeError, match="time_limit must be a number"):
        draw_dot(Value(1.0), time_limit="30")


def test_the_repr_says_how_to_see_the_picture():
    text = repr(draw_dot(product()))
    assert "object at 0x" not in text
    for way in (".render('graph', format='svg')", "graph.svg", ".pipe(", "explore(root)"):
        assert way in text


@needs_dot
def test_render_leaves_only_the_picture(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    drawing = draw_dot(product())
    assert drawing.render("graph", format="svg") == "graph.svg"
    assert os.listdir(tmp_path) == ["graph.svg"]
    assert {"a", "b", "data 6.0000", "*"} <= set(svg_texts(tmp_path / "graph.svg"))
    assert drawing.render(outfile=tmp_path / "sub" / "L.png") == str(tmp_path / "sub" / "L.png")
    assert (tmp_path / "sub" / "L.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    drawing.render("kept", format="svg", cleanup=False)  # as graphviz: the source too
    assert sorted(os.listdir(tmp_path)) == ["graph.svg", "kept", "kept.svg", "sub"]
    assert (tmp_path / "kept").read_text() == drawing.source


MISSING_DOT_SCRIPT = """
import graphviz
from micrograd.engine import Value
from micrograd.viz import draw_dot
d = draw_dot(Value(2.0, 'a') * Value(3.0, 'b'))
print('SOURCE-OK' if 'data 6.0000' in d.source else 'SOURCE-MISSING')
print('REPR:' + d._repr_mimebundle_()['text/plain'])
for name, call in [('PIPE', lambda: d.pipe(format='svg')),
                   ('RENDER', lambda: d.render('out', format='svg'))]:
    try:
        call()
    except graphviz.ExecutableNotFound as error:
        print(name + ':' + str(error))
"""


def test_missing_dot_gives_a_hint_not_a_traceback(tmp_path):
    run = subprocess.run(
        [sys.executable, "-c", MISSING_DOT_SCRIPT],
        env={"PATH": "", "PYTHONPATH": str(REPO)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "SOURCE-OK"
    repr_text = run.stdout.split("REPR:", 1)[1].split("PIPE:", 1)[0]
    assert "digraph {" in repr_text and "data 6.0000" in repr_text  # the DOT source
    for message in (
        repr_text.splitlines()[0],
        *[ln for ln in lines if ln.startswith(("PIPE:", "RENDER:"))],
    ):
        for install in ("apt install graphviz", "brew install graphviz", "conda install graphviz"):
            assert install in message
    assert sum(ln.startswith(("PIPE:", "RENDER:")) for ln in lines) == 2
    assert os.listdir(tmp_path) == []  # render wrote nothing
