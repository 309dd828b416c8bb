"""The patient timeline: one panel per followed measure over calendar dates (month and year), each
definition's cut-off as a dashed line, the minimal clinically important difference (MCID) as a band
around the first value, and the change-over-time alerts as marks.

One chart serves the web app's patient page (:mod:`myoscope.web.timeline` reads the stored visits),
the CLI (``patient show --chart``) and the clinician report. The cut-offs are those the latest
visit's assessment compared against (so a line is exactly what decided a verdict, with the
definitions that use it); the MCID is the smallest cited level of ``knowledge/changes.yaml``.
Nothing here is a clinical number of its own. Needs the ``charts`` extra.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import MyoscopeError, RegistryError
from ..measures import load_catalog
from ..record import Record, parse_record
from ..registry.changes import PatientChanges, short_label

#: measures shown by the registry's rows (timeline_rows), in panel order
TIMELINE_MEASURES = ("weight", "grip_strength", "gait_speed", "chair_stand_time", "sppb", "asm",
                     "calf_circumference")
#: measures charted with cut-offs (measured or derived), in panel order
CHART_MEASURES = ("grip_strength", "gait_speed", "chair_stand_time", "sppb", "asm", "asmi", "weight", "bmi",
                  "calf_circumference")
FORMATS = (".png", ".svg", ".html", ".json")
MAX_SUBTITLES = 6
LEGEND = "dashed red: cut-offs of the latest assessment; green band: MCID; orange: alerts"


@dataclass
class Timeline:
    """The chart's data: values by date, cut-off lines, MCID bands and alerts (plain rows)."""

    pseudonym: str
    values: list[dict[str, Any]] = field(default_factory=list)  # date, measure, value
    cutoffs: list[dict[str, Any]] = field(default_factory=list)  # measure, value, label
    bands: list[dict[str, Any]] = field(default_factory=list)  # measure, low, high, label
    alerts: list[dict[str, Any]] = field(default_factory=list)  # date, measure, message


def measure_title(measure: str) -> str:
    cat = load_catalog()
    unit = cat.unit_of(measure) or ""
    return f"{cat.label_of(measure)} ({unit})" if unit else cat.label_of(measure)


def build_timeline(pseudonym: str, records: Mapping[date, Record],
                   alerts: Sequence[dict[str, Any]] = ()) -> Timeline:
    """The timeline of one patient from the record of each visit date (oldest first)."""
    from ..assess import assess as assess_definitions
    from ..derive import derive
    from ..registry.knowledge import load_change_rules

    cat = load_catalog()
    out = Timeline(pseudonym, alerts=list(alerts))
    for on, rec in records.items():
        derived = derive(rec, cat)
        for m in CHART_MEASURES:
            v = rec.values.get(m) if isinstance(rec.values.get(m), int | float) else derived.get(m)
            if isinstance(v, int | float) and not isinstance(v, bool):
                out.values.append({"date": on.isoformat(), "measure": measure_title(m), "value": float(v)})
    latest = assess_definitions(list(records.values())[-1]).to_dict() if records else {}
    shown = {r["measure"] for r in out.values}
    grouped: dict[tuple[str, float], dict[str, set[str]]] = {}
    for did, res in (latest.get("results") or {}).items():
        for t in res.get("trace") or []:
            m, cut = t.get("measure"), t.get("cutoff")
            if m in CHART_MEASURES and isinstance(cut, int | float) and measure_title(m) in shown:
                by_comp = grouped.setdefault((measure_title(m), float(cut)), {})
                by_comp.setdefault(str(t.get("comparator")), set()).add(did)
    for (m, cut), by_comp in grouped.items():
        label = "; ".join(f"{comp} {cut:g}: {', '.join(sorted(d))}" for comp, d in sorted(by_comp.items()))
        out.cutoffs.append({"measure": m, "value": cut, "label": label})
    rules = load_change_rules()
    for m in CHART_MEASURES:
        first = next((r for r in out.values if r["measure"] == measure_title(m)), None)
        mcid = rules.mcid.get(m)
        if first is None or mcid is None:
            continue
        d = mcid.levels[0].value
        out.bands.append({"measure": measure_title(m), "low": first["value"] - d, "high": first["value"] + d,
                          "label": f"MCID ±{d:g} around the first visit ({rules.cite(mcid.source)})"})
    return out


