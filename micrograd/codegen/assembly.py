"""Program assembly: the groups of statements cut into functions that call each other.

Python compiles a function as one unit, and a graph can have hundreds of thousands of
nodes, so `assemble` cuts the nodes into runs of about `CHUNK_LINES` statements.
Function k runs the forward steps of run k, calls function k + 1, then runs the
backward steps of run k, so that most values stay local variables. A name that one
function sets and another reads goes through the list ``_state``. The `Code` also
knows where the exact program tests a gradient for zero (`Code.exact_source`).
"""

from __future__ import annotations

import operator
from collections.abc import Collection
from dataclasses import dataclass
from itertools import chain
from typing import Any

from micrograd.codegen.groups import Group

__all__ = ["CHUNK_LINES", "MAX_CHUNKS", "Code", "Guard", "assemble", "may_split"]

CHUNK_LINES = 20_000  # statements per generated function (each compiled as one unit)
MAX_CHUNKS = 200  # functions per program at most (they call each other: a deeper stack)
_NAMES_PER_LINE = 200  # lists of a few hundred names: cheaper for Python's compiler


def may_split(n_nodes: int) -> bool:
    """Whether the code of ``n_nodes`` nodes may be cut into more than one function."""
    return n_nodes > CHUNK_LINES


@dataclass(frozen=True, slots=True)
class Guard:
    """Where the exact program differs: the ``count`` lines from ``line`` on are
    ``lines`` there (at the indentation of the first)."""

    line: int
    count: int
    lines: list[str]


@dataclass
class Code:
    """The generated source, with the op of each line, the getters it uses, the slots
    of the results in ``_state`` and the number of nodes; and the lines where the exact
    program tests a step (`micrograd.codegen.steps.passes`)."""

    source: str
    ops: list[str]
    getters: dict[str, Any]
    slots: list[int]
    nodes: int
    guards: list[Guard]

    def exact_source(self) -> tuple[str, list[str]]:
        """The source with each guard's lines in place (the tests of every step that
        needs one), and the op of each line."""
        lines = self.source.split("\n")
        source: list[str] = []
        ops: list[str] = []
        done = 0
        for guard in self.guards:
            i = guard.line
            source += lines[done:i]
            ops += self.ops[done:i]
            indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
            source += [f"{indent}{text}" for text in guard.lines]
            ops += [self.ops[i]] * len(guard.lines)
            done = i + guard.count
        return "\n".join(source + lines[done:]), ops + self.ops[done:]


def assemble(
    n_nodes: int,
    forward: list[tuple[int, Group]],
    backward: list[tuple[int, Group]],
    initial: list[str],
    zeros: set[str],
    finals: list[str],
    lists: set[str],
) -> Code:
    """The source of functions ``_chunk0(_state), _chunk1(_state), ...`` that run the
    ``forward`` groups (one per node, in order) and then the ``backward`` ones (each with
    its node's index in ``forward``, in backward order).

    The nodes are cut into runs of about `CHUNK_LINES` statements, forward and backward
    counted. Function k runs the forward steps of run k, calls function k + 1, then runs
    the backward steps of run k: the values that a node's backward step reads from its
    own run stay local variables. A name that one function sets and another reads goes
    through the list ``_state`` (appended at the end of the segment that sets it, read
    with an ``itemgetter``); ``initial`` are its first items, and the names in
    ``zeros`` start at 0.0 where first read. The names in ``lists`` are items of the
    list ``_g`` (``_state[0]``), which every function has. The results, ``finals``, are
    stored last."""
    run_of = _runs(n_nodes, forward, backward)
    k_runs = run_of[-1] + 1
    # the segments in the order they run: forward of runs 0..K-1, backward of K-1..0
    segments: list[list[Group]] = [[] for _ in range(2 * k_runs)]
    for i, group in forward:
        segments[run_of[i]].append(group)
    for i, group in backward:
        segments[2 * k_runs - 1 - run_of[i]].append(group)
    transfers = _transfers(segments, initial, zeros, finals, lists)
    state = _StateList(initial)
    texts = []
    for s, groups in enumerate(segments):
        opening = ["_g = _state[0]"] if lists and s < k_runs else []
        opening += state.load(s, transfers.loads[s])
        start = transfers.starts[s]
        opening += [
            f"{' = '.join(start[i : i + _NAMES_PER_LINE])} = 0.0"
            for i in range(0, len(start), _NAMES_PER_LINE)
        ]
        text = _segment(opening, groups)
        stored = state.store(transfers.stores[s])
        text.lines += stored
        text.ops += [""] * len(stored)
        texts.append(text)
    final_slots = [state.slot[name] for name in finals]
    return _functions(texts, state.getters, final_slots, n_nodes)


