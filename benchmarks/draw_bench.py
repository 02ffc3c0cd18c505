"""Time `draw_dot` on graphs of up to about 10,000 Values.

For each size, builds the squared-error loss of a small MLP summed over enough
samples, then times building the DOT source (``draw_dot(loss, max_nodes=None)``)
and, when Graphviz's ``dot`` is installed, laying it out as SVG (with a time limit:
``dot`` itself is slow on very large graphs). Prints a markdown table.

    python benchmarks/draw_bench.py
"""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from micrograd.engine import Value
from micrograd.nn import MLP
from micrograd.viz import draw_dot

SIZES = (500, 2_000, 10_000)
RENDER_LIMIT = 15.0  # seconds allowed to `dot` per graph


def build_graph(target_values: int) -> tuple[Value, int]:
    """Loss of MLP(3, [8, 8, 1]) over as many samples as it takes to reach
    ``target_values`` Values; returns the loss and its Value count."""
    rng = random.Random(0)
    random.seed(0)
    model = MLP(3, [8, 8, 1])
    loss = Value(0.0)
    seen = {loss}
    while len(seen) < target_values:
        x = [rng.uniform(-1, 1) for _ in range(3)]
        loss = loss + (model(x) - rng.choice((-1.0, 1.0))) ** 2
        stack = [loss]
        seen.add(loss)
        while stack:
            for parent in stack.pop()._prev:
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
    return loss, len(seen)


def best_of(repeats: int, run: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def render_seconds(source: str) -> str:
    """Wall time of ``dot -Tsvg`` on ``source``, or why there is none."""
    if shutil.which("dot") is None:
        return "dot not installed"
    start = time.perf_counter()
    try:
        subprocess.run(
            ["dot", "-Tsvg"],
            input=source.encode(),
            capture_output=True,
            check=True,
            timeout=RENDER_LIMIT,
        )
    except subprocess.TimeoutExpired:
        return f"> {RENDER_LIMIT:.0f} (stopped)"
    return f"{time.perf_counter() - start:.2f}"


def main() -> None:
    print("| Values | DOT source (s) | with local_grads=True (s) | source size | dot -Tsvg (s) |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for size in SIZES:
        loss, count = build_graph(size)
        loss.backward()
        plain = best_of(3, lambda loss=loss: draw_dot(loss, max_nodes=None))
        local = best_of(3, lambda loss=loss: draw_dot(loss, max_nodes=None, local_grads=True))
        source = draw_dot(loss, max_nodes=None).source
        print(
            f"| {count} | {plain:.3f} | {local:.3f} | {len(source) / 1e3:.0f} kB "
            f"| {render_seconds(source)} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
