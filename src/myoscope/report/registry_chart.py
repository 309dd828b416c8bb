"""The patient timeline: one panel per followed measure over visit dates, alerts marked.

One Vega-Lite spec (altair) serves the browser (HTML, or the spec as JSON for the web app) and
files (PNG/SVG rendered by vl-convert, no browser needed). Needs the ``charts`` extra.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import RegistryError
from ..measures import load_catalog
from ..registry.changes import PatientChanges, short_label

#: measures shown, in panel order (those the patient has at least one value of)
TIMELINE_MEASURES = ("weight", "grip_strength", "gait_speed", "chair_stand_time", "sppb", "asm",
                     "calf_circumference")
FORMATS = (".png", ".svg", ".html", ".json")
MAX_SUBTITLES = 6


def timeline_rows(changes: PatientChanges) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(values, alerts) as plain rows: the chart's data, also handy for tests and the web app."""
    catalog = load_catalog()
    values = []
    for v in changes.series.visits:
        for m in TIMELINE_MEASURES:
            if v.values.get(m) is not None:
                unit = catalog.unit_of(m) or ""
                values.append({"date": v.date.isoformat(), "measure": f"{short_label(catalog, m)} ({unit})",
                               "value": v.values[m], "visit": v.visit_id})
    alerts = []
    for a in changes.alerts:
        unit = catalog.unit_of(a.measure) or ""
        alerts.append({"date": a.date.isoformat(), "measure": f"{short_label(catalog, a.measure)} ({unit})",
                       "message": a.message})
    return values, alerts


def timeline_chart(changes: PatientChanges) -> Any:
    """The altair chart (an ``alt.VConcatChart`` or ``alt.LayerChart``)."""
    import altair as alt

    values, alerts = timeline_rows(changes)
    if not values:
        raise RegistryError(f"patient {changes.series.pseudonym} has no followed measurements to chart")
    panels = []
    for measure in dict.fromkeys(r["measure"] for r in values):
        data = alt.InlineData(values=[r for r in values if r["measure"] == measure])
        base = alt.Chart(data).encode(
            x=alt.X("date:T", title=None),
            y=alt.Y("value:Q", title=measure, scale=alt.Scale(zero=False)),
            tooltip=["date:T", "value:Q", "visit:N"],
        )
        layer = base.mark_line(point=True)
        marks = [r for r in alerts if r["measure"] == measure]
        if marks:
            rules = (alt.Chart(alt.InlineData(values=marks))
                     .mark_rule(color="#c0392b", strokeDash=[4, 3])
                     .encode(x="date:T", tooltip=["date:T", "message:N"]))
            layer = alt.layer(layer, rules)
        panels.append(layer.properties(width=520, height=110))
    title = alt.TitleParams(
        f"{changes.series.pseudonym}: {len(changes.series.visits)} visits, {len(alerts)} alert(s)",
        subtitle=[f"{r['date']}: {r['message']}" for r in alerts[-MAX_SUBTITLES:]] or alt.Undefined,
        anchor="start")
    return alt.vconcat(*panels).resolve_scale(x="shared").properties(title=title)


def save_timeline(changes: PatientChanges, path: str | Path) -> Path:
    """Write the timeline as PNG, SVG, self-contained HTML or Vega-Lite JSON (by suffix)."""
    out = Path(path)
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise RegistryError(f"unknown chart format {suffix or '(none)'!r} (use {', '.join(FORMATS)})")
    chart = timeline_chart(changes)
    if suffix == ".html":
        chart.save(str(out), inline=True)
    elif suffix == ".png":
        chart.save(str(out), scale_factor=2)
    else:
        chart.save(str(out))
    return out
