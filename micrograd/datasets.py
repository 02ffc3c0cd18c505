"""Data sets as plain Python lists (wrap them with ``numpy.array`` if you like): two moons,
and handwritten digits from scikit-learn."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

__all__ = ["Split", "load_digits_split", "make_moons"]


def make_moons(
    n_samples: int = 100, noise: float = 0.1, seed: int | None = None
) -> tuple[list[list[float]], list[int]]:
    """Two interleaving half circles, like ``sklearn.datasets.make_moons``.

    Class 0 lies on the upper half of the unit circle, (cos a, sin a) for a in [0, pi];
    class 1 on the lower half circle (1 - cos a, 1/2 - sin a), shifted to interlock with it.
    The angles are evenly spaced (n_samples // 2 points for class 0, the rest for class 1),
    the points are shuffled, and Gaussian noise of standard deviation ``noise`` is added
    to each coordinate. ``seed`` fixes the shuffle and the noise (None: a fresh draw).

    Returns ``(X, y)``: n_samples points [x1, x2] and their labels, 0 or 1.
    """
    if isinstance(n_samples, bool) or not isinstance(n_samples, int) or n_samples < 1:
        raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}")
    if not noise >= 0.0:
        raise ValueError(f"noise must be non-negative, got {noise!r}")
    n_outer = n_samples // 2
    n_inner = n_samples - n_outer
    points = [([math.cos(a), math.sin(a)], 0) for a in _angles(n_outer)]
    points += [([1.0 - math.cos(a), 0.5 - math.sin(a)], 1) for a in _angles(n_inner)]
    rng = random.Random(seed)
    rng.shuffle(points)
    X = [[x1 + rng.gauss(0.0, noise), x2 + rng.gauss(0.0, noise)] for (x1, x2), _ in points]
    y = [label for _, label in points]
    return X, y


def _angles(n: int) -> list[float]:
    """n evenly spaced angles from 0 to pi inclusive (numpy.linspace(0, pi, n))."""
    if n == 1:
        return [0.0]
    return [math.pi * i / (n - 1) for i in range(n)]


TEST_FRACTION = 0.2


@dataclass
class Split:
    """Images as lists of 64 pixels scaled to [0, 1], with their digits."""

    train_x: list[list[float]]
    train_y: list[int]
    test_x: list[list[float]]
    test_y: list[int]


def load_digits_split(seed: int, limit: int | None = None) -> Split:
    """scikit-learn's 8x8 digits: the first ``limit`` (all 1,797 by default), pixels scaled
    to [0, 1], shuffled by ``seed``, with a fraction ``TEST_FRACTION`` held out for testing.

    Needs scikit-learn (``pip install 'micrograd-lab[digits]'``); nothing is downloaded.
    """
    from sklearn.datasets import load_digits

    data = load_digits()
    images: list[list[float]] = [[v / 16.0 for v in row] for row in data.data.tolist()]
    labels: list[int] = data.target.tolist()
    order = list(range(len(images) if limit is None else min(limit, len(images))))
    random.Random(seed).shuffle(order)
    n_test = max(1, round(TEST_FRACTION * len(order)))
    test, train = order[:n_test], order[n_test:]
    if not train:
        raise ValueError(f"limit {limit} leaves no images to train on")
    return Split(
        [images[i] for i in train],
        [labels[i] for i in train],
        [images[i] for i in test],
        [labels[i] for i in test],
    )
