"""Neurons, layers and multi-layer perceptrons on `Value`, drop-in for micrograd's ``nn``.

A neuron computes act(w . x + b). Its affine part w . x + b is one node of the graph, with
every weight, input and the bias as parents; a ReLU neuron is a single node "ReLU(w·x+b)"
(`micrograd.ops.relu_affine`), another activation is a node of its own.

Parameters have stable dotted names (``layers.0.neurons.3.w.1``, ``layers.0.neurons.3.b``).
A model saves to a JSON file that records its architecture (the constructor's arguments)
next to those names and their numbers: ``MLP.load(path)`` builds the model a file
describes, ``model.load(path)`` sets an existing model's parameters from it. Each
parameter's label is the short form of its name, set when the module is built
(``L0.n3.w1``, ``L0.n3.b``), and an unlabelled input leaf is labelled ``x0, x1, ...``
by its position: pictures of the graph (`micrograd.viz`) show what every box is.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import json
import math
import numbers
import operator
import os
import random
import secrets
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from types import CodeType
from typing import Any, TypeVar, overload

from micrograd import ops
from micrograd.conventions import NODE_DATA_READS
from micrograd.engine import Value, record, to_value
from micrograd.op import Op

__all__ = ["ACTIVATIONS", "MLP", "MODEL_FORMAT", "Layer", "Module", "Neuron"]

#: The "format" of a model file that `Module.save` writes.
MODEL_FORMAT = "micrograd model"
_FILE_KEYS = {"format", "module", "architecture", "parameters"}

#: Activation names and the op each applies (None: the identity).
ACTIVATIONS: dict[str, Op | None] = {
    "relu": ops.relu,
    "tanh": ops.tanh,
    "sigmoid": ops.sigmoid,
    "linear": None,
}
_DISPLAY_NAMES = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "linear": "Linear"}


_M = TypeVar("_M", bound="Module")
_PathArgument = str | os.PathLike[str]


class _Load:
    """``Cls.load(path)`` builds the module that a file written by `Module.save` describes
    (its architecture, then its parameters); ``module.load(path)`` sets the parameters
    of ``module``, which must have the file's architecture. Both return the module.

    A file of the older format, a JSON object of parameter names to numbers as
    `Module.state_dict` gives, loads into a module (``module.load``). A file that is not
    a model file (binary, not JSON, a key twice, a parameter missing or extra or not a
    finite number) raises ValueError naming the file, and changes nothing.
    """

    @overload
    def __get__(self, module: None, owner: type[_M]) -> Callable[[_PathArgument], _M]: ...

    @overload
    def __get__(self, module: _M, owner: type[_M]) -> Callable[[_PathArgument], _M]: ...

    def __get__(self, module: Any, owner: Any) -> Callable[[_PathArgument], Any]:
        if module is None:
            return functools.partial(_build_from_file, owner)
        return functools.partial(_load_into, module)


class Module:
    """Base class: anything with parameters (Values) that training updates."""

    def parameters(self) -> list[Value]:
        """The trainable Values, in a fixed order."""
        return []

    def named_parameters(self) -> list[tuple[str, Value]]:
        """(name, parameter) pairs in the order of `parameters`.

        The base class names parameters by position ('0', '1', ...); the nn classes
        override this with dotted paths such as 'layers.0.neurons.3.w.1'.
        """
        return [(str(i), p) for i, p in enumerate(self.parameters())]

    def zero_grad(self) -> None:
        """Set the gradient of every parameter to 0.0."""
        for p in self.parameters():
            p.grad = 0.0

    def state_dict(self) -> dict[str, float]:
        """Every parameter's value by name: ``{name: float}``, in parameter order."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Set every parameter from ``state`` (as made by `state_dict`).

        ``state`` must name every parameter exactly once, each with a finite real number.
        Everything is checked before anything is assigned, so on ValueError every
        parameter keeps its value.
        """
        if not isinstance(state, Mapping):
            raise TypeError(
                f"state must be a mapping of parameter names to numbers, got {type(state).__name__}"
            )
        named = self.named_parameters()
        names = [name for name, _ in named]
        known = set(names)
        missing = [name for name in names if name not in state]
        unexpected = [name for name in state if name not in known]
        if missing or unexpected:
            problems = []
            if missing:
                problems.append(f"missing {_some(missing)}")
            if unexpected:
                problems.append(f"unexpected {_some(unexpected)}")
            raise ValueError(
                f"state has {len(state)} values for a model with {len(names)} parameters: "
                + "; ".join(problems)
            )
        values = [_parameter_value(name, state[name]) for name in names]
        for (_, p), value in zip(named, values):
            p.data = value

    def architecture(self) -> dict[str, Any] | None:
        """The keyword arguments of the constructor that builds a module of this shape, as
        `save` records them; None where they are not known (this base class)."""
        return None

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the model to ``path`` as a JSON object, atomically::

            {"format": "micrograd model", "module": "MLP",
             "architecture": {"nin": 2, "nouts": [16, 16, 1], ...},
             "parameters": {"layers.0.neurons.0.w.0": 0.25, ...}}

        ``parameters`` is `state_dict`. The JSON goes to a temporary file in the same
        folder, is flushed to disk, and then replaces ``path`` in one step
        (``os.replace``): a reader sees the old file or the new one, never a part, and a
        save that fails (a full disk) leaves the old file as it was. A file there that
        you may not write raises PermissionError and is left as it was.
        """
        state = self.state_dict()
        bad = [name for name, value in state.items() if not math.isfinite(value)]
        if bad:
            raise ValueError(f"cannot save non-finite parameters: {_some(bad)}")
        document = {
            "format": MODEL_FORMAT,
            "module": type(self).__name__,
            "architecture": self.architecture(),
            "parameters": state,
        }
        text = json.dumps(document, indent=1) + "\n"
        target = os.path.realpath(path)  # through a symbolic link: the link stays
        if os.path.exists(target) and not os.access(target, os.W_OK):
            # os.replace needs only the folder to be writable: it would replace the file
            raise PermissionError(
                errno.EACCES, "you may not write this file, so save leaves it as it was", str(path)
            )
        folder, name = os.path.split(target)
        temporary = os.path.join(folder, f".{name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        # a new file gets 0o666 less the umask, as with open(path, 'w'); a replaced one
        # keeps its permissions
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except PermissionError:
            raise PermissionError(
                errno.EACCES, "you may not write in this file's folder", str(path)
            ) from None
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                with contextlib.suppress(FileNotFoundError):
                    os.chmod(f.fileno(), stat.S_IMODE(os.stat(target).st_mode))
                os.fsync(f.fileno())
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise

    load = _Load()
    """``Cls.load(path)`` builds the module a file written by `save` describes, such as
    ``MLP.load('model.json')``; ``module.load(path)`` sets the parameters of a module of
    the file's architecture (a file of parameters only, the older format, too). Both
    return the module; a file that is not a model file raises ValueError naming it."""


def _load_into(module: _M, path: _PathArgument) -> _M:
    """Set ``module``'s parameters from the file at ``path`` (see `_Load`)."""
    document = _read_model_file(path)
    wanted, found = module.architecture(), document["architecture"]
    kind = type(module).__name__
    if found is not None and wanted is not None and (document["module"], found) != (kind, wanted):
        raise ValueError(
            f"{os.fspath(path)}: the file holds {_call(document['module'], found)}, this model "
            f"is {_call(kind, wanted)}; {document['module']}.load(path) builds the file's model"
        )
    try:
        module.load_state_dict(document["parameters"])
    except ValueError as error:
        raise ValueError(f"{os.fspath(path)}: {error}") from None
    return module


def _build_from_file(cls: type[_M], path: _PathArgument) -> _M:
    """A new ``cls`` with the architecture and parameters of the file at ``path``."""
    document, where = _read_model_file(path), os.fspath(path)
    architecture, kind = document["architecture"], document["module"]
    if architecture is None:
        raise ValueError(
            f"{where}: the file holds parameters without an architecture, which "
            f"{cls.__name__}.load needs: build the model, then call model.load(path)"
        )
    if kind != cls.__name__:
        raise ValueError(f"{where}: the file holds {kind} parameters, not {cls.__name__} ones")
    randomness = random.getstate()  # building draws initial weights: give them back
    try:
        module = cls(**architecture)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{where}: cannot build {_call(kind, architecture)}: {error}") from None
    finally:
        random.setstate(randomness)
    return _load_into(module, path)


def _read_model_file(path: _PathArgument) -> dict[str, Any]:
    """The file's format, module, architecture and parameters; a file of the older
    format (parameters only) has no module and a None architecture."""
    where = os.fspath(path)
    with open(path, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = "\0"
    if "\0" in text:
        raise ValueError(f"{where}: not a JSON model file: it holds binary data, not text")
    try:
        document = json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_no_twice)
    except (ValueError, RecursionError) as error:  # JSONDecodeError, NaN, too deep, twice
        raise ValueError(f"{where}: not a JSON model file: {error}") from None
    if not isinstance(document, dict):
        raise ValueError(
            f"{where}: expected a JSON object of parameter names to numbers, "
            f"got a JSON {type(document).__name__}"
        )
    if document.get("format") != MODEL_FORMAT:
        return {
            "format": MODEL_FORMAT,
            "module": None,
            "architecture": None,
            "parameters": document,
        }
    if set(document) != _FILE_KEYS:
        raise ValueError(
            f"{where}: a model file has the keys {sorted(_FILE_KEYS)}, this one {sorted(document)}"
        )
    if not isinstance(document["module"], str) or not isinstance(document["parameters"], dict):
        raise ValueError(f"{where}: a model file's module is a name, its parameters an object")
    if not isinstance(document["architecture"], (dict, type(None))):
        raise ValueError(f"{where}: a model file's architecture is an object (or null)")
    return document


def _no_twice(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object as a dict; ValueError for a key that it has twice."""
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"the key {key!r} appears twice")
        seen[key] = value
    return seen


def _call(kind: str, architecture: Mapping[str, Any]) -> str:
    """``MLP(nin=2, nouts=[4, 1], ...)``: the constructor call of an architecture."""
    return f"{kind}({', '.join(f'{k}={v!r}' for k, v in architecture.items())})"


class Neuron(Module):
    """act(w . x + b) with n weights; act is ReLU by default, or w . x + b unless ``nonlin``.

    ``activation`` is one of 'relu', 'tanh', 'sigmoid', 'linear'. Weights start uniform
    in [-1, 1], the bias at 0, as in micrograd.
    """

    def __init__(self, nin: int, nonlin: bool = True, activation: str = "relu") -> None:
        nin = _check_width("nin", nin)
        _check_activation("activation", activation)
        self.w = [Value(random.uniform(-1, 1), label=f"w{i}") for i in range(nin)]
        self.b = Value(0.0, label="b")
        self.activation = activation if nonlin else "linear"
        self.nonlin = self.activation != "linear"
        self.activation_op = ACTIVATIONS[self.activation]

    def __call__(self, x: Iterable[Any]) -> Value:
        return self.act(_as_inputs(x, len(self.w)))

    def act(self, xs: list[Value]) -> Value:
        """The output for inputs that are already a list of nin Values."""
        return _neuron_outputs(xs, (self,))[0]

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [*((f"w.{i}", w) for i, w in enumerate(self.w)), ("b", self.b)]

    def architecture(self) -> dict[str, Any]:
        return {"nin": len(self.w), "activation": self.activation}

    def __repr__(self) -> str:
        return f"{_DISPLAY_NAMES[self.activation]}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons that all read the same input; keyword arguments go to `Neuron`."""

    def __init__(self, nin: int, nout: int, **kwargs: Any) -> None:
        nout = _check_width("nout", nout)
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]
        _prefix_labels("n", self.neurons)

    def outputs(self, x: Iterable[Any]) -> list[Value]:
        """Every neuron's output, as a list (also when the layer has one neuron)."""
        return self.act(_as_inputs(x, len(self.neurons[0].w)))

    def act(self, xs: list[Value]) -> list[Value]:
        """Every neuron's output for inputs that are already a list of nin Values."""
        return _neuron_outputs(xs, self.neurons)

    def __call__(self, x: Iterable[Any]) -> Any:
        """The outputs; a single Value when the layer has one neuron, as in micrograd.

        Typed ``Any`` like ``torch.nn.Module.__call__``: `outputs` always gives a list.
        """
        out = self.outputs(x)
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def named_parameters(self) -> list[tuple[str, Value]]:
        return _prefixed("neurons", self.neurons)

    def architecture(self) -> dict[str, Any]:
        first = self.neurons[0]
        return {"nin": len(first.w), "nout": len(self.neurons), "activation": first.activation}

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """A multi-layer perceptron: ``activation`` hidden layers, an ``output_activation`` output.

    ``MLP(2, [16, 16, 1])`` maps 2 inputs through two ReLU layers of 16 to one linear
    output, as in micrograd. The all-tanh net of the lecture is
    ``MLP(3, [4, 4, 1], activation='tanh', output_activation='tanh')``.
    """

    def __init__(
        self,
        nin: int,
        nouts: list[int],
        activation: str = "relu",
        output_activation: str = "linear",
    ) -> None:
        nin = _check_width("nin", nin)
        _check_activation("activation", activation)
        _check_activation("output_activation", output_activation)
        if not nouts:
            raise ValueError("nouts must list at least one layer width")
        widths = [_check_width("every layer width in nouts", n) for n in nouts]
        sizes = [nin, *widths]
        last = len(nouts) - 1
        self.layers = [
            Layer(sizes[i], sizes[i + 1], activation=output_activation if i == last else activation)
            for i in range(len(nouts))
        ]
        _prefix_labels("L", self.layers)

    def __call__(self, x: Iterable[Any]) -> Any:
        """The network's output: a Value for one output unit, else a list of Values.

        Typed ``Any`` like ``torch.nn.Module.__call__``: `outputs` always gives a list.
        """
        out = self.outputs(x)
        return out[0] if len(out) == 1 else out

    def outputs(self, x: Iterable[Any]) -> list[Value]:
        """The output units' Values, as a list (also when there is one)."""
        xs = _as_inputs(x, len(self.layers[0].neurons[0].w))
        for layer in self.layers:
            xs = layer.act(xs)
        return xs

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def named_parameters(self) -> list[tuple[str, Value]]:
        return _prefixed("layers", self.layers)

    def architecture(self) -> dict[str, Any]:
        """``nin``, ``nouts`` and the activations; a net without hidden layers records
        the default hidden activation, which it does not use."""
        first = self.layers[0].neurons[0]
        hidden = first.activation if len(self.layers) > 1 else "relu"
        return {
            "nin": len(first.w),
            "nouts": [len(layer.neurons) for layer in self.layers],
            "activation": hidden,
            "output_activation": self.layers[-1].neurons[0].activation,
        }

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"

    def to_torch(self) -> Any:
        """A ``torch.nn.Sequential`` (float64) computing the same function with the same weights.

        Each layer becomes a ``torch.nn.Linear`` followed by its activation module
        (``ReLU``, ``Tanh`` or ``Sigmoid``; none for 'linear'). The weights are copied:
        training one model afterwards does not change the other. Needs PyTorch.
        """
        torch = _import_torch("MLP.to_torch")
        modules = []
        for layer in self.layers:
            linear = torch.nn.Linear(
                len(layer.neurons[0].w), len(layer.neurons), dtype=torch.float64
            )
            with torch.no_grad():
                weights = [[w.data for w in n.w] for n in layer.neurons]
                linear.weight.copy_(torch.tensor(weights, dtype=torch.float64))
                linear.bias.copy_(
                    torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64)
                )
            modules.append(linear)
            activation = layer.neurons[0].activation
            if activation != "linear":
                modules.append(getattr(torch.nn, _TORCH_MODULES[activation])())
        return torch.nn.Sequential(*modules)

    @classmethod
    def from_torch(cls, sequential: Any) -> MLP:
        """A new MLP with the layers, activations and weights of a ``torch.nn.Sequential``.

        The Sequential must have an MLP's shape: ``Linear`` modules (with bias), each
        followed by at most one ``ReLU``, ``Tanh`` or ``Sigmoid``, every hidden layer
        with the same activation, and each Linear's input width equal to the previous
        one's output width (as `to_torch` makes them). Anything else raises ValueError.
        Needs PyTorch.
        """
        torch = _import_torch("MLP.from_torch")
        if not isinstance(sequential, torch.nn.Sequential):
            raise TypeError(f"expected a torch.nn.Sequential, got {type(sequential).__name__}")
        layers = _torch_layers(torch, sequential)
        hidden = {activation for _, activation in layers[:-1]}
        if len(hidden) > 1:
            raise ValueError(
                "the hidden layers use different activations "
                f"({', '.join(sorted(map(repr, hidden)))}); an MLP uses one for all of them"
            )
        model = cls(
            layers[0][0].in_features,
            [linear.out_features for linear, _ in layers],
            activation=hidden.pop() if hidden else "relu",
            output_activation=layers[-1][1],
        )
        state = {}
        for i, (linear, _) in enumerate(layers):
            weights = linear.weight.detach().double().tolist()
            biases = linear.bias.detach().double().tolist()
            for j, (row, bias) in enumerate(zip(weights, biases)):
                state.update({f"layers.{i}.neurons.{j}.w.{k}": w for k, w in enumerate(row)})
                state[f"layers.{i}.neurons.{j}.b"] = bias
        model.load_state_dict(state)  # checks every weight is finite
        return model


