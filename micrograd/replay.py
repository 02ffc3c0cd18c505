"""A replay of a training run: one offline HTML page that scrubs through the recorded steps.

`TrainingReplay(model, X, y)` keeps, at each recorded step, the model's weights and
the loss; ``save(path)`` writes a self-contained page (no server, no network) and
Jupyter shows it inline. Everything that follows from the weights is computed in the
page: the accuracy on (X, y); for 2-D inputs the decision boundary, every neuron's
output over the plane and one sample's forward and backward pass; for other inputs a
confusion matrix, the first layer's weights as images and the misclassified samples.

The labels in ``y`` are classes: for a model with one output, 1 for the positive class
and 0 or -1 for the other (the output says 1 above 0, or above 0.5 after a sigmoid);
for a model with n outputs, 0 to n - 1 (the output with the highest value wins).
"""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import json
import math
import numbers
import os
import sys
from array import array
from collections.abc import Sequence
from importlib import resources
from typing import Any

from micrograd.engine import Value
from micrograd.nn import MLP

__all__ = ["TrainingReplay"]


class TrainingReplay:
    """Records a model's weights and loss during training; saves them as a replay page.

    Call ``record(step, loss)`` once per training step, after computing the loss and
    before the update, so that each snapshot's weights are the ones that gave its loss.
    Steps that are not a multiple of ``every`` are skipped. ``save(path)`` writes the
    page; in Jupyter the replay shows itself inline. In the page, each replay registers
    itself in ``window.micrograd.replays`` (in order of creation) with ``steps`` (the
    number recorded), ``step(k)`` (show the k-th), ``loss(k)`` and ``accuracy(k)``.

    >>> from micrograd.nn import MLP
    >>> replay = TrainingReplay(MLP(2, [4, 1]), [[0.0, 1.0], [1.0, 0.0]], [0, 1], every=2)
    >>> for step in range(5):
    ...     replay.record(step, 1.0 / (step + 1))
    >>> replay.steps, replay.losses
    ([0, 2, 4], [1.0, 0.3333333333333333, 0.2])
    """

    def __init__(
        self, model: MLP, X: Sequence[Sequence[Any]], y: Sequence[Any], every: int = 1
    ) -> None:
        if not isinstance(model, MLP):
            raise TypeError(
                f"TrainingReplay: model must be a micrograd.nn.MLP, got {type(model).__name__}"
            )
        count = _integer(every)
        if count is None or count < 1:
            raise ValueError(f"TrainingReplay: every must be a positive integer, got {every!r}")
        self.model = model
        self.every = count
        self._widths = [len(layer.neurons) for layer in model.layers]
        self._activations = [layer.neurons[0].activation for layer in model.layers]
        nin = len(model.layers[0].neurons[0].w)
        self.X = _rows(X, nin)
        self.y = _labels(y, len(self.X), self._widths[-1])
        # every weight in the page's order: layer by layer, neuron by neuron, w then b
        self._parameters = [p for layer in model.layers for n in layer.neurons for p in (*n.w, n.b)]
        names = {id(p): name for name, p in model.named_parameters()}
        self._names = [names.get(id(p), "") for p in self._parameters]
        self.steps: list[int] = []
        self.losses: list[float] = []
        self._weights = array("d")
        self._last: int | None = None

    def record(self, step: int, loss: Value | float) -> None:
        """Snapshot the weights and ``loss`` (a Value or a number) at ``step``.

        Only steps that are a multiple of ``every`` are kept; steps must increase.
        """
        if isinstance(loss, Value):
            number = loss.data
        elif isinstance(loss, numbers.Real) and not isinstance(loss, bool):
            number = float(loss)
        else:
            raise TypeError(
                f"TrainingReplay.record: loss must be a Value or a number, "
                f"got {type(loss).__name__}"
            )
        k = _integer(step)
        if k is None or k < 0:
            raise ValueError(
                f"TrainingReplay.record: step must be a non-negative integer, got {step!r}"
            )
        if self._last is not None and k <= self._last:
            raise ValueError(
                f"TrainingReplay.record: step {k} is not after the previous step "
                f"{self._last}; steps must increase"
            )
        self._last = k
        if k % self.every:
            return
        self.steps.append(k)
        self.losses.append(number)
        self._weights.extend([p.data for p in self._parameters])

    def weights(self, k: int) -> dict[str, float]:
        """The weights of the k-th recorded step, by parameter name (as `MLP.state_dict`)."""
        if not 0 <= k < len(self.steps):
            raise IndexError(f"TrainingReplay.weights: {len(self.steps)} steps recorded, no {k}")
        n = len(self._parameters)
        return dict(zip(self._names, self._weights[k * n : (k + 1) * n]))

    @property
    def html(self) -> str:
        """The whole page: no external URL, no request, nothing but this text."""
        return (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{html.escape(self._title())}</title>\n</head>\n<body>\n"
            f"{self._fragment()}\n</body>\n</html>\n"
        )

    def save(self, path: str | os.PathLike[str]) -> str:
        """Write the page to ``path`` (UTF-8) and return the path written."""
        if not self.steps:
            raise ValueError("TrainingReplay.save: nothing recorded yet; call record first")
        with open(path, "w", encoding="utf-8") as file:
            file.write(self.html)
        return os.fspath(path)

    def _repr_html_(self) -> str:
        if not self.steps:
            return "<p>TrainingReplay: nothing recorded yet.</p>"
        return self._fragment()

    def __repr__(self) -> str:
        return f"<TrainingReplay: {self._title()}; .save('training.html') writes it as a page>"

    def _title(self) -> str:
        widths = ", ".join(map(str, self._widths))
        return f"training of MLP({len(self.X[0])}, [{widths}]): {len(self.steps)} steps recorded"

    def _data(self) -> dict[str, Any]:
        """What the page's script reads."""
        weights = self._weights
        if sys.byteorder == "big":  # the page reads little-endian doubles
            weights = array("d", weights)
            weights.byteswap()
        return {
            "title": self._title(),
            "nin": len(self.X[0]),
            "widths": self._widths,
            "activations": self._activations,
            "names": self._names,
            "X": self.X,
            "y": self.y,
            "steps": self.steps,
            "losses": [_finite_or_none(v) for v in self.losses],
            "weights": base64.b64encode(weights.tobytes()).decode("ascii"),
        }

    def _fragment(self) -> str:
        text = json.dumps(self._data(), separators=(",", ":"), allow_nan=False)
        # no "<", ">" or "&" in the page's script: nothing can end or comment it out
        text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        digest = hashlib.sha1(text.encode()).hexdigest()[:12]
        root_id = f"mg-replay-{digest}-{next(_shown)}"
        assets = resources.files("micrograd") / "assets"
        style = (assets / "replay.css").read_text(encoding="utf-8")
        script = (assets / "replay.js").read_text(encoding="utf-8").replace("__ROOT_ID__", root_id)
        return (
            f'<div class="mg-replay" id="{root_id}" tabindex="0" role="group" '
            f'aria-label="training replay: arrow keys step, Home and End jump, p plays">\n'
            f"<style>\n{style}</style>\n"
            '<p class="mg-needs-script">This training replay needs JavaScript: run the cell '
            "(or trust the notebook) in Jupyter, or save it with TrainingReplay.save and open "
            "the page in a browser.</p>\n"
            f'<script type="application/json" class="mg-data">{text}</script>\n'
            f"<script>\n{script}</script>\n</div>"
        )


