"""Benchmarks: this engine side by side with micrograd 0.1.0, PyTorch and plain floats.

    python benchmarks/run.py [--micrograd DIR] [--floats FILE] [--steps N]

Every measurement runs in a fresh interpreter, so one engine's garbage never lands
on another's clock and the two packages named ``micrograd`` never meet. ``DIR`` is a
folder holding micrograd 0.1.0 (``pip install --target DIR micrograd==0.1.0``;
``make bench`` does this). ``FILE`` is the hand-written floats step, the pure-Python
limit (default: ``../shared/bench/floats_mlp.py`` beside this repository); the
training benchmark takes its data, its initial weights and its learning rates from
there, so every engine runs the very same steps. Prints markdown tables; times are
medians of one run, so read the ratios, not the absolute numbers.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import random
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SEED = 1337
N_POINTS = 100
ALPHA = 1e-4
CHAIN_STEPS = 250_000  # y = y * 1.0 + 0.0: two op nodes a step
GENERIC_OPS = 100_000
ROUNDS = 5  # runs of each engine, in turns; the fastest is kept (the machine is shared)
DEFAULT_FLOATS = ROOT.parent / "shared" / "bench" / "floats_mlp.py"


# ---------------------------------------------------------------------------
# Workload shared by every engine
# ---------------------------------------------------------------------------


def generic_graph_ops(n_ops: int = GENERIC_OPS, n_leaves: int = 50, seed: int = SEED):
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
    sys.setrecursionlimit(10_000)
    from micrograd.engine import Value
    from micrograd.nn import MLP

    if engine == "micrograd":
        assert not hasattr(Value, "__slots__"), "expected micrograd 0.1.0"
    return Value, MLP


def load_floats(path: str):
    """The module with the hand-written floats step (``moons``, ``init_params``,
    ``mlp_steps_floats``)."""
    spec = importlib.util.spec_from_file_location("floats_mlp", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def demo_loss(model, Value, X, Y):
    """The micrograd demo's loss, written as its users write it."""
    inputs = [list(map(Value, xrow)) for xrow in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(Y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * sum(p * p for p in model.parameters())
    return data_loss + reg_loss


def library_loss(model, X, Y):
    """The same loss as this package's guide writes it: `losses.hinge` + `losses.l2`."""
    from micrograd import losses

    return losses.hinge([model(x) for x in X], Y) + ALPHA * losses.l2(model.parameters())


def worker_train(engine: str, micrograd_dir: str | None, floats: str, steps: int) -> dict:
    """Steps of SGD from the floats step's weights on its points, with its learning rates.

    ``engine`` is 'ours' (the guide's code: losses.hinge, losses.l2, optim.SGD),
    'ours-micrograd-style' (the micrograd demo's code run on this package) or
    'micrograd' (the same code on micrograd 0.1.0).
    """
    reference = load_floats(floats)
    Value, MLP = load_engine(engine, micrograd_dir)
    X, Y = reference.moons(N_POINTS)
    model = MLP(2, [16, 16, 1])
    params = model.parameters()
    for p, w in zip(params, reference.init_params(), strict=True):
        p.data = w
    optimizer = None
    if engine == "ours":
        from micrograd.optim import SGD

        optimizer = SGD(params, lr=1.0)
    times, losses, grads = [], [], []
    for k in range(steps):
        learning_rate = 1.0 - 0.9 * k / 100
        start = time.perf_counter()
        if optimizer is not None:
            total_loss = library_loss(model, X, Y)
            optimizer.zero_grad()
            total_loss.backward()
            optimizer.lr = learning_rate
            optimizer.step()
        else:
            total_loss = demo_loss(model, Value, X, Y)
            model.zero_grad()
            total_loss.backward()
            for p in params:
                p.data -= learning_rate * p.grad
        times.append(time.perf_counter() - start)
        losses.append(total_loss.data)
        grads = [p.grad for p in params]
    return {"step_s": statistics.median(times), "losses": losses, "grads": grads}


def worker_train_floats(floats: str, steps: int) -> dict:
    """The hand-written floats step (forward and backward are timed, its update is not)."""
    times, losses, grads = load_floats(floats).mlp_steps_floats(steps, N_POINTS)
    return {"step_s": statistics.median(f + b for f, b in times), "losses": losses, "grads": grads}


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
        try:
            total.backward()
        except RecursionError:
            return {"graph_s": None}
        times.append(time.perf_counter() - start)
        del total
    return {"graph_s": statistics.median(times), "grads": [grad_of(x) for x in inputs]}


def count_values(Value: type) -> int:
    """Values alive now (with the cyclic collector off, every one is listed)."""
    return sum(1 for o in gc.get_objects() if type(o) is Value)


def count_op_nodes(root: Any) -> int:
    """Nodes with parents (``_prev``, as in micrograd) in the graph behind ``root``."""
    seen, stack, ops = {id(root)}, [root], 0
    while stack:
        parents = stack.pop()._prev
        ops += bool(parents)
        for p in parents:
            if id(p) not in seen:
                seen.add(id(p))
                stack.append(p)
    return ops


def worker_memory(engine: str, micrograd_dir: str | None) -> dict:
    """What ``y = y * 1.0 + 0.0`` allocates, per step and per op node, the Values each
    step creates, and a deep chain's backward."""
    Value, _ = load_engine(engine, micrograd_dir)
    gc.disable()
    x = Value(1.0)
    n_iter = 20_000
    values_before = count_values(Value)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    y = x
    for _ in range(n_iter):
        y = y * 1.0 + 0.0
    allocated = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    op_nodes = count_op_nodes(y)
    result = {
        "bytes_per_op": allocated / op_nodes,
        "bytes_per_step": allocated / n_iter,
        "ops_per_step": op_nodes / n_iter,
        "values_per_step": (count_values(Value) - values_before) / n_iter,
    }
    del y

    y = x
    start = time.perf_counter()
    for _ in range(CHAIN_STEPS):
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


def worker_alive(engine: str, micrograd_dir: str | None, floats: str, steps: int) -> dict:
    """Values still alive after training with the cyclic garbage collector off."""
    Value, MLP = load_engine(engine, micrograd_dir)
    X, Y = load_floats(floats).moons(N_POINTS)
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
            return worker_train_floats(args.floats, args.steps)
        return worker_train(engine, args.micrograd, args.floats, args.steps)
    if kind == "generic":
        return worker_generic(engine, args.micrograd, args.repeats)
    if kind == "memory":
        return worker_memory(engine, args.micrograd)
    if kind == "alive":
        return worker_alive(engine, args.micrograd, args.floats, args.steps)
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


def train_table(mg: str | None, floats_file: str, steps: int) -> None:
    """The training step of every engine, from the floats step's weights."""
    print("## Training step: MLP(2, [16, 16, 1]), 100 points, hinge + L2, backward, SGD\n")
    # On a shared machine one run can be slowed by another process: each of these runs
    # ROUNDS times, in turns, and keeps its fastest run.
    runs: dict[str, list[dict]] = {"ours": [], "ours-micrograd-style": [], "floats": []}
    for _ in range(ROUNDS):
        for engine, results in runs.items():
            results.append(spawn("train", engine, None, floats=floats_file, steps=steps))
    fastest = {engine: min(results, key=lambda r: r["step_s"]) for engine, results in runs.items()}
    ours = fastest["ours"]
    rows = [
        ("this engine (the guide's code: losses.hinge + losses.l2, optim.SGD)", ours),
        ("this engine, running the micrograd demo's code", fastest["ours-micrograd-style"]),
        ("hand-written floats step (floats_mlp.py)", fastest["floats"]),
    ]
    if mg:
        micrograd = spawn("train", "micrograd", mg, floats=floats_file, steps=5)
        rows.insert(2, ("micrograd 0.1.0, the demo's code", micrograd))
    for name, r in rows[1:]:
        common = min(len(r["losses"]), len(ours["losses"]))
        diff = max_abs_diff(r["losses"][:common], ours["losses"][:common])
        if len(r["grads"]) == len(ours["grads"]) and common == steps:
            diff = max(diff, max_abs_diff(r["grads"], ours["grads"]))
        if diff > 1e-9:
            raise SystemExit(f"{name} disagrees with this engine by {diff:g}")
    print("| engine | time per step | this engine |")
    print("|---|---:|---:|")
    for name, r in rows:
        ratio = r["step_s"] / ours["step_s"]
        if r is ours:
            speed = "-"
        elif ratio >= 1:
            speed = f"is {ratio:,.1f}x faster"
        else:
            speed = f"takes {1 / ratio:,.2f}x as long"
        print(f"| {name} | {fmt_ms(r['step_s'])} | {speed} |")
    print(f"\nMedians of {steps} steps (micrograd 0.1.0: 5), the fastest of {ROUNDS} runs taken")
    print("in turns (micrograd 0.1.0: one run). Every engine starts from the")
    print("floats step's weights on its points and agrees with it on every step's loss and")
    print("the last gradients to 1e-9. The floats step times its forward and backward")
    print("passes, not its SGD update; the engines' times include theirs.\n")


def generic_table(mg: str | None, has_torch: bool) -> None:
    """Build + backward of the random DAG of `generic_graph_ops`."""
    print(
        f"## Generic scalar graph: {GENERIC_OPS:,} elementwise ops (+ - * relu **2), "
        "build + backward\n"
    )
    engines = ["ours", "torch"] if has_torch else ["ours"]
    generic_runs = [[spawn("generic", e, None) for e in engines] for _ in range(ROUNDS)]
    g_fastest = [min(runs, key=lambda r: r["graph_s"]) for runs in zip(*generic_runs)]
    g_ours = g_fastest[0]
    g_rows = [("this engine", g_ours)]
    if has_torch:
        g_rows.append(("PyTorch, 0-dim float64 tensors", g_fastest[1]))
    if mg:
        g_rows.append(("micrograd 0.1.0", spawn("generic", "micrograd", mg)))
    for name, r in g_rows[1:]:
        if r["graph_s"] is None:
            continue
        diff = max_abs_diff(r["grads"], g_ours["grads"])
        scale = max(1.0, max(abs(g) for g in g_ours["grads"]))
        if diff > 1e-9 * scale:
            raise SystemExit(f"{name} disagrees with this engine by {diff:g}")
    print("| engine | build + backward | this engine is |")
    print("|---|---:|---:|")
    for name, r in g_rows:
        if r["graph_s"] is None:
            print(f"| {name} | RecursionError | - |")
            continue
        ratio = r["graph_s"] / g_ours["graph_s"]
        speed = "-" if r is g_ours else f"{ratio:,.1f}x faster"
        print(f"| {name} | {fmt_ms(r['graph_s'])} | {speed} |")
    print()


def memory_table(mg: str | None, floats_file: str) -> None:
    """Memory per op node, depth and garbage."""
    print("## Memory, depth and garbage\n")
    m_ours = spawn("memory", "ours", None)
    a_ours = spawn("alive", "ours", None, floats=floats_file, steps=30)
    cols = [("this engine", m_ours, a_ours)]
    if mg:
        cols.append(
            (
                "micrograd 0.1.0",
                spawn("memory", "micrograd", mg),
                spawn("alive", "micrograd", mg, floats=floats_file, steps=30),
            )
        )
    print(
        "| `y = y * 1.0 + 0.0` repeated: two op nodes a step; bytes are divided by the op "
        "nodes each engine created | " + " | ".join(name for name, _, _ in cols) + " |"
    )
    print("|---|" + "---:|" * len(cols))

    def chain(m: dict) -> str:
        if m["chain_backward_s"] is None:
            return "RecursionError"
        return f"{m['chain_backward_s']:.2f} s"

    def per_step(m: dict) -> str:
        ops, values = round(m["ops_per_step"]), round(m["values_per_step"])
        return f"{values} ({ops} op nodes + {values - ops} constants)"

    def row(label: str, cells: Iterable[str]) -> None:
        print(f"| {label} | " + " | ".join(cells) + " |")

    row("bytes per op node", (f"{m['bytes_per_op']:,.0f}" for _, m, _ in cols))
    row("bytes per step", (f"{m['bytes_per_step']:,.0f}" for _, m, _ in cols))
    row("Values created per step", (per_step(m) for _, m, _ in cols))
    row(
        f"backward after {CHAIN_STEPS:,} steps ({2 * CHAIN_STEPS:,} op nodes)",
        (chain(m) for _, m, _ in cols),
    )
    row(
        "graph Values alive after 30 training steps, gc off",
        (f"{a['alive']:,}" for _, _, a in cols),
    )
    print(
        "\nBytes: all that tracemalloc sees allocated over 20,000 steps (the constants a step"
        "\ncreates for 1.0 and 0.0 included), divided by the op nodes in the graph (nodes with"
        "\nparents, `_prev`) or by the steps. Values created are counted with gc."
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--micrograd", help="folder with micrograd 0.1.0 installed (--target)")
    parser.add_argument("--floats", default=str(DEFAULT_FLOATS), help="the floats_mlp.py file")
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

    floats_file = str(Path(args.floats).resolve())
    if not Path(floats_file).exists():
        parser.error(f"no hand-written floats step at {floats_file} (give --floats FILE)")

    train_table(mg, floats_file, args.steps)
    generic_table(mg, has_torch)
    memory_table(mg, floats_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
