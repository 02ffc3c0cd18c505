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
# # 2. Backpropagation, one step at a time
#
# `backward()` visits the operation nodes from the output towards the inputs. At
# each node $n$ it knows $\partial f/\partial n$ (the *upstream* gradient), and for
# each input $p$ of $n$ it adds
#
# $$\frac{\partial f}{\partial n} \cdot \frac{\partial n}{\partial p}
# \quad\text{(upstream gradient} \times \text{local derivative)}$$
#
# to $p$'s gradient. An input that feeds several nodes receives several such
# contributions, and they add up. `trace_backward` lists these steps without running
# them, so we can look at each one.

# %%
import math
import random

from IPython.display import Markdown, display

from micrograd import Value
from micrograd.losses import mse
from micrograd.nn import MLP
from micrograd.viz import draw_dot, explore, trace_backward

# %% [markdown]
# We use $f(x, y) = \dfrac{x + \sigma(y)}{x^2 + y}$ at $(3, -4)$ again, built from the
# same six small steps as in notebook 1.


# %%
def build(x0=3.0, y0=-4.0):
    x = Value(x0, label="x")
    y = Value(y0, label="y")
    a = y.sigmoid()
    a.label = "a"
    b = x + a
    b.label = "b"
    c = x**2
    c.label = "c"
    d = y + c
    d.label = "d"
    e = d**-1
    e.label = "e"
    f = b * e
    f.label = "f"
    return x, y, f


x, y, f = build()
steps = trace_backward(f)
len(steps)

# %% [markdown]
# ## The trace as a table
#
# Each row is one edge of the graph, walked backwards: the node being processed, the
# input receiving gradient, the node's gradient (upstream), the local derivative, their
# product, and the input's gradient before and after the step.

# %%
rows = [
    "| # | node | input | upstream | local | contribution | before | after |",
    "|---|---|---|---|---|---|---|---|",
]
for i, s in enumerate(steps, 1):
    rows.append(
        f"| {i} | {s.node.label} | {s.to.label} | {s.grad:.6f} | {s.local:.6f} "
        f"| {s.contribution:.6f} | {s.before:.6f} | {s.after:.6f} |"
    )
display(Markdown("\n".join(rows)))

# %% [markdown]
# Notice the rows where *before* is not zero: that is where a second path reaches
# $x$ (through $c = x^2$) or $y$ (through $d = y + c$) and its contribution is added to
# the first one. The last value each variable reaches is its gradient, exactly what
# `backward()` computes:

# %%
final = {}
for s in steps:
    final[s.to.label] = s.after
f.backward()
print(f"x.grad = {x.grad:.12f}   from the trace: {final['x']:.12f}")
print(f"y.grad = {y.grad:.12f}   from the trace: {final['y']:.12f}")
assert final["x"] == x.grad and final["y"] == y.grad
assert all(s.contribution == s.grad * s.local for s in steps)

# %% [markdown]
# ## The same numbers by hand
#
# Now we do the backward pass ourselves with plain floats, one line per edge, in
# the reverse order of the forward pass. `delta_v` holds $\partial f/\partial v$.

# %%
# forward pass, plain floats
xf, yf = 3.0, -4.0
a = 1.0 / (1.0 + math.exp(-yf))
b = xf + a
c = xf**2
d = yf + c
e = 1.0 / d
f_value = b * e

# backward pass: upstream gradient times local derivative, added to the input
hand = {}
delta_b = e * 1.0  # f = b * e
delta_e = b * 1.0
hand["f", "b"], hand["f", "e"] = delta_b, delta_e
delta_d = delta_e * (-1.0 / d**2)  # e = 1 / d
hand["e", "d"] = delta_d
delta_y = delta_d * 1.0  # d = y + c
delta_c = delta_d * 1.0
hand["d", "y"], hand["d", "c"] = delta_y, delta_c
delta_x = delta_c * 2 * xf  # c = x^2
hand["c", "x"] = delta_c * 2 * xf
delta_x += delta_b * 1.0  # b = x + a: x forks, so add
delta_a = delta_b * 1.0
hand["b", "x"], hand["b", "a"] = delta_b * 1.0, delta_a
delta_y += delta_a * a * (1 - a)  # a = sigmoid(y): y forks, so add
hand["a", "y"] = delta_a * a * (1 - a)
print(f"f = {f_value:.6f}, df/dx = {delta_x:.6f}, df/dy = {delta_y:.6f}")

