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
# # 5. Training a tiny MLP
#
# Everything comes together: a network (`MLP`), a loss built from Values, one
# `backward()` per step to get every parameter's gradient, and an optimizer that moves
# the parameters a little against their gradients. First a binary classifier on the
# two-moons data set, then a three-class problem with cross-entropy and Adam.

# %%
import math
import os
import random
import tempfile

import matplotlib.pyplot as plt
import numpy as np
from tqdm.auto import tqdm

from micrograd import no_grad
from micrograd.datasets import make_moons
from micrograd.losses import cross_entropy, hinge, l2
from micrograd.nn import MLP
from micrograd.optim import SGD, Adam
from micrograd.viz import TrainingReplay, explore

# %% [markdown]
# ## The data: two interleaving half moons
#
# 100 points in the plane, labelled 0 or 1. No straight line separates them, so the
# network has to learn a curved boundary. The hinge loss below wants labels
# $\pm 1$, so we map 0/1 to -1/+1.

# %%
X, labels = make_moons(n_samples=100, noise=0.1, seed=1)
y = [2 * t - 1 for t in labels]  # 0/1 -> -1/+1
X_np, y_np = np.array(X), np.array(y)

# the colours of `python -m micrograd demo`: points, and the regions the model assigns
COLORS = ["#d62728", "#1f77b4", "#2ca02c"]
FILLS = ["#f4c7c3", "#c6dbef", "#c7e9c0"]


def plot_classes(ax, points, classes, names):
    # one scatter per class, so that the legend names each colour
    for k, name in enumerate(names):
        mine = points[classes == k]
        ax.scatter(mine[:, 0], mine[:, 1], s=20, c=COLORS[k], edgecolors="k", label=name)
    ax.set(xlabel="x1", ylabel="x2")
    ax.legend(title="class", loc="upper right")


fig, ax = plt.subplots(figsize=(5, 4))
plot_classes(ax, X_np, np.array(labels), ["0 (y = -1)", "1 (y = +1)"])
ax.set_title("make_moons: 100 points, two classes")
plt.show()

# %% [markdown]
# ## Model, loss and optimizer
#
# * **Model**: `MLP(2, [16, 16, 1])`, two hidden ReLU layers of 16 and one linear
#   output, the score $s$; we predict class +1 when $s > 0$. That is 337 parameters.
# * **Loss**: the hinge (max-margin) loss $\frac{1}{n}\sum_i \max(0, 1 - y_i s_i)$, which
#   is zero for a point on the correct side with a margin of at least 1, plus a small
#   L2 penalty $\alpha \sum_p p^2$ with $\alpha = 10^{-4}$ that keeps the weights small.
# * **Optimizer**: plain gradient descent on the whole data set, with a learning rate
#   that decays linearly from 1.0 to 0.1 over 100 steps: $\text{lr}_k = 1 - 0.9\,k/100$.

# %%
random.seed(1337)  # the initial weights come from Python's random module
model = MLP(2, [16, 16, 1])
optimizer = SGD(model.parameters(), lr=1.0)
alpha = 1e-4
print("layer widths:", [len(layer.neurons) for layer in model.layers])
print(len(model.parameters()), "parameters")


def loss_and_accuracy(model):
    scores = [model(x) for x in X]
    loss = hinge(scores, y) + alpha * l2(model.parameters())
    accuracy = np.mean([(s.data > 0) == (t > 0) for s, t in zip(scores, y)])
    return loss, accuracy


# %% [markdown]
# ## One example's backward pass, neuron by neuron
#
# Before any training, take the first point alone: its hinge loss is one graph of a few
# hundred Values, and `explore` opens it at the level of neurons, one box per neuron with
# its output's data and gradient. Press "next" (or the right arrow key) to send the
# gradient back one neuron at a time: each step lists what it adds to every input and
# weight of that neuron. Click a neuron to open its scalar graph in place (its weights,
# w·x+b and ReLU); the buttons switch to one box per layer or to every Value, and
# hovering a box shows its name, data and gradient to full precision.

