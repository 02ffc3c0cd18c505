"""What every picture of a graph shows, shared by `micrograd.viz` and `micrograd.explorer`:
the steps of the backward pass, the nodes near the root, the order of a node's inputs
and numbers as text."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from micrograd import ops
from micrograd.engine import Value
from micrograd.gradients import Step, backprop
from micrograd.names import graph_names
from micrograd.scalars import real

__all__ = ["check_root", "input_order", "nodes_within", "number_text", "trace_backward"]


def number_text(x: Any) -> str:
    """'%.4f' as in the lecture; '%.4e' for magnitudes from 1e6 up and below 1e-4."""
    x = real(x)
    if x == 0.0 or not math.isfinite(x) or 1e-4 <= abs(x) < 1e6:
        return f"{x:.4f}"
    return f"{x:.4e}"


def check_root(root: Any, where: str) -> None:
    """TypeError naming ``where`` unless ``root`` is a Value."""
    if not isinstance(root, Value):
        raise TypeError(f"{where}: root must be a Value, got {type(root).__name__}")


def trace_backward(root: Value) -> list[Step]:
    """The steps ``root.backward()`` takes, in order, without changing any ``.grad``.

    The trace shows a fresh backward pass on zeroed gradients: root's gradient is
    1.0 and every other accumulator, leaves included, starts at 0 (``backward``
    itself resets the interior nodes but lets leaves accumulate across calls). It is
    the engine's own walk (`micrograd.gradients.backprop`) with every edge recorded, so
    replaying the steps adds the same numbers in the same order as ``backward``. Each
    step names its two Values as every view does (`micrograd.names.graph_names`).
    """
    check_root(root, "trace_backward")
    names = graph_names(root).shown
    steps: list[Step] = []

    def record(step: Step) -> None:
        steps.append(replace(step, node_name=names[step.node], to_name=names[step.to]))

    backprop(root, 1.0, on_step=record)
    return steps


def nodes_within(root: Value, depth: int | None) -> dict[Value, int]:
    """The Values within ``depth`` levels of ``root`` (root is level 1), numbered
    breadth-first. Iterative, one level at a time."""
    index = {root: 0}
    frontier = [root]
    level = 1
    while frontier and (depth is None or level < depth):
        next_level = []
        for node in frontier:
            for parent in node._prev:
                if parent not in index:
                    index[parent] = len(index)
                    next_level.append(parent)
        frontier = next_level
        level += 1
    return index


_NEURON_OPS = (ops.affine.name, ops.relu_affine.name)


def input_order(node: Value) -> list[int]:
    """The slots of ``node``'s inputs in the order to draw them: as given, except that a
    neuron (parents b, w_1..w_n, x_1..x_n) lists b, then each w_i beside its x_i."""
    count = len(node._prev)
    if node._op in _NEURON_OPS and count % 2 == 1:
        n = count // 2
        return [0, *(slot for i in range(1, n + 1) for slot in (i, i + n))]
    return list(range(count))
