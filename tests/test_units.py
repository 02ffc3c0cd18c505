"""Neurons and layers found in a graph (micrograd.units): exactly the neurons a model
built, one copy per data point, checked against the model's own structure; the same op
on constants (a hinge loss term, an L2 penalty) is no neuron."""

from __future__ import annotations

import random

import pytest

from micrograd import losses, ops
from micrograd.engine import Value, constant, is_constant, topological_order
from micrograd.explorer import explore
from micrograd.nn import MLP
from micrograd.units import boxes_of, units_of

from helpers import page_data


def forward_order(root: Value) -> list[Value]:
    """Every Value behind ``root``, leaves included, inputs before the nodes that read them."""
    order: dict[Value, None] = {}
    for v in reversed(topological_order(root)):
        order.update(dict.fromkeys(v._prev))
        order[v] = None
    return list(order)


def demo_loss(activation: str = "relu", penalty: bool = True):
    """The demo's loss on 3 points: hinge of an MLP(2, [4, 3, 1]) plus 1e-4 L2."""
    random.seed(2)
    model = MLP(2, [4, 3, 1], activation=activation)
    xs = [[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0]]
    ys = [1.0, -1.0, 1.0]
    loss = losses.hinge([model(x) for x in xs], ys)
    if penalty:
        loss = loss + 1e-4 * losses.l2(model.parameters())
    return loss, model, len(xs)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_the_neurons_of_a_hinge_loss_are_the_models_and_no_more(activation):
    loss, model, points = demo_loss(activation)
    neurons = units_of(forward_order(loss), "neurons")
    # the oracle: the model's neurons, each once per data point, by its parameters
    expected = [[n.b, *n.w] for layer in model.layers for n in layer.neurons]
    found = [u.params[0] for u in neurons]
    assert len(found) == points * len(expected)
    for params in expected:
        assert sum(f == params for f in found) == points
    for u in neurons:
        assert not any(is_constant(p) for p in u.params[0])
    # the hinge terms relu(1 - y s) are single nodes "ReLU(w·x+b)" on constants
    terms = [v for v in forward_order(loss) if v._op == ops.relu_affine.name]
    hinge_terms = [v for v in terms if is_constant(v._prev[0])]
    assert len(hinge_terms) == points
    inside = {v for u in neurons for v in u.inside}
    assert not inside & set(hinge_terms)
    # and L2, w·x+b of the parameters with themselves, is none either
    (penalty,) = [v for v in forward_order(loss) if v._op == ops.affine.name and v not in inside]
    assert len(penalty._prev) == 2 * len(model.parameters()) + 1
    # a layer is the neurons of one layer of the model on one point
    layers = units_of(forward_order(loss), "layers")
    assert sorted(len(u.outputs) for u in layers) == sorted(
        len(layer.neurons) for layer in model.layers for _ in range(points)
    )


@pytest.mark.parametrize("penalty", [False, True])
def test_a_hinge_terms_constants_keep_their_boxes(penalty):
    loss, model, points = demo_loss(penalty=penalty)
    order = forward_order(loss)
    box = boxes_of(order, units_of(order, "neurons"))
    # a constant is a box of its own (it is drawn); a parameter only neurons read rides
    # on their edges, one that L2 reads too has its own box
    for v in order:
        if is_constant(v):
            assert box[v] is v
    for p in model.parameters():
        assert box[p] is (p if penalty else None)
    # the explorer names the hinge terms as any Value, not as neurons
    data = page_data(explore(loss, max_nodes=None))
    units = data["levels"]["neurons"]["units"].values()
    names = {f"L{i}.n{j} [{k}]" for i, layer in enumerate(model.layers)
             for j in range(len(layer.neurons)) for k in range(1, points + 1)}  # fmt: skip
    assert {u["name"] for u in units} == names
    assert not [v for v in data["values"].values() if v["name"].startswith("neuron")]


def test_a_neuron_of_the_same_shape_made_by_hand_is_a_neuron():
    x1, x2 = Value(2.0, "x1"), Value(-1.0, "x2")
    w1, w2, b = Value(0.5, "p"), Value(-1.5, "q"), Value(0.25, "c")
    out = ops.linear([w1, w2], [x1, x2], b).tanh()
    (u,) = units_of(forward_order(out), "neurons")
    assert u.params == [[b, w1, w2]] and u.inputs == [x1, x2] and u.outputs == [out]
    assert u.op == "tanh(w·x+b)"
    # an input may be a constant (data given as plain numbers)
    (u,) = units_of(forward_order(ops.relu_affine(b, w1, w2, x1, 3.0)), "neurons")
    assert u.inputs[0] is x1 and is_constant(u.inputs[1])


@pytest.mark.parametrize(
    "make",
    [
        # a hinge term: b = 1 and w = -y are constants
        lambda s, w, b: ops.relu_affine(constant(1.0), constant(-1.0), s),
        # a constant bias (linear's default)
        lambda s, w, b: ops.linear([w], [s]),
        # a weight computed from others
        lambda s, w, b: ops.linear([w * 2.0], [s], b),
        # the weights are the inputs: a sum of squares
        lambda s, w, b: ops.affine(b, w, s, w, s),
    ],
    ids=["hinge-term", "constant-bias", "computed-weight", "weights-are-inputs"],
)
def test_the_same_op_on_other_inputs_is_no_neuron(make):
    s, w, b = Value(0.3, "s"), Value(-0.5, "w"), Value(0.1, "b")
    out = make(s, w, b)
    assert out._op in (ops.affine.name, ops.relu_affine.name)
    assert units_of(forward_order(out), "neurons") == []
    assert units_of(forward_order(out), "layers") == []
