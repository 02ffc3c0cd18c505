"""A microgpt-style training step: a slotted scalar Value beside this package's Value.

    python benchmarks/microgpt_step.py [--steps N]

The model is a character-level GPT on short pseudo-words (made here from a fixed seed):
token and position embeddings, rmsnorm, one attention layer of 4 heads, a ReLU MLP,
residual connections and an lm head, trained with softmax cross-entropy averaged over
the positions of one word per step, and Adam. It is written once and run with two
Value classes: `SlottedValue` below, written the way microgpt writes its Value (each op
stores its local gradients at forward time; backward is a recursive depth-first
search), and ``micrograd.Value`` from this package. Both start from the same weights,
and the losses of every step must be equal bit for bit. Each run is a fresh
interpreter; each class runs ``ROUNDS`` times, in turns, and keeps its fastest run.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SEED = 1337
N_WORDS = 200
BLOCK_SIZE = 8
N_EMBD = 16
N_HEAD = 4
HEAD_DIM = N_EMBD // N_HEAD
MLP_WIDTH = 64
INIT_STD = 0.08
LEARNING_RATE = 1e-2
BETA1, BETA2, EPS = 0.85, 0.99, 1e-8
ROUNDS = 3
CLASSES = {
    "slotted": "microgpt-style slotted Value (defined in microgpt_step.py)",
    "ours": "micrograd.Value (this package)",
}


# ---------------------------------------------------------------------------
# The microgpt-style Value
# ---------------------------------------------------------------------------


class SlottedValue:
    """A scalar that records its inputs and d out / d input for each, at forward time."""

    __slots__ = ("_children", "_local_grads", "data", "grad")

    def __init__(
        self,
        data: float,
        children: tuple[SlottedValue, ...] = (),
        local_grads: tuple[float, ...] = (),
    ) -> None:
        self.data = data
        self.grad = 0.0
        self._children = children
        self._local_grads = local_grads

    def __add__(self, other: SlottedValue | float) -> SlottedValue:
        other = _lift(other)
        return SlottedValue(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other: SlottedValue | float) -> SlottedValue:
        other = _lift(other)
        return SlottedValue(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, exponent: float) -> SlottedValue:
        x = self.data
        return SlottedValue(x**exponent, (self,), (exponent * x ** (exponent - 1),))

    def log(self) -> SlottedValue:
        return SlottedValue(math.log(self.data), (self,), (1.0 / self.data,))

    def exp(self) -> SlottedValue:
        out = math.exp(self.data)
        return SlottedValue(out, (self,), (out,))

    def relu(self) -> SlottedValue:
        positive = self.data > 0.0
        return SlottedValue(self.data if positive else 0.0, (self,), (1.0 if positive else 0.0,))

    def __neg__(self) -> SlottedValue:
        return SlottedValue(-self.data, (self,), (-1.0,))

    def __sub__(self, other: SlottedValue | float) -> SlottedValue:
        other = _lift(other)
        return SlottedValue(self.data - other.data, (self, other), (1.0, -1.0))

    def __truediv__(self, other: SlottedValue | float) -> SlottedValue:
        other = _lift(other)
        out = self.data / other.data
        return SlottedValue(out, (self, other), (1.0 / other.data, -out / other.data))

    def __radd__(self, other: float) -> SlottedValue:
        return _lift(other) + self

    def __rsub__(self, other: float) -> SlottedValue:
        return _lift(other) - self

    def __rmul__(self, other: float) -> SlottedValue:
        return _lift(other) * self

    def __rtruediv__(self, other: float) -> SlottedValue:
        return _lift(other) / self

    def backward(self) -> None:
        """d self / d node into every node's grad: reverse topological order, chain rule."""
        order: list[SlottedValue] = []
        seen: set[SlottedValue] = set()

        def visit(v: SlottedValue) -> None:
            if v not in seen:
                seen.add(v)
                for child in v._children:
                    visit(child)
                order.append(v)

        visit(self)
        self.grad = 1.0
        for v in reversed(order):
            for child, local_grad in zip(v._children, v._local_grads):
                child.grad += local_grad * v.grad


def _lift(x: SlottedValue | float) -> SlottedValue:
    return x if isinstance(x, SlottedValue) else SlottedValue(x)


# ---------------------------------------------------------------------------
# Data, weights and the model, for any Value class
# ---------------------------------------------------------------------------


def make_words(n: int = N_WORDS, seed: int = SEED) -> list[str]:
    """``n`` pronounceable pseudo-words of 3 to 7 letters, consonants and vowels in turn."""
    rng = random.Random(seed)
    consonants, vowels = "bcdfghjklmnprstvwz", "aeiouy"
    words = []
    for _ in range(n):
        first_vowel = rng.random() < 0.3
        letters = [
            rng.choice(vowels if (i % 2 == 0) == first_vowel else consonants)
            for i in range(rng.randint(3, BLOCK_SIZE - 1))
        ]
        words.append("".join(letters))
    return words


