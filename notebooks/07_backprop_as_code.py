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
# # 7. Backprop as code
#
# Backpropagation can be done with pencil and paper, or written out as a program: the
# forward pass one operation per line, then the backward pass through the same lines
# in reverse, with one accumulator per variable for d output / d variable. That
# program is what `backward()` does, without the graph, the nodes and the loop.
#
# `micrograd.to_python(root)` writes that program for any graph, and
# `micrograd.compile(fn)` compiles it and runs it as a training step.

# %%
import math
import statistics
import time

import matplotlib.pyplot as plt

import micrograd
from micrograd import Value
from micrograd.datasets import make_moons
from micrograd.losses import hinge, l2
from micrograd.nn import MLP
from micrograd.optim import SGD
from micrograd.viz import draw_dot

# %% [markdown]
# ## A function of two variables
#
# Take f(x, y) = (x + sigmoid(y)) / (x² + y) at x = 3, y = -4. Built one operation
# at a time and labelled, its graph has five ops: a sigmoid, two additions, a square
# and a division. Both x and y are used twice (x in the numerator and in x², y in the
# sigmoid and in the denominator): those are the forks.

# %%
x, y = Value(3.0, label="x"), Value(-4.0, label="y")
a = y.sigmoid()
b = x + a
c = x**2
d = y + c
f = b / d
for v, name in zip((a, b, c, d, f), "abcdf"):
    v.label = name
f.backward()
draw_dot(f)

# %% [markdown]
# ## The same graph as a Python function
#
# `to_python(f)` returns source code. Its parameters are the leaves, its body
# first computes every node, then walks the nodes backwards. Read the backward part
# against the picture: each block starts with a comment naming the op it undoes, and
# sets `delta_u`, the derivative of f with respect to u, for each input u of that op,
# as (the op's gradient) × (its local derivative).

# %%
source = micrograd.to_python(f)
print(source)

# %% [markdown]
# Three things to notice:
#
# - The forward pass is in the order the engine's backward walk visits the nodes,
#   reversed: the denominator `c`, `d` comes first here. Any order that computes an
#   op after its inputs works; this one makes the backward pass exactly the forward
#   pass read from the bottom up.
# - The local derivatives are the op table's own formulas: `1.0 / d` and `-f / d` for
#   the division, `a * (1.0 - a)` for the sigmoid, `2.0 * x ** 1.0` for the square.
#   Nothing is differentiated symbolically; each op declares its derivative once.
#   (By hand one often splits the division into e = 1 / d and f = b · e; here the
#   division is one op with a local derivative for each of its two inputs.)
# - A variable used by two ops gets two contributions, added into its accumulator:
#   that is the multivariable chain rule, and the comment on the second one says so.
#   Only x and y fork here, so only they have such a line. Their accumulators start
#   at 0.0, as `.grad` does; an inner node's first contribution simply sets it.
# - Some steps sit under an `if`: the engine's rule for zeros. A node whose gradient
#   is 0, or whose local derivatives are all 0, passes nothing on, so that 0 times an
#   infinite derivative adds nothing (not nan) and a ReLU that is off stops even an
#   infinite gradient. With these numbers every test passes; the `if` is there so
#   that the code equals `backward()` for any inputs.

# %%
backward_lines = [line.strip() for line in source.splitlines() if line.strip().startswith("delta_")]
forks = [line.split()[0] for line in backward_lines if "feeds several ops" in line]
tests = [line.strip() for line in source.splitlines() if line.strip().startswith("if ")]
print(len(backward_lines), "backward lines;", "second contributions to:", forks)
print(len(tests), "tests, such as:", tests[0])
assert sorted(forks) == ["delta_x", "delta_y"]

# %% [markdown]
# Run it: the function returns f and its two gradients. They are the numbers that
# `f.backward()` left in `x.grad` and `y.grad`, equal bit for bit, because the code
# adds each accumulator's contributions in the same order as the engine. They also
# match the derivative worked out by hand: with s = sigmoid(y), n = x + s and
# m = x² + y, the quotient rule gives ∂f/∂x = (m − 2x n) / m² and
# ∂f/∂y = (s(1 − s) m − n) / m².

# %%
namespace = {}
exec(source, namespace)
value, (grad_x, grad_y) = namespace["forward_backward"](3.0, -4.0)
print(f"f = {value!r}\ndf/dx = {grad_x!r}\ndf/dy = {grad_y!r}")
assert (value, grad_x, grad_y) == (f.data, x.grad, y.grad)

s = 1 / (1 + math.exp(4.0))
n, m = 3.0 + s, 9.0 - 4.0
assert math.isclose(grad_x, (m - 2 * 3.0 * n) / m**2, rel_tol=1e-14)
assert math.isclose(grad_y, (s * (1 - s) * m - n) / m**2, rel_tol=1e-14)

