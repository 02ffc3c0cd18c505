"""One training epoch of the digits model, in this engine or in micrograd 0.1.0.

    python benchmarks/digits_epoch.py                    # this engine, as the digits command
    python benchmarks/digits_epoch.py --micrograd DIR    # micrograd 0.1.0 from DIR

The same network, MLP(64, [32, 10]) with tanh, softmax cross-entropy, Adam, batches
of 32, one pass over the same 1,438 training images. micrograd 0.1.0 has no tanh, exp,
log or optimizer, so they are written here on its Value the way its own ops are
(a node with a ``_backward`` closure). Run each engine in its own interpreter
(``pip install --target DIR micrograd==0.1.0``; the two packages share a name).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import math
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BATCH = 32


def ours() -> float:
    sys.path.insert(0, str(ROOT))
    from micrograd.datasets import load_digits_split
    from micrograd.digits import train

    _, history = train(load_digits_split(seed=0), epochs=1, batch=BATCH, lr=0.02, seed=0)
    return history.seconds


def micrograd_010(folder: str) -> float:
    sys.path.insert(0, folder)
    # Typed as Any: a type checker would take them for this project's classes.
    Value: Any = importlib.import_module("micrograd.engine").Value
    Layer: Any = importlib.import_module("micrograd.nn").Layer

    assert not hasattr(Value, "__slots__") and not hasattr(Value, "tanh"), "not micrograd 0.1.0"
    # The same split, from this project's datasets.py (which imports no engine) by path.
    spec = importlib.util.spec_from_file_location("datasets", ROOT / "micrograd" / "datasets.py")
    assert spec is not None and spec.loader is not None
    datasets = importlib.util.module_from_spec(spec)
    sys.modules["datasets"] = datasets  # for its dataclass
    spec.loader.exec_module(datasets)

    def unary(x: Any, f: float, dfdx: float, op: str) -> Any:
        out = Value(f, (x,), op)

        def _backward() -> None:
            x.grad += dfdx * out.grad

        out._backward = _backward
        return out

    def tanh(x: Any) -> Any:
        t = math.tanh(x.data)
        return unary(x, t, 1 - t * t, "tanh")

    def exp(x: Any) -> Any:
        e = math.exp(x.data)
        return unary(x, e, e, "exp")

    def log(x: Any) -> Any:
        return unary(x, math.log(x.data), 1 / x.data, "log")

    def cross_entropy(rows: list[list[Any]], targets: list[int]) -> Any:
        total = Value(0.0)
        for z, y in zip(rows, targets):
            m = max(v.data for v in z)
            total = total + log(sum(exp(v - m) for v in z)) - (z[y] - m)
        return total * (1.0 / len(rows))

    split = datasets.load_digits_split(seed=0)
    random.seed(0)
    hidden, output = Layer(64, 32, nonlin=False), Layer(32, 10, nonlin=False)
    params = hidden.parameters() + output.parameters()
    m1, m2 = [0.0] * len(params), [0.0] * len(params)
    order = list(range(len(split.train_y)))
    random.Random(0).shuffle(order)
    start = time.perf_counter()
    for t, k in enumerate(range(0, len(order), BATCH), start=1):
        chunk = order[k : k + BATCH]
        rows = [output([tanh(h) for h in hidden(split.train_x[i])]) for i in chunk]
        loss = cross_entropy(rows, [split.train_y[i] for i in chunk])
        for p in params:
            p.grad = 0.0
        loss.backward()
        for j, p in enumerate(params):  # Adam, lr 0.02, betas (0.9, 0.999)
            m1[j] = 0.9 * m1[j] + 0.1 * p.grad
            m2[j] = 0.999 * m2[j] + 0.001 * p.grad**2
            step = 0.02 * (m1[j] / (1 - 0.9**t)) / (math.sqrt(m2[j] / (1 - 0.999**t)) + 1e-8)
            p.data -= step
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--micrograd", metavar="DIR", help="folder holding micrograd 0.1.0")
    args = parser.parse_args()
    seconds = ours() if args.micrograd is None else micrograd_010(args.micrograd)
    engine = "this engine" if args.micrograd is None else "micrograd 0.1.0"
    print(f"{engine}: one epoch of the digits model in {seconds:.1f} s")


if __name__ == "__main__":
    main()
