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
# # 1. Expressions and their graphs
#
# A `Value` wraps one number. Every arithmetic operation on Values makes a new
# Value that remembers its inputs (`_prev`) and the operation (`_op`). So writing
# an ordinary formula quietly builds a **graph**, and `backward()` walks that graph
# from the output to the inputs, filling in `.grad` = d output / d node everywhere.
#
# In this notebook we build a few expressions, draw their graphs with `draw_dot`,
# and check every gradient against calculus done by hand.

# %%
import math

from micrograd import Value
from micrograd.viz import draw_dot

# %% [markdown]
# ## A first expression
#
# $L = (a \cdot b + c) \cdot k$. Labels are optional; they only make the drawing
# easier to read.

# %%
a = Value(1.5, label="a")
b = Value(-2.0, label="b")
c = Value(4.0, label="c")
k = Value(3.0, label="k")
e = a * b
e.label = "e"
d = e + c
d.label = "d"
L = d * k
L.label = "L"
L

# %% [markdown]
# Each box shows a node's label, its value (`data`) and its gradient (`grad`).
# The oval nodes are the operations. Nothing has been differentiated yet, so every
# gradient is still 0.

# %%
draw_dot(L)

# %%
L.backward()
draw_dot(L)

# %% [markdown]
# Reading the gradients backwards from $L$:
#
# * $L = d \cdot k$, so $\partial L/\partial k = d = 1$ and $\partial L/\partial d = k = 3$.
# * $d = e + c$: addition passes the gradient through unchanged, so
#   $\partial L/\partial e = \partial L/\partial c = 3$.
# * $e = a \cdot b$: a product sends each input the *other* input times the upstream
#   gradient, so $\partial L/\partial a = 3b = -6$ and $\partial L/\partial b = 3a = 4.5$.

# %%
assert (k.grad, d.grad, c.grad, e.grad) == (1.0, 3.0, 3.0, 3.0)
assert (a.grad, b.grad) == (k.data * b.data, k.data * a.data) == (-6.0, 4.5)

# %% [markdown]
# ## The chain rule on a composite function
#
# Take $g(x) = (5x + 2)^3$. Split it into an inner function $u = 5x + 2$ and an
# outer one $g = u^3$. Then $dg/du = 3u^2$, $du/dx = 5$, and the chain rule
# multiplies them:
#
# $$\frac{dg}{dx} = \frac{dg}{du}\,\frac{du}{dx} = 3u^2 \cdot 5 = 15\,(5x+2)^2 .$$
#
# At $x = 1$: $u = 7$, $g = 343$, $dg/du = 147$ and $dg/dx = 735$.

# %%
x = Value(1.0, label="x")
five_x = 5 * x
five_x.label = "5x"
u = five_x + 2
u.label = "u"
g = u**3
g.label = "g"
g.backward()
draw_dot(g)

# %%
assert g.data == 343.0
assert u.grad == 3 * u.data**2 == 147.0  # dg/du
assert x.grad == 15 * (5 * x.data + 2) ** 2 == 735.0  # dg/dx = dg/du * du/dx


def central_difference(f, x0, h=1e-6):
    return (f(x0 + h) - f(x0 - h)) / (2 * h)


numeric = central_difference(lambda t: (5 * t + 2) ** 3, 1.0)
print(f"backward: {x.grad}   central difference: {numeric:.6f}")
assert abs(x.grad - numeric) < 1e-5

# %% [markdown]
# ## A small graph with a sigmoid
#
# Now a function of two variables, $f(x, y) = \dfrac{x + \sigma(y)}{x^2 + y}$, where
# $\sigma(y) = 1/(1 + e^{-y})$, evaluated at $(x, y) = (3, -4)$. We build it from
# simple steps, each of which has an easy derivative:
#
# | step | op | local derivatives |
# |---|---|---|
# | $a = \sigma(y)$ | sigmoid | $\partial a/\partial y = a(1-a)$ |
# | $b = x + a$ | add | 1 and 1 |
# | $c = x^2$ | square | $\partial c/\partial x = 2x$ |
# | $d = y + c$ | add | 1 and 1 |
# | $e = 1/d$ | reciprocal | $\partial e/\partial d = -1/d^2$ |
# | $f = b \cdot e$ | multiply | $\partial f/\partial b = e$, $\partial f/\partial e = b$ |

# %%
x = Value(3.0, label="x")
y = Value(-4.0, label="y")
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
f.backward()
draw_dot(f)

# %% [markdown]
# Both $x$ and $y$ are used twice ($x$ in $b$ and $c$, $y$ in $a$ and $d$), so the
# graph is not a chain. The quotient rule gives the exact answer to compare with:
#
# $$\frac{\partial f}{\partial x} = \frac{(x^2 + y) - (x + \sigma(y))\,2x}{(x^2+y)^2},
# \qquad
# \frac{\partial f}{\partial y} = \frac{\sigma(y)(1-\sigma(y))\,(x^2 + y) - (x + \sigma(y))}{(x^2+y)^2}.$$

# %%
s = 1 / (1 + math.exp(4.0))  # sigma(-4)
den = 3.0**2 - 4.0  # x^2 + y = 5
dfdx = (den - (3.0 + s) * 2 * 3.0) / den**2
dfdy = (s * (1 - s) * den - (3.0 + s)) / den**2
print(f"f = {f.data:.6f}")
print(f"df/dx: backward {x.grad:.12f}   formula {dfdx:.12f}")
print(f"df/dy: backward {y.grad:.12f}   formula {dfdy:.12f}")
assert abs(f.data - (3.0 + s) / den) < 1e-15
assert abs(x.grad - dfdx) < 1e-12 and abs(y.grad - dfdy) < 1e-12

# %% [markdown]
# ## Forks: when one node feeds two operations, its gradients add up
#
# If $x$ influences the output along two paths, a small nudge of $x$ changes the
# output through both, so the two contributions are summed (the multivariable chain
# rule). Here $p = x \cdot y$ and $q = x^2$ both read $x$, and $out = p + q$:
#
# $$\frac{\partial\,out}{\partial x} = \underbrace{y}_{\text{via } p} + \underbrace{2x}_{\text{via } q} = 3 + 4 = 7.$$

# %%
x = Value(2.0, label="x")
y = Value(3.0, label="y")
p = x * y
p.label = "p"
q = x**2
q.label = "q"
out = p + q
out.label = "out"
out.backward()
draw_dot(out)

# %%
via_p = y.data  # d out/dp * dp/dx = 1 * y
via_q = 2 * x.data  # d out/dq * dq/dx = 1 * 2x
assert x.grad == via_p + via_q == 7.0
assert y.grad == x.data

# %% [markdown]
# The simplest fork is a node added to itself: $b = a + a$ has $db/da = 2$, because
# both edges of the `+` node lead to the same $a$ and each contributes 1.

# %%
a = Value(5.0, label="a")
b = a + a
b.label = "b"
b.backward()
assert a.grad == 2.0
draw_dot(b)

# %% [markdown]
# One more thing to know: gradients of leaves **accumulate** across calls to
# `backward()` (as in PyTorch), which is what makes forks work. Before a second
# backward pass, reset them, as training loops do with `zero_grad()`.

# %%
b.backward()  # a second pass without resetting: 2 + 2
assert a.grad == 4.0
a.grad = 0.0
b.backward()
assert a.grad == 2.0
