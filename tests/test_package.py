"""The package as a whole: a core short enough to read in one sitting, modules that import
each other without cycles (imports inside functions included), and no module-level
``__getattr__`` that would hide where a name lives."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "micrograd"
MODULES = sorted(PACKAGE.rglob("*.py"))


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_imports(path: Path) -> set[str]:
    """The package's modules that ``path`` imports, anywhere in its code."""
    names = {module_name(p) for p in MODULES}
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name in names} - {module_name(path)}


def test_the_core_reads_in_one_sitting():
    lines = (PACKAGE / "engine.py").read_text().count("\n")
    assert lines <= 450, f"micrograd/engine.py has {lines} lines"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_is_over_700_lines(path):
    assert path.read_text().count("\n") <= 700


def test_the_core_needs_no_machinery():
    assert package_imports(PACKAGE / "engine.py") <= {
        "micrograd.op", "micrograd.scalars", "micrograd.conventions", "micrograd.stubs",
    }  # fmt: skip
    assert package_imports(PACKAGE / "floatops.py") <= {"micrograd.scalars"}
    assert package_imports(PACKAGE / "scalars.py") == set()


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A path that comes back to where it started, or None (an iterative depth-first search)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in graph:
        if start in state:
            continue
        state[start] = 1
        stack = [(start, iter(sorted(graph[start])))]
        while stack:
            name, todo = stack[-1]
            for child in todo:
                if state.get(child) == 1:
                    return [n for n, _ in stack] + [child]
                if child not in state:
                    state[child] = 1
                    stack.append((child, iter(sorted(graph.get(child, ())))))
                    break
            else:
                state[name] = 2
                stack.pop()
    return None


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_no_import_cycles():
    graph = {module_name(p): package_imports(p) - {"micrograd"} for p in MODULES}
    graph["micrograd"] = set()  # the package's __init__ imports everything; nothing imports it
    cycle = find_cycle(graph)
    assert cycle is None, f"import cycle: {' -> '.join(cycle or [])}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_level_getattr(path):
    tree = ast.parse(path.read_text())
    assert not any(
        isinstance(node, ast.FunctionDef) and node.name == "__getattr__" for node in tree.body
    )
