"""The time grid and what is active in each step, compiled once from a scenario.

Everything here is the same for every Monte Carlo draw (only parameter values differ between
draws), so it is computed once in plain Python and the vectorised engine reads one ``Step`` per
time step. Event boundaries are always grid points, so a 10-day bed rest is simulated exactly
even with monthly steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from .parameters import TrajectoryKnowledge
from .scenarios import Event, Scenario

DAYS_PER_YEAR = 365.25
DAYS_PER_MONTH = DAYS_PER_YEAR / 12
STEPS = ("day", "month")


def horizon_days(years: float) -> int:
    """Whole days in ``years`` (365.25-day years, half a day rounds up)."""
    return int(np.floor(years * DAYS_PER_YEAR + 0.5))


@dataclass(frozen=True)
class Step:
    """One step ``[t0, t1)`` of the grid and what the scenario has active in it."""

    t0: float
    t1: float
    age: float  # age at the middle of the step (years)
    disuse: str | None  # bed_rest, immobilisation, icu or None
    episode_start: float  # day the current disuse episode began (contiguous entries merged)
    limb: bool  # the disuse episode affects one limb only
    diseases: frozenset[str]
    training: bool
    protein: bool
    nmes: bool
    recovery: str  # "standard" or "post_icu": the kind of the last episode that ended

    @property
    def dt(self) -> float:
        return self.t1 - self.t0


def time_grid(scenario: Scenario, horizon: int, step: str) -> np.ndarray:
    """Grid times in days: every day, or every mean month plus every event boundary."""
    if step == "day":
        return np.arange(horizon + 1, dtype=float)
    if step != "month":
        raise ValueError(f"unknown step {step!r} (expected one of {', '.join(STEPS)})")
    months = np.arange(int(horizon // DAYS_PER_MONTH) + 1) * DAYS_PER_MONTH
    bounds = [
        float(d) for e in scenario.events for d in (e.from_day, e.to_day) if d is not None and 0 < d < horizon
    ]
    grid = np.unique(np.round(np.concatenate([months, bounds, [0.0, float(horizon)]]), 9))
    return grid[grid <= horizon]


def _containing(events: list[Event], t: float, horizon: float) -> list[Event]:
    return [e for e in events if e.from_day <= t < e.end(horizon)]


def _episode_start(disuse: list[Event], current: Event) -> float:
    """Start of the run of back-to-back entries of the same state that ends with ``current``."""
    start = current
    changed = True
    while changed:
        changed = False
        for e in disuse:
            if e.name == start.name and e.to_day == start.from_day:
                start, changed = e, True
    return float(start.from_day)


def build_plan(
    scenario: Scenario, kb: TrajectoryKnowledge, age0: float, horizon: int, step: str
) -> tuple[np.ndarray, list[Step]]:
    """The grid and one ``Step`` per interval of it."""
    grid = time_grid(scenario, horizon, step)
    states = scenario.states()
    disuse = [e for e in states if kb.spec.states[e.name].kind == "disuse"]
    diseases = [e for e in states if kb.spec.states[e.name].kind == "disease"]
    ivs = scenario.interventions()
    steps: list[Step] = []
    for t0, t1 in pairwise(grid):
        mid = (t0 + t1) / 2
        active = _containing(disuse, mid, horizon)
        current = active[0] if active else None
        ended = [e for e in disuse if e.end(horizon) <= t0]
        last = max(ended, key=lambda e: e.end(horizon)) if ended else None
        on = {e.name for e in _containing(ivs, mid, horizon)}
        steps.append(
            Step(
                t0=float(t0),
                t1=float(t1),
                age=age0 + mid / DAYS_PER_YEAR,
                disuse=current.name if current else None,
                episode_start=_episode_start(disuse, current) if current else 0.0,
                limb=bool(current and kb.spec.states[current.name].scope == "limb"),
                diseases=frozenset(e.name for e in _containing(diseases, mid, horizon)),
                training="resistance_training" in on,
                protein="protein" in on,
                nmes="nmes" in on,
                recovery="post_icu" if last is not None and last.name == "icu" else "standard",
            )
        )
    return grid, steps


__all__ = ["DAYS_PER_MONTH", "DAYS_PER_YEAR", "STEPS", "Step", "build_plan", "horizon_days", "time_grid"]