# %% [markdown]
# ## A training step as code
#
# The same idea pays off for training. An eager step builds a graph of Value objects
# for the loss, then `backward()` walks it; both cost an object and a few Python
# calls per node. `micrograd.compile(fn)` calls `fn` once to record the graph, writes
# it as straight-line code on plain floats (forward and backward) and compiles that
# with Python's `compile`. Each later call runs the code: it reads the parameters'
# current `.data`, returns the loss as a float and adds the gradients into `.grad`,
# so the optimizer is used exactly as in eager mode.
#
# The model and loss are those of `python -m micrograd demo`: MLP(2, [16, 16, 1]) on
# 100 two-moons points, hinge loss plus a small L2 penalty.

# %%
X, labels = make_moons(100, noise=0.1, seed=1)
Y = [2 * t - 1 for t in labels]  # 0/1 -> -1/+1
ALPHA = 1e-4


def loss_of(model, xs):
    return hinge([model(x) for x in xs], Y) + ALPHA * l2(model.parameters())


model = MLP(2, [16, 16, 1])
twin = MLP(2, [16, 16, 1])  # the same weights, trained in eager mode
for p, q in zip(model.parameters(), twin.parameters()):
    q.data = p.data

start = time.perf_counter()
step = micrograd.compile(lambda xs: loss_of(model, xs), check=True)
step(X)  # the first call traces, writes, compiles and checks against eager mode
model.zero_grad()
print(f"traced, compiled and checked in {time.perf_counter() - start:.2f} s")
code = [line.strip() for line in step.source(X).splitlines()]
print(f"{len(code):,} lines of code. The first lines of the forward pass:")
print("\n".join([line[:100] for line in code if line.startswith("v")][:4]))
print("and of the backward pass:")
print("\n".join([line[:100] for line in code if "+=" in line][:4]))

# %% [markdown]
# Now train both models side by side for 60 steps with the learning-rate schedule of
# the demo, timing each compiled step and each eager step (the medians below, since a
# few steps of either kind are slowed down by whatever else the machine is doing).
# Their losses and gradients are the same floats at every step, so the two models
# stay identical.

# %%
optimizer = SGD(model.parameters(), lr=1.0)
twin_optimizer = SGD(twin.parameters(), lr=1.0)
compiled_times, eager_times, losses = [], [], []
for k in range(60):
    lr = 1.0 - 0.9 * k / 100

    t0 = time.perf_counter()
    optimizer.zero_grad()
    loss = step(X)
    t1 = time.perf_counter()
    optimizer.lr = lr
    optimizer.step()

    t2 = time.perf_counter()
    twin_optimizer.zero_grad()
    eager = loss_of(twin, X)
    eager.backward()
    t3 = time.perf_counter()
    twin_optimizer.lr = lr
    twin_optimizer.step()

    assert loss == eager.data
    assert [p.grad for p in model.parameters()] == [q.grad for q in twin.parameters()]
    compiled_times.append(t1 - t0)
    eager_times.append(t3 - t2)
    losses.append(loss)

compiled_ms = statistics.median(compiled_times) * 1e3
eager_ms = statistics.median(eager_times) * 1e3
print(f"median step: eager {eager_ms:.1f} ms, compiled {compiled_ms:.1f} ms")
print(f"compiled is {eager_ms / compiled_ms:.1f}x faster; loss {losses[0]:.3f} -> {losses[-1]:.3f}")

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
steps = range(1, len(losses) + 1)
left.plot(steps, [t * 1e3 for t in eager_times], label="eager: loss, then backward()")
left.plot(steps, [t * 1e3 for t in compiled_times], label="micrograd.compile")
left.set_xlabel("training step")
left.set_ylabel("time per step (ms)")
left.set_ylim(bottom=0)
left.set_title("Time per training step")
left.legend()
right.plot(steps, losses, color="black", label="hinge + L2 (both modes)")
right.set_xlabel("training step")
right.set_ylabel("loss")
right.set_title("Loss")
right.legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# The compiled step does the same arithmetic as the eager one, in the same order; it
# only leaves out the per-node bookkeeping. Two things to keep in mind:
#
# - The graph is recorded once. Branches inside ops (relu, abs, the hinge) are
#   re-evaluated on every call. A Python `if` on a Value in `fn` (`x > 0`, `x.data`,
#   `float(x)`) becomes a guard, checked on every call: where it comes out otherwise,
#   that call runs in eager mode. `check=True` compares the first call with eager mode.
# - Arguments with a new shape (a list of another length) record the graph again.