def timeline_rows(changes: PatientChanges) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(values, alerts) as plain rows: the registry's followed values, also handy for tests."""
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
                       "message": a.message, "measure_id": a.measure})
    return values, alerts


def changes_timeline(changes: PatientChanges) -> Timeline:
    """The timeline of a registry series (values, cut-offs of the latest visit, MCID, alerts)."""
    s = changes.series
    records: dict[date, Record] = {}
    for v in s.visits:
        data: dict[str, Any] = {"sex": s.sex, **{k: x for k, x in v.values.items() if x is not None}}
        age = s.age_at(v.date)
        if age is not None:
            data["age"] = round(age, 1)
        try:
            records[v.date] = parse_record(data, source=f"visit {v.visit_id}")
        except MyoscopeError:
            continue
    _, alerts = timeline_rows(changes)
    alerts = [{**a, "measure": measure_title(a["measure_id"])} for a in alerts]
    return build_timeline(s.pseudonym, records, alerts)


def chart_of(t: Timeline, title: str | None = None, subtitle: list[str] | None = None,
             width: int = 540, height: int = 120) -> Any:
    """One panel per measure: values over calendar dates, cut-off lines, the MCID band, alerts."""
    import altair as alt

    if not t.values:
        raise RegistryError(f"patient {t.pseudonym} has no followed measurements to chart")
    x_axis = alt.Axis(format="%b %Y", labelAngle=0)
    panels = []
    first, last = t.values[0]["date"], t.values[-1]["date"]
    for measure in dict.fromkeys(r["measure"] for r in t.values):
        layers = []
        bands = [b for b in t.bands if b["measure"] == measure]
        if bands:
            layers.append(
                alt.Chart(alt.InlineData(values=[{**b, "x0": first, "x1": last} for b in bands]))
                .mark_rect(color="#2f7d4a", opacity=0.12)
                .encode(x="x0:T", x2="x1:T", y="low:Q", y2="high:Q", tooltip=["label:N"])
            )
        values = [r for r in t.values if r["measure"] == measure]
        layers.append(
            alt.Chart(alt.InlineData(values=values))
            .mark_line(point=True, color="#0b5cad")
            .encode(x=alt.X("date:T", title=None, axis=x_axis),
                    y=alt.Y("value:Q", title=None, scale=alt.Scale(zero=False)),
                    tooltip=["date:T", "value:Q"])
        )
        cuts = [c for c in t.cutoffs if c["measure"] == measure]
        if cuts:
            base = alt.Chart(alt.InlineData(values=cuts))
            layers.append(base.mark_rule(color="#b3261e", strokeDash=[5, 3]).encode(y="value:Q",
                                                                                    tooltip=["label:N"]))
            layers.append(base.mark_text(align="left", dx=4, dy=-6, color="#b3261e", fontSize=10).encode(
                y="value:Q", x=alt.value(0), text="label:N"))
        marks = [a for a in t.alerts if a["measure"] == measure]
        if marks:
            layers.append(alt.Chart(alt.InlineData(values=marks))
                          .mark_rule(color="#e8a317", strokeWidth=2)
                          .encode(x="date:T", tooltip=["date:T", "message:N"]))
        # the measure as the panel's title: a rotated axis title longer than a short panel would
        # stretch it
        panels.append(alt.layer(*layers).properties(
            width=width, height=height, title=alt.TitleParams(measure, anchor="start", fontSize=11)))
    title_params = alt.TitleParams(
        title or f"{t.pseudonym}: measurements at each visit",
        subtitle=subtitle or LEGEND,
        anchor="start",
    )
    return alt.vconcat(*panels).resolve_scale(x="shared").properties(title=title_params)


def timeline_chart(changes: PatientChanges, height: int = 120) -> Any:
    """The registry timeline of ``changes``, its alerts in the subtitle."""
    t = changes_timeline(changes)
    if not t.values:
        raise RegistryError(f"patient {changes.series.pseudonym} has no followed measurements to chart")
    subtitle = [f"{a['date']}: {a['message']}" for a in t.alerts[-MAX_SUBTITLES:]]
    subtitle.append(LEGEND)
    return chart_of(t, f"{changes.series.pseudonym}: {len(changes.series.visits)} visits, "
                       f"{len(t.alerts)} alert(s)", subtitle, height=height)


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
