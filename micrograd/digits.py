"""Handwritten digits, the real-data example behind ``python -m micrograd digits``.

An MLP(64, [32, 10]) with tanh learns scikit-learn's bundled 8x8 digits (1,797
images, 0 to 16 per pixel, no download) with softmax cross-entropy and Adam on
mini-batches, and is scored on a held-out test split it never trains on.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from micrograd._cli import Progress, missing
from micrograd.datasets import Split, load_digits_split
from micrograd.engine import Value, no_grad
from micrograd.losses import cross_entropy
from micrograd.nn import MLP
from micrograd.optim import Adam
from micrograd.replay import TrainingReplay

HIDDEN = 32
CLASSES = 10
FINAL_LR = 0.1  # the learning rate falls linearly to this fraction of its start
SNAPSHOTS = 60  # at most how many steps the replay of the digits command keeps


@dataclass
class History:
    """Per epoch: mean training loss, training accuracy (on the batches as trained), test
    accuracy; the seconds the whole training took; and the replay, if one was asked for."""

    loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)
    seconds: float = 0.0
    replay: TrainingReplay | None = None


def logits(model: MLP, x: list[float]) -> list[Value]:
    """The model's ten class scores for one image."""
    out = model(x)
    return out if isinstance(out, list) else [out]


def predict(model: MLP, x: list[float]) -> int:
    """The digit with the highest score."""
    with no_grad():
        scores = [v.data for v in logits(model, x)]
    return max(range(len(scores)), key=scores.__getitem__)


def accuracy(model: MLP, xs: list[list[float]], ys: list[int]) -> float:
    return sum(predict(model, x) == y for x, y in zip(xs, ys)) / len(ys)


