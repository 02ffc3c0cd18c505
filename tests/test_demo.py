"""The two-moons demo: the data set, micrograd's notebook loop, and the command line."""

import json
import math
import random
import re
import shutil
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from matplotlib.image import imread

from micrograd import Value
from micrograd.__main__ import main
from micrograd.datasets import make_moons
from micrograd.demo import _draw_neuron
from micrograd.nn import MLP

from helpers import needs_dot

# What the demo draws one neuron's graph as: an SVG, or its DOT source without dot.
NEURON_FILE = "neuron.svg" if shutil.which("dot") else "neuron.gv"

# -- data ----------------------------------------------------------------------


def test_moons_without_noise_lie_on_the_two_half_circles():
    X, y = make_moons(101, noise=0.0, seed=0)
    assert len(X) == 101 and sorted(y) == [0] * 50 + [1] * 51
    for (x1, x2), label in zip(X, y):
        if label == 0:  # upper half of the unit circle
            assert math.hypot(x1, x2) == pytest.approx(1.0) and x2 >= -1e-12
        else:  # lower half of the unit circle around (1, 1/2)
            assert math.hypot(x1 - 1.0, x2 - 0.5) == pytest.approx(1.0) and x2 <= 0.5 + 1e-12
    ends = {tuple(round(v, 12) for v in x) for x in X}
    assert {(1.0, 0.0), (-1.0, 0.0), (0.0, 0.5), (2.0, 0.5)} <= ends  # angles 0 and pi


def test_moons_are_shuffled_noisy_and_reproducible():
    X, y = make_moons(200, noise=0.1, seed=3)
    assert (X, y) == make_moons(200, noise=0.1, seed=3)
    assert make_moons(200, noise=0.1, seed=4)[0] != X
    assert y[:100] != [0] * 100  # shuffled
    clean = make_moons(200, noise=0.0, seed=3)[0]  # same shuffle, no noise
    offsets = [a - b for x, c in zip(X, clean) for a, b in zip(x, c)]
    mean = sum(offsets) / len(offsets)
    sd = math.sqrt(sum((o - mean) ** 2 for o in offsets) / len(offsets))
    assert abs(mean) < 0.02 and 0.085 < sd < 0.115


@pytest.mark.parametrize(("n", "noise"), [(0, 0.1), (-5, 0.1), (10.0, 0.1), (10, -0.1)])
def test_moons_reject_bad_arguments(n, noise):
    with pytest.raises(ValueError):
        make_moons(n, noise=noise)


# -- micrograd's notebook, as its users write it -----------------------------------


def test_micrograd_demo_notebook_loop_reaches_full_accuracy():
    X, y = make_moons(n_samples=100, noise=0.1, seed=1337)
    X, y = np.array(X), np.array(y)
    y = y * 2 - 1  # numpy integers in {-1, 1}
    random.seed(1337)
    model = MLP(2, [16, 16, 1])

    def loss():
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        alpha = 1e-4
        reg_loss = alpha * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
        return total_loss, sum(accuracy) / len(accuracy)

    first, _ = loss()
    for k in range(100):
        total_loss, acc = loss()
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
    final, acc = loss()
    assert acc == 1.0
    assert final.data < 0.1 * first.data


# -- command line --------------------------------------------------------------------


