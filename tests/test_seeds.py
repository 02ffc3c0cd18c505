"""The engine reproduces hand-derived backprop: worked examples and vectorized equations.

Each oracle is computed independently of the engine: closed-form derivatives, a
step-by-step backward pass written out by hand, or the matrix form of backprop in numpy.
"""

import math
import random

import numpy as np
import pytest

from micrograd import Value, linear
from micrograd.nn import MLP

from helpers import sigmoid

# ---------------------------------------------------------------------------
# Chain rule on one variable
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("x", [-1.3, -0.4, 0.0, 0.25, 2.0])
def test_cube_of_affine_map(x):
    """g(x) = (5x + 2)^3: g'(x) = 3 (5x + 2)^2 * 5 = 15 (5x + 2)^2."""
    v = Value(x)
    inner = 5 * v + 2  # dg/dinner = 3 inner^2, dinner/dx = 5
    g = inner**3
    g.backward()
    assert g.data == pytest.approx((5 * x + 2) ** 3, rel=1e-15)
    assert inner.grad == pytest.approx(3 * (5 * x + 2) ** 2, rel=1e-15)
    assert v.grad == pytest.approx(15 * (5 * x + 2) ** 2, rel=1e-15)


def test_quadratic_derivative_at_four():
    """f(x) = 2x^2 + 3x + 1: f(4) = 45 and f'(4) = 4x + 3 = 19."""
    x = Value(4.0)
    f = 2 * x**2 + 3 * x + 1
    f.backward()
    assert (f.data, x.grad) == (45.0, 19.0)


# ---------------------------------------------------------------------------
# f(x, y) = (x + sigmoid(y)) / (x^2 + y), backpropagated stage by stage
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "build_sigmoid",
    [Value.sigmoid, lambda y: 1.0 / (1 + (-y).exp())],
    ids=["sigmoid-op", "from-exp"],
)
def test_staged_backward_of_a_two_variable_function(build_sigmoid):
    x0, y0 = 3.0, -4.0
    # forward pass by hand
    a0 = 1.0 / (1.0 + math.exp(-y0))
    b0 = x0 + a0
    c0 = x0**2
    d0 = y0 + c0
    e0 = 1.0 / d0
    f0 = b0 * e0
    # backward pass by hand, in reverse order; x and y fork, so they accumulate
    delta_b = e0  # f = b * e
    delta_e = b0
    delta_d = delta_e * (-1.0 / d0**2)  # e = 1 / d
    delta_y = delta_d * 1.0  # d = y + c
    delta_c = delta_d * 1.0
    delta_x = delta_c * (2 * x0)  # c = x^2
    delta_x += delta_b * 1.0  # b = x + a
    delta_a = delta_b * 1.0
    delta_y += delta_a * (1 - a0) * a0  # a = sigmoid(y)

    x, y = Value(x0, label="x"), Value(y0, label="y")
    a = build_sigmoid(y)
    b = x + a
    c = x**2
    d = y + c
    e = 1.0 / d
    f = b * e
    f.backward()

    for node, value in [(a, a0), (b, b0), (c, c0), (d, d0), (e, e0), (f, f0)]:
        assert node.data == pytest.approx(value, rel=1e-15)
    for node, delta in [
        (b, delta_b),
        (e, delta_e),
        (d, delta_d),
        (c, delta_c),
        (a, delta_a),
        (x, delta_x),
        (y, delta_y),
    ]:
        assert node.grad == pytest.approx(delta, rel=1e-13)

    # the quotient rule gives the same two partial derivatives in closed form
    s = sigmoid(y0)
    den = x0**2 + y0
    assert x.grad == pytest.approx((den - (x0 + s) * 2 * x0) / den**2, rel=1e-13)
    assert y.grad == pytest.approx((s * (1 - s) * den - (x0 + s)) / den**2, rel=1e-13)


# ---------------------------------------------------------------------------
# Batch linear regression: dL/dw = X^T dL/dy-hat, dL/db = sum_i dL/dy-hat_i
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 7])
@pytest.mark.parametrize("fused", [False, True], ids=["binary-ops", "linear"])
def test_batch_linear_regression_gradient(n, fused):
    rng = np.random.default_rng(n)
    X = rng.normal(size=(n, 3))
    y = rng.normal(size=n)
    w0, b0 = rng.normal(size=3), float(rng.normal())

    w = [Value(float(wi)) for wi in w0]
    b = Value(b0)
    preds = [
        linear(w, row.tolist(), b) if fused else sum((wi * xi for wi, xi in zip(w, row)), b)
        for row in X
    ]
    loss = sum((yi - p) ** 2 for yi, p in zip(y.tolist(), preds)) / n
    loss.backward()

    y_hat = X @ w0 + b0
    dL_dyhat = -2.0 / n * (y - y_hat)
    assert loss.data == pytest.approx(np.mean((y - y_hat) ** 2), rel=1e-13)
    np.testing.assert_allclose([wi.grad for wi in w], X.T @ dL_dyhat, rtol=1e-12, atol=1e-14)
    assert b.grad == pytest.approx(dL_dyhat.sum(), rel=1e-12, abs=1e-14)
    for p, g in zip(preds, dL_dyhat):
        assert p.grad == pytest.approx(g, rel=1e-12, abs=1e-14)


