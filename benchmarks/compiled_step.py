"""The compiled training step (`micrograd.compile`) beside the hand-written floats step.

    python benchmarks/compiled_step.py [--floats FILE] [--steps N]

Workload of ``floats_mlp.py`` (default: ``../shared/bench/floats_mlp.py`` beside this
repository): MLP(2, [16, 16, 1]), its 100 points and initial weights, hinge + L2 as in
the guide (`losses.hinge` + `losses.l2`), SGD with its learning rates. Both steps run
in this process in turns, one step each, step k of both from the same weights (the
floats step's first k steps run untimed), and the table shows medians. The floats step
times forward and backward; the compiled step's time includes zeroing the gradients
and, in a second row, the SGD update as well. Then a graph of 200,000 nodes (a deep
chain ending in a sum over 40,000 parameters) is compiled and timed, and its result
compared with eager mode.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from micrograd import Value, compile, losses, ops  # noqa: E402
from micrograd.nn import MLP  # noqa: E402
from micrograd.optim import SGD  # noqa: E402

ALPHA = 1e-4
DEFAULT_FLOATS = ROOT.parent / "shared" / "bench" / "floats_mlp.py"


def load_floats(path: str):
    spec = importlib.util.spec_from_file_location("floats_mlp", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--floats", default=str(DEFAULT_FLOATS))
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    compiled_step_table(args)
    large_graph()
    return 0


def large_graph() -> None:
    """Compile time of a 200,000-node graph, and its result against eager mode."""
    ws = [Value(0.5 + 1e-6 * i) for i in range(40_000)]

    def f(x: Value) -> Value:
        y = x
        for i in range(64_000):
            w = ws[i % len(ws)]
            y = (y * w).tanh() if i % 2 else y + w * 0.001
        return ops.total(y, *ws)

    root = f(Value(0.25))
    nodes, stack = {root}, [root]
    while stack:
        for p in stack.pop()._prev:
            if p not in nodes:
                nodes.add(p)
                stack.append(p)
    root.backward()
    size, value, expected = len(nodes), root.data, [w.grad for w in ws]
    del root, nodes, stack  # the eager graph goes before the compiled one is made
    for w in ws:
        w.grad = 0.0
    start = time.perf_counter()
    step = compile(f)
    source = step.source(0.25)  # trace, generate and compile
    seconds = time.perf_counter() - start
    same = step(0.25) == value and [w.grad for w in ws] == expected
    print(
        f"\nA graph of {size:,} nodes: compiled (trace, generate, compile) in "
        f"{seconds:.2f} s, {source.count('def _chunk')} functions, "
        f"{source.count(chr(10)):,} lines; value and gradients "
        f"{'equal to' if same else 'DIFFERENT from'} eager mode."
    )


def compiled_step_table(args: argparse.Namespace) -> None:
    reference = load_floats(args.floats)
    X, Y = reference.moons(100)
    model = MLP(2, [16, 16, 1])
    params = model.parameters()
    for p, w in zip(params, reference.init_params(), strict=True):
        p.data = w
    twin = MLP(2, [16, 16, 1])
    for p, q in zip(params, twin.parameters()):
        q.data = p.data

    def loss(model, xs):
        return losses.hinge([model(x) for x in xs], Y) + ALPHA * losses.l2(model.parameters())

    start = time.perf_counter()
    step = compile(lambda xs: loss(model, xs))
    step.source(X)  # trace, generate and compile
    compile_s = time.perf_counter() - start

    optimizer, twin_optimizer = SGD(params, lr=1.0), SGD(twin.parameters(), lr=1.0)
    compiled, updated, floats, differ = [], [], [], 0
    for k in range(args.steps):
        lr = 1.0 - 0.9 * k / 100
        t0 = time.perf_counter()
        optimizer.zero_grad()
        value = step(X)
        t1 = time.perf_counter()
        optimizer.lr = lr
        optimizer.step()
        t2 = time.perf_counter()
        compiled.append(t1 - t0)
        updated.append(t2 - t0)
        # the floats step k, from the same weights as the compiled step k (its first k
        # steps are run untimed to get there)
        times, _, _ = reference.mlp_steps_floats(k + 1, 100)
        floats.append(sum(times[k]))
        twin_optimizer.zero_grad()
        eager = loss(twin, X)
        eager.backward()
        differ += sum(p.grad != q.grad for p, q in zip(params, twin.parameters()))
        differ += value != eager.data
        twin_optimizer.lr = lr
        twin_optimizer.step()
    f = statistics.median(floats)
    print("## Compiled training step: MLP(2, [16, 16, 1]), 100 points, hinge + L2\n")
    print("| step | time per step | x the floats step |")
    print("|---|---:|---:|")
    for name, ts in [
        ("hand-written floats step (floats_mlp.py), forward + backward", floats),
        ("micrograd.compile: zero_grad + forward + backward", compiled),
        ("micrograd.compile: zero_grad + forward + backward + SGD update", updated),
    ]:
        m = statistics.median(ts)
        print(f"| {name} | {m * 1e3:.2f} ms | {m / f:.2f} |")
    print(
        f"\nMedians of {args.steps} steps taken in turns in one process. One-off compile "
        f"(trace, generate, compile): {compile_s:.2f} s. Losses and gradients that differ "
        f"from eager mode (bit for bit) over all steps: {differ}."
    )


if __name__ == "__main__":
    sys.exit(main())
