"""The engine against PyTorch float64: every op, and random expression DAGs with reuse."""

import math
import operator
from operator import methodcaller

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd import Value

from helpers import needs_torch, torch
from helpers import tensor as leaf

pytestmark = needs_torch


def close(ours: float, theirs, rel: float, abs_: float = 0.0) -> bool:
    """Whether ``ours`` matches a torch scalar (None, an unreached leaf's grad, is 0)."""
    expected = 0.0 if theirs is None else theirs.item()
    return math.isclose(ours, expected, rel_tol=rel, abs_tol=abs_)


# ---------------------------------------------------------------------------
# Each op: value and gradient, both operand orders, with constants
# ---------------------------------------------------------------------------

BINARY = [
    ("add", operator.add, 1.3, -0.7),
    ("sub", operator.sub, 1.3, -0.7),
    ("mul", operator.mul, 1.3, -0.7),
    ("div", operator.truediv, 1.3, -0.7),
    ("pow", operator.pow, 1.7, 0.6),
    ("pow-negative-exponent", operator.pow, 0.8, -1.3),
    ("pow-zero-base", operator.pow, 0.0, 2.5),
]


@pytest.mark.parametrize(("name", "op", "a", "b"), BINARY, ids=lambda c: c)
def test_binary_ops_match_torch(name, op, a, b):
    # Value op Value
    va, vb, ta, tb = Value(a), Value(b), leaf(a), leaf(b)
    out, ref = op(va, vb), op(ta, tb)
    out.backward()
    ref.backward()
    assert close(out.data, ref, 1e-12)
    assert close(va.grad, ta.grad, 1e-12)
    assert close(vb.grad, tb.grad, 1e-12)
    # Value op number, number op Value
    va, ta = Value(a), leaf(a)
    out, ref = op(va, b), op(ta, b)
    out.backward()
    ref.backward()
    assert close(out.data, ref, 1e-12)
    assert close(va.grad, ta.grad, 1e-12)
    vb, tb = Value(b), leaf(b)
    out, ref = op(a, vb), op(a, tb)
    out.backward()
    ref.backward()
    assert close(out.data, ref, 1e-12)
    assert close(vb.grad, tb.grad, 1e-12)


UNARY = [
    ("neg", operator.neg, operator.neg, [1.3, -0.4]),
    ("abs", abs, abs, [1.2, -0.9, 0.0]),
    ("exp", Value.exp, methodcaller("exp"), [0.3, -2.1, 4.0]),
    ("log", Value.log, methodcaller("log"), [0.8, 3.5]),
    ("sqrt", Value.sqrt, methodcaller("sqrt"), [0.3, 2.3]),
    ("tanh", Value.tanh, methodcaller("tanh"), [0.4, -1.1, 3.0, 1000.0, -1000.0]),
    ("sigmoid", Value.sigmoid, methodcaller("sigmoid"), [0.3, -2.0, 5.0, -40.0, 1000.0, -1000.0]),
    ("relu", Value.relu, methodcaller("relu"), [0.7, -0.7, 0.0]),
    ("square", lambda v: v**2, lambda t: t**2, [-1.5, 0.0, 2.0]),
    ("cube-root", lambda v: v ** (1 / 3), lambda t: t ** (1 / 3), [0.5, 8.0]),
    ("reciprocal", lambda v: v**-1, lambda t: t**-1, [-0.5, 3.0]),
    ("power-of-two", lambda v: 2**v, lambda t: 2**t, [-1.5, 0.0, 3.3]),
]


@pytest.mark.parametrize(("name", "op", "torch_op", "points"), UNARY, ids=lambda c: c)
def test_unary_ops_match_torch(name, op, torch_op, points):
    for x in points:
        v, t = Value(x), leaf(x)
        out, ref = op(v), torch_op(t)
        out.backward()
        ref.backward()
        assert close(out.data, ref, 1e-12)
        assert close(v.grad, t.grad, 1e-12, 1e-300)


