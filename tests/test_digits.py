"""Handwritten digits: the split, the command line on a small subset, and the real bar."""

import json
import re
import sys

import numpy as np
import pytest
from matplotlib.image import imread
from sklearn.datasets import load_digits

from micrograd.__main__ import main
from micrograd.datasets import load_digits_split
from micrograd.digits import train


def numpy_predictions(state: dict[str, float], images: np.ndarray) -> np.ndarray:
    """The saved MLP(64, [32, 10]) with tanh, evaluated with numpy from its JSON weights."""

    def layer(i: int, nin: int, nout: int) -> tuple[np.ndarray, np.ndarray]:
        prefix = f"layers.{i}.neurons"
        w = [[state[f"{prefix}.{j}.w.{k}"] for k in range(nin)] for j in range(nout)]
        return np.array(w), np.array([state[f"{prefix}.{j}.b"] for j in range(nout)])

    (w1, b1), (w2, b2) = layer(0, 64, 32), layer(1, 32, 10)
    return (np.tanh(images @ w1.T + b1) @ w2.T + b2).argmax(axis=1)


def test_split_holds_out_a_fifth_of_the_images_scaled_to_unit_range():
    split = load_digits_split(seed=3, limit=300)
    assert (len(split.train_y), len(split.test_y)) == (240, 60)
    reference = load_digits()
    first = {tuple(row / 16.0): label for row, label in zip(reference.data[:300], reference.target)}
    train_set = {tuple(x) for x in split.train_x}
    test_set = {tuple(x) for x in split.test_x}
    assert not train_set & test_set
    for x, y in zip(split.train_x + split.test_x, split.train_y + split.test_y):
        assert first[tuple(x)] == y and min(x) >= 0.0 and max(x) <= 1.0
    assert load_digits_split(seed=3, limit=300) == split
    assert load_digits_split(seed=4, limit=300).test_y != split.test_y


def test_digits_command_trains_on_a_subset_and_writes_its_files(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["digits", "--epochs", "1", "--limit", "300", "--out", str(out)]) == 0
    summary = capsys.readouterr().out.strip().splitlines()[-1]
    match = re.search(r"test accuracy ([\d.]+)% \((\d+) of 60 wrong\)", summary)
    assert match, summary
    assert {p.name for p in out.iterdir()} == {
        "curves.png",
        "mistakes.png",
        "model.json",
        "training.html",
    }
    for name in ("curves.png", "mistakes.png"):
        assert imread(out / name).std() > 0.05  # something is drawn

    split = load_digits_split(seed=0, limit=300)
    document = json.loads((out / "model.json").read_text())
    assert document["module"] == "MLP" and document["architecture"] == {
        "nin": 64,
        "nouts": [32, 10],
        "activation": "tanh",
        "output_activation": "linear",
    }
    predicted = numpy_predictions(document["parameters"], np.array(split.test_x))
    wrong = int((predicted != np.array(split.test_y)).sum())
    assert int(match[2]) == wrong
    assert float(match[1]) == pytest.approx(100 * (60 - wrong) / 60, abs=0.05)
    assert wrong < 30  # one epoch on 240 images already beats chance (54 of 60 wrong) by far


def test_missing_scikit_learn_is_reported(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    assert main(["digits", "--out", str(tmp_path / "out")]) == 1
    assert "pip install 'micrograd-lab[digits]'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_full_training_reaches_95_percent_on_held_out_digits():
    """The digits command's defaults (about 30 s): the README's accuracy claim."""
    split = load_digits_split(seed=0)
    model, history = train(split, epochs=15, batch=32, lr=0.02, seed=0)
    state = model.state_dict()
    predicted = numpy_predictions(state, np.array(split.test_x))
    accuracy = float((predicted == np.array(split.test_y)).mean())
    assert accuracy == pytest.approx(history.test_accuracy[-1])
    assert accuracy >= 0.95, accuracy
    assert history.loss[-1] < 0.1 * history.loss[0]
