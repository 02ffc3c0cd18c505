"""What recording a `TrainingReplay` costs the demo's training, and what its page weighs.

    python benchmarks/replay_cost.py [--runs N]

The demo's training (``micrograd.demo.train``: MLP(2, [16, 16, 1]), 100 two-moons
points, hinge + L2, 100 full-batch SGD steps) runs N times with a replay recording every
step and N times without, in turns; the table shows the fastest of each (the run least
disturbed by other programs) and the overhead, and the time of the 100 ``record``
calls alone. Then the page the demo writes is measured. Exits 1 if recording adds more
than 25% to the training time or the page is larger than 5 MB.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from micrograd.demo import train  # noqa: E402
from micrograd.replay import TrainingReplay  # noqa: E402

STEPS = 100
SEED = 1337
MAX_OVERHEAD = 0.25
MAX_PAGE = 5_000_000  # bytes


def timed(replay: bool) -> float:
    start = time.perf_counter()
    train(STEPS, SEED, replay=replay)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each kind (5)")
    args = parser.parse_args()
    plain: list[float] = []
    recorded: list[float] = []
    timed(False)  # warm up: imports, caches
    for _ in range(args.runs):
        plain.append(timed(False))
        recorded.append(timed(True))
    a, b = min(plain), min(recorded)
    overhead = b / a - 1
    run = train(STEPS, SEED)
    assert run.replay is not None
    again = TrainingReplay(run.model, run.X, run.y)
    start = time.perf_counter()
    for k in range(STEPS):
        again.record(k, run.losses[k])
    calls = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as folder:
        size = Path(run.replay.save(Path(folder) / "training.html")).stat().st_size
    print(f"## Recording a training replay: the demo's {STEPS} steps, fastest of {args.runs}\n")
    print("| training | time | overhead |")
    print("|---|---:|---:|")
    print(f"| without a replay | {a:.3f} s | |")
    print(f"| recording every step | {b:.3f} s | {overhead:+.1%} |")
    print(f"| the {STEPS} record calls alone | {calls * 1e3:.2f} ms | {calls / a:+.2%} |")
    print(f"\nthe page (training.html): {size / 1e6:.2f} MB for {len(run.replay.steps)} steps")
    ok = overhead <= MAX_OVERHEAD and size <= MAX_PAGE
    if not ok:
        print(f"over budget: at most {MAX_OVERHEAD:.0%} overhead and {MAX_PAGE / 1e6:.0f} MB")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
