"""grad / value_and_grad (floats in, floats out; nesting gives higher derivatives) and
gradcheck, against closed-form derivatives."""

import gc
import math
import re

import pytest

from micrograd.engine import Value, is_grad_enabled, no_grad, primitive
from micrograd.forward import Dual
from micrograd.functional import GradcheckError, grad, gradcheck, value_and_grad
from micrograd.ops import linear

from helpers import sigmoid


def third(f):
    return grad(grad(grad(f)))


# -- floats in, floats out -----------------------------------------------------


def test_grad_of_a_polynomial_returns_a_float():
    # d/dx (5x + 2)^3 = 15 (5x + 2)^2
    g = grad(lambda x: (5 * x + 2) ** 3)(3.0)
    assert type(g) is float
    assert g == pytest.approx(15 * 17**2)


def test_worked_example_by_reverse_mode():
    assert grad(lambda x: 2 * x**2 + 3 * x + 1)(4) == 19.0


def test_value_and_grad():
    value, g = value_and_grad(lambda x: x * x.exp())(0.5)
    assert type(value) is float and type(g) is float
    assert value == pytest.approx(0.5 * math.exp(0.5))
    assert g == pytest.approx(1.5 * math.exp(0.5))  # (x + 1) e^x


def test_argnums_int_and_tuple():
    def f(x, y, z):
        return x * y**2 + z**3

    x, y, z = 3.0, 2.0, 0.4
    assert grad(f, argnums=1)(x, y, z) == pytest.approx(2 * x * y)
    grads = grad(f, argnums=(0, 2))(x, y, z)
    assert isinstance(grads, tuple) and len(grads) == 2
    assert grads == pytest.approx((y**2, 3 * z**2))
    assert grad(f, argnums=(1,))(x, y, z) == pytest.approx((2 * x * y,))
    value, (gy, gx) = value_and_grad(f, argnums=(1, 0))(x, y, z)
    assert value == pytest.approx(x * y**2 + z**3)
    assert (gy, gx) == pytest.approx((2 * x * y, y**2))


def test_undifferentiated_and_keyword_arguments_pass_through():
    assert grad(lambda x, n: x**n)(2.0, 3) == pytest.approx(12.0)  # n x^(n-1)
    assert grad(lambda x, *, scale: scale * x * x)(3.0, scale=2.0) == pytest.approx(12.0)


def test_function_not_depending_on_its_argument_has_zero_gradient():
    assert grad(lambda x, y: y * 2, argnums=0)(1.0, Value(3.0)) == 0.0
    assert grad(grad(lambda x: x * 0 + 5))(1.0) == 0.0


def test_wraps_the_function():
    def energy(x):
        """Doc."""
        return x * x

    assert grad(energy).__name__ == "energy"
    assert grad(energy).__doc__ == "Doc."


# -- higher derivatives by nesting ---------------------------------------------

