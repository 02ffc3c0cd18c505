"""Loss functions built from `Value` ops, so their gradients come from the engine's rules.

Every loss takes Values or plain numbers (also numpy arrays and numpy scalars) and
returns a Value to call ``backward()`` on. Element-wise losses take
``reduction='mean'`` (the default, as in PyTorch) or ``'sum'``.

>>> from micrograd import Value
>>> p = Value(3.0)
>>> loss = mse([p], [1.0])   # (3 - 1)^2
>>> loss.backward()
>>> loss.data, p.grad        # d/dp (p - 1)^2 = 2 (p - 1)
(4.0, 4.0)
"""

from __future__ import annotations

import numbers
import operator
from collections.abc import Iterable
from typing import Any

from micrograd import ops
from micrograd.engine import Value, constant, to_value
from micrograd.scalars import to_float

__all__ = ["binary_cross_entropy", "cross_entropy", "hinge", "l2", "mse"]

REDUCTIONS = ("mean", "sum")


def mse(preds: Any, targets: Any, reduction: str = "mean") -> Value:
    """Mean squared error: (1/n) sum_i (p_i - t_i)^2 (``reduction='sum'``: no 1/n)."""
    _check_reduction("mse", reduction)
    ps, ts = _pair("mse", preds, "predictions", targets, "targets")
    return _reduce([(p - t) ** 2 for p, t in zip(ps, ts)], reduction)


def hinge(scores: Any, labels: Any, reduction: str = "mean") -> Value:
    """Max-margin loss of micrograd's demo: (1/n) sum_i relu(1 - y_i s_i), y_i in {-1, +1}.

    A score on the right side of 0 by a margin of at least 1 costs nothing. Each term is
    one node, relu(b + w s) with b = 1 and w = -y (`micrograd.ops.relu_affine`).
    """
    _check_reduction("hinge", reduction)
    ss = _values("hinge", scores, "scores")
    raw = _items("hinge", labels, "labels")
    ys = [to_float(y) for y in raw]
    _check_lengths("hinge", len(ss), "scores", len(ys), "labels")
    for i, y in enumerate(ys):
        if y not in (-1.0, 1.0):
            raise ValueError(
                f"hinge: labels must be -1 or +1, got {raw[i]!r} at position {i} "
                "(0/1 labels map to -1/+1 with y * 2 - 1)"
            )
    one = constant(1.0)
    minus = {1.0: constant(-1.0), -1.0: constant(1.0)}  # w = -y, shared by the terms
    return _reduce([ops.relu_affine(one, minus[y], s) for s, y in zip(ss, ys)], reduction)


def binary_cross_entropy(logits: Any, targets: Any, reduction: str = "mean") -> Value:
    """Binary cross-entropy of sigmoid(z) against targets t in [0, 1], from the logits z.

    -[t log sigmoid(z) + (1 - t) log(1 - sigmoid(z))] = softplus(z) - z t with
    softplus(z) = log(1 + e^z), one node per term (`ops.bce_with_logits`, which picks
    the form for the sign of z itself): exp never overflows, and the gradient
    sigmoid(z) - t is accurate at every z.
    """
    _check_reduction("binary_cross_entropy", reduction)
    zs, ts = _pair("binary_cross_entropy", logits, "logits", targets, "targets")
    for i, t in enumerate(ts):
        if not 0.0 <= t <= 1.0:  # a comparison, not .data: compile guards it
            raise ValueError(
                f"binary_cross_entropy: targets must be in [0, 1], got {t.data!r} at position {i}"
            )
    return _reduce([_bce(z, t) for z, t in zip(zs, ts)], reduction)


