"""Plain-text rendering of a projection (what ``myoscope simulate --format text`` prints)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from .trace import COMPARATOR_WORDS

if TYPE_CHECKING:
    from ..simulate.crossings import Crossing
    from ..simulate.projection import Projection


def _fmt(v: float, decimals: int) -> str:
    return f"{v:.{decimals}f}"


def cutoff_words(c: Crossing) -> str:
    """'under 16 kg for women' (the cut-off a crossing is about, in words)."""
    s = c.spec
    cut = (
        " or ".join(f"{x:g}" for x in s.cutoff)
        if isinstance(s.cutoff, list)
        else (f"{s.cutoff:g}" if isinstance(s.cutoff, int | float) else str(s.cutoff))
    )
    text = f"{COMPARATOR_WORDS.get(s.comparator, s.comparator)} {cut}".strip()
    text += f" {s.unit}" if s.unit and s.unit not in ("points", "ratio") else ""
    text += f" for {s.applies_to}" if s.applies_to and s.applies_to != "all" else ""
    return text


def cutoff_lines(crossings: Sequence[Crossing], measure: str) -> list[dict[str, Any]]:
    """The drawable cut-offs of ``measure`` as chart lines labelled in words, one line per value:
    ``{"cutoff": 16.0, "label": "EWGSOP2, FNIH Sarcopenia Project: under 16 kg (women)"}``.

    Why grouped: two definitions with the same cut-off would draw two labels on one line, one over
    the other. The group is the words of :func:`myoscope.rules.words.conditions_in_words` (never
    the engine's ``sex == female``); the comparator note of an unsettled comparator is left to the
    text report (a chart label must stay short)."""
    from ..knowledge import load_knowledge
    from .summary import short_title

    definitions = load_knowledge().definitions
    by_line: dict[tuple[float, str], list[tuple[str, str]]] = {}
    for c in crossings:
        s = c.spec
        if s.measure != measure or s.reason is not None or isinstance(s.cutoff, bool) \
                or not isinstance(s.cutoff, int | float):
            continue
        words = f"{COMPARATOR_WORDS.get(s.comparator, s.comparator)} {s.cutoff:g}"
        words += f" {s.unit}" if s.unit and s.unit not in ("points", "ratio") else ""
        group = s.applies_to.split(";", 1)[0].strip()
        d = definitions.get(s.definition)
        named = (short_title(d.title) if d is not None else s.definition, "" if group == "all" else group)
        who = by_line.setdefault((float(s.cutoff), words), [])
        if named not in who:
            who.append(named)
    out = []
    for (cut, words), who in sorted(by_line.items()):
        groups = {g for _, g in who}
        if len(groups) == 1:  # "EWGSOP2, FNIH: under 16 kg (women)"
            group = groups.pop()
            label = f"{', '.join(n for n, _ in who)}: {words}" + (f" ({group})" if group else "")
        else:  # "EWGSOP2 (women, DXA or BIA), EWGSOP1 (women, DXA): under 5.5 kg/m2"
            label = ", ".join(f"{n} ({g})" if g else n for n, g in who) + f": {words}"
        out.append({"cutoff": cut, "label": label})
    return out


def _crossing_line(c: Crossing) -> list[str]:
    s = c.spec
    head = f"  {s.definition} {s.label}: met if {cutoff_words(c)}"
    lines = [head, f"    source: {s.citation}"]
    if c.status == "unknown":
        lines.append(f"    unknown: {s.reason}")
    elif c.status == "met_at_start":
        unit = f" {s.unit}" if s.unit else ""
        lines.append(
            f"    already met at the start (measured {s.start:g}{unit}); still met at the end in "
            f"{_pct(c.met_at_end)} of draws"
        )
    else:
        horizon = f"day {c.horizon_day:g}" if c.horizon_day is not None else "the horizon"
        share = f"{_pct(c.probability)} of draws cross by {horizon}"
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
            f"{_pct(c.met_at_end)} of draws"
        )
    return lines


def _pct(share: float | None) -> str:
    """A share of draws as a percentage; an absent share is said to be unknown, never 0 %."""
    return "an unknown share" if share is None else f"{100 * share:.0f}%"


def _age(p: Projection) -> str:
    age = p.person.get("age")
    return "age not recorded" if age is None else f"{age:g} years"


def render_text(p: Projection) -> str:
    st = p.settings
    sex = p.person.get("sex", "")
    lines = [f'myoscope projection: {p.record_source or "record"} - scenario "{p.scenario.name}"']
    start = f" from {p.start_date.isoformat()}" if p.start_date else " (day 0 = the record's measurements)"
    lines.append(
        f"{sex}, {_age(p)}; {st['draws']} draws, seed {st['seed']}, "
        f"{'daily' if st['step'] == 'day' else 'monthly'} steps, "
        f"{st['years']:g} year{'' if st['years'] == 1 else 's'} "
        f"({st['horizon_days']} days){start}"
    )
    if p.scenario.events:
        lines.append("Timeline: " + "; ".join(e.describe() for e in p.scenario.events))
    else:
        lines.append("Timeline: none (ageing only)")
    lines += [f"Left out: {sentence}" for sentence in p.left_out]
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


def crossing_status(c: Crossing) -> str:
    """One phrase: when (or whether) the projection meets the cut-off."""
    if c.status == "unknown":
        return f"unknown ({c.spec.reason})" if c.spec.reason else "unknown"
    if c.status == "met_at_start":
        return f"already met at the start; still met at the end in {_pct(c.met_at_end)} of draws"
    share = f"{_pct(c.probability)} of draws"
    if c.status == "crosses":
        return (
            f"met from {c.describe_day(c.median_day)} (median; 5-95%: {c.describe_day(c.p5_day)} to "
            f"{c.describe_day(c.p95_day)}); {share} by the end"
        )
    return f"not met within the horizon for most draws ({share})"


def projection_summary(p: Projection, width: int | None = None) -> str:
    """The one-screen summary: who, the timeline, start and end of each measured quantity, and
    when each definition's cut-off is met. ``--detail`` prints :func:`render_text`."""
    from rich.table import Table
    from rich.text import Text

    from .summary import _console, _indented, _strip

    console, buf = _console(width)
    who = p.record_source or "record"
    console.print(Text(f"myoscope projection — {who}: {p.scenario.name}", style="bold"))
    start = f"from {p.start_date.isoformat()}" if p.start_date else "day 0 = the record's measurements"
    console.print(
        Text(
            f"{p.person.get('sex', '')}, {_age(p)}; "
            f"{p.settings['years']:g} year{'' if p.settings['years'] == 1 else 's'} ({start}); "
            f"knowledge {p.knowledge_version}"
        )
    )
    timeline = "; ".join(e.describe() for e in p.scenario.events) or "none (ageing only)"
    console.print(_indented(f"Timeline: {timeline}"))
    for sentence in p.left_out:
        console.print(_indented(f"Left out: {sentence}"))
    table = Table(box=None, header_style="bold", pad_edge=False)
    for col in ("Quantity", "Start", "End: median (5-95%)"):
        table.add_column(col)
    last = len(p.days) - 1
    for s in p.series.values():
        if s.start is None:
            continue
        med, lo, hi, _ = s.at(last)
        table.add_row(
            f"{s.label} ({s.unit})",
            _fmt(s.start, s.decimals),
            f"{_fmt(med, s.decimals)} ({_fmt(lo, s.decimals)}-{_fmt(hi, s.decimals)})",
        )
    console.print()
    console.print(table)
    if p.crossings:
        console.print()
        console.print(Text("Cut-offs", style="bold"))
        for c in p.crossings:
            console.print(
                _indented(f"{c.spec.definition} {c.spec.label} ({cutoff_words(c)}): {crossing_status(c)}")
            )
    for q, _ in p.not_projected.items():
        console.print(_indented(f"Not projected: {q} (no rate of change in the evidence read)"))
    console.print()
    console.print(Text("Every key day, sources, notes, caveats, what the evidence shows: add --detail"))
    return _strip(buf.getvalue())


__all__ = ["cutoff_words", "projection_summary", "render_text"]
