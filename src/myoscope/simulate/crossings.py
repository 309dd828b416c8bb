"""When would a definition's cut-off be crossed? Read from the definitions, never restated.

For every compare node of the chosen definitions whose measure the simulator projects (grip,
ASM, ASM/height²), the cut-off that applies to this person is selected by the node itself (sex,
method, population), with its published comparator and citation. The projected value is rounded
to the measure's reporting precision before it is compared, exactly as the assessment does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np

from ..knowledge import Knowledge
from ..rules.nodes import COMPARATORS, Compare, Context
from .model import Outputs

#: projected measure -> the Outputs field it follows (whole-body quantities)
SOURCE_FIELD = {"mass": "mass_body", "strength": "strength_body"}


@dataclass
class CrossingSpec:
    """One cut-off to watch: the node's comparator and value, and where the value comes from."""

    definition: str
    component: str
    label: str
    measure: str
    unit: str | None
    comparator: str
    cutoff: Any
    applies_to: str
    citation: str
    start: float | None = None  # the measured value (None: not measured)
    precision: int = 2
    source: str = "mass_body"
    reason: str | None = None  # why the crossing cannot be projected

    def met(self, values: np.ndarray) -> np.ndarray:
        rounded = np.round(values, self.precision)
        result: np.ndarray = np.asarray(COMPARATORS[self.comparator](rounded, self.cutoff))
        return result


@dataclass
class CrossingTracker:
    """Records, per draw, the first day the cut-off's condition holds (inf: not within horizon).

    Rounding to ``p`` decimals and comparing with the cut-off ``c`` is the same as comparing the
    unrounded value with ``c -/+ 0.5 * 10**-p`` (except exactly on a rounding tie), so each step
    needs one comparison of the relative index with a precomputed threshold instead of rounding
    every draw.
    """

    spec: CrossingSpec
    size: int
    first: np.ndarray = field(init=False)
    now: np.ndarray = field(init=False)  # whether the condition holds at the latest step

    def __post_init__(self) -> None:
        s = self.spec
        assert s.start is not None and s.start > 0
        self.first = np.full(self.size, np.inf)
        self.now = np.zeros(self.size, dtype=bool)
        self._pending = np.ones(self.size, dtype=bool)
        half = 0.5 * 10.0**-s.precision
        bound = float(s.cutoff) + (half if s.comparator in ("<=", ">") else -half)
        self._below = s.comparator in ("<", "<=")
        self._threshold = bound / s.start

    def __call__(self, t: float, out: Outputs) -> None:
        values = getattr(out, self.spec.source)
        self.now = values < self._threshold if self._below else values >= self._threshold
        new = self.now & self._pending
        if new.any():
            self.first[new] = t
            self._pending &= ~new


@dataclass
class Crossing:
    """The summary of one cut-off crossing over the draws (days since the start)."""

    spec: CrossingSpec
    status: str  # met_at_start | crosses | not_within_horizon | unknown
    probability: float | None = None  # share of draws that cross within the horizon
    median_day: float | None = None
    p5_day: float | None = None
    p95_day: float | None = None  # None with a probability below 95%: later than the horizon
    central_day: float | None = None
    horizon_day: float | None = None
    start_date: date | None = None
    met_at_end: float | None = None  # share of draws in which the condition still holds at the end

    def date_of(self, day: float | None) -> str | None:
        if day is None or self.start_date is None:
            return None
        return (self.start_date + timedelta(days=round(day))).isoformat()

    def describe_day(self, day: float | None) -> str:
        if day is None:
            return "not within the horizon"
        d = self.date_of(day)
        return f"day {day:g}" + (f" ({d})" if d else "")

    def to_dict(self) -> dict[str, Any]:
        s = self.spec
        return {
            "quantity": s.measure,
            "definition": s.definition,
            "component": s.component,
            "label": s.label,
            "comparator": s.comparator,
            "cutoff": s.cutoff,
            "unit": s.unit,
            "cutoff_applies_to": s.applies_to,
            "citation": s.citation,
            "start_value": s.start,
            "status": self.status,
            "reason": s.reason,
            "probability_within_horizon": self.probability,
            "median_day": self.median_day,
            "median_date": self.date_of(self.median_day),
            "p5_day": self.p5_day,
            "p5_date": self.date_of(self.p5_day),
            "p95_day": self.p95_day,
            "p95_date": self.date_of(self.p95_day),
            "central_day": self.central_day,
            "central_date": self.date_of(self.central_day),
            "horizon_day": self.horizon_day,
            "met_at_end": self.met_at_end,
        }