# name: (f, f', f'', f''', points), closed forms derived by hand
ln3 = math.log(3)
HIGHER = {
    "add": (
        lambda x: x * x * x + x,
        lambda x: 3 * x * x + 1,
        lambda x: 6 * x,
        lambda x: 6,
        [-1.2, 0.7],
    ),
    "sub": (lambda x: 2 - x * x * x, lambda x: -3 * x * x, lambda x: -6 * x, lambda x: -6, [0.5]),
    "mul": (lambda x: x * x * x, lambda x: 3 * x * x, lambda x: 6 * x, lambda x: 6, [-2.0, 1.5]),
    "div": (
        lambda x: 1 / x,
        lambda x: -1 / x**2,
        lambda x: 2 / x**3,
        lambda x: -6 / x**4,
        [0.5, -2.0],
    ),
    "pow": (
        lambda x: x**x,
        lambda x: x**x * (math.log(x) + 1),
        lambda x: x**x * ((math.log(x) + 1) ** 2 + 1 / x),
        lambda x: x**x * ((math.log(x) + 1) ** 3 + 3 * (math.log(x) + 1) / x - 1 / x**2),
        [0.6, 1.8],
    ),
    "pow_const": (
        lambda x: x**2.5,
        lambda x: 2.5 * x**1.5,
        lambda x: 3.75 * x**0.5,
        lambda x: 1.875 * x**-0.5,
        [0.4, 2.0],
    ),
    "rpow": (
        lambda x: 3**x,
        lambda x: 3**x * ln3,
        lambda x: 3**x * ln3**2,
        lambda x: 3**x * ln3**3,
        [-0.5, 1.1],
    ),
    "neg": (lambda x: -(x * x * x), lambda x: -3 * x * x, lambda x: -6 * x, lambda x: -6, [0.9]),
    "abs": (
        lambda x: abs(x * x * x),
        lambda x: math.copysign(3 * x * x, x),
        lambda x: 6 * abs(x),
        lambda x: math.copysign(6, x),
        [-1.3, 0.8],
    ),
    "exp": (lambda x: x.exp(), math.exp, math.exp, math.exp, [-1.0, 0.5]),
    "x_exp": (
        lambda x: x * x.exp(),
        lambda x: (x + 1) * math.exp(x),
        lambda x: (x + 2) * math.exp(x),
        lambda x: (x + 3) * math.exp(x),
        [-0.7, 1.3],
    ),
    "log": (
        lambda x: x.log(),
        lambda x: 1 / x,
        lambda x: -1 / x**2,
        lambda x: 2 / x**3,
        [0.3, 2.5],
    ),
    "sqrt": (
        lambda x: x.sqrt(),
        lambda x: 0.5 * x**-0.5,
        lambda x: -0.25 * x**-1.5,
        lambda x: 0.375 * x**-2.5,
        [0.5, 3.0],
    ),
    "tanh": (
        lambda x: x.tanh(),
        lambda x: 1 - math.tanh(x) ** 2,
        lambda x: -2 * math.tanh(x) * (1 - math.tanh(x) ** 2),
        lambda x: -2 * (1 - math.tanh(x) ** 2) * (1 - 3 * math.tanh(x) ** 2),
        [-0.8, 0.0, 0.4],
    ),
    "sigmoid": (
        lambda x: x.sigmoid(),
        lambda x: sigmoid(x) * (1 - sigmoid(x)),
        lambda x: sigmoid(x) * (1 - sigmoid(x)) * (1 - 2 * sigmoid(x)),
        lambda x: sigmoid(x) * (1 - sigmoid(x)) * (1 - 6 * sigmoid(x) + 6 * sigmoid(x) ** 2),
        [-1.0, 0.6],
    ),
    "relu": (
        lambda x: x.relu() ** 3,
        lambda x: 3 * max(x, 0) ** 2,
        lambda x: 6 * max(x, 0),
        lambda x: 6.0 if x > 0 else 0.0,
        [-1.0, 0.7],
    ),
    "linear": (
        lambda x: linear([x, x], [x, x * x], 1.0),  # 1 + x^2 + x^3
        lambda x: 2 * x + 3 * x * x,
        lambda x: 2 + 6 * x,
        lambda x: 6,
        [-0.4, 1.1],
    ),
}


@pytest.mark.parametrize("name", HIGHER)
def test_first_second_and_third_derivatives(name):
    f, d1, d2, d3, points = HIGHER[name]
    for x in points:
        assert grad(f)(x) == pytest.approx(d1(x), rel=1e-9, abs=1e-12)
        assert grad(grad(f))(x) == pytest.approx(d2(x), rel=1e-9, abs=1e-12)
        assert third(f)(x) == pytest.approx(d3(x), rel=1e-9, abs=1e-12)
        assert type(third(f)(x)) is float


