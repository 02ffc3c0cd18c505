"""Nothing half done on error, nan that shows, copies and pickles of any depth, and the
Python conventions people type without thinking (float, format, comparisons, numpy,
micrograd's constructor and hand-written ``_backward`` steps)."""

import copy
import gc
import math
import pickle
import tracemalloc

import numpy as np
import pytest

from micrograd import Value, enable_grad, is_grad_enabled, no_grad, ops, primitive
from micrograd.forward import derivative
from micrograd.functional import grad, gradcheck
from micrograd.gradients import backprop
from micrograd.nn import MLP
from micrograd.ops import linear
from micrograd.optim import SGD

NAN = float("nan")


def central(f, x, h=1e-6):
    """The central difference (f(x + h) - f(x - h)) / 2h on floats."""
    return (f(x + h) - f(x - h)) / (2 * h)


# -- nan propagates -------------------------------------------------------------


@pytest.mark.parametrize(
    "apply",
    [
        Value.relu,
        lambda v: v.leaky_relu(0.1),
        Value.tanh,
        Value.sigmoid,
        Value.softplus,
        Value.exp,
        Value.sqrt,
        Value.log,
        abs,
        lambda v: v**2,
        lambda v: 2.0**v,
        lambda v: v * 3 + 1,
        lambda v: linear([v, 1.0], [2.0, v], 0.5).relu(),
    ],
)
def test_nan_input_gives_a_nan_output(apply):
    assert math.isnan(apply(Value(NAN)).data)


def test_nan_in_the_data_shows_in_an_mlp_output_and_its_gradients():
    model = MLP(2, [4, 4, 1])
    out = model([NAN, 1.0])
    assert math.isnan(out.data)
    out.backward()
    assert any(math.isnan(p.grad) for p in model.parameters())


# -- a backward that raises changes no .grad --------------------------------------


def _sqrt_at_zero_graph():
    a, b = Value(1.0), Value(0.0)
    a.grad, b.grad = 0.25, -0.5  # accumulated from an earlier pass
    return a, b, a * 3 + b.sqrt()


@pytest.mark.parametrize("create_graph", [False, True])
def test_a_backward_that_raises_leaves_every_grad_as_it_was(create_graph):
    a, b, y = _sqrt_at_zero_graph()
    interior = [y, *y._prev]
    before = [v.grad for v in interior]
    for _ in range(2):  # a retry neither
        with pytest.raises(ZeroDivisionError, match="sqrt"):
            y.backward(create_graph=create_graph)
        assert (a.grad, b.grad) == (0.25, -0.5)
        assert [v.grad for v in interior] == before


def test_grad_transform_that_raises_changes_no_grad():
    seen = []

    def f(x):
        seen.append(x)
        return x * 3 + (x - 2.0).sqrt()

    with pytest.raises(ZeroDivisionError):
        grad(f)(2.0)
    assert seen[0].grad == 0.0
    w = Value(2.0)
    w.grad = 7.0
    with pytest.raises(ZeroDivisionError):
        grad(lambda x: x * w + (x - 2.0).sqrt())(Value(2.0))  # nested: create_graph, until=
    assert w.grad == 7.0


# -- constants get no derivative ---------------------------------------------------


def test_zero_base_constant_to_a_variable_power():
    # d/dx 0^x = 0^x ln 0 * ... ; PyTorch gives 0 for x > 0; the base's partial is not needed
    x = Value(0.5)
    (0.0**x).backward()
    assert x.grad == 0.0


def test_constant_base_partial_that_would_overflow_is_not_evaluated():
    # d/dx 0.5^x = 0.5^x ln 0.5; d/dbase = x 0.5^(x-1) overflows at x = -1023.5
    x = Value(-1023.5)
    y = 0.5**x
    y.backward()
    assert x.grad == pytest.approx(y.data * math.log(0.5), rel=1e-12)


def test_an_undefined_partial_of_a_user_value_names_that_input():
    x, e = Value(-3.0), Value(2.0)
    y = x**e
    with pytest.raises(ValueError, match="respect to the exponent"):
        y.backward()
    assert (x.grad, e.grad) == (0.0, 0.0)
    z = x ** ops.identity(Value(2.0)).data  # a number exponent: only d/dx, 2x
    z.backward()
    assert x.grad == -6.0


# -- first-order results do not depend on create_graph ------------------------------


