"""MLP.to_torch and MLP.from_torch: the same function and gradients in PyTorch, and back."""

import random
import sys

import pytest

from micrograd import Value
from micrograd.nn import MLP

from helpers import needs_torch, tensor, torch

SHAPES = [
    (3, [4, 4, 1], "tanh", "tanh"),
    (2, [16, 16, 1], "relu", "linear"),
    (5, [6, 3], "sigmoid", "sigmoid"),
    (4, [3, 5, 2], "linear", "relu"),
]
INPUTS = [[0.3, -1.2, 0.8, 2.0, -0.4], [1.5, 0.1, -0.7, -2.2, 0.9], [-0.6, 0.5, 0.05, 1.1, -1.3]]


def close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-12 * max(1.0, abs(b))


def outputs(model: MLP, x: list) -> list:
    out = model(x)
    return out if isinstance(out, list) else [out]


@needs_torch
@pytest.mark.parametrize(("nin", "nouts", "activation", "output_activation"), SHAPES)
def test_to_torch_computes_the_same_outputs_and_gradients(
    nin, nouts, activation, output_activation
):
    random.seed(nin)
    model = MLP(nin, nouts, activation=activation, output_activation=output_activation)
    for p in model.parameters():  # nonzero biases too
        p.data = random.uniform(-1, 1)
    seq = model.to_torch()
    assert all(p.dtype == torch.float64 for p in seq.parameters())
    coefficients = [random.uniform(-2, 2) for _ in range(nouts[-1])]
    for row in INPUTS:
        x = [Value(v) for v in row[:nin]]
        ours = outputs(model, x)
        tx = tensor(row[:nin])
        theirs = seq(tx)
        assert all(close(o.data, t) for o, t in zip(ours, theirs.tolist(), strict=True))
        model.zero_grad()
        sum(c * o for c, o in zip(coefficients, ours)).backward()
        seq.zero_grad()
        (torch.tensor(coefficients, dtype=torch.float64) * theirs).sum().backward()
        assert all(close(v.grad, g) for v, g in zip(x, tx.grad.tolist(), strict=True))
        linears = [m for m in seq if isinstance(m, torch.nn.Linear)]
        assert len(linears) == len(model.layers)
        for layer, linear in zip(model.layers, linears):
            for j, neuron in enumerate(layer.neurons):
                assert all(
                    close(w.grad, g) for w, g in zip(neuron.w, linear.weight.grad[j].tolist())
                )
                assert close(neuron.b.grad, linear.bias.grad[j].item())


@needs_torch
@pytest.mark.parametrize(("nin", "nouts", "activation", "output_activation"), SHAPES)
def test_from_torch_brings_back_the_architecture_and_weights(
    nin, nouts, activation, output_activation
):
    torch.manual_seed(nin)
    model = MLP(nin, nouts, activation=activation, output_activation=output_activation)
    seq = model.to_torch()
    with torch.no_grad():  # train in torch (here: any change of weights), then come back
        for p in seq.parameters():
            p.add_(torch.randn_like(p))
    back = MLP.from_torch(seq)
    assert repr(back) == repr(model)
    for row in INPUTS:
        theirs = seq(torch.tensor(row[:nin], dtype=torch.float64)).tolist()
        assert all(close(o.data, t) for o, t in zip(outputs(back, row[:nin]), theirs, strict=True))
    assert back.state_dict() != model.state_dict()


@needs_torch
def test_to_torch_copies_the_weights():
    random.seed(1)
    model = MLP(2, [3, 1])
    seq = model.to_torch()
    before = model.state_dict()
    with torch.no_grad():
        seq[0].weight.fill_(5.0)
    assert model.state_dict() == before


@needs_torch
def test_from_torch_reads_float32_modules():
    torch.manual_seed(0)
    seq = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Tanh(), torch.nn.Linear(2, 1))
    model = MLP.from_torch(seq)
    assert repr(model) == repr(MLP(3, [2, 1], activation="tanh"))
    assert model.layers[0].neurons[1].w[2].data == seq[0].weight[1, 2].item()


# Each case makes a Sequential from torch.nn, and names what the error must say.
NOT_AN_MLP = {
    "empty": (lambda nn: nn.Sequential(), "no Linear module"),
    "activation-first": (
        lambda nn: nn.Sequential(nn.ReLU(), nn.Linear(2, 1)),
        r"module 0 \(ReLU\) does not follow a Linear",
    ),
    "two-activations": (
        lambda nn: nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Tanh()),
        r"module 2 \(Tanh\) does not follow a Linear",
    ),
    "widths": (
        lambda nn: nn.Sequential(nn.Linear(2, 3), nn.Linear(4, 1)),
        "module 1 is a Linear with 4 inputs after a layer of 3 outputs",
    ),
    "other-module": (
        lambda nn: nn.Sequential(nn.Linear(2, 3), nn.GELU(), nn.Linear(3, 1)),
        "module 1 is GELU; an MLP has only Linear, ReLU, Tanh and Sigmoid",
    ),
    "no-bias": (lambda nn: nn.Sequential(nn.Linear(2, 3, bias=False)), "without bias"),
    "mixed-hidden": (
        lambda nn: nn.Sequential(
            nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 3), nn.Tanh(), nn.Linear(3, 1)
        ),
        "different activations \\('relu', 'tanh'\\)",
    ),
}


@needs_torch
@pytest.mark.parametrize("case", NOT_AN_MLP)
def test_from_torch_refuses_what_is_not_an_mlp(case):
    make, message = NOT_AN_MLP[case]
    with pytest.raises(ValueError, match=message):
        MLP.from_torch(make(torch.nn))


@needs_torch
def test_from_torch_refuses_non_finite_weights_and_other_objects():
    seq = torch.nn.Sequential(torch.nn.Linear(2, 1))
    with torch.no_grad():
        seq[0].bias.fill_(float("nan"))
    with pytest.raises(ValueError, match="must be finite"):
        MLP.from_torch(seq)
    with pytest.raises(TypeError, match=r"expected a torch\.nn\.Sequential, got Linear"):
        MLP.from_torch(seq[0])


def test_without_torch_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)
    model = MLP(2, [1])
    with pytest.raises(ImportError, match=r"MLP\.to_torch needs PyTorch.*pip install torch"):
        model.to_torch()
    with pytest.raises(ImportError, match=r"MLP\.from_torch needs PyTorch.*pip install torch"):
        MLP.from_torch(object())
