"""SGD and Adam stepped side by side with torch.optim in float64 from the same start."""

import math

import pytest

from micrograd import Value
from micrograd.optim import SGD, Adam

from helpers import needs_torch, torch

START = [0.5, -1.2, 2.0, 0.03, -0.7]
A = [1.5, -0.5, 0.8, 2.0, -1.1]


def objective(p, tanh):
    """A small non-quadratic problem: sum_i (a_i p_i - 1)^2 + tanh(p_0 p_1) + p_2 p_3 p_4."""
    fit = sum((a * x - 1) ** 2 for a, x in zip(A, p))
    return fit + tanh(p[0] * p[1]) + p[2] * p[3] * p[4]


def run_ours(make, steps, lrs=None):
    params = [Value(x) for x in START]
    opt = make(params)
    for k in range(steps):
        if lrs is not None:
            opt.lr = lrs[k]
        opt.zero_grad()
        objective(params, Value.tanh).backward()
        opt.step()
    return [p.data for p in params]


def run_torch(make, steps, lrs=None):
    params = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in START]
    opt = make(params)
    for k in range(steps):
        if lrs is not None:
            opt.param_groups[0]["lr"] = lrs[k]
        opt.zero_grad()
        objective(params, torch.tanh).backward()
        opt.step()
    return [p.item() for p in params]


def assert_same(ours, theirs):
    assert ours != START  # the parameters did move
    for a, b in zip(ours, theirs):
        assert abs(a - b) <= 1e-10 * max(1.0, abs(b)), (ours, theirs)


@needs_torch
@pytest.mark.parametrize("momentum", [0.0, 0.9])
@pytest.mark.parametrize("weight_decay", [0.0, 0.01])
def test_sgd_matches_torch(momentum, weight_decay):
    kw = {"lr": 0.05, "momentum": momentum, "weight_decay": weight_decay}
    assert_same(
        run_ours(lambda p: SGD(p, **kw), 8),
        run_torch(lambda p: torch.optim.SGD(p, **kw), 8),
    )


@needs_torch
def test_sgd_learning_rate_can_change_between_steps():
    lrs = [1.0 - 0.9 * k / 6 for k in range(6)]
    kw = {"lr": 1.0, "momentum": 0.5}
    assert_same(
        run_ours(lambda p: SGD(p, **kw), 6, lrs),
        run_torch(lambda p: torch.optim.SGD(p, **kw), 6, lrs),
    )


@needs_torch
@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"lr": 0.05},
        {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1},
        {"lr": 0.01, "betas": (0.0, 0.5)},
    ],
)
def test_adam_matches_torch(kw):
    assert_same(
        run_ours(lambda p: Adam(p, **kw), 10),
        run_torch(lambda p: torch.optim.Adam(p, **kw), 10),
    )


def test_first_sgd_steps_by_hand():
    # f = w^2, grad 2w. Momentum 0.5, lr 0.1: buffer = g1, then 0.5 b + g2.
    w = Value(1.0)
    opt = SGD([w], lr=0.1, momentum=0.5)
    (w * w).backward()
    opt.step()
    assert w.data == pytest.approx(1.0 - 0.1 * 2.0)  # b = 2
    opt.zero_grad()
    assert w.grad == 0.0
    (w * w).backward()
    opt.step()
    assert w.data == pytest.approx(0.8 - 0.1 * (0.5 * 2.0 + 1.6))


def test_first_adam_step_moves_by_lr():
    # After bias correction the first update is lr * g / (|g| + eps'): lr in the sign of -g.
    w = Value(3.0)
    opt = Adam([w], lr=0.01, eps=0.0)
    (w * w).backward()
    opt.step()
    assert w.data == pytest.approx(3.0 - 0.01, rel=1e-15)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: SGD(p, lr=-0.1), "lr must be non-negative"),
        (lambda p: SGD(p, lr=math.nan), "lr must be non-negative"),
        (lambda p: SGD(p, lr=0.1, momentum=-0.9), "momentum"),
        (lambda p: SGD(p, lr=0.1, weight_decay=-1.0), "weight_decay"),
        (lambda p: Adam(p, lr=-1.0), "lr"),
        (lambda p: Adam(p, betas=(1.0, 0.999)), r"betas\[0\] must be in \[0, 1\)"),
        (lambda p: Adam(p, betas=(0.9, -0.1)), r"betas\[1\]"),
        (lambda p: Adam(p, eps=-1e-8), "eps"),
        (lambda p: Adam(p, weight_decay=-0.1), "weight_decay"),
        (lambda p: SGD([], lr=0.1), "empty parameter list"),
        (lambda p: Adam(iter([])), "empty parameter list"),
    ],
)
def test_invalid_hyper_parameters(make, message):
    with pytest.raises(ValueError, match=message):
        make([Value(1.0)])


