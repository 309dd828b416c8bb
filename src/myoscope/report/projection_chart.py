"""Altair charts of a projection: one panel per quantity with the 5-95% band, the median, the
central run, the definitions' cut-offs and past measurements. One Vega-Lite spec serves the
browser (HTML) and static images (PNG, SVG through vl-convert, no browser needed).

altair is imported here only, so the core runs without the ``charts`` extra.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .projection import cutoff_lines

if TYPE_CHECKING:
    import altair as alt

    from ..simulate.projection import Projection

FORMATS = (".png", ".svg", ".html")


def _thin(days: np.ndarray, keep: list[float], max_points: int) -> np.ndarray:
    """Indices to draw: at most ``max_points`` evenly spaced, plus the timeline boundaries."""
    n = len(days)
    idx = set(np.linspace(0, n - 1, min(n, max_points)).round().astype(int).tolist())
    idx.update(int(np.searchsorted(days, k)) for k in keep if 0 <= k <= days[-1])
    return np.array(sorted(i for i in idx if i < n))


def projection_chart(
    p: Projection,
    quantities: list[str] | None = None,
    width: int = 560,
    height: int = 170,
    max_points: int = 800,
    patient: str | None = None,
) -> alt.VConcatChart:
    """One panel per quantity. Intervention and bed-rest periods are shaded and labelled; the x
    axis is calendar dates when the record has a date; past measurements older than a quarter of
    the horizon before the start are left out (counted in the subtitle) so they do not squash the
    projection."""
    import altair as alt

    wanted = quantities or [q for q in p.series if p.series[q].start is not None] + [
        "muscle_mass",
        "strength",
    ]
    unknown = [q for q in wanted if q not in p.series]
    if unknown:
        raise ValueError(f"not projected: {', '.join(unknown)} (projected: {', '.join(p.series)})")
    use_dates = p.start_date is not None
    x_field, x_type = ("date", "temporal") if use_dates else ("day", "quantitative")
    keep = [float(d) for e in p.scenario.events for d in (e.from_day, e.to_day) if d is not None]
    idx = _thin(p.days, keep, max_points)

    def x_value(day: float) -> Any:
        if p.start_date is None:
            return round(float(day), 3)
        return (p.start_date + timedelta(days=float(day))).isoformat()

    horizon = float(p.days[-1])
    oldest = -horizon / 4
    shown_history = [h for h in p.history if h.day >= oldest]
    hidden = len(p.history) - len(shown_history)
    periods = [
        {"start": x_value(e.from_day), "end": x_value(e.end(horizon)),
         "label": e.name.replace("_", " "), "kind": e.kind, "row": 2 + 11 * i}
        for i, e in enumerate(p.scenario.events)
    ]
    panels = []
    for q in wanted:
        s = p.series[q]
        rows = [
            {
                x_field: x_value(p.days[i]),
                "median": float(s.median[i]),
                "p5": float(s.p5[i]),
                "p95": float(s.p95[i]),
                "central": float(s.central[i]),
            }
            for i in idx
        ]
        x = alt.X(f"{x_field}:{x_type[0].upper()}", title="date" if use_dates else "days from the start",
                  # days end at the horizon (a "nice" 800 after 730 crowded the last tick labels)
                  scale=alt.Scale() if use_dates else alt.Scale(nice=False))
        base = alt.Chart(_data(rows))
        layers: list[Any] = []
        if periods:
            shade = alt.Chart(_data(periods))
            layers.append(shade.mark_rect(opacity=0.12).encode(
                x=alt.X(f"start:{x_type[0].upper()}", title="date" if use_dates else "days from the start"),
                x2="end",
                color=alt.Color("kind:N", scale=alt.Scale(domain=["state", "intervention"],
                                                         range=["#d62728", "#2ca02c"]), legend=None)))
            layers.append(shade.mark_text(align="left", baseline="top", dx=2, dy=2, fontSize=9).encode(
                x=alt.X(f"start:{x_type[0].upper()}"), y=alt.Y("row:Q", scale=None), text="label:N"))
        layers += [
            base.mark_area(opacity=0.25, color="#4c78a8").encode(
                x=x, y=alt.Y("p5:Q", title=f"{s.label} ({s.unit})", scale=alt.Scale(zero=False)), y2="p95:Q"
            ),
            base.mark_line(color="#4c78a8").encode(x=x, y="median:Q"),
            base.mark_line(color="#555555", strokeDash=[4, 3]).encode(x=x, y="central:Q"),
        ]
        cuts = cutoff_lines(p.crossings, q)  # in words, one label per line ("EWGSOP2: under 16 kg (women)")
        if cuts:
            rule = alt.Chart(_data(cuts))
            layers.append(rule.mark_rule(color="firebrick", strokeDash=[2, 2]).encode(y="cutoff:Q"))
            layers.append(  # at the right edge: the shaded periods' labels sit at the left
                rule.mark_text(align="right", dx=-4, dy=-6, color="firebrick", fontSize=10).encode(
                    y="cutoff:Q", text="label:N", x=alt.value(width)
                )
            )
        past = [{x_field: x_value(h.day), "value": h.value} for h in shown_history if h.quantity == q]
        if past:
            layers.append(
                alt.Chart(_data(past))
                .mark_point(filled=True, color="black", size=40)
                .encode(x=x, y="value:Q")
            )
        panels.append(alt.layer(*layers).properties(width=width, height=height, title=s.label))
    who = patient or p.record_source or "record"
    # the legend says only what is drawn (no "shaded periods" on an ageing-only projection)
    subtitle = ["median, 5-95% band (blue), central run (dashed)"
                + ("; points: past measurements" if shown_history else "")]
    if periods:
        subtitle.append("shaded periods: red = bed rest or illness, green = intervention")
    if hidden:
        subtitle.append(f"{hidden} past measurement(s) older than {-oldest:.0f} days before the start "
                        "not drawn")
    title = alt.TitleParams(f"{who}: {p.scenario.name}", subtitle=subtitle, anchor="start")
    chart: alt.VConcatChart = alt.vconcat(*panels).properties(title=title).resolve_scale(x="shared")
    return chart


def _data(values: list[dict[str, Any]]) -> Any:
    """Inline data (no pandas needed); altair's ``Data`` is untyped."""
    import altair as alt

    return alt.Data(values=values)  # type: ignore[no-untyped-call]


def save_chart(chart: alt.VConcatChart, path: Path) -> Path:
    """PNG or SVG (vl-convert) or self-contained HTML, chosen by the file suffix."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"cannot write {path.name}: expected a {', '.join(FORMATS)} file")
    if suffix == ".html":
        chart.save(str(path), inline=True)  # vega inlined: the page needs no network
    else:
        chart.save(str(path))
    return path


__all__ = ["FORMATS", "projection_chart", "save_chart"]
