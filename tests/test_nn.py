"""The nn library: micrograd compatibility, activations, parameter names, save and load."""

import json
import math
import os
import pickle
import random
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

from micrograd import Value
from micrograd.nn import MLP, Layer, Module, Neuron


def micrograd_weights(seed, nin, nouts):
    """The weights micrograd's MLP(nin, nouts) draws after random.seed(seed).

    micrograd builds the layers in order, each layer's neurons in order, and each
    neuron draws its nin weights with random.uniform(-1, 1); biases are 0 and draw
    nothing. Result: per layer, per neuron, the list of weights.
    """
    rng = random.Random(seed)
    sizes = [nin, *nouts]
    return [
        [[rng.uniform(-1, 1) for _ in range(sizes[i])] for _ in range(sizes[i + 1])]
        for i in range(len(nouts))
    ]


def snapshot(model):
    return [p.data for p in model.parameters()]


# -- micrograd compatibility ---------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1337])
def test_weights_and_parameter_order_match_micrograd(seed):
    expected = micrograd_weights(seed, 2, [16, 16, 1])
    random.seed(seed)
    model = MLP(2, [16, 16, 1])
    flat = []
    for layer_w in expected:
        for neuron_w in layer_w:
            flat += [*neuron_w, 0.0]  # per neuron: weights, then the bias
    assert snapshot(model) == flat
    assert len(model.parameters()) == 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1
    for layer, layer_w in zip(model.layers, expected):
        assert [[w.data for w in n.w] for n in layer.neurons] == layer_w
        assert all(n.b.data == 0.0 for n in layer.neurons)


def test_default_mlp_is_relu_hidden_linear_output():
    random.seed(3)
    model = MLP(2, [3, 1])
    x = [0.7, -1.2]
    h = [
        max(0.0, sum(w.data * xi for w, xi in zip(n.w, x)) + n.b.data)
        for n in model.layers[0].neurons
    ]
    out_neuron = model.layers[1].neurons[0]
    expected = sum(w.data * hi for w, hi in zip(out_neuron.w, h)) + out_neuron.b.data
    assert model(x).data == pytest.approx(expected, rel=1e-15, abs=1e-15)
    assert [n.nonlin for n in model.layers[0].neurons] == [True] * 3
    assert model.layers[1].neurons[0].nonlin is False


def test_one_neuron_layer_returns_a_bare_value_and_width_one_hidden_layers_work():
    random.seed(5)
    layer = Layer(2, 1)
    assert isinstance(layer([1.0, 2.0]), Value)
    assert isinstance(Layer(2, 3)([1.0, 2.0]), list)

    random.seed(7)
    model = MLP(2, [1, 1, 1], activation="tanh")
    (a,), (b,), (c,) = (layer.neurons for layer in model.layers)
    x = [0.4, -0.9]
    z1 = math.tanh(a.w[0].data * x[0] + a.w[1].data * x[1] + a.b.data)
    z2 = math.tanh(b.w[0].data * z1 + b.b.data)
    out = model(x)
    assert out.data == pytest.approx(c.w[0].data * z2 + c.b.data, rel=1e-14)
    out.backward()
    # d out / d a.w[0] = c.w * (1 - z2^2) * b.w * (1 - z1^2) * x0, by the chain rule
    expected = c.w[0].data * (1 - z2**2) * b.w[0].data * (1 - z1**2) * x[0]
    assert a.w[0].grad == pytest.approx(expected, rel=1e-12)


def test_neuron_call_accepts_numbers_and_checks_width():
    random.seed(0)
    n = Neuron(1)
    assert n(2.0).data == pytest.approx(max(0.0, 2.0 * n.w[0].data))
    with pytest.raises(ValueError, match="expected 1 inputs, got 2"):
        n([1.0, 2.0])


# -- activations ----------------------------------------------------------------

CLOSED_FORMS = {
    # name: (f(z), f'(z))
    "relu": (lambda z: max(0.0, z), lambda z: 1.0 if z > 0 else 0.0),
    "tanh": (math.tanh, lambda z: 1.0 - math.tanh(z) ** 2),
    "sigmoid": (lambda z: 1 / (1 + math.exp(-z)), lambda z: math.exp(-z) / (1 + math.exp(-z)) ** 2),
    "linear": (lambda z: z, lambda z: 1.0),
}


