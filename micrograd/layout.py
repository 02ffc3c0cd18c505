"""A layered drawing of a directed acyclic graph, flowing left to right, in pure Python.

The pages of `micrograd.explorer` are laid out here, so they need no Graphviz. The
method is Sugiyama's, in four steps:

1. **Columns.** Every edge points right. A node sits one column left of its nearest
   consumer: column(v) = C - longest path from v to a sink, so a leaf stands next to
   the op that reads it (a neuron's bias beside its sum, not at the far left).
2. **Dummies.** An edge that spans k > 1 columns is cut into k segments by k - 1 dummy
   nodes, one per column it crosses; its route passes through them.
3. **Order.** Within each column the nodes are ordered first by a depth-first walk from
   the sinks, inputs in slot order, then by barycentre sweeps: each node moves to the
   mean position of its neighbours in the column before (or after), where an edge into
   a slot at height p of a node of height h counts at position + p/h. The order with
   the fewest crossings seen is kept, then neighbours swap while that removes crossings.
4. **Heights.** Each node wants the mean height of its neighbours (each edge's end at
   its slot); the nearest heights that keep the order and the gaps are an isotonic
   regression, solved exactly by pool-adjacent-violators, a few sweeps each way.

Everything is iterative (graphs can be deep) and takes O(sweeps × edges × log edges).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

__all__ = ["Edge", "Layout", "layered_layout"]

COLUMN_GAP = 56.0  # pixels between columns
ROW_GAP = 14.0  # pixels between nodes in a column
DUMMY_HEIGHT = 4.0  # the room an edge takes where it crosses a column
SWEEPS = 12


@dataclass(frozen=True)
class Edge:
    """An edge from ``tail`` to ``head`` (node numbers) that enters ``head`` at height
    ``port`` relative to its centre (0: the middle of its left side)."""

    tail: int
    head: int
    port: float = 0.0


@dataclass(frozen=True)
class Layout:
    """Node centres ``(x, y)``, each edge's route as points from the tail's right side
    to the head's left side (through its dummies), and the size of the whole drawing."""

    centres: list[tuple[float, float]]
    routes: list[list[tuple[float, float]]]
    width: float
    height: float
    crossings: int  # pairs of edges that cross (Sugiyama's count between columns)


def layered_layout(
    sizes: Sequence[tuple[float, float]],
    edges: Sequence[Edge],
    margin: float = 8.0,
    gap: float = COLUMN_GAP,
) -> Layout:
    """Lay out nodes of the given ``(width, height)`` so that every edge points right,
    ``gap`` pixels between columns.

    ValueError if an edge names a node that does not exist or the edges form a cycle.
    """
    n = len(sizes)
    for e in edges:
        if not (0 <= e.tail < n and 0 <= e.head < n) or e.tail == e.head:
            raise ValueError(f"layered_layout: edge {e} does not join two of the {n} nodes")
    column = _columns(n, edges)
    graph = _Segments(sizes, edges, column)
    graph.order()
    return graph.place(margin, gap)


def _columns(n: int, edges: Sequence[Edge]) -> list[int]:
    """Each node's column: the longest path to a sink, counted from the right."""
    heads: list[list[int]] = [[] for _ in range(n)]
    waiting = [0] * n  # how many of a node's consumers are not placed yet
    for e in edges:
        heads[e.tail].append(e.head)
        waiting[e.tail] += 1
    tails: list[list[int]] = [[] for _ in range(n)]
    for e in edges:
        tails[e.head].append(e.tail)
    depth = [0] * n
    ready = [v for v in range(n) if not waiting[v]]
    done = 0
    while ready:
        v = ready.pop()
        done += 1
        for h in heads[v]:
            depth[v] = max(depth[v], depth[h] + 1)
        for t in tails[v]:
            waiting[t] -= 1
            if not waiting[t]:
                ready.append(t)
    if done < n:
        raise ValueError("layered_layout: the edges form a cycle")
    deepest = max(depth, default=0)
    return [deepest - d for d in depth]


