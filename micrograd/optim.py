"""Optimizers that update parameters (Values) in place from their ``grad``.

Both follow ``torch.optim``'s update rules step for step (its default settings:
no Nesterov, no dampening, L2 weight decay added to the gradient). As in PyTorch, a
step uses the value of each gradient, also when ``backward(create_graph=True)`` made
it a Value, and parameters stay floats.

>>> from micrograd import Value
>>> w = Value(2.0)
>>> opt = SGD([w], lr=0.1)
>>> (w * w).backward()   # d/dw w^2 = 2w = 4
>>> opt.step(); w.data   # 2 - 0.1 * 4
1.6
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from micrograd.engine import Value
from micrograd.scalars import real, to_non_negative

__all__ = ["SGD", "Adam", "Optimizer"]


class Optimizer:
    """Holds the parameters and the learning rate ``lr`` (which may be changed between steps)."""

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        if callable(getattr(params, "parameters", None)):  # a model, such as an MLP
            raise TypeError(
                f"optimizer got a {type(params).__name__}: pass its parameters, "
                f"{type(params).__name__.lower()}.parameters()"
            )
        self.params = list(params)
        if not self.params:
            raise ValueError("optimizer got an empty parameter list")
        seen: dict[int, int] = {}
        for i, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(f"optimizer parameters must be Values, got {type(p).__name__}")
            if seen.setdefault(id(p), i) != i:
                raise ValueError(
                    f"parameter {i} is parameter {seen[id(p)]} again: "
                    "each parameter must be given once"
                )
        self.lr = to_non_negative(lr, "lr")

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0.0."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter once from its current gradient."""
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum and weight decay.

    g = grad + weight_decay * p
    b = g on the first step, then momentum * b + g   (only when momentum != 0)
    p = p - lr * b   (or p - lr * g without momentum)
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = to_non_negative(momentum, "momentum")
        self.weight_decay = to_non_negative(weight_decay, "weight_decay")
        self.buffers: list[float | None] = [None] * len(self.params)

    def step(self) -> None:
        lr, momentum, weight_decay = self.lr, self.momentum, self.weight_decay
        grads = _gradients(self.params)
        if weight_decay != 0.0:
            grads = [g + weight_decay * p.data for g, p in zip(grads, self.params)]
        if momentum != 0.0:
            grads = [g if b is None else b * momentum + g for g, b in zip(grads, self.buffers)]
        updates = [-lr * g for g in grads]
        if momentum != 0.0:
            self.buffers = [*grads]
        for p, update in zip(self.params, updates):
            p.data += update


class Adam(Optimizer):
    """Adam (Kingma & Ba), with bias correction as in ``torch.optim.Adam``.

    At step t, with g = grad + weight_decay * p:
    m = beta1 m + (1 - beta1) g,   v = beta2 v + (1 - beta2) g^2
    p = p - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        if isinstance(betas, (str, bytes)) or not hasattr(betas, "__len__") or len(betas) != 2:
            raise TypeError(f"betas must be a pair of numbers (beta1, beta2), got {betas!r:.60}")
        beta1, beta2 = (to_non_negative(beta, f"betas[{i}]") for i, beta in enumerate(betas))
        for i, beta in enumerate((beta1, beta2)):
            if not beta < 1.0:
                raise ValueError(f"betas[{i}] must be in [0, 1), got {beta!r}")
        self.betas = (beta1, beta2)
        self.eps = to_non_negative(eps, "eps")
        self.weight_decay = to_non_negative(weight_decay, "weight_decay")
        self.t = 0
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)

    def step(self) -> None:
        t = self.t + 1
        beta1, beta2 = self.betas
        step_size = self.lr / (1.0 - beta1**t)
        correction2_sqrt = (1.0 - beta2**t) ** 0.5
        eps, weight_decay = self.eps, self.weight_decay
        grads = _gradients(self.params)
        if weight_decay != 0.0:
            grads = [g + weight_decay * p.data for g, p in zip(grads, self.params)]
        m = [_lerp(m, g, 1.0 - beta1) for m, g in zip(self.m, grads)]
        v = [v * beta2 + (1.0 - beta2) * g * g for v, g in zip(self.v, grads)]
        updates = []
        for i, (m_i, v_i) in enumerate(zip(m, v)):
            denominator = math.sqrt(v_i) / correction2_sqrt + eps
            if denominator == 0.0:
                raise ZeroDivisionError(
                    f"Adam with eps=0: parameter {i} has had only zero gradients, so its "
                    "step is 0/0; nothing was changed"
                )
            updates.append(-step_size * (m_i / denominator))
        for p, update in zip(self.params, updates):
            p.data += update
        self.t, self.m, self.v = t, m, v


def _lerp(start: float, end: float, weight: float) -> float:
    """start + weight (end - start), from whichever end is nearer, as PyTorch's ``lerp``
    does: with weight 1 (beta1 = 0) it is ``end`` exactly, whatever ``start`` was."""
    if weight < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1.0 - weight)


def _gradients(params: list[Value]) -> list[float]:
    """Every parameter's gradient as a float, or TypeError naming the first that is not."""
    grads = []
    for i, p in enumerate(params):
        try:
            grads.append(real(p.grad))
        except TypeError:
            raise TypeError(
                f"parameter {i} has a gradient that is not a number: {p.grad!r:.60}"
            ) from None
    return grads