def test_zero_gradient_through_an_undefined_derivative_in_both_modes():
    def f(x):
        return 0.0 * x.sqrt() + x

    assert grad(f)(0.0) == 1.0
    x = Value(0.0)
    f(x).backward(create_graph=True)
    assert isinstance(x.grad, Value) and x.grad.data == 1.0
    y = Value(0.0)
    f(y).backward()
    assert y.grad == 1.0


def test_zero_gradient_that_varies_keeps_second_derivatives():
    # f(x) = (x*1)^2: f'(x) = 2x is 0 at x = 0, f'' = 2 must survive
    assert grad(grad(lambda x: (x * 1.0) * (x * 1.0)))(0.0) == 2.0


# -- linear on numbers is a number ----------------------------------------------------


def test_linear_on_numbers_is_a_float_and_works_in_forward_mode():
    assert linear([1.0, 2.0], [3.0, 4.0]) == 11.0
    assert type(linear([1.0, 2.0], [3.0, 4.0], 0.5)) is float
    assert derivative(lambda x: x * linear([1.0, 2.0], [3.0, 4.0]), 1.0) == 11.0


# -- pickle and deepcopy ----------------------------------------------------------------


def _chain(depth):
    x = Value(0.5, label="x")
    v = x
    for i in range(depth):
        v = (v * 1.0001).tanh() if i % 2 else v + 0.001
    return x, v


def _same_graph(a, b):
    """Walk both graphs side by side (iteratively): same data, labels, ops and shape."""
    stack, seen = [(a, b)], set()
    while stack:
        u, v = stack.pop()
        if id(u) in seen:
            continue
        seen.add(id(u))
        assert u is not v
        assert (u.data, u.label, u._op, len(u._prev)) == (v.data, v.label, v._op, len(v._prev))
        stack.extend(zip(u._prev, v._prev))
    return len(seen)


@pytest.mark.parametrize("copier", ["pickle", "deepcopy"])
def test_copy_of_a_100000_deep_graph_backpropagates_like_the_original(copier):
    x, y = _chain(100_000)
    z = pickle.loads(pickle.dumps(y)) if copier == "pickle" else copy.deepcopy(y)
    # x, and per pair of steps: + with its constant, * with its constant, tanh
    assert _same_graph(y, z) == 1 + 50_000 * 5
    y.backward()
    z.backward()
    leaf = z
    while leaf._prev:
        leaf = leaf._prev[0]
    assert leaf.label == "x" and leaf is not x
    assert leaf.grad == x.grad != 0.0


def test_pickle_keeps_sharing_and_ops_by_name():
    a, b = Value(2.0, label="a"), Value(-3.0)
    c = a * b
    leaky = c.leaky_relu(0.2)
    d = c + leaky + a**3 + ops.linear([a, b], [b, 1.0]) + ops.identity(a)
    a2, c2, leaky2, d2 = pickle.loads(pickle.dumps([a, c, leaky, d]))
    assert c2._prev[0] is a2 and leaky2._prev[0] is c2
    assert b"<lambda>" not in pickle.dumps(d)
    assert leaky2._rule is leaky._rule and c2._rule is ops.mul  # by name: the same op
    d.backward()
    d2.backward()
    assert (a2.grad, c2.grad, d2.data) == (a.grad, c.grad, d.data)


def test_pickle_and_deepcopy_keep_gradient_graphs():
    x = Value(3.0)
    (x**3).backward(create_graph=True)  # x.grad = 3x^2, a graph that leads back to x
    x2 = pickle.loads(pickle.dumps(x))
    x3 = copy.deepcopy(x)
    for copy_ in (x2, x3):
        assert copy_.grad.data == 27.0
        copy_.grad.backward()
        assert copy_.grad.data == 27.0 + 18.0  # leaves accumulate: 3x^2 + 6x


def test_an_op_that_cannot_be_found_by_name_refuses_to_pickle():
    def local_op():
        return primitive(lambda x: x, lambda x: 1.0, name="mine")

    with pytest.raises(TypeError, match="cannot pickle op 'mine'"):
        pickle.dumps(local_op()(Value(1.0)))


def test_trained_model_round_trips_through_pickle_and_deepcopy():
    model = MLP(2, [4, 1], activation="tanh")
    opt = SGD(model.parameters(), lr=0.1)
    for _ in range(3):
        opt.zero_grad()
        ((model([1.0, -2.0]) - 0.5) ** 2).backward()
        opt.step()
    for twin in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model)):
        assert twin.state_dict() == model.state_dict()
        assert twin([0.3, 0.7]).data == model([0.3, 0.7]).data
        twin.parameters()[0].data += 1.0
        assert twin.state_dict() != model.state_dict()


