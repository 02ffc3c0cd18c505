"""micrograd: a scalar reverse-mode autodiff engine with a small neural-network library.

>>> from micrograd import Value
>>> x = Value(3.0, label='x')
>>> y = (5 * x + 2) ** 3
>>> y.backward()
>>> x.grad   # dy/dx = 15 (5x + 2)^2
4335.0
"""

from micrograd.engine import Value, apply, is_grad_enabled, linear, no_grad, primitive

__all__ = ["Value", "apply", "is_grad_enabled", "linear", "no_grad", "primitive"]
__version__ = "0.2.0"
