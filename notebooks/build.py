"""Write the tutorial notebooks from the cells below and execute them to store their outputs.

    python notebooks/build.py                 # every notebook
    python notebooks/build.py 01 04           # only those whose name starts with 01 or 04
    python notebooks/build.py --no-execute    # write the cells without running them

Each notebook runs on a fresh ``python3`` kernel in a temporary directory, with the
repository root on PYTHONPATH, so the committed outputs (graphs as SVG, plots as PNG)
come from this checkout's ``micrograd``. A failing ``assert`` cell stops the build.
"""

# Markdown cells hold LaTeX formulas that read best on one line.
# ruff: noqa: E501

from __future__ import annotations

import argparse
import html
import os
import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from textwrap import dedent

import nbformat
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CELL_TIMEOUT = 120  # seconds

Cells = list[nbformat.NotebookNode]


def md(text: str) -> nbformat.NotebookNode:
    return new_markdown_cell(dedent(text).strip("\n"))


def code(text: str) -> nbformat.NotebookNode:
    return new_code_cell(dedent(text).strip("\n"))


# ---------------------------------------------------------------------------
# 01: expressions and graphs
# ---------------------------------------------------------------------------


def expressions_and_graphs() -> Cells:
    return [
        md("""
        # 1. Expressions and their graphs

        A `Value` wraps one number. Every arithmetic operation on Values makes a new
        Value that remembers its inputs (`_prev`) and the operation (`_op`). So writing
        an ordinary formula quietly builds a **graph**, and `backward()` walks that graph
        from the output to the inputs, filling in `.grad` = d output / d node everywhere.

        In this notebook we build a few expressions, draw their graphs with `draw_dot`,
        and check every gradient against calculus done by hand.
        """),
        code("""
        import math

        from micrograd import Value
        from micrograd.viz import draw_dot
        """),
        md("""
        ## A first expression

        $L = (a \\cdot b + c) \\cdot k$. Labels are optional; they only make the drawing
        easier to read.
        """),
        code("""
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
        """),
        md("""
        Each box shows a node's label, its value (`data`) and its gradient (`grad`).
        The oval nodes are the operations. Nothing has been differentiated yet, so every
        gradient is still 0.
        """),
        code("""
        draw_dot(L)
        """),
        code("""
        L.backward()
        draw_dot(L)
        """),
        md("""
        Reading the gradients backwards from $L$:

        * $L = d \\cdot k$, so $\\partial L/\\partial k = d = 1$ and $\\partial L/\\partial d = k = 3$.
        * $d = e + c$: addition passes the gradient through unchanged, so
          $\\partial L/\\partial e = \\partial L/\\partial c = 3$.
        * $e = a \\cdot b$: a product sends each input the *other* input times the upstream
          gradient, so $\\partial L/\\partial a = 3b = -6$ and $\\partial L/\\partial b = 3a = 4.5$.
        """),
        code("""
        assert (k.grad, d.grad, c.grad, e.grad) == (1.0, 3.0, 3.0, 3.0)
        assert (a.grad, b.grad) == (k.data * b.data, k.data * a.data) == (-6.0, 4.5)
        """),
        md("""
        ## The chain rule on a composite function

        Take $g(x) = (5x + 2)^3$. Split it into an inner function $u = 5x + 2$ and an
        outer one $g = u^3$. Then $dg/du = 3u^2$, $du/dx = 5$, and the chain rule
        multiplies them:

        $$\\frac{dg}{dx} = \\frac{dg}{du}\\,\\frac{du}{dx} = 3u^2 \\cdot 5 = 15\\,(5x+2)^2 .$$

        At $x = 1$: $u = 7$, $g = 343$, $dg/du = 147$ and $dg/dx = 735$.
        """),
        code("""
        x = Value(1.0, label="x")
        five_x = 5 * x
        five_x.label = "5x"
        u = five_x + 2
        u.label = "u"
        g = u**3
        g.label = "g"
        g.backward()
        draw_dot(g)
        """),
        code("""
        assert g.data == 343.0
        assert u.grad == 3 * u.data**2 == 147.0  # dg/du
        assert x.grad == 15 * (5 * x.data + 2) ** 2 == 735.0  # dg/dx = dg/du * du/dx


        def central_difference(f, x0, h=1e-6):
            return (f(x0 + h) - f(x0 - h)) / (2 * h)


        numeric = central_difference(lambda t: (5 * t + 2) ** 3, 1.0)
        print(f"backward: {x.grad}   central difference: {numeric:.6f}")
        assert abs(x.grad - numeric) < 1e-5
        """),
        md("""
        ## A small graph with a sigmoid

        Now a function of two variables, $f(x, y) = \\dfrac{x + \\sigma(y)}{x^2 + y}$, where
        $\\sigma(y) = 1/(1 + e^{-y})$, evaluated at $(x, y) = (3, -4)$. We build it from
        simple steps, each of which has an easy derivative:

        | step | op | local derivatives |
        |---|---|---|
        | $a = \\sigma(y)$ | sigmoid | $\\partial a/\\partial y = a(1-a)$ |
        | $b = x + a$ | add | 1 and 1 |
        | $c = x^2$ | square | $\\partial c/\\partial x = 2x$ |
        | $d = y + c$ | add | 1 and 1 |
        | $e = 1/d$ | reciprocal | $\\partial e/\\partial d = -1/d^2$ |
        | $f = b \\cdot e$ | multiply | $\\partial f/\\partial b = e$, $\\partial f/\\partial e = b$ |
        """),
        code("""
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
        """),
        md("""
        Both $x$ and $y$ are used twice ($x$ in $b$ and $c$, $y$ in $a$ and $d$), so the
        graph is not a chain. The quotient rule gives the exact answer to compare with:

        $$\\frac{\\partial f}{\\partial x} = \\frac{(x^2 + y) - (x + \\sigma(y))\\,2x}{(x^2+y)^2},
        \\qquad
        \\frac{\\partial f}{\\partial y} = \\frac{\\sigma(y)(1-\\sigma(y))\\,(x^2 + y) - (x + \\sigma(y))}{(x^2+y)^2}.$$
        """),
        code("""
        s = 1 / (1 + math.exp(4.0))  # sigma(-4)
        den = 3.0**2 - 4.0  # x^2 + y = 5
        dfdx = (den - (3.0 + s) * 2 * 3.0) / den**2
        dfdy = (s * (1 - s) * den - (3.0 + s)) / den**2
        print(f"f = {f.data:.6f}")
        print(f"df/dx: backward {x.grad:.12f}   formula {dfdx:.12f}")
        print(f"df/dy: backward {y.grad:.12f}   formula {dfdy:.12f}")
        assert abs(f.data - (3.0 + s) / den) < 1e-15
        assert abs(x.grad - dfdx) < 1e-12 and abs(y.grad - dfdy) < 1e-12
        """),
        md("""
        ## Forks: when one node feeds two operations, its gradients add up

        If $x$ influences the output along two paths, a small nudge of $x$ changes the
        output through both, so the two contributions are summed (the multivariable chain
        rule). Here $p = x \\cdot y$ and $q = x^2$ both read $x$, and $out = p + q$:

        $$\\frac{\\partial\\,out}{\\partial x} = \\underbrace{y}_{\\text{via } p} + \\underbrace{2x}_{\\text{via } q} = 3 + 4 = 7.$$
        """),
        code("""
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
        """),
        code("""
        via_p = y.data  # d out/dp * dp/dx = 1 * y
        via_q = 2 * x.data  # d out/dq * dq/dx = 1 * 2x
        assert x.grad == via_p + via_q == 7.0
        assert y.grad == x.data
        """),
        md("""
        The simplest fork is a node added to itself: $b = a + a$ has $db/da = 2$, because
        both edges of the `+` node lead to the same $a$ and each contributes 1.
        """),
        code("""
        a = Value(5.0, label="a")
        b = a + a
        b.label = "b"
        b.backward()
        assert a.grad == 2.0
        draw_dot(b)
        """),
        md("""
        One more thing to know: gradients of leaves **accumulate** across calls to
        `backward()` (as in PyTorch), which is what makes forks work. Before a second
        backward pass, reset them, as training loops do with `zero_grad()`.
        """),
        code("""
        b.backward()  # a second pass without resetting: 2 + 2
        assert a.grad == 4.0
        a.grad = 0.0
        b.backward()
        assert a.grad == 2.0
        """),
    ]


