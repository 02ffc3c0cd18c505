"""A/B: this checkout's engine against another revision's, in turns, each run a fresh interpreter.

    python benchmarks/ab.py [--base REV] [--rounds N] [--steps N] [--workloads demo,microgpt]

``REV`` (default ``main``) is exported with ``git archive`` into a temporary folder. Each
round runs every workload once with the revision's ``micrograd`` and once with this
checkout's, the order swapped every round, each in a fresh interpreter, so that
neither side's garbage lands on the other's clock. A run times ``N`` steps; the table
gives the medians over the rounds of each run's median step, in CPU time of the process
(which a busy machine disturbs less than wall time) and in wall time, and the median of
the rounds' ratios. The runs must agree on every step's loss, bit for bit.

- ``demo``: the guide's training step, `MLP(2, [16, 16, 1])` on 100 two-moons points,
  ``losses.hinge`` + ``losses.l2``, backward, ``optim.SGD`` (as ``run.py``);
- ``microgpt``: the step of ``microgpt_step.py`` (forward, backward, Adam).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent


def demo_step(steps: int) -> tuple[list[tuple[float, float]], list[float]]:
    import run  # this folder's run.py: the workload and the floats step's weights and points

    from micrograd import losses
    from micrograd.nn import MLP
    from micrograd.optim import SGD

    reference = run.load_floats(str(run.DEFAULT_FLOATS))
    X, Y = reference.moons(run.N_POINTS)
    model = MLP(2, [16, 16, 1])
    params = model.parameters()
    for p, w in zip(params, reference.init_params(), strict=True):
        p.data = w
    optimizer = SGD(params, lr=1.0)
    times, results = [], []
    for k in range(steps):
        cpu, wall = time.process_time(), time.perf_counter()
        loss = losses.hinge([model(x) for x in X], Y) + run.ALPHA * losses.l2(params)
        optimizer.zero_grad()
        loss.backward()
        optimizer.lr = 1.0 - 0.9 * k / 100
        optimizer.step()
        results.append(loss.data)
        del loss
        times.append((time.process_time() - cpu, time.perf_counter() - wall))
    return times, results


def microgpt_step(steps: int) -> tuple[list[tuple[float, float]], list[float]]:
    import microgpt_step as gpt  # this folder's microgpt_step.py: the model and its data

    from micrograd import Value

    words = gpt.make_words()
    chars = sorted(set("".join(words)))
    bos = len(chars)
    sd = {
        name: [[Value(w) for w in row] for row in matrix]
        for name, matrix in gpt.init_weights(len(chars) + 1).items()
    }
    optimizer = gpt.Adam([p for matrix in sd.values() for row in matrix for p in row])
    times, results = [], []
    for k in range(steps):
        tokens = [bos, *(chars.index(c) for c in words[k % len(words)]), bos]
        cpu, wall = time.process_time(), time.perf_counter()
        loss = gpt.word_loss(tokens, sd)
        loss.backward()
        optimizer.step()
        results.append(loss.data)
        del loss
        times.append((time.process_time() - cpu, time.perf_counter() - wall))
    return times, results


WORKLOADS = {"demo": demo_step, "microgpt": microgpt_step}


def worker(root: str, workload: str, steps: int) -> dict[str, Any]:
    sys.path[:0] = [root, str(BENCH)]
    import micrograd

    if Path(micrograd.__file__).resolve().parent.parent != Path(root).resolve():
        raise SystemExit(f"imported {micrograd.__file__}, not the one in {root}")
    times, results = WORKLOADS[workload](steps)
    return {
        "cpu": statistics.median(c for c, _ in times),
        "wall": statistics.median(w for _, w in times),
        "results": [x.hex() for x in results],
    }


def spawn(root: Path, workload: str, steps: int) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--worker", str(root), workload, "--steps", str(steps)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=root)
    if done.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def compare(base: Path, workload: str, rounds: int, steps: int, label: str) -> None:
    runs: dict[str, list[dict[str, Any]]] = {"base": [], "this": []}
    sides = {"base": base, "this": ROOT}
    for i in range(rounds):
        for side in ("base", "this") if i % 2 == 0 else ("this", "base"):
            runs[side].append(spawn(sides[side], workload, steps))
    results = {r["results"] == runs["base"][0]["results"] for r in runs["base"] + runs["this"]}
    if results != {True}:
        raise SystemExit(f"{workload}: the losses differ between {label} and this checkout")
    row = [f"{workload}"]
    for clock in ("cpu", "wall"):
        base_t = statistics.median(r[clock] for r in runs["base"])
        this_t = statistics.median(r[clock] for r in runs["this"])
        paired = statistics.median(b[clock] / t[clock] for b, t in zip(runs["base"], runs["this"]))
        row += [f"{base_t * 1e3:,.2f} ms", f"{this_t * 1e3:,.2f} ms", f"{paired:.3f}"]
    print("| " + " | ".join(row) + " |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="main", help="the git revision to compare with")
    parser.add_argument("--rounds", type=int, default=10, help="runs of each side")
    parser.add_argument("--steps", type=int, default=10, help="steps a run times")
    parser.add_argument("--workloads", default="demo,microgpt", help="comma-separated")
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker[0], args.worker[1], args.steps)))
        return 0
    workloads = args.workloads.split(",")
    unknown = [w for w in workloads if w not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workload {unknown[0]!r} (known: {', '.join(WORKLOADS)})")
    with tempfile.TemporaryDirectory() as folder:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", args.base, "micrograd"],
            capture_output=True, check=True,
        )  # fmt: skip
        subprocess.run(["tar", "-x", "-C", folder], input=archive.stdout, check=True)
        print(f"## {args.base} against this checkout: {args.rounds} runs each, in turns\n")
        print("| workload | base CPU | this CPU | base/this CPU | base wall | this wall "
              "| base/this wall |")  # fmt: skip
        print("|---|---:|---:|---:|---:|---:|---:|")
        for workload in workloads:
            compare(Path(folder), workload, args.rounds, args.steps, args.base)
    print(f"\nMedian step of each run ({args.steps} steps), median over the runs; the ratios")
    print("are medians of each round's pair (above 1: this checkout is faster).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