def _neuron_outputs(inputs: list[Value], neurons: Iterable[Neuron]) -> list[Value]:
    """The outputs act(b + w . x) of neurons that all read ``inputs``, for Values already
    (no checks): one `ops.relu_affine` node for a ReLU neuron, else an `ops.affine` node
    followed by its activation's node (none for 'linear')."""
    xs = [x.data for x in inputs]
    outputs = []
    for neuron in neurons:
        ws, bias, activation = neuron.w, neuron.b, neuron.activation_op
        z = sum(map(_mul, [w.data for w in ws], xs), bias.data)  # b + w . x
        parents = (bias, *ws, *inputs)
        if activation is _relu_op:
            outputs.append(record(_relu_affine, _relu(z), parents))
        elif activation is None:
            outputs.append(record(ops.affine, z, parents))
        else:
            z_node = record(ops.affine, z, parents)
            outputs.append(record(activation, activation.forward(z), (z_node,)))
    return outputs


# its reads compute the nodes' data (a comprehension is a function of its own before 3.12)
NODE_DATA_READS.add(_neuron_outputs.__code__)
NODE_DATA_READS.update(c for c in _neuron_outputs.__code__.co_consts if isinstance(c, CodeType))
_mul = operator.mul
_relu, _relu_op, _relu_affine = ops.relu.forward, ops.relu, ops.relu_affine


