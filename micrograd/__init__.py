"""micrograd: a scalar reverse-mode autodiff engine with a small neural-network library.

>>> from micrograd import Value
>>> x = Value(3.0, label='x')
>>> y = (5 * x + 2) ** 3
>>> y.backward()
>>> x.grad   # dy/dx = 15 (5x + 2)^2
4335.0
"""

from micrograd import lecture, ops, pickling  # noqa: F401 (they install Value's methods)
from micrograd.codegen import compile, to_python
from micrograd.engine import Value, enable_grad, is_grad_enabled, no_grad, primitive
from micrograd.forward import Dual, derivative
from micrograd.functional import GradcheckError, grad, gradcheck, value_and_grad
from micrograd.op import Op, apply
from micrograd.ops import linear

__all__ = [
    "Dual",
    "GradcheckError",
    "Op",
    "Value",
    "apply",
    "compile",
    "derivative",
    "enable_grad",
    "grad",
    "gradcheck",
    "is_grad_enabled",
    "linear",
    "no_grad",
    "ops",
    "primitive",
    "to_python",
    "value_and_grad",
]
__version__ = "0.2.0"
