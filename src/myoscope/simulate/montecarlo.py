"""Monte Carlo over the parameter ranges: draw, run the vectorised model, summarise per step.

Each parameter is drawn from a triangular distribution (low, central, high) with one uniform
quantile per parameter shared by all its age bands (a person whose decline is fast in their 60s
is fast in their 70s too). Quantiles are drawn for every parameter in a fixed order whatever the
scenario, so two scenarios run with the same seed see the same draws and differ only by the
scenario (paired comparison). The central run (every parameter at its central value, or at the
scenario's fixed level) rides along as one extra column.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

import numpy as np

from .model import Engine, Outputs, ParamTable
from .parameters import Band, TrajectoryKnowledge
from .plan import Step
from .quantiles import StreamingQuantiles

QUANTILES = (0.05, 0.5, 0.95)
OUTPUT_FIELDS = ("muscle_mass", "strength", "mass_body", "strength_body")


def triangular_ppf(u: np.ndarray, low: float, mode: float, high: float) -> np.ndarray:
    """Inverse CDF of the triangular distribution; a point mass when ``low == high``."""
    if high <= low:
        return np.full_like(u, low)
    c = (mode - low) / (high - low)
    left = low + np.sqrt(u * (high - low) * (mode - low))
    right = high - np.sqrt((1 - u) * (high - low) * (high - mode))
    result: np.ndarray = np.where(u < c, left, right)
    return result


def draw_table(
    kb: TrajectoryKnowledge,
    sex: str,
    draws: int,
    seed: int | None,
    modes: dict[str, str] | None = None,
    fixed: Collection[str] | str = (),
) -> ParamTable:
    """Per-draw parameter values (``draws`` columns plus the central run).

    ``modes`` (from the scenario) sets a parameter to its low, central or high value for every
    draw; ``fixed`` holds the named parameters (or ``"all"``) at their central (or mode) value.
    """
    rng = np.random.default_rng(seed)
    modes = modes or {}
    values: dict[str, np.ndarray] = {}
    bands_by: dict[str, list[Band]] = {}
    applies: dict[str, tuple[str | None, float | None]] = {}
    for pid in sorted(kb.parameters):
        u = rng.random(draws)
        bands = kb.bands(pid, sex)
        mode = modes.get(pid, "drawn")
        if mode == "drawn" and (fixed == "all" or pid in fixed):
            mode = "central"
        arr = np.empty((len(bands), draws + 1))
        for i, b in enumerate(bands):
            if mode == "drawn":
                arr[i, :draws] = triangular_ppf(u, b.low, b.central, b.high)
                arr[i, draws] = b.central
            else:
                arr[i, :] = {"low": b.low, "central": b.central, "high": b.high}[mode]
        values[pid], bands_by[pid] = arr, bands
        cond = kb.parameters[pid].applies_when
        if cond is not None:
            applies[pid] = (cond.sex, cond.age.ge if cond.age else None)
    return ParamTable(bands=bands_by, values=values, sex=sex, applies_when=applies)


Tracker = Callable[[float, Outputs], None]


@dataclass
class RunResult:
    """Per-step summaries: ``series[name]`` rows are [p5, median, p95, central] at ``times``."""

    times: np.ndarray
    series: dict[str, np.ndarray]
    draws: int
    captured: dict[float, dict[str, np.ndarray]] = field(default_factory=dict)


def run(
    steps: list[Step],
    table: ParamTable,
    draws: int,
    trackers: Iterable[Tracker] = (),
    capture: Collection[float] = (),
) -> RunResult:
    """Run every draw through ``steps``; keep quantiles per step and per-draw values at ``capture``."""
    engine = Engine(steps, table)
    limb = any(s.limb for s in steps)
    names = OUTPUT_FIELDS if limb else OUTPUT_FIELDS[:2]
    n = len(steps)
    series = {name: np.empty((n + 1, 4)) for name in names}
    for arr in series.values():
        arr[0] = 1.0
    times = np.empty(n + 1)
    times[0] = steps[0].t0 if steps else 0.0
    captured: dict[float, dict[str, np.ndarray]] = {}
    want = set(capture)
    trackers = list(trackers)
    quantiles = {name: StreamingQuantiles(draws, QUANTILES) for name in names}

    for i, t1, out in engine.run():
        times[i + 1] = t1
        for name in names:
            values = getattr(out, name)
            row = series[name][i + 1]
            row[:3] = quantiles[name](values[:draws])
            row[3] = values[draws]
        for track in trackers:
            track(t1, out)
        if t1 in want:
            captured[t1] = {name: getattr(out, name).copy() for name in OUTPUT_FIELDS}
    if not limb:
        series["mass_body"] = series["muscle_mass"]
        series["strength_body"] = series["strength"]
    return RunResult(times=times, series=series, draws=draws, captured=captured)


__all__ = ["QUANTILES", "RunResult", "draw_table", "run", "triangular_ppf"]
