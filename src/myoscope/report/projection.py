"""Plain-text rendering of a projection (what ``myoscope simulate --format text`` prints)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..simulate.crossings import Crossing
    from ..simulate.projection import Projection


def _fmt(v: float, decimals: int) -> str:
    return f"{v:.{decimals}f}"


def _crossing_line(c: Crossing) -> list[str]:
    s = c.spec
    head = f"  {s.definition} {s.label}: {s.measure} {s.comparator} {s.cutoff}"
    head += f" {s.unit}" if s.unit and not isinstance(s.cutoff, list) else ""
    head += f" ({s.applies_to})" if s.applies_to and s.applies_to != "all" else ""
    lines = [head, f"    source: {s.citation}"]
    if c.status == "unknown":
        lines.append(f"    unknown: {s.reason}")
    elif c.status == "met_at_start":
        unit = f" {s.unit}" if s.unit else ""
        lines.append(
            f"    already met at the start (measured {s.start:g}{unit}); still met at the end in "
            f"{100 * (c.met_at_end or 0):.0f}% of draws"
        )
    else:
        horizon = f"day {c.horizon_day:g}" if c.horizon_day is not None else "the horizon"
        share = f"{100 * (c.probability or 0):.0f}% of draws cross by {horizon}"
        if c.status == "crosses":
            lines.append(
                f"    median {c.describe_day(c.median_day)}; 5-95%: {c.describe_day(c.p5_day)} "
                f"to {c.describe_day(c.p95_day)}; {share}"
            )
        else:
            lines.append(
                f"    not within the horizon for most draws; {share}"
                + (f"; earliest 5%: {c.describe_day(c.p5_day)}" if c.p5_day is not None else "")
            )
        lines.append(
            f"    central run: {c.describe_day(c.central_day)}; still met at the end in "
            f"{100 * (c.met_at_end or 0):.0f}% of draws"
        )
    return lines


def render_text(p: Projection) -> str:
    st = p.settings
    sex = p.person.get("sex", "")
    lines = [f'myoscope projection: {p.record_source or "record"} - scenario "{p.scenario.name}"']
    start = f" from {p.start_date.isoformat()}" if p.start_date else " (day 0 = the record's measurements)"
    lines.append(
        f"{sex}, {p.person.get('age', 0):g} y; {st['draws']} draws, seed {st['seed']}, "
        f"{'daily' if st['step'] == 'day' else 'monthly'} steps, "
        f"{st['years']:g} year{'' if st['years'] == 1 else 's'} "
        f"({st['horizon_days']} days){start}"
    )
    if p.scenario.events:
        lines.append("Timeline: " + "; ".join(e.describe() for e in p.scenario.events))
    else:
        lines.append("Timeline: none (ageing only)")
    fixed = {k: v for k, v in p.scenario.parameters.items() if v != "drawn"}
    if fixed:
        lines.append("Parameters fixed by the scenario: " + ", ".join(f"{k} = {v}" for k, v in fixed.items()))
    anchors = [f"{s.quantity} {s.start:g} {s.unit}" for s in p.series.values() if s.start is not None]
    lines.append(
        "Anchored to the record: " + (", ".join(anchors) if anchors else "nothing measured that is projected")
    )
    for q, why in p.not_projected.items():
        lines.append(f"Not projected: {q}: {why}")
    if p.history:
        past = [f"{h.quantity} {h.value:g} (day {h.day:g})" for h in sorted(p.history, key=lambda h: h.day)]
        lines.append("Past measurements (drawn on the chart): " + ", ".join(past))

    lines += ["", "Projection: median (5-95% of draws)"]
    cols = list(p.series.values())
    head = f"  {'day':>6}  {'date':<10}  " + "  ".join(
        f"{(s.quantity + ' (' + s.unit + ')'):<24}" for s in cols
    )
    lines.append(head.rstrip())
    for day in p.key_days():
        i = p.index_of(day)
        d = float(p.days[i])
        date = (p.start_date + timedelta(days=d)).isoformat() if p.start_date else ""
        cells = []
        for s in cols:
            med, lo, hi, _ = s.at(i)
            cell = (
                _fmt(med, s.decimals)
                if i == 0
                else f"{_fmt(med, s.decimals)} ({_fmt(lo, s.decimals)}-{_fmt(hi, s.decimals)})"
            )
            cells.append(f"{cell:<24}")
        lines.append((f"  {d:>6g}  {date:<10}  " + "  ".join(cells)).rstrip())

    if p.crossings:
        lines += ["", "Cut-offs of the definitions (read from the knowledge base):"]
        for c in p.crossings:
            lines += _crossing_line(c)
    if p.notes:
        lines += ["", "Notes:"] + [f"  - {n}" for n in p.notes]
    if p.caveats:
        lines += ["", "Caveats:"] + [f"  - {c}" for c in p.caveats]
    lines.append(f"\nknowledge {p.knowledge_version}")
    return "\n".join(lines)


__all__ = ["render_text"]