# ---------------------------------------------------------------------------
# 02: backprop step by step
# ---------------------------------------------------------------------------


def backprop_step_by_step() -> Cells:
    return [
        md("""
        # 2. Backpropagation, one step at a time

        `backward()` visits the operation nodes from the output towards the inputs. At
        each node $n$ it knows $\\partial f/\\partial n$ (the *upstream* gradient), and for
        each input $p$ of $n$ it adds

        $$\\frac{\\partial f}{\\partial n} \\cdot \\frac{\\partial n}{\\partial p}
        \\quad\\text{(upstream gradient} \\times \\text{local derivative)}$$

        to $p$'s gradient. An input that feeds several nodes receives several such
        contributions, and they add up. `trace_backward` lists these steps without running
        them, so we can look at each one.
        """),
        code("""
        import math

        from IPython.display import Markdown, display

        from micrograd import Value
        from micrograd.viz import draw_dot, step_through, trace_backward
        """),
        md("""
        We use $f(x, y) = \\dfrac{x + \\sigma(y)}{x^2 + y}$ at $(3, -4)$ again, built from the
        same six small steps as in notebook 1.
        """),
        code("""
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
        """),
        md("""
        ## The trace as a table

        Each row is one edge of the graph, walked backwards: the node being processed, the
        input receiving gradient, the node's gradient (upstream), the local derivative, their
        product, and the input's gradient before and after the step.
        """),
        code("""
        rows = [
            "| # | node | input | upstream | local | contribution | before | after |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for i, s in enumerate(steps, 1):
            rows.append(
                f"| {i} | {s.node.label} | {s.to.label} | {s.grad:.6f} | {s.local:.6f} "
                f"| {s.contribution:.6f} | {s.before:.6f} | {s.after:.6f} |"
            )
        display(Markdown("\\n".join(rows)))
        """),
        md("""
        Notice the rows where *before* is not zero: that is where a second path reaches
        $x$ (through $c = x^2$) or $y$ (through $d = y + c$) and its contribution is added to
        the first one. The last value each variable reaches is its gradient, exactly what
        `backward()` computes:
        """),
        code("""
        final = {}
        for s in steps:
            final[s.to.label] = s.after
        f.backward()
        print(f"x.grad = {x.grad:.12f}   from the trace: {final['x']:.12f}")
        print(f"y.grad = {y.grad:.12f}   from the trace: {final['y']:.12f}")
        assert final["x"] == x.grad and final["y"] == y.grad
        assert all(s.contribution == s.grad * s.local for s in steps)
        """),
        md("""
        ## The same numbers by hand

        Now we do the backward pass ourselves with plain floats, one line per edge, in
        the reverse order of the forward pass. `delta_v` holds $\\partial f/\\partial v$.
        """),
        code("""
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
        """),
        md(
            "Side by side with the trace (the trace visits the edges in its own order, so we match them by name):"
        ),
        code("""
        rows = ["| node → input | trace | by hand |", "|---|---|---|"]
        for s in steps:
            rows.append(
                f"| {s.node.label} → {s.to.label} | {s.contribution:.10f} "
                f"| {hand[s.node.label, s.to.label]:.10f} |"
            )
        display(Markdown("\\n".join(rows)))
        """),
        code("""
        assert set(hand) == {(s.node.label, s.to.label) for s in steps}
        for s in steps:
            assert abs(s.contribution - hand[s.node.label, s.to.label]) < 1e-15
        assert abs(x.grad - delta_x) < 1e-15 and abs(y.grad - delta_y) < 1e-15
        """),
        md("""
        ## Local derivatives on the edges

        With `local_grads=True` every edge into an operation is labelled with the local
        derivative $\\partial\\,\\text{out}/\\partial\\,\\text{input}$ at the current values.
        Multiply the labels along a path from an input to $f$ and add over the paths: that
        is the gradient.
        """),
        code("""
        draw_dot(f, local_grads=True)
        """),
        code("""
        # the two paths from x to f: x -> b -> f and x -> c -> d -> e -> f
        s = 1 / (1 + math.exp(4.0))
        path_b = 1.0 * e  # db/dx * df/db
        path_c = (2 * xf) * 1.0 * (-1.0 / d**2) * b  # dc/dx * dd/dc * de/dd * df/de
        assert abs((path_b + path_c) - x.grad) < 1e-15
        """),
        md("""
        ## Frames of the backward pass

        `draw_dot(f, upto=k)` draws the graph after the first `k` steps: the step just
        taken is red and labelled `upstream × local = contribution`, and the part of the
        graph the pass has not reached yet is grey.
        """),
        code("""
        draw_dot(f, upto=0)
        """),
        code("""
        draw_dot(f, upto=3)
        """),
        code("""
        draw_dot(f, upto=7)
        """),
        code("""
        draw_dot(f, upto=len(steps))
        """),
        md("""
        ## A slider

        In a running notebook, `step_through(f)` shows a slider over all the steps (it needs
        `ipywidgets`). On a static page such as GitHub the slider cannot run, so only a
        placeholder appears below; the frames above show what it draws.
        """),
        code("""
        step_through(f)
        """),
    ]