def _prefixed(field: str, children: Sequence[Module]) -> list[tuple[str, Value]]:
    """The children's named parameters as ``field.i.name``."""
    return [
        (f"{field}.{i}.{name}", p)
        for i, child in enumerate(children)
        for name, p in child.named_parameters()
    ]


def _prefix_labels(prefix: str, children: Sequence[Module]) -> None:
    """Label child i's parameters ``{prefix}{i}.{label}``: the short form of `_prefixed`'s
    names (``L0.n3.w1`` for ``layers.0.neurons.3.w.1``)."""
    for i, child in enumerate(children):
        for p in child.parameters():
            p.label = f"{prefix}{i}.{p.label}"


def _check_width(name: str, n: Any) -> int:
    """``n`` as an int if it is a positive integer (numpy integers too), else an error."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise ValueError(f"{name} must be a positive integer, got {type(n).__name__}: {n!r:.60}")
    width = operator.index(n)
    if width < 1:
        raise ValueError(f"{name} must be a positive integer, got {n!r}")
    return width


def _check_activation(name: str, activation: Any) -> None:
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"{name} must be one of {', '.join(map(repr, ACTIVATIONS))}; got {activation!r}"
        )


def _parameter_value(name: str, value: Any) -> float:
    """``value`` as a float if it is a finite real number (not a bool), else ValueError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"parameter {name!r} must be a number, got {value!r:.60}")
    try:
        x = float(value)
    except OverflowError:  # an integer beyond the float range
        raise ValueError(
            f"parameter {name!r} must be finite, got an integer too large for a float"
        ) from None
    if not math.isfinite(x):
        raise ValueError(f"parameter {name!r} must be finite, got {x!r}")
    return x