def test_help_lists_the_options(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert all(option in out for option in ("--steps", "--seed", "--out"))


def test_bad_steps_are_rejected(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--steps", "0"])
    assert exit_info.value.code == 2
    assert "positive integer" in capsys.readouterr().err


def test_missing_matplotlib_is_reported(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes the import fail
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    assert main(["demo", "--out", str(tmp_path / "out")]) == 1
    assert "matplotlib is not installed" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def png_size(path):
    """(width, height) from a PNG's IHDR chunk, after checking the signature."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_demo_trains_to_full_accuracy_and_writes_its_files(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out)]) == 0
    summary = capsys.readouterr().out.strip().splitlines()[-1]
    assert "accuracy 100%" in summary and "loss " in summary

    for name, size in (("decision_boundary.png", (600, 500)), ("loss.png", (600, 400))):
        assert png_size(out / name) == size
        image = imread(out / name)
        assert image.shape[:2] == size[::-1]
        assert image.std() > 0.05  # something is drawn, not a blank canvas

    trained = MLP.load(out / "model.json")
    X, y = make_moons(100, noise=0.1, seed=1337)  # the demo's data (default seed)
    scores = [trained(x).data for x in X]
    assert all((s > 0) == (label == 1) for s, label in zip(scores, y))
    document = json.loads((out / "model.json").read_text())
    assert document["architecture"] == {
        "nin": 2,
        "nouts": [16, 16, 1],
        "activation": "relu",
        "output_activation": "linear",
    }
    assert len(document["parameters"]) == 337  # (2 + 1) 16 + (16 + 1) 16 + (16 + 1) 1
    assert (out / NEURON_FILE).exists()


def test_the_printed_loss_is_the_last_point_of_the_plot(tmp_path, capsys, monkeypatch):
    from micrograd import demo

    figures = []
    plot_loss = demo._plot_loss
    monkeypatch.setattr(
        demo, "_plot_loss", lambda fig, *args: (figures.append(fig), plot_loss(fig, *args))
    )
    assert main(["demo", "--steps", "5", "--seed", "3", "--out", str(tmp_path)]) == 0
    printed = re.search(r"after 5 steps: loss (\d\.\d{4})", capsys.readouterr().out)[1]
    # the loss of the saved model, by hand: mean hinge max(0, 1 - y s) + 1e-4 sum p^2
    model = MLP.load(tmp_path / "model.json")
    X, y = make_moons(100, noise=0.1, seed=3)
    hinge = sum(max(0.0, 1 - (2 * t - 1) * model(x).data) for x, t in zip(X, y)) / len(X)
    loss = hinge + 1e-4 * sum(p.data**2 for p in model.parameters())
    assert printed == f"{loss:.4f}"
    (fig,) = figures
    ax = fig.axes[0]
    (line,) = [line for line in ax.get_lines() if line.get_label() == "loss"]
    assert list(line.get_xdata()) == list(range(6))  # after 0, 1, ..., 5 steps
    assert line.get_ydata()[-1] == pytest.approx(loss, rel=1e-12)
    assert [t.get_text() for t in ax.texts] == [f"{printed} after 5 steps"]


def trained_model():
    random.seed(5)
    model = MLP(2, [16, 16, 1])
    model.load_state_dict({name: random.uniform(-1, 1) for name, _ in model.named_parameters()})
    return model


@needs_dot
def test_neuron_picture_is_an_svg_of_the_fused_node(tmp_path):
    assert _draw_neuron(trained_model(), [0.3, -0.2], tmp_path) == "neuron.svg"
    svg = (tmp_path / "neuron.svg").read_text()
    root = ET.fromstring(svg[svg.index("<svg") :])
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "w·x+b" in svg or "w&#183;x+b" in svg  # the neuron's fused node is drawn
    assert svg.count("x.0") == 1 and svg.count("x.1") == 1  # both inputs, labelled


def test_neuron_picture_without_dot_is_its_dot_source(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))
    assert _draw_neuron(trained_model(), [0.3, -0.2], tmp_path) == "neuron.gv"
    assert "writing neuron.gv (DOT source) instead" in capsys.readouterr().out
    source = (tmp_path / "neuron.gv").read_text()
    assert source.startswith("digraph") and "w·x+b" in source
    assert not (tmp_path / "neuron.svg").exists()


def test_progress_falls_back_to_plain_lines_without_tqdm(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    assert main(["demo", "--steps", "20", "--seed", "3", "--out", str(tmp_path)]) == 0
    err = capsys.readouterr().err.splitlines()
    progress = [line for line in err if line.startswith("step ")]
    assert [line.split(":")[0] for line in progress] == [f"step {k}/20" for k in range(2, 21, 2)]
    assert all("loss " in line and "accuracy " in line for line in progress)
    assert {p.name for p in tmp_path.iterdir()} == {
        "decision_boundary.png",
        "loss.png",
        "model.json",
        NEURON_FILE,
        "training.html",
    }
