"""The README: its example runs and prints what its comments say, its picture is that
example's graph, its links lead to files that exist, and its set-up commands are there.

The examples that used to be here live on the site now; tests/test_docs_examples.py runs
them with the same checks.
"""

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from examples import Repl, examples, read, run_blocks

from helpers import needs_dot

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PICTURE = ROOT / "docs" / "graph.svg"
LINK = re.compile(r"\]\(([^)\s]+)\)")


def svg_texts(svg: str) -> list[str]:
    """Every text of a picture, in order."""
    return [t.text for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")]


def relative_links(text: str) -> list[str]:
    return [link for link in LINK.findall(text) if "://" not in link and ":" not in link]


def slug(heading: str) -> str:
    """A heading's anchor, as GitHub and the site's table of contents make it."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_readme_example_runs_and_prints_what_it_claims(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    found = examples(read(README))
    assert len(found) >= 1
    assert run_blocks(found) >= 1


def test_the_venv_note_comes_before_the_first_python_example():
    text = read(README)
    first_example = text.index("```python")
    assert -1 < text.find(".venv/bin/python") < first_example
    assert -1 < text.find("source .venv/bin/activate") < first_example


def test_readme_has_the_two_setup_commands_and_the_makefile_has_their_targets():
    text = read(README)
    (setup,) = re.findall(r"```sh\n(.*?)```", text, re.S)
    commands = [line.split("#")[0].strip() for line in setup.splitlines()]
    assert commands == ["make demo", "make test"]
    assert "python3" in text and "`make`" in text
    makefile = read(ROOT / "Makefile")
    for target in ("demo", "test", "docs"):
        assert re.search(rf"^{target}:", makefile, re.M), target
    assert "make docs" in text


def test_every_relative_link_in_the_readme_resolves():
    links = relative_links(read(README))
    assert len(links) >= 10
    for link in links:
        path, _, anchor = link.partition("#")
        target = (README.parent / path).resolve()
        assert target.is_file(), link
        assert ROOT in target.parents, link
        if anchor:
            headings = re.findall(r"^#+\s+(.*)$", read(target), re.M)
            assert anchor in map(slug, headings), link


def test_readme_links_to_every_page_of_the_guide():
    links = {link.partition("#")[0] for link in relative_links(read(README))}
    guide = {f"docs/guide/{page.name}" for page in (ROOT / "docs" / "guide").glob("*.md")}
    assert guide <= links
    assert {"docs/getting-started.md", "docs/speed.md", "docs/micrograd.md"} <= links


@needs_dot
def test_the_readme_picture_is_its_expressions_graph(tmp_path, monkeypatch):
    """docs/graph.svg, shown under the README's example, is what draw_dot draws of it."""
    from micrograd.viz import draw_dot

    monkeypatch.chdir(tmp_path)
    repl = Repl()
    run_blocks(examples(read(README)), repl)
    assert "](docs/graph.svg)" in read(README)
    drawn = draw_dot(repl.locals["f"], "TB", local_grads=True).pipe(format="svg").decode()
    assert svg_texts(read(PICTURE)) == svg_texts(drawn)
    # legible in an 880-px column: shown at most 1.6 times smaller than drawn (1 pt = 4/3 px),
    # so that 14-pt text stays above 11 px
    width_pt = float(ET.fromstring(read(PICTURE)).get("width").removesuffix("pt"))
    assert width_pt * 4 / 3 <= 880 * 1.6
