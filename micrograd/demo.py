"""The two-moons demo behind ``python -m micrograd demo``.

It trains micrograd's classifier, MLP(2, [16, 16, 1]), on 100 two-moons points
with the max-margin loss plus 1e-4 * L2 and full-batch SGD whose learning rate falls
from 1.0 to 0.1, then writes pictures of the result and the trained model to a folder.
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from micrograd._cli import Progress, missing
from micrograd.datasets import make_moons
from micrograd.engine import Value, no_grad
from micrograd.losses import hinge, l2
from micrograd.nn import MLP, Neuron
from micrograd.optim import SGD
from micrograd.replay import TrainingReplay

ALPHA = 1e-4  # weight of the L2 penalty
GRID = 80  # points per side of the decision-boundary grid


@dataclass
class Run:
    """A finished demo training: the model, its data, the loss and accuracy of each
    step (computed before its update, as the replay records them), the loss and
    accuracy after the last update, and the replay."""

    model: MLP
    X: list[list[float]]
    y: list[int]
    loss: float = 0.0
    accuracy: float = 0.0
    losses: list[float] = field(default_factory=list)
    accuracies: list[float] = field(default_factory=list)
    replay: TrainingReplay | None = None


def train(steps: int, seed: int, replay: bool = True, progress: Progress | None = None) -> Run:
    """Train the demo's MLP(2, [16, 16, 1]) for ``steps`` steps; with ``replay``, record
    every step in ``run.replay``."""
    X, y = make_moons(100, noise=0.1, seed=seed)
    random.seed(seed)
    model = MLP(2, [16, 16, 1])
    inputs = [[Value(x1), Value(x2)] for x1, x2 in X]
    labels = [2 * label - 1 for label in y]
    optimizer = SGD(model.parameters(), lr=1.0)
    run = Run(model, X, y, replay=TrainingReplay(model, X, y) if replay else None)
    for k in range(steps):
        loss, accuracy = _evaluate(model, inputs, labels)
        if run.replay is not None:
            run.replay.record(k, loss)
        optimizer.zero_grad()
        loss.backward()
        optimizer.lr = 1.0 - 0.9 * k / steps
        optimizer.step()
        run.losses.append(loss.data)
        run.accuracies.append(accuracy)
        if progress is not None:
            progress.update(f"loss {loss.data:.4f}, accuracy {accuracy:.0%}")
    with no_grad():
        final, run.accuracy = _evaluate(model, inputs, labels)
    run.loss = final.data
    return run


def run_demo(steps: int, seed: int, out: Path) -> int:
    """Train, then write decision_boundary.png, loss.png, model.json, neuron.svg and
    training.html (the replay of every step) to out."""
    if missing("demo", ["matplotlib"], "demo"):
        return 1
    from matplotlib.figure import Figure

    progress = Progress(steps, unit="step")
    run = train(steps, seed, progress=progress)
    progress.close()
    model, X, y = run.model, run.X, run.y

    out.mkdir(parents=True, exist_ok=True)
    _plot_boundary(Figure(figsize=(6, 5)), model, X, y, out / "decision_boundary.png")
    # after k steps, k = 0..steps: the loss of step k is computed before its update
    losses, accuracies = [*run.losses, run.loss], [*run.accuracies, run.accuracy]
    _plot_loss(Figure(figsize=(6, 4)), losses, accuracies, out / "loss.png")
    model.save(out / "model.json")
    assert run.replay is not None
    run.replay.save(out / "training.html")
    written = ["decision_boundary.png", "loss.png", "model.json", _draw_neuron(model, X[0], out)]
    written.append("training.html")
    print(
        f"MLP(2, [16, 16, 1]) after {steps} steps: loss {run.loss:.4f}, "
        f"accuracy {run.accuracy:.0%} (the last point of loss.png); "
        f"wrote {', '.join(written)} to {out}"
    )
    return 0


def _evaluate(model: MLP, inputs: list[list[Value]], labels: list[int]) -> tuple[Value, float]:
    """The demo's loss, hinge + ALPHA * L2, and the fraction of points on the right side."""
    scores = [model(x) for x in inputs]
    loss = hinge(scores, labels) + ALPHA * l2(model.parameters())
    right = sum((s.data > 0) == (label > 0) for s, label in zip(scores, labels))
    return loss, right / len(labels)


