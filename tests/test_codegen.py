"""Generated code against the eager engine and the seeds' worked example of backprop as code."""

from __future__ import annotations

import contextlib
import copy
import gc
import inspect
import math
import re
import sys
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import micrograd
from micrograd import Value, losses, ops
from micrograd.codegen import assembly
from micrograd.datasets import make_moons
from micrograd.engine import op_of
from micrograd.nn import MLP
from micrograd.op import Formula, Op, declared_ops
from micrograd.optim import SGD


def run_source(source: str, *args: float) -> tuple[float, tuple[float, ...]]:
    namespace: dict[str, object] = {}
    exec(source, namespace)
    function = namespace["forward_backward"]
    return function(*args)  # type: ignore[operator, no-any-return]


def same(a: float, b: float) -> bool:
    """Equal bit for bit (0.0 and -0.0 differ), or both nan."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


# --- the seed's example: f(x, y) = (x + sigmoid(y)) / (x^2 + y) at x = 3, y = -4 ---------


def seed_graph() -> tuple[Value, Value, Value]:
    """The forward pass as the seed's listing writes it, one op per line."""
    x, y = Value(3.0, label="x"), Value(-4.0, label="y")
    a = y.sigmoid()
    b = x + a
    c = x**2
    d = y + c
    e = 1.0 / d
    f = b * e
    for v, name in zip((a, b, c, d, e, f), "abcdef"):
        v.label = name
    return x, y, f


def test_seed_example_bit_for_bit() -> None:
    x, y, f = seed_graph()
    value, grads = run_source(micrograd.to_python(f), 3.0, -4.0)
    f.backward()
    assert value == f.data
    assert grads == (x.grad, y.grad)
    # and against the derivative worked out by hand: f = b / d with b = x + s, d = x^2 + y
    s = 1 / (1 + math.exp(4.0))
    b, d = 3.0 + s, 9.0 - 4.0
    assert math.isclose(grads[0], (d - 2 * 3.0 * b) / d**2, rel_tol=1e-14)
    assert math.isclose(grads[1], (s * (1 - s) * d - b) / d**2, rel_tol=1e-14)


def test_seed_example_has_the_listings_structure() -> None:
    """The seed's listing: six forward lines (a to f); the leaves' gradients start at
    0.0 (and d's, which a test may skip), then nine backward lines, one per edge into a
    variable (the constant 1.0 in e = 1.0 / d gets none); x and y fork, so each has one
    ``+=`` that says so; the backward pass goes in exactly the reverse order of the
    forward pass (the engine's order, which computes the denominator first)."""
    source = micrograd.to_python(seed_graph()[2])
    body = [line.strip() for line in source.splitlines() if line.startswith("    ")]
    code = [line for line in body if not line.startswith("#")]
    forward = [line for line in code if re.match(r"[a-f] = ", line)]
    assert sorted(line[0] for line in forward) == list("abcdef")
    written = "".join(line[0] for line in forward)
    for later, earlier in ["ba", "dc", "fb", "fe", "ed"]:  # each op after its inputs
        assert written.index(later) > written.index(earlier)
    # x and y, and d (first added to under a test), start at 0.0
    start = code.index("delta_x = delta_y = delta_d = 0.0")
    backward = [line for line in code[start + 1 :] if line.startswith("delta_")]
    assert len(backward) == 9
    forks = [line for line in backward if "feeds several ops" in line]
    assert sorted(line.split()[0] for line in forks) == ["delta_x", "delta_y"]
    assert all("+= " in line for line in forks)
    others = [line for line in backward if line not in forks]
    started = {"delta_x", "delta_y", "delta_d"}
    assert all((line.split()[1] == "+=") == (line.split()[0] in started) for line in others)
    order = [re.match(r"# ([a-f]) = ", line) for line in body]
    assert "".join(m.group(1) for m in order if m) == written[::-1]
    assert source.splitlines()[-1].strip() == "return f, (delta_x, delta_y)"


def test_names_fall_back_to_positions() -> None:
    a, b, c = Value(1.0, label="w"), Value(2.0, label="w"), Value(3.0, label="lambda")
    source = micrograd.to_python(a * b + c)
    assert "def forward_backward(v0, v1, v2):" in source
    value, grads = run_source(source, 1.0, 2.0, 3.0)
    assert value == 5.0 and grads == (2.0, 1.0, 1.0)


def test_to_python_refuses_bad_input() -> None:
    with pytest.raises(TypeError, match="expected a Value, got float"):
        micrograd.to_python(1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="identifier"):
        micrograd.to_python(Value(1.0), name="not a name")


# --- hypothesis: random graphs with forks through every declared op -----------------------

LEAVES = 3
TABLE = [op for op in vars(ops).values() if isinstance(op, Op)]  # the op table's ops