def init_weights(vocab_size: int, seed: int = SEED) -> dict[str, list[list[float]]]:
    """Every weight matrix as floats drawn from N(0, INIT_STD^2), rows first."""
    rng = random.Random(seed)

    def matrix(rows: int, cols: int) -> list[list[float]]:
        return [[rng.gauss(0, INIT_STD) for _ in range(cols)] for _ in range(rows)]

    return {
        "wte": matrix(vocab_size, N_EMBD),
        "wpe": matrix(BLOCK_SIZE, N_EMBD),
        "attn_wq": matrix(N_EMBD, N_EMBD),
        "attn_wk": matrix(N_EMBD, N_EMBD),
        "attn_wv": matrix(N_EMBD, N_EMBD),
        "attn_wo": matrix(N_EMBD, N_EMBD),
        "mlp_fc1": matrix(MLP_WIDTH, N_EMBD),
        "mlp_fc2": matrix(N_EMBD, MLP_WIDTH),
        "lm_head": matrix(vocab_size, N_EMBD),
    }


def linear(x: list[Any], w: list[list[Any]]) -> list[Any]:
    """w @ x, one output per row of ``w``."""
    return [sum(wi * xi for wi, xi in zip(row, x)) for row in w]


def softmax(logits: list[Any]) -> list[Any]:
    top = max(v.data for v in logits)
    exps = [(v - top).exp() for v in logits]
    total = sum(exps)
    return [e / total for e in exps]


def rmsnorm(x: list[Any]) -> list[Any]:
    mean_square = sum(xi * xi for xi in x) / len(x)
    scale = (mean_square + 1e-5) ** -0.5
    return [xi * scale for xi in x]


def attention(x: list[Any], sd: dict[str, Any], keys: list[Any], values: list[Any]) -> list[Any]:
    """Causal self-attention of position ``len(keys)`` over itself and the positions before."""
    q = linear(x, sd["attn_wq"])
    keys.append(linear(x, sd["attn_wk"]))
    values.append(linear(x, sd["attn_wv"]))
    heads: list[Any] = []
    for h in range(0, N_EMBD, HEAD_DIM):
        q_h = q[h : h + HEAD_DIM]
        scores = [
            sum(qi * ki for qi, ki in zip(q_h, k[h : h + HEAD_DIM])) / HEAD_DIM**0.5 for k in keys
        ]
        weights = softmax(scores)
        heads.extend(sum(w * v[h + j] for w, v in zip(weights, values)) for j in range(HEAD_DIM))
    return linear(heads, sd["attn_wo"])


def gpt(token: int, pos: int, sd: dict[str, Any], keys: list[Any], values: list[Any]) -> list[Any]:
    """The logits of the next token after ``token`` at position ``pos``."""
    x = rmsnorm([t + p for t, p in zip(sd["wte"][token], sd["wpe"][pos])])
    x = [a + r for a, r in zip(attention(rmsnorm(x), sd, keys, values), x)]
    hidden = [h.relu() for h in linear(rmsnorm(x), sd["mlp_fc1"])]
    x = [m + r for m, r in zip(linear(hidden, sd["mlp_fc2"]), x)]
    return linear(x, sd["lm_head"])


def word_loss(tokens: list[int], sd: dict[str, Any]) -> Any:
    """Mean cross-entropy of predicting each next token of ``tokens`` (at most BLOCK_SIZE)."""
    n = min(BLOCK_SIZE, len(tokens) - 1)
    keys: list[Any] = []
    values: list[Any] = []
    losses = []
    for pos in range(n):
        probs = softmax(gpt(tokens[pos], pos, sd, keys, values))
        losses.append(-probs[tokens[pos + 1]].log())
    return sum(losses) / n


class Adam:
    """Adam on the ``.data`` and ``.grad`` of a list of Values; zeroes the grads after."""

    def __init__(self, params: list[Any]) -> None:
        self.params = params
        self.m = [0.0] * len(params)
        self.v = [0.0] * len(params)
        self.t = 0

    def step(self) -> None:
        self.t += 1
        m, v = self.m, self.v
        m_correction = 1 - BETA1**self.t
        v_correction = 1 - BETA2**self.t
        for i, p in enumerate(self.params):
            g = p.grad
            m[i] = BETA1 * m[i] + (1 - BETA1) * g
            v[i] = BETA2 * v[i] + (1 - BETA2) * g * g
            m_hat = m[i] / m_correction
            v_hat = v[i] / v_correction
            p.data -= LEARNING_RATE * m_hat / (v_hat**0.5 + EPS)
            p.grad = 0.0


# ---------------------------------------------------------------------------
# Worker: one class, in its own interpreter, prints one JSON object
# ---------------------------------------------------------------------------


