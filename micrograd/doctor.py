"""``python -m micrograd doctor``: find a mixed install of micrograd-lab and micrograd 0.1.0.

Both distributions install the import package ``micrograd``. Installing micrograd 0.1.0
after micrograd-lab overwrites ``__init__.py``, ``engine.py`` and ``nn.py``, and
uninstalling either one then deletes files the other needs. This module looks at which
installed distributions own files in the imported ``micrograd`` folder and whether
``micrograd.engine`` is this project's engine, and says what to run.

It imports nothing else from the package first, so it works when the package is broken.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import sys
from pathlib import Path

OURS = "micrograd-lab"

FIX = f"""To fix it, remove both and install {OURS} again:

    pip uninstall -y micrograd {OURS}
    pip install {OURS}           # or, in a checkout: pip install -e .

To run micrograd 0.1.0 next to it (e.g. for comparisons), install it into a folder of
its own and put that folder first on sys.path only in that interpreter:

    pip install --target mg010 micrograd==0.1.0
    PYTHONPATH=mg010 python your_script.py"""


def package_dirs() -> list[Path]:
    """The folders ``import micrograd`` reads from (none if it cannot be found)."""
    spec = importlib.util.find_spec("micrograd")
    if spec is None or not spec.submodule_search_locations:
        return []
    return list(dict.fromkeys(Path(p).resolve() for p in spec.submodule_search_locations))


def owners(dirs: list[Path]) -> dict[str, list[str]]:
    """``{"name version": [file names]}`` for every distribution with files in ``dirs``."""
    found: dict[str, set[str]] = {}
    for dist in importlib.metadata.distributions():  # a folder twice on sys.path: twice
        for file in dist.files or []:
            path = Path(str(dist.locate_file(file))).resolve()
            if path.parent in dirs and path.suffix == ".py":
                name = f"{dist.metadata['Name']} {dist.version}"
                found.setdefault(name, set()).add(path.name)
    return {name: sorted(files) for name, files in sorted(found.items())}


def engine_problem() -> str | None:
    """Why ``micrograd.engine`` is not this project's engine, or None if it is."""
    try:
        engine = importlib.import_module("micrograd.engine")
    except Exception as error:  # any failure to import is the finding
        return f"import micrograd.engine fails: {type(error).__name__}: {error}"
    missing = [name for name in ("Value", "walk", "graph", "no_grad") if not hasattr(engine, name)]
    if missing:
        return (
            f"{engine.__file__} is not micrograd-lab's engine "
            f"(it has no {', '.join(missing)}): micrograd 0.1.0's files are over it"
        )
    return None


def diagnose() -> list[str]:
    """The problems found, as sentences; an empty list when the install is sound."""
    dirs = package_dirs()
    if not dirs:
        return ["the package micrograd cannot be found on sys.path"]
    problems = []
    owned = owners(dirs)
    foreign = [name for name in owned if not name.startswith(OURS + " ")]
    if foreign:
        listing = "; ".join(f"{name}: {', '.join(files)}" for name, files in owned.items())
        problems.append(
            f"{len(owned)} distributions own files in {', '.join(map(str, dirs))} ({listing}); "
            f"uninstalling any of them deletes files the others need"
        )
    engine = engine_problem()
    if engine is not None:
        problems.append(engine)
    return problems


def run() -> int:
    """Print the findings; exit status 0 if the install is sound, else 1."""
    problems = diagnose()
    where = ", ".join(map(str, package_dirs())) or "nowhere"
    if not problems:
        print(f"micrograd is {OURS}'s package, imported from {where}: no problems found")
        return 0
    print(f"micrograd is not installed cleanly (imported from {where}):", file=sys.stderr)
    for problem in problems:
        print(f"- {problem}", file=sys.stderr)
    print(f"\n{FIX}", file=sys.stderr)
    return 1