# ---------------------------------------------------------------------------
# An MLP against the vectorized backprop equations, batch MSE with L2 penalty
# ---------------------------------------------------------------------------


def numpy_backprop(Ws, bs, X, Y, lam):
    """Gradients of J = 1/m sum_i (y-hat_i - y_i)^2 + lam/(2m) sum ||W||^2.

    Columns are samples. Z = W A + b; A = relu(Z) on hidden layers, A = Z at the output.
    Delta = dJ_unscaled/dZ = dA * g'(Z); dW = Delta A_prev^T / m + lam W / m;
    db = row sums of Delta / m; dA_prev = W^T Delta.
    """
    m = X.shape[1]
    As, Zs = [X], []
    for layer, (W, b) in enumerate(zip(Ws, bs)):
        Z = W @ As[-1] + b[:, None]
        Zs.append(Z)
        As.append(np.maximum(Z, 0.0) if layer < len(Ws) - 1 else Z)
    J = np.sum((As[-1] - Y) ** 2) / m + lam / (2 * m) * sum(np.sum(W**2) for W in Ws)

    dWs, dbs = [None] * len(Ws), [None] * len(Ws)
    dA = 2.0 * (As[-1] - Y)  # d(sum_i loss_i)/dA at the output
    for layer in reversed(range(len(Ws))):
        g_prime = (Zs[layer] > 0).astype(float) if layer < len(Ws) - 1 else 1.0
        delta = dA * g_prime
        dWs[layer] = delta @ As[layer].T / m + lam / m * Ws[layer]
        dbs[layer] = delta.sum(axis=1) / m
        dA = Ws[layer].T @ delta
    return J, dWs, dbs


@pytest.mark.parametrize("lam", [0.0, 0.3])
@pytest.mark.parametrize("fused", [False, True], ids=["binary-ops", "linear"])
def test_mlp_gradients_match_vectorized_backprop(lam, fused):
    random.seed(7)
    model = MLP(3, [4, 4, 1])
    rng = np.random.default_rng(3)
    for layer in model.layers:
        for neuron in layer.neurons:
            neuron.b.data = float(rng.uniform(-0.5, 0.5))  # nonzero biases too
    X = rng.normal(size=(3, 5))  # 3 features, batch of m = 5
    Y = rng.normal(size=(1, 5))
    m = X.shape[1]

    def forward_loss() -> Value:
        """The same network and loss, built from the engine's ops on the model's Values."""
        total = Value(0.0)
        for i in range(m):
            a = X[:, i].tolist()
            for index, layer in enumerate(model.layers):
                zs = [
                    linear(n.w, a, n.b) if fused else sum((w * x for w, x in zip(n.w, a)), n.b)
                    for n in layer.neurons
                ]
                a = [z.relu() for z in zs] if index < len(model.layers) - 1 else zs
            total = total + (a[0] - float(Y[0, i])) ** 2
        weights = [w for layer in model.layers for n in layer.neurons for w in n.w]
        return total / m + lam / (2 * m) * sum(w**2 for w in weights)

    Ws = [np.array([[w.data for w in n.w] for n in layer.neurons]) for layer in model.layers]
    bs = [np.array([n.b.data for n in layer.neurons]) for layer in model.layers]
    J, dWs, dbs = numpy_backprop(Ws, bs, X, Y, lam)

    for _ in range(2):  # zero_grad between passes: the same gradients again
        model.zero_grad()
        assert all(p.grad == 0.0 for p in model.parameters())
        loss = forward_loss()
        loss.backward()
        assert loss.data == pytest.approx(J, rel=1e-12)
        for layer, dW, db in zip(model.layers, dWs, dbs):
            got_W = [[w.grad for w in n.w] for n in layer.neurons]
            np.testing.assert_allclose(got_W, dW, rtol=1e-10, atol=1e-13)
            np.testing.assert_allclose(
                [n.b.grad for n in layer.neurons], db, rtol=1e-10, atol=1e-13
            )
    assert len(model.parameters()) == sum(W.size + b.size for W, b in zip(Ws, bs))
