"""The tutorial notebooks: each .ipynb holds the cells of its jupytext source (.py) with
stored outputs, and runs top to bottom on a fresh kernel.

Every notebook checks its own claims with ``assert`` cells, so executing it is the test.
"""

import importlib.util
import tempfile
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
IMAGE_TYPES = ("image/svg+xml", "image/png")


def _load_execute():
    spec = importlib.util.spec_from_file_location("notebooks_execute", NOTEBOOKS_DIR / "execute.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


execute = _load_execute()


def _code_cells(nb):
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def test_every_notebook_has_its_source():
    assert [p.stem for p in NOTEBOOKS] == [p.stem for p in execute.sources()]
    assert len(NOTEBOOKS) >= 6


@pytest.mark.parametrize("path", execute.sources(), ids=lambda p: p.stem)
def test_notebook_runs_on_a_fresh_kernel(path):
    nb = execute.read_source(path)
    with tempfile.TemporaryDirectory() as workdir:
        execute.execute(nb, workdir)  # raises CellExecutionError on any error or failed assert
        assert not list(Path(workdir).iterdir()), "the notebook left files behind"
    for cell in _code_cells(nb):
        assert not [o for o in cell.outputs if o.output_type == "error"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_notebook_matches_its_source_and_has_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    source = execute.read_source(path.with_suffix(".py"))
    assert [(c.cell_type, c.source) for c in nb.cells] == [
        (c.cell_type, c.source) for c in source.cells
    ], f"{path.name} differs from {path.stem}.py: run python notebooks/execute.py {path.stem[:2]}"
    assert nb.metadata["jupytext"]["formats"] == "ipynb,py:percent"
    cells = _code_cells(nb)
    counts = [cell.execution_count for cell in cells]
    assert counts == list(range(1, len(cells) + 1)), "not executed top to bottom in one run"
    outputs = [o for cell in cells for o in cell.outputs]
    assert outputs, "no stored outputs"
    assert not [o for o in outputs if o.output_type == "error"]
    for o in outputs:
        assert o.get("text") or o.get("data"), "empty output"
    assert any(t in o.get("data", {}) for o in outputs for t in IMAGE_TYPES), "no pictures"
