"""Backprop as code: a graph written out as a Python function, and a compiled training step.

`to_python(root)` returns the source of one function that does, for the graph of
``root``, what backpropagation does by hand: the forward pass one op per line in
topological order, then the backward pass in reverse order with one accumulator
``delta_u`` = d root / d u per node, ``+=`` where u feeds several ops (the fork rule)
and each local derivative written as its op's formula from the op table:

>>> from micrograd import Value
>>> x = Value(3.0, label='x'); y = Value(-4.0, label='y')
>>> print(to_python(x * y + x))                               # doctest: +NORMALIZE_WHITESPACE
def forward_backward(x, y):
    # forward pass
    v0 = x * y
    v1 = v0 + x
    # backward pass: delta_u = d v1 / d u
    # v1 = v0 + x
    delta_v0 = 1.0
    delta_x = 1.0
    # v0 = x * y
    delta_x += delta_v0 * y  # x feeds several ops: add to its accumulator
    delta_y = delta_v0 * x
    return v1, (delta_x, delta_y)

`compile(fn)` turns ``out = fn(*args); out.backward()`` into such code, compiled once,
with the model's parameters read from and written to their Values on every call.

How to read it, each module using only the ones before it:

- `text`: an op's formula text as format strings; literals, products, sums.
- `scope`: the names that formula text takes from its op's scope.
- `nodes`: the text of one node, its forward statement and each edge's derivative.
- `steps`: the backward pass as steps, the one writer of it for both products.
- `python`: `to_python`, the nodes and steps as one readable function.
- `groups`: the compiled code's statements per step, with the names they read and set.
- `assembly`: the statements cut into functions that call each other.
- `program`: the code compiled, run, and run again exactly where it gives nan.
- `guards`: the numbers ``fn`` reads from Values while traced, checked on every call.
- `compiler`: `compile` and `CompiledStep`, which trace ``fn`` and keep its programs.
"""

from micrograd.codegen.compiler import CompiledStep, compile
from micrograd.codegen.python import to_python

__all__ = ["CompiledStep", "compile", "to_python"]
