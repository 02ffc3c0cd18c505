"""Neurons and layers found in a graph: the boxes of the explorer's coarser levels.

A **neuron** is a node ``w·x+b`` or ``ReLU(w·x+b)`` (parents b, w_1..w_n, x_1..x_n, as
`micrograd.nn` builds it) whose bias and weights are parameters: leaves that are not
constants, none of them also an input. With it goes the activation node that alone
reads it (tanh, sigmoid) if there is one. The same op on constants is no neuron: a
hinge loss term relu(1 - y s) is ``ReLU(w·x+b)`` with b = 1 and w = -y, and
`micrograd.losses.l2` is ``w·x+b`` of the parameters with themselves.

A **layer** is the neurons that read the same inputs and whose parameters carry the
same layer name (``L0`` of ``L0.n3.b``). At the level ``'neurons'`` each neuron is
one box and its weights ride on the edges from its inputs; at ``'layers'`` each layer
is one box. Every other Value keeps its own box, except a neuron's weights and bias
when nothing else reads them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from micrograd import ops
from micrograd.engine import Value, is_constant, op_of

__all__ = ["LEVELS", "Unit", "boxes_of", "units_of"]

LEVELS = ("values", "neurons", "layers")
_AFFINE = (ops.affine, ops.relu_affine)
_ACTIVATIONS = (ops.tanh, ops.sigmoid, ops.relu)


@dataclass
class Unit:
    """One box standing for a neuron or a layer.

    ``outputs`` are the Values it makes (one per neuron), ``sums`` each neuron's w·x+b
    node, ``inside`` every interior Value it stands for (the sums and activations),
    ``params[j]`` neuron j's bias and weights, ``inputs`` the Values it reads (in
    order) and ``weights[i]`` the weights on input i, one per neuron."""

    id: str
    name: str
    op: str
    outputs: list[Value]
    sums: list[Value]
    inside: list[Value]
    params: list[list[Value]]
    inputs: list[Value]
    weights: list[list[Value]] = field(default_factory=list)


def _is_neuron(z: Value) -> bool:
    """``z`` is a neuron's w·x+b: an affine node whose bias and weights are parameters
    (leaves, not constants) and none of them an input too."""
    n = (len(z._prev) - 1) // 2
    if op_of(z) not in _AFFINE or n < 1 or len(z._prev) != 2 * n + 1:
        return False
    params = z._prev[: n + 1]
    if any(p._prev or is_constant(p) for p in params):
        return False
    return set(params).isdisjoint(z._prev[n + 1 :])


def _neurons(order: list[Value], consumers: dict[Value, list[Value]]) -> list[Unit]:
    """The neurons among ``order`` (Values in forward order), as units."""
    found = []
    for z in order:
        if not _is_neuron(z):
            continue
        n = (len(z._prev) - 1) // 2
        out, inside = z, [z]
        readers = consumers.get(z, [])
        if len(readers) == 1 and len(readers[0]._prev) == 1 and op_of(readers[0]) in _ACTIVATIONS:
            out = readers[0]
            inside.append(out)
        bias, weights, inputs = z._prev[0], list(z._prev[1 : n + 1]), list(z._prev[n + 1 :])
        op = z._op if out is z else f"{out._op}({z._op})"
        name = bias.label[:-2] if bias.label.endswith(".b") else ""
        found.append(
            Unit(
                "", name, op, [out], [z], inside, [[bias, *weights]], inputs, [[w] for w in weights]
            )
        )
    return found


def _numbered(units: list[Unit], prefix: str, fallback: str) -> None:
    """Give each unit its id and a unique name: its own (``L0.n3``), with ``[k]`` for
    the k-th of several copies (one per data point), else ``fallback`` and a number."""
    total: dict[str, int] = {}
    for u in units:
        total[u.name] = total.get(u.name, 0) + 1
    seen: dict[str, int] = {}
    for i, u in enumerate(units):
        u.id = f"{prefix}{i}"
        seen[u.name] = seen.get(u.name, 0) + 1
        if not u.name:
            u.name = f"{fallback} {i + 1}"
        elif total[u.name] > 1:
            u.name = f"{u.name} [{seen[u.name]}]"


def _layers(neurons: list[Unit]) -> list[Unit]:
    """The neurons grouped into layers: the same inputs and the same layer name."""
    groups: dict[tuple[str, tuple[int, ...]], list[Unit]] = {}
    for u in neurons:
        layer = u.name.split(".")[0] if "." in u.name else ""
        groups.setdefault((layer, tuple(map(id, u.inputs))), []).append(u)
    layers = []
    for (name, _), members in groups.items():
        ops_used = sorted({u.op for u in members})
        layers.append(
            Unit(
                "",
                name,
                f"{len(members)} × {' / '.join(ops_used)}",
                [u.outputs[0] for u in members],
                [u.sums[0] for u in members],
                [v for u in members for v in u.inside],
                [p for u in members for p in u.params],
                members[0].inputs,
                [[u.weights[i][0] for u in members] for i in range(len(members[0].inputs))],
            )
        )
    return layers


def units_of(order: Iterable[Value], level: str) -> list[Unit]:
    """The units of ``level`` among ``order`` (the Values drawn, in forward order): none
    for ``'values'``, the neurons, or the layers. ValueError for another level."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(map(repr, LEVELS))}, got {level!r}")
    if level == "values":
        return []
    values = list(order)
    consumers: dict[Value, list[Value]] = {}
    for v in values:
        for p in v._prev:
            consumers.setdefault(p, []).append(v)
    neurons = _neurons(values, consumers)
    _numbered(neurons, "u", "neuron")
    if level == "neurons":
        return neurons
    layers = _layers(neurons)
    _numbered(layers, "l", "layer")
    return layers


def boxes_of(values: Iterable[Value], units: list[Unit]) -> dict[Value, Value | Unit | None]:
    """What shows each of ``values`` at the level of ``units``: the Value's own box, its
    unit, or None for a parameter that only units read (it rides on their edges)."""
    box: dict[Value, Value | Unit | None] = {v: v for v in values}
    readers: dict[Value, list[Value]] = {}
    for v in box:
        for p in v._prev:
            readers.setdefault(p, []).append(v)
    inside = {v for u in units for v in u.inside}
    for u in units:
        for v in u.inside:
            box[v] = u
        for p in (p for params in u.params for p in params):
            if p in box and all(r in inside for r in readers.get(p, [])):
                box[p] = None
    return box