@pytest.mark.parametrize("activation", sorted(CLOSED_FORMS))
@pytest.mark.parametrize("x", [[0.5, -1.5, 2.0], [-0.3, 0.2, -0.1]])
def test_neuron_activation_and_gradients_match_closed_forms(activation, x):
    f, df = CLOSED_FORMS[activation]
    random.seed(11)
    n = Neuron(3, activation=activation)
    n.b.data = 0.25
    z = sum(w.data * xi for w, xi in zip(n.w, x)) + 0.25
    xs = [Value(v) for v in x]
    out = n(xs)
    assert out.data == pytest.approx(f(z), rel=1e-14, abs=1e-15)
    out.backward()
    # d out/d w_i = f'(z) x_i, d out/d b = f'(z), d out/d x_i = f'(z) w_i
    for w, xi, xv in zip(n.w, x, xs):
        assert w.grad == pytest.approx(df(z) * xi, rel=1e-12, abs=1e-15)
        assert xv.grad == pytest.approx(df(z) * w.data, rel=1e-12, abs=1e-15)
    assert n.b.grad == pytest.approx(df(z), rel=1e-12, abs=1e-15)


def test_lecture_all_tanh_network_matches_a_hand_written_forward_pass():
    random.seed(42)
    model = MLP(3, [4, 4, 1], activation="tanh", output_activation="tanh")
    x = [2.0, 3.0, -1.0]
    h = x
    for layer in model.layers:
        h = [math.tanh(sum(w.data * hi for w, hi in zip(n.w, h)) + n.b.data) for n in layer.neurons]
    assert model(x).data == pytest.approx(h[0], rel=1e-14)
    assert str(model.layers[2].neurons[0]) == "TanhNeuron(4)"


def test_nonlin_false_gives_a_linear_neuron_whatever_the_activation():
    random.seed(0)
    n = Neuron(2, nonlin=False, activation="tanh")
    z = n.w[0].data * 3.0 + n.w[1].data * 4.0
    assert n([3.0, 4.0]).data == pytest.approx(z)
    assert repr(n) == "LinearNeuron(2)" and n.nonlin is False


def test_reprs_keep_micrograds_style():
    random.seed(0)
    assert repr(Neuron(2)) == "ReLUNeuron(2)"
    assert repr(Neuron(3, activation="sigmoid")) == "SigmoidNeuron(3)"
    model = MLP(2, [2, 1])
    assert repr(model) == (
        "MLP of [Layer of [ReLUNeuron(2), ReLUNeuron(2)], Layer of [LinearNeuron(2)]]"
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda: Neuron(2, activation="gelu"),
        lambda: MLP(2, [3, 1], activation="ReLU"),
        lambda: MLP(2, [3, 1], output_activation="softmax"),
    ],
)
def test_unknown_activation_lists_the_choices(make):
    with pytest.raises(ValueError, match="'relu', 'tanh', 'sigmoid', 'linear'"):
        make()


@pytest.mark.parametrize("nouts", [[], [3, 0], [2.0], [True]])
def test_bad_layer_widths(nouts):
    with pytest.raises(ValueError):
        MLP(2, nouts)


# -- named parameters and state --------------------------------------------------


def test_named_parameters_are_dotted_paths_in_parameter_order():
    random.seed(0)
    model = MLP(2, [3, 1])
    named = model.named_parameters()
    assert [p for _, p in named] == model.parameters()
    assert all(a is b for (_, a), b in zip(named, model.parameters()))
    names = [name for name, _ in named]
    assert names[:4] == [
        "layers.0.neurons.0.w.0",
        "layers.0.neurons.0.w.1",
        "layers.0.neurons.0.b",
        "layers.0.neurons.1.w.0",
    ]
    assert names[-1] == "layers.1.neurons.0.b"
    assert len(set(names)) == len(names)
    assert dict(named)["layers.1.neurons.0.w.2"] is model.layers[1].neurons[0].w[2]
    assert [n for n, _ in model.layers[0].named_parameters()][3] == "neurons.1.w.0"


