"""The windowed quantiles equal numpy's, bit for bit, however the values move."""

from __future__ import annotations

import numpy as np

from myoscope.simulate.quantiles import StreamingQuantiles


def test_streaming_quantiles_equal_numpy_exactly_through_drift_jumps_and_ties() -> None:
    rng = np.random.default_rng(0)
    n = 20_000
    base = rng.random(n)
    stream = StreamingQuantiles(n, (0.05, 0.5, 0.95))
    for step in range(400):
        values = np.exp(-base * 0.002 * step)
        if step == 150:
            values = values * 0.7  # a jump far outside every window
        if step >= 300:
            values = np.round(values, 2)  # many ties
        expected = np.quantile(values, (0.05, 0.5, 0.95))
        assert np.array_equal(np.array(stream(values)), expected), step
    assert stream.fallbacks < 50  # the window does its job most of the time


def test_small_arrays_use_numpy_directly() -> None:
    values = np.array([3.0, 1.0, 2.0])
    assert StreamingQuantiles(3, (0.05, 0.5, 0.95))(values) == list(np.quantile(values, (0.05, 0.5, 0.95)))
