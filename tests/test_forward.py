"""Forward mode: dual numbers a + b ε with ε² = 0, checked against hand-derived rules,
closed-form derivatives, central differences, reverse mode and PyTorch."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd.engine import Value, primitive
from micrograd.forward import Dual, derivative
from micrograd.ops import linear

from helpers import central_difference, close, needs_torch, sigmoid, tensor, torch

finite = st.floats(-3.0, 3.0, allow_nan=False)


# -- worked example and the arithmetic of dual numbers ------------------------


def test_worked_example_quadratic_at_four():
    # f(x) = 2x^2 + 3x + 1; f(4 + ε) = (32 + 12 + 1) + (4*4 + 3) ε = 45 + 19 ε
    x = Dual(4.0, 1.0)
    y = 2 * x**2 + 3 * x + 1
    assert (y.real, y.dual) == (45.0, 19.0)
    assert derivative(lambda x: 2 * x**2 + 3 * x + 1, 4) == 19.0


@given(finite, finite, finite, finite)
@settings(max_examples=60, deadline=None)
def test_sum_and_product_rules(a, b, c, d):
    # (a + bε) + (c + dε) = (a + c) + (b + d)ε;  (a + bε)(c + dε) = ac + (ad + bc)ε
    s = Dual(a, b) + Dual(c, d)
    p = Dual(a, b) * Dual(c, d)
    assert (s.real, s.dual) == (a + c, b + d)
    assert p.real == a * c
    assert p.dual == pytest.approx(a * d + b * c, rel=1e-12, abs=1e-12)


@given(finite, finite, st.floats(0.1, 3.0), finite)
@settings(max_examples=60, deadline=None)
def test_quotient_rule(a, b, c, d):
    # (a + bε) / (c + dε) = a/c + (bc - ad)/c² ε  (multiply through by (c - dε)/(c - dε))
    q = Dual(a, b) / Dual(c, d)
    assert q.real == a / c
    assert q.dual == pytest.approx((b * c - a * d) / c**2, rel=1e-12, abs=1e-12)


def test_difference_and_negation():
    d = Dual(5.0, 2.0) - Dual(1.0, 7.0)
    n = -Dual(3.0, -4.0)
    assert (d.real, d.dual) == (4.0, -5.0)
    assert (n.real, n.dual) == (-3.0, 4.0)


@pytest.mark.parametrize(
    ("expr", "real", "dual"),
    [
        # numbers are constants (tangent 0) on either side
        (lambda x: x + 2, 5.0, 1.0),
        (lambda x: 2 + x, 5.0, 1.0),
        (lambda x: x - 2, 1.0, 1.0),
        (lambda x: 2 - x, -1.0, -1.0),
        (lambda x: x * 2, 6.0, 2.0),
        (lambda x: 2 * x, 6.0, 2.0),
        (lambda x: x / 2, 1.5, 0.5),
        (lambda x: 6 / x, 2.0, -6 / 9),  # d(6/x) = -6/x²
        (lambda x: x**2, 9.0, 6.0),
        (lambda x: x**-1, 1 / 3, -1 / 9),
        (lambda x: x**0.5, math.sqrt(3), 0.5 / math.sqrt(3)),
        (lambda x: x**0, 1.0, 0.0),
        (lambda x: 2**x, 8.0, 8 * math.log(2)),  # d 2^x = 2^x ln 2
        (lambda x: np.float64(2.0) * x, 6.0, 2.0),  # numpy scalar on the left
        (lambda x: x ** np.float64(2.0), 9.0, 6.0),
        (lambda x: np.float32(1.0) - x, -2.0, -1.0),
    ],
)
def test_numbers_on_either_side(expr, real, dual):
    y = expr(Dual(3.0, 1.0))
    assert isinstance(y, Dual)
    assert y.real == pytest.approx(real, rel=1e-12)
    assert y.dual == pytest.approx(dual, rel=1e-12, abs=1e-15)


def test_dual_exponent_gives_both_partials():
    # x^y with dx, dy: d = y x^(y-1) dx + x^y ln x dy
    x, y = 1.7, 2.3
    z = Dual(x, 0.25) ** Dual(y, -0.5)
    assert z.real == pytest.approx(x**y)
    assert z.dual == pytest.approx(y * x ** (y - 1) * 0.25 + x**y * math.log(x) * -0.5)


# -- every unary op against its closed-form derivative ------------------------


UNARY = {
    # name: (op on Dual, f on floats, f' on floats, points)
    "neg": (lambda d: -d, lambda x: -x, lambda x: -1.0, [-2.0, 0.5]),
    "abs": (abs, abs, lambda x: math.copysign(1.0, x), [-2.0, 0.5]),
    "exp": (Dual.exp, math.exp, math.exp, [-1.0, 0.0, 2.0]),
    "log": (Dual.log, math.log, lambda x: 1 / x, [0.25, 1.0, 7.0]),
    "sqrt": (Dual.sqrt, math.sqrt, lambda x: 0.5 / math.sqrt(x), [0.25, 4.0]),
    "tanh": (Dual.tanh, math.tanh, lambda x: 1 - math.tanh(x) ** 2, [-1.5, 0.0, 0.7]),
    "sigmoid": (Dual.sigmoid, sigmoid, lambda x: sigmoid(x) * (1 - sigmoid(x)), [-2.0, 0.3]),
    "relu": (Dual.relu, lambda x: max(x, 0.0), lambda x: float(x > 0), [-1.0, 2.5]),
}


@pytest.mark.parametrize("name", UNARY)
def test_unary_op_matches_closed_form(name):
    op, f, df, points = UNARY[name]
    for x in points:
        for tangent in (1.0, -2.5):
            y = op(Dual(x, tangent))
            assert y.real == pytest.approx(f(x), rel=1e-12)
            assert y.dual == pytest.approx(tangent * df(x), rel=1e-12)
            assert y.dual == pytest.approx(tangent * central_difference(f, x), rel=1e-6)


def test_kinks_have_zero_derivative_as_in_pytorch():
    assert abs(Dual(0.0, 1.0)).dual == 0.0
    assert Dual(0.0, 1.0).relu().dual == 0.0


def test_constant_dual_skips_an_infinite_partial():
    # sqrt'(0) is infinite, but a tangent of 0 contributes nothing
    y = Dual(0.0, 0.0).sqrt()
    assert (y.real, y.dual) == (0.0, 0.0)


def test_derivative_of_a_composition():
    # d/dx (5x + 2)^3 = 15 (5x + 2)^2
    assert derivative(lambda x: (5 * x + 2) ** 3, 3.0) == pytest.approx(15 * 17**2)
    # d/dx x e^x = (x + 1) e^x
    assert derivative(lambda x: x * x.exp(), 0.5) == pytest.approx(1.5 * math.exp(0.5))


def test_derivative_of_a_constant_function_is_zero():
    assert derivative(lambda x: 3.0, 1.0) == 0.0
    assert derivative(lambda x: 7, 1.0) == 0.0


# -- forward mode == reverse mode == PyTorch on random expressions -------------

# Each op takes two earlier nodes a, b and a constant c, on a domain where it is defined.
OPS = {
    "add": lambda a, b, c: a + b,
    "sub": lambda a, b, c: a - b,
    "mul": lambda a, b, c: a * b,
    "div": lambda a, b, c: a / (b * b + 1),
    "pow": lambda a, b, c: (a * a + 0.5) ** b.tanh(),
    "pow_const": lambda a, b, c: (a * a + 0.5) ** c,
    "square": lambda a, b, c: a**2,
    "rpow": lambda a, b, c: (abs(c) + 0.5) ** b.tanh(),
    "radd": lambda a, b, c: c + a,
    "rsub": lambda a, b, c: c - a,
    "rmul": lambda a, b, c: c * a,
    "rdiv": lambda a, b, c: c / (a * a + 1),
    "neg": lambda a, b, c: -a,
    "abs": lambda a, b, c: abs(a),
    "exp": lambda a, b, c: a.tanh().exp(),
    "log": lambda a, b, c: (a * a + 0.1).log(),
    "sqrt": lambda a, b, c: (a * a + 0.1).sqrt(),
    "tanh": lambda a, b, c: a.tanh(),
    "sigmoid": lambda a, b, c: a.sigmoid(),
    "relu": lambda a, b, c: a.relu(),
}

steps = st.lists(
    st.tuples(
        st.sampled_from(sorted(OPS)),
        st.integers(0, 20),
        st.integers(0, 20),
        st.floats(-2.0, 2.0, allow_nan=False),
    ),
    min_size=1,
    max_size=6,
)
inputs = st.floats(-1.5, 1.5, allow_nan=False)


def run(program, x, y):
    """Evaluate the program on x and y (Duals, Values or tensors); the last node is the output."""
    nodes = [x, y]
    for name, i, j, c in program:
        nodes.append(OPS[name](nodes[i % len(nodes)], nodes[j % len(nodes)], c))
    return nodes[-1]


def forward_gradient(program, x, y):
    dx = run(program, Dual(x, 1.0), Dual(y, 0.0))
    dy = run(program, Dual(x, 0.0), Dual(y, 1.0))
    assert dx.real == dy.real
    return dx.real, dx.dual, dy.dual


@given(steps, inputs, inputs)
@settings(max_examples=100, deadline=None)
def test_forward_mode_equals_reverse_mode(program, x, y):
    value, dx, dy = forward_gradient(program, x, y)
    vx, vy = Value(x), Value(y)
    out = run(program, vx, vy)
    out.backward()
    assert out.data == value
    assert close(dx, vx.grad), (dx, vx.grad)
    assert close(dy, vy.grad), (dy, vy.grad)


@needs_torch
@given(steps, inputs, inputs)
@settings(max_examples=60, deadline=None)
def test_forward_mode_equals_pytorch(program, x, y):
    value, dx, dy = forward_gradient(program, x, y)
    tx, ty = tensor(x), tensor(y)
    out = run(program, tx, ty)
    gx, gy = torch.autograd.grad(out, (tx, ty), allow_unused=True)
    gx = 0.0 if gx is None else gx.item()
    gy = 0.0 if gy is None else gy.item()
    assert close(value, out.item())
    assert close(dx, gx), (dx, gx)
    assert close(dy, gy), (dy, gy)


# -- custom primitives work on Duals through engine.apply ---------------------


def test_primitive_on_duals():
    softplus = primitive(
        lambda x: math.log1p(math.exp(x)), lambda x: 1 / (1 + math.exp(-x)), name="softplus"
    )
    for x in (-1.0, 0.0, 2.0):
        y = softplus(Dual(x, 1.0))
        assert isinstance(y, Dual)
        assert y.real == pytest.approx(math.log1p(math.exp(x)))
        assert y.dual == pytest.approx(
            central_difference(lambda t: math.log1p(math.exp(t)), x), rel=1e-6
        )
    # composed with built-in ops: d/dx softplus(2x) * x = 2 σ(2x) x + softplus(2x)
    x = 0.4
    d = derivative(lambda t: softplus(2 * t) * t, x)
    assert d == pytest.approx(2 * sigmoid(2 * x) * x + math.log1p(math.exp(2 * x)))


def test_two_input_primitive_with_dual_and_number_inputs():
    hypot = primitive(
        math.hypot, lambda x, y: x / math.hypot(x, y), lambda x, y: y / math.hypot(x, y)
    )
    x, y = 3.0, 4.0
    # tangent along x only, along y only (y as a plain number), and along both
    assert hypot(Dual(x, 1.0), y).dual == pytest.approx(
        central_difference(lambda t: math.hypot(t, y), x), rel=1e-6
    )
    assert hypot(x, Dual(y, 1.0)).dual == pytest.approx(
        central_difference(lambda t: math.hypot(x, t), y), rel=1e-6
    )
    both = hypot(Dual(x, 1.0), Dual(y, 1.0))
    assert both.real == 5.0
    assert both.dual == pytest.approx(
        central_difference(lambda t: math.hypot(x + t, y + t), 0.0), rel=1e-6
    )


# -- construction, representation and errors ----------------------------------


def test_construction_and_repr():
    d = Dual(2, True)
    assert (d.real, d.dual) == (2.0, 1.0)
    assert type(d.real) is float and type(d.dual) is float
    assert Dual(np.float32(0.5)).dual == 0.0
    assert repr(Dual(45.0, 19.0)) == "Dual(real=45.0, dual=19.0)"
    assert not hasattr(d, "__dict__")
    with pytest.raises(AttributeError):
        d.other = 1.0


@pytest.mark.parametrize(
    ("real", "dual"),
    [
        ("a", 0.0),
        (1.0, "b"),
        (1 + 2j, 0.0),
        (1.0, 2j),
        (np.array([1.0, 2.0]), 0.0),
        (np.complex128(1.0), 0.0),
        (None, 0.0),
        (Value(1.0), 0.0),
        (Dual(1.0), 0.0),
        ([1.0], 0.0),
    ],
)
def test_bad_parts_raise_type_error(real, dual):
    part = "dual" if isinstance(real, float) else "real"
    with pytest.raises(TypeError, match=f"Dual {part} part must be a real number"):
        Dual(real, dual)


@pytest.mark.parametrize(
    "expr",
    [
        lambda d: d + "a",
        lambda d: "a" * d,
        lambda d: d - [1.0],
        lambda d: d / None,
        lambda d: d ** "2",
        lambda d: "2" ** d,
        lambda d: d + 1j,
        lambda d: d + Value(1.0),
        lambda d: Value(1.0) * d,
    ],
)
def test_unsupported_operands_raise_type_error(expr):
    with pytest.raises(TypeError):
        expr(Dual(2.0, 1.0))


def test_domain_errors_match_value():
    with pytest.raises(ValueError, match="log: operand must be positive"):
        Dual(-1.0, 1.0).log()
    with pytest.raises(ValueError, match="log"):
        Dual(0.0, 1.0).log()
    with pytest.raises(ValueError, match="sqrt: operand must be non-negative"):
        Dual(-4.0, 1.0).sqrt()
    with pytest.raises(ValueError, match="non-integer power"):
        Dual(-8.0, 1.0) ** (1 / 3)
    with pytest.raises(ValueError, match="positive base"):
        (-2.0) ** Dual(2.0, 1.0)  # d/dy (-2)^y = (-2)^y ln(-2): not real
    with pytest.raises(ZeroDivisionError):
        Dual(1.0, 1.0) / Dual(0.0, 1.0)
    with pytest.raises(ZeroDivisionError, match="'sqrt'"):
        Dual(0.0, 1.0).sqrt()  # the tangent 1 / (2 sqrt 0) is infinite
    with pytest.raises(OverflowError, match="exp"):
        Dual(1000.0, 1.0).exp()


def test_primitive_rejects_mixing_dual_and_value():
    double = primitive(lambda x, y: 2 * x + y, lambda x, y: 2.0, lambda x, y: 1.0, name="f")
    assert double(Dual(1.0, 1.0), 3).dual == 2.0
    with pytest.raises(TypeError, match="f: inputs must be Duals or real numbers, got Value"):
        double(Dual(1.0, 1.0), Value(2.0))


@pytest.mark.parametrize(
    ("f", "x", "message"),
    [
        (lambda x: [x], 1.0, "must return a Dual or a real number, got list"),
        (lambda x: Value(1.0), 1.0, "got Value"),
        (lambda x: None, 1.0, "got NoneType"),
        (lambda x: 1 + 1j, 1.0, "got complex"),
        (lambda x: x, "a", "Dual real part must be a real number"),
        (lambda x: x, Dual(1.0), "Dual real part must be a real number"),
        (3.0, 1.0, "f must be callable"),
    ],
)
def test_derivative_bad_inputs(f, x, message):
    with pytest.raises(TypeError, match=message):
        derivative(f, x)


def test_linear_node_in_forward_mode():
    # w . x + b with x = 3 + eps: d/dx = w, so the tangent is w
    out = linear([Dual(2.0)], [Dual(3.0, 1.0)], Dual(0.5))
    assert (out.real, out.dual) == (2.0 * 3.0 + 0.5, 2.0)
    # a number among the inputs is a constant
    assert derivative(lambda x: linear([x, 4.0], [x, 1.0], 1.0), 3.0) == 2 * 3.0