def test_base_module_names_parameters_by_position():
    class Pair(Module):
        def __init__(self):
            self.a, self.b = Value(1.0), Value(2.0)

        def parameters(self):
            return [self.a, self.b]

    pair = Pair()
    assert pair.state_dict() == {"0": 1.0, "1": 2.0}
    pair.load_state_dict({"0": -1.0, "1": 5})
    assert (pair.a.data, pair.b.data) == (-1.0, 5.0)


def test_state_dict_maps_names_to_floats():
    random.seed(0)
    model = MLP(2, [2, 1])
    state = model.state_dict()
    assert list(state) == [name for name, _ in model.named_parameters()]
    assert list(state.values()) == snapshot(model)
    state["layers.0.neurons.0.b"] = 99.0  # a copy: the model is unchanged
    assert model.layers[0].neurons[0].b.data == 0.0


def test_save_and_load_round_trip(tmp_path):
    random.seed(1)
    trained = MLP(2, [4, 4, 1], activation="tanh")
    for p in trained.parameters():
        p.data += 0.123456789012345  # biases too, so nothing is left at its start value
    path = tmp_path / "model.json"
    trained.save(path)
    document = json.loads(path.read_text())
    assert list(document) == ["format", "module", "architecture", "parameters"]
    assert document["format"] == "micrograd model" and document["module"] == "MLP"
    assert document["architecture"] == {  # MLP(2, [4, 4, 1], activation="tanh")
        "nin": 2,
        "nouts": [4, 4, 1],
        "activation": "tanh",
        "output_activation": "linear",
    }
    assert list(document["parameters"]) == [name for name, _ in trained.named_parameters()]
    assert list(document["parameters"].values()) == snapshot(trained)

    random.seed(2)
    fresh = MLP(2, [4, 4, 1], activation="tanh")
    assert snapshot(fresh) != snapshot(trained)
    fresh.load(path)
    assert snapshot(fresh) == snapshot(trained)  # exact: JSON keeps every float's digits
    x = [0.3, -0.8]
    assert fresh(x).data == trained(x).data


def test_save_refuses_non_finite_parameters(tmp_path):
    random.seed(0)
    model = MLP(2, [1])
    model.layers[0].neurons[0].b.data = math.nan
    with pytest.raises(ValueError, match=r"non-finite.*layers\.0\.neurons\.0\.b"):
        model.save(tmp_path / "m.json")


def _good_state():
    random.seed(0)
    return MLP(2, [2, 1]).state_dict()


def _with_last(value):
    """A state whose last parameter (checked last) is ``value``."""
    state = _good_state()
    state[list(state)[-1]] = value
    return state


BAD_FILES = {
    "not JSON": ("layers.0: 1.0\n", "not a JSON model file"),
    "binary": ("\x89PNG\r\n\x1a\n\x00\x00", r"bad\.json: not a JSON model file: it holds binary"),
    "a key twice": (
        '{"layers.0.neurons.0.w.0": 0.5, "layers.0.neurons.0.w.0": 0.25}',
        r"bad\.json: not a JSON model file: the key 'layers\.0\.neurons\.0\.w\.0' appears twice",
    ),
    "a key twice in the parameters": (
        '{"format": "micrograd model", "module": "MLP", "architecture": null, '
        '"parameters": {"a": 1, "a": 2}}',
        "the key 'a' appears twice",
    ),
    "a model file without parameters": (
        '{"format": "micrograd model", "module": "MLP", "architecture": null}',
        r"bad\.json: a model file has the keys",
    ),
    "truncated JSON": ('{"layers.0.neurons.0.w.0": 0.5,', "not a JSON model file"),
    "a JSON list": (json.dumps([0.1, 0.2]), "expected a JSON object"),
    "a missing name": (
        json.dumps({k: v for k, v in list(_good_state().items())[:-1]}),
        r"missing 'layers\.1\.neurons\.0\.b'",
    ),
    "an extra name": (
        json.dumps({**_good_state(), "layers.2.neurons.0.b": 0.0}),
        r"unexpected 'layers\.2\.neurons\.0\.b'",
    ),
    "another architecture": (
        json.dumps({f"layers.0.neurons.{i}.{p}": 0.5 for i in range(3) for p in ("w.0", "b")}),
        "state has 6 values for a model with 9 parameters",
    ),
    "a bool": (json.dumps(_with_last(True)), "must be a number, got True"),
    "NaN as a string": (json.dumps(_with_last("NaN")), "must be a number, got 'NaN'"),
    "null": (json.dumps(_with_last(None)), "must be a number, got None"),
    "a list for a scalar": (json.dumps(_with_last([1.0])), r"must be a number, got \[1.0\]"),
    "a NaN literal": (json.dumps(_with_last(math.nan)), "NaN is not a valid parameter value"),
    "Infinity": (json.dumps(_with_last(math.inf)), "Infinity is not a valid parameter value"),
}


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_loading_a_bad_file_raises_and_changes_nothing(tmp_path, kind):
    text, message = BAD_FILES[kind]
    path = tmp_path / "bad.json"
    path.write_text(text)
    random.seed(9)
    model = MLP(2, [2, 1])
    before = snapshot(model)
    with pytest.raises(ValueError, match=message) as error:
        model.load(path)
    assert str(path) in str(error.value)
    assert snapshot(model) == before