def build(choices: list[tuple[int, int, int, float]], leaves: list[Value]) -> Value:
    """Apply ops picked by ``choices`` to earlier nodes (so nodes fork), skipping an op
    that fails or leaves [-1e3, 1e3]; the root sums the last nodes."""
    table = [op for op in declared_ops().values() if op in TABLE]
    nodes = list(leaves)
    for k, (o, i, j, c) in enumerate(choices):
        op = table[o % len(table)]
        a, b = nodes[-1 - i % len(nodes)], nodes[j % len(nodes)]
        try:
            if op.arity == 2 and op.with_constant is not None and k % 2:
                out = op(a, c)  # x ** c: the op with a constant parameter
            elif op.arity == 2:
                out = op(a, b)
            elif op.params:
                out = op(a, c)
            else:
                out = op(a)
            out = out if k % 3 else out * c + b  # constants, and more forks
        except (ArithmeticError, ValueError):
            continue
        if abs(out.data) < 1e3:
            nodes.append(out)
    return ops.total(*nodes[-4:])


graphs = st.lists(
    st.tuples(
        st.integers(0, 100),
        st.integers(0, 10),
        st.integers(0, 10),
        st.floats(-2.0, 2.0, allow_nan=False).filter(lambda c: abs(c) > 0.1),
    ),
    min_size=1,
    max_size=25,
)
points = st.lists(st.floats(0.2, 2.0), min_size=LEAVES, max_size=LEAVES)


@settings(max_examples=150, deadline=None)
@given(graphs, points)
def test_random_graphs_match_backward(
    choices: list[tuple[int, int, int, float]], xs: list[float]
) -> None:
    leaves = [Value(x, label=f"x{i}_") for i, x in enumerate(xs)]
    root = build(choices, leaves)
    try:
        root.backward()
    except (ArithmeticError, ValueError):
        return  # a derivative undefined here (pow's d/d exponent at a negative base)
    source = micrograd.to_python(root)
    namespace: dict[str, object] = {}
    exec(source, namespace)
    params = re.search(r"def forward_backward\((.*)\):", source).group(1)  # type: ignore[union-attr]
    names = [p for p in params.split(", ") if p]
    by_label = {v.label: v for v in leaves}
    # the code visits every node in the order `backward` does and skips where it skips,
    # so it neither raises nor differs in any bit, the sign of zero included
    value, grads = namespace["forward_backward"](*(by_label[n].data for n in names))  # type: ignore[operator]
    assert same(value, root.data)
    for n, g in zip(names, grads):
        assert same(g, by_label[n].grad), (n, g, by_label[n].grad, source)

    expected = {v: v.grad for v in leaves}
    # one function, and many small ones (which add into the gradients in place)
    for chunk_lines in (assembly.CHUNK_LINES, 3):
        for v in leaves:
            v.grad = 0.0
        with chunks_of(chunk_lines):
            step = micrograd.compile(lambda: build(choices, leaves), check=True)
            assert same(step(), root.data)
        for v in leaves:
            assert same(v.grad, expected[v]), (v.label, v.grad, expected[v])


@contextlib.contextmanager
def chunks_of(lines: int) -> Iterator[None]:
    """Generated code split into functions of about ``lines`` statements (a graph of
    more nodes than that adds into the gradients in place)."""
    saved = assembly.CHUNK_LINES
    assembly.CHUNK_LINES = lines
    try:
        yield
    finally:
        assembly.CHUNK_LINES = saved


def test_every_declared_op_has_a_formula() -> None:
    """Each op's float functions come from its formula text (so the code form cannot drift)."""
    assert len(TABLE) >= 20
    for op in TABLE:
        assert op.formula is not None, op


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-3.0, 3.0), min_size=3, max_size=41))
def test_sum_ops_match_eager(xs: list[float]) -> None:
    """The n-ary sums (w . x + b, relu of it, the sum of n terms) against backward."""
    vs = [Value(x) for x in xs]
    n = (len(vs) - 1) // 2
    parts = (vs[0], *vs[1 : 1 + n], *vs[1 + n : 1 + 2 * n])
    root = ops.total(ops.affine(*parts), ops.relu_affine(*parts), ops.total(*vs))
    root.backward()
    value, grads = run_source(micrograd.to_python(root), *xs)
    assert value == root.data
    assert grads == tuple(v.grad for v in vs)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(-3.0, 3.0), st.booleans()), min_size=3, max_size=21))
