"""Small toy data sets as plain Python lists (wrap them with ``numpy.array`` if you like)."""

from __future__ import annotations

import math
import random

__all__ = ["make_moons"]


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
