# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 4. The backprop equations of an MLP, in NumPy
#
# The engine differentiates a network one scalar at a time. Textbooks write the same
# computation with matrices. Here we implement the matrix equations in NumPy and
# check that they give **the same gradients** as the engine, to within $10^{-12}$.

# %%
import random

import numpy as np

from micrograd import Value
from micrograd.nn import MLP
from micrograd.viz import draw_dot

# %% [markdown]
# ## Notation and shapes
#
# A batch of $m$ examples is stored with **one example per column**. Layer $l$ has
# $n_l$ neurons ($n_0$ is the number of inputs):
#
# | symbol | meaning | shape |
# |---|---|---|
# | $A^{[0]} = X^\top$ | the inputs | $n_0 \times m$ |
# | $W^{[l]}$ | row $j$ = weights of neuron $j$ | $n_l \times n_{l-1}$ |
# | $b^{[l]}$ | biases | $n_l$ (added to every column) |
# | $Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}$ | pre-activations | $n_l \times m$ |
# | $A^{[l]} = g(Z^{[l]})$ | activations | $n_l \times m$ |
#
# The loss is the mean squared error over the batch plus an L2 penalty on the weights
# (not the biases):
#
# $$L = \frac{1}{m} \sum_{i=1}^{m} \big(\hat y_i - y_i\big)^2 + \lambda \sum_{l} \sum_{j,k} \big(W^{[l]}_{jk}\big)^2 .$$
#
# ## The equations
#
# Write $\Delta^{[l]} = \partial L / \partial Z^{[l]}$ (the "error" of layer $l$, one column
# per example). Starting from the output, where
# $\partial L/\partial \hat y_i = \tfrac{2}{m}(\hat y_i - y_i)$, each layer does:
#
# $$\Delta^{[l]} = \frac{\partial L}{\partial A^{[l]}} \odot g'\big(Z^{[l]}\big)
# \qquad (n_l \times m)$$
#
# $$\frac{\partial L}{\partial W^{[l]}} = \Delta^{[l]} \big(A^{[l-1]}\big)^\top + 2\lambda W^{[l]}
# \qquad (n_l \times m)(m \times n_{l-1}) = n_l \times n_{l-1}$$
#
# $$\frac{\partial L}{\partial b^{[l]}} = \sum_{i=1}^{m} \Delta^{[l]}_{:,i}
# \qquad (n_l)$$
#
# $$\frac{\partial L}{\partial A^{[l-1]}} = \big(W^{[l]}\big)^\top \Delta^{[l]}
# \qquad (n_{l-1} \times n_l)(n_l \times m) = n_{l-1} \times m$$
#
# Every gradient has the shape of the thing it is the gradient of. The product
# $\Delta A^\top$ sums over the batch by itself: entry $(j, k)$ is
# $\sum_i \Delta_{ji} A_{ki}$, one term per example, because every example uses the
# same weight. The bias is added to every example, so its gradient is the sum of
# $\Delta$ over the batch. The factor $1/m$ of the mean is already inside
# $\partial L/\partial \hat y$, so it is not repeated here (texts that define $\Delta$
# per example write $\tfrac{1}{m}\Delta A^\top$ instead). With a penalty
# $\tfrac{\lambda}{2m}\sum W^2$, as some texts use, the extra term would be
# $\tfrac{\lambda}{m} W$; with ours it is $2\lambda W$.

# %% [markdown]
# ## A small network and a batch
#
# `MLP(3, [4, 4, 1])`: 3 inputs, two hidden ReLU layers of 4, one linear output.
# Neuron $j$ of layer $l$ is `model.layers[l].neurons[j]`, with weights `.w` (a list
# of Values) and bias `.b`.

# %%
random.seed(0)
model = MLP(3, [4, 4, 1])
rng = np.random.default_rng(0)
m = 5
X = rng.normal(size=(m, 3))  # one example per row, as a dataset is usually stored
y = rng.normal(size=m)
lam = 1e-2
print(model)


# %%
def matrices(model, attribute="data"):
    # W (n_l x n_{l-1}) and b (n_l) of every layer, read from the neurons
    Ws = [
        np.array([[getattr(w, attribute) for w in n.w] for n in layer.neurons])
        for layer in model.layers
    ]
    bs = [np.array([getattr(n.b, attribute) for n in layer.neurons]) for layer in model.layers]
    return Ws, bs


Ws, bs = matrices(model)
for i, (W, b) in enumerate(zip(Ws, bs), 1):
    print(f"layer {i}: W {W.shape}, b {b.shape}")


