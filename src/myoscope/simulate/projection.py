"""The projection result: series with bands, cut-off crossings, caveats; text, JSON and charts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .crossings import Crossing
from .scenarios import Scenario

if TYPE_CHECKING:
    import altair as alt


@dataclass
class Series:
    """One projected quantity: median, 5-95% band and the central run at every grid day."""

    quantity: str
    label: str
    unit: str
    median: np.ndarray
    p5: np.ndarray
    p95: np.ndarray
    central: np.ndarray
    start: float | None = None  # the measured value it is anchored to (None for the indices)
    caveat: str | None = None
    decimals: int = 1  # reporting precision (the measure's, from the catalog)

    def at(self, index: int) -> tuple[float, float, float, float]:
        return (
            float(self.median[index]),
            float(self.p5[index]),
            float(self.p95[index]),
            float(self.central[index]),
        )


@dataclass
class HistoryValue:
    quantity: str
    day: float
    value: float


@dataclass
class Projection:
    """Where this person's muscle is heading under a scenario, with the uncertainty of the evidence."""

    record_source: str | None
    scenario: Scenario
    days: np.ndarray
    series: dict[str, Series]
    crossings: list[Crossing]
    settings: dict[str, Any]
    person: dict[str, Any]
    start_date: date | None = None
    not_projected: dict[str, str] = field(default_factory=dict)
    caveats: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: the recorded conditions that waste muscle and that the scenario does not project, one
    #: sentence each (also first among the caveats): every face shows them beside the chart
    left_out: list[str] = field(default_factory=list)
    history: list[HistoryValue] = field(default_factory=list)
    knowledge_version: str = ""

    # --- access ----------------------------------------------------------------------------
    def dates(self) -> list[str] | None:
        if self.start_date is None:
            return None
        return [(self.start_date + timedelta(days=float(d))).isoformat() for d in self.days]

    def index_of(self, day: float) -> int:
        """Index of the last grid day at or before ``day``."""
        return int(np.searchsorted(self.days, day, side="right") - 1)

    def key_days(self, limit: int = 7) -> list[float]:
        """Start, every timeline boundary, one year and the end: the days a reader asks about."""
        end = float(self.days[-1])
        marks = {0.0, end}
        for e in self.scenario.events:
            marks.add(float(e.from_day))
            if e.to_day is not None:
                marks.add(float(e.to_day))
        if end > 365:
            marks.add(365.0)
        chosen = sorted(m for m in marks if 0 <= m <= end)
        if len(chosen) > limit:
            chosen = [*chosen[: limit - 1], end]
        return chosen

    @property
    def summary(self) -> list[dict[str, Any]]:
        """One row per projected quantity: start, and the median, band and central run at the end."""
        rows = []
        for s in self.series.values():
            med, lo, hi, cen = s.at(len(self.days) - 1)
            rows.append(
                {
                    "quantity": s.quantity,
                    "unit": s.unit,
                    "start": s.start if s.start is not None else 100.0,
                    "day": float(self.days[-1]),
                    "median": round(med, 3),
                    "p5": round(lo, 3),
                    "p95": round(hi, 3),
                    "central": round(cen, 3),
                }
            )
        return rows

    # --- serialisation ---------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        dates = self.dates()
        series: dict[str, Any] = {}
        for q, s in self.series.items():
            series[q] = {
                "label": s.label,
                "unit": s.unit,
                "start": s.start,
                "caveat": s.caveat,
                "days": [round(float(d), 4) for d in self.days],
                **({"dates": dates} if dates else {}),
                "median": _rounded(s.median),
                "p5": _rounded(s.p5),
                "p95": _rounded(s.p95),
                "central": _rounded(s.central),
            }
        return {
            "record": self.record_source,
            "person": self.person,
            "scenario": {
                "name": self.scenario.name,
                "description": self.scenario.description,
                "source": self.scenario.source,
                "timeline": [
                    {"kind": e.kind, "name": e.name, "from_day": e.from_day, "to_day": e.to_day}
                    for e in self.scenario.events
                ],
                "parameters": self.scenario.parameters,
            },
            "settings": self.settings,
            "start_date": self.start_date.isoformat() if self.start_date else None,
            "knowledge_version": self.knowledge_version,
            "series": series,
            "crossings": [c.to_dict() for c in self.crossings],
            "summary": self.summary,
            "not_projected": self.not_projected,
            "history": [{"quantity": h.quantity, "day": h.day, "value": h.value} for h in self.history],
            "caveats": self.caveats,
            "notes": self.notes,
            "left_out": self.left_out,
        }

    def __str__(self) -> str:
        from ..report.projection import render_text

        return render_text(self)

    def _repr_html_(self) -> str:
        from ..report.jupyter import projection_html

        return projection_html(self)

    # --- charts ----------------------------------------------------------------------------
    def chart(
        self, quantities: list[str] | None = None, width: int = 560, height: int = 170, max_points: int = 800,
        patient: str | None = None,
    ) -> alt.VConcatChart:
        """An altair chart: one panel per quantity (band, median, central run, cut-offs, history)."""
        from ..report.projection_chart import projection_chart

        return projection_chart(
            self, quantities=quantities, width=width, height=height, max_points=max_points, patient=patient
        )

    def save_chart(self, path: str | Path, **kwargs: Any) -> Path:
        """Write the chart as PNG, SVG or HTML (by suffix); PNG and SVG need vl-convert-python."""
        from ..report.projection_chart import save_chart

        return save_chart(self.chart(**kwargs), Path(path))


def _rounded(values: np.ndarray) -> list[float]:
    return [round(float(v), 4) for v in values]


__all__ = ["HistoryValue", "Projection", "Series"]
