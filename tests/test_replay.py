"""TrainingReplay without a browser: what it records, the page it writes, and bad input.

The recorded weights and losses are checked against the model's own `state_dict` and
loss Values taken by the test at each step; the page's embedded numbers are decoded
here and must be exactly those. The browser side is in test_replay_browser.py.
"""

from __future__ import annotations

import base64
import json
import random
import re
import struct

import pytest

from micrograd import Value
from micrograd.__main__ import main
from micrograd.demo import train
from micrograd.losses import cross_entropy
from micrograd.nn import MLP, Layer
from micrograd.optim import SGD
from micrograd.viz import TrainingReplay

MOONS = [[0.0, 1.0], [1.0, -0.5], [-0.5, 0.3], [2.0, 0.1]]


def page_data(page: str) -> dict:
    """The JSON the page's script reads, with the weights decoded to rows of floats."""
    match = re.search(r'<script type="application/json" class="mg-data">(.*?)</script>', page)
    assert match
    data = json.loads(match[1])
    raw = base64.b64decode(data["weights"])
    flat = struct.unpack(f"<{len(raw) // 8}d", raw)
    per_step = len(data["names"])
    data["rows"] = [list(flat[k : k + per_step]) for k in range(0, len(flat), per_step)]
    return data


def three_class_run(steps: int = 7, every: int = 2):
    """A 2-D three-class MLP trained with SGD; the test's own record of every step."""
    random.seed(3)
    model = MLP(2, [5, 3], activation="tanh")
    X = [[random.uniform(-2, 2), random.uniform(-2, 2)] for _ in range(12)]
    y = [k % 3 for k in range(12)]
    replay = TrainingReplay(model, X, y, every=every)
    optimizer = SGD(model.parameters(), lr=0.3)
    seen = []
    for step in range(steps):
        loss = cross_entropy([model(x) for x in X], y)
        seen.append((step, loss.data, model.state_dict()))
        replay.record(step, loss)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return replay, seen


def test_record_keeps_every_nth_step_with_its_loss_and_weights():
    replay, seen = three_class_run(steps=7, every=2)
    kept = [s for s in seen if s[0] % 2 == 0]
    assert replay.steps == [0, 2, 4, 6]
    assert replay.losses == [loss for _, loss, _ in kept]
    assert [replay.weights(k) for k in range(4)] == [state for _, _, state in kept]
    assert kept[0][2] != kept[-1][2]  # training changed the weights


def test_page_holds_exactly_the_recorded_numbers(tmp_path):
    replay, seen = three_class_run(steps=5, every=1)
    path = replay.save(tmp_path / "training.html")
    page = (tmp_path / "training.html").read_text(encoding="utf-8")
    assert path == str(tmp_path / "training.html")
    data = page_data(page)
    assert data["steps"] == [0, 1, 2, 3, 4]
    assert data["losses"] == [loss for _, loss, _ in seen]
    for row, (_, _, state) in zip(data["rows"], seen):
        assert dict(zip(data["names"], row)) == state
    assert data["widths"] == [5, 3] and data["activations"] == ["tanh", "linear"]
    assert data["nin"] == 2 and len(data["X"]) == 12 and data["y"] == [k % 3 for k in range(12)]


def test_page_is_self_contained():
    replay, _ = three_class_run()
    page = replay.html
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    page = page.replace('"http://www.w3.org/2000/svg"', "")  # a name, not an address
    assert not re.search(
        r"""\b(?:src|href)\s*=\s*["']|https?://|url\(|@import|fetch\(|XMLHttpRequest""", page
    )
    assert "__ROOT_ID__" not in page


def test_repr_html_is_the_fragment_with_a_unique_root():
    first, _ = three_class_run(steps=3)
    second, _ = three_class_run(steps=5)
    a, b = first._repr_html_(), second._repr_html_()
    ids = [re.search(r'class="mg-replay" id="([^"]+)"', text)[1] for text in (a, b)]
    assert ids[0] != ids[1]
    assert f'getElementById("{ids[0]}")' in a and "<!DOCTYPE" not in a
    assert "2 steps recorded" in repr(first)
    # the same replay shown twice gets two roots
    assert first._repr_html_() != a


def test_labels_that_look_like_html_cannot_end_the_script():
    model = MLP(2, [1])
    replay = TrainingReplay(model, [[0.0, 0.0]], [1])
    replay.record(0, 1.0)
    replay._names[0] = "</script><script>alert(1)</script>"
    page = replay.html
    assert page.count("</script>") == 2  # the data's and the code's, nothing more


def test_numbers_and_values_both_count_as_losses():
    replay = TrainingReplay(MLP(2, [2, 1]), MOONS, [0, 1, 0, 1])
    replay.record(0, Value(0.75))
    replay.record(1, 2)
    replay.record(2, 0.5)
    assert replay.losses == [0.75, 2.0, 0.5]


def test_one_output_takes_labels_0_1_or_minus_1_1():
    model = MLP(2, [3, 1])
    TrainingReplay(model, MOONS, [0, 1, 0, 1])
    TrainingReplay(model, MOONS, [-1, 1, 1.0, -1])
    with pytest.raises(ValueError, match="mixes 0 and -1"):
        TrainingReplay(model, MOONS, [0, 1, -1, 1])