# %% [markdown]
# Side by side with the trace (the trace visits the edges in its own order, so we match them by name):

# %%
rows = ["| node → input | trace | by hand |", "|---|---|---|"]
for s in steps:
    rows.append(
        f"| {s.node.label} → {s.to.label} | {s.contribution:.10f} "
        f"| {hand[s.node.label, s.to.label]:.10f} |"
    )
display(Markdown("\n".join(rows)))

# %%
assert set(hand) == {(s.node.label, s.to.label) for s in steps}
for s in steps:
    assert abs(s.contribution - hand[s.node.label, s.to.label]) < 1e-15
assert abs(x.grad - delta_x) < 1e-15 and abs(y.grad - delta_y) < 1e-15

# %% [markdown]
# ## Local derivatives on the edges
#
# With `local_grads=True` every edge into an operation is labelled with the local
# derivative $\partial\,\text{out}/\partial\,\text{input}$ at the current values.
# Multiply the labels along a path from an input to $f$ and add over the paths: that
# is the gradient.

# %%
draw_dot(f, local_grads=True)

# %%
# the two paths from x to f: x -> b -> f and x -> c -> d -> e -> f
s = 1 / (1 + math.exp(4.0))
path_b = 1.0 * e  # db/dx * df/db
path_c = (2 * xf) * 1.0 * (-1.0 / d**2) * b  # dc/dx * dd/dc * de/dd * df/de
assert abs((path_b + path_c) - x.grad) < 1e-15

# %% [markdown]
# ## Frames of the backward pass
#
# `draw_dot(f, upto=k)` draws the graph after the first `k` steps, every frame with the
# same layout: the step just taken is red, the caption says `upstream × local =
# contribution` and how the input's gradient changes, and the part of the graph the
# pass has not reached yet is grey.

# %%
draw_dot(f, upto=0)

# %%
draw_dot(f, upto=3)

# %%
draw_dot(f, upto=7)

# %%
draw_dot(f, upto=len(steps))

# %% [markdown]
# ## Stepping through it
#
# `explore(f)` shows the whole backward pass to step through with buttons or the arrow
# keys: each step's edge, the local derivative's formula from the op table with its
# numbers written in, `upstream × local = contribution`, the input's gradient before
# and after, and at a fork the running sum of its contributions. Only the cell of the
# op box that the step uses is red. Click a leaf (here `x` or `y`) to type its data,
# or drag it sideways: the page recomputes both passes at once from the same formula
# text (what if). The page needs no kernel and no Graphviz:
# `explore(f).save("backprop.html")` writes it as one file that any browser opens.

# %%
explore(f)

# %% [markdown]
# ## A network, one neuron at a time
#
# The same pass through a small network is hundreds of steps over scalar boxes.
# `micrograd.nn` names every parameter when it builds the model, in the short form of
# its `state_dict` name (`L0.n1.w0` is `layers.0.neurons.1.w.0`), and names the inputs
# `x0, x1, ...`. A graph with neurons of more than 60 Values opens at the level of
# **neurons**: each neuron is one box showing its output's data and gradient, its
# weights ride on the edges from its inputs, and one step sends a neuron's gradient
# back through all its edges at once (to each input and each weight). Click a neuron to
# open its scalar graph in place; the buttons switch to one box per **layer**, or back
# to every Value.

# %%
random.seed(0)
model = MLP(2, [4, 4, 1], activation="tanh")
points = [[2.0, 3.0], [3.0, -1.0], [0.5, 1.0], [1.0, 1.0]]
loss = mse([model(p) for p in points], [1.0, -1.0, -1.0, 1.0])
names = {name: p.label for name, p in model.named_parameters()}
print(names["layers.0.neurons.1.w.0"], names["layers.2.neurons.0.b"])
assert names["layers.0.neurons.1.w.0"] == "L0.n1.w0"

# %%
explore(loss, max_nodes=None)

# %% [markdown]
# `draw_dot` draws the same levels as pictures:

# %%
draw_dot(loss, level="layers", max_nodes=None)

# %% [markdown]
# ## Your turn
#
# `explore(f, quiz=True)` hides what each step computes: type the contribution
# (upstream gradient × local derivative, from the formula and the data in the boxes)
# and, at a fork, the gradient so far; the page checks it and then shows the
# arithmetic, and keeps a score.

# %%
explore(f, quiz=True)