# ---------------------------------------------------------------------------
# 03: forward mode with dual numbers
# ---------------------------------------------------------------------------


def forward_mode() -> Cells:
    return [
        md("""
        # 3. Forward mode: dual numbers

        Backpropagation (reverse mode) runs the computation first and then sweeps back
        through the graph. Forward mode gets derivatives in a single forward sweep, with no
        graph at all, by computing with **dual numbers** $a + b\\varepsilon$, where
        $\\varepsilon$ is a symbol with

        $$\\varepsilon^2 = 0, \\qquad \\varepsilon \\ne 0.$$

        Arithmetic follows from that one rule:

        $$(a + b\\varepsilon) + (c + d\\varepsilon) = (a + c) + (b + d)\\varepsilon, \\qquad
        (a + b\\varepsilon)(c + d\\varepsilon) = ac + (ad + bc)\\varepsilon.$$

        The $\\varepsilon$ part of a sum is the sum of the derivatives and the $\\varepsilon$
        part of a product is the product rule. In general
        $f(a + \\varepsilon) = f(a) + f'(a)\\,\\varepsilon$.
        """),
        code("""
        import math

        import matplotlib.pyplot as plt
        import numpy as np

        from micrograd import Value, primitive
        from micrograd.forward import Dual, derivative
        from micrograd.functional import GradcheckError, grad, gradcheck
        """),
        code("""
        p = Dual(2.0, 3.0)  # 2 + 3 eps
        q = Dual(5.0, -1.0)  # 5 - 1 eps
        print(p + q)
        print(p * q)
        assert (p * q).real == 2.0 * 5.0 and (p * q).dual == 2.0 * -1.0 + 3.0 * 5.0
        assert (p + q).dual == 3.0 + -1.0
        """),
        md("""
        ## A polynomial by hand and by machine

        Let $f(x) = 2x^2 + 3x + 1$. Expanding with $\\varepsilon^2 = 0$:

        $$f(x + \\varepsilon) = 2(x^2 + 2x\\varepsilon) + 3x + 3\\varepsilon + 1
        = \\underbrace{(2x^2 + 3x + 1)}_{f(x)} + \\underbrace{(4x + 3)}_{f'(x)}\\,\\varepsilon .$$

        At $x = 4$ that is $45 + 19\\varepsilon$, so $f(4) = 45$ and $f'(4) = 19$.
        """),
        code("""
        def f(x):
            return 2 * x**2 + 3 * x + 1


        result = f(Dual(4.0, 1.0))  # seed the input's tangent with 1
        print(result)
        assert (result.real, result.dual) == (45.0, 19.0)
        assert derivative(f, 4.0) == 4 * 4.0 + 3
        """),
        md("""
        ## Forward mode agrees with reverse mode

        The same Python function runs on Duals (forward mode) and on Values (reverse mode),
        because both use the engine's derivative rules. For a function with exp, log, tanh,
        sigmoid and a square root, the two derivatives match at many points.
        """),
        code("""
        def h(x):
            return (x.tanh() + x.sigmoid() * x.exp()).log() + (x * x + 1).sqrt() / x


        points = [0.3, 0.7, 1.0, 1.5, 2.5]
        for x0 in points:
            forward = derivative(h, x0)
            xv = Value(x0)
            h(xv).backward()
            print(f"x = {x0}:  forward {forward:+.15f}   reverse {xv.grad:+.15f}")
            assert abs(forward - xv.grad) < 1e-12
        """),
        md("""
        The curve and its derivative: the line comes from forward mode on a fine grid, the
        dots from reverse mode at the points above.
        """),
        code("""
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
        plt.legend()
        plt.show()
        """),
        md("""
        When is each mode cheaper? One forward sweep gives the derivative of **every
        output** with respect to **one input** direction; one backward sweep gives the
        derivative of **one output** with respect to **every input**. A loss is one number
        depending on many parameters, which is why training uses reverse mode.
        """),
        md("""
        ## Derivatives of derivatives

        `grad(f)` turns a function into the function that returns its derivative (computed
        by reverse mode). The backward pass itself is built from differentiable
        operations, so its result can be differentiated again: `grad(grad(f))` is $f''$.
        For $f(x) = x^3 - 2x^2$: $f'(x) = 3x^2 - 4x$ and $f''(x) = 6x - 4$.
        """),
        code("""
        def cubic(x):
            return x**3 - 2 * x**2


        d1 = grad(cubic)
        d2 = grad(grad(cubic))
        for x0 in [-1.0, 0.5, 2.0, 3.0]:
            print(f"x = {x0:+.1f}:  f' = {d1(x0):+.4f}   f'' = {d2(x0):+.4f}")
            assert abs(d1(x0) - (3 * x0**2 - 4 * x0)) < 1e-12
            assert abs(d2(x0) - (6 * x0 - 4)) < 1e-12
        """),
        md("""
        Forward mode gives the same first derivative:
        """),
        code("""
        assert all(derivative(cubic, x0) == d1(x0) for x0 in [-1.0, 0.5, 2.0, 3.0])
        """),
        md("""
        ## Gradient checking

        `gradcheck(f, *args)` compares the backward pass with central finite differences
        $\\big(f(x + h) - f(x - h)\\big)/2h$ and raises `GradcheckError` when they disagree.
        It is the standard test for a new operation.
        """),
        code("""
        def loss(w, b):
            return ((w * 1.5 + b).tanh() - 0.25) ** 2 + 0.1 * w**2


        assert gradcheck(loss, 0.8, -0.3)
        """),
        md("""
        A custom operation is defined with `primitive(forward, derivative)`. Here is
        softplus, $\\log(1 + e^x)$, whose derivative is the sigmoid, and a broken copy whose
        derivative is wrong (it forgot the minus sign inside the exponential):
        """),
        code("""
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
        """),
    ]