def test_copy_shares_parents():
    a = Value(1.0)
    y = a * 2.0
    z = copy.copy(y)
    assert z is not y and z._prev == y._prev and z.data == y.data and z._op == "*"


# -- Python conventions -------------------------------------------------------------------


def test_float_format_and_comparisons_use_the_data():
    loss, best = Value(0.25), Value(0.5)
    assert float(loss) == 0.25 and f"{loss:.4f}" == "0.2500" and f"{loss}" == str(loss)
    assert loss < best and loss <= 0.25 and best > 0.25 and best >= np.float64(0.5)
    assert loss < 0.3 and not (loss < 0.25)
    scores = [Value(1.0), Value(3.0), Value(2.0)]
    assert max(scores) is scores[1] and min(scores) is scores[0]
    assert sorted(scores) == [scores[0], scores[2], scores[1]]


@pytest.mark.parametrize("x", [2.7, -2.7, 2.5, -0.5, 1e20])
def test_int_round_floor_ceil_trunc_are_those_of_the_data(x):
    v = Value(x)
    assert (int(v), round(v), round(v, 1)) == (int(x), round(x), round(x, 1))
    assert (math.floor(v), math.ceil(v), math.trunc(v)) == (
        math.floor(x), math.ceil(x), math.trunc(x),
    )  # fmt: skip
    assert type(int(v)) is int and type(round(v)) is int


def test_watch_reads_is_told_each_number_read_and_nothing_outside_it():
    from micrograd.conventions import watch_reads

    class Told:
        def __init__(self):
            self.reads = []

        def compared(self, value, op, other, outcome):
            self.reads.append((value, op, other, outcome))

        def number(self, value, data):
            self.reads.append((value, data))

    told = Told()
    a, b = Value(2.5), Value(-1.0)
    with watch_reads(told):
        assert a > b and not (a <= 1) and b <= 0.0
        assert (float(a), int(a), round(b), math.floor(a), f"{a:.1f}") == (2.5, 2, -1, 2, "2.5")
        assert f"{b}" == str(b)  # no spec: the repr, not a number read
    assert float(a) == 2.5 and a > b  # outside the block: not told
    assert told.reads == [
        (a, ">", b, True),
        (a, "<=", 1, False),
        (b, "<=", 0.0, True),
        *[(a, 2.5)] * 2,
        (b, -1.0),
        *[(a, 2.5)] * 2,
    ]


def test_equality_and_hashing_stay_by_identity():
    a, b = Value(1.0), Value(1.0)
    assert a != b and a == a and len({a, b}) == 2 and {a: 1}[a] == 1


def test_comparisons_with_other_types_are_refused():
    with pytest.raises(TypeError):
        _ = Value(1.0) < "2"
    with pytest.raises(TypeError):
        _ = Value(1.0) < None


def test_float_does_not_let_values_in_where_ops_build_graphs():
    x = Value(2.0)
    with pytest.raises(TypeError):
        Value(x)
    with pytest.raises(TypeError):
        x.leaky_relu(Value(0.1))
    y = x * 3.0
    assert y._prev[0] is x  # an op on Values still records its parents


def test_math_only_partial_still_refuses_create_graph():
    softplus = primitive(lambda x: math.log1p(math.exp(x)), lambda x: 1 / (1 + math.exp(-x)))
    assert grad(softplus)(0.0) == 0.5
    with pytest.raises(NotImplementedError, match="create_graph"):
        grad(grad(softplus))(0.0)
    x = Value(0.0)
    with pytest.raises(NotImplementedError, match="create_graph"):
        softplus(x).backward(create_graph=True)
    assert x.grad == 0.0


def test_numpy_object_arrays_of_values_work_elementwise():
    w = Value(3.0)
    left = np.array([1.0, 2.0]) * w
    right = w * np.array([1.0, 2.0])
    assert left.dtype == object and [v.data for v in left] == [3.0, 6.0]
    assert [v.data for v in right] == [3.0, 6.0]
    xs = np.array([Value(1.0), Value(-2.0)], dtype=object)
    ws = np.array([Value(0.5), Value(4.0)], dtype=object)
    loss = (xs * ws).sum() + np.float64(2.0) * w
    loss.backward()
    assert [x.grad for x in xs] == [0.5, 4.0] and [v.grad for v in ws] == [1.0, -2.0]
    assert w.grad == 2.0


