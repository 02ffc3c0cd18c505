"""The op table's formula text as JavaScript (micrograd.jsformula). Whether the page
computes what Python does is checked in a browser (tests/test_explore_browser.py);
here: every op of the table translates, and text the page cannot compute is refused
with a reason."""

from __future__ import annotations

import pytest

from micrograd import ops, primitive
from micrograd.engine import Value
from micrograd.jsformula import FUNCTIONS, NotTranslatable, op_spec, to_js
from micrograd.op import Op


def test_python_expressions_become_javascript():
    assert to_js("1.0 - out * out") == "(1.0 - (e.out * e.out))"
    assert to_js("-out / b") == "((-e.out) / e.b)"
    assert to_js("c * x ** (c - 1.0) if c else 0.0") == (
        "(F.truth(e.c) ? (e.c * F.pow(e.x, (e.c - 1.0))) : 0.0)"
    )
    assert to_js("0 < x <= 1") == "(0.0 < e.x && e.x <= 1.0)"
    assert to_js("not x") == "(!F.truth(e.x))"
    # Python's "a or b" is a if a is true, else b
    assert to_js("a or b") == "(F.truth(e.a) ? e.a : e.b)"
    assert to_js("floatops.step(x, slope)") == 'F["floatops.step"](e.x, e.slope)'


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("x % 2", "uses 'x % 2'"),
        ("numpy.tanh(x)", "calls numpy.tanh"),
        ("floatops.step(x, below=1)", "uses 'floatops.step(x, below=1)'"),
        ("x[0]", "uses 'x[0]'"),
        ("x +", "is not an expression"),
    ],
)
def test_what_the_page_cannot_compute_is_refused_with_a_reason(text, reason):
    with pytest.raises(NotTranslatable) as error:
        to_js(text)
    assert reason in str(error.value)


def test_every_op_of_the_table_translates():
    x, y = Value(1.5, "x"), Value(0.5, "y")
    nodes = [
        op(x, y) if op.arity == 2 else op(x)
        for op in vars(ops).values()
        if isinstance(op, Op) and op.arity in (1, 2) and not op.params
    ]
    nodes += [x**2, x.leaky_relu(0.2), ops.linear([x, y], [y, x], x), ops.total(x, y, x),
              ops.relu_affine(x, y, x)]  # fmt: skip
    assert len(nodes) == 21
    for node in nodes:
        spec = op_spec(node)
        assert spec["partials"], node._op
    # the names the table's text calls are all ones the page has
    assert {"math.tanh", "floatops.pow", "pow_d_base", "pow_d_exponent", "sigmoid"} <= FUNCTIONS
    assert op_spec(x**2)["params"] == {"c": 2.0}
    # a number base is a parameter of its own op: no derivative is taken for it
    assert op_spec(2.0**x)["params"] == {"c": 2.0}


def test_an_op_without_formula_text_is_refused():
    cube = primitive(lambda x: x**3, lambda x: 3 * x**2, name="cube")
    with pytest.raises(NotTranslatable, match="'cube' is given as functions"):
        op_spec(cube(Value(2.0)))
    with pytest.raises(NotTranslatable, match="a leaf has no op"):
        op_spec(Value(2.0))


def test_logsumexp_and_bce_translate():
    x, y = Value(1.5, "x"), Value(0.5, "y")
    spec = op_spec(ops.logsumexp(x, y, x))
    # the terms, one per input, go to logsumexp as its arguments; d / d x_i = e^(x_i - out)
    assert spec["reduce"] == "floatops.logsumexp" and spec["reduce"] in FUNCTIONS
    assert spec["groups"] == ["x"] and spec["term"] == "e.x"
    assert spec["partials"] == ['F["floatops.exp"]((e.x - e.out))']
    spec = op_spec(ops.bce_with_logits(x, y))
    assert spec["fixed"] == ["z", "t"] and "F.truth" in spec["forward"]
    assert spec["reduce"] is None


def test_a_reduce_the_page_has_no_javascript_for_is_refused():
    import statistics

    from micrograd.op import Formula

    text = Formula((), "", ("1.0",), {}, groups=("x",), term="x", reduce="statistics.fmean")
    mean = Op(
        "mean",
        lambda *xs: statistics.fmean(xs),
        lambda out, *xs: (1.0 / len(xs),) * len(xs),
        None,
        formula=text,
    )
    with pytest.raises(NotTranslatable, match=r"go to statistics\.fmean, which the page has no"):
        op_spec(mean(Value(1.0), Value(2.0)))


def test_the_digits_models_cross_entropy_page_can_be_edited():
    import random

    from micrograd.explorer import explore
    from micrograd.losses import cross_entropy
    from micrograd.nn import MLP

    from helpers import page_data

    random.seed(0)
    model = MLP(64, [32, 10])
    image = [random.randint(0, 16) / 16 for _ in range(64)]
    data = page_data(explore(cross_entropy(model.outputs(image), 3), max_nodes=None))
    assert data["edit"] is None  # editing is on
    specs = [data["specs"][v["spec"]] for v in data["values"].values() if "spec" in v]
    assert sum(s["reduce"] == "floatops.logsumexp" for s in specs) == 1