@pytest.mark.parametrize(
    ("f", "dxdy", "dydy", "point"),
    [
        (lambda x, y: x * y, lambda x, y: 1.0, lambda x, y: 0.0, (2.0, -3.0)),
        (lambda x, y: x / y, lambda x, y: -1 / y**2, lambda x, y: 2 * x / y**3, (1.5, 0.8)),
        (lambda x, y: x - y * y, lambda x, y: 0.0, lambda x, y: -2.0, (1.0, 2.0)),
        (
            lambda x, y: x**y,
            lambda x, y: x ** (y - 1) * (1 + y * math.log(x)),
            lambda x, y: x**y * math.log(x) ** 2,
            (1.7, 2.2),
        ),
        (
            lambda x, y: x * x * y**3,
            lambda x, y: 6 * x * y * y,
            lambda x, y: 6 * x * x * y,
            (0.5, -1.5),
        ),
        (lambda x, y: linear([x], [y], 0.5), lambda x, y: 1.0, lambda x, y: 0.0, (3.0, 4.0)),
    ],
)
def test_mixed_second_partials(f, dxdy, dydy, point):
    # d²f/dxdy = d/dy (df/dx), and the same computed the other way round
    assert grad(grad(f, 0), 1)(*point) == pytest.approx(dxdy(*point), rel=1e-9, abs=1e-12)
    assert grad(grad(f, 1), 0)(*point) == pytest.approx(dxdy(*point), rel=1e-9, abs=1e-12)
    assert grad(grad(f, 1), 1)(*point) == pytest.approx(dydy(*point), rel=1e-9, abs=1e-12)
    hessian_row = grad(lambda x, y: grad(f, (0, 1))(x, y)[1], (0, 1))(*point)
    assert hessian_row == pytest.approx((dxdy(*point), dydy(*point)), rel=1e-9, abs=1e-12)


def test_inner_gradient_depending_on_an_enclosing_variable():
    # inner: d/dy (x y^2) at y = 2 is 4x, so the outer derivative is 4
    assert grad(lambda x: grad(lambda y: x * y**2)(2.0))(3.0) == pytest.approx(4.0)
    # d/dx [x * d/dy (x y^3)](y = x) = d/dx 3x^4 = 12 x^3
    assert grad(lambda x: x * grad(lambda y: x * y**3)(x))(1.5) == pytest.approx(12 * 1.5**3)


# -- Values in, Values out; nothing leaks into .grad ---------------------------


def test_value_argument_gives_a_differentiable_value():
    x = Value(3.0)
    g = grad(lambda t: t**3)(x)
    assert isinstance(g, Value)
    assert g.data == pytest.approx(27.0)  # 3x^2
    assert x.grad == 0.0  # differentiated through fresh leaves only
    g.backward()
    assert x.grad == pytest.approx(18.0)  # 6x


def test_value_and_grad_on_values_keeps_the_value_differentiable():
    x = Value(0.5)
    value, g = value_and_grad(lambda t: t.exp() * t)(x)
    assert isinstance(value, Value) and isinstance(g, Value)
    (value + g).backward()  # d/dx [x e^x + (x + 1) e^x] = (2x + 3) e^x
    assert x.grad == pytest.approx(4 * math.exp(0.5))


def test_captured_values_keep_their_gradients():
    w = Value(2.0)
    w.grad = 0.25
    h = Value(1.0) * 3  # an interior node captured by the function
    assert grad(lambda x: w * x * h)(5.0) == pytest.approx(6.0)
    assert w.grad == 0.25
    assert grad(grad(lambda x: w * x * x))(5.0) == pytest.approx(4.0)
    assert w.grad == 0.25