# ---------------------------------------------------------------------------
# 04: the vectorized equations of backprop for an MLP
# ---------------------------------------------------------------------------


def mlp_equations() -> Cells:
    return [
        md("""
        # 4. The backprop equations of an MLP, in NumPy

        The engine differentiates a network one scalar at a time. Textbooks write the same
        computation with matrices. Here we implement the matrix equations in NumPy and
        check that they give **the same gradients** as the engine, to within $10^{-12}$.
        """),
        code("""
        import random

        import numpy as np

        from micrograd import Value
        from micrograd.nn import MLP
        """),
        md("""
        ## Notation and shapes

        A batch of $m$ examples is stored with **one example per column**. Layer $l$ has
        $n_l$ neurons ($n_0$ is the number of inputs):

        | symbol | meaning | shape |
        |---|---|---|
        | $A^{[0]} = X^\\top$ | the inputs | $n_0 \\times m$ |
        | $W^{[l]}$ | row $j$ = weights of neuron $j$ | $n_l \\times n_{l-1}$ |
        | $b^{[l]}$ | biases | $n_l$ (added to every column) |
        | $Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}$ | pre-activations | $n_l \\times m$ |
        | $A^{[l]} = g(Z^{[l]})$ | activations | $n_l \\times m$ |

        The loss is the mean squared error over the batch plus an L2 penalty on the weights
        (not the biases):

        $$L = \\frac{1}{m} \\sum_{i=1}^{m} \\big(\\hat y_i - y_i\\big)^2 + \\lambda \\sum_{l} \\sum_{j,k} \\big(W^{[l]}_{jk}\\big)^2 .$$

        ## The equations

        Write $\\Delta^{[l]} = \\partial L / \\partial Z^{[l]}$ (the "error" of layer $l$, one column
        per example). Starting from the output, where
        $\\partial L/\\partial \\hat y_i = \\tfrac{2}{m}(\\hat y_i - y_i)$, each layer does:

        $$\\Delta^{[l]} = \\frac{\\partial L}{\\partial A^{[l]}} \\odot g'\\big(Z^{[l]}\\big)
        \\qquad (n_l \\times m)$$

        $$\\frac{\\partial L}{\\partial W^{[l]}} = \\Delta^{[l]} \\big(A^{[l-1]}\\big)^\\top + 2\\lambda W^{[l]}
        \\qquad (n_l \\times m)(m \\times n_{l-1}) = n_l \\times n_{l-1}$$

        $$\\frac{\\partial L}{\\partial b^{[l]}} = \\sum_{i=1}^{m} \\Delta^{[l]}_{:,i}
        \\qquad (n_l)$$

        $$\\frac{\\partial L}{\\partial A^{[l-1]}} = \\big(W^{[l]}\\big)^\\top \\Delta^{[l]}
        \\qquad (n_{l-1} \\times n_l)(n_l \\times m) = n_{l-1} \\times m$$

        Every gradient has the shape of the thing it is the gradient of. The product
        $\\Delta A^\\top$ sums over the batch by itself: entry $(j, k)$ is
        $\\sum_i \\Delta_{ji} A_{ki}$, one term per example, because every example uses the
        same weight. The bias is added to every example, so its gradient is the sum of
        $\\Delta$ over the batch. The factor $1/m$ of the mean is already inside
        $\\partial L/\\partial \\hat y$, so it is not repeated here (texts that define $\\Delta$
        per example write $\\tfrac{1}{m}\\Delta A^\\top$ instead). With a penalty
        $\\tfrac{\\lambda}{2m}\\sum W^2$, as some texts use, the extra term would be
        $\\tfrac{\\lambda}{m} W$; with ours it is $2\\lambda W$.
        """),
        md("""
        ## A small network and a batch

        `MLP(3, [4, 4, 1])`: 3 inputs, two hidden ReLU layers of 4, one linear output.
        Neuron $j$ of layer $l$ is `model.layers[l].neurons[j]`, with weights `.w` (a list
        of Values) and bias `.b`.
        """),
        code("""
        random.seed(0)
        model = MLP(3, [4, 4, 1])
        rng = np.random.default_rng(0)
        m = 5
        X = rng.normal(size=(m, 3))  # one example per row, as a dataset is usually stored
        y = rng.normal(size=m)
        lam = 1e-2
        print(model)
        """),
        code("""
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
        """),
        md("""
        ## The engine's gradients

        The engine sees only scalars: it runs the network on each example, averages the
        squared errors, adds the penalty and calls `backward()`. The inputs are Values
        too, so we also get $\\partial L / \\partial X$.
        """),
        code("""
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
        """),
        md("""
        ## The same gradients from the matrix equations

        The derivative of each activation, written with $Z$ and $A = g(Z)$:
        ReLU: $g' = [Z > 0]$; tanh: $g' = 1 - A^2$; sigmoid: $g' = A(1 - A)$; linear: $g' = 1$.
        """),
        code("""
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
        """),
        code("""
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
        """),
        md("""
        The gradients agree to rounding error. The same code works for other activations,
        since only $g'$ changes:
        """),
        code("""
        for activation in ["tanh", "sigmoid"]:
            random.seed(1)
            other = MLP(3, [4, 4, 1], activation=activation)
            differences = compare(other, X, y, lam)
            print(activation, {k: f"{v:.1e}" for k, v in differences.items()})
            assert max(differences.values()) < 1e-12
        """),
        md("""
        ## Checking the pieces separately

        *The penalty adds exactly $2\\lambda W$ to the weight gradients and nothing to the
        biases.* Compare gradients with and without it:
        """),
        code("""
        _, dWs_0, dbs_0, _ = engine_gradients(model, X, y, 0.0)
        _, dWs_l, dbs_l, _ = engine_gradients(model, X, y, lam)
        Ws, _ = matrices(model)
        penalty_part = [a - b for a, b in zip(dWs_l, dWs_0)]
        assert max_difference(penalty_part, [2 * lam * W for W in Ws]) < 1e-12
        assert max_difference(dbs_l, dbs_0) == 0.0
        """),
        md("""
        *The gradient of the batch loss is the mean of the per-example gradients* (without
        the penalty). Each example alone has loss $(\\hat y_i - y_i)^2$; averaging their
        gradients gives the gradient of the mean squared error:
        """),
        code("""
        single = [engine_gradients(model, X[i : i + 1], y[i : i + 1], 0.0) for i in range(m)]
        for i in range(len(model.layers)):
            mean_dW = np.mean([g[1][i] for g in single], axis=0)
            mean_db = np.mean([g[2][i] for g in single], axis=0)
            assert np.max(np.abs(mean_dW - dWs_0[i])) < 1e-12
            assert np.max(np.abs(mean_db - dbs_0[i])) < 1e-12
        print("batch gradient = mean of the", m, "per-example gradients")
        """),
        md("""
        ## One example per row instead

        Many texts (and most libraries) store examples as rows: $\\hat y = X w + b$ for a
        single linear neuron, with $X$ of shape $m \\times n$ and $w$ of shape $n \\times 1$.
        The equations are then transposed:

        $$\\frac{\\partial L}{\\partial w} = X^\\top \\frac{\\partial L}{\\partial \\hat y}
        \\quad (n \\times m)(m \\times 1), \\qquad
        \\frac{\\partial L}{\\partial b} = \\sum_i \\frac{\\partial L}{\\partial \\hat y_i}, \\qquad
        \\frac{\\partial L}{\\partial X} = \\frac{\\partial L}{\\partial \\hat y}\\, w^\\top
        \\quad (m \\times 1)(1 \\times n).$$

        A one-neuron linear `MLP(3, [1])` is exactly this model:
        """),
        code("""
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
        """),
    ]


