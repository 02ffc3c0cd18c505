"""The site's examples run as written and print what their comments say.

Each page of docs/ is one session: its python blocks pasted in order into one
interactive interpreter (see examples.py), in a fresh folder, with every file the code
says it writes checked for. Blocks that render with Graphviz's dot run only where it is
installed; the pictures the pages show are the ones their code draws.
"""

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from examples import draws, examples, read, run_blocks, written_files

from helpers import needs_dot

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGES = sorted(path.relative_to(DOCS).as_posix() for path in DOCS.rglob("*.md"))
WITH_CODE = [page for page in PAGES if examples(read(DOCS / page))]
DRAWING = [page for page in WITH_CODE if any(draws(e.code) for e in examples(read(DOCS / page)))]
# page: the picture it shows, and the file its code renders that picture to
PICTURES = {"guide/values-and-graphs.md": ("graph.svg", "graph.svg")}


def svg_texts(svg: str) -> list[str]:
    """Every text of a picture, in order."""
    return [t.text for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")]


def test_the_pages_with_examples_are_found():
    assert {"getting-started.md", "guide/training.md", "guide/own-ops.md"} <= set(WITH_CODE)
    assert set(PICTURES) <= set(DRAWING)


@pytest.mark.parametrize("page", WITH_CODE)
def test_page_examples_run_and_print_what_they_claim(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    found = [example for example in examples(read(DOCS / page)) if not draws(example.code)]
    run_blocks(found)
    for example in found:
        for name in written_files(example.code):
            assert (tmp_path / name).stat().st_size > 0, name


@needs_dot
@pytest.mark.parametrize("page", DRAWING)
def test_page_drawings_are_what_its_code_draws(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    found = examples(read(DOCS / page))
    run_blocks(found)
    for example in found:
        for name in written_files(example.code) if draws(example.code) else []:
            assert (tmp_path / name).stat().st_size > 0, name
    if page in PICTURES:
        shown, drawn = PICTURES[page]
        assert f"]({'../' * page.count('/')}{shown})" in read(DOCS / page)
        if os.environ.get("MICROGRAD_WRITE_PICTURES") == "1":
            (DOCS / shown).write_text(read(tmp_path / drawn))
        assert svg_texts(read(DOCS / shown)) == svg_texts(read(tmp_path / drawn)), (
            f"docs/{shown} is not what the code of docs/{page} draws; redraw it with "
            "MICROGRAD_WRITE_PICTURES=1 python -m pytest tests/test_docs_examples.py"
        )


def test_the_listings_are_found():
    """The pages that print ``to_python(...)`` show what it prints, and the tests compare."""
    for page in [p for p in PAGES if "print(to_python(" in read(DOCS / p)]:
        assert [e.prints for e in examples(read(DOCS / page)) if e.prints], page