_shown = itertools.count()  # each page or cell gets a root id of its own


def _integer(value: Any) -> int | None:
    """``value`` as an int if it is an integer (numpy's too, not a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        return None
    return int(value)


def _rows(X: Sequence[Sequence[Any]], nin: int) -> list[list[float]]:
    """``X`` as rows of ``nin`` floats, or an error naming the first bad row."""
    rows = []
    for i, row in enumerate(X):
        try:
            values = [float(v) for v in row]
        except TypeError:
            raise TypeError(
                f"TrainingReplay: X row {i} must be a sequence of numbers, got {type(row).__name__}"
            ) from None
        if len(values) != nin:
            raise ValueError(
                f"TrainingReplay: X row {i} has {len(values)} values, but the model takes "
                f"{nin} inputs"
            )
        if not all(map(math.isfinite, values)):
            raise ValueError(f"TrainingReplay: X row {i} holds a value that is not finite")
        rows.append(values)
    if not rows:
        raise ValueError("TrainingReplay: X has no rows")
    return rows


def _labels(y: Sequence[Any], count: int, outputs: int) -> list[int]:
    """``y`` as class labels for a model with ``outputs`` outputs, or an error."""
    labels = list(y)
    if len(labels) != count:
        raise ValueError(
            f"TrainingReplay: X and y have different lengths: {count} rows but {len(labels)} labels"
        )
    allowed = {-1, 0, 1} if outputs == 1 else set(range(outputs))
    for i, label in enumerate(labels):
        if isinstance(label, bool) or not isinstance(label, numbers.Real) or label not in allowed:
            expected = (
                "1 or 0 (or 1 or -1) for a model with one output"
                if outputs == 1
                else f"a class from 0 to {outputs - 1} for a model with {outputs} outputs"
            )
            raise ValueError(f"TrainingReplay: y[{i}] is {label!r}; expected {expected}")
    result = [int(label) for label in labels]
    if outputs == 1 and {-1, 0} <= set(result):
        raise ValueError("TrainingReplay: y mixes 0 and -1; use one of them for the other class")
    return result


def _finite_or_none(x: float) -> float | None:
    """JSON has no NaN or infinity: a loss that is not finite is written as null."""
    return x if math.isfinite(x) else None