def test_nested_grad_leaves_no_reference_cycles():
    # collected garbage is kept in gc.garbage: no Value may need the cycle collector
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        assert third(lambda x: x * x.exp())(0.3) == pytest.approx(3.3 * math.exp(0.3))
        g = grad(grad(lambda x: x * x.exp()))(Value(0.3))
        assert g.data == pytest.approx(2.3 * math.exp(0.3))
        del g
        gc.collect()
        assert not [o for o in gc.garbage if isinstance(o, Value)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


def test_grad_differentiates_inside_no_grad():
    with no_grad():
        assert grad(lambda x: x * x)(3.0) == 6.0
        assert grad(grad(lambda x: x * x * x))(1.0) == pytest.approx(6.0)
        assert not is_grad_enabled()


def test_primitive_first_derivative_works_second_is_not_implemented():
    softplus = primitive(lambda x: math.log1p(math.exp(x)), lambda x: sigmoid(x), name="softplus")
    assert grad(softplus)(0.3) == pytest.approx(sigmoid(0.3))
    with pytest.raises(NotImplementedError, match="softplus"):
        grad(grad(softplus))(0.3)


# -- bad input -----------------------------------------------------------------


@pytest.mark.parametrize("argnums", ["0", 1.5, True, [0], (0, "1"), (0, None), None])
def test_bad_argnums_type(argnums):
    with pytest.raises(TypeError, match="argnums must be an int or a tuple of ints"):
        grad(lambda x: x, argnums)


@pytest.mark.parametrize(
    ("argnums", "message"),
    [(-1, "non-negative"), ((), "empty"), ((0, 0), "repeated"), ((1, -2), "non-negative")],
)
def test_bad_argnums_value(argnums, message):
    with pytest.raises(ValueError, match=message):
        value_and_grad(lambda x, y: x * y, argnums)


def test_argnums_out_of_range():
    with pytest.raises(ValueError, match="argnums 2 is out of range"):
        grad(lambda x, y: x * y, (0, 2))(1.0, 2.0)


@pytest.mark.parametrize(
    ("result", "kind"),
    [
        (lambda x: 1.0, "float"),
        (lambda x: [x], "list"),
        (lambda x: None, "NoneType"),
        (lambda x: Dual(1.0), "Dual"),
    ],
)
def test_function_must_return_a_value(result, kind):
    with pytest.raises(TypeError, match=f"must return a scalar Value, got {kind}"):
        grad(result)(1.0)
    with pytest.raises(TypeError, match=f"must return a scalar Value, got {kind}"):
        grad(result)(Value(1.0))


@pytest.mark.parametrize("arg", ["a", 1j, [1.0], None, Dual(1.0)])
def test_bad_argument(arg):
    with pytest.raises(TypeError, match="argument 0 must be a real number or a Value"):
        grad(lambda x: x * x)(arg)


def test_not_callable():
    with pytest.raises(TypeError, match="grad: f must be callable"):
        grad(3.0)
    with pytest.raises(TypeError, match="value_and_grad: f must be callable"):
        value_and_grad("f")


# -- gradcheck -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("f", "args"),
    [
        (lambda x: 2 * x**2 + 3 * x + 1, (4.0,)),
        (lambda x, y: (x * y).tanh() + x.exp() / y, (0.3, 1.2)),
        (lambda x, y: x**y + (x * x + 1).log() - y.sqrt(), (1.4, 0.7)),
        (lambda x, y, z: (x - y).sigmoid() * z.relu() + abs(z) - 2 / x, (0.5, -0.2, 1.3)),
        (lambda x: 2**x * -x, (0.9,)),
    ],
)
def test_gradcheck_passes_on_correct_ops(f, args):
    assert gradcheck(f, *args) is True


def parse(message, argument):
    line = next(li for li in message.splitlines() if f"argument {argument} " in li)
    numbers = re.findall(r"(?:reverse mode|forward mode|central difference) (\S+?)[,:]", line)
    return [float(n) for n in numbers], line


def test_gradcheck_catches_a_wrong_primitive():
    x = 0.3
    wrong_sin = primitive(math.sin, lambda t: 2 * math.cos(t), name="sin")  # should be cos
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda t: wrong_sin(t) * 1.0, x)
    assert isinstance(info.value, AssertionError)
    (reverse, forward, numerical), line = parse(str(info.value), 0)
    assert reverse == pytest.approx(2 * math.cos(x))
    assert forward == pytest.approx(2 * math.cos(x))
    assert numerical == pytest.approx(math.cos(x), rel=1e-6)
    assert "MISMATCH (reverse, forward)" in line
    assert str(info.value).startswith("gradcheck failed (eps=1e-06, atol=1e-05, rtol=0.001)")