# -- micrograd's constructor and the lecture's way of adding an op ---------------------------


def _lecture_tanh(self):
    x = self.data
    t = (math.exp(2 * x) - 1) / (math.exp(2 * x) + 1)
    out = Value(t, (self,), "tanh")

    def _backward():
        self.grad += (1 - t**2) * out.grad

    out._backward = _backward
    return out


def _lecture_mul(self, other):
    other = other if isinstance(other, Value) else Value(other)
    out = Value(self.data * other.data, (self, other), "*")

    def _backward():
        self.grad += other.data * out.grad
        other.grad += self.data * out.grad

    out._backward = _backward
    return out


def test_micrograd_constructor_form():
    a, b = Value(2.0), Value(3.0)
    c = Value(5.0, (a, b), "+", label="c")
    assert c._prev == (a, b) and c._op == "+" and c.label == "c"
    assert Value(1.0, "x").label == "x"  # Value(data, label) still works
    c.backward()  # no _backward set: like micrograd, nothing flows
    assert (a.grad, b.grad) == (0.0, 0.0)
    with pytest.raises(TypeError, match="children must be Values"):
        Value(1.0, (a, 2.0), "+")


def test_lecture_ops_with_backward_closures_match_central_differences():
    def f(x1, w1, x2, w2, b):
        n = _lecture_mul(x1, w1) + _lecture_mul(x2, w2) + b
        return _lecture_tanh(_lecture_mul(n, n) * 0.1 + n)

    args = [2.0, -3.0, 0.5, 1.0, 6.88]
    leaves = [Value(a) for a in args]
    out = f(*leaves)
    out.backward()
    for i, leaf in enumerate(leaves):

        def g(t, i=i):
            return f(*(Value(t if j == i else a) for j, a in enumerate(args))).data

        assert leaf.grad == pytest.approx(central(g, args[i]), rel=1e-6, abs=1e-9)


def test_lecture_op_installed_on_value_and_used_twice_on_one_parent():
    original = Value.__dict__["tanh"]
    try:
        Value.tanh = _lecture_tanh
        x = Value(0.3)
        y = _lecture_mul(x, x).tanh()  # d/dx tanh(x^2) = 2x (1 - tanh^2(x^2))
        y.backward()
        assert x.grad == pytest.approx(2 * 0.3 * (1 - math.tanh(0.09) ** 2), rel=1e-12)
        manual = Value(0.3)
        z = _lecture_mul(manual, manual)
        z.grad = 1.0
        z._backward()  # the lecture's manual step: the closure itself
        assert manual.grad == pytest.approx(0.6)
        with pytest.raises(NotImplementedError, match="_backward closure"):
            z.backward(create_graph=True)
    finally:
        Value.tanh = original


def test_nodes_stay_within_the_byte_budget():
    gc.disable()
    try:
        y = Value(1.0)
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(5000):
            y = y * 1.0 + 0.0  # 4 Values: two constants, two op nodes
        per_value = (tracemalloc.get_traced_memory()[0] - before) / 20000
        tracemalloc.stop()
    finally:
        gc.enable()
    assert per_value <= 128


# -- no_grad like PyTorch ---------------------------------------------------------------------


def test_one_no_grad_object_can_be_entered_again_and_nested():
    mode = no_grad()
    for _ in range(2):
        with mode:
            with mode:
                assert not is_grad_enabled()
            assert not is_grad_enabled()
        assert is_grad_enabled()


def test_bare_and_called_decorators():
    @no_grad
    def bare(x):
        return (x * 2)._prev, is_grad_enabled()

    @no_grad()
    def called(x):
        return (x * 2)._prev, is_grad_enabled()

    @enable_grad
    def inside(x):
        return (x * 2)._prev

    assert bare(Value(1.0)) == ((), False) and called(Value(1.0)) == ((), False)
    assert bare.__name__ == "bare" and is_grad_enabled()
    with no_grad():
        assert len(inside(Value(1.0))) == 2
    with pytest.raises(TypeError, match="decorates a function"):
        no_grad()(3)


# -- clear errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "error", "message"),
    [
        ({"atol": NAN}, ValueError, "atol must be non-negative"),
        ({"rtol": -1.0}, ValueError, "rtol must be non-negative"),
        ({"eps": NAN}, ValueError, "eps must be positive"),
        ({"atol": "1e-5"}, TypeError, "atol must be a real number"),
    ],
)
def test_gradcheck_refuses_bad_tolerances(setting, error, message):
    with pytest.raises(error, match=message):
        gradcheck(lambda x: x * x, 1.0, **setting)


