"""Declaring ops: one form for local derivatives, one installer, and declarations that
refuse to clobber what exists."""

import math
import subprocess
import sys

import pytest

from micrograd import Dual, Op, Value, ops, primitive
from micrograd.lecture import ClosureOp
from micrograd.op import declared_ops
from micrograd.stubs import OpMethods


def test_every_op_of_the_table_has_its_type_stub_on_value_and_dual():
    stubbed = set(vars(OpMethods))
    table = [op for op in declared_ops().values() if op in vars(ops).values()]
    assert len(table) >= 14
    for op in table:
        method = op.method
        for spelling in (method, op.reflected):
            if spelling is not None:
                assert spelling in stubbed, f"{op.name!r}: no stub for {spelling} in OpMethods"
                assert callable(getattr(Value, spelling)) and callable(getattr(Dual, spelling))


@pytest.mark.parametrize("name", ["data", "grad", "label", "backward", "detach", "real", "dual"])
def test_declare_refuses_an_attribute_of_a_number_type(name):
    with pytest.raises(ValueError, match=f"'{name}' is an attribute of"):
        Op.declare(name, "x", ("1.0",), scope={})
    assert Value(2.0).data == 2.0  # nothing was installed


@pytest.mark.parametrize("name, method", [("exp", None), ("my_exp", "exp"), ("plus", "__add__")])
def test_declare_refuses_a_name_or_method_declared_already(name, method):
    before = (Value.exp, ops.exp, Value.__add__)
    with pytest.raises(ValueError, match="declared already; pass replace=True"):
        Op.declare(name, "x", ("1.0",), scope={}, method=method)
    assert (Value.exp, ops.exp, Value.__add__) == before


REPLACE_EXP = """
import math
from micrograd import Dual, Op, Value, ops
old = ops.exp
# e^x written another way, 2^(x log2 e); its derivative is the output itself
new = Op.declare("exp", "2.0 ** (x * log2e)", ("out",), scope={"log2e": 1 / math.log(2)},
                 replace=True)
x = Value(1.0)
y = x.exp()
y.backward()
assert ops.exp is new and ops.exp is not old and y._op == "exp"
assert abs(y.data - math.e) < 1e-15 and x.grad == y.data
assert abs(Dual(1.0, 1.0).exp().dual - math.e) < 1e-15
print("ok")
"""


def test_replace_updates_the_method_and_the_op_table():
    # in a process of its own: the op table is global
    run = subprocess.run([sys.executable, "-c", REPLACE_EXP], capture_output=True, text=True)
    assert run.stdout.strip() == "ok", run.stderr


def test_every_way_of_giving_derivatives_becomes_one_partials_function():
    """Text, one function per input, a function of all, primitive's partials and a
    lecture closure all give ``op.partials(out, *xs)``: a tuple, d out / d x_i each,
    equal to central differences of the forward."""
    text = Op.from_text("cube", "x * x * x", ("3.0 * x * x",), scope={})
    per_input = Op("cube", lambda x: x**3, (lambda out, x: 3.0 * x * x,))
    all_at_once = Op("cube", lambda x: x**3, lambda out, x: (3.0 * x * x,))
    prim = primitive(lambda x: x**3, lambda x: 3.0 * x * x)
    for op in (text, per_input, all_at_once, prim):
        d = op.partials(op.forward(1.5), 1.5)
        assert isinstance(d, tuple) and len(d) == 1
        h = 1e-6
        assert d[0] == pytest.approx(
            (op.forward(1.5 + h) - op.forward(1.5 - h)) / (2 * h), rel=1e-7
        )

    a, b = Value(2.0), Value(-3.0)
    out = Value(a.data * b.data, (a, b), "*")

    def closure():
        a.grad += b.data * out.grad
        b.grad += a.data * out.grad

    out._backward = closure
    assert isinstance(out._rule, ClosureOp)
    assert out._rule.partials(out.data, a.data, b.data) == (b.data, a.data)


def test_a_number_operand_uses_the_constant_form_and_keeps_its_spelling():
    x = Value(3.0)
    assert (x**2)._op == "**2" and (x**2.0)._op == "**2.0" and (2**x)._op == "2**"
    assert [p is x for p in (2**x)._prev] == [True]  # the number is no input: no derivative
    y = 2**x
    y.backward()
    assert x.grad == pytest.approx(8.0 * math.log(2.0), rel=1e-15)
