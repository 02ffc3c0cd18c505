"""Tests of the engine core (`micrograd.engine`) against independent oracles.

Oracles: closed-form derivatives, central differences f'(x) ~ (f(x+h) - f(x-h)) / 2h
on Python's ``math`` functions, forward-mode derivatives written by hand, and Python's
own float semantics for errors. PyTorch comparisons live in test_engine_torch.py.
"""

import asyncio
import gc
import math
import operator
import threading
import tracemalloc
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from micrograd import Value, enable_grad, is_grad_enabled, no_grad, primitive

from helpers import central_difference, sigmoid


def assert_close(actual: float, expected: float, rel: float = 1e-6, abs_: float = 1e-8) -> None:
    assert actual == pytest.approx(expected, rel=rel, abs=abs_)


def count_values() -> int:
    """How many Value objects are alive (Values are tracked by the cycle collector)."""
    return sum(1 for obj in gc.get_objects() if type(obj) is Value)


# ---------------------------------------------------------------------------
# Construction
# ---------------------------------------------------------------------------


class Real:
    """A user type that is a real number only through ``__float__``."""

    def __float__(self) -> float:
        return 2.5


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (3, 3.0),
        (-2.5, -2.5),
        (True, 1.0),
        (False, 0.0),
        (np.float64(1.25), 1.25),
        (np.float32(0.5), 0.5),
        (np.int64(-7), -7.0),
        (np.int8(3), 3.0),
        (np.bool_(True), 1.0),
        (np.array(4.5), 4.5),  # 0-d array: a scalar
        (Fraction(1, 4), 0.25),
        (Decimal("1.5"), 1.5),
        (Real(), 2.5),
        (2**70, float(2**70)),
    ],
    ids=repr,
)
def test_real_numbers_are_stored_as_python_floats(data, expected):
    v = Value(data)
    assert type(v.data) is float
    assert v.data == expected


@pytest.mark.parametrize(
    ("data", "type_name"),
    [
        ("1.0", "str"),
        (b"1", "bytes"),
        (None, "NoneType"),
        ([1.0], "list"),
        ((1.0,), "tuple"),
        ({"x": 1.0}, "dict"),
        (1 + 2j, "complex"),
        (np.complex128(1.0), "complex128"),
        (np.array([1.0]), "ndarray"),
        (np.array([[1.0]]), "ndarray"),
        (Value(1.0), "Value"),
        (object(), "object"),
    ],
    ids=lambda x: type(x).__name__,
)
def test_non_real_data_raises_type_error_naming_the_type(data, type_name):
    with pytest.raises(TypeError, match=type_name):
        Value(data)


def test_attributes_and_repr():
    v = Value(2.0)
    assert (v.data, v.grad, v.label, v._prev, v._op) == (2.0, 0.0, "", (), "")
    assert repr(v) == "Value(data=2.0, grad=0.0)"
    w = Value(-1.5, label="w")
    assert w.label == "w"
    assert repr(w) == "Value(data=-1.5, grad=0.0, label='w')"
    out = v * w
    assert out._prev == (v, w)
    assert out._op == "*"
    assert (out + 1)._op == "+"
    assert v.tanh()._op == "tanh"
    assert (v**2)._op == "**2"


# ---------------------------------------------------------------------------
# Ops: forward value against math, gradient against central differences
# ---------------------------------------------------------------------------

# (id, op on Values and/or numbers, reference on floats, a, b): points away from kinks
# and domain edges.
BINARY_CASES = [
    ("add", operator.add, lambda a, b: a + b, 1.3, -0.7),
    ("sub", operator.sub, lambda a, b: a - b, 1.3, -0.7),
    ("mul", operator.mul, lambda a, b: a * b, 1.3, -0.7),
    ("div", operator.truediv, lambda a, b: a / b, 1.3, -0.7),
    ("pow", operator.pow, math.pow, 1.7, 0.6),
    ("pow-negative-exponent", operator.pow, math.pow, 0.8, -1.3),
]


