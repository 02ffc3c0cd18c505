"""Random DAGs with edge values against PyTorch float64: the same values and gradients,
or one of the documented outcomes, with nothing changed after a raise.

Accepted outcomes:

- values and gradients equal to PyTorch's, within 1e-9 relative to their size or to
  the size of the terms they add up (catastrophic cancellation makes the last bits
  meaningless, in both engines);
- a raise (a Python float error: domain, overflow, division by zero) where PyTorch
  gets inf or nan somewhere in the forward or backward pass, with every ``.grad`` as
  it was before the call;
- where PyTorch's gradient is nan: a node whose gradient is exactly zero passes
  nothing, also through an infinite or nan local derivative (0 * inf is 0 here).
"""

import math

import pytest

from micrograd import Value
from micrograd.gradients import backprop

from helpers import needs_torch, torch

hypothesis = pytest.importorskip("hypothesis")
st = hypothesis.strategies

EDGES = [0.0, -0.0, 5e-324, -2.2e-308, 1e300, -1e300, math.inf, -math.inf, math.nan, 1.0, -1.0]

BINARY = {
    "+": (lambda a, b: a + b, lambda a, b: a + b),
    "-": (lambda a, b: a - b, lambda a, b: a - b),
    "*": (lambda a, b: a * b, lambda a, b: a * b),
    "/": (lambda a, b: a / b, lambda a, b: a / b),
    "**": (lambda a, b: a**b, torch.pow if torch else None),
}
UNARY = {
    "neg": (lambda a: -a, lambda a: -a),
    "abs": (abs, abs),
    "exp": (Value.exp, torch.exp if torch else None),
    "log": (Value.log, torch.log if torch else None),
    "sqrt": (Value.sqrt, torch.sqrt if torch else None),
    "tanh": (Value.tanh, torch.tanh if torch else None),
    "sigmoid": (Value.sigmoid, torch.sigmoid if torch else None),
    "relu": (Value.relu, torch.relu if torch else None),
    "softplus": (Value.softplus, torch.nn.functional.softplus if torch else None),
    "leaky_relu": (
        lambda a: a.leaky_relu(0.1),
        (lambda a: torch.nn.functional.leaky_relu(a, 0.1)) if torch else None,
    ),
    "square": (lambda a: a**2, lambda a: a**2),
}

leaf = st.one_of(st.sampled_from(EDGES), st.floats(-4.0, 4.0, allow_nan=False))


@st.composite
def dags(draw):
    leaves = draw(st.lists(leaf, min_size=1, max_size=3))
    ops = []
    for k in range(draw(st.integers(1, 7))):
        size = len(leaves) + k
        if draw(st.booleans()):
            ops.append((draw(st.sampled_from(sorted(BINARY))), *draw(_two(size))))
        else:
            ops.append((draw(st.sampled_from(sorted(UNARY))), size - 1 - draw(_near(size)), None))
    return leaves, ops


def _near(size):
    return st.integers(0, size - 1)


def _two(size):
    return st.tuples(_near(size), _near(size)).map(lambda ij: (size - 1 - ij[0], ij[1]))


def build(leaves, ops, engine):
    """Every node of the DAG, leaves first, with ``engine`` 0 (micrograd) or 1 (torch)."""
    nodes = list(leaves)
    for name, i, j in ops:
        if j is None:
            nodes.append(UNARY[name][engine](nodes[i]))
        else:
            nodes.append(BINARY[name][engine](nodes[i], nodes[j]))
    return nodes


def _finite(x):
    return not (math.isinf(x) or math.isnan(x))


def _close(ours, theirs, scale):
    if math.isnan(theirs):
        return math.isnan(ours)
    if math.isinf(theirs):
        return ours == theirs
    return abs(ours - theirs) <= 1e-9 * max(abs(theirs), scale) or (
        abs(ours - theirs) <= 1e-300  # both subnormal-sized
    )


def _error_scales(values, ops, n_leaves):
    """For each node, the size of the rounding it may carry: the sum of the magnitudes of
    everything that went into it (a first-order bound that grows under cancellation)."""
    scale = [0.0] * n_leaves
    for k, (name, i, j) in enumerate(ops):
        out = abs(values[n_leaves + k])
        if j is None:
            scale.append(out + (scale[i] if name in ("neg", "abs", "relu", "leaky_relu") else 0))
        elif name in "+-":
            scale.append(out + scale[i] + scale[j])
        elif name == "*":
            scale.append(out + abs(values[j]) * scale[i] + abs(values[i]) * scale[j])
        else:
            scale.append(out)
    return scale


@needs_torch
@hypothesis.settings(max_examples=400, deadline=None, derandomize=True, database=None)
@hypothesis.given(dags(), st.floats(-2.0, 2.0, allow_nan=False))
def test_random_dags_match_pytorch_float64(dag, old_grad):
    leaves, ops = dag
    xs = [Value(x) for x in leaves]
    for x in xs:
        x.grad = old_grad  # gradients from an earlier pass, to be accumulated onto
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in leaves]
    theirs = build(ts, ops, 1)
    for t in theirs[len(leaves) :]:
        t.retain_grad()
    t_values = [t.item() for t in theirs]
    try:
        ours = build(xs, ops, 0)
    except (ArithmeticError, ValueError):
        assert not all(map(_finite, t_values)), (leaves, ops, t_values)
        return
    scales = _error_scales(t_values, ops, len(leaves))
    for o, t, s in zip(ours, t_values, scales):
        assert _close(o.data, t, s), (leaves, ops, o.data, t)

    root, t_root = ours[-1], theirs[-1]
    t_root.backward()
    t_grads = [0.0 if t.grad is None else t.grad.item() for t in theirs]
    before = [v.grad for v in ours]
    try:
        root.backward()
    except (ArithmeticError, ValueError):
        assert [v.grad for v in ours] == before
        assert not all(map(_finite, t_grads)), (leaves, ops, t_grads)
        return
    # the size of the terms each leaf's gradient adds up (cancellation makes bits noise)
    terms = dict.fromkeys(xs, 0.0)
    backprop(
        root, on_step=lambda s: terms.__setitem__(s.to, terms.get(s.to, 0.0) + abs(s.contribution))
    )
    for x, g in zip(xs, t_grads):
        if math.isnan(g):
            continue  # a zero gradient through an infinite or nan derivative passes nothing
        scale = max(terms[x] if _finite(terms[x]) else 0.0, abs(old_grad))
        assert _close(x.grad, old_grad + g, scale), (leaves, ops, x.grad, old_grad, g)