def load_class(kind: str) -> type:
    if kind == "slotted":
        return SlottedValue
    sys.path.insert(0, str(ROOT))
    from micrograd import Value

    return Value


def train(value_class: type, steps: int) -> dict[str, Any]:
    """``steps`` steps, one word each; the medians of the times and every step's loss."""
    words = make_words()
    chars = sorted(set("".join(words)))
    bos = len(chars)
    sd = {
        name: [[value_class(w) for w in row] for row in matrix]
        for name, matrix in init_weights(len(chars) + 1).items()
    }
    params = [p for matrix in sd.values() for row in matrix for p in row]
    optimizer = Adam(params)
    forward, backward, step, losses = [], [], [], []
    for k in range(steps):
        tokens = [bos, *(chars.index(c) for c in words[k % len(words)]), bos]
        t0 = time.perf_counter()
        loss = word_loss(tokens, sd)
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        optimizer.step()
        losses.append(loss.data)
        del loss  # freeing the graph is part of the step
        t3 = time.perf_counter()
        forward.append(t1 - t0)
        backward.append(t2 - t1)
        step.append(t3 - t0)
    return {
        "forward_s": statistics.median(forward),
        "backward_s": statistics.median(backward),
        "step_s": statistics.median(step),
        "total_s": sum(step),
        "losses": [x.hex() for x in losses],
        "params": len(params),
        "vocab": bos + 1,
    }


# ---------------------------------------------------------------------------
# Orchestration
# ---------------------------------------------------------------------------


def spawn(kind: str, steps: int) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--worker", kind, "--steps", str(steps)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def check_losses(runs: dict[str, list[dict[str, Any]]]) -> None:
    """Exit non-zero, with the losses side by side, unless every run's are the same bits."""
    reference = runs["ours"][0]["losses"]
    for kind, results in runs.items():
        for r in results:
            if r["losses"] == reference:
                continue
            print(f"Losses differ: {CLASSES[kind]} against {CLASSES['ours']}\n")
            print("| step | " + CLASSES[kind] + " | " + CLASSES["ours"] + " |")
            print("|---:|---:|---:|")
            for k, (a, b) in enumerate(zip(r["losses"], reference)):
                mark = "" if a == b else " (differs)"
                print(f"| {k} | {float.fromhex(a)!r} | {float.fromhex(b)!r}{mark} |")
            raise SystemExit(1)


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.1f} ms"


def print_table(fastest: dict[str, dict[str, Any]], steps: int) -> None:
    slotted, ours = fastest["slotted"], fastest["ours"]
    columns = ("forward_s", "backward_s", "step_s", "total_s")
    print(
        f"## microgpt-style training step: 1 layer, {N_HEAD} heads, n_embd {N_EMBD}, "
        f"block {BLOCK_SIZE}, vocab {ours['vocab']}, {ours['params']:,} parameters\n"
    )
    print(f"| Value class | forward (loss) | backward | step | all {steps} steps |")
    print("|---|---:|---:|---:|---:|")
    for kind, r in fastest.items():
        print(f"| {CLASSES[kind]} | " + " | ".join(fmt_ms(r[c]) for c in columns) + " |")
    ratios = " | ".join(f"{slotted[c] / ours[c]:.2f}" for c in columns)
    print(f"| microgpt-style time / this package's time (above 1: ours is faster) | {ratios} |")
    losses = ours["losses"]
    print(
        f"\nMedians of {steps} steps (one word each) and their sum, the fastest of {ROUNDS} runs"
        " per class\n(by the sum), each run a fresh interpreter, taken in turns. A step is"
        " the forward pass\n(building the loss), backward, the Adam update (which zeroes the"
        " grads) and dropping the\ngraph. The slotted class's backward, like microgpt's, makes"
        " a reference cycle (its\nrecursive helper is a closure that refers to itself) that"
        " keeps each graph alive until\nthe garbage collector runs, in some later step: the"
        " sum counts that, a median mostly\nnot. The losses of all"
        f" {steps} steps are equal bit for bit between the two classes\n(first"
        f" {float.fromhex(losses[0]):.6f}, last {float.fromhex(losses[-1]):.6f})."
    )
    print("\nThe full suite (this script, run.py, compiled_step.py, digits_epoch.py): make bench")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20, help="training steps per run")
    parser.add_argument("--worker", choices=sorted(CLASSES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.steps < 1:
        parser.error("--steps must be at least 1")
    if args.worker:
        print(json.dumps(train(load_class(args.worker), args.steps)))
        return 0
    runs: dict[str, list[dict[str, Any]]] = {kind: [] for kind in CLASSES}
    for _ in range(ROUNDS):
        for kind, results in runs.items():
            results.append(spawn(kind, args.steps))
    check_losses(runs)
    fastest = {kind: min(results, key=lambda r: r["total_s"]) for kind, results in runs.items()}
    print_table(fastest, args.steps)
    return 0


if __name__ == "__main__":
    sys.exit(main())
