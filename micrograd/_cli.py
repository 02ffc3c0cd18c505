"""Pieces the command-line programs share: argument checks, progress and missing extras."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tqdm import tqdm


def positive_int(text: str) -> int:
    """An argparse type: ``text`` as an integer >= 1."""
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return n


def missing(command: str, modules: list[str], extra: str) -> bool:
    """Print how to install ``extra`` and return True if any of ``modules`` is missing."""
    absent = [m for m in modules if _find(m) is None]
    if absent:
        verb = "is" if len(absent) == 1 else "are"
        print(
            f"micrograd {command}: {' and '.join(absent)} {verb} not installed, "
            f"and {command} needs it.\n"
            f"Install its dependencies with: pip install 'micrograd-lab[{extra}]'",
            file=sys.stderr,
        )
    return bool(absent)


def _find(module: str) -> object:
    if module in sys.modules:
        return sys.modules[module]  # None when an import of it is blocked
    return importlib.util.find_spec(module)


class Progress:
    """A tqdm bar if tqdm is installed, else a line on stderr every tenth of the run."""

    def __init__(self, total: int, unit: str) -> None:
        self.total = total
        self.unit = unit
        self.count = 0
        self.bar: tqdm[Any] | None
        try:
            from tqdm import tqdm
        except ImportError:
            self.bar = None
        else:
            self.bar = tqdm(total=total, desc="training", unit=unit)

    def update(self, text: str, n: int = 1) -> None:
        """Advance by ``n`` units and show ``text`` (such as the latest loss)."""
        before, self.count = self.count, self.count + n
        if self.bar is not None:
            self.bar.set_postfix_str(text, refresh=False)
            self.bar.update(n)
        elif self.count // max(1, self.total // 10) > before // max(1, self.total // 10) or (
            self.count == self.total
        ):
            print(f"{self.unit} {self.count}/{self.total}: {text}", file=sys.stderr)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
