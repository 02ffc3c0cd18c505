"""Losses against torch.nn.functional in float64 (values and gradients), plus input checks."""

import math

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import micrograd
from micrograd import Value
from micrograd.losses import binary_cross_entropy, cross_entropy, hinge, l2, mse

from helpers import needs_torch, tensor, torch

F = None if torch is None else torch.nn.functional

RTOL = 1e-12

finite = st.floats(-10, 10, allow_nan=False)


def close(a, b, rtol=RTOL, atol=1e-15):
    return abs(a - b) <= rtol * abs(b) + atol


def ours(xs):
    return [Value(x) for x in xs]


def assert_matches(loss, t_loss, values, t_values, atol=1e-15):
    """Loss and the gradient of every listed input agree with torch's."""
    loss.backward()
    t_loss.backward()
    assert close(loss.data, t_loss.item(), atol=atol), (loss.data, t_loss.item())
    for vs, t in zip(values, t_values):
        for v, g in zip(vs, t.grad.tolist()):
            assert close(v.grad, g, atol=atol), (v.grad, g)


pairs = st.integers(1, 8).flatmap(
    lambda n: st.tuples(
        st.lists(finite, min_size=n, max_size=n), st.lists(finite, min_size=n, max_size=n)
    )
)


@needs_torch
@settings(max_examples=60, deadline=None)
@given(pairs, st.sampled_from(["mean", "sum"]))
def test_mse_matches_torch(data, reduction):
    p, t = data
    ps, ts = ours(p), ours(t)
    tp, tt = tensor(p), tensor(t)
    assert_matches(
        mse(ps, ts, reduction), F.mse_loss(tp, tt, reduction=reduction), [ps, ts], [tp, tt]
    )


@needs_torch
@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(finite, st.sampled_from([-1, 1])), min_size=1, max_size=10))
def test_hinge_matches_torch(data):
    s = [x for x, _ in data]
    y = [label for _, label in data]
    ss, ts = ours(s), tensor(s)
    t_loss = torch.relu(1 - torch.tensor(y, dtype=torch.float64) * ts).mean()
    assert_matches(hinge(ss, y), t_loss, [ss], [ts])


def test_hinge_is_zero_beyond_the_margin_and_linear_inside():
    s = Value(0.25)
    loss = hinge([s, 3.0], [1, 1])  # (relu(1 - 0.25) + relu(1 - 3)) / 2
    loss.backward()
    assert (loss.data, s.grad) == (0.375, -0.5)


@needs_torch
@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(-30, 30), st.one_of(st.sampled_from([0.0, 1.0]), st.floats(0, 1))),
        min_size=1,
        max_size=6,
    ),
    st.sampled_from(["mean", "sum"]),
)
def test_binary_cross_entropy_matches_torch(data, reduction):
    z = [x for x, _ in data]
    t = [y for _, y in data]
    zs, tz = ours(z), tensor(z)
    t_loss = F.binary_cross_entropy_with_logits(
        tz, torch.tensor(t, dtype=torch.float64), reduction=reduction
    )
    # torch's own float64 rounding near 0 is ~1e-15 absolute (it subtracts nearly equal
    # terms for confident logits), hence the absolute tolerance next to the relative one.
    assert_matches(binary_cross_entropy(zs, t, reduction), t_loss, [zs], [tz], atol=1e-14)


@pytest.mark.parametrize("z", [-1000.0, -40.0, -30.0, -1e-9, 0.0, 1e-9, 17.0, 30.0, 40.0, 1000.0])
@pytest.mark.parametrize("t", [0.0, 0.3, 1.0])
def test_binary_cross_entropy_is_accurate_for_any_logit(z, t):
    """Against softplus(z) - z t and its derivative sigmoid(z) - t in 50-digit arithmetic."""
    mpmath.mp.dps = 50
    zm = mpmath.mpf(z)
    exact_loss = float(mpmath.log1p(mpmath.exp(zm)) - zm * mpmath.mpf(t))
    exact_grad = float(1 / (1 + mpmath.exp(-zm)) - mpmath.mpf(t))
    v = Value(z)
    loss = binary_cross_entropy(v, t)
    loss.backward()
    assert math.isfinite(loss.data) and math.isfinite(v.grad)
    assert close(loss.data, exact_loss, rtol=1e-13, atol=0.0), (loss.data, exact_loss)
    assert close(v.grad, exact_grad, rtol=1e-13, atol=1e-300), (v.grad, exact_grad)


def test_binary_cross_entropy_gradient_at_zero_is_half_minus_target():
    z = Value(0.0)
    binary_cross_entropy([z], [0.2]).backward()
    assert z.grad == pytest.approx(0.3, abs=1e-16)  # sigmoid(0) - t


