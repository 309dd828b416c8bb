"""The patient page's timeline: grip, gait speed, chair stands, ASM, ASMI, weight and BMI over
visits, with each definition's cut-off drawn as a line and the minimal clinically important
difference (MCID) as a band.

Values come from the stored pathway results of the visits (measured and derived, as assessed);
the cut-offs are those the latest assessment's trace compared against (so a line is exactly
what decided a verdict, with the definitions that use it); the MCID is the smallest cited level
of ``knowledge/changes.yaml``, drawn as a band of ± that change around the first visit's value.
Nothing here is a clinical number of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..assess import assess as assess_definitions
from ..derive import derive
from ..measures import load_catalog
from ..record import parse_record
from ..registry.knowledge import load_change_rules
from ..registry.models import Assessment, Visit
from .patients import Where, scoped_patient

MEASURES = ("grip_strength", "gait_speed", "chair_stand_time", "asm", "asmi", "weight", "bmi")


@dataclass
class Timeline:
    pseudonym: str
    values: list[dict[str, Any]] = field(default_factory=list)  # date, measure, value
    cutoffs: list[dict[str, Any]] = field(default_factory=list)  # measure, value, label
    bands: list[dict[str, Any]] = field(default_factory=list)  # measure, low, high, label


def _title(measure: str) -> str:
    cat = load_catalog()
    unit = cat.unit_of(measure) or ""
    return f"{cat.label_of(measure)} ({unit})" if unit else cat.label_of(measure)


def timeline(session: Session, where: Where, patient_id: int) -> Timeline:
    """The chart's data for one patient; audited as a read."""
    p = scoped_patient(session, where.who, patient_id)
    rows = session.execute(
        select(Visit.visit_date, Assessment.inputs)
        .join(Assessment, Assessment.visit_id == Visit.id)
        .where(Visit.patient_id == p.id)
        .order_by(Visit.visit_date, Visit.id, Assessment.id)
    ).all()
    newest: dict[Any, dict[str, Any]] = {}
    for on, inputs in rows:
        newest[on] = inputs  # the newest assessment of each visit date wins
    cat = load_catalog()
    out = Timeline(p.pseudonym)
    records = {on: parse_record(inputs, source=f"visit {on}") for on, inputs in newest.items()}
    for on, rec in records.items():
        derived = derive(rec, cat)
        for m in MEASURES:
            v = rec.values.get(m) if isinstance(rec.values.get(m), int | float) else derived.get(m)
            if isinstance(v, int | float) and not isinstance(v, bool):
                out.values.append({"date": on.isoformat(), "measure": _title(m), "value": float(v)})
    # the cut-offs come from the latest visit's traces (definitions only, rebuilt from its inputs)
    latest = assess_definitions(next(reversed(records.values()))).to_dict() if records else {}
    shown = {r["measure"] for r in out.values}
    grouped: dict[tuple[str, float], dict[str, set[str]]] = {}
    for did, res in (latest.get("results") or {}).items():
        for t in res.get("trace") or []:
            m, cut = t.get("measure"), t.get("cutoff")
            if m in MEASURES and isinstance(cut, int | float) and _title(m) in shown:
                by_comp = grouped.setdefault((_title(m), float(cut)), {})
                by_comp.setdefault(str(t.get("comparator")), set()).add(did)
    for (m, cut), by_comp in grouped.items():
        label = "; ".join(f"{comp} {cut:g}: {', '.join(sorted(d))}" for comp, d in sorted(by_comp.items()))
        out.cutoffs.append({"measure": m, "value": cut, "label": label})
    rules = load_change_rules()
    for m in MEASURES:
        first = next((r for r in out.values if r["measure"] == _title(m)), None)
        mcid = rules.mcid.get(m)
        if first is None or mcid is None:
            continue
        d = mcid.levels[0].value
        out.bands.append(
            {
                "measure": _title(m),
                "low": first["value"] - d,
                "high": first["value"] + d,
                "label": f"MCID ±{d:g} around the first visit ({rules.cite(mcid.source)})",
            }
        )
    where.audit(session, action="read", entity="timeline_chart", entity_id=p.id, patient_id=p.id)
    return out


def timeline_chart(t: Timeline) -> Any:
    """One panel per measure: values over visit dates, cut-off lines, the MCID band."""
    import altair as alt

    panels = []
    for measure in dict.fromkeys(r["measure"] for r in t.values):
        x = alt.X("date:T", title=None, axis=alt.Axis(format="%b %Y"))
        layers = []
        bands = [b for b in t.bands if b["measure"] == measure]
        if bands:
            layers.append(
                alt.Chart(
                    alt.InlineData(
                        values=[{**b, "x0": t.values[0]["date"], "x1": t.values[-1]["date"]} for b in bands]
                    )
                )
                .mark_rect(color="#2f7d4a", opacity=0.12)
                .encode(x="x0:T", x2="x1:T", y="low:Q", y2="high:Q", tooltip=["label:N"])
            )
        values = [r for r in t.values if r["measure"] == measure]
        layers.append(
            alt.Chart(alt.InlineData(values=values))
            .mark_line(point=True, color="#0b5cad")
            .encode(
                x=x,
                y=alt.Y("value:Q", title=measure, scale=alt.Scale(zero=False)),
                tooltip=["date:T", "value:Q"],
            )
        )
        cuts = [c for c in t.cutoffs if c["measure"] == measure]
        if cuts:
            base = alt.Chart(alt.InlineData(values=cuts))
            layers.append(
                base.mark_rule(color="#b3261e", strokeDash=[5, 3]).encode(y="value:Q", tooltip=["label:N"])
            )
            layers.append(
                base.mark_text(align="left", dx=4, dy=-6, color="#b3261e", fontSize=10).encode(
                    y="value:Q", x=alt.value(0), text="label:N"
                )
            )
        panels.append(alt.layer(*layers).properties(width=560, height=120))
    title = alt.TitleParams(
        f"{t.pseudonym}: measurements at each visit",
        subtitle="dashed red: cut-offs of the latest assessment; green band: MCID",
        anchor="start",
    )
    return alt.vconcat(*panels).properties(title=title)
