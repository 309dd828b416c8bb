"""Exact per-step quantiles over many draws, found near the previous step's values.

A full ``np.quantile`` over 100 000 draws costs a partition of the whole array (about 4 ms);
a daily 10-year run needs 3 653 of them per series. Quantiles move little from one step to the
next, so each is looked for in a narrow window around its previous value: count the draws below
the window, sort the few inside it, and read the order statistics. When the window does not
bracket them, a full partition is done instead and the window widens, so the result is always
exact: the same linear interpolation as ``np.quantile`` (numpy's default method), to the bit.
"""

from __future__ import annotations

import math

import numpy as np

_MIN_DRAWS = 4096  # below this a full partition is as cheap as the window search
_TARGET = (32, 1024)  # keep the number of draws inside a window within this range


def _lerp(a: float, b: float, t: float) -> float:
    """numpy's interpolation (``_lerp``), reproduced so that results match it exactly."""
    d = b - a
    return b - d * (1 - t) if t >= 0.5 else a + d * t


class StreamingQuantiles:
    """Callable returning the ``qs`` quantiles of an array that changes slowly between calls."""

    def __init__(self, size: int, qs: tuple[float, ...]) -> None:
        self.size = size
        self.qs = np.asarray(qs, dtype=float)
        virtual = (size - 1) * self.qs  # numpy's "linear" virtual index, computed as numpy does
        self.k = np.floor(virtual).astype(int)
        self.gamma = virtual - self.k
        self.previous: list[float] | None = None
        self.before: list[float] | None = None  # the values one call earlier: the trend
        self.width: list[float] = [0.0] * len(qs)
        self.fallbacks = 0

    def _full(self, a: np.ndarray, j: int) -> tuple[float, float]:
        k = int(self.k[j])
        upper = min(k + 1, self.size - 1)
        part = np.partition(a, [k, upper])
        return float(part[k]), float(part[upper])

    def _window(self, a: np.ndarray, j: int) -> tuple[float, float] | None:
        assert self.previous is not None
        k, g, w = int(self.k[j]), self.previous[j], self.width[j]
        if self.before is not None:  # follow the trend: look where the quantile is heading
            step = g - self.before[j]
            g, w = g + step, max(w, 2 * abs(step))
        lo, hi = g - w, g + w
        below = int(np.count_nonzero(a < lo))
        if below > k:
            return None
        inside = a[(a >= lo) & (a <= hi)]
        if below + inside.size < k + 2:
            return None
        if inside.size > _TARGET[1]:
            self.width[j] = w / 2
        elif inside.size < _TARGET[0]:
            self.width[j] = w * 2
        else:
            self.width[j] = w
        i = k - below
        inside.partition([i, i + 1])
        return float(inside[i]), float(inside[i + 1])

    def __call__(self, a: np.ndarray) -> list[float]:
        out: list[float] = []
        for j in range(len(self.qs)):
            pair = None
            if self.previous is not None and self.size >= _MIN_DRAWS and int(self.k[j]) + 1 < self.size:
                pair = self._window(a, j)
            if pair is None:
                if self.previous is not None:
                    self.fallbacks += 1
                pair = self._full(a, j)
                spread = abs(pair[1] - pair[0]) * 256 + abs(pair[0] - (self.previous or [pair[0]] * 3)[j]) * 4
                self.width[j] = max(self.width[j] * 4, spread, math.ulp(pair[0]) * 1024)
            out.append(_lerp(pair[0], pair[1], float(self.gamma[j])))
        self.before, self.previous = self.previous, out
        return out


__all__ = ["StreamingQuantiles"]