# %% [markdown]
# ## One neuron, drawn
#
# The equations handle a whole layer at once; the engine handles one neuron at a time.
# Below is the first neuron of layer 1 that is active on the first example, after
# `backward()` from its output, with the local derivative written where each edge enters
# its node "ReLU(w·x+b)". Its parameters carry their names (`L0.nj.wk` is weight $k$ of
# neuron $j$ of the layer the code numbers 0, `L0.nj.b` its bias), the inputs are `x0, x1,
# x2`, and the bias's cell comes first, then each weight beside its input.
#
# **What to look at:** the number on the edge from the weight $w_k$ is the input $x_k$,
# and the number on the edge from the input $x_k$ is the weight $w_k$. That is one entry
# of each matrix equation: $\partial L/\partial W_{jk} = \Delta_j A_k$ (error times input)
# and $\partial L/\partial A_k = \sum_j W_{jk} \Delta_j$ (error times weight, summed over
# the neurons that read input $k$). Here $L$ is the neuron's own output, so
# $\Delta_j = g'(z_j) = 1$ for an active ReLU, and the gradients in the boxes are those
# same numbers.

# %%
example = [Value(v) for v in X[0]]
neuron = next(n for n in model.layers[0].neurons if n(example).data > 0)
out = neuron(example)
out.label = "out"
out.backward()
# the equations for one active neuron and one example: Delta = 1
assert all(abs(w.grad - x) < 1e-12 for w, x in zip(neuron.w, X[0]))
assert all(abs(x.grad - w.data) < 1e-12 for x, w in zip(example, neuron.w))
picture = draw_dot(out, local_grads=True)  # the gradients as they are now
model.zero_grad()
picture

# %% [markdown]
# ## The engine's gradients
#
# The engine sees only scalars: it runs the network on each example, averages the
# squared errors, adds the penalty and calls `backward()`. The inputs are Values
# too, so we also get $\partial L / \partial X$.


# %%
def engine_gradients(model, X, y, lam):
    inputs = [[Value(v) for v in row] for row in X]
    preds = [model(row) for row in inputs]
    data_loss = sum((p - t) ** 2 for p, t in zip(preds, y)) / len(X)
    penalty = lam * sum(w**2 for layer in model.layers for n in layer.neurons for w in n.w)
    loss = data_loss + penalty
    model.zero_grad()
    loss.backward()
    dWs, dbs = matrices(model, "grad")
    dX = np.array([[v.grad for v in row] for row in inputs])
    return loss.data, dWs, dbs, dX


loss_engine, dWs_engine, dbs_engine, dX_engine = engine_gradients(model, X, y, lam)
print(f"loss = {loss_engine:.6f}")

# %% [markdown]
# ## The same gradients from the matrix equations
#
# The derivative of each activation, written with $Z$ and $A = g(Z)$:
# ReLU: $g' = [Z > 0]$; tanh: $g' = 1 - A^2$; sigmoid: $g' = A(1 - A)$; linear: $g' = 1$.

# %%
ACTIVATION = {  # name: (g, g' as a function of Z and A)
    "relu": (lambda Z: np.maximum(Z, 0.0), lambda Z, A: (Z > 0).astype(float)),
    "tanh": (np.tanh, lambda Z, A: 1.0 - A**2),
    "sigmoid": (lambda Z: 1.0 / (1.0 + np.exp(-Z)), lambda Z, A: A * (1.0 - A)),
    "linear": (lambda Z: Z, lambda Z, A: np.ones_like(Z)),
}


def numpy_gradients(model, X, y, lam):
    Ws, bs = matrices(model)
    acts = [layer.neurons[0].activation for layer in model.layers]
    m = len(X)
    # forward pass: keep every Z and A
    As, Zs = [X.T], []
    for W, b, act in zip(Ws, bs, acts):
        Zs.append(W @ As[-1] + b[:, None])
        As.append(ACTIVATION[act][0](Zs[-1]))
    y_hat = As[-1][0]
    loss = np.mean((y_hat - y) ** 2) + lam * sum(np.sum(W**2) for W in Ws)
    # backward pass, last layer first
    dA = (2.0 / m * (y_hat - y))[None, :]  # dL/dy_hat, 1 x m
    dWs, dbs = [None] * len(Ws), [None] * len(Ws)
    for i in reversed(range(len(Ws))):  # layer l = i + 1
        delta = dA * ACTIVATION[acts[i]][1](Zs[i], As[i + 1])  # n_l x m
        dWs[i] = delta @ As[i].T + 2 * lam * Ws[i]  # n_l x n_{l-1}
        dbs[i] = delta.sum(axis=1)  # n_l
        dA = Ws[i].T @ delta  # n_{l-1} x m
    return loss, dWs, dbs, dA.T  # dL/dX with one example per row, like X