def test_the_demo_page_is_at_most_5_mb(tmp_path):
    run = train(100, 1337)
    assert run.replay is not None and run.replay.steps == list(range(100))
    assert run.replay.losses == run.losses
    run.replay.save(tmp_path / "training.html")
    size = (tmp_path / "training.html").stat().st_size
    assert size <= 5_000_000, size


def test_demo_command_writes_the_replay(tmp_path):
    assert main(["demo", "--steps", "6", "--seed", "2", "--out", str(tmp_path)]) == 0
    data = page_data((tmp_path / "training.html").read_text(encoding="utf-8"))
    run = train(6, 2, replay=False)
    assert data["steps"] == list(range(6)) and data["losses"] == run.losses
    assert data["X"] == run.X and data["y"] == run.y


def test_digits_command_replays_at_most_60_steps_on_the_test_images(tmp_path):
    from micrograd.datasets import load_digits_split

    assert main(["digits", "--epochs", "1", "--limit", "300", "--out", str(tmp_path)]) == 0
    data = page_data((tmp_path / "training.html").read_text(encoding="utf-8"))
    split = load_digits_split(seed=0, limit=300)
    assert data["X"] == split.test_x and data["y"] == split.test_y
    assert data["steps"] == list(range(8))  # 240 images in batches of 32: 8 steps, all kept
    assert data["widths"] == [32, 10] and data["activations"] == ["tanh", "linear"]


# -- bad input ---------------------------------------------------------------------


def test_rows_of_the_wrong_length_are_named():
    with pytest.raises(ValueError, match=r"X row 2 has 3 values, but the model takes 2 inputs"):
        TrainingReplay(MLP(2, [4, 1]), [[0, 1], [1, 0], [1, 2, 3]], [0, 1, 1])


def test_x_and_y_of_different_lengths():
    with pytest.raises(ValueError, match=r"X and y have different lengths: 4 rows but 3 labels"):
        TrainingReplay(MLP(2, [4, 1]), MOONS, [0, 1, 0])


@pytest.mark.parametrize("model", [Layer(2, 3), "MLP", None])
def test_a_model_that_is_not_an_mlp(model):
    with pytest.raises(TypeError, match=r"model must be a micrograd\.nn\.MLP, got"):
        TrainingReplay(model, MOONS, [0, 1, 0, 1])


@pytest.mark.parametrize("loss", ["0.5", None, [0.5], True])
def test_record_with_a_loss_that_is_neither_value_nor_number(loss):
    replay = TrainingReplay(MLP(2, [4, 1]), MOONS, [0, 1, 0, 1])
    with pytest.raises(TypeError, match=r"loss must be a Value or a number, got"):
        replay.record(0, loss)
    assert replay.steps == []


@pytest.mark.parametrize(
    ("y", "message"),
    [
        ([0, 1, 2, 1], r"y\[2\] is 2; expected 1 or 0 \(or 1 or -1\)"),
        ([0, 1, 0.5, 1], r"y\[2\] is 0.5"),
        ([0, "1", 0, 1], r"y\[1\] is '1'"),
    ],
)
def test_labels_that_are_not_classes_of_the_model(y, message):
    with pytest.raises(ValueError, match=message):
        TrainingReplay(MLP(2, [4, 1]), MOONS, y)


def test_class_labels_beyond_the_outputs():
    with pytest.raises(ValueError, match=r"y\[3\] is 3; expected a class from 0 to 2"):
        TrainingReplay(MLP(2, [4, 3]), MOONS, [0, 1, 2, 3])


def test_rows_that_are_not_numbers_and_empty_data():
    with pytest.raises(TypeError, match="X row 1 must be a sequence of numbers"):
        TrainingReplay(MLP(2, [4, 1]), [[0, 1], 5], [0, 1])
    with pytest.raises(ValueError, match="X row 0 holds a value that is not finite"):
        TrainingReplay(MLP(2, [4, 1]), [[0, float("nan")]], [0])
    with pytest.raises(ValueError, match="X has no rows"):
        TrainingReplay(MLP(2, [4, 1]), [], [])


@pytest.mark.parametrize("every", [0, -1, 1.5, True])
def test_every_must_be_a_positive_integer(every):
    with pytest.raises(ValueError, match="every must be a positive integer"):
        TrainingReplay(MLP(2, [4, 1]), MOONS, [0, 1, 0, 1], every=every)


def test_steps_must_increase_and_save_needs_a_step(tmp_path):
    replay = TrainingReplay(MLP(2, [4, 1]), MOONS, [0, 1, 0, 1], every=2)
    with pytest.raises(ValueError, match="nothing recorded yet"):
        replay.save(tmp_path / "training.html")
    assert not (tmp_path / "training.html").exists()
    replay.record(3, 1.0)  # not kept: odd
    assert replay.steps == []
    with pytest.raises(ValueError, match="step 3 is not after the previous step 3"):
        replay.record(3, 1.0)
    with pytest.raises(ValueError, match="step must be a non-negative integer"):
        replay.record(-1, 1.0)


def test_weights_of_a_step_not_recorded():
    replay, _ = three_class_run(steps=3, every=1)
    with pytest.raises(IndexError, match="3 steps recorded, no 3"):
        replay.weights(3)
    with pytest.raises(IndexError, match="no -1"):
        replay.weights(-1)


def test_the_docstring_example_runs_as_written():
    import doctest

    import micrograd.replay

    result = doctest.testmod(micrograd.replay)
    assert result.attempted == 4 and result.failed == 0