def test_sum_ops_with_constants_match_eager(items: list[tuple[float, bool]]) -> None:
    """The same sums where some terms are numbers (constants pasted into the code), and
    logsumexp, whose partials read its output; written out and compiled."""
    vs = [Value(x, label=f"x{i}") for i, (x, _) in enumerate(items)]

    def f() -> Value:
        parts = [v if is_value else v.data for v, (_, is_value) in zip(vs, items)]
        n = (len(parts) - 1) // 2
        summed = (parts[0], *parts[1 : 1 + n], *parts[1 + n : 1 + 2 * n])
        return ops.total(
            ops.affine(*summed), ops.relu_affine(*summed), ops.logsumexp(*parts), vs[0]
        )

    root = f()
    root.backward()
    expected = root.data, tuple(v.grad for v in vs)
    namespace: dict[str, Any] = {}
    exec(micrograd.to_python(root), namespace)
    function = namespace["forward_backward"]
    leaves = [vs[int(name[1:])] for name in inspect.signature(function).parameters]
    value, grads = function(*(v.data for v in leaves))
    assert (value, grads) == (root.data, tuple(v.grad for v in leaves))
    for v in vs:
        v.grad = 0.0
    assert micrograd.compile(f)() == expected[0]
    assert tuple(v.grad for v in vs) == expected[1]


# --- compile ---------------------------------------------------------------------------


def moons(n: int) -> tuple[list[list[float]], list[float]]:
    xs = [
        [math.cos(3.0 * i / n) + 0.1 * math.sin(7.0 * i), math.sin(5.0 * i / n)] for i in range(n)
    ]
    return xs, [1.0 if i % 2 else -1.0 for i in range(n)]


def test_compiled_training_step_matches_eager() -> None:
    """The demo's step, MLP(2, [16, 16, 1]) on 100 two-moons points with hinge + L2:
    the same loss and gradients as ``backward``, bit for bit, step after step."""
    X, labels = make_moons(100, noise=0.1, seed=3)
    Y = [2.0 * label - 1.0 for label in labels]
    model = MLP(2, [16, 16, 1])
    twin = MLP(2, [16, 16, 1])
    for p, q in zip(model.parameters(), twin.parameters()):
        q.data = p.data

    def loss(model: MLP, xs: list[list[float]]) -> Value:
        return losses.hinge([model(x) for x in xs], Y) + 1e-4 * losses.l2(model.parameters())

    step = micrograd.compile(lambda xs: loss(model, xs), check=True)
    opt, twin_opt = SGD(model.parameters(), lr=0.5), SGD(twin.parameters(), lr=0.5)
    for _ in range(3):  # the optimizer's updates between calls are seen
        opt.zero_grad()
        twin_opt.zero_grad()
        value = step(X)
        eager = loss(twin, X)
        eager.backward()
        assert value == eager.data
        assert [p.grad for p in model.parameters()] == [q.grad for q in twin.parameters()]
        opt.step()
        twin_opt.step()
    # the layers read the weights' and inputs' numbers only to compute the nodes' data:
    # no read is a guard that the next call must check
    assert step.guards(X) == []


def test_gradients_add_to_grad_as_backward_does() -> None:
    """A leaf's existing ``.grad`` is the start of its sum, as in ``backward``."""
    w, u = Value(0.1), Value(0.1)
    w.grad = u.grad = 1e16  # the floats around it are 2 apart: 1e16 + 1 rounds to 1e16
    micrograd.compile(lambda x: w * x + w * x + w * x)(1.0)
    (u * 1.0 + u * 1.0 + u * 1.0).backward()
    assert u.grad == 1e16  # ((1e16 + 1) + 1) + 1, where 1e16 + 3 would round to 1e16 + 4
    assert w.grad == u.grad


def test_gradients_accumulate_and_constants_are_literals() -> None:
    w = Value(2.0)
    step = micrograd.compile(lambda x: (w * x + 1.5).tanh())
    step(0.5)
    step(0.5)
    t = math.tanh(2.0 * 0.5 + 1.5)
    assert math.isclose(w.grad, 2 * 0.5 * (1 - t * t), rel_tol=1e-15)
    assert "1.5" in step.source(0.5)


def test_branches_inside_ops_run_at_call_time() -> None:
    w = Value(1.0)
    step = micrograd.compile(lambda x: (w * x).relu() + abs(w - x))
    assert step(2.0) == 2.0 + 1.0
    assert w.grad == 2.0 - 1.0
    w.grad = 0.0
    assert step(-3.0) == 0.0 + 4.0
    assert w.grad == 0.0 + 1.0


def test_new_shapes_trace_again_and_the_cache_is_bounded() -> None:
    w = Value(1.0)
    calls = []

    def f(xs: list[float]) -> Value:
        calls.append(len(xs))
        return sum((w * x for x in xs), 0.0)

    step = micrograd.compile(f, cache_size=2)
    assert step([1.0, 2.0]) == 3.0 and step([4.0, 5.0]) == 9.0
    assert step([1.0]) == 1.0 and step([[1.0][0], 2.0, 3.0]) == 6.0
    assert step([1.0]) == 1.0 and step([1.0, 1.0]) == 2.0
    assert calls == [2, 1, 3, 2]  # [1.0] was still cached; [x, y] had been dropped