def step_count(images: int, epochs: int, batch: int) -> int:
    """How many optimizer steps ``epochs`` passes over ``images`` in batches of ``batch`` take."""
    return epochs * -(-images // batch)


def train(
    split: Split,
    epochs: int,
    batch: int,
    lr: float,
    seed: int,
    progress: Progress | None = None,
    every: int | None = None,
) -> tuple[MLP, History]:
    """Train a fresh MLP(64, [32, 10]) and record its curves.

    Each epoch visits the training images once in a new random order, in mini-batches
    of ``batch``; Adam's learning rate falls linearly from ``lr`` to FINAL_LR * lr.
    With ``every``, ``history.replay`` is a `TrainingReplay` on the test images that
    recorded every ``every``-th step with its batch loss.
    """
    rng = random.Random(seed)
    random.seed(seed)  # the initial weights
    model = MLP(64, [HIDDEN, CLASSES], activation="tanh")
    history = History()
    if every is not None:
        history.replay = TrainingReplay(model, split.test_x, split.test_y, every)
    optimizer = Adam(model.parameters(), lr=lr)
    order = list(range(len(split.train_y)))
    steps = step_count(len(order), epochs, batch)
    step = 0
    start = time.perf_counter()
    for epoch in range(epochs):
        rng.shuffle(order)
        total, right = 0.0, 0
        for k in range(0, len(order), batch):
            chunk = order[k : k + batch]
            scores = [logits(model, split.train_x[i]) for i in chunk]
            targets = [split.train_y[i] for i in chunk]
            loss = cross_entropy(scores, targets)
            if history.replay is not None:
                history.replay.record(step, loss)
            optimizer.zero_grad()
            loss.backward()
            optimizer.lr = lr * (1.0 - (1.0 - FINAL_LR) * step / steps)
            optimizer.step()
            step += 1
            total += loss.data * len(chunk)
            right += sum(_argmax(s) == t for s, t in zip(scores, targets))
            if progress is not None:
                progress.update(f"epoch {epoch + 1}, loss {loss.data:.3f}", n=len(chunk))
        history.loss.append(total / len(order))
        history.train_accuracy.append(right / len(order))
        history.test_accuracy.append(accuracy(model, split.test_x, split.test_y))
    history.seconds = time.perf_counter() - start
    return model, history


def _argmax(scores: list[Value]) -> int:
    return max(range(len(scores)), key=lambda c: scores[c].data)


def run_digits(epochs: int, batch: int, lr: float, seed: int, limit: int | None, out: Path) -> int:
    """Train, then write curves.png, mistakes.png, model.json and training.html (the
    replay of at most SNAPSHOTS steps) to ``out``."""
    if missing("digits", ["sklearn", "matplotlib"], "digits"):
        return 1
    from matplotlib.figure import Figure

    split = load_digits_split(seed, limit)
    print(
        f"{len(split.train_y)} training and {len(split.test_y)} test images; "
        f"MLP(64, [{HIDDEN}, {CLASSES}]) with tanh, Adam, batches of {batch}"
    )
    progress = Progress(epochs * len(split.train_y), unit="image")
    steps = step_count(len(split.train_y), epochs, batch)
    model, history = train(split, epochs, batch, lr, seed, progress, every=-(-steps // SNAPSHOTS))
    progress.close()

    out.mkdir(parents=True, exist_ok=True)
    _plot_curves(Figure(figsize=(9, 4)), history, out / "curves.png")
    wrong = [(x, y, p) for x, y in zip(split.test_x, split.test_y) if (p := predict(model, x)) != y]
    _plot_mistakes(Figure, wrong, len(split.test_y), out / "mistakes.png")
    model.save(out / "model.json")
    if history.replay is not None:
        history.replay.save(out / "training.html")
    print(
        f"after {epochs} epochs in {history.seconds:.1f} s: "
        f"test accuracy {history.test_accuracy[-1]:.1%} ({len(wrong)} of {len(split.test_y)} "
        f"wrong), training accuracy {history.train_accuracy[-1]:.1%}; "
        f"wrote curves.png, mistakes.png, model.json, training.html to {out}"
    )
    return 0


def _plot_curves(fig: Any, history: History, path: Path) -> None:
    epochs = range(1, len(history.loss) + 1)
    loss_ax, acc_ax = fig.subplots(1, 2)
    loss_ax.plot(epochs, history.loss, "o-", color="#1f77b4")
    loss_ax.set(
        title="training loss", xlabel="epoch", ylabel="mean cross-entropy (log scale)", yscale="log"
    )
    acc_ax.plot(epochs, history.train_accuracy, "o-", color="#1f77b4", label="training")
    acc_ax.plot(epochs, history.test_accuracy, "s-", color="#d62728", label="test (held out)")
    acc_ax.axhline(0.95, color="grey", linestyle=":", linewidth=1, label="95%")
    low = min(0.8, *history.train_accuracy, *history.test_accuracy)
    acc_ax.set(title="accuracy", xlabel="epoch", ylabel="fraction correct", ylim=(low, 1.0))
    acc_ax.legend(loc="lower right")
    for ax in (loss_ax, acc_ax):
        ax.grid(alpha=0.3)
        ax.xaxis.get_major_locator().set_params(integer=True)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def _plot_mistakes(
    figure: Any, wrong: list[tuple[list[float], int, int]], n_test: int, path: Path
) -> None:
    """Up to 36 misclassified test images, each titled with its true and predicted digit."""
    shown = wrong[:36]
    cols = min(6, max(1, len(shown)))
    rows = -(-max(1, len(shown)) // cols)
    fig = figure(figsize=(max(4.0, 1.4 * cols), 1.5 * rows + 0.6), layout="constrained")
    fig.suptitle(
        f"{len(wrong)} of {n_test} test digits misclassified"
        + (f" (first {len(shown)} shown)" if len(wrong) > len(shown) else "")
    )
    if not shown:
        fig.savefig(path, dpi=100)
        return
    for k, (x, y, p) in enumerate(shown):
        ax = fig.add_subplot(rows, cols, k + 1)
        ax.imshow([x[r * 8 : r * 8 + 8] for r in range(8)], cmap="gray_r", vmin=0, vmax=1)
        ax.set_title(f"true {y}, said {p}", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.savefig(path, dpi=100)