def test_load_state_dict_checks_everything_before_assigning():
    random.seed(9)
    model = MLP(2, [2, 1])
    before = snapshot(model)
    state = {name: 7.0 for name in model.state_dict()}
    state["layers.1.neurons.0.b"] = float("inf")  # last in order: all others valid
    with pytest.raises(ValueError, match="must be finite"):
        model.load_state_dict(state)
    assert snapshot(model) == before
    with pytest.raises(TypeError, match="mapping"):
        model.load_state_dict([("layers.0.neurons.0.w.0", 1.0)])


def test_load_state_dict_accepts_numpy_numbers():
    random.seed(9)
    model = MLP(1, [1])
    model.load_state_dict(
        {"layers.0.neurons.0.w.0": np.float64(0.5), "layers.0.neurons.0.b": np.int64(2)}
    )
    assert snapshot(model) == [0.5, 2.0]
    assert all(type(p.data) is float for p in model.parameters())
    with pytest.raises(ValueError, match="must be a number"):
        model.load_state_dict({"layers.0.neurons.0.w.0": np.bool_(True), "layers.0.neurons.0.b": 0})


# -- atomic saves, and files that are not model files -----------------------------------


def _saved(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def test_a_save_that_fails_halfway_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    model = MLP(3, [4, 1])
    model.save(path)
    old = _saved(path)
    newer = MLP(3, [4, 1])
    real_open = os.fdopen

    class HalfWriter:
        def __init__(self, f):
            self.f = f

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

        def write(self, text):
            self.f.write(text[: len(text) // 2])
            self.f.flush()
            raise OSError(28, "No space left on device")

        def __getattr__(self, name):
            return getattr(self.f, name)

    monkeypatch.setattr(os, "fdopen", lambda *a, **k: HalfWriter(real_open(*a, **k)))
    with pytest.raises(OSError, match="No space left"):
        newer.save(path)
    monkeypatch.undo()
    assert _saved(path) == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json"]  # no temporary left
    loaded = MLP(3, [4, 1])
    loaded.load(path)
    assert loaded.state_dict() == model.state_dict()


_FULL_DISK = """
import resource, sys
from micrograd.nn import MLP
path = sys.argv[1]
model = MLP(8, [16, 16, 1])
resource.setrlimit(resource.RLIMIT_FSIZE, (200, 200))  # a disk that takes 200 bytes a file
try:
    model.save(path)
except OSError as error:
    print("refused:", error.errno)
"""


def test_a_save_to_a_full_disk_leaves_the_old_file(tmp_path):
    path = tmp_path / "model.json"
    model = MLP(2, [1])
    model.save(path)
    old = path.read_bytes()
    result = subprocess.run(
        [sys.executable, "-c", _FULL_DISK, str(path)], capture_output=True, text=True, timeout=60
    )
    assert "refused: 27" in result.stdout, result.stderr  # EFBIG
    assert path.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json"]


_SAVER = """
import sys
from pathlib import Path
from micrograd.nn import MLP
path, seed = sys.argv[1], int(sys.argv[2])
import random
random.seed(seed)
model = MLP(8, [32, 32, 1])
for _ in range(40):
    model.save(path)
"""

_READER = """
import json, sys, time
path = sys.argv[1]
bad = 0
for _ in range(400):
    try:
        with open(path, encoding="utf-8") as f:
            json.load(f)
    except ValueError:
        bad += 1
print(bad)
"""


def test_concurrent_saves_and_a_reader_never_see_a_partial_file(tmp_path):
    path = tmp_path / "model.json"
    MLP(8, [32, 32, 1]).save(path)
    savers = [
        subprocess.Popen([sys.executable, "-c", _SAVER, str(path), str(seed)]) for seed in (1, 2)
    ]
    reader = subprocess.run(
        [sys.executable, "-c", _READER, str(path)], capture_output=True, text=True, timeout=120
    )
    assert all(s.wait(timeout=120) == 0 for s in savers)
    assert reader.stdout.strip() == "0", reader.stderr
    model = MLP(8, [32, 32, 1])
    model.load(path)  # one of the two complete models
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json"]


def test_save_keeps_the_usual_file_mode(tmp_path):
    path = tmp_path / "model.json"
    MLP(2, [1]).save(path)
    with open(tmp_path / "plain", "w") as f:
        f.write("x")
    assert os.stat(path).st_mode == os.stat(tmp_path / "plain").st_mode


def test_save_over_a_file_keeps_its_permissions(tmp_path):
    path = tmp_path / "model.json"
    MLP(2, [1]).save(path)
    os.chmod(path, 0o640)
    MLP(2, [1]).save(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640


def test_save_through_a_symbolic_link_writes_its_target(tmp_path):
    target, link = tmp_path / "real.json", tmp_path / "model.json"
    MLP(2, [1]).save(target)
    link.symlink_to(target)
    model = MLP(2, [1])
    model.save(link)
    assert link.is_symlink()
    assert list(_saved(target)["parameters"].values()) == snapshot(model)


@pytest.mark.parametrize(
    "text",
    [
        '{"layers.0.neurons.0.w.0": 1' + "0" * 400 + ', "layers.0.neurons.0.b": 0}',
        "[" * 100_000 + "]" * 100_000,
    ],
    ids=["400-digit integer", "100000 nested lists"],
)
def test_loading_huge_numbers_and_deep_nesting_raises_value_error(tmp_path, text):
    path = tmp_path / "model.json"
    path.write_text(text)
    model = MLP(1, [1])
    before = model.state_dict()
    with pytest.raises(ValueError):
        model.load(path)
    assert model.state_dict() == before


def test_numpy_integers_are_widths():
    model = MLP(np.int64(2), [np.int32(3), np.int64(1)])
    assert [len(layer.neurons) for layer in model.layers] == [3, 1]
    assert len(model.layers[0].neurons[0].w) == 2 and type(model([1.0, 2.0]).data) is float


def test_pickled_model_keeps_working(tmp_path):
    model = MLP(2, [3, 1])
    twin = pickle.loads(pickle.dumps(model))
    assert twin([0.5, -1.0]).data == model([0.5, -1.0]).data


# -- model files that build their model -----------------------------------------------


def test_load_on_the_class_builds_the_model_the_file_describes(tmp_path):
    random.seed(3)
    saved = MLP(3, [5, 2], activation="sigmoid", output_activation="tanh")
    path = tmp_path / "model.json"
    saved.save(path)
    random.seed(4)
    expected_next = random.random()
    random.seed(4)
    built = MLP.load(path)
    assert random.random() == expected_next  # building it drew no random numbers
    assert [len(layer.neurons) for layer in built.layers] == [5, 2]
    assert len(built.layers[0].neurons[0].w) == 3
    assert [layer.neurons[0].activation for layer in built.layers] == ["sigmoid", "tanh"]
    assert snapshot(built) == snapshot(saved)
    x = [0.2, -0.4, 0.9]
    assert [v.data for v in built.outputs(x)] == [v.data for v in saved.outputs(x)]


@pytest.mark.parametrize(
    ("cls", "arguments"),
    [(Neuron, dict(nin=3, activation="tanh")), (Layer, dict(nin=2, nout=3, activation="linear"))],
)
def test_neurons_and_layers_build_from_their_files_too(tmp_path, cls, arguments):
    saved = cls(**arguments)
    saved.save(tmp_path / "m.json")
    assert json.loads((tmp_path / "m.json").read_text())["architecture"] == arguments
    built = cls.load(tmp_path / "m.json")
    assert type(built) is cls and snapshot(built) == snapshot(saved)


def test_load_on_a_model_sets_its_parameters_and_returns_it(tmp_path):
    random.seed(5)
    saved = MLP(2, [3, 1])
    saved.save(tmp_path / "m.json")
    random.seed(6)
    model = MLP(2, [3, 1])
    assert model.load(tmp_path / "m.json") is model
    assert snapshot(model) == snapshot(saved)


def test_load_on_a_model_of_another_architecture_refuses(tmp_path):
    MLP(2, [3, 1], activation="tanh").save(tmp_path / "m.json")
    for other in (MLP(2, [3, 1]), MLP(2, [4, 1], activation="tanh")):
        before = snapshot(other)
        with pytest.raises(ValueError, match=r"m\.json: the file holds MLP\(nin=2, nouts=\[3, 1\]"):
            other.load(tmp_path / "m.json")
        assert snapshot(other) == before
    with pytest.raises(ValueError, match="holds MLP parameters, not Layer ones"):
        Layer.load(tmp_path / "m.json")


def test_a_file_of_the_older_format_loads_into_a_model(tmp_path):
    random.seed(7)
    saved = MLP(2, [2, 1])
    names = [name for name, _ in saved.named_parameters()]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(dict(zip(names, snapshot(saved)))))  # name -> number
    model = MLP(2, [2, 1])
    model.load(path)
    assert snapshot(model) == snapshot(saved)
    with pytest.raises(ValueError, match=r"old\.json: the file holds parameters without an arch"):
        MLP.load(path)


@pytest.mark.parametrize(
    ("architecture", "message"),
    [
        ('{"nin": 0, "nouts": [1]}', "nin must be a positive integer"),
        ('{"nin": 2, "nouts": [1], "depth": 3}', "unexpected keyword argument 'depth'"),
        ("[2, [1]]", "architecture is an object"),
    ],
)
def test_a_file_whose_architecture_cannot_be_built_says_why(tmp_path, architecture, message):
    path = tmp_path / "m.json"
    path.write_text(
        f'{{"format": "micrograd model", "module": "MLP", "architecture": {architecture}, '
        '"parameters": {}}'
    )
    with pytest.raises(ValueError, match=message) as error:
        MLP.load(path)
    assert str(path) in str(error.value)


_SAVE_OVER = """
import os, sys
from micrograd.nn import MLP
if len(sys.argv) > 2:
    os.setgid(65534)
    os.setuid(65534)  # root writes any file: save as a user who may not write this one
try:
    MLP(2, [1]).save(sys.argv[1])
except PermissionError as error:
    print("refused:", error.errno, error.filename, error.strerror)
"""


@pytest.mark.parametrize("locked", ["file", "folder"])
def test_save_where_you_may_not_write_raises_and_leaves_the_file(locked):
    as_root = os.geteuid() == 0
    with tempfile.TemporaryDirectory() as shared:  # in /tmp, which every user may enter
        folder = Path(shared)
        path = folder / "model.json"
        MLP(2, [1]).save(path)
        old = path.read_bytes()
        # root may write anything: the save runs as another user, for whom the file
        # (root's, 0o644) or the folder (root's, 0o755) is read-only
        os.chmod(path, (0o644 if as_root else 0o444) if locked == "file" else 0o666)
        os.chmod(folder, 0o777 if locked == "file" else 0o755 if as_root else 0o555)
        try:
            result = subprocess.run(
                [sys.executable, "-c", _SAVE_OVER, str(path), *(["drop"] if as_root else [])],
                capture_output=True,
                text=True,
                timeout=60,
                env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
            )
        finally:
            os.chmod(folder, 0o755)
        assert result.stdout.startswith(f"refused: 13 {path} you may not write"), result.stderr
        assert ("folder" in result.stdout) == (locked == "folder")
        assert path.read_bytes() == old
        assert sorted(p.name for p in folder.iterdir()) == ["model.json"]