# ---------------------------------------------------------------------------
# 05: training a tiny MLP
# ---------------------------------------------------------------------------


def training() -> Cells:
    return [
        md("""
        # 5. Training a tiny MLP

        Everything comes together: a network (`MLP`), a loss built from Values, one
        `backward()` per step to get every parameter's gradient, and an optimizer that moves
        the parameters a little against their gradients. First a binary classifier on the
        two-moons data set, then a three-class problem with cross-entropy and Adam.
        """),
        code("""
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
        """),
        md("""
        ## The data: two interleaving half moons

        100 points in the plane, labelled 0 or 1. No straight line separates them, so the
        network has to learn a curved boundary. The hinge loss below wants labels
        $\\pm 1$, so we map 0/1 to -1/+1.
        """),
        code("""
        X, labels = make_moons(n_samples=100, noise=0.1, seed=1)
        y = [2 * t - 1 for t in labels]  # 0/1 -> -1/+1
        X_np, y_np = np.array(X), np.array(y)

        plt.figure(figsize=(5, 4))
        plt.scatter(X_np[:, 0], X_np[:, 1], c=y_np, s=20, cmap="coolwarm", edgecolors="k")
        plt.title("make_moons: 100 points, two classes")
        plt.show()
        """),
        md("""
        ## Model, loss and optimizer

        * **Model**: `MLP(2, [16, 16, 1])`, two hidden ReLU layers of 16 and one linear
          output, the score $s$; we predict class +1 when $s > 0$. That is 337 parameters.
        * **Loss**: the hinge (max-margin) loss $\\frac{1}{n}\\sum_i \\max(0, 1 - y_i s_i)$, which
          is zero for a point on the correct side with a margin of at least 1, plus a small
          L2 penalty $\\alpha \\sum_p p^2$ with $\\alpha = 10^{-4}$ that keeps the weights small.
        * **Optimizer**: plain gradient descent on the whole data set, with a learning rate
          that decays linearly from 1.0 to 0.1 over 100 steps: $\\text{lr}_k = 1 - 0.9\\,k/100$.
        """),
        code("""
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
        """),
        md("""
        Each step: forward pass on all 100 points, `zero_grad()` (gradients of parameters
        accumulate otherwise), `backward()`, then the update $p \\leftarrow p - \\text{lr}\\cdot
        \\partial L/\\partial p$.
        """),
        code("""
        steps = 100
        losses, accuracies = [], []
        for k in tqdm(range(steps), desc="training"):
            loss, accuracy = loss_and_accuracy(model)
            optimizer.zero_grad()
            loss.backward()
            optimizer.lr = 1.0 - 0.9 * k / steps
            optimizer.step()
            losses.append(loss.data)
            accuracies.append(accuracy)

        final_loss, final_accuracy = loss_and_accuracy(model)
        print(f"after {steps} steps: loss {final_loss.data:.4f}, accuracy {final_accuracy:.0%}")
        """),
        code("""
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.5))
        ax1.plot(losses)
        ax1.set_yscale("log")
        ax1.set(title="loss", xlabel="step")
        ax2.plot(accuracies)
        ax2.set(title="accuracy", xlabel="step", ylim=(0.4, 1.02))
        plt.show()
        """),
        code("""
        assert final_accuracy == 1.0, "the classifier should separate the moons"
        assert final_loss.data < 0.05 * losses[0]
        """),
        md("""
        ## The decision boundary

        Evaluate the trained network on a grid covering the plane and colour each point
        by the sign of its score. Nothing is trained here, so the forward passes run under
        `no_grad()`, which skips recording the graph.
        """),
        code("""
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
        plt.figure(figsize=(5, 4))
        plt.contourf(xx, yy, zz, cmap="coolwarm", alpha=0.6)
        plt.scatter(X_np[:, 0], X_np[:, 1], c=y_np, s=20, cmap="coolwarm", edgecolors="k")
        plt.title("decision boundary after training")
        plt.show()
        """),
        md("""
        ## Saving and loading

        `model.save(path)` writes every parameter by name to a JSON file; `load(path)`
        sets the parameters of a model with the same architecture. A freshly initialised
        model predicts differently; after loading it predicts exactly the same numbers.
        """),
        code("""
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
        """),
        md("""
        ## Three classes: cross-entropy and Adam

        With more than two classes the network outputs one score (a *logit*) $z_c$ per
        class. Softmax turns them into probabilities, and the cross-entropy loss of an
        example with class $t$ is the negative log of its probability:

        $$\\ell = -\\log \\frac{e^{z_t}}{\\sum_c e^{z_c}} = \\log \\sum_c e^{z_c} - z_t .$$

        Our data: three blobs of 30 points each around the corners of a triangle,
        drawn with a seeded `random.Random` so they are the same on every run.
        """),
        code("""
        rng = random.Random(7)
        centres = [(0.0, 2.0), (-1.8, -1.0), (1.8, -1.0)]
        X3, y3 = [], []
        for label, (cx, cy) in enumerate(centres):
            for _ in range(30):
                X3.append([cx + rng.gauss(0, 0.6), cy + rng.gauss(0, 0.6)])
                y3.append(label)
        X3_np, y3_np = np.array(X3), np.array(y3)
        """),
        md("""
        First a check of the loss on one example against the formula above, computed with
        the `math` module:
        """),
        code("""
        logits = [0.5, -1.0, 2.0]
        by_hand = math.log(sum(math.exp(z) for z in logits)) - logits[0]
        assert abs(cross_entropy(logits, 0).data - by_hand) < 1e-12
        print(f"cross-entropy of {logits} for class 0: {by_hand:.6f}")
        """),
        md("""
        `MLP(2, [16, 3])`: one hidden ReLU layer and three linear outputs, trained with
        Adam (learning rate 0.05) on the mean cross-entropy of the batch. Adam scales each
        parameter's step by a running estimate of its gradient's size, so one learning rate
        suits every parameter.
        """),
        code("""
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
        """),
        code("""
        xx, yy, out = grid_scores(classifier, X3_np, h=0.08)
        out = np.array([[z.data for z in row] for row in out])
        zz = out.argmax(axis=1).reshape(xx.shape)
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
        ax1.plot(ce_losses)
        ax1.set(title="cross-entropy loss (Adam)", xlabel="step")
        ax2.contourf(xx, yy, zz, levels=[-0.5, 0.5, 1.5, 2.5], cmap="viridis", alpha=0.5)
        ax2.scatter(X3_np[:, 0], X3_np[:, 1], c=y3_np, s=20, cmap="viridis", edgecolors="k")
        ax2.set(title="three classes")
        plt.show()
        """),
        code("""
        assert ce_accuracy == 1.0
        assert ce_loss.data < 0.2 * ce_losses[0]
        """),
    ]