def test_check_compares_the_first_call_with_eager_mode() -> None:
    """An op whose formula text disagrees with its float functions is caught."""
    scope = ops.add.formula.scope  # type: ignore[union-attr]
    wrong = Formula(("x",), "3.0 * x", ("3.0",), scope)
    twice = Op("twice", lambda x: 2.0 * x, lambda out, x: (2.0,), formula=wrong)
    w = Value(1.0)
    assert micrograd.compile(lambda x: twice(w * x))(1.0) == 3.0
    with pytest.raises(ValueError, match="differs from eager mode"):
        micrograd.compile(lambda x: twice(w * x), check=True)(1.0)
    assert micrograd.compile(lambda x: (w * x).tanh(), check=True)(1.0) == math.tanh(1.0)


@pytest.mark.parametrize(
    ("fn", "arg", "error", "op"),
    [
        (lambda x: x.log(), -1.0, ValueError, "log"),
        (lambda x: x.sqrt(), -1.0, ValueError, "sqrt"),
        (lambda x: 1.0 / x, 0.0, ZeroDivisionError, "/"),
        (lambda x: x.exp(), 1000.0, OverflowError, "exp"),
        (lambda x: x**0.5, -4.0, ValueError, "pow"),
    ],
)
def test_errors_are_the_eager_engines(fn, arg, error, op) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error) as eager:
        fn(Value(arg))
    step = micrograd.compile(fn)
    assert step(2.0) == fn(Value(2.0)).data
    with pytest.raises(error) as compiled:
        step(arg)
    assert op in str(compiled.value)
    assert type(compiled.value) is type(eager.value)


def test_bad_arguments_and_results_raise_type_error() -> None:
    step = micrograd.compile(lambda *xs: xs[0])
    for bad, what in [("a", "str"), (True, "bool"), (None, "NoneType"), ({1: 2}, "dict")]:
        with pytest.raises(TypeError, match=what):
            step(bad)
    with pytest.raises(TypeError, match="str"):
        step([1.0, ["x"]])
    with pytest.raises(TypeError, match="must return a Value, got float"):
        micrograd.compile(lambda x: 2.0)(1.0)
    with pytest.raises(TypeError, match="expected a function"):
        micrograd.compile(3)  # type: ignore[arg-type]


def test_nested_arguments_keep_lists_and_tuples() -> None:
    w = Value(3.0)
    seen = []

    def f(pairs: list[tuple[float, float]]) -> Value:
        seen.append(type(pairs[0]))
        return sum((w * a * b for a, b in pairs), 0.0)

    assert micrograd.compile(f)([(1.0, 2.0), (3, 4.0)]) == 3.0 * 14.0
    assert seen == [tuple]
    assert w.grad == 14.0


def test_compiled_code_keeps_only_the_leaves() -> None:
    gc.disable()
    try:
        w = Value(1.0)
        inner = []

        def f(x: Value) -> Value:
            h = (w * x).tanh()
            inner.append(weakref.ref(h))
            return h * h

        step = micrograd.compile(f)
        step(0.3)
        assert inner[0]() is None  # the traced graph is gone, with gc off
        assert step(0.3) == math.tanh(0.3) ** 2
    finally:
        gc.enable()


def graph_size(root: Value) -> int:
    """The number of Values in the graph of ``root`` (iteratively)."""
    seen, stack = {root}, [root]
    while stack:
        for p in stack.pop()._prev:
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return len(seen)


def test_a_graph_of_200_000_nodes_compiles() -> None:
    """A deep chain (no recursion anywhere) ending in a wide sum over 40,000 parameters,
    split into functions: the same value and gradients as ``backward``, bit for bit."""
    ws = [Value(0.5 + 1e-6 * i) for i in range(40_000)]

    def f(x: Value) -> Value:
        y = x
        for i in range(64_000):
            w = ws[i % len(ws)]
            y = (y * w).tanh() if i % 2 else y + w * 0.001
        return ops.total(y, *ws)

    root = f(Value(0.25))
    assert graph_size(root) >= 200_000
    root.backward()
    expected = [w.grad for w in ws]
    for w in ws:
        w.grad = 0.0
    step = micrograd.compile(f)
    assert step(0.25) == root.data
    assert [w.grad for w in ws] == expected
    assert step.source(0.25).count("def _chunk") > 5


# --- ops declared in their own scope ---------------------------------------------------------


def cube_of(x: float) -> float:
    """x^3, a function of this module that an op's formula text calls."""
    return x * x * x


CUBE = Op.from_text("cube", "cube_of(x)", ("3.0 * x * x",), scope=globals())


def run_fresh(source: str, *args: float) -> tuple[float, tuple[float, ...]]:
    """Run ``source`` in a namespace of its own: it must import what it uses."""
    return run_source(source, *args)