@pytest.mark.parametrize(("name", "op", "ref", "a", "b"), BINARY_CASES, ids=lambda c: c)
def test_binary_op_between_values(name, op, ref, a, b):
    va, vb = Value(a), Value(b)
    out = op(va, vb)
    out.backward()
    assert_close(out.data, ref(a, b), rel=1e-15)
    assert_close(va.grad, central_difference(lambda t: ref(t, b), a))
    assert_close(vb.grad, central_difference(lambda t: ref(a, t), b))


@pytest.mark.parametrize(("name", "op", "ref", "a", "b"), BINARY_CASES, ids=lambda c: c)
def test_binary_op_with_a_constant_on_either_side(name, op, ref, a, b):
    left = Value(a)
    out = op(left, b)  # Value op number
    out.backward()
    assert_close(out.data, ref(a, b), rel=1e-15)
    assert_close(left.grad, central_difference(lambda t: ref(t, b), a))

    right = Value(b)
    out = op(a, right)  # number op Value (reflected)
    out.backward()
    assert_close(out.data, ref(a, b), rel=1e-15)
    assert_close(right.grad, central_difference(lambda t: ref(a, t), b))


@pytest.mark.parametrize(
    ("x", "c"),
    [(-1.5, 3), (-1.5, -2), (2.0, 0.5), (2.0, -0.5), (-3.0, 2.0), (0.7, 0), (1.2, 1)],
)
def test_power_with_constant_exponent(x, c):
    v = Value(x)
    out = v**c
    out.backward()
    assert_close(out.data, x**c, rel=1e-15)
    assert_close(v.grad, c * x ** (c - 1) if c != 0 else 0.0, rel=1e-15)
    assert_close(v.grad, central_difference(lambda t: t**c, x))


UNARY_CASES = [
    ("neg", operator.neg, lambda x: -x, [1.3, -0.4]),
    ("abs", abs, abs, [1.2, -0.9]),
    ("exp", Value.exp, math.exp, [0.3, -2.1, 4.0]),
    ("log", Value.log, math.log, [0.8, 3.5]),
    ("sqrt", Value.sqrt, math.sqrt, [0.3, 2.3]),
    ("tanh", Value.tanh, math.tanh, [0.4, -1.1, 3.0]),
    ("sigmoid", Value.sigmoid, sigmoid, [0.3, -2.0, 5.0]),
    ("relu", Value.relu, lambda x: max(x, 0.0), [0.7, -0.7]),
]


@pytest.mark.parametrize(("name", "op", "ref", "points"), UNARY_CASES, ids=lambda c: c)
def test_unary_op(name, op, ref, points):
    for x in points:
        v = Value(x)
        out = op(v)
        out.backward()
        assert_close(out.data, ref(x), rel=1e-15)
        assert_close(v.grad, central_difference(ref, x))


@pytest.mark.parametrize(
    ("op", "derivative"),
    [
        (Value.exp, math.exp),
        (Value.log, lambda x: 1 / x),
        (Value.sqrt, lambda x: 0.5 / math.sqrt(x)),
        (Value.tanh, lambda x: 1 - math.tanh(x) ** 2),
        (Value.sigmoid, lambda x: sigmoid(x) * (1 - sigmoid(x))),
    ],
    ids=["exp", "log", "sqrt", "tanh", "sigmoid"],
)
def test_unary_gradient_matches_closed_form(op, derivative):
    for x in (0.25, 1.0, 2.75):
        v = Value(x)
        op(v).backward()
        assert_close(v.grad, derivative(x), rel=1e-13)


@pytest.mark.parametrize("op", [Value.relu, abs], ids=["relu", "abs"])
def test_kinks_have_zero_derivative_at_zero(op):
    v = Value(0.0)
    op(v).backward()
    assert v.grad == 0.0


def test_sigmoid_and_tanh_are_exact_and_finite_for_every_float():
    cases = [(-1000.0, 0.0, -1.0), (1000.0, 1.0, 1.0), (-1e308, 0.0, -1.0), (1e308, 1.0, 1.0)]
    cases += [(-math.inf, 0.0, -1.0), (math.inf, 1.0, 1.0)]
    for x, s, t in cases:
        vs, vt = Value(x), Value(x)
        out_s, out_t = vs.sigmoid(), vt.tanh()
        assert (out_s.data, out_t.data) == (s, t)
        out_s.backward()
        out_t.backward()
        assert (vs.grad, vt.grad) == (0.0, 0.0)  # s (1 - s) and 1 - t^2 at saturation
    v = Value(-30.0)
    out = v.sigmoid()
    out.backward()
    assert_close(out.data, math.exp(-30.0) / (1 + math.exp(-30.0)), rel=1e-15)
    assert_close(v.grad, math.exp(-30.0) / (1 + math.exp(-30.0)) ** 2, rel=1e-14)


