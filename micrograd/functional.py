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
import numbers
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from micrograd import ops
from micrograd.engine import Value, constant, enable_grad, no_grad, to_value
from micrograd.forward import Dual
from micrograd.gradients import backprop
from micrograd.scalars import to_float, to_non_negative

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
    inputs: dict[int, Value] = {}
    for i, a in enumerate(args):
        if i in nums:
            if isinstance(a, Value):
                # a node of its own, so that only this argument's uses count, and the
                # gradient (a graph over it) stays differentiable with respect to ``a``
                x = ops.identity(a)
            else:
                try:
                    x = Value(a)
                except TypeError:
                    raise TypeError(
                        f"grad: argument {i} must be a real number or a Value, "
                        f"got {type(a).__name__}: {a!r:.60}"
                    ) from None
            inputs[i] = x
            call_args[i] = x
        elif isinstance(a, numbers.Real) and not isinstance(a, bool):
            call_args[i] = constant(a)  # so that f's body works for every argnums

    depth_token = _depth.set(_depth.get() + 1)
    try:
        with enable_grad():  # a transform differentiates even under no_grad
            out = f(*call_args, **kwargs)
            if not isinstance(out, Value):
                raise TypeError(
                    f"grad: the function must return a scalar Value, got {type(out).__name__}"
                )
            seed = Value(1.0) if nested else 1.0
            grads = backprop(out, seed, create_graph=nested, until=set(inputs.values()))
    finally:
        _depth.reset(depth_token)
    gradients = [grads.get(inputs[i], 0.0) for i in nums]
    if not nested:
        return out.data, gradients
    return out, [to_value(g) for g in gradients]


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
    eps = to_non_negative(eps, "gradcheck: eps", positive=True)
    atol = to_non_negative(atol, "gradcheck: atol")
    rtol = to_non_negative(rtol, "gradcheck: rtol")
    xs = []
    for i, a in enumerate(args):
        try:
            xs.append(to_float(a))
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