def test_parameters_must_be_values():
    with pytest.raises(TypeError, match="must be Values, got float"):
        SGD([1.0], lr=0.1)


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.1, momentum=0.9), Adam])
def test_a_step_after_create_graph_uses_the_gradients_value(make):
    p = Value(2.0)
    plain = Value(2.0)
    (p * p * p).backward(create_graph=True)  # p.grad is a Value: 3 p^2 = 12
    (plain * plain * plain).backward()
    assert isinstance(p.grad, Value) and p.grad.data == plain.grad == 12.0
    make([p]).step()
    make([plain]).step()
    assert type(p.data) is float and p.data == plain.data


# -- a step that raises changes nothing; bad settings are refused ---------------------


def _state(opt):
    extra = (opt.t, list(opt.m), list(opt.v)) if isinstance(opt, Adam) else list(opt.buffers)
    return [p.data for p in opt.params], [p.grad for p in opt.params], extra


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: Adam(ps, lr=0.1, eps=0.0),
        lambda ps: Adam(ps, lr=0.1, eps=0.0, weight_decay=0.1),
    ],
)
def test_adam_with_eps_zero_at_a_zero_gradient_raises_and_changes_nothing(make):
    params = [Value(1.0), Value(2.0), Value(0.0)]
    params[0].grad = params[1].grad = 0.5  # updated before the third would fail
    opt = make(params)
    before = _state(opt)
    for _ in range(2):
        with pytest.raises(ZeroDivisionError, match="parameter 2"):
            opt.step()
        assert _state(opt) == before
    params[2].grad = 1.0  # with every gradient nonzero the same optimizer steps
    opt.step()
    assert opt.t == 1 and params[0].data == pytest.approx(0.9)


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: SGD(ps, lr=0.1, momentum=0.9),
        lambda ps: Adam(ps, lr=0.1),
    ],
)
def test_a_gradient_that_is_not_a_number_raises_and_changes_nothing(make):
    params = [Value(1.0), Value(2.0)]
    params[0].grad = 0.5
    opt = make(params)
    opt.step()
    params[1].grad = None
    before = _state(opt)
    with pytest.raises(TypeError, match="parameter 1 has a gradient that is not a number"):
        opt.step()
    assert _state(opt) == before


def test_a_learning_rate_changed_to_a_string_raises_and_changes_nothing():
    params = [Value(1.0), Value(2.0)]
    params[0].grad = params[1].grad = 1.0
    opt = SGD(params, lr=0.1, momentum=0.5)
    opt.step()
    opt.lr = "0.1"
    before = _state(opt)
    with pytest.raises(TypeError):
        opt.step()
    assert _state(opt) == before


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda p: SGD(p, lr="0.1"), TypeError, "lr must be a real number"),
        (lambda p: SGD(p, lr=0.1, momentum=None), TypeError, "momentum must be a real"),
        (lambda p: SGD(p, lr=-0.1), ValueError, "lr must be non-negative"),
        (lambda p: SGD(p, lr=math.nan), ValueError, "lr must be non-negative"),
        (lambda p: Adam(p, betas=0.9), TypeError, "betas must be a pair"),
        (lambda p: Adam(p, betas=(0.9,)), TypeError, "betas must be a pair"),
        (lambda p: Adam(p, betas=(0.9, "0.999")), TypeError, r"betas\[1\] must be a real"),
        (lambda p: Adam(p, betas=(1.0, 0.999)), ValueError, r"betas\[0\] must be in \[0, 1\)"),
        (lambda p: Adam(p, eps="1e-8"), TypeError, "eps must be a real number"),
        (lambda p: Adam(p, weight_decay=True), TypeError, "weight_decay must be a real number"),
        (lambda p: SGD([*p, p[0]], lr=0.1), ValueError, "parameter 2 is parameter 0 again"),
    ],
)
def test_bad_settings_are_refused_naming_the_argument(make, error, message):
    with pytest.raises(error, match=message):
        make([Value(1.0), Value(2.0)])


def test_numpy_settings_are_accepted():
    np = pytest.importorskip("numpy")
    p = Value(1.0)
    p.grad = 2.0
    opt = SGD([p], lr=np.float64(0.25), momentum=np.float32(0.0))
    opt.step()
    assert p.data == 0.5


@needs_torch
def test_adam_without_momentum_keeps_a_tiny_gradient_after_a_huge_one():
    """betas[0] = 0: the first moment is the latest gradient itself, as in PyTorch, not
    m + 1 * (g - m), which loses 1e-7 after 1e10."""
    w = Value(1.0)
    opt = Adam([w], lr=0.1, betas=(0.0, 0.999))
    t = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    topt = torch.optim.Adam([t], lr=0.1, betas=(0.0, 0.999))
    for g in (1e10, 1e-7):
        w.grad = g
        opt.step()
        t.grad = torch.tensor(g, dtype=torch.float64)
        topt.step()
    assert opt.m == [1e-7]
    assert w.data == t.item()


@pytest.mark.parametrize("make", [lambda p: SGD(p, lr=0.1), lambda p: Adam(p)])
def test_a_model_given_for_its_parameters_says_what_to_pass(make):
    from micrograd.nn import MLP

    with pytest.raises(TypeError, match=r"pass its parameters, mlp\.parameters\(\)"):
        make(MLP(2, [3, 1]))