# %%
first_loss = hinge([model(X[0])], [y[0]])
print(f"the loss of point 0 alone: {first_loss.data:.4f}")
assert first_loss.data > 0  # a point the untrained model gets wrong: gradients to follow
explore(first_loss, max_nodes=None)

# %% [markdown]
# Each step: forward pass on all 100 points, `zero_grad()` (gradients of parameters
# accumulate otherwise), `backward()`, then the update $p \leftarrow p - \text{lr}\cdot
# \partial L/\partial p$. A `TrainingReplay` records the weights and the loss at every
# step, before the update, so that each snapshot's weights are the ones that gave its loss.

# %%
steps = 100
replay = TrainingReplay(model, X, y)
losses, accuracies = [], []
for k in tqdm(range(steps), desc="training"):
    loss, accuracy = loss_and_accuracy(model)
    replay.record(k, loss)
    optimizer.zero_grad()
    loss.backward()
    optimizer.lr = 1.0 - 0.9 * k / steps
    optimizer.step()
    losses.append(loss.data)
    accuracies.append(accuracy)

final_loss, final_accuracy = loss_and_accuracy(model)
print(f"after {steps} steps: loss {final_loss.data:.4f}, accuracy {final_accuracy:.0%}")

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.5))
ax1.plot(losses)
ax1.set_yscale("log")
ax1.set(title="loss", xlabel="step", ylabel="hinge + 1e-4 L2 (log scale)")
ax2.plot(accuracies)
ax2.set(title="accuracy", xlabel="step", ylabel="training accuracy", ylim=(0.4, 1.02))
plt.show()

# %%
assert final_accuracy == 1.0, "the classifier should separate the moons"
assert final_loss.data < 0.05 * losses[0]
assert replay.losses == losses

# %% [markdown]
# ## Watching the training
#
# The replay shows those 100 steps in one page: drag the slider (or click it and use the
# arrow keys, or press play) to watch the decision boundary form, each neuron's output
# over the plane (the small maps) and the weights (lines: blue positive, red negative,
# thicker for larger) change together, with the loss and accuracy curves. Click a point
# to see its backward pass at that step: every neuron's output and the gradient of the
# score with respect to it, every weight's gradient, and one neuron's chain rule.
# `replay.save("training.html")` writes the same page as a file that opens offline.

# %%
replay


# %% [markdown]
# ## The decision boundary
#
# Evaluate the trained network on a grid covering the plane and colour each point
# by the sign of its score. Nothing is trained here, so the forward passes run under
# `no_grad()`, which skips recording the graph.


# %%
def grid_scores(model, points, h=0.1):
    # a grid around the points, and the model's output at every grid point
    x_min, x_max = points[:, 0].min() - 1, points[:, 0].max() + 1
    y_min, y_max = points[:, 1].min() - 1, points[:, 1].max() + 1
    xx, yy = np.meshgrid(np.arange(x_min, x_max, h), np.arange(y_min, y_max, h))
    with no_grad():
        out = [model([a, b]) for a, b in zip(xx.ravel(), yy.ravel())]
    return xx, yy, out


xx, yy, out = grid_scores(model, X_np, h=0.05)
zz = np.array([s.data > 0 for s in out]).reshape(xx.shape)
fig, ax = plt.subplots(figsize=(5, 4))
ax.contourf(xx, yy, zz, levels=[-0.5, 0.5, 1.5], colors=FILLS[:2])
ax.contour(xx, yy, zz, levels=[0.5], colors="k", linewidths=1)
plot_classes(ax, X_np, np.array(labels), ["0 (y = -1)", "1 (y = +1)"])
ax.set_title("decision boundary after training: score = 0")
plt.show()