def test_ops_with_formulas_in_their_own_scope_compile_and_write_out() -> None:
    w = Value(1.5)
    step = micrograd.compile(lambda a: CUBE(w * a), check=True)
    assert step(2.0) == 27.0  # (1.5 * 2)^3
    assert w.grad == 3.0 * 1.5**2 * 2.0**3  # d/dw (w a)^3 = 3 w^2 a^3
    # to_python imports the function from its module; a label equal to it is not used
    for label in ("x", "cube_of"):
        source = micrograd.to_python(CUBE(Value(2.0, label=label)))
        assert f"from {__name__} import cube_of" in source
        assert run_fresh(source, 2.0) == (8.0, (12.0,))
    # the README's op: text in no names at all
    cube = Op.from_text("cube", "x * x * x", ("3.0 * x * x",), scope={}, doc="x^3")
    assert run_fresh(micrograd.to_python(cube(Value(3.0, label="x"))), 3.0) == (27.0, (27.0,))
    assert micrograd.compile(lambda a: cube(w * a))(2.0) == 27.0


def test_a_name_two_scopes_disagree_on_is_refused() -> None:
    def local_cube(x: float) -> float:
        return x**3

    mine = Op.from_text("cube", "cube_of(x)", ("3.0 * x * x",), scope={"cube_of": local_cube})
    x = Value(2.0, label="x")
    # compile runs it in the op's own namespace; to_python cannot import a local function
    assert micrograd.compile(lambda a: mine(a), check=True)(2.0) == 8.0
    with pytest.raises(TypeError, match=r"'cube_of'.*no module"):
        micrograd.to_python(mine(x))
    with pytest.raises(TypeError, match="'cube_of' different meanings"):
        micrograd.to_python(mine(x) + CUBE(x))
    with pytest.raises(TypeError, match="'cube_of' different meanings"):
        micrograd.compile(lambda a: mine(a) + CUBE(a))(2.0)


def test_labels_python_reads_as_other_names_are_not_used() -> None:
    """Python reads identifiers in NFKC form: fullwidth ｖ0 is v0, ｘ is x."""
    a, b = Value(2.0, label="ｖ0"), Value(3.0, label="p")
    root = a * b + b
    root.backward()
    value, grads = run_source(micrograd.to_python(root), 2.0, 3.0)
    assert (value, grads) == (9.0, (3.0, 3.0)) == (root.data, (a.grad, b.grad))
    x, x_wide = Value(2.0, label="x"), Value(3.0, label="ｘ")
    assert run_source(micrograd.to_python(x * x_wide), 2.0, 3.0) == (6.0, (3.0, 2.0))
    with pytest.raises(ValueError, match="taken"):
        micrograd.to_python(x * x_wide, name="ｓｕｍ")


def test_function_names_the_code_uses_are_refused() -> None:
    x = Value(0.5, label="x")
    root = x.tanh().exp()  # math.tanh, floatops.exp
    for name in ("math", "sum", "floatops", "inf", "tanh"):
        with pytest.raises(ValueError, match=f"name '{name}' is taken"):
            micrograd.to_python(root, name=name)
    namespace: dict[str, object] = {}
    exec(micrograd.to_python(root, name="f"), namespace)
    assert namespace["f"](0.5)[0] == math.exp(math.tanh(0.5))  # type: ignore[operator, index]


# --- compile: what it refuses and what it keeps ---------------------------------------------


def test_a_failing_check_keeps_the_parameters_gradients() -> None:
    w = Value(0.0)
    w.grad = 42.0
    with pytest.raises(ZeroDivisionError):
        micrograd.compile(lambda x: (w * x).sqrt(), check=True)(1.0)  # d sqrt at 0
    assert w.grad == 42.0


def test_the_trace_does_not_scan_the_heap(monkeypatch: pytest.MonkeyPatch) -> None:
    """The trace learns which Values were made while it ran from the engine, not from a
    scan of every object in memory: with that scan refused, a step still compiles and
    gives backward's value and gradients."""

    def refused() -> list[object]:
        raise AssertionError("compile scanned the heap")

    monkeypatch.setattr(gc, "get_objects", refused)
    w, b = Value(0.5), Value(-0.25)
    step = micrograd.compile(lambda x: (w * x + b).tanh() * x, check=True)
    value = step(2.0)
    w_eager, b_eager = Value(0.5), Value(-0.25)
    eager = (w_eager * 2.0 + b_eager).tanh() * 2.0
    eager.backward()
    assert value == eager.data
    assert (w.grad, b.grad) == (w_eager.grad, b_eager.grad)


