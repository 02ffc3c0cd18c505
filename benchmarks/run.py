"""Benchmarks: this engine side by side with micrograd 0.1.0, PyTorch and plain floats.

    python benchmarks/run.py [--micrograd DIR] [--steps N]

Every measurement runs in a fresh interpreter, so one engine's garbage never lands
on another's clock and the two packages named ``micrograd`` never meet. ``DIR`` is a
folder holding micrograd 0.1.0 (``pip install --target DIR micrograd==0.1.0``;
``make bench`` does this). Prints markdown tables; times are medians of one run,
so read the ratios, not the absolute numbers.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import math
import random
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = 1337
N_POINTS = 100
ALPHA = 1e-4
CHAIN_VALUES = 1_000_000


# ---------------------------------------------------------------------------
# Workload shared by every engine
# ---------------------------------------------------------------------------


def two_moons(n: int = N_POINTS, noise: float = 0.1, seed: int = SEED):
    """Two interleaving half circles, labels -1 / +1 (the micrograd demo's data)."""
    rng = random.Random(seed)
    xs, ys = [], []
    for i in range(n):
        upper = i < n // 2
        t = math.pi * rng.random()
        if upper:
            x, y, label = math.cos(t), math.sin(t), 1
        else:
            x, y, label = 1.0 - math.cos(t), 0.5 - math.sin(t), -1
        xs.append([x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)])
        ys.append(label)
    return xs, ys


def generic_graph_ops(n_ops: int = 20_000, n_leaves: int = 50, seed: int = SEED):
    """A random DAG of elementwise ops whose values stay in [-1, 1]."""
    rng = random.Random(seed)
    leaves = [rng.uniform(-1.0, 1.0) for _ in range(n_leaves)]
    ops = []
    for i in range(n_ops):
        size = n_leaves + i
        # favour recent nodes so the graph is deep as well as wide
        a = size - 1 - min(int(rng.expovariate(0.05)), size - 1)
        b = rng.randrange(size)
        ops.append((rng.choice(("add", "sub", "mul", "relu", "square")), a, b))
    return leaves, ops


def build_generic(leaves, ops):
    """Evaluate ``ops`` on ``leaves`` with the engine's own operators; return the sum."""
    nodes = list(leaves)
    for kind, i, j in ops:
        a, b = nodes[i], nodes[j]
        if kind == "add":
            out = (a + b) * 0.5
        elif kind == "sub":
            out = (a - b) * 0.5
        elif kind == "mul":
            out = a * b
        elif kind == "relu":
            out = a.relu()
        else:
            out = a**2
        nodes.append(out)
    total = nodes[-1]
    for node in nodes[-100:-1]:
        total = total + node
    return total


# ---------------------------------------------------------------------------
# Workers: each runs in its own interpreter and prints one JSON object
# ---------------------------------------------------------------------------


def load_engine(engine: str, micrograd_dir: str | None):
    sys.path.insert(0, str(micrograd_dir) if engine == "micrograd" else str(ROOT))
    from micrograd.engine import Value
    from micrograd.nn import MLP

    if engine == "micrograd":
        assert not hasattr(Value, "__slots__"), "expected micrograd 0.1.0"
    return Value, MLP