def cross_entropy(logits: Any, target: Any, reduction: str = "mean") -> Value:
    """Softmax cross-entropy: -log softmax(z)_y = logsumexp(z) - z_y.

    `ops.logsumexp` shifts by m = max_j z_j inside the op, so every exponent is <= 0 and
    any finite logits give a finite loss; the gradient is softmax(z) - onehot(y).
    ``logits`` is one list of class scores with an integer ``target``, or a batch: a
    list of such lists with a list of targets, reduced by ``reduction``.
    """
    _check_reduction("cross_entropy", reduction)
    if _is_scalar(target):
        zs = _values("cross_entropy", logits, "logits")
        return _softmax_nll(zs, _class_index(target, len(zs), ""))
    rows = _items("cross_entropy", logits, "logits")
    targets = _items("cross_entropy", target, "targets")
    _check_lengths("cross_entropy", len(rows), "rows of logits", len(targets), "targets")
    batch = [_values("cross_entropy", row, "a row of logits") for row in rows]
    if len({len(zs) for zs in batch}) != 1:
        raise ValueError("cross_entropy: every row of logits must have the same number of classes")
    return _reduce(
        [
            _softmax_nll(zs, _class_index(y, len(zs), f" at position {i}"))
            for i, (zs, y) in enumerate(zip(batch, targets))
        ],
        reduction,
    )


def l2(parameters: Iterable[Any]) -> Value:
    """sum_i p_i^2, for weight decay (``loss + alpha * l2(model.parameters())``)."""
    ps = _values("l2", parameters, "parameters")
    return to_value(ops.affine(constant(0.0), *ps, *ps))  # one node: d/dp_i = p_i + p_i


# ---------------------------------------------------------------------------


def _bce(z: Value, t: Value) -> Value:
    return to_value(ops.bce_with_logits(z, t))


def _softmax_nll(zs: list[Value], y: int) -> Value:
    return to_value(ops.logsumexp(*zs)) - zs[y]


def _total(terms: list[Value]) -> Value:
    return to_value(ops.total(*terms))


def _reduce(terms: list[Value], reduction: str) -> Value:
    total = _total(terms)
    return total / len(terms) if reduction == "mean" else total


def _check_reduction(fn: str, reduction: Any) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{fn}: reduction must be 'mean' or 'sum', got {reduction!r}")


def _is_scalar(x: Any) -> bool:
    """True for a Value, a real number or a 0-d array: one item, not a sequence."""
    return isinstance(x, (Value, numbers.Real)) or getattr(x, "ndim", None) == 0


def _is_integer(x: Any) -> bool:
    """True for an int-like scalar (int, numpy integer, 0-d integer array), not a bool."""
    if isinstance(x, bool):
        return False
    try:
        operator.index(x)
    except TypeError:
        return False
    return True


def _class_index(y: Any, n: int, where: str) -> int:
    if not _is_integer(y):
        raise TypeError(f"cross_entropy: a target must be an integer class index, got {y!r}{where}")
    index = operator.index(y)
    if not 0 <= index < n:
        raise ValueError(
            f"cross_entropy: target {index} is out of range for {n} classes{where} "
            f"(valid: 0 to {n - 1})"
        )
    return index


def _pair(fn: str, a: Any, a_name: str, b: Any, b_name: str) -> tuple[list[Value], list[Value]]:
    xs = _values(fn, a, a_name)
    ys = _values(fn, b, b_name)
    _check_lengths(fn, len(xs), a_name, len(ys), b_name)
    return xs, ys


def _check_lengths(fn: str, n: int, what: str, m: int, other: str) -> None:
    if n != m:
        raise ValueError(f"{fn}: {n} {what} but {m} {other}")


def _values(fn: str, x: Any, what: str) -> list[Value]:
    return [to_value(v) for v in _items(fn, x, what)]


def _items(fn: str, x: Any, what: str) -> list[Any]:
    """``x`` as a non-empty list (a single Value or number is a list of one)."""
    if _is_scalar(x):
        return [x]
    try:
        items = list(x)
    except TypeError:
        raise TypeError(
            f"{fn}: {what} must be a Value, a number or a sequence, got {type(x).__name__}"
        ) from None
    if not items:
        raise ValueError(f"{fn}: {what} is empty")
    return items