def test_a_zero_gradient_through_an_infinite_derivative_passes_nothing() -> None:
    """backward skips a node whose gradient is 0: d/dw of relu(w c) + w at w = -1,
    c = inf is 1 (relu' = 0 there, and 0 * c is not formed), not nan."""
    w, c = Value(-1.0), Value(math.inf)
    root = (w * c).relu() + w
    root.backward()
    assert w.grad == 1.0
    w.grad = c.grad = 0.0
    step = micrograd.compile(lambda: (w * c).relu() + w, check=True)
    assert step() == -1.0
    assert w.grad == 1.0 and c.grad == 0.0
    # the code itself does not test for a zero gradient there (it would give nan: the
    # step is then run again by code that does, compiled on first use)
    source = step.source()
    assert not re.search(r"(?m)^\s*if ", source)
    assert "(p0 * p1)" not in source  # relu reads its input twice: not written in place
    w.grad = c.grad = 0.0
    w.data = 2.0  # relu' = 1: no zero gradient, so the test-free code's result stands
    assert step() == math.inf and w.grad == math.inf and c.grad == 2.0


def test_an_error_from_a_derivative_names_its_op() -> None:
    """d sqrt(x) / dx = 0.5 / sqrt(x) is not defined at 0: ZeroDivisionError, as in eager
    mode, named after the op (from the code that tests gradients, as the gradient is 1)."""
    w = Value(0.0)
    with pytest.raises(ZeroDivisionError) as eager:
        w.sqrt().backward()
    step = micrograd.compile(lambda x: (w * x).sqrt())
    with pytest.raises(ZeroDivisionError, match="sqrt") as compiled:
        step(1.0)
    assert "sqrt" in str(eager.value) and str(compiled.value) == "sqrt: float division by zero"
    assert w.grad == 0.0


def test_compile_refuses_bad_options_and_arguments() -> None:
    w = Value(1.0)
    with pytest.raises(TypeError, match="check must be True or False"):
        micrograd.compile(lambda x: w * x, check="yes")  # type: ignore[arg-type]
    step = micrograd.compile(lambda x: w * x)
    with pytest.raises(TypeError, match="bool at argument 0"):
        step(np.bool_(True))
    with pytest.raises(OverflowError, match=r"argument 0\[1\] is too large for a float"):
        step([1.0, 10**400])
    assert step(np.float64(2.0)) == 2.0 and step(3) == 3.0


def test_source_keeps_the_cache_bounded() -> None:
    w = Value(1.0)
    traced = []

    def f(xs: list[float]) -> Value:
        traced.append(len(xs))
        return sum((w * x for x in xs), 0.0)  # type: ignore[return-value]

    step = micrograd.compile(f, cache_size=1)
    for n in (1, 2, 3):
        step.source([1.0] * n)
    step([1.0] * 3)
    step([1.0])
    assert traced == [1, 2, 3, 1]  # only the last shape was kept


def test_a_lecture_style_op_is_refused_when_traced() -> None:
    """A node made the lecture's way (``Value(data, children, op)`` with a ``_backward``
    closure) has no forward function to compile."""

    def triple(x: Value) -> Value:
        out = Value(3.0 * x.data, (x,), "triple")

        def _backward() -> None:
            x.grad += 3.0 * out.grad

        out._backward = _backward
        return out

    with pytest.raises(TypeError, match=r"'triple'.*_backward"):
        micrograd.compile(triple)(1.0)
    with pytest.raises(TypeError, match="'triple'"):
        micrograd.to_python(triple(Value(1.0)))


def test_op_of_is_the_op_that_made_a_node() -> None:
    x, y = Value(2.0), Value(3.0)
    assert op_of(x * y) is ops.mul and op_of((x * y).tanh()) is ops.tanh
    assert op_of(x) is None and op_of(micrograd.engine.constant(1.0)) is None
    modules = sorted(Path(micrograd.codegen.__file__).parent.glob("*.py"))
    assert len(modules) > 1
    for module in modules:
        source = module.read_text(encoding="utf-8")
        assert "._rule" not in source, module  # codegen reads ops through op_of only


def test_many_bound_ops_keep_memory_bounded() -> None:
    """to_python of x ** c for thousands of different c: the caches stay bounded."""
    x = Value(2.0, label="x")

    def grow(start: int, n: int) -> int:
        gc.collect()
        before = sys.getallocatedblocks()
        for i in range(start, start + n):
            micrograd.to_python(x ** (1.0 + i * 1e-6))
        gc.collect()
        return sys.getallocatedblocks() - before

    grow(0, 9_000)  # fills the caches (8,192 entries at most)
    assert grow(9_000, 3_000) < 5_000  # 3,000 more exponents: no growth (unbounded: 21,000)