def demo_loss(model, Value, X, Y):
    """The micrograd demo's loss, written as its users write it."""
    inputs = [list(map(Value, xrow)) for xrow in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(Y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * sum(p * p for p in model.parameters())
    return data_loss + reg_loss


def worker_train(engine: str, micrograd_dir: str | None, steps: int) -> dict:
    Value, MLP = load_engine(engine, micrograd_dir)
    X, Y = two_moons()
    random.seed(SEED)
    model = MLP(2, [16, 16, 1])
    times, first = [], None
    for k in range(steps):
        start = time.perf_counter()
        total_loss = demo_loss(model, Value, X, Y)
        model.zero_grad()
        total_loss.backward()
        if first is None:
            first = {"loss": total_loss.data, "grads": [p.grad for p in model.parameters()]}
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        times.append(time.perf_counter() - start)
    return {"step_s": statistics.median(times), **first}


def worker_train_floats(steps: int) -> dict:
    """The same training step written by hand on lists of floats: the pure-Python limit."""
    X, Y = two_moons()
    random.seed(SEED)
    sizes = [2, 16, 16, 1]
    weights, biases = [], []
    for nin, nout in itertools.pairwise(sizes):  # micrograd's order: per neuron, its weights
        weights.append([[random.uniform(-1, 1) for _ in range(nin)] for _ in range(nout)])
        biases.append([0.0] * nout)
    n_layers = len(weights)

    def step(learning_rate: float) -> dict:
        grad_w = [[[0.0] * len(row) for row in W] for W in weights]
        grad_b = [[0.0] * len(b) for b in biases]
        data_loss = 0.0
        for x, y in zip(X, Y):
            # forward: z = W a + b, a = relu(z) on hidden layers
            activations = [x]
            for layer, (W, b) in enumerate(zip(weights, biases)):
                a = activations[-1]
                z = [sum(map(float.__mul__, row, a), bias) for row, bias in zip(W, b)]
                hidden = layer < n_layers - 1
                activations.append([max(v, 0.0) for v in z] if hidden else z)
            margin = 1.0 + -y * activations[-1][0]
            data_loss += max(margin, 0.0)
            # backward: delta = dL/dz, dW += delta a^T, db += delta, dL/da = W^T delta
            delta = [(-y if margin > 0.0 else 0.0) / len(X)]
            for layer in range(n_layers - 1, -1, -1):
                a_in, gW, gb = activations[layer], grad_w[layer], grad_b[layer]
                for j, d in enumerate(delta):
                    row = gW[j]
                    for i, a_i in enumerate(a_in):
                        row[i] += d * a_i
                    gb[j] += d
                if layer:
                    columns = zip(*weights[layer])
                    back = [sum(map(float.__mul__, col, delta)) for col in columns]
                    delta = [g if v > 0.0 else 0.0 for g, v in zip(back, a_in)]
        # L2 term alpha * sum(p^2): d/dp = 2 alpha p
        reg = 0.0
        for W, b, gW, gb in zip(weights, biases, grad_w, grad_b):
            for row, grow in zip(W, gW):
                for i, w in enumerate(row):
                    reg += w * w
                    grow[i] += 2.0 * ALPHA * w
            for j, bias in enumerate(b):
                reg += bias * bias
                gb[j] += 2.0 * ALPHA * bias
        loss = data_loss / len(X) + ALPHA * reg
        grads = [
            g for gW, gb in zip(grad_w, grad_b) for grow, gbj in zip(gW, gb) for g in (*grow, gbj)
        ]
        for W, b, gW, gb in zip(weights, biases, grad_w, grad_b):
            for row, grow in zip(W, gW):
                for i, g in enumerate(grow):
                    row[i] -= learning_rate * g
            for j, g in enumerate(gb):
                b[j] -= learning_rate * g
        return {"loss": loss, "grads": grads}

    times, first = [], None
    for k in range(steps):
        start = time.perf_counter()
        result = step(1.0 - 0.9 * k / 100)
        times.append(time.perf_counter() - start)
        first = first or result
    return {"step_s": statistics.median(times), **first}


def worker_generic(engine: str, micrograd_dir: str | None, repeats: int) -> dict:
    leaves, ops = generic_graph_ops()
    if engine == "torch":
        import torch

        torch.set_num_threads(1)

        def make(x):
            return torch.tensor(x, dtype=torch.float64, requires_grad=True)

        def grad_of(leaf):
            return 0.0 if leaf.grad is None else leaf.grad.item()
    else:
        Value, _ = load_engine(engine, micrograd_dir)
        make = Value

        def grad_of(leaf):
            return leaf.grad

    times = []
    for _ in range(repeats):
        inputs = [make(x) for x in leaves]
        start = time.perf_counter()
        total = build_generic(inputs, ops)
        total.backward()
        times.append(time.perf_counter() - start)
    return {"graph_s": statistics.median(times), "grads": [grad_of(x) for x in inputs]}


def worker_memory(engine: str, micrograd_dir: str | None) -> dict:
    """Bytes per Value for ``y = y * 1.0 + 0.0`` repeated, and a deep chain's backward."""
    Value, _ = load_engine(engine, micrograd_dir)
    gc.disable()
    x = Value(1.0)
    n_iter = 20_000
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    y = x
    for _ in range(n_iter):
        y = y * 1.0 + 0.0
    per_value = (tracemalloc.get_traced_memory()[0] - before) / (4 * n_iter)
    tracemalloc.stop()
    del y
    result = {"bytes_per_value": per_value}

    y = x
    start = time.perf_counter()
    for _ in range(CHAIN_VALUES // 4):
        y = y * 1.0 + 0.0
    built = time.perf_counter()
    try:
        y.backward()
        result["chain_backward_s"] = time.perf_counter() - built
        result["chain_build_s"] = built - start
        result["chain_grad"] = x.grad
    except RecursionError:
        result["chain_backward_s"] = None
    return result


def worker_alive(engine: str, micrograd_dir: str | None, steps: int) -> dict:
    """Values still alive after training with the cyclic garbage collector off."""
    Value, MLP = load_engine(engine, micrograd_dir)
    X, Y = two_moons()
    random.seed(SEED)
    model = MLP(2, [16, 16, 1])
    gc.disable()
    for k in range(steps):
        total_loss = demo_loss(model, Value, X, Y)
        model.zero_grad()
        total_loss.backward()
        for p in model.parameters():
            p.data -= (1.0 - 0.9 * k / 100) * p.grad
    del total_loss
    params = {id(p) for p in model.parameters()}
    alive = sum(1 for o in gc.get_objects() if type(o) is Value and id(o) not in params)
    return {"alive": alive, "parameters": len(params)}


def run_worker(args: argparse.Namespace) -> dict:
    kind, engine = args.worker, args.engine
    if kind == "train":
        if engine == "floats":
            return worker_train_floats(args.steps)
        return worker_train(engine, args.micrograd, args.steps)
    if kind == "generic":
        return worker_generic(engine, args.micrograd, args.repeats)
    if kind == "memory":
        return worker_memory(engine, args.micrograd)
    if kind == "alive":
        return worker_alive(engine, args.micrograd, args.steps)
    raise ValueError(f"unknown worker {kind!r}")


# ---------------------------------------------------------------------------
# Orchestration
# ---------------------------------------------------------------------------


def spawn(worker: str, engine: str, micrograd_dir: str | None, **options) -> dict:
    cmd = [sys.executable, __file__, "--worker", worker, "--engine", engine]
    if micrograd_dir:
        cmd += ["--micrograd", micrograd_dir]
    for key, value in options.items():
        cmd += [f"--{key}", str(value)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def max_abs_diff(a: list[float], b: list[float]) -> float:
    return max(abs(x - y) for x, y in zip(a, b, strict=True))


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--micrograd", help="folder with micrograd 0.1.0 installed (--target)")
    parser.add_argument("--steps", type=int, default=20, help="training steps to time (ours)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--engine", help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(run_worker(args)))
        return 0

    mg = args.micrograd
    if mg and not (Path(mg) / "micrograd" / "engine.py").exists():
        parser.error(f"no micrograd package in {mg}")
    try:
        import torch  # noqa: F401

        has_torch = True
    except ImportError:
        has_torch = False

    print("## Training step: MLP(2, [16, 16, 1]), 100 points, hinge + L2, backward, SGD\n")
    ours = spawn("train", "ours", None, steps=args.steps)
    floats = spawn("train", "floats", None, steps=args.steps)
    rows = [("this engine", ours), ("hand-written floats", floats)]
    if mg:
        rows.insert(1, ("micrograd 0.1.0", spawn("train", "micrograd", mg, steps=5)))
    for name, r in rows[1:]:
        diff = max(abs(r["loss"] - ours["loss"]), max_abs_diff(r["grads"], ours["grads"]))
        if diff > 1e-9:
            raise SystemExit(f"{name} disagrees with this engine by {diff:g}")
    print("| engine | time per step | this engine is |")
    print("|---|---:|---:|")
    for name, r in rows:
        ratio = r["step_s"] / ours["step_s"]
        speed = (
            "-"
            if r is ours
            else (f"{ratio:,.1f}x faster" if ratio >= 1 else f"{1 / ratio:,.2f}x slower")
        )
        print(f"| {name} | {fmt_ms(r['step_s'])} | {speed} |")
    print("\nAll engines start from the same weights and agree on the first step's loss and")
    print("every gradient to 1e-9.\n")

    print("## Generic scalar graph: 20,000 elementwise ops (+ - * relu **2), build + backward\n")
    g_ours = spawn("generic", "ours", None)
    g_rows = [("this engine", g_ours)]
    if has_torch:
        g_rows.append(("PyTorch, 0-dim float64 tensors", spawn("generic", "torch", None)))
    if mg:
        g_rows.append(("micrograd 0.1.0", spawn("generic", "micrograd", mg)))
    for name, r in g_rows[1:]:
        diff = max_abs_diff(r["grads"], g_ours["grads"])
        scale = max(1.0, max(abs(g) for g in g_ours["grads"]))
        if diff > 1e-9 * scale:
            raise SystemExit(f"{name} disagrees with this engine by {diff:g}")
    print("| engine | build + backward | this engine is |")
    print("|---|---:|---:|")
    for name, r in g_rows:
        ratio = r["graph_s"] / g_ours["graph_s"]
        speed = "-" if r is g_ours else f"{ratio:,.1f}x faster"
        print(f"| {name} | {fmt_ms(r['graph_s'])} | {speed} |")
    print()

    print("## Memory, depth and garbage\n")
    m_ours = spawn("memory", "ours", None)
    a_ours = spawn("alive", "ours", None, steps=30)
    cols = [("this engine", m_ours, a_ours)]
    if mg:
        cols.append(
            (
                "micrograd 0.1.0",
                spawn("memory", "micrograd", mg),
                spawn("alive", "micrograd", mg, steps=30),
            )
        )
    print("| | " + " | ".join(name for name, _, _ in cols) + " |")
    print("|---|" + "---:|" * len(cols))

    def chain(m: dict) -> str:
        if m["chain_backward_s"] is None:
            return "RecursionError"
        return f"{m['chain_backward_s']:.2f} s"

    print(
        "| bytes per Value (`y = y * 1.0 + 0.0`) | "
        + " | ".join(f"{m['bytes_per_value']:.0f}" for _, m, _ in cols)
        + " |"
    )
    print(
        "| backward of a 1,000,000-Value chain | " + " | ".join(chain(m) for _, m, _ in cols) + " |"
    )
    print(
        "| graph Values alive after 30 steps, gc off | "
        + " | ".join(f"{a['alive']:,}" for _, _, a in cols)
        + " |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
