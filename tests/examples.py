"""Running the Python examples of a Markdown page the way a reader pastes them.

A page's ``python`` blocks are pasted, one after the other, into one interactive
interpreter, so they must run as written and in order. A top-level
``print(...)  # claim`` line must print what its comment claims: the same text, or
the numbers the comment starts with, each to as many decimals as the comment gives
(``# 0.235, the derivative of sigmoid at 0.5`` claims one number). A top-level
expression commented ``# True`` or ``# False`` must echo that. A block that prints
``to_python(...)`` is followed by the listing it prints (a code block, after at most
the word "prints"), and prints exactly that listing.
"""

from __future__ import annotations

import code
import contextlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```\s*$", re.S | re.M)
CLAIMED = re.compile(r"^(?P<code>\S.*?)\s+#\s*(?P<claim>\S.*?)\s*$")
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")
LEADING_NUMBERS = re.compile(r"^[-\d. ,()]+")


@dataclass
class Block:
    """A fenced code block: its language, its text, and where it starts and ends in the page."""

    language: str
    text: str
    start: int
    end: int


def blocks(text: str) -> list[Block]:
    return [Block(m[1], m[2], m.start(), m.end()) for m in FENCE.finditer(text)]


@dataclass
class Example:
    """A python block to run, and the listing it prints, if the page shows one."""

    code: str
    prints: str | None = None


def examples(text: str) -> list[Example]:
    """The page's python blocks to run, each with the listing shown right after it if it
    prints ``to_python(...)`` (that listing is not run)."""
    found = blocks(text)
    result: list[Example] = []
    shown: set[int] = set()
    for k, block in enumerate(found):
        if block.language != "python" or k in shown:
            continue
        example = Example(block.text)
        if "print(to_python(" in block.text:
            after = found[k + 1]
            between = text[block.end : after.start].strip()
            assert between in ("", "prints"), f"no listing right after:\n{block.text}"
            example.prints = after.text
            shown.add(k + 1)
        result.append(example)
    return result


def draws(block: str) -> bool:
    """Whether the block renders a picture with Graphviz's dot."""
    return ".render(" in block


def written_files(block: str) -> list[str]:
    """The files a block says it writes: ``.save('name')`` and ``.render('name', format=...)``."""
    saved = re.findall(r"\.save\('([^']+)'\)", block)
    rendered = [
        f"{name}.{fmt}" for name, fmt in re.findall(r"\.render\('([^']+)', format='(\w+)'\)", block)
    ]
    return saved + rendered


class Repl(code.InteractiveConsole):
    """The interactive interpreter, fed line by line, that raises instead of printing errors."""

    def showsyntaxerror(self, filename=None, **kwargs):
        raise

    def showtraceback(self):
        raise


def numbers(text: str) -> list[float]:
    return [float(n) for n in NUMBER.findall(text)]


def decimals(number: str) -> int:
    return len(number.split(".")[1]) if "." in number else 0


def check_claim(line: str, claim: str, shown: str) -> None:
    """That ``shown``, what ``line`` printed, is what its comment ``claim`` says."""
    if shown == claim:
        return
    head = LEADING_NUMBERS.match(claim)
    claimed = NUMBER.findall(head[0]) if head else []
    assert claimed, f"{line!r} printed {shown!r}, not {claim!r}"
    printed = numbers(shown)
    assert len(printed) == len(claimed), f"{line!r} printed {shown!r}, not {claim!r}"
    for value, text in zip(printed, claimed):
        assert round(value, decimals(text)) == float(text), f"{line!r} printed {shown!r}"


def run_blocks(found: list[Example], repl: Repl | None = None) -> int:
    """Paste the blocks into one REPL session (``repl``, or a new one) and check their
    claims and listings; return how many claims were checked."""
    repl = Repl() if repl is None else repl
    checked = 0
    for example in found:
        block = example.code
        whole = io.StringIO()
        for line in [*block.splitlines(), ""]:
            top_level = not repl.buffer and not line[:1].isspace()
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                more = repl.push(line)
            whole.write(out.getvalue())
            match = CLAIMED.match(line) if top_level and not more else None
            if match is None:
                continue
            is_print = match["code"].startswith("print(")
            if is_print or match["claim"] in ("True", "False"):
                check_claim(line, match["claim"], out.getvalue().strip())
                checked += 1
        assert not more, f"a block leaves the REPL waiting for more input:\n{block}"
        if example.prints is not None:
            assert whole.getvalue() == example.prints
    return checked


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")