def test_written_out_code_uses_only_public_names() -> None:
    """Through every op of the table: no private name is imported or called, and the
    code, run on its own, gives backward's gradients."""
    x, y = Value(0.7, label="x"), Value(1.3, label="y")
    h = ops.linear([x, y], [y, x], 0.5)
    parts = [
        (x + y) * (x - y) / y,
        x**y + y**2.0 + abs(-x),
        (-x).exp() + y.log() + y.sqrt() + x.tanh() + x.sigmoid(),
        h.relu() + h.softplus() + ops.leaky_relu(x - y, 0.1) + ops.identity(x),
        ops.total(x, y) + ops.relu_affine(h, x, y),
    ]
    root = ops.total(*parts)
    root.backward()
    source = micrograd.to_python(root)
    imports = [line for line in source.splitlines() if "import" in line]
    assert all(not name.startswith("_") for line in imports for name in re.findall(r"\w+", line))
    assert not re.search(r"(?<![\w.])_\w+\(", source), source  # no private function called
    assert "floatops.step(" in source  # relu's derivative, by a readable name
    value, grads = run_source(source, 0.7, 1.3)
    assert value == root.data and grads == (x.grad, y.grad)


def test_formula_text_with_non_ascii_input_names_is_written_with_the_graphs_names() -> None:
    scope = {"math": math}
    op = Op.from_text(
        "λμ_test", "math.exp(λ) * μ", ("out", "math.exp(λ)"), 2, scope=scope, inputs=("λ", "μ")
    )
    a, b = Value(0.5, label="a"), Value(3.0, label="b")
    out = op(a, b)
    out.backward()
    source = micrograd.to_python(out)
    assert "λ" not in source and "μ" not in source
    value, grads = run_source(source, 0.5, 3.0)
    assert (value, grads) == (out.data, (a.grad, b.grad))
    assert micrograd.compile(lambda x: op(x, 3.0) * x)(-1.25) == op(-1.25, 3.0) * -1.25


# --- compile against eager mode: guards, what falls back, what is refused -----------------


def eager_step(fn, w: Value, *args):  # type: ignore[no-untyped-def]
    """The oracle: ``out = fn(*args); out.backward()`` on new leaves, as eager mode does
    it, with ``w``'s gradient of this call alone: (value, d out / d w)."""
    saved, w.grad = w.grad, 0.0
    out = fn(*(Value(a) for a in args))
    out.backward()
    result = (out.data, w.grad)
    w.grad = saved
    return result


def compiled_step(step, w: Value, *args):  # type: ignore[no-untyped-def]
    saved, w.grad = w.grad, 0.0
    result = (step(*args), w.grad)
    w.grad = saved
    return result


def test_python_control_flow_on_traced_numbers_follows_every_call() -> None:
    """Comparisons, max/sorted, float/int/round/floor/format and raw .data reads are
    guarded: a call where one comes out otherwise than traced gives eager mode's result."""
    w = Value(1.5)
    fns = [
        lambda x: w * x if x.data > 0 else w - x,
        lambda x: w * x if x > 0 else w - x,
        lambda x: w * x if w * x >= 1.0 else (w * x).tanh(),
        lambda x: w * max(x, x * x, -x),
        lambda x: sorted([x, w, x * w])[1] * w,
        lambda x: w * x * float(x),
        lambda x: w * x + int(x) + round(x) + math.floor(x) + math.ceil(x) + math.trunc(x),
        lambda x: w * x * float(f"{x:.1f}"),
        lambda x: w * Value(x.data * 2.0),
        lambda x: x * (w * x).detach() + w,
        lambda x: x * copy.copy(w) + w,
    ]
    for fn in fns:
        step = micrograd.compile(fn)
        for x in (2.0, -3.0, 0.25, 2.0, -3.0, -3.0, 7.5, -0.5):
            assert compiled_step(step, w, x) == eager_step(fn, w, x), x
        w.data = -0.75  # a parameter's new value: guards read it on the next call
        for x in (2.0, -3.0):
            assert compiled_step(step, w, x) == eager_step(fn, w, x), x
        w.data = 1.5


def test_a_miss_seen_twice_gets_a_program_of_its_own() -> None:
    w = Value(2.0)
    calls = []

    def fn(x: Value) -> Value:
        return w * x if x > 0 else w - x

    def counted(x: Value) -> Value:
        calls.append(None)
        return fn(x)

    step = micrograd.compile(counted)
    xs = (1.0, -1.0, -2.0, -3.0, 4.0, -5.0)
    assert [compiled_step(step, w, x) for x in xs] == [eager_step(fn, w, x) for x in xs]
    # traced at 1.0; -1.0 misses and runs in eager mode; -2.0 misses the same way and is
    # traced; the two programs serve the rest
    assert len(calls) == 3
    line = fn.__code__.co_firstlineno + 1
    told = [
        f"a comparison (>) read from Value(data={x}, grad=0.0) at {__file__}:{line}"
        for x in (1.0, -2.0)
    ]
    assert step.guards(0.0) == told