@needs_torch
def test_binary_cross_entropy_gradient_reaches_value_targets():
    z, t = Value(0.7), Value(0.4)
    tz, tt = tensor([0.7]), tensor([0.4])
    loss = binary_cross_entropy([z], [t])
    assert_matches(loss, F.binary_cross_entropy_with_logits(tz, tt), [[z], [t]], [tz, tt])


logit_rows = st.integers(2, 5).flatmap(
    lambda n: st.tuples(st.lists(finite, min_size=n, max_size=n), st.integers(0, n - 1))
)


@needs_torch
@settings(max_examples=60, deadline=None)
@given(logit_rows)
def test_cross_entropy_matches_torch(data):
    z, y = data
    zs, tz = ours(z), tensor(z)
    t_loss = F.cross_entropy(tz.unsqueeze(0), torch.tensor([y]))
    assert_matches(cross_entropy(zs, y), t_loss, [zs], [tz])


@needs_torch
@settings(max_examples=40, deadline=None)
@given(
    st.integers(2, 4).flatmap(
        lambda n: st.lists(
            st.tuples(st.lists(finite, min_size=n, max_size=n), st.integers(0, n - 1)),
            min_size=1,
            max_size=4,
        )
    ),
    st.sampled_from(["mean", "sum"]),
)
def test_batched_cross_entropy_matches_torch(batch, reduction):
    rows = [ours(z) for z, _ in batch]
    targets = [y for _, y in batch]
    tz = tensor([z for z, _ in batch])
    t_loss = F.cross_entropy(tz, torch.tensor(targets), reduction=reduction)
    loss = cross_entropy(rows, targets, reduction)
    loss.backward()
    t_loss.backward()
    assert close(loss.data, t_loss.item())
    for row, t_row in zip(rows, tz.grad.tolist()):
        assert all(close(v.grad, g) for v, g in zip(row, t_row))


@needs_torch
def test_cross_entropy_is_finite_for_huge_logits():
    z = [1000.0, -1000.0, 999.0]
    zs, tz = ours(z), tensor(z)
    loss = cross_entropy(zs, 2)
    assert_matches(loss, F.cross_entropy(tz.unsqueeze(0), torch.tensor([2])), [zs], [tz])
    # -log softmax_2 = log(e^1 + e^-2000 + 1) ≈ log(1 + e); the gradient is softmax - onehot
    assert loss.data == pytest.approx(math.log(1 + math.e), rel=1e-15)
    assert zs[0].grad == pytest.approx(math.e / (1 + math.e), rel=1e-15)


@needs_torch
@settings(max_examples=40, deadline=None)
@given(st.lists(finite, min_size=1, max_size=20))
def test_l2_matches_torch(p):
    ps, tp = ours(p), tensor(p)
    assert_matches(l2(ps), (tp**2).sum(), [ps], [tp])


def test_numpy_inputs():
    s = ours([0.5, -2.0, 0.1])
    labels = np.array([1, -1, -1])  # numpy integers, as in micrograd's demo
    loss = hinge(s, labels)
    assert loss.data == pytest.approx((0.5 + 0.0 + 1.1) / 3, rel=1e-15)
    assert mse(np.array([1.0, 2.0]), np.array([0.0, 0.0])).data == 2.5
    assert cross_entropy(np.zeros(4), np.int64(3)).data == pytest.approx(math.log(4), rel=1e-15)
    batch = cross_entropy(np.zeros((2, 3)), np.array([0, 2]))
    assert batch.data == pytest.approx(math.log(3), rel=1e-15)


