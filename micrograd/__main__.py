"""Command line: python -m micrograd COMMAND (or: micrograd COMMAND)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from micrograd._cli import positive_int

DESCRIPTION = "micrograd-lab: train small networks on a scalar autodiff engine and draw them."

DEMO = """\
Train micrograd's classifier, MLP(2, [16, 16, 1]), on 100 two-moons points with the
max-margin loss plus 1e-4 * L2 and full-batch SGD whose learning rate falls from 1.0
to 0.1. Writes to the output folder:
  decision_boundary.png  the classes and the learned boundary
  loss.png               loss and training accuracy per step
  model.json             the trained weights (MLP.load reads them)
  neuron.svg             one neuron's graph with local derivatives
                         (neuron.gv, its DOT source, without Graphviz's dot)"""

DOCTOR = """\
Check that the micrograd package is this project's and not mixed with micrograd 0.1.0
(which installs files of the same names), and say what to run if it is."""


def main(argv: list[str] | None = None) -> int:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(prog="micrograd", description=DESCRIPTION)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser(
        "demo", help="train an MLP on two moons and draw it", description=DEMO, formatter_class=raw
    )
    demo.add_argument("--steps", type=positive_int, default=100, help="SGD steps (100)")
    demo.add_argument("--seed", type=int, default=1337, help="seed of data and weights (1337)")
    demo.add_argument(
        "--out", type=Path, default=Path("demo-output"), help="output folder (./demo-output)"
    )

    commands.add_parser("doctor", help="check for a clash with micrograd 0.1.0", description=DOCTOR)

    args = parser.parse_args(argv)
    # Each command imports its module only when it runs, so that doctor still works
    # when micrograd 0.1.0's files have replaced this package's engine.
    if args.command == "demo":
        from micrograd.demo import run_demo

        return run_demo(args.steps, args.seed, args.out)
    from micrograd.doctor import run

    return run()


if __name__ == "__main__":
    sys.exit(main())