def test_numpy_scalars_on_the_left_give_values():
    v = Value(2.0)
    for out, expected in [
        (-np.int64(1) * v, -2.0),
        (np.float64(2.0) + v, 4.0),
        (np.float32(1.0) - v, -1.0),
        (np.float64(3.0) / v, 1.5),
        (np.float64(3.0) ** v, 9.0),
        (np.int64(2) ** v, 4.0),
    ]:
        assert type(out) is Value
        assert type(out.data) is float
        assert out.data == expected


def test_numpy_scalar_operands_follow_python_float_semantics():
    # a numpy float must not bring numpy's inf-with-a-warning into the graph
    with pytest.raises(ZeroDivisionError):
        np.float64(1.0) / Value(0.0)
    with pytest.raises(ZeroDivisionError):
        Value(1.0) / np.float64(0.0)


@pytest.mark.parametrize("other", ["a", [1.0], None, 1j, {"a": 1}], ids=repr)
@pytest.mark.parametrize(
    "op",
    [operator.add, operator.sub, operator.mul, operator.truediv, operator.pow],
    ids=["add", "sub", "mul", "truediv", "pow"],
)
def test_unsupported_operands_raise_type_error(op, other):
    v = Value(2.0)
    with pytest.raises(TypeError):
        op(v, other)
    with pytest.raises(TypeError):
        op(other, v)


# ---------------------------------------------------------------------------
# Errors: Python's float and math semantics, with the op named
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "error", "pattern"),
    [
        (lambda: Value(0.0).log(), ValueError, r"log.*0\.0"),
        (lambda: Value(-2.0).log(), ValueError, r"log.*-2\.0"),
        (lambda: Value(-1.0).sqrt(), ValueError, r"sqrt.*-1\.0"),
        (lambda: Value(-8.0) ** 0.5, ValueError, r"pow.*-8\.0"),
        (lambda: Value(-8.0) ** Value(1 / 3), ValueError, r"pow.*-8\.0"),
        (lambda: (-8.0) ** Value(0.5), ValueError, r"pow.*-8\.0"),
        (lambda: Value(1.0) / 0, ZeroDivisionError, "division|power"),
        (lambda: 1 / Value(0.0), ZeroDivisionError, "division|power"),
        (lambda: Value(0.0) ** -1, ZeroDivisionError, "division|power"),
        (lambda: Value(1000.0).exp(), OverflowError, "exp"),
        (lambda: Value(10.0) ** 400, OverflowError, "pow"),
        (lambda: 10.0 ** Value(400.0), OverflowError, "pow"),
    ],
)
def test_domain_errors(build, error, pattern):
    with pytest.raises(error, match=pattern):
        build()


def test_no_complex_results():
    with pytest.raises(ValueError):
        Value(-8.0) ** 0.5
    assert (Value(-8.0) ** 3).data == -512.0  # integer powers of a negative base are real
    assert (Value(-8.0) ** 2.0).data == 64.0


def test_backward_errors_name_the_op():
    # d sqrt(x)/dx = 1 / (2 sqrt(x)) is a division by zero at x = 0, as in plain Python
    y = Value(0.0).sqrt()
    with pytest.raises(ZeroDivisionError, match="sqrt"):
        y.backward()


# ---------------------------------------------------------------------------
# backward: chain rule, forks, deep graphs, repeated calls
# ---------------------------------------------------------------------------


def test_forks_sum_gradients():
    a = Value(3.0)
    (a + a).backward()
    assert a.grad == 2.0

    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 6.0  # 2a

    a = Value(1.0)
    b = a + a
    c = b + b
    c.backward()
    assert (a.grad, b.grad) == (4.0, 2.0)

    a = Value(-2.5)
    b = a * a + a
    b.backward()
    assert a.grad == 2 * -2.5 + 1