def test_repeated_backward_accumulates_leaves_like_torch():
    a, b, ta, tb = Value(0.7), Value(-1.4), leaf(0.7), leaf(-1.4)
    out = (a * b).tanh() + a.exp() / b
    ref = (ta * tb).tanh() + ta.exp() / tb
    for seed in (1.0, 2.5, -0.5):
        out.backward(seed)
        ref.backward(torch.tensor(seed, dtype=torch.float64), retain_graph=True)
        assert close(a.grad, ta.grad, 1e-12)
        assert close(b.grad, tb.grad, 1e-12)


# ---------------------------------------------------------------------------
# Random expression DAGs with reuse, built in both engines side by side
# ---------------------------------------------------------------------------


def _bounded(v, t):
    """Keep magnitudes below 10: x -> 5x / (|x| + 1) once |x| > 10 (in both engines)."""
    if abs(v.data) > 10.0:
        return v * 5.0 / (abs(v) + 1.0), t * 5.0 / (abs(t) + 1.0)
    return v, t


# Each op takes two operands (engine, torch) pairs; unary ops ignore the second. Log,
# sqrt and fractional powers only see values >= 0.5, divisions only denominators >= 0.5.
OPS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 0.5),
    "rdiv-const": lambda a, b: 2.0 / (a * a + 1.0),
    "mul-const": lambda a, b: 3.0 * a,
    "rsub-const": lambda a, b: 1.0 - a,
    "neg": lambda a, b: -a,
    "square": lambda a, b: a**2,
    "cube": lambda a, b: a**3,
    "pow-const": lambda a, b: (a * a + 0.5) ** -1.5,
    "pow-value": lambda a, b: (a * a + 0.5) ** (b * 0.2),
    "rpow-const": lambda a, b: 2.0 ** (a * 0.5),
}
UNARY_OPS = {
    "exp": (lambda v: (v * 0.3).exp(), lambda t: (t * 0.3).exp()),
    "log": (lambda v: (v * v + 0.5).log(), lambda t: (t * t + 0.5).log()),
    "sqrt": (lambda v: (v * v + 0.5).sqrt(), lambda t: (t * t + 0.5).sqrt()),
    "tanh": (Value.tanh, methodcaller("tanh")),
    "sigmoid": (Value.sigmoid, methodcaller("sigmoid")),
    "relu": (Value.relu, methodcaller("relu")),
    "abs": (abs, abs),
}
OP_NAMES = sorted(OPS) + sorted(UNARY_OPS)


@st.composite
def programs(draw):
    """Leaves, then steps (op, i, j): operands are earlier nodes i, j (mod count)."""
    leaves = draw(st.lists(st.floats(-2.0, 2.0), min_size=1, max_size=4))
    steps = draw(
        st.lists(
            st.tuples(st.sampled_from(OP_NAMES), st.integers(0, 1000), st.integers(0, 1000)),
            min_size=1,
            max_size=30,
        )
    )
    return leaves, steps


@settings(max_examples=100, deadline=None)
@given(programs())
def test_random_dags_match_torch(program):
    leaves, steps = program
    ours = [Value(x) for x in leaves]
    theirs = [leaf(x) for x in leaves]
    nodes = list(zip(ours, theirs))
    for name, i, j in steps:
        (va, ta), (vb, tb) = nodes[i % len(nodes)], nodes[j % len(nodes)]
        if name in OPS:
            v, t = OPS[name](va, vb), OPS[name](ta, tb)
        else:
            v_op, t_op = UNARY_OPS[name]
            v, t = v_op(va), t_op(ta)
        nodes.append(_bounded(v, t))
    # every node feeds the output, so early nodes fork into many paths
    out = sum((v for v, _ in nodes[len(leaves) :]), nodes[-1][0])
    ref = sum((t for _, t in nodes[len(leaves) :]), nodes[-1][1])
    out.backward()
    ref.backward()
    assert close(out.data, ref, 1e-9, 1e-12)
    for v, t in zip(ours, theirs):
        assert close(v.grad, t.grad, 1e-9, 1e-12), (v, t.grad)