def test_backprop_on_a_constant_only_graph_is_a_dict():
    y = Value(2.0) * 3.0
    assert backprop(y)[y] == 1.0


@pytest.mark.parametrize("options", [{}, {"local_grads": True}, {"show_grad": True, "upto": 1}])
def test_a_label_with_nul_is_refused_when_drawn(options):
    from micrograd.viz import draw_dot

    y = Value(1.0, label="a\0b") * 2.0
    with pytest.raises(ValueError, match="NUL"):
        draw_dot(y, **options).source  # noqa: B018


@pytest.mark.parametrize("options", [{}, {"local_grads": True}])
def test_an_op_name_with_nul_is_refused_when_drawn(options):
    from micrograd.viz import draw_dot

    a = Value(1.0)
    y = Value(2.0, (a,), "n\0p")
    with pytest.raises(ValueError, match="NUL"):
        draw_dot(y, **options).source  # noqa: B018


def test_a_pickle_that_fails_midway_leaves_the_graph_picklable():
    x = Value(1.0, label="x")
    y = x
    for _ in range(20_000):
        y = y * 1.0000001 + 0.0
    lecture_style = Value(2.0, (Value(1.0),), "mystery")  # made by hand, with a closure:
    lecture_style._backward = lambda: None  # not picklable
    for copier in (pickle.dumps, copy.deepcopy):
        with pytest.raises(TypeError, match="mystery"):
            copier(y * lecture_style)
    z = pickle.loads(pickle.dumps(y))
    assert z.data == y.data and copy.deepcopy(y).data == y.data


@pytest.mark.parametrize("copier", ["pickle", "deepcopy"])
def test_gradient_graphs_of_a_deep_chain_pickle(copier):
    x = Value(0.5, label="x")
    y = x
    for _ in range(60):
        y = (y * 1.01).tanh()
    y.backward(create_graph=True)
    z = pickle.loads(pickle.dumps(y)) if copier == "pickle" else copy.deepcopy(y)
    x2 = z
    while x2._prev:
        x2 = x2._prev[0]
    # dy/dx as a float by the chain rule, independently of the gradient graph
    expected, v = 1.0, 0.5
    for _ in range(60):
        v = math.tanh(v * 1.01)
        expected *= 1.01 * (1.0 - v * v)
    assert x2.label == "x" and isinstance(x2.grad, Value)
    assert x2.grad.data == pytest.approx(expected, rel=1e-12)
    assert x2.grad.data == x.grad.data


def test_one_no_grad_object_shared_by_threads_and_tasks():
    import asyncio
    import threading

    mode = no_grad()
    inside, leave = threading.Barrier(2), threading.Barrier(2)
    seen = []

    def worker():
        with mode:
            inside.wait()
            seen.append(is_grad_enabled())
            leave.wait()
        seen.append(is_grad_enabled())

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == [False, False, True, True]

    async def task(pause):
        with mode:
            await asyncio.sleep(pause)
            recorded = is_grad_enabled()
        return recorded, is_grad_enabled()

    async def both():
        return await asyncio.gather(task(0.02), task(0.01))

    assert asyncio.run(both()) == [(False, True), (False, True)]
    assert is_grad_enabled()


def test_unpickling_an_op_that_is_not_declared_here_says_so():
    import subprocess
    import sys

    from micrograd.op import Op

    op = Op.declare("cube_for_pickle", lambda x: x**3, lambda out, x: (3 * x * x,))
    data = pickle.dumps(op(Value(2.0)))
    fresh = subprocess.run(
        [sys.executable, "-c", "import pickle, sys; pickle.loads(sys.stdin.buffer.read())"],
        input=data,
        capture_output=True,
    )
    assert fresh.returncode != 0
    message = fresh.stderr.decode().strip().splitlines()[-1]
    assert message.startswith("TypeError") and "'cube_for_pickle'" in message
    assert "declare" in message


def test_gradient_graphs_pickle_in_space_linear_in_the_chain():
    """Every node is stored once, however many gradient graphs share it: twice the chain,
    about twice the bytes (the gradient graphs of a tanh chain share most of their nodes)."""

    def stored_bytes(steps):
        x = Value(0.5)
        y = x
        for _ in range(steps):
            y = (y * 1.01).tanh()
        y.backward(create_graph=True)
        return len(pickle.dumps(y))

    small, large = stored_bytes(250), stored_bytes(500)
    assert large < 2.3 * small