NOTEBOOKS: dict[str, Callable[[], Cells]] = {
    "01_expressions_and_graphs": expressions_and_graphs,
    "02_backprop_step_by_step": backprop_step_by_step,
    "03_forward_mode_dual_numbers": forward_mode,
    "04_mlp_backprop_equations": mlp_equations,
    "05_training_a_tiny_mlp": training,
}


def make(name: str) -> nbformat.NotebookNode:
    """The notebook ``name`` with its cells and no outputs."""
    nb = new_notebook(cells=NOTEBOOKS[name]())
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for i, cell in enumerate(nb.cells):
        cell.id = f"{name[:2]}-{i:02d}"
    return nb


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+>")


def _widget_text(model_id: str, states: dict) -> str:
    """A static stand-in for a widget on pages that cannot run it (such as GitHub).

    A tqdm bar (HBox of HTML, FloatProgress, HTML) becomes its final text; any other
    widget says that it needs a running notebook.
    """
    state = states.get(model_id, {}).get("state", {})
    parts = [states.get(c.removeprefix("IPY_MODEL_"), {}) for c in state.get("children", [])]
    if [p.get("model_name") for p in parts] == ["HTMLModel", "FloatProgressModel", "HTMLModel"]:
        left, bar, right = (p["state"] for p in parts)
        filled = round(10 * bar.get("value", 0) / (bar.get("max") or 1))
        meter = "█" * filled + " " * (10 - filled)
        return html.unescape(f"{left.get('value', '')}|{meter}|{right.get('value', '')}")
    return "(an interactive widget: run the notebook in Jupyter to use it)"


