"""backward(create_graph=True): gradients that are Values with graphs of their own, checked
against torch.autograd.grad(..., create_graph=True) in float64 (second and third
derivatives, mixed partials) and against closed forms."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd.engine import Value, primitive
from micrograd.ops import linear

from helpers import needs_torch, tensor, torch


def zero_grads(xs):
    for x in xs:
        x.grad = 0.0


# -- micrograd and torch computing the same derivatives -----------------------


def micrograd_derivatives_1d(f, x0):
    """f', f'', f''' at x0 by repeated backward(create_graph=True)."""
    x = Value(x0)
    derivatives = []
    out = f(x)
    for create_graph in (True, True, False):
        zero_grads([x])
        out.backward(create_graph=create_graph)
        out = x.grad
        derivatives.append(out.data if isinstance(out, Value) else out)
        if not isinstance(out, Value):  # a constant: every further derivative is 0
            derivatives += [0.0] * (3 - len(derivatives))
            break
    return derivatives


def torch_derivatives_1d(f, x0):
    x = tensor(x0)
    derivatives = []
    out = f(x)
    for _ in range(3):
        if not out.requires_grad:
            derivatives.append(0.0)
            continue
        (out,) = torch.autograd.grad(out, x, create_graph=True, allow_unused=True)
        out = torch.zeros((), dtype=torch.float64) if out is None else out
        derivatives.append(out.item())
    return derivatives


def micrograd_hessian(f, point):
    xs = [Value(p) for p in point]
    f(*xs).backward(create_graph=True)
    grads = [x.grad for x in xs]
    assert all(isinstance(g, Value) for g in grads)
    rows = []
    for g in grads:
        zero_grads(xs)
        g.backward()
        rows.append([x.grad for x in xs])
    return [g.data for g in grads], rows


def torch_hessian(f, point):
    xs = [tensor(p) for p in point]
    grads = torch.autograd.grad(f(*xs), xs, create_graph=True)
    rows = []
    for g in grads:
        if not g.requires_grad:
            rows.append([0.0] * len(xs))
            continue
        row = torch.autograd.grad(g, xs, retain_graph=True, allow_unused=True)
        rows.append([0.0 if r is None else r.item() for r in row])
    return [g.item() for g in grads], rows


def assert_close(got, expected):
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-10)


# -- every unary op: f', f'', f''' ----------------------------------------------

# (op on a Value or a tensor, domain); each is checked alone and composed with x^2/2 + 0.3
UNARY = {
    "neg": (lambda v: -v, (-2.0, 2.0)),
    "abs": (abs, (-2.0, 2.0)),
    "exp": (lambda v: v.exp(), (-2.0, 2.0)),
    "log": (lambda v: v.log(), (0.1, 3.0)),
    "sqrt": (lambda v: v.sqrt(), (0.1, 3.0)),
    "tanh": (lambda v: v.tanh(), (-2.0, 2.0)),
    "sigmoid": (lambda v: v.sigmoid(), (-3.0, 3.0)),
    "relu": (lambda v: v.relu(), (-2.0, 2.0)),
    "square": (lambda v: v**2, (-2.0, 2.0)),
    "cube": (lambda v: v**3, (-2.0, 2.0)),
    "pow_const": (lambda v: v**2.5, (0.1, 3.0)),
    "pow_negative": (lambda v: v**-1.5, (0.1, 3.0)),
    "rpow": (lambda v: 3.0**v, (-2.0, 2.0)),
    "rdiv": (lambda v: 2.0 / v, (0.1, 3.0)),
    "rsub": (lambda v: 2.0 - v, (-2.0, 2.0)),
    "self_pow": (lambda v: v**v, (0.1, 3.0)),
}


@needs_torch
@pytest.mark.parametrize("name", UNARY)
@given(data=st.data())
@settings(max_examples=25, deadline=None)
def test_unary_ops_up_to_third_derivative(name, data):
    op, (low, high) = UNARY[name]
    x0 = data.draw(st.floats(low, high), label="x")
    for f in (op, lambda v: op(v * v * 0.5 + 0.3) * v):
        assert_close(micrograd_derivatives_1d(f, x0), torch_derivatives_1d(f, x0))


# -- every binary op: gradient and Hessian -------------------------------------

BINARY = {
    "add": lambda x, y: (x + y) * (x + y) * x,
    "sub": lambda x, y: (x - y) * (y - x * x),
    "mul": lambda x, y: x * y * y * x + x * y,
    "div": lambda x, y: x / y + y / (x * x + 1),
    "pow": lambda x, y: x**y,
    "pow_const": lambda x, y: x**2.5 * y**-1.5,
    "rpow": lambda x, y: 2.0 ** (x * y),
    "numbers_left": lambda x, y: 3.0 - x * (2.0 / y) + (1.0 + y) * x,
    "unary_mix": lambda x, y: (x * y).tanh() + (x - y).sigmoid() * y.exp() + (x * y).sqrt().log(),
    "kinks": lambda x, y: abs(x - y) * x + (x * y - 0.5).relu() * y,
}
positive = st.floats(0.2, 2.5)


@needs_torch
@pytest.mark.parametrize("name", BINARY)
@given(x0=positive, y0=positive)
@settings(max_examples=25, deadline=None)
def test_binary_ops_hessian(name, x0, y0):
    f = BINARY[name]
    got_grads, got_rows = micrograd_hessian(f, (x0, y0))
    want_grads, want_rows = torch_hessian(f, (x0, y0))
    assert_close(got_grads, want_grads)
    for got, want in zip(got_rows, want_rows):
        assert_close(got, want)
    # the mixed partials agree both ways (Schwarz), a check independent of torch
    assert got_rows[0][1] == pytest.approx(got_rows[1][0], rel=1e-9, abs=1e-10)


@needs_torch
@given(x0=positive, y0=positive, w0=st.floats(-1.5, 1.5))
@settings(max_examples=30, deadline=None)
def test_linear_node_hessian(x0, y0, w0):
    # the fused w.x + b node, used by nn.Neuron, differentiated twice
    def mg(x, y, w):
        return linear([w, x], [y, x * y], w).tanh() * x

    def pt(x, y, w):
        return (w * y + x * (x * y) + w).tanh() * x

    got_grads, got_rows = micrograd_hessian(mg, (x0, y0, w0))
    want_grads, want_rows = torch_hessian(pt, (x0, y0, w0))
    assert_close(got_grads, want_grads)
    for got, want in zip(got_rows, want_rows):
        assert_close(got, want)


def test_mixed_third_partial():
    # f = x^2 y^3: d³f / dx² dy = 6 y^2
    x, y = Value(1.5), Value(-0.7)
    (x * x * y**3).backward(create_graph=True)
    fx = x.grad
    zero_grads([x, y])
    fx.backward(create_graph=True)
    fxx = x.grad
    zero_grads([x, y])
    fxx.backward()
    assert y.grad == pytest.approx(6 * 0.7**2)
    assert x.grad == pytest.approx(0.0)


# -- gradients as Values: structure and accumulation ---------------------------


def test_gradients_are_values_with_their_own_graph():
    x = Value(0.5)
    y = x * x.exp()
    y.backward(create_graph=True)
    assert isinstance(x.grad, Value)
    assert x.grad.data == pytest.approx(1.5 * math.exp(0.5))  # (x + 1) e^x
    assert not x.grad.is_leaf
    assert isinstance(y.grad, Value) and y.grad.data == 1.0


@needs_torch
@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True:UserWarning")
def test_create_graph_accumulates_on_leaves_like_torch():
    f = BINARY["unary_mix"]
    xs = [Value(0.8), Value(1.3)]
    f(*xs).backward(create_graph=True)
    f(*xs).backward(create_graph=True)  # leaves now hold 2 * grad
    gx = xs[0].grad
    zero_grads(xs)
    gx.backward()

    ts = [tensor(0.8), tensor(1.3)]
    f(*ts).backward(create_graph=True)
    f(*ts).backward(create_graph=True)
    (hx,) = torch.autograd.grad(ts[0].grad, ts[1])
    assert gx.data == pytest.approx(ts[0].grad.item(), rel=1e-12)
    assert xs[1].grad == pytest.approx(hx.item(), rel=1e-9)


def test_float_gradient_on_a_leaf_is_kept_and_extended():
    x = Value(2.0)
    x.grad = 1.0
    (x**3).backward(create_graph=True)
    assert x.grad.data == pytest.approx(1.0 + 12.0)


def test_primitive_cannot_be_differentiated_twice():
    softplus = primitive(
        lambda x: math.log1p(math.exp(x)), lambda x: 1 / (1 + math.exp(-x)), name="softplus"
    )
    y = softplus(Value(0.2))
    y.backward()  # first order is fine
    with pytest.raises(NotImplementedError, match=r"softplus.*create_graph"):
        softplus(Value(0.2)).backward(create_graph=True)


def test_primitive_written_with_ops_differentiates_twice():
    from micrograd import grad, ops

    softplus = primitive(
        lambda x: math.log1p(math.exp(x)), lambda x: ops.sigmoid(x), name="softplus"
    )
    x = 0.3
    s = 1 / (1 + math.exp(-x))
    assert grad(lambda t: softplus(t))(x) == pytest.approx(s, rel=1e-12)
    assert grad(grad(lambda t: softplus(t)))(x) == pytest.approx(s * (1 - s), rel=1e-12)
    y = Value(x)
    out = softplus(y)
    out.backward(create_graph=True)
    first, y.grad = y.grad, 0.0
    assert first.data == pytest.approx(s, rel=1e-12)
    first.backward()
    assert y.grad == pytest.approx(s * (1 - s), rel=1e-12)
