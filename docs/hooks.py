"""What the site gets at build time: the notebooks, the live pages the guides embed, MathJax.

mkdocs runs this module as a hook (``hooks:`` in mkdocs.yml). The notebooks stay where
they are, in ``notebooks/``; they join the site's files here, before mkdocs-jupyter
renders them with their stored outputs. Each live page is a backprop explorer or a
training replay made by the package itself, saved as one self-contained HTML file
under ``live/`` and shown in a guide page through an ``<iframe>``. MathJax comes from
its Python package into the site, so formulas need no network either; the notebook
pages lose the loader of an older MathJax from a CDN that mkdocs-jupyter writes into
them, and the site's MathJax typesets their formulas as well.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from micrograd import Value, losses, optim
from micrograd.datasets import make_moons
from micrograd.nn import MLP, Neuron
from micrograd.viz import TrainingReplay, explore

ROOT = Path(__file__).resolve().parent.parent
MATHJAX = resources.files("mathjax") / "static" / "mathjax" / "es5" / "tex-svg.js"
NOTEBOOK_MATHJAX = re.compile(
    r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.DOTALL
)


def labelled(value: Value, label: str) -> Value:
    """``value`` with its label set, for the pictures."""
    value.label = label
    return value


def first_expression() -> Value:
    """e = a * b + c at a = 2, b = -3, c = 10: the smallest graph with two ops."""
    a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c")
    d = labelled(a * b, "d")
    return labelled(d + c, "e")


def fork() -> Value:
    """f = (a + a * b) * a at a = 2, b = -3: a feeds three ops, so three edges sum."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = labelled(a * b, "c")
    d = labelled(a + c, "d")
    return labelled(d * a, "f")


def worked_example() -> Value:
    """f = (x + sigmoid(y)) / (x**2 + y) at x = 3, y = -4, one op per named Value."""
    x, y = Value(3.0, label="x"), Value(-4.0, label="y")
    a = labelled(y.sigmoid(), "a")
    b = labelled(x + a, "b")
    c = labelled(x**2, "c")
    d = labelled(y + c, "d")
    return labelled(b / d, "f")


def neuron() -> Value:
    """A tanh neuron of two inputs, written with micrograd.nn, and its squared error."""
    random.seed(3)
    unit = Neuron(2, activation="tanh")
    for i, weight in enumerate(unit.w, start=1):
        weight.label = f"w{i}"
    unit.b.label = "b"
    out = labelled(unit([Value(2.0, label="x1"), Value(-1.0, label="x2")]), "out")
    return labelled((out - 0.5) ** 2, "loss")


def moons_replay() -> TrainingReplay:
    """Sixty steps of the two-moons classifier, every step recorded."""
    X, labels = make_moons(100, noise=0.1, seed=1)
    y = [2 * label - 1 for label in labels]
    random.seed(1)
    model = MLP(2, [16, 16, 1])
    optimizer = optim.SGD(model.parameters(), lr=0.5)
    replay = TrainingReplay(model, X, y)
    for step in range(60):
        scores = [model(x) for x in X]
        loss = losses.hinge(scores, y) + 1e-4 * losses.l2(model.parameters())
        replay.record(step, loss)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return replay


LIVE_PAGES: dict[str, Callable[[], str]] = {
    "live/first-expression.html": lambda: explore(first_expression()).html,
    "live/fork.html": lambda: explore(fork()).html,
    "live/worked-example.html": lambda: explore(worked_example()).html,
    "live/neuron.html": lambda: explore(neuron()).html,
    "live/training.html": lambda: moons_replay().html,
}


@event_priority(100)  # before mkdocs-jupyter picks the notebooks out of the files
def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add the notebooks, the live pages and MathJax to the site's files."""
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        files.append(
            File(
                notebook.relative_to(ROOT).as_posix(),
                src_dir=str(ROOT),
                dest_dir=config.site_dir,
                use_directory_urls=config.use_directory_urls,
            )
        )
    for uri, make in LIVE_PAGES.items():
        files.append(File.generated(config, uri, content=make()))
    files.append(File.generated(config, "javascripts/tex-svg.js", abs_src_path=str(MATHJAX)))
    return files


def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    """Take the notebook pages' own MathJax loader out: the site loads its own."""
    if page.file.src_uri.endswith(".ipynb"):
        return NOTEBOOK_MATHJAX.sub("", output)
    return output