def test_gradcheck_names_the_argument_with_the_wrong_partial():
    x, y = 0.5, 2.0
    # x * y with d/dy declared as y instead of x
    bad_mul = primitive(lambda a, b: a * b, lambda a, b: b, lambda a, b: b, name="bad_mul")
    with pytest.raises(GradcheckError) as info:
        gradcheck(bad_mul, x, y)
    message = str(info.value)
    (r0, f0, n0), line0 = parse(message, 0)
    (r1, f1, n1), line1 = parse(message, 1)
    assert line0.endswith(": ok") and "MISMATCH" in line1
    assert (r0, f0) == pytest.approx((y, y)) and n0 == pytest.approx(y, rel=1e-6)
    assert (r1, f1) == pytest.approx((y, y)) and n1 == pytest.approx(x, rel=1e-6)


def test_gradcheck_tolerances_decide():
    # central differences of x^3 at 1 with eps = 0.1: ((1.1)^3 - (0.9)^3) / 0.2 = 3.01
    assert gradcheck(lambda x: x**3, 1.0, eps=0.1, atol=0.02, rtol=0.0)
    with pytest.raises(GradcheckError):
        gradcheck(lambda x: x**3, 1.0, eps=0.1, atol=0.005, rtol=0.0)


def test_gradcheck_bad_input():
    with pytest.raises(ValueError, match="at least one argument"):
        gradcheck(lambda x: x)
    with pytest.raises(ValueError, match="eps must be positive"):
        gradcheck(lambda x: x, 1.0, eps=0.0)
    with pytest.raises(ValueError, match="non-negative"):
        gradcheck(lambda x: x, 1.0, atol=-1.0)
    with pytest.raises(TypeError, match="argument 1 must be a real number"):
        gradcheck(lambda x, y: x, 1.0, "y")
    with pytest.raises(TypeError, match="must be callable"):
        gradcheck(None, 1.0)
    with pytest.raises(TypeError, match="must return a scalar Value"):
        gradcheck(lambda x: 1.0, 1.0)


def test_arguments_not_differentiated_reach_f_as_values():
    def f(x, y):
        return x * y + x.tanh() * y**2

    x, y = 0.4, 1.3
    assert grad(f, argnums=1)(x, y) == pytest.approx(x + 2 * y * math.tanh(x), rel=1e-12)
    assert grad(f, argnums=0)(x, y) == pytest.approx(y + y**2 * (1 - math.tanh(x) ** 2))


def test_grad_changes_no_gradient_and_no_node_outside():
    w = Value(1.5)
    w.grad = 4.0  # a parameter f closes over, with a gradient of its own

    def f(x):
        return x * w + (x * x).tanh()

    arg = Value(0.7) * 1.0
    before = (arg._prev, arg._op)
    g = grad(f)(arg)
    assert g.data == pytest.approx(1.5 + 2 * 0.7 * (1 - math.tanh(0.49) ** 2), rel=1e-12)
    assert w.grad == 4.0
    assert (arg._prev, arg._op) == before  # the argument is not rewired
    # the gradient stays a graph over the argument: differentiate it again
    g.backward()
    assert arg._prev[0].grad == pytest.approx(
        2 * (1 - math.tanh(0.49) ** 2) - 8 * 0.49 * math.tanh(0.49) * (1 - math.tanh(0.49) ** 2),
        rel=1e-9,
    )


def test_only_the_argument_counts_not_other_uses_of_the_same_value():
    # f closes over z = 3 a, computed before the call: d f / d a for the argument alone
    a = Value(2.0)
    z = a * 3.0
    assert grad(lambda x: x + z)(a).data == 1.0