def test_guards_are_checked_before_any_gradient_is_written() -> None:
    """A call whose guards fail runs in eager mode: the traced program, which would
    raise here (log of a negative number), is not run."""
    w = Value(1.0)

    def fn(x: Value) -> Value:
        return (w * x).log() if x > 0 else w * x

    step = micrograd.compile(fn)
    step(2.0)
    w.grad = 0.0
    assert step(-1.0) == -1.0 and w.grad == -1.0


def test_a_node_computed_before_the_trace_is_refused() -> None:
    w = Value(2.0)
    w3 = w * 3.0
    with pytest.raises(TypeError, match=r"computed before the trace.*\.detach\(\)"):
        micrograd.compile(lambda x: w3 * x)(1.0)
    detached = w3.detach()
    step = micrograd.compile(lambda x: detached * x)
    assert step(2.0) == 12.0 and detached.grad == 2.0
    # read as a number (a guard), a node made before is its stored data, as in eager mode
    w4 = w * 4.0
    fn = lambda x: w * x if w4 > 5.0 else -x  # noqa: E731
    step = micrograd.compile(fn)
    assert compiled_step(step, w, 1.0) == eager_step(fn, w, 1.0)
    w.data = 1.0  # w4 keeps its data 8.0
    assert compiled_step(step, w, 1.0) == eager_step(fn, w, 1.0) == (1.0, 1.0)


def test_under_no_grad_a_compiled_call_adds_no_gradient() -> None:
    w = Value(2.0)
    step = micrograd.compile(lambda x: (w * x).log())
    with micrograd.no_grad():
        assert step(3.0) == math.log(6.0)  # traced under no_grad too
        assert w.grad == 0.0
        # the derivative is not needed: no error where only it is undefined
        assert micrograd.compile(lambda x: (w * x).sqrt())(0.0) == 0.0
        with pytest.raises(ValueError, match="log"):
            step(-1.0)
    assert step(3.0) == math.log(6.0) and w.grad == 0.5


def test_values_made_from_numbers_in_the_trace_are_constants() -> None:
    w = Value(2.0)

    def fn(xs: list[float]) -> Value:
        return sum((w * x for x in xs), Value(0.0)) * Value(0.5)

    step = micrograd.compile(fn, check=True)
    for xs in ([1.0, 2.0], [3.0, -4.0]):
        w.grad = 0.0
        assert step(xs) == sum(w.data * x for x in xs) * 0.5
        assert w.grad == sum(xs) * 0.5


def test_results_under_no_grad_in_the_trace_stay_refused_naming_where() -> None:
    w = Value(2.0)

    def under_no_grad(x: Value) -> Value:
        with micrograd.no_grad():
            c = x * 2
        return w * c

    with pytest.raises(TypeError, match=r"under no_grad.*test_codegen\.py:\d+") as refused:
        micrograd.compile(under_no_grad)(1.0)
    assert "Value(data=2.0" in str(refused.value)
    assert w.grad == 0.0


def test_check_runs_fn_again_in_eager_mode() -> None:
    """A number fn draws anew on each call is frozen by the trace: the eager run of
    check=True draws another, and the difference is caught."""
    import random

    w = Value(1.0)
    step = micrograd.compile(lambda x: w * x * random.uniform(1.0, 2.0), check=True)
    with pytest.raises(ValueError, match="differs from eager mode"):
        step(1.0)


def test_what_a_compiled_call_skips_compared_with_eager_mode() -> None:
    """As the docstring says: an op whose result does not reach the output is not run
    (its error is not raised), and a derivative is not evaluated where the gradient that
    reaches it is 0 (as in backward)."""
    w = Value(1.0)

    def unused_log(x: Value) -> Value:
        x.log()
        return w * x

    with pytest.raises(ValueError, match="log"):
        unused_log(Value(-1.0))
    step = micrograd.compile(unused_log)
    assert step(1.0) == 1.0 and step(-1.0) == -1.0
    dead = lambda x: (w * x).sqrt() * 0.0 + w  # noqa: E731
    assert compiled_step(micrograd.compile(dead), w, 0.0) == eager_step(dead, w, 0.0)


def test_arguments_nested_thousands_deep() -> None:
    w = Value(1.0)
    nested: list[object] = [2.0]
    for _ in range(3_000):
        nested = [nested]

    def innermost(xs):  # type: ignore[no-untyped-def]
        while isinstance(xs, list):
            xs = xs[0]
        return w * xs

    step = micrograd.compile(innermost)
    assert step(nested) == 2.0 and w.grad == 2.0
    nested_tuple: tuple[object, ...] = ("x",)
    for _ in range(3_000):
        nested_tuple = (nested_tuple,)
    with pytest.raises(TypeError, match=r"str at argument 0\[0\]\[0\]"):
        step(nested_tuple)