# %% [markdown]
# ## Saving and loading
#
# `model.save(path)` writes every parameter by name to a JSON file; `load(path)`
# sets the parameters of a model with the same architecture. A freshly initialised
# model predicts differently; after loading it predicts exactly the same numbers.

# %%
with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "moons.json")
    model.save(path)
    print(f"saved {os.path.getsize(path)} bytes")
    restored = MLP(2, [16, 16, 1])  # new random weights
    before = [restored(x).data for x in X]
    restored.load(path)

original = [model(x).data for x in X]
after = [restored(x).data for x in X]
assert before != original
assert after == original  # identical floats, not just close
assert restored.state_dict() == model.state_dict()
print("the reloaded model gives the same", len(after), "scores")

# %% [markdown]
# ## Three classes: cross-entropy and Adam
#
# With more than two classes the network outputs one score (a *logit*) $z_c$ per
# class. Softmax turns them into probabilities, and the cross-entropy loss of an
# example with class $t$ is the negative log of its probability:
#
# $$\ell = -\log \frac{e^{z_t}}{\sum_c e^{z_c}} = \log \sum_c e^{z_c} - z_t .$$
#
# Our data: three blobs of 30 points each around the corners of a triangle,
# drawn with a seeded `random.Random` so they are the same on every run.

# %%
rng = random.Random(7)
centres = [(0.0, 2.0), (-1.8, -1.0), (1.8, -1.0)]
X3, y3 = [], []
for label, (cx, cy) in enumerate(centres):
    for _ in range(30):
        X3.append([cx + rng.gauss(0, 0.6), cy + rng.gauss(0, 0.6)])
        y3.append(label)
X3_np, y3_np = np.array(X3), np.array(y3)

# %% [markdown]
# First a check of the loss on one example against the formula above, computed with
# the `math` module:

# %%
logits = [0.5, -1.0, 2.0]
by_hand = math.log(sum(math.exp(z) for z in logits)) - logits[0]
assert abs(cross_entropy(logits, 0).data - by_hand) < 1e-12
print(f"cross-entropy of {logits} for class 0: {by_hand:.6f}")

# %% [markdown]
# `MLP(2, [16, 3])`: one hidden ReLU layer and three linear outputs, trained with
# Adam (learning rate 0.05) on the mean cross-entropy of the batch. Adam scales each
# parameter's step by a running estimate of its gradient's size, so one learning rate
# suits every parameter.

# %%
random.seed(0)
classifier = MLP(2, [16, 3])
adam = Adam(classifier.parameters(), lr=0.05)


def evaluate(classifier):
    logits = [classifier(x) for x in X3]
    loss = cross_entropy(logits, y3)
    predicted = [max(range(3), key=lambda c, row=row: row[c].data) for row in logits]
    return loss, np.mean(np.array(predicted) == y3_np)


ce_losses = []
for _ in tqdm(range(60), desc="training"):
    loss, _ = evaluate(classifier)
    adam.zero_grad()
    loss.backward()
    adam.step()
    ce_losses.append(loss.data)

ce_loss, ce_accuracy = evaluate(classifier)
print(f"loss {ce_losses[0]:.4f} -> {ce_loss.data:.4f}, accuracy {ce_accuracy:.0%}")

# %%
xx, yy, out = grid_scores(classifier, X3_np, h=0.08)
out = np.array([[z.data for z in row] for row in out])
zz = out.argmax(axis=1).reshape(xx.shape)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
ax1.plot(ce_losses)
ax1.set(title="cross-entropy loss (Adam)", xlabel="step", ylabel="mean cross-entropy")
ax2.contourf(xx, yy, zz, levels=[-0.5, 0.5, 1.5, 2.5], colors=FILLS)
plot_classes(ax2, X3_np, y3_np, ["0", "1", "2"])
ax2.set_title("three classes: the predicted class in each region")
plt.show()

# %%
assert ce_accuracy == 1.0
assert ce_loss.data < 0.2 * ce_losses[0]
