"""Neurons, layers and multi-layer perceptrons on `Value`, drop-in for micrograd's ``nn``.

A neuron computes act(w . x + b). The affine part is one node of the graph
(`micrograd.engine.linear`), with every weight, input and the bias as parents.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from typing import Any

from micrograd.engine import Value, _lift, _linear

__all__ = ["MLP", "Layer", "Module", "Neuron"]


class Module:
    """Base class: anything with parameters (Values) that training updates."""

    def parameters(self) -> list[Value]:
        """The trainable Values, in a fixed order."""
        return []

    def zero_grad(self) -> None:
        """Set the gradient of every parameter to 0.0."""
        for p in self.parameters():
            p.grad = 0.0


class Neuron(Module):
    """relu(w . x + b) (or w . x + b when ``nonlin`` is False), with n weights.

    Weights start uniform in [-1, 1], the bias at 0, as in micrograd.
    """

    def __init__(self, nin: int, nonlin: bool = True) -> None:
        _check_width("nin", nin)
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0.0)
        self.nonlin = nonlin

    def __call__(self, x: Iterable[Any]) -> Value:
        return self.act(_as_inputs(x, len(self.w)))

    def act(self, xs: list[Value]) -> Value:
        """The output for inputs that are already a list of nin Values."""
        out = _linear(self.w, xs, self.b)
        return out.relu() if self.nonlin else out

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]

    def __repr__(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons that all read the same input."""

    def __init__(self, nin: int, nout: int, **kwargs: Any) -> None:
        _check_width("nout", nout)
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def outputs(self, x: Iterable[Any]) -> list[Value]:
        """Every neuron's output, as a list (also when the layer has one neuron)."""
        xs = _as_inputs(x, len(self.neurons[0].w))
        return [n.act(xs) for n in self.neurons]

    def __call__(self, x: Iterable[Any]) -> Value | list[Value]:
        """The outputs; a single Value when the layer has one neuron, as in micrograd."""
        out = self.outputs(x)
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """A multi-layer perceptron: ReLU hidden layers, a linear output layer.

    ``MLP(2, [16, 16, 1])`` maps 2 inputs through two hidden layers of 16 to one output.
    """

    def __init__(self, nin: int, nouts: list[int]) -> None:
        _check_width("nin", nin)
        if not nouts:
            raise ValueError("nouts must list at least one layer width")
        sizes = [nin, *nouts]
        self.layers = [
            Layer(sizes[i], sizes[i + 1], nonlin=i != len(nouts) - 1) for i in range(len(nouts))
        ]

    def __call__(self, x: Iterable[Any]) -> Value | list[Value]:
        """The network's output: a Value for one output unit, else a list of Values."""
        for layer in self.layers:
            x = layer.outputs(x)
        return x[0] if len(x) == 1 else x

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"


def _check_width(name: str, n: Any) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"{name} must be a positive integer, got {n!r}")


def _as_inputs(x: Iterable[Any], nin: int) -> list[Value]:
    """``x`` as a list of nin Values (a bare Value or number counts as one input)."""
    xs = [x] if isinstance(x, (Value, int, float)) else list(_iterate(x))
    if len(xs) != nin:
        raise ValueError(f"expected {nin} inputs, got {len(xs)}")
    return [_lift(v) for v in xs]


def _iterate(x: Iterable[Any]) -> Iterator[Any]:
    try:
        return iter(x)
    except TypeError:
        raise TypeError(
            f"inputs must be a Value, a number or an iterable, got {type(x).__name__}"
        ) from None
