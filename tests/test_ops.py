"""The op table: every declared op exists as a Value method, a Dual method and an ``ops``
function, and all three agree with each other and with central differences, to first
and second order. A half-declared op fails here.
"""

import functools
import math
import random

import pytest

from micrograd import Dual, Op, Value, grad, ops
from micrograd.op import declared_ops

UNARY_POINTS = [-1.7, -0.6, 0.3, 1.1, 2.4]
BINARY_POINTS = [(0.7, 1.3), (1.9, -0.4), (2.2, 0.5), (0.45, 2.0)]
# the derivative each op takes at its kink x = 0, as in PyTorch
KINKS = {"relu": 0.0, "__abs__": 0.0, "leaky_relu": 0.01}


def central(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


def central2(f, x, h=1e-4):
    return (f(x + h) - 2 * f(x) + f(x - h)) / (h * h)


def close(a, b, rel=1e-6, abs_=1e-7):
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def table():
    return list(declared_ops().values())


def ops_name(op):
    names = [name for name, value in vars(ops).items() if value is op]
    assert names, f"op {op.name!r} is declared but micrograd.ops has no function for it"
    return names[0]


def call(kind_value, op, *others):
    """The op through the method or operator installed on the first operand's type."""
    return getattr(kind_value, op.method)(*others)


def unary_points(op):
    points = []
    for x in UNARY_POINTS:
        try:
            op.bind().forward(x)
        except ValueError:
            continue  # outside the domain (log, sqrt of a negative number)
        points.append(x)
    assert len(points) >= 2, f"op {op.name!r}: too few points of its domain to test"
    return points


def test_the_table_has_every_op_and_the_new_ones():
    names = set(declared_ops())
    assert {"__add__", "__mul__", "__pow__", "exp", "log", "tanh", "relu"} <= names
    assert {"softplus", "leaky_relu"} <= names


@pytest.mark.parametrize("op", table(), ids=lambda op: op.method)
def test_value_dual_and_ops_exist_for_every_op(op):
    assert callable(getattr(Value, op.method)), f"Value has no {op.method}"
    assert callable(getattr(Dual, op.method)), f"Dual has no {op.method}"
    assert getattr(ops, ops_name(op)) is op
    if op.reflected:
        assert callable(getattr(Value, op.reflected))
        assert callable(getattr(Dual, op.reflected))


@pytest.mark.parametrize("op", [op for op in table() if op.arity == 1], ids=lambda op: op.method)
def test_unary_ops_agree_with_each_other_and_with_central_differences(op):
    f = getattr(ops, ops_name(op))
    forward = op.bind().forward  # parameters at their defaults
    for x in unary_points(op):
        expected = forward(x)
        assert f(x) == expected and isinstance(f(x), float)
        v = Value(x)
        out = call(v, op)
        assert out.data == expected and f(Value(x)).data == expected
        out.backward()
        dual = call(Dual(x, 1.0), op)
        assert dual.real == expected and f(Dual(x, 1.0)).real == expected
        numerical = central(forward, x)
        assert close(v.grad, numerical), (op.name, x, v.grad, numerical)
        assert close(dual.dual, v.grad, rel=1e-12, abs_=0.0)
        # second derivative: reverse over reverse against central differences
        second = grad(grad(lambda t, op=op: call(t, op)))(x)
        assert close(second, central2(forward, x), rel=1e-4, abs_=1e-5), (op.name, x)


@pytest.mark.parametrize("op", [op for op in table() if op.arity == 2], ids=lambda op: op.method)
def test_binary_ops_agree_with_each_other_and_with_central_differences(op):
    f = getattr(ops, ops_name(op))
    for a, b in BINARY_POINTS:
        expected = op.forward(a, b)
        assert f(a, b) == expected
        va, vb = Value(a), Value(b)
        out = call(va, op, vb)
        assert out.data == expected
        out.backward()
        assert call(Value(a), op, b).data == expected  # number on the right
        assert getattr(Value(b), op.reflected)(a).data == expected  # number on the left
        da = call(Dual(a, 1.0), op, Dual(b, 0.0))
        db = call(Dual(a, 0.0), op, Dual(b, 1.0))
        assert da.real == expected
        along_a = functools.partial(lambda b, t: op.forward(t, b), b)  # t -> f(t, b)
        along_b = functools.partial(op.forward, a)  # t -> f(a, t)
        for got, dual, numerical in (
            (va.grad, da.dual, central(along_a, a)),
            (vb.grad, db.dual, central(along_b, b)),
        ):
            assert close(got, numerical), (op.name, a, b, got, numerical)
            assert close(dual, got, rel=1e-12, abs_=0.0)
        for i, along in enumerate((along_a, along_b)):
            second = grad(grad(lambda x, y: call(x, op, y), argnums=i), argnums=i)(a, b)
            assert close(second, central2(along, (a, b)[i]), rel=1e-4, abs_=1e-5)


@pytest.mark.parametrize("name", sorted(KINKS))
def test_derivatives_at_kinks_are_pytorchs(name):
    v = Value(0.0)
    call(v, declared_ops()[name]).backward()
    assert v.grad == KINKS[name]


def test_softplus_and_leaky_relu_values():
    assert ops.softplus(0.0) == math.log(2.0)
    assert ops.softplus(1000.0) == 1000.0  # no overflow
    assert ops.softplus(-1000.0) == 0.0
    assert Value(-2.0).leaky_relu().data == -0.02
    x = Value(-2.0)
    y = x.leaky_relu(0.2)
    y.backward()
    assert (y.data, x.grad, y._op) == (-0.4, 0.2, "leaky_relu(0.2)")
    assert ops.leaky_relu(-2.0, slope=0.5) == -1.0
    assert Dual(-2.0, 1.0).leaky_relu(0.3).dual == 0.3
    with pytest.raises(TypeError, match="slope"):
        ops.leaky_relu(-2.0, "steep")
    with pytest.raises(TypeError, match="unexpected parameter 'alpha'"):
        ops.leaky_relu(-2.0, alpha=0.1)


def test_ops_functions_return_the_kind_they_are_given():
    assert isinstance(ops.exp(1.0), float)
    assert isinstance(ops.exp(1), float)
    assert isinstance(ops.exp(Value(1.0)), Value)
    assert isinstance(ops.exp(Dual(1.0, 1.0)), Dual)
    assert isinstance(ops.add(Value(1.0), 2.0), Value)
    assert isinstance(ops.linear([1.0, 2.0], [3.0, 4.0]), float)
    with pytest.raises(TypeError, match="tanh: expected 1 inputs, got 2"):
        ops.tanh(1.0, 2.0)
    with pytest.raises(TypeError, match="real number"):
        ops.tanh("1.0")


def test_a_new_op_is_one_declaration():
    cube = Op.declare(
        "cube_for_test", lambda x: x * x * x, lambda out, x: (3.0 * x * x,), doc="x^3"
    )
    x = Value(2.0)
    y = x.cube_for_test()
    y.backward()
    assert (y.data, x.grad, y._op) == (8.0, 12.0, "cube_for_test")
    assert cube(2.0) == 8.0
    assert Dual(2.0, 1.0).cube_for_test().dual == 12.0
    assert grad(grad(lambda t: t.cube_for_test()))(2.0) == 12.0  # 6x
    assert grad(grad(grad(lambda t: t.cube_for_test())))(2.0) == 6.0
    assert Value.cube_for_test.__doc__ == "x^3"


def test_an_op_declared_as_text_takes_any_mapping_as_its_scope():
    from types import MappingProxyType

    from micrograd import Op, Value

    scope = MappingProxyType({"half": 0.5})
    op = Op.declare("times_half", "half * x", ("half",), scope=scope, method="times_half")
    x = Value(3.0)
    y = x.times_half()
    y.backward()
    assert (y.data, x.grad, op(4.0)) == (1.5, 0.5, 2.0)


@pytest.mark.parametrize("xs", [(0.3, -1.2, 2.0), (1000.0, 1001.0), (-1000.0, -999.5, -1001.0)])
def test_logsumexp_on_floats_values_and_duals_against_central_differences(xs):
    shift = max(xs)  # the oracle: the textbook formula with its shift
    expected = shift + math.log(sum(math.exp(x - shift) for x in xs))
    assert close(ops.logsumexp(*xs), expected, rel=1e-15)
    values = [Value(x) for x in xs]
    out = ops.logsumexp(*values)
    out.backward()
    assert out.data == ops.logsumexp(*xs)
    for i, v in enumerate(values):

        def moved(t, i=i):
            return ops.logsumexp(*xs[:i], t, *xs[i + 1 :])

        assert close(v.grad, central(moved, xs[i]), rel=1e-6)
        duals = [Dual(x, 1.0 if j == i else 0.0) for j, x in enumerate(xs)]
        assert close(ops.logsumexp(*duals).dual, v.grad, rel=1e-15)
    # second derivatives through the partials written with ops: d2/dx0^2 = s0 (1 - s0)
    s0 = math.exp(xs[0] - expected)
    second = grad(grad(lambda t: ops.logsumexp(t, *xs[1:])))(xs[0])
    assert close(second, s0 * (1.0 - s0), rel=1e-12)


def test_logsumexp_at_infinities_and_bce_with_logits_on_each_side_of_zero():
    assert ops.logsumexp(math.inf, 0.0) == math.inf
    assert ops.logsumexp(-math.inf, -math.inf) == -math.inf
    assert math.isnan(ops.logsumexp(math.nan, 0.0))
    for z in (-2.0, 0.0, 2.0):
        expected = math.log1p(math.exp(z)) - z * 0.3
        assert close(ops.bce_with_logits(z, 0.3), expected, rel=1e-15)
        zv = Value(z)
        ops.bce_with_logits(zv, 0.3).backward()
        assert close(zv.grad, central(lambda t: ops.bce_with_logits(t, 0.3), z), rel=1e-6)
        assert ops.bce_with_logits(Dual(z, 1.0), 0.3).dual == zv.grad


GATED = [op for op in vars(ops).values() if isinstance(op, Op) and op.gate is not None]
EDGES = [0.0, -0.0, 1e-300, -1e-300, 1e300, -1e300, math.inf, -math.inf, math.nan, 0.5, -2.0]


@pytest.mark.parametrize("op", GATED, ids=lambda op: op.name)
@pytest.mark.parametrize("n", [1, 2, 5])
def test_where_an_ops_gate_is_zero_all_its_partials_are_zero(op, n):
    """backward skips a node whose gate is 0 without evaluating its partials: they must
    all be 0 there, for any inputs, infinite and nan ones too."""
    rng = random.Random(n)
    gated = 0
    for _ in range(2000):
        xs = [rng.choice(EDGES) for _ in range(2 * n + 1)]
        out = op.forward(*xs)
        if not op.gate(out):
            gated += 1
            assert all(d == 0.0 for d in op.partials(out, *xs)), xs
    assert gated > 100  # the gate was 0 often enough to mean something


def test_a_gated_neuron_passes_what_the_walk_without_the_gate_passes():
    """relu(b + w . x) at a dead unit: backward (which reads the gate) against the walk that
    sees every edge (which evaluates every partial), with an infinite input."""
    from micrograd.gradients import backprop

    assert [ops.relu_affine] == GATED
    b, w, x, y = Value(1.0), Value(-2.0), Value(math.inf), Value(-1.0)
    dead = ops.relu_affine(b, w, x)  # relu(1 - inf): 0, and so is its derivative
    alive = ops.relu_affine(b, w, y)  # relu(1 + 2) = 3: d/db = 1, d/dw = y, d/dy = w
    root = dead * 3.0 + alive
    root.backward()
    seen = backprop(root, on_step=lambda step: None)
    grads = (b.grad, w.grad, x.grad, y.grad)
    assert grads == (1.0, -1.0, 0.0, -2.0)
    assert grads == tuple(seen[v] for v in (b, w, x, y))