def test_backward_seed_scales_the_gradients():
    x = Value(1.5)
    y = x * x * x
    y.backward(gradient=2.0)
    assert x.grad == 2.0 * 3 * 1.5**2
    with pytest.raises(TypeError, match="str"):
        y.backward("one")


def test_long_chain_of_200000_nodes():
    n = 200_000
    c = 1.0000025
    x = Value(0.5)
    y = x
    for i in range(n):
        y = y * c if i % 2 else y - 0.25  # d/dx = c^(n/2)
    y.backward()
    assert_close(x.grad, c ** (n // 2), rel=1e-9)


def test_deep_chain_mixing_ops_against_forward_mode():
    """Every step's derivative written by hand, carried along in forward mode.

    Each step also adds 0.01 x, so x forks into every step and dy/dx stays far from 0.
    """
    steps = [
        (lambda v: v * 1.3 + 0.2, lambda x: x * 1.3 + 0.2, lambda x: 1.3),
        (Value.tanh, math.tanh, lambda x: 1 - math.tanh(x) ** 2),
        (
            lambda v: (v * v + 1.0).sqrt(),
            lambda x: math.sqrt(x * x + 1),
            lambda x: x / math.sqrt(x * x + 1),
        ),
        (Value.log, math.log, lambda x: 1 / x),
        (lambda v: 2.0 - v, lambda x: 2.0 - x, lambda x: -1.0),
        (Value.sigmoid, sigmoid, lambda x: sigmoid(x) * (1 - sigmoid(x))),
        (lambda v: 1.0 / v, lambda x: 1 / x, lambda x: -1 / x**2),
        (Value.exp, math.exp, math.exp),
        (lambda v: v**1.5, lambda x: x**1.5, lambda x: 1.5 * x**0.5),
        (
            lambda v: (v - 2.0).relu() + abs(v - 1.0),
            lambda x: max(x - 2, 0) + abs(x - 1),
            lambda x: (x > 2) + math.copysign(1, x - 1),
        ),
    ]
    x = Value(0.3)
    y, value, derivative = x, 0.3, 1.0
    for i in range(5_000):
        op, f, df = steps[i % len(steps)]
        y = op(y) + 0.01 * x
        derivative = df(value) * derivative + 0.01
        value = f(value) + 0.01 * 0.3
    y.backward()
    assert_close(y.data, value, rel=1e-9)
    assert abs(derivative) > 1e-3
    assert_close(x.grad, derivative, rel=1e-9)


def test_repeated_backward_leaves_accumulate_interior_nodes_do_not():
    a, b = Value(2.0), Value(-3.0)
    c = a * b  # -6
    d = c * c + a  # c^2 + a
    d.backward()
    da, db, dc = 2 * -6.0 * -3.0 + 1, 2 * -6.0 * 2.0, 2 * -6.0
    assert (a.grad, b.grad, c.grad, d.grad) == (da, db, dc, 1.0)
    d.backward()
    assert (a.grad, b.grad) == (2 * da, 2 * db)  # leaves accumulate, as in PyTorch
    assert (c.grad, d.grad) == (dc, 1.0)  # interior nodes: the latest call only
    d.backward(gradient=3.0)
    assert (a.grad, b.grad) == (5 * da, 5 * db)
    assert (c.grad, d.grad) == (3 * dc, 3.0)


def test_interior_gradients_come_from_the_latest_root_only():
    x = Value(1.5)
    shared = x * x  # used by two different roots
    r1 = shared * 10.0
    r2 = shared.exp()
    r1.backward()
    assert shared.grad == 10.0
    r2.backward()
    assert shared.grad == math.exp(1.5**2)  # not 10 + exp(x^2)
    assert_close(x.grad, 10.0 * 2 * 1.5 + math.exp(1.5**2) * 2 * 1.5, rel=1e-15)


def test_backward_of_a_leaf_accumulates_the_seed():
    x = Value(4.0)
    x.backward()
    x.backward(2.0)
    assert x.grad == 3.0


def _build_topo(root: Value, until: set[Value]) -> tuple[list[Value], list[Value]]:
    """micrograd's recursive ``build_topo``, reversed, interior nodes only; the ends met."""
    topo: list[Value] = []
    visited: set[Value] = set()
    ends: list[Value] = []

    def build(v: Value) -> None:
        if v in visited:
            return
        visited.add(v)
        if v is not root and (not v._prev or v in until):
            ends.append(v)
            return
        for child in v._prev:
            build(child)
        topo.append(v)

    build(root)
    return topo[::-1], ends


@pytest.mark.parametrize("seed", range(6))
def test_graph_orders_nodes_as_micrograd_and_lists_each_end_once(seed):
    from micrograd import ops
    from micrograd.engine import graph

    rng = np.random.default_rng(seed)
    leaves = [Value(float(v), label=f"p{i}") for i, v in enumerate(rng.normal(size=5))]
    nodes = list(leaves)
    for _ in range(60):  # binary, unary and wide ops over earlier nodes, with repeats
        pick = [nodes[int(i)] for i in rng.integers(0, len(nodes), size=6)]
        kind = int(rng.integers(0, 4))
        if kind == 0:
            nodes.append(pick[0] * pick[1])
        elif kind == 1:
            nodes.append((pick[0] + 0.5).tanh())
        elif kind == 2:
            nodes.append(pick[0] + pick[0])
        else:
            nodes.append(ops.linear(pick[:3], pick[3:], pick[0]))
    root = ops.total(*nodes[-8:])
    until = {nodes[int(i)] for i in rng.integers(len(leaves), len(nodes) - 8, size=3)}
    for stop in (set(), until):
        order, ends = graph(root, stop)
        expected_order, expected_ends = _build_topo(root, stop)
        assert order == expected_order
        assert len(ends) == len(set(ends))
        assert set(ends) == set(expected_ends)


# ---------------------------------------------------------------------------
# no_grad and detach
# ---------------------------------------------------------------------------


def test_no_grad_context_manager_records_no_parents():
    x = Value(2.0)
    assert is_grad_enabled()
    with no_grad():
        assert not is_grad_enabled()
        y = (x * 3 + 1).tanh()
        with no_grad():
            pass
        assert not is_grad_enabled()  # nested exit restores the outer state
        z = x.exp()
    assert is_grad_enabled()
    assert (y._prev, y._op, z._prev) == ((), "", ())
    assert y.data == math.tanh(7.0)
    assert (x * 3)._prev != ()


def test_no_grad_is_restored_after_an_exception():
    with pytest.raises(ValueError), no_grad():
        Value(-1.0).log()
    assert is_grad_enabled()


def test_no_grad_as_decorator():
    @no_grad()
    def double(v):
        assert not is_grad_enabled()
        return v * 2

    x = Value(1.5)
    y = double(x)
    assert (y.data, y._prev) == (3.0, ())
    assert is_grad_enabled()
    assert (x * 2)._prev[0] is x


def test_no_grad_is_local_to_a_thread():
    x = Value(1.0)
    results = {}
    inside, computed = threading.Event(), threading.Event()

    def worker():
        with no_grad():
            inside.set()
            computed.wait(5)
            results["worker"] = x * 2

    thread = threading.Thread(target=worker)
    thread.start()
    inside.wait(5)
    results["main"] = x * 2  # the worker is inside no_grad right now
    computed.set()
    thread.join(5)
    assert results["main"]._prev != ()
    assert results["worker"]._prev == ()

    def other_thread():
        results["other"] = x * 2

    with no_grad():
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join(5)
    assert results["other"]._prev != ()


def test_no_grad_is_local_to_an_asyncio_task():
    x = Value(1.0)

    async def without_grad(entered: asyncio.Event, done: asyncio.Event):
        with no_grad():
            entered.set()
            await done.wait()  # the other task runs while this one is inside no_grad
            return x * 2

    async def with_grad(entered: asyncio.Event, done: asyncio.Event):
        await entered.wait()
        out = x * 2
        done.set()
        return out

    async def main():
        entered, done = asyncio.Event(), asyncio.Event()
        return await asyncio.gather(without_grad(entered, done), with_grad(entered, done))

    off, on = asyncio.run(main())
    assert off._prev == ()
    assert on._prev != ()
    assert is_grad_enabled()


def test_detach_returns_a_leaf_with_the_same_data():
    x = Value(3.0)
    y = x * x
    d = y.detach()
    assert (d.data, d._prev, d._op, d.grad) == (9.0, (), "", 0.0)
    out = d * x  # gradient flows to x through the second factor only
    out.backward()
    assert x.grad == 9.0
    assert y.grad == 0.0


# ---------------------------------------------------------------------------
# primitive: user-defined ops
# ---------------------------------------------------------------------------


def softplus_ref(x: float) -> float:
    return math.log1p(math.exp(x))


softplus = primitive(softplus_ref, sigmoid, name="softplus")


def test_primitive_softplus():
    for x in (-2.0, 0.0, 1.7):
        v = Value(x)
        out = softplus(v)
        assert out._op == "softplus"
        assert out._prev == (v,)
        out.backward()
        assert out.data == softplus_ref(x)
        assert_close(v.grad, central_difference(softplus_ref, x))
    assert softplus(0.5) == softplus_ref(0.5)  # plain numbers give a float


def test_primitive_in_a_graph_with_forks_and_two_inputs():
    x = Value(0.8)
    y = softplus(x) * x  # d/dx = sigmoid(x) x + softplus(x)
    y.backward()
    assert_close(x.grad, sigmoid(0.8) * 0.8 + softplus_ref(0.8), rel=1e-14)

    def f(a, b):
        return a * b + math.sin(a)

    g = primitive(f, lambda a, b: b + math.cos(a), lambda a, b: a)
    a, b = Value(0.4), Value(-1.2)
    out = g(a, 2.0) + g(a, b)  # a number input is a constant
    out.backward()
    assert out._op == "+"
    assert out._prev[0]._op == "f"  # named after the forward function
    assert_close(a.grad, 2 * math.cos(0.4) + 2.0 - 1.2, rel=1e-14)
    assert_close(b.grad, central_difference(lambda t: f(0.4, t), -1.2))


def test_primitive_arity_and_callables():
    with pytest.raises(TypeError, match="1 inputs, got 2"):
        softplus(Value(1.0), Value(2.0))
    with pytest.raises(TypeError, match="1 inputs, got 0"):
        softplus()
    with pytest.raises(TypeError, match="callable"):
        primitive(2.0, sigmoid)
    with pytest.raises(TypeError, match="callable"):
        primitive(softplus_ref, "sigmoid")
    with pytest.raises(TypeError, match="partial"):
        primitive(softplus_ref)


def test_primitive_results_must_be_real():
    bad_forward = primitive(lambda x: complex(x, 1.0), lambda x: 1.0, name="bad")
    with pytest.raises(TypeError, match="complex"):
        bad_forward(Value(1.0))
    bad_partial = primitive(lambda x: x, lambda x: "one", name="bad")
    y = bad_partial(Value(1.0))
    with pytest.raises(TypeError, match="str"):
        y.backward()


# ---------------------------------------------------------------------------
# Memory: no reference cycles, compact nodes
# ---------------------------------------------------------------------------


def build_and_backpropagate() -> int:
    """A graph with forks, every kind of op and a primitive; returns its node count."""
    xs = [Value(0.1 * i - 1.0) for i in range(50)]
    total = Value(0.0)
    for i, x in enumerate(xs):
        h = (x * xs[i - 1] + x).tanh() - (x * x + 1).log() / 2 ** x.sigmoid()
        total = total + softplus(h) + abs(h * h + 1).sqrt() * x.exp() + (-h).relu() ** 2
    total.backward()
    return count_values()


def test_graph_is_freed_by_reference_counting_alone():
    gc.collect()
    gc.disable()
    try:
        before = count_values()
        alive_during = build_and_backpropagate()
        assert alive_during > before + 1000
        assert count_values() == before  # freed at once: no cycle for the collector
    finally:
        gc.enable()


def test_memory_per_value_is_small():
    gc.collect()
    n_before = count_values()
    tracemalloc.start()
    try:
        y = Value(1.0)
        base = tracemalloc.get_traced_memory()[0]
        for _ in range(20_000):
            y = y * 1.0 + 0.0
        used = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    n_values = count_values() - n_before
    assert n_values >= 4 * 20_000  # two nodes and two constant leaves a step
    assert used / n_values <= 150


# ---------------------------------------------------------------------------
# Compatibility with the lecture's graph walker (draw_dot)
# ---------------------------------------------------------------------------


def trace(root: Value) -> tuple[set, set]:
    """All nodes and (parent, child) edges reachable through ``_prev``, as draw_dot does."""
    nodes, edges = set(), set()
    stack = [root]
    while stack:
        v = stack.pop()
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                stack.append(child)
    return nodes, edges


def test_lecture_style_walker_sees_the_graph():
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x2w2 = x2 * w2
    s = x1w1 + x2w2
    n = s + b
    o = n.tanh()
    o.backward()

    nodes, edges = trace(o)
    assert nodes == {x1, x2, w1, w2, b, x1w1, x2w2, s, n, o}
    assert edges == {
        (x1, x1w1),
        (w1, x1w1),
        (x2, x2w2),
        (w2, x2w2),
        (x1w1, s),
        (x2w2, s),
        (s, n),
        (b, n),
        (n, o),
    }
    ops = {v: v._op for v in nodes}
    assert [ops[v] for v in (o, n, s, x1w1, x1)] == ["tanh", "+", "+", "*", ""]
    labels = {"{ %s | data %.4f | grad %.4f }" % (v.label, v.data, v.grad) for v in (x1, w1)}  # noqa: UP031
    assert labels == {"{ x1 | data 2.0000 | grad -1.5000 }", "{ w1 | data -3.0000 | grad 1.0000 }"}

    do_dn = 1 - math.tanh(n.data) ** 2  # = 0.5 at this bias
    assert_close(n.grad, do_dn, rel=1e-15)
    assert_close(x1.grad, -3.0 * do_dn, rel=1e-14)
    assert_close(w1.grad, 2.0 * do_dn, rel=1e-14)
    assert (x2.grad, w2.grad) == (do_dn * 1.0, 0.0)

    a = Value(1.0)
    nodes, edges = trace(a + a)  # a fork: one parent, listed twice in _prev
    assert len(nodes) == 2 and len(edges) == 1


def test_enable_grad_records_inside_no_grad():
    x = Value(2.0)
    with no_grad():
        assert (x * x)._prev == ()
        with enable_grad():
            y = x * x
    assert y._prev == (x, x)
    y.backward()
    assert x.grad == 4.0  # d(x^2)/dx = 2x


def test_create_graph_errors_name_the_op():
    x = Value(0.0)
    y = x.sqrt()  # d sqrt(x)/dx = 1 / (2 sqrt x) is infinite at 0
    with pytest.raises(ZeroDivisionError, match="backward through 'sqrt'"):
        y.backward(create_graph=True)
    with pytest.raises(ZeroDivisionError, match="backward through 'sqrt'"):
        y.backward()


# ---------------------------------------------------------------------------
# The one backward walk, weak references, micrograd's per-node _backward
# ---------------------------------------------------------------------------


def test_backprop_returns_gradients_and_changes_no_node():
    from micrograd.gradients import backprop

    x, y = Value(3.0), Value(-4.0)
    x.grad = 7.0
    f = (x + y.sigmoid()) / (x**2 + y)
    grads = backprop(f)
    s = 1 / (1 + math.exp(4.0))
    d = 9.0 - 4.0
    assert grads[x] == pytest.approx(1 / d - (3.0 + s) * 2 * 3.0 / d**2, rel=1e-12)
    assert grads[y] == pytest.approx(s * (1 - s) / d - (3.0 + s) / d**2, rel=1e-12)
    assert (x.grad, y.grad, f.grad) == (7.0, 0.0, 0.0)


def test_a_failed_backward_changes_no_gradient():
    a, b = Value(2.0), Value(0.0)
    y = a * 3 + b.sqrt()  # d sqrt(b) / db is infinite at 0
    with pytest.raises(ZeroDivisionError, match="sqrt"):
        y.backward()
    assert (a.grad, b.grad, y.grad) == (0.0, 0.0, 0.0)


def test_a_derivative_nobody_needs_is_not_evaluated():
    x = Value(0.0)
    y = 0.0 * x.sqrt() + x  # the sqrt node gets gradient 0: its infinite slope is never used
    y.backward()
    assert x.grad == 1.0
    from micrograd import grad

    # n reaches f as a constant, whose d / d exponent (undefined at a negative base)
    # nobody needs
    assert grad(lambda x, n: x**n)(-3.0, 2.0) == -6.0
    with pytest.raises(ValueError, match=r"\*\*.*exponent needs a positive base"):
        (Value(-3.0) ** Value(2.0)).backward()  # a Value exponent does need it


def test_the_walk_does_not_go_behind_a_dead_relu():
    from micrograd.engine import topological_order
    from micrograd.viz import trace_backward

    x = Value(-1.0)
    hidden = x * 2.0
    y = hidden.relu() + x
    y.backward()
    assert x.grad == 1.0  # only the direct path
    assert hidden in topological_order(y)
    assert all(step.node is not hidden for step in trace_backward(y))


def test_values_support_weak_references():
    import weakref

    v = Value(1.0)
    ref = weakref.ref(v)
    assert ref() is v
    cache = weakref.WeakKeyDictionary({v: "seen"})
    assert cache[v] == "seen"
    del v, cache
    assert ref() is None  # freed at once: no reference cycle


def test_lecture_manual_backprop_node_by_node():
    # the lecture's neuron: o = tanh(x1 w1 + x2 w2 + b), gradients filled in by hand
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x2w2 = x2 * w2
    x1w1x2w2 = x1w1 + x2w2
    n = x1w1x2w2 + b
    o = n.tanh()
    o.grad = 1.0
    for node in (o, n, x1w1x2w2, x2w2, x1w1, b, x1, x2, w1, w2):
        node._backward()
    assert n.grad == pytest.approx(0.5, abs=1e-6)  # 1 - tanh(n)^2 at o = 0.7071
    assert (x1.grad, w1.grad) == pytest.approx((-1.5, 1.0), abs=1e-6)
    assert (x2.grad, w2.grad) == pytest.approx((0.5, 0.0), abs=1e-6)
    # _backward accumulates like micrograd's closure (+=): a second call adds again
    n._backward()
    assert b.grad == pytest.approx(1.0, abs=1e-6)


def test_a_dead_relu_passes_zero_even_for_an_infinite_gradient():
    """As in PyTorch, where relu's backward selects rather than multiplies: inf reaching
    a ReLU at a negative input gives its input 0, not inf * 0 = nan, on every walk."""
    from micrograd.gradients import backprop
    from micrograd.viz import trace_backward

    def build():
        x, w = Value(-1.0), Value(math.inf)
        return x, x.relu() * w + x

    x, y = build()
    y.backward()
    assert x.grad == 1.0  # only the direct path
    x, y = build()
    assert backprop(y)[x] == 1.0 and backprop(y, on_step=lambda step: None)[x] == 1.0
    into_x = [s for s in trace_backward(y) if s.to is x]
    assert [s.contribution for s in into_x] == [1.0, 0.0] and into_x[-1].after == 1.0


def test_watch_values_sees_every_value_made_in_the_block_and_nothing_after():
    from micrograd.engine import constant, watch_values

    seen = []
    x = Value(1.0)
    with watch_values(lambda v, by_op: seen.append((v, by_op))):
        y = x * 2.0  # a constant 2.0, then the product
        leaf = Value(3.0)
        with no_grad():
            z = y + 1.0
        c = constant(4.0)
    after = x * 5.0
    assert [(v, by_op) for v, by_op in seen if v in (y, leaf, z, c, after)] == [
        (y, True),
        (leaf, False),
        (z, True),
        (c, True),
    ]
    assert len(seen) == 6  # and the constants 2.0 and 1.0
    assert (y.data, y._prev[0], z.data, z._prev) == (2.0, x, 3.0, ())


def test_watch_values_is_local_to_a_thread():
    from micrograd.engine import watch_values

    seen = []
    made_elsewhere = []
    with watch_values(lambda v, by_op: seen.append(v)):
        thread = threading.Thread(target=lambda: made_elsewhere.append(Value(1.0) * 2.0))
        thread.start()
        thread.join()
        mine = Value(5.0) * 2.0
    assert mine in seen and made_elsewhere[0] not in seen
