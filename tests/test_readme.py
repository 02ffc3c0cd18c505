"""The README's examples run as written, and print what their comments say."""

import code
import contextlib
import io
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from helpers import needs_dot

README = Path(__file__).resolve().parent.parent / "README.md"
PICTURE = README.parent / "docs" / "graph.svg"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


def printed_claims(block: str) -> list[list[float]]:
    """The numbers in each ``print(...)  # n1 n2 ...`` comment of a block."""
    return [
        [float(n) for n in comment.split()]
        for comment in re.findall(r"^print\(.*\)\s+#\s*([-\d. ]+)$", block, re.M)
    ]


def draws(block: str) -> bool:
    """Whether the block renders a picture with Graphviz's dot."""
    return ".render(" in block


class Repl(code.InteractiveConsole):
    """The interactive interpreter, fed line by line, that raises instead of printing errors."""

    def showsyntaxerror(self, filename=None, **kwargs):
        raise

    def showtraceback(self):
        raise


def numbers(line: str) -> list[float] | None:
    """The numbers on a printed line, or None if it is not only numbers (such as an echo)."""
    try:
        return [float(n) for n in line.split()]
    except ValueError:
        return None


def run_blocks(blocks: list[str]) -> None:
    """Paste the blocks into one REPL session, one after the other, and check their prints."""
    repl = Repl()
    for block in blocks:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            for line in block.splitlines():
                repl.push(line)
            more = repl.push("")
        assert not more, f"a README block leaves the REPL waiting for more input:\n{block}"
        printed = [n for n in map(numbers, out.getvalue().splitlines()) if n is not None]
        for claim, shown in zip(printed_claims(block), printed, strict=True):
            decimals = [len(str(c).split(".")[1]) if "." in str(c) else 0 for c in claim]
            assert [round(v, d) for v, d in zip(shown, decimals)] == claim


def test_readme_examples_run_and_print_what_they_claim(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    blocks = [block for block in python_blocks() if not draws(block)]
    assert len(blocks) >= 4
    run_blocks(blocks)
    assert (tmp_path / "model.json").exists()


@needs_dot
def test_readme_drawing_example_writes_the_graph(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    blocks = python_blocks()
    last = max(i for i, block in enumerate(blocks) if draws(block))
    run_blocks(blocks[: last + 1])  # what the drawing needs; the rest runs in the test above
    drawn = (tmp_path / "graph.svg").read_text()
    assert drawn.lstrip().startswith("<?xml")
    assert 'class="mg-data"' in (tmp_path / "backprop.html").read_text()  # the explorer
    if os.environ.get("MICROGRAD_WRITE_README_PICTURE") == "1":
        PICTURE.write_text(drawn)
    # the README's picture is the one its code draws: the same boxes, ops and numbers
    assert svg_texts(PICTURE.read_text()) == svg_texts(drawn), (
        "docs/graph.svg is not what the README's code draws; redraw it with "
        "MICROGRAD_WRITE_README_PICTURE=1 python -m pytest tests/test_readme.py"
    )
    # legible in an 880-px column: shown at most 1.6 times smaller than drawn (1 pt = 4/3 px),
    # so that 14-pt text stays above 11 px
    width_pt = float(ET.fromstring(PICTURE.read_text()).get("width").removesuffix("pt"))
    assert width_pt * 4 / 3 <= 880 * 1.6


def svg_texts(svg: str) -> list[str]:
    """Every text of a picture, in order."""
    return [t.text for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")]


def test_readme_backprop_as_code_prints_what_to_python_writes():
    """The listing under "prints" is the output of the block above it, exactly."""
    pairs = re.findall(
        r"```python\n((?:(?!```).)*)```\n\nprints\n\n```\n(.*?)```", README.read_text(), re.S
    )
    listings = [(block, shown) for block, shown in pairs if "to_python(" in block]
    assert listings
    for block, shown in listings:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(block, {})
        assert out.getvalue() == shown