def _reject_constant(token: str) -> float:
    raise ValueError(f"{token} is not a valid parameter value")


def _some(names: list[str], limit: int = 5) -> str:
    """A short listing of names: the first few, then how many more."""
    shown = ", ".join(map(repr, names[:limit]))
    return shown if len(names) <= limit else f"{shown} and {len(names) - limit} more"


def _as_inputs(x: Iterable[Any], nin: int) -> list[Value]:
    """``x`` as a list of nin Values (a bare Value or number counts as one input)."""
    xs = [x] if isinstance(x, (Value, int, float)) else list(_iterate(x))
    if len(xs) != nin:
        raise ValueError(f"expected {nin} inputs, got {len(xs)}")
    values = [to_value(v) for v in xs]
    for i, v in enumerate(values):
        if not v.label and not v._prev:
            v.label = f"x{i}"
    return values


def _iterate(x: Iterable[Any]) -> Iterator[Any]:
    try:
        return iter(x)
    except TypeError:
        raise TypeError(
            f"inputs must be a Value, a number or an iterable, got {type(x).__name__}"
        ) from None


#: The torch.nn module for each activation that has one.
_TORCH_MODULES = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid"}


def _import_torch(what: str) -> Any:
    try:
        import torch
    except ImportError:
        raise ImportError(
            f"{what} needs PyTorch, which is not installed: pip install torch "
            "(or pip install 'micrograd-lab[torch]')"
        ) from None
    return torch


def _torch_layers(torch: Any, sequential: Any) -> list[tuple[Any, str]]:
    """(Linear, activation name) for each Linear of ``sequential``, checked against an MLP."""
    activations = {getattr(torch.nn, module): name for name, module in _TORCH_MODULES.items()}
    layers: list[tuple[Any, str]] = []
    for i, module in enumerate(sequential):
        kind = type(module).__name__
        if type(module) is torch.nn.Linear:
            if module.bias is None:
                raise ValueError(f"module {i} is a Linear without bias; an MLP's neurons have one")
            if layers and layers[-1][0].out_features != module.in_features:
                raise ValueError(
                    f"module {i} is a Linear with {module.in_features} inputs after a layer "
                    f"of {layers[-1][0].out_features} outputs"
                )
            layers.append((module, "linear"))
        elif type(module) in activations:
            if not layers or layers[-1][1] != "linear":
                raise ValueError(f"module {i} ({kind}) does not follow a Linear")
            layers[-1] = (layers[-1][0], activations[type(module)])
        else:
            raise ValueError(
                f"module {i} is {kind}; an MLP has only Linear, ReLU, Tanh and Sigmoid modules"
            )
    if not layers:
        raise ValueError("the Sequential has no Linear module")
    return layers
