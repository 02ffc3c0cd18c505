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
# # 3. Forward mode: dual numbers
#
# Backpropagation (reverse mode) runs the computation first and then sweeps back
# through the graph. Forward mode gets derivatives in a single forward sweep, with no
# graph at all, by computing with **dual numbers** $a + b\varepsilon$, where
# $\varepsilon$ is a symbol with
#
# $$\varepsilon^2 = 0, \qquad \varepsilon \ne 0.$$
#
# Arithmetic follows from that one rule:
#
# $$(a + b\varepsilon) + (c + d\varepsilon) = (a + c) + (b + d)\varepsilon, \qquad
# (a + b\varepsilon)(c + d\varepsilon) = ac + (ad + bc)\varepsilon.$$
#
# The $\varepsilon$ part of a sum is the sum of the derivatives and the $\varepsilon$
# part of a product is the product rule. In general
# $f(a + \varepsilon) = f(a) + f'(a)\,\varepsilon$.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np

from micrograd import Value, primitive
from micrograd.forward import Dual, derivative
from micrograd.functional import GradcheckError, grad, gradcheck

# %%
p = Dual(2.0, 3.0)  # 2 + 3 eps
q = Dual(5.0, -1.0)  # 5 - 1 eps
print(p + q)
print(p * q)
assert (p * q).real == 2.0 * 5.0 and (p * q).dual == 2.0 * -1.0 + 3.0 * 5.0
assert (p + q).dual == 3.0 + -1.0


# %% [markdown]
# ## A polynomial by hand and by machine
#
# Let $f(x) = 2x^2 + 3x + 1$. Expanding with $\varepsilon^2 = 0$:
#
# $$f(x + \varepsilon) = 2(x^2 + 2x\varepsilon) + 3x + 3\varepsilon + 1
# = \underbrace{(2x^2 + 3x + 1)}_{f(x)} + \underbrace{(4x + 3)}_{f'(x)}\,\varepsilon .$$
#
# At $x = 4$ that is $45 + 19\varepsilon$, so $f(4) = 45$ and $f'(4) = 19$.


# %%
def f(x):
    return 2 * x**2 + 3 * x + 1


result = f(Dual(4.0, 1.0))  # seed the input's tangent with 1
print(result)
assert (result.real, result.dual) == (45.0, 19.0)
assert derivative(f, 4.0) == 4 * 4.0 + 3


# %% [markdown]
# ## Forward mode agrees with reverse mode
#
# The same Python function runs on Duals (forward mode) and on Values (reverse mode),
# because both use the engine's derivative rules. For a function with exp, log, tanh,
# sigmoid and a square root, the two derivatives match at many points.


# %%
def h(x):
    return (x.tanh() + x.sigmoid() * x.exp()).log() + (x * x + 1).sqrt() / x


points = [0.3, 0.7, 1.0, 1.5, 2.5]
for x0 in points:
    forward = derivative(h, x0)
    xv = Value(x0)
    h(xv).backward()
    print(f"x = {x0}:  forward {forward:+.15f}   reverse {xv.grad:+.15f}")
    assert abs(forward - xv.grad) < 1e-12

# %% [markdown]
# The curve and its derivative: the line comes from forward mode on a fine grid, the
# dots from reverse mode at the points above.

# %%
grid = np.linspace(0.25, 3.0, 200)
with_eps = [h(Dual(x0, 1.0)) for x0 in grid]
reverse = []
for x0 in points:
    xv = Value(x0)
    h(xv).backward()
    reverse.append(xv.grad)

plt.figure(figsize=(6, 3.5))
plt.plot(grid, [d.real for d in with_eps], label="h(x): real part")
plt.plot(grid, [d.dual for d in with_eps], label="h'(x): ε part (forward mode)")
plt.plot(points, reverse, "o", label="h'(x): backward() (reverse mode)")
plt.axhline(0, color="grey", lw=0.5)
plt.ylim(-3, 4)
plt.xlabel("x")
plt.ylabel("h(x) and h'(x)")
plt.legend()
plt.show()


# %% [markdown]
# When is each mode cheaper? One forward sweep gives the derivative of **every
# output** with respect to **one input** direction; one backward sweep gives the
# derivative of **one output** with respect to **every input**. A loss is one number
# depending on many parameters, which is why training uses reverse mode.

# %% [markdown]
# ## Derivatives of derivatives
#
# `grad(f)` turns a function into the function that returns its derivative (computed
# by reverse mode). The backward pass itself is built from differentiable
# operations, so its result can be differentiated again: `grad(grad(f))` is $f''$.
# For $f(x) = x^3 - 2x^2$: $f'(x) = 3x^2 - 4x$ and $f''(x) = 6x - 4$.


# %%
def cubic(x):
    return x**3 - 2 * x**2


d1 = grad(cubic)
d2 = grad(grad(cubic))
for x0 in [-1.0, 0.5, 2.0, 3.0]:
    print(f"x = {x0:+.1f}:  f' = {d1(x0):+.4f}   f'' = {d2(x0):+.4f}")
    assert abs(d1(x0) - (3 * x0**2 - 4 * x0)) < 1e-12
    assert abs(d2(x0) - (6 * x0 - 4)) < 1e-12

# %% [markdown]
# Forward mode gives the same first derivative:

# %%
assert all(derivative(cubic, x0) == d1(x0) for x0 in [-1.0, 0.5, 2.0, 3.0])


# %% [markdown]
# ## Gradient checking
#
# `gradcheck(f, *args)` compares the backward pass with central finite differences
# $\big(f(x + h) - f(x - h)\big)/2h$ and raises `GradcheckError` when they disagree.
# It is the standard test for a new operation.


# %%
def loss(w, b):
    return ((w * 1.5 + b).tanh() - 0.25) ** 2 + 0.1 * w**2


assert gradcheck(loss, 0.8, -0.3)

# %% [markdown]
# A custom operation is defined with `primitive(forward, derivative)`. Here is
# softplus, $\log(1 + e^x)$, whose derivative is the sigmoid, and a broken copy whose
# derivative is wrong (it forgot the minus sign inside the exponential):

# %%
softplus = primitive(
    lambda x: math.log1p(math.exp(x)),
    lambda x: 1 / (1 + math.exp(-x)),
    name="softplus",
)
broken_softplus = primitive(
    lambda x: math.log1p(math.exp(x)),
    lambda x: 1 / (1 + math.exp(x)),
    name="broken_softplus",
)

assert gradcheck(lambda x: softplus(x * 2.0), 0.4)

try:
    gradcheck(lambda x: broken_softplus(x * 2.0), 0.4)
except GradcheckError as error:
    print("caught:", error)
else:
    raise AssertionError("gradcheck missed a wrong derivative")