loss_np, dWs_np, dbs_np, dX_np = numpy_gradients(model, X, y, lam)
for i, (dW, db) in enumerate(zip(dWs_np, dbs_np), 1):
    print(f"layer {i}: dW {dW.shape}, db {db.shape}")
print(f"dX {dX_np.shape}")


# %%
def max_difference(a, b):
    return max(np.max(np.abs(p - q)) for p, q in zip(a, b))


def compare(model, X, y, lam):
    loss_e, dWs_e, dbs_e, dX_e = engine_gradients(model, X, y, lam)
    loss_n, dWs_n, dbs_n, dX_n = numpy_gradients(model, X, y, lam)
    assert all(p.shape == q.shape for p, q in zip(dWs_e + dbs_e, dWs_n + dbs_n))
    return {
        "loss": abs(loss_e - loss_n),
        "dW": max_difference(dWs_e, dWs_n),
        "db": max_difference(dbs_e, dbs_n),
        "dX": np.max(np.abs(dX_e - dX_n)),
    }


differences = compare(model, X, y, lam)
for name, diff in differences.items():
    print(f"max |engine - numpy| for {name}: {diff:.2e}")
assert max(differences.values()) < 1e-12

# %% [markdown]
# The gradients agree to rounding error. The same code works for other activations,
# since only $g'$ changes:

# %%
for activation in ["tanh", "sigmoid"]:
    random.seed(1)
    other = MLP(3, [4, 4, 1], activation=activation)
    differences = compare(other, X, y, lam)
    print(activation, {k: f"{v:.1e}" for k, v in differences.items()})
    assert max(differences.values()) < 1e-12

# %% [markdown]
# ## Checking the pieces separately
#
# *The penalty adds exactly $2\lambda W$ to the weight gradients and nothing to the
# biases.* Compare gradients with and without it:

# %%
_, dWs_0, dbs_0, _ = engine_gradients(model, X, y, 0.0)
_, dWs_l, dbs_l, _ = engine_gradients(model, X, y, lam)
Ws, _ = matrices(model)
penalty_part = [a - b for a, b in zip(dWs_l, dWs_0)]
assert max_difference(penalty_part, [2 * lam * W for W in Ws]) < 1e-12
assert max_difference(dbs_l, dbs_0) == 0.0

# %% [markdown]
# *The gradient of the batch loss is the mean of the per-example gradients* (without
# the penalty). Each example alone has loss $(\hat y_i - y_i)^2$; averaging their
# gradients gives the gradient of the mean squared error:

# %%
single = [engine_gradients(model, X[i : i + 1], y[i : i + 1], 0.0) for i in range(m)]
for i in range(len(model.layers)):
    mean_dW = np.mean([g[1][i] for g in single], axis=0)
    mean_db = np.mean([g[2][i] for g in single], axis=0)
    assert np.max(np.abs(mean_dW - dWs_0[i])) < 1e-12
    assert np.max(np.abs(mean_db - dbs_0[i])) < 1e-12
print("batch gradient = mean of the", m, "per-example gradients")

# %% [markdown]
# ## One example per row instead
#
# Many texts (and most libraries) store examples as rows: $\hat y = X w + b$ for a
# single linear neuron, with $X$ of shape $m \times n$ and $w$ of shape $n \times 1$.
# The equations are then transposed:
#
# $$\frac{\partial L}{\partial w} = X^\top \frac{\partial L}{\partial \hat y}
# \quad (n \times m)(m \times 1), \qquad
# \frac{\partial L}{\partial b} = \sum_i \frac{\partial L}{\partial \hat y_i}, \qquad
# \frac{\partial L}{\partial X} = \frac{\partial L}{\partial \hat y}\, w^\top
# \quad (m \times 1)(1 \times n).$$
#
# A one-neuron linear `MLP(3, [1])` is exactly this model:

# %%
random.seed(2)
neuron_model = MLP(3, [1])
w = np.array([[v.data for v in neuron_model.layers[0].neurons[0].w]]).T  # 3 x 1
b = neuron_model.layers[0].neurons[0].b.data
y_hat = X @ w + b  # m x 1
dL_dyhat = 2.0 / m * (y_hat - y[:, None])  # m x 1
dw = X.T @ dL_dyhat  # 3 x 1
db = dL_dyhat.sum()
dX = dL_dyhat @ w.T  # m x 3

_, dWs_e, dbs_e, dX_e = engine_gradients(neuron_model, X, y, 0.0)
assert np.max(np.abs(dWs_e[0] - dw.T)) < 1e-12  # the engine's W is the row w^T
assert abs(dbs_e[0][0] - db) < 1e-12
assert np.max(np.abs(dX_e - dX)) < 1e-12
print("rows-as-examples equations agree with the engine")