def crossing_specs(
    kb: Knowledge,
    definitions: list[str],
    values: dict[str, Any],
    projected: dict[str, str],
    not_projected: dict[str, str],
) -> list[CrossingSpec]:
    """Cut-offs of ``definitions`` on measures the simulator handles.

    ``values`` are the record's canonical and derived values; ``projected`` maps a measured,
    projected measure to "mass" or "strength"; ``not_projected`` maps the others to the reason.
    """
    cat = kb.catalog
    ctx = Context(values)
    out: list[CrossingSpec] = []
    for definition in kb.select(definitions):
        for name, node in definition.components.items():
            if not isinstance(node, Compare):
                continue
            measure = node.measure
            if measure not in projected and measure not in not_projected:
                continue
            possible, ambiguous = node.candidates(ctx)
            decided = len(possible) == 1 and all(c.test(ctx) is True for c in possible[0].when)
            precision = cat.precision_of(measure) or 0
            spec = CrossingSpec(
                definition=definition.id,
                component=name,
                label=node.label,
                measure=measure,
                unit=node.unit,
                comparator=node.comparator,
                cutoff=possible[0].value if decided else [c.value for c in possible],
                applies_to=possible[0].describe() if decided else "",
                citation=str(node.source),
                precision=int(precision),
            )
            if node.unconfirmed_comparator:  # "<" or "<=" unsettled: count only what both agree on
                pair = {node.comparator, node.unconfirmed_comparator}
                spec.comparator = (
                    "<" if pair <= {"<", "<="} else ">" if pair <= {">", ">="} else node.comparator
                )
                spec.applies_to += (
                    f"; comparator unsettled ({' or '.join(sorted(pair))}), the strict one is used"
                )
            if measure in not_projected:
                spec.reason = not_projected[measure]
            elif spec.comparator not in ("<", "<=", ">", ">=") or (
                decided
                and (isinstance(possible[0].value, bool) or not isinstance(possible[0].value, int | float))
            ):
                spec.reason = "not a numeric threshold"
            elif not possible:
                spec.reason = "no cut-off of this definition applies to this person"
            elif not decided:
                missing = sorted({m for m in ambiguous if ctx.get(m) is None})
                spec.reason = (
                    "the cut-off depends on "
                    + (", ".join(missing) or "an unsettled band")
                    + ", which the record does not settle"
                )
            else:
                spec.start = float(values[measure])
                spec.source = SOURCE_FIELD[projected[measure]]
            out.append(spec)
    return out


def summarise(
    tracker: CrossingTracker | None, spec: CrossingSpec, draws: int, horizon: float, start_date: date | None
) -> Crossing:
    """Median and 5-95% range of the crossing day over the draws (an empirical quantile, so a
    reported day is always a simulated day)."""
    if spec.reason is not None or tracker is None:
        return Crossing(spec, "unknown", horizon_day=horizon, start_date=start_date)
    assert spec.start is not None
    at_end = float(np.mean(tracker.now[:draws]))
    if bool(spec.met(np.array([spec.start]))[0]):
        return Crossing(
            spec,
            "met_at_start",
            probability=1.0,
            median_day=0.0,
            p5_day=0.0,
            p95_day=0.0,
            central_day=0.0,
            horizon_day=horizon,
            start_date=start_date,
            met_at_end=at_end,
        )
    days = tracker.first[:draws]
    p5, p50, p95 = (float(v) for v in np.quantile(days, (0.05, 0.5, 0.95), method="inverted_cdf"))
    central = float(tracker.first[draws])

    def finite(v: float) -> float | None:
        return None if np.isinf(v) else v

    return Crossing(
        spec,
        "crosses" if np.isfinite(p50) else "not_within_horizon",
        probability=float(np.mean(np.isfinite(days))),
        median_day=finite(p50),
        p5_day=finite(p5),
        p95_day=finite(p95),
        central_day=finite(central),
        horizon_day=horizon,
        start_date=start_date,
        met_at_end=at_end,
    )


__all__ = ["Crossing", "CrossingSpec", "CrossingTracker", "crossing_specs", "summarise"]
