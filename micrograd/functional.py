"""Function transforms: `grad`, `value_and_grad` (nestable) and `gradcheck`.

``grad(f)`` is the function x -> f'(x), in the style of JAX and HIPS autograd:

>>> df = grad(lambda x: x**3)          # 3x^2
>>> df(2.0), grad(df)(2.0), grad(grad(df))(2.0)   # 3x^2, 6x, 6
(12.0, 12.0, 6.0)

Called with plain numbers, the transforms return floats and keep no graph. Called on
`Value` arguments, or inside another ``grad``, they return Values that stay
differentiable (computed with ``backward(create_graph=True)``), which is how
``grad(grad(f))`` gives the second derivative.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from micrograd.engine import ADD, Value, _to_float, enable_grad, no_grad, topological_order
from micrograd.forward import Dual

__all__ = ["GradcheckError", "grad", "gradcheck", "value_and_grad"]

Argnums = int | tuple[int, ...]

# How many grad transforms are evaluating their function right now (in this context).
_depth: ContextVar[int] = ContextVar("micrograd_grad_depth", default=0)


def _check_argnums(argnums: Any) -> tuple[int, ...]:
    """``argnums`` as a tuple of distinct non-negative ints, or TypeError/ValueError."""
    nums = argnums if isinstance(argnums, tuple) else (argnums,)
    for n in nums:
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f"argnums must be an int or a tuple of ints, got {argnums!r}")
        if n < 0:
            raise ValueError(f"argnums must be non-negative, got {argnums!r}")
    if not nums:
        raise ValueError("argnums is an empty tuple: there is nothing to differentiate")
    if len(set(nums)) != len(nums):
        raise ValueError(f"argnums has repeated entries: {argnums!r}")
    return nums


def _gradients(out: Value, leaves: list[Value], create_graph: bool) -> list[Any]:
    """d out / d leaf for each of the fresh ``leaves``, leaving every other node's grad as it was.

    ``backward`` accumulates on every leaf of the graph, including Values the function
    closes over (a model's parameters, the variable of an enclosing ``grad``): their
    gradients are saved and put back. With ``create_graph`` the gradient Values refer
    back to the graph, so the graph's own ``.grad`` slots are cleared afterwards to leave
    no reference cycles.
    """
    order = topological_order(out)
    others = {p for node in order for p in node._prev if not p._prev}
    if not out._prev:
        others.add(out)
    others.difference_update(leaves)
    saved = [(leaf, leaf.grad) for leaf in others]
    out.backward(create_graph=create_graph)
    grads = [leaf.grad for leaf in leaves]
    for leaf in leaves:
        leaf.grad = 0.0
    if create_graph:
        for node in order:
            node.grad = 0.0
    for leaf, g in saved:
        leaf.grad = g
    return grads


def _value_and_grads(
    f: Callable[..., Any], nums: tuple[int, ...], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[Any, list[Any]]:
    if max(nums) >= len(args):
        raise ValueError(
            f"argnums {max(nums)} is out of range: "
            f"{getattr(f, '__name__', 'f')} was called with {len(args)} positional arguments"
        )
    nested = _depth.get() > 0 or any(isinstance(args[i], Value) for i in nums)
    call_args = list(args)
    leaves = []
    for i in nums:
        a = args[i]
        if isinstance(a, Value):
            leaf = Value(a.data)
        else:
            try:
                leaf = Value(a)
            except TypeError:
                raise TypeError(
                    f"grad: argument {i} must be a real number or a Value, "
                    f"got {type(a).__name__}: {a!r:.60}"
                ) from None
        call_args[i] = leaf
        leaves.append(leaf)

    depth_token = _depth.set(_depth.get() + 1)
    try:
        with enable_grad():  # a transform differentiates even under no_grad
            out = f(*call_args, **kwargs)
            if not isinstance(out, Value):
                raise TypeError(
                    f"grad: the function must return a scalar Value, got {type(out).__name__}"
                )
            grads = _gradients(out, leaves, create_graph=nested)
    finally:
        _depth.reset(depth_token)

    if not nested:
        return out.data, grads
    # Splice each fresh leaf into the caller's graph as ``arg + 0``, so the value and the
    # gradients (graphs over the leaf) become differentiable with respect to the argument.
    for i, leaf in zip(nums, leaves):
        if isinstance(args[i], Value):
            leaf._prev = (args[i], Value(0.0))
            leaf._rule = ADD
    return out, [g if isinstance(g, Value) else Value(g) for g in grads]


def value_and_grad(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., tuple[Any, Any]]:
    """The function ``*args -> (f(*args), gradient)``, the gradient with respect to ``argnums``.

    ``f`` takes Values and returns a scalar Value. The gradient is one number for an int
    ``argnums``, a tuple for a tuple. Floats in, floats out; Value arguments (or a call
    inside another transform) give Values that can be differentiated again.
    """
    if not callable(f):
        raise TypeError(f"value_and_grad: f must be callable, got {type(f).__name__}")
    nums = _check_argnums(argnums)
    single = not isinstance(argnums, tuple)

    @functools.wraps(f)
    def value_and_grad_f(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        value, grads = _value_and_grads(f, nums, args, kwargs)
        return value, grads[0] if single else tuple(grads)

    return value_and_grad_f


def grad(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., Any]:
    """The function ``*args -> ∂f/∂args[argnums]``; nests: ``grad(grad(f))`` is f''.

    >>> grad(lambda x, y: x * y**2, argnums=(0, 1))(3.0, 2.0)   # (y^2, 2xy)
    (4.0, 12.0)
    """
    if not callable(f):
        raise TypeError(f"grad: f must be callable, got {type(f).__name__}")
    value_and_grad_f = value_and_grad(f, argnums)

    @functools.wraps(f)
    def grad_f(*args: Any, **kwargs: Any) -> Any:
        return value_and_grad_f(*args, **kwargs)[1]

    return grad_f


class GradcheckError(AssertionError):
    """A gradient disagrees with central differences (raised by `gradcheck`)."""


def _evaluate(f: Callable[..., Any], args: list[float]) -> float:
    with no_grad():
        out = f(*map(Value, args))
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a scalar Value, got {type(out).__name__}")
    return out.data


def _forward_mode(f: Callable[..., Any], args: list[float], i: int) -> float:
    out = f(*(Dual(a, 1.0 if j == i else 0.0) for j, a in enumerate(args)))
    if not isinstance(out, Dual):
        raise TypeError(
            f"gradcheck: f must return a Dual when given Duals, got {type(out).__name__}"
        )
    return out.dual


def gradcheck(
    f: Callable[..., Any],
    *args: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Check reverse mode and forward mode against central differences at ``args``.

    For each argument x_i, the numerical derivative is
    ``(f(.., x_i + eps, ..) - f(.., x_i - eps, ..)) / (2 eps)``; the reverse-mode gradient
    and the forward-mode derivative (one `Dual` pass per argument) must each be within
    ``atol + rtol * |numerical|`` of it. ``f`` must work on Values and on Duals.

    Returns True, or raises `GradcheckError` listing the three values for every argument.
    """
    if not callable(f):
        raise TypeError(f"gradcheck: f must be callable, got {type(f).__name__}")
    if not args:
        raise ValueError("gradcheck: give at least one argument to check f at")
    if not eps > 0.0:
        raise ValueError(f"gradcheck: eps must be positive, got {eps!r}")
    if atol < 0.0 or rtol < 0.0:
        raise ValueError(f"gradcheck: atol and rtol must be non-negative, got {atol!r}, {rtol!r}")
    xs = []
    for i, a in enumerate(args):
        try:
            xs.append(_to_float(a))
        except TypeError:
            raise TypeError(
                f"gradcheck: argument {i} must be a real number, got {type(a).__name__}"
            ) from None

    reverse = grad(f, argnums=tuple(range(len(xs))))(*xs)
    lines = []
    failed = False
    for i, x in enumerate(xs):
        forward = _forward_mode(f, xs, i)
        plus = _evaluate(f, [*xs[:i], x + eps, *xs[i + 1 :]])
        minus = _evaluate(f, [*xs[:i], x - eps, *xs[i + 1 :]])
        numerical = (plus - minus) / (2.0 * eps)
        tolerance = atol + rtol * abs(numerical)
        bad = [
            name
            for name, value in (("reverse", reverse[i]), ("forward", forward))
            if not abs(value - numerical) <= tolerance
        ]
        failed = failed or bool(bad)
        verdict = f"MISMATCH ({', '.join(bad)})" if bad else "ok"
        lines.append(
            f"  argument {i} at {x!r}: reverse mode {reverse[i]!r}, forward mode {forward!r}, "
            f"central difference {numerical!r}: {verdict}"
        )
    if failed:
        raise GradcheckError(
            f"gradcheck failed (eps={eps!r}, atol={atol!r}, rtol={rtol!r}):\n" + "\n".join(lines)
        )
    return True