def _runs(
    n_nodes: int, forward: list[tuple[int, Group]], backward: list[tuple[int, Group]]
) -> list[int]:
    """The run of each node: runs of at least `CHUNK_LINES` statements (forward and
    backward counted), and at most `MAX_CHUNKS` runs."""
    cost = [0] * max(n_nodes, 1)
    for i, group in chain(forward, backward):
        cost[i] += len(group.lines)
    size = max(CHUNK_LINES, -(-sum(cost) // MAX_CHUNKS))
    run_of: list[int] = []
    run = total = 0
    for c in cost:
        if total >= size:
            run, total = run + 1, 0
        run_of.append(run)
        total += c
    return run_of


@dataclass(slots=True)
class _Transfers:
    """For each segment, the names it loads from ``_state``, the names it starts at
    0.0 and the names it stores into ``_state``."""

    loads: list[list[str]]
    starts: list[list[str]]
    stores: list[set[str]]


def _transfers(
    segments: list[list[Group]],
    initial: list[str],
    zeros: Collection[str],
    finals: list[str],
    lists: set[str],
) -> _Transfers:
    """Which names each segment loads, starts at 0.0 and stores.

    Segment s runs in function ``frame[s]``. A name read before the segment sets it is
    loaded unless that function holds it as last set (``version``: the segment, -1 for
    an item of ``initial``); the segment that set it stores it. The ``finals`` are
    stored by the function that set them last."""
    k_runs = len(segments) // 2
    frame = [*range(k_runs), *reversed(range(k_runs))]
    version = dict.fromkeys(initial, -1)
    held: list[dict[str, int]] = [{} for _ in range(k_runs)]
    transfers = _Transfers([], [], [set() for _ in segments])
    for s, groups in enumerate(segments):
        mine = held[frame[s]]
        reads = set(chain.from_iterable([g.reads for g in groups]))
        writes = set(chain.from_iterable([g.writes for g in groups]))
        defines = set(chain.from_iterable([g.defines for g in groups]))
        if lists:
            reads -= lists
            writes -= lists
        load: list[str] = []
        start: list[str] = []
        for name in sorted(reads - defines):
            v = version.get(name)
            if v is None:
                assert name in zeros, name
                start.append(name)
            elif mine.get(name) != v:
                load.append(name)
                mine[name] = v
                if v >= 0:
                    transfers.stores[v].add(name)
        now = dict.fromkeys(writes, s)
        version.update(now)
        mine.update(now)
        transfers.loads.append(load)
        transfers.starts.append(start)
    for name in finals:
        v = version[name]
        if v >= 0:
            transfers.stores[2 * k_runs - 1 - frame[v]].add(name)
    return transfers


class _StateList:
    """The layout of the list ``_state``: the slot of each name, numbered in the order
    the segments run, and the getters that read several slots at once."""

    def __init__(self, initial: list[str]) -> None:
        self.slot = {name: i for i, name in enumerate(initial)}
        self.size = len(initial)
        self.getters: dict[str, Any] = {}

    def load(self, segment: int, names: list[str]) -> list[str]:
        """The statements that read ``names`` from their slots."""
        if not names:
            return []
        if len(names) == 1:
            return [f"{names[0]} = _state[{self.slot[names[0]]}]"]
        getter = f"_get{segment}"
        self.getters[getter] = operator.itemgetter(*(self.slot[n] for n in names))
        return [f"{', '.join(names)}, = {getter}(_state)"]

    def store(self, names: Collection[str]) -> list[str]:
        """The statements that append ``names`` to ``_state``, each given its slot."""
        ordered = sorted(names)
        for name in ordered:
            self.slot[name] = self.size
            self.size += 1
        return [
            f"_state += [{', '.join(ordered[i : i + _NAMES_PER_LINE])}]"
            for i in range(0, len(ordered), _NAMES_PER_LINE)
        ]


@dataclass(slots=True)
class _Text:
    """Lines of code, the op of each (for error messages) and the guards among them."""

    lines: list[str]
    ops: list[str]
    guards: list[Guard]


def _segment(opening: list[str], groups: list[Group]) -> _Text:
    """The text of one segment: the ``opening`` lines, then each group's lines."""
    text = _Text(opening, [""] * len(opening), [])
    lines, ops = text.lines, text.ops
    for group in groups:
        if group.guard is not None:
            text.guards.append(Guard(len(lines), len(group.lines), group.guard))
        lines += group.lines
        if len(group.lines) == 1:
            ops.append(group.op)
        else:
            ops += [group.op] * len(group.lines)
    return text


def _functions(
    texts: list[_Text], getters: dict[str, Any], final_slots: list[int], n_nodes: int
) -> Code:
    """The functions: ``_chunk{k}`` runs segment k, calls ``_chunk{k + 1}``, then runs
    segment 2K - 1 - k; the guards' lines become line numbers in the whole source."""
    k_runs = len(texts) // 2
    source: list[str] = []
    line_ops: list[str] = []
    guards: list[Guard] = []
    for k in range(k_runs):
        ahead, back = texts[k], texts[2 * k_runs - 1 - k]
        lines, ops = ahead.lines, ahead.ops
        if k + 1 < k_runs:
            lines, ops = [*lines, f"_chunk{k + 1}(_state)"], [*ops, ""]
        first = len(line_ops) + 1  # the body's first line (after the def)
        guards += [Guard(first + g.line, g.count, g.lines) for g in ahead.guards]
        first += len(lines)
        guards += [Guard(first + g.line, g.count, g.lines) for g in back.guards]
        lines, ops = [*lines, *back.lines] or ["pass"], [*ops, *back.ops] or [""]
        source += [f"def _chunk{k}(_state):", "    " + "\n    ".join(lines)]
        line_ops += ["", *ops]
    return Code("\n".join(source) + "\n", line_ops, getters, final_slots, n_nodes, guards)