class _Segments:
    """The graph with dummies: every edge joins neighbouring columns."""

    def __init__(
        self, sizes: Sequence[tuple[float, float]], edges: Sequence[Edge], column: list[int]
    ) -> None:
        self.edges = edges
        self.size = [(float(w), float(h)) for w, h in sizes]
        self.column = list(column)
        # segments into and out of each node: (other end, port fraction, port offset),
        # both describing the head's end
        self.ins: list[list[tuple[int, float, float]]] = [[] for _ in sizes]
        self.outs: list[list[tuple[int, float, float]]] = [[] for _ in sizes]
        self.chains: list[list[int]] = []
        for e in edges:
            chain = [e.tail]
            for c in range(column[e.tail] + 1, column[e.head]):
                chain.append(self._dummy(c))
            chain.append(e.head)
            self.chains.append(chain)
            for a, b in pairwise(chain):
                port = e.port if b == e.head else 0.0
                fraction = max(-0.5, min(0.5, port / max(self.size[b][1], 1.0)))
                self.ins[b].append((a, fraction, port))
                self.outs[a].append((b, fraction, port))
        self.layers: list[list[int]] = [[] for _ in range(max(self.column, default=-1) + 1)]

    def _dummy(self, c: int) -> int:
        self.size.append((0.0, DUMMY_HEIGHT))
        self.column.append(c)
        self.ins.append([])
        self.outs.append([])
        return len(self.size) - 1

    def order(self) -> None:
        """Order every column: a depth-first walk from the sinks, then barycentre sweeps."""
        seen = [False] * len(self.size)
        rank = [0] * len(self.size)
        counter = 0
        stack = [v for v in reversed(range(len(self.size))) if not self.outs[v]]
        while stack:
            v = stack.pop()
            if seen[v]:
                continue
            seen[v] = True
            rank[v] = counter
            counter += 1
            stack.extend(t for t, _, _ in reversed(self.ins[v]) if not seen[t])
        for v in sorted(range(len(self.size)), key=rank.__getitem__):
            self.layers[self.column[v]].append(v)
        best, fewest = [list(layer) for layer in self.layers], self.crossings()
        for sweep in range(SWEEPS):
            self._sweep(downward=sweep % 2 == 0)
            found = self.crossings()
            if found < fewest:
                best, fewest = [list(layer) for layer in self.layers], found
        self.layers = best
        self._switch()
        self.fewest = self.crossings()

    def _switch(self) -> None:
        """Swap neighbours in a column while that removes crossings (a few passes)."""
        for _ in range(SWEEPS // 2):
            position = self._positions()
            swapped = False
            for layer in self.layers:
                for i in range(len(layer) - 1):
                    u, v = layer[i], layer[i + 1]
                    now, then = self._pair_crossings(u, v, position)
                    if then < now:
                        layer[i], layer[i + 1] = v, u
                        position[u], position[v] = i + 1, i
                        swapped = True
            if not swapped:
                return

    def _pair_crossings(self, u: int, v: int, position: list[int]) -> tuple[int, int]:
        """Crossings among the edges of u and v with u above v, and with v above u."""
        above = below = 0
        for mine, theirs in (
            (
                [float(position[t]) for t, _, _ in self.ins[u]],
                [position[t] for t, _, _ in self.ins[v]],
            ),
            (
                [position[h] + f for h, f, _ in self.outs[u]],
                [position[h] + f for h, f, _ in self.outs[v]],
            ),
        ):
            for a in mine:
                for b in theirs:
                    above += a > b
                    below += a < b
        return above, below

    def _sweep(self, downward: bool) -> None:
        position = self._positions()
        indices = range(1, len(self.layers)) if downward else range(len(self.layers) - 2, -1, -1)
        for c in indices:
            layer = self.layers[c]

            def key(v: int) -> float:
                if downward:
                    near = [position[t] + f for t, f, _ in self.ins[v]]
                else:
                    near = [position[h] + f for h, f, _ in self.outs[v]]
                return sum(near) / len(near) if near else float(position[v])

            layer.sort(key=key)
            for i, v in enumerate(layer):
                position[v] = i

    def _positions(self) -> list[int]:
        position = [0] * len(self.size)
        for layer in self.layers:
            for i, v in enumerate(layer):
                position[v] = i
        return position

    def crossings(self) -> int:
        """How many pairs of segments cross between neighbouring columns (an edge's
        end counted at its slot)."""
        position = self._positions()
        total = 0
        for layer in self.layers[1:]:
            pairs = sorted((position[t], position[v] + f) for v in layer for t, f, _ in self.ins[v])
            total += _inversions([head for _, head in pairs])
        return total

    def place(self, margin: float, gap: float) -> Layout:
        """Heights by isotonic regression towards the neighbours, then the routes."""
        width = [max((self.size[v][0] for v in layer), default=0.0) for layer in self.layers]
        left = [margin]
        for w in width[:-1]:
            left.append(left[-1] + w + gap)
        x = [left[self.column[v]] + width[self.column[v]] / 2 for v in range(len(self.size))]
        y = [0.0] * len(self.size)
        for layer in self.layers:
            _stack(layer, self.size, y, [0.0] * len(layer))
        for sweep in range(2 * SWEEPS):
            downward = sweep % 2 == 0
            both = sweep >= 2 * SWEEPS - 2  # the last sweeps look both ways
            indices = range(len(self.layers)) if downward else reversed(range(len(self.layers)))
            for c in indices:
                layer = self.layers[c]
                wanted = [self._wanted(v, y, downward or both, not downward or both) for v in layer]
                _stack(layer, self.size, y, wanted)
        top = min((y[v] - h / 2 for v, (_, h) in enumerate(self.size)), default=0.0)
        y = [h - top + margin for h in y]
        bottom = max((y[v] + h / 2 for v, (_, h) in enumerate(self.size)), default=0.0)
        routes = []
        for e, chain in zip(self.edges, self.chains):
            points = [(x[e.tail] + self.size[e.tail][0] / 2, y[e.tail])]
            for d in chain[1:-1]:
                c = self.column[d]
                points += [(left[c], y[d]), (left[c] + width[c], y[d])]
            points.append((x[e.head] - self.size[e.head][0] / 2, y[e.head] + e.port))
            routes.append(points)
        n = len(self.size) - sum(len(chain) - 2 for chain in self.chains)
        return Layout(
            centres=list(zip(x[:n], y[:n])),
            routes=routes,
            width=left[-1] + width[-1] + margin if self.layers else 2 * margin,
            height=bottom + margin,
            crossings=self.fewest,
        )

    def _wanted(self, v: int, y: list[float], back: bool, ahead: bool) -> float:
        """The height ``v`` would like: the mean of its neighbours' ends of its edges,
        those in the column before (``back``) and after (``ahead``)."""
        near: list[float] = []
        if back:
            near += [y[t] - port for t, _, port in self.ins[v]]
        if ahead:
            near += [y[h] + port for h, _, port in self.outs[v]]
        return sum(near) / len(near) if near else y[v]


def _stack(
    layer: list[int], size: list[tuple[float, float]], y: list[float], wanted: list[float]
) -> None:
    """Set ``y`` of the column's nodes as near ``wanted`` as the order and gaps allow.

    With c_i the least offset of node i from node 0 (half heights plus gaps), z_i =
    y_i - c_i must not decrease: the least-squares z is the isotonic regression of
    wanted_i - c_i, which pool-adjacent-violators finds in one pass.
    """
    offsets = [0.0]
    for a, b in pairwise(layer):
        offsets.append(offsets[-1] + (size[a][1] + size[b][1]) / 2 + ROW_GAP)
    blocks: list[list[float]] = []  # [mean, count]
    for target in (w - c for w, c in zip(wanted, offsets)):
        blocks.append([target, 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            mean, count = blocks.pop()
            blocks[-1][0] = (blocks[-1][0] * blocks[-1][1] + mean * count) / (blocks[-1][1] + count)
            blocks[-1][1] += count
    i = 0
    for mean, count in blocks:
        for _ in range(int(count)):
            y[layer[i]] = mean + offsets[i]
            i += 1


def _inversions(sequence: list[float]) -> int:
    """How many pairs i < j have sequence[j] < sequence[i] (a Fenwick tree over ranks)."""
    ranks = {v: r for r, v in enumerate(sorted(set(sequence)), start=1)}
    tree = [0] * (len(ranks) + 1)
    total = 0
    for seen, v in enumerate(sequence):
        r = ranks[v]
        not_greater = 0
        i = r
        while i > 0:
            not_greater += tree[i]
            i -= i & -i
        total += seen - not_greater
        i = r
        while i < len(tree):
            tree[i] += 1
            i += i & -i
    return total
