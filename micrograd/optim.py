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
from typing import Any

from micrograd.engine import Value, real

__all__ = ["SGD", "Adam", "Optimizer"]


class Optimizer:
    """Holds the parameters and the learning rate ``lr`` (which may be changed between steps)."""

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError("optimizer got an empty parameter list")
        for p in self.params:
            if not isinstance(p, Value):
                raise TypeError(f"optimizer parameters must be Values, got {type(p).__name__}")
        _check_non_negative("lr", lr)
        self.lr = lr

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
        _check_non_negative("momentum", momentum)
        _check_non_negative("weight_decay", weight_decay)
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.buffers: list[float | None] = [None] * len(self.params)

    def step(self) -> None:
        lr, momentum, weight_decay = self.lr, self.momentum, self.weight_decay
        buffers = self.buffers
        for i, p in enumerate(self.params):
            g = real(p.grad)
            if weight_decay != 0.0:
                g = g + weight_decay * p.data
            if momentum != 0.0:
                b = buffers[i]
                g = buffers[i] = g if b is None else b * momentum + g
            p.data += -lr * g


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
        beta1, beta2 = betas
        for name, beta in (("betas[0]", beta1), ("betas[1]", beta2)):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"{name} must be in [0, 1), got {beta!r}")
        _check_non_negative("eps", eps)
        _check_non_negative("weight_decay", weight_decay)
        self.betas = (beta1, beta2)
        self.eps = eps
        self.weight_decay = weight_decay
        self.t = 0
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)

    def step(self) -> None:
        self.t += 1
        beta1, beta2 = self.betas
        step_size = self.lr / (1.0 - beta1**self.t)
        correction2_sqrt = (1.0 - beta2**self.t) ** 0.5
        eps, weight_decay = self.eps, self.weight_decay
        m, v = self.m, self.v
        for i, p in enumerate(self.params):
            g = real(p.grad)
            if weight_decay != 0.0:
                g = g + weight_decay * p.data
            m[i] += (1.0 - beta1) * (g - m[i])
            v[i] = v[i] * beta2 + (1.0 - beta2) * g * g
            p.data += -step_size * (m[i] / (math.sqrt(v[i]) / correction2_sqrt + eps))


def _check_non_negative(name: str, x: Any) -> None:
    if not x >= 0.0:  # also rejects NaN
        raise ValueError(f"{name} must be non-negative, got {x!r}")