def _plot_boundary(fig: Any, model: MLP, X: list[list[float]], y: list[int], path: Path) -> None:
    """The sign of the score on a grid around the data, with the points on top."""
    lo1, hi1 = min(x[0] for x in X) - 0.5, max(x[0] for x in X) + 0.5
    lo2, hi2 = min(x[1] for x in X) - 0.5, max(x[1] for x in X) + 0.5
    g1 = [lo1 + (hi1 - lo1) * i / (GRID - 1) for i in range(GRID)]
    g2 = [lo2 + (hi2 - lo2) * j / (GRID - 1) for j in range(GRID)]
    with no_grad():
        scores = [[model([a, b]).data for a in g1] for b in g2]
    ax = fig.add_subplot()
    ax.contourf(g1, g2, scores, levels=[-1e300, 0.0, 1e300], colors=["#f4c7c3", "#c6dbef"])
    ax.contour(g1, g2, scores, levels=[0.0], colors="k", linewidths=1)
    for label, color in ((0, "#d62728"), (1, "#1f77b4")):
        points = [x for x, t in zip(X, y) if t == label]
        ax.scatter([p[0] for p in points], [p[1] for p in points], s=18, c=color, label=label)
    ax.set(title="decision boundary: score = 0", xlabel="x1", ylabel="x2")
    ax.legend(title="class", loc="upper right")
    fig.savefig(path, dpi=100)


def _plot_loss(fig: Any, losses: list[float], accuracies: list[float], path: Path) -> None:
    """The loss and accuracy after k steps, for k = 0, 1, ..., the last one written out."""
    from matplotlib.ticker import LogFormatter

    ax = fig.add_subplot()
    steps = range(len(losses))
    (loss_line,) = ax.plot(steps, losses, color="#1f77b4", label="loss")
    ax.set(yscale="log", title="training", xlabel="steps taken")
    ax.set_ylabel("loss: hinge + 1e-4 L2 (log scale)", color="#1f77b4")
    # label the ticks between powers of ten too, so that the final loss can be read off
    ax.yaxis.set_minor_formatter(LogFormatter(labelOnlyBase=False, minor_thresholds=(3, 1)))
    ax.annotate(
        f"{losses[-1]:.4f} after {len(losses) - 1} steps",
        (len(losses) - 1, losses[-1]),
        textcoords="offset points",
        xytext=(-4, 24),
        ha="right",
        color="#1f77b4",
    )
    acc_ax = ax.twinx()
    (acc_line,) = acc_ax.plot(steps, accuracies, color="#2ca02c", label="training accuracy")
    acc_ax.set_ylim(0, 1.05)
    acc_ax.set_ylabel("training accuracy", color="#2ca02c")
    ax.legend(handles=[loss_line, acc_line], loc="center right")
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def _draw_neuron(model: MLP, x: list[float], out: Path) -> str:
    """One trained first-layer neuron on input x, backpropagated, drawn with local derivatives.

    The neuron relu(w . x + b) is one node of the graph, with every weight, input and
    the bias as inputs. Picks the first neuron that is active on x, so that the gradients
    are not all 0. Returns the name of the file written.
    """
    import graphviz

    from micrograd.viz import draw_dot

    first = model.layers[0].neurons
    with no_grad():
        chosen = next((n for n in first if n(x).data > 0.0), first[0])
    neuron: Neuron = copy.deepcopy(chosen)
    for name, p in neuron.named_parameters():
        p.label = name
    result = neuron([Value(v, label=f"x.{i}") for i, v in enumerate(x)])
    result.label = "out"
    result.backward()
    dot = draw_dot(result, local_grads=True)
    try:
        svg = dot.pipe(format="svg")
    except graphviz.ExecutableNotFound:
        print("Graphviz's dot is not installed: writing neuron.gv (DOT source) instead of an SVG")
        (out / "neuron.gv").write_text(dot.source, encoding="utf-8")
        return "neuron.gv"
    (out / "neuron.svg").write_bytes(svg)
    return "neuron.svg"