def test_plain_numbers_give_a_value():
    loss = mse(3.0, 1.0)
    assert isinstance(loss, Value) and loss.data == 4.0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: mse([1.0, 2.0], [1.0]), "2 predictions but 1 targets"),
        (lambda: mse([], []), "predictions is empty"),
        (lambda: mse([1.0], [1.0], reduction="max"), "reduction must be 'mean' or 'sum'"),
        (lambda: hinge([1.0, 2.0], [1, 0]), "labels must be -1 or \\+1, got 0 at position 1"),
        (lambda: hinge([1.0], [1, 1]), "1 scores but 2 labels"),
        (lambda: hinge([1.0], [1], reduction=None), "reduction"),
        (lambda: binary_cross_entropy([1.0], [1.5]), "targets must be in \\[0, 1\\], got 1.5"),
        (lambda: binary_cross_entropy([1.0, 2.0], [1.0]), "2 logits but 1 targets"),
        (lambda: cross_entropy([1.0, 2.0], 2), "target 2 is out of range for 2 classes"),
        (lambda: cross_entropy([1.0, 2.0], -1), "target -1 is out of range"),
        (lambda: cross_entropy([], 0), "logits is empty"),
        (lambda: cross_entropy([[1.0, 2.0]], [0, 1]), "1 rows of logits but 2 targets"),
        (lambda: cross_entropy([[1.0, 2.0], [1.0]], [0, 0]), "same number of classes"),
        (lambda: cross_entropy([[1.0, 2.0]], [5]), "target 5 is out of range .* at position 0"),
        (lambda: l2([]), "parameters is empty"),
    ],
)
def test_bad_input_raises_value_error_naming_it(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize(
    "call",
    [
        lambda: cross_entropy([1.0, 2.0], True),
        lambda: cross_entropy([[1.0, 2.0]], [1.0]),
        lambda: hinge([1.0], [Value(1.0)]),
        lambda: mse(object(), [1.0]),
    ],
)
def test_wrong_types_raise_type_error(call):
    with pytest.raises(TypeError):
        call()


# --- the losses compiled: one program for every logit, equal to eager mode bit for bit ---

LOGITS = [0.0, 1e-300, -1e-300, 1.0, -1.0, 40.0, -40.0, 1000.0, -1000.0, 1e300]


def bce_of(w, x):
    return binary_cross_entropy([w * x, x], [0.25, 1.0])


def ce_of(w, x):
    return cross_entropy([[w * x, 0.5 * x, 3.0 - x], [x, w, 0.0]], [1, 0])


def eager(loss_of, x):
    w = Value(1.5)
    loss = loss_of(w, Value(x))
    loss.backward()
    return loss.data, w.grad


@pytest.mark.parametrize("loss_of", [bce_of, ce_of], ids=["bce", "cross_entropy"])
def test_compiled_losses_equal_eager_mode_bit_for_bit_at_any_logit(loss_of):
    w = Value(1.5)
    step = micrograd.compile(lambda x: loss_of(w, x))
    step(0.5)  # traced at 0.5: nothing of that call is kept but the program
    for x in LOGITS:
        w.grad = 0.0
        value = step(x)
        assert (value, w.grad) == eager(loss_of, x), x


@needs_torch
@pytest.mark.parametrize("x", LOGITS)
def test_bce_and_cross_entropy_match_torch_at_any_logit(x):
    value, grad = eager(bce_of, x)
    w, tx = tensor(1.5), torch.tensor(x, dtype=torch.float64)
    logits = torch.stack([w * tx, tx])
    t_loss = F.binary_cross_entropy_with_logits(
        logits, torch.tensor([0.25, 1.0], dtype=torch.float64)
    )
    t_loss.backward()
    assert close(value, t_loss.item(), atol=1e-300), (value, t_loss.item())
    assert close(grad, w.grad.item(), atol=1e-300), (grad, w.grad.item())

    value, grad = eager(ce_of, x)
    w = tensor(1.5)
    zero = torch.tensor(0.0, dtype=torch.float64)
    rows = torch.stack([torch.stack([w * tx, 0.5 * tx, 3.0 - tx]), torch.stack([tx, w, zero])])
    t_loss = F.cross_entropy(rows, torch.tensor([1, 0]))
    t_loss.backward()
    assert close(value, t_loss.item(), atol=1e-300), (value, t_loss.item())
    assert close(grad, w.grad.item(), atol=1e-300), (grad, w.grad.item())


def test_compiled_bce_follows_the_logit_across_zero():
    w = Value(1.0)
    step = micrograd.compile(lambda x: binary_cross_entropy(w * x, 1.0), check=True)
    step(40.0)
    w.grad = 0.0
    value = step(-3.0)
    expected = math.log1p(math.exp(3.0))  # softplus(-3) + 3: log(1 + e^3)
    assert close(value, expected) and close(w.grad, -3.0 * (1.0 / (1.0 + math.exp(3.0)) - 1.0))


def test_compiled_cross_entropy_follows_the_largest_logit():
    step = micrograd.compile(lambda z: cross_entropy(z, 0))
    step([0.0, 1.0])
    assert close(step([1000.0, 1001.0]), math.log1p(math.exp(1.0)), rtol=1e-12)


def test_compiled_bce_checks_traced_targets_on_every_call():
    """The targets' range check is a comparison: guarded, so a target out of range on a
    later call raises as in eager mode, and targets in range use the program."""
    w = Value(1.0)
    step = micrograd.compile(lambda z, t: binary_cross_entropy(w * z, t))
    for z, t in ((0.5, 0.25), (-2.0, 0.75)):
        w.grad = 0.0
        value = step(z, t)
        eager_w = Value(1.0)
        loss = binary_cross_entropy(eager_w * z, t)
        loss.backward()
        assert (value, w.grad) == (loss.data, eager_w.grad)
    assert step.guards(0.0, 0.0) and len(step.guards(0.0, 0.0)) == 2  # 0 <= t, t <= 1
    with pytest.raises(ValueError, match=r"targets must be in \[0, 1\], got 2\.0"):
        step(0.5, 2.0)