def tidy(nb: nbformat.NotebookNode) -> None:
    """Make stored outputs read well without a kernel and stable between builds.

    Widgets get a meaningful plain-text fallback, and object reprs lose their memory
    address (``<... at 0x7f...>``).
    """
    states = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data:
                data["text/plain"] = _widget_text(data[WIDGET_VIEW]["model_id"], states)
            elif "text/plain" in data:
                data["text/plain"] = _ADDRESS.sub(">", data["text/plain"])


def execute(nb: nbformat.NotebookNode, workdir: str | os.PathLike[str]) -> None:
    """Run ``nb`` in place on a fresh python3 kernel started in ``workdir``.

    The kernel imports this repository's ``micrograd`` (its root goes first on PYTHONPATH).
    """
    path = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), path]))
    try:
        NotebookClient(
            nb,
            timeout=CELL_TIMEOUT,
            kernel_name="python3",
            resources={"metadata": {"path": str(workdir)}},
            record_timing=False,
        ).execute()
    finally:
        if path is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prefixes", nargs="*", help="build only notebooks starting with these")
    parser.add_argument("--no-execute", action="store_true", help="write cells without outputs")
    args = parser.parse_args(argv)
    names = [n for n in NOTEBOOKS if not args.prefixes or n.startswith(tuple(args.prefixes))]
    if not names:
        parser.error(f"no notebook starts with {', '.join(args.prefixes)}")
    for name in names:
        nb = make(name)
        if not args.no_execute:
            with tempfile.TemporaryDirectory() as workdir:
                execute(nb, workdir)
            tidy(nb)
        nbformat.validate(nb)
        nbformat.write(nb, HERE / f"{name}.ipynb")
        print(f"wrote {name}.ipynb", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
