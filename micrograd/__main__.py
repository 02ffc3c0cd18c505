"""``python -m micrograd demo``: build an expression and show its gradients."""

from __future__ import annotations

import argparse
import sys

from micrograd import Value


def expression_demo() -> None:
    """The seeds' f(x, y) = (x + sigmoid(y)) / (x^2 + y) at (3, -4), backpropagated."""
    x = Value(3.0, label="x")
    y = Value(-4.0, label="y")
    f = (x + y.sigmoid()) / (x**2 + y)
    f.label = "f"
    f.backward()
    print(f"f(x, y) = (x + sigmoid(y)) / (x^2 + y) at x = {x.data}, y = {y.data}")
    print(f"  f     = {f.data:.10f}")
    print(f"  df/dx = {x.grad:.10f}")
    print(f"  df/dy = {y.grad:.10f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m micrograd", description=__doc__)
    parser.add_argument("command", choices=["demo"], help="what to run")
    parser.parse_args(argv)
    expression_demo()
    return 0


if __name__ == "__main__":
    sys.exit(main())
