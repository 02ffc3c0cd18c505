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
  loss.png               loss and training accuracy after each step; the last point
                         is the final loss that the command prints
  model.json             the trained model, its architecture and weights
                         (MLP.load('model.json') builds it)
  neuron.svg             one neuron's graph with local derivatives
                         (neuron.gv, its DOT source, without Graphviz's dot)
  training.html          a replay of the training: every step's boundary, neurons,
                         weights and curves (one offline page)"""

DIGITS = """\
Train an MLP(64, [32, 10]) with tanh, softmax cross-entropy and Adam in mini-batches
on scikit-learn's bundled 8x8 handwritten digits (1,797 images, no download), holding
out a test split. Needs: pip install 'micrograd-lab[digits]'. Writes to the output folder:
  curves.png         training loss and train/test accuracy per epoch
  mistakes.png       the test digits the model gets wrong, with true and predicted labels
  model.json         the trained model, its architecture and weights
                     (MLP.load('model.json') builds it)
  training.html      a replay of the training: curves, confusion matrix, first-layer
                     weights and misclassified test digits at each step (offline page)"""

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

    digits = commands.add_parser(
        "digits", help="train an MLP on handwritten digits", description=DIGITS, formatter_class=raw
    )
    digits.add_argument(
        "--epochs", type=positive_int, default=15, help="passes over the training images (15)"
    )
    digits.add_argument("--batch", type=positive_int, default=32, help="mini-batch size (32)")
    digits.add_argument(
        "--lr", type=float, default=0.02, help="Adam's initial learning rate (0.02)"
    )
    digits.add_argument("--seed", type=int, default=0, help="seed of split and weights (0)")
    digits.add_argument(
        "--limit", type=positive_int, default=None, help="use only the first N images (all)"
    )
    digits.add_argument(
        "--out", type=Path, default=Path("digits-output"), help="output folder (./digits-output)"
    )

    commands.add_parser("doctor", help="check for a clash with micrograd 0.1.0", description=DOCTOR)

    args = parser.parse_args(argv)
    # Each command imports its module only when it runs, so that doctor still works
    # when micrograd 0.1.0's files have replaced this package's engine.
    if args.command == "demo":
        from micrograd.demo import run_demo

        return run_demo(args.steps, args.seed, args.out)
    if args.command == "digits":
        from micrograd.digits import run_digits

        return run_digits(args.epochs, args.batch, args.lr, args.seed, args.limit, args.out)
    from micrograd.doctor import run

    return run()


if __name__ == "__main__":
    sys.exit(main())
