"""micrograd: a scalar reverse-mode autodiff engine with a small neural-network library.

>>> from micrograd import Value
>>> x = Value(3.0, label='x')
>>> y = (5 * x + 2) ** 3
>>> y.backward()
>>> x.grad   # dy/dx = 15 (5x + 2)^2
4335.0
"""

from micrograd.engine import (
    Value,
    apply,
    enable_grad,
    is_grad_enabled,
    linear,
    no_grad,
    primitive,
)
from micrograd.forward import Dual, derivative
from micrograd.functional import GradcheckError, grad, gradcheck, value_and_grad
from micrograd.viz import draw_dot, trace_backward

__all__ = [
    "Dual",
    "GradcheckError",
    "Value",
    "apply",
    "derivative",
    "draw_dot",
    "enable_grad",
    "grad",
    "gradcheck",
    "is_grad_enabled",
    "linear",
    "no_grad",
    "primitive",
    "trace_backward",
    "value_and_grad",
]
__version__ = "0.2.0"
