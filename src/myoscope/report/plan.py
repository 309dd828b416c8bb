"""Plans as text (the CLI's default) and HTML (a Jinja2 template, autoescaped).

Both show every item's source and evidence next to it, and the arithmetic behind each computed
nutrition number, so that a reader can check the plan without the JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from ..plan.nutrition import fmt_range
from ..plan.result import SECTION_TITLES, Plan, PlanItem
from ..plan.schema import SECTIONS

#: dose field -> (prefix, unit): shown as "prefix <range> unit" ("2–3 sets", "effort 5–6 of 10").
DOSE_LABELS: dict[str, tuple[str, str]] = {
    "frequency_per_week": ("", "times a week"),
    "exercises": ("", "exercises"),
    "sets": ("", "sets"),
    "repetitions": ("", "repetitions"),
    "intensity_pct_1rm": ("intensity", "% of 1RM"),
    "effort_0_10": ("effort", "of 10"),
    "load_increase_pct": ("load +", "%"),
    "minutes_per_session": ("", "min per session"),
    "weeks": ("for", "weeks"),
    "kcal_per_day": ("energy", "kcal/day"),
    "protein_g_per_day": ("protein", "g/day"),
}


def dose_text(dose: dict[str, list[float | None]]) -> str:
    """'2–3 times a week; 2–3 sets; 8–12 repetitions; intensity 70–85% of 1RM'."""
    parts = []
    for key, value in dose.items():
        prefix, unit = DOSE_LABELS.get(key, (key, ""))
        lo, hi = value[0], value[1]
        assert lo is not None
        if unit == "sets" and lo == hi == 1:
            unit = "set"
        shown = fmt_range((lo, hi), unit).replace(" %", "%")
        if prefix.endswith("+"):
            shown = prefix + shown
        elif prefix:
            shown = f"{prefix} {shown}"
        parts.append(shown)
    return "; ".join(parts)


def _yes_no(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")


def _item_lines(item: PlanItem) -> list[str]:
    head = f"  - [{item.urgency}] " if item.urgency else "  - "
    if item.refer_to:
        head += f"Refer to {item.refer_to}: "
    if item.kind == "caution":
        head += "CAUTION. " if not item.text.lower().startswith("caution") else ""
    lines = [head + item.text]
    if item.dose:
        lines.append(f"    Dose: {dose_text(item.dose)}")
    if item.target is not None and item.target.calculation:
        lines.append(f"    Calculation: {item.target.calculation}")
    if item.repeat or item.repeat_other:
        lines.append(f"    Repeat: {', '.join([*item.repeat, *item.repeat_other])}; when: {item.interval}")
    for note in item.assumptions:
        lines.append(f"    Note: {note}")
    lines.append(f"    Source: {item.source_text}. Evidence: {item.evidence_text}")
    return lines


def render_text(plan: Plan) -> str:
    title = plan.source or "record"
    if plan.record_id:
        title += f" (id {plan.record_id})"
    lines = [f"myoscope plan: {title}", f"Status: {plan.status.replace('_', ' ')} ({plan.reason})",
             f"Knowledge {plan.knowledge_version}"]
    if plan.causes:
        lines += ["", "Causes treated:"]
        for c in plan.causes:
            extra = "; ".join(filter(None, [c.source, f"confidence {c.confidence}" if c.confidence else "",
                                            f"course {c.course}"]))
            lines.append(f"  - {c.label} ({extra})")
    lines += ["", "Constraints:"]
    for k in plan.constraints:
        lines.append(f"  - {k.id.replace('_', ' ')}: {_yes_no(k.value)} ({k.basis})")
    if plan.decisive_measures:
        lines += ["", "Measure first: " + ", ".join(plan.decisive_measures)]
    for s in SECTIONS:
        items = plan.sections.get(s, [])
        if not items:
            continue
        lines += ["", SECTION_TITLES[s]]
        for item in items:
            lines += _item_lines(item)
    if plan.assumptions:
        lines += ["", "Assumptions:"] + [f"  - {a}" for a in plan.assumptions]
    lines += ["", plan.disclaimer]
    return "\n".join(lines)


def render_compact(plan: Plan) -> list[str]:
    """The plan section of ``myoscope assess`` text: one line per item with its source."""
    lines = [f"Plan: {plan.status.replace('_', ' ')} ({plan.reason})"]
    for s in SECTIONS:
        items = plan.sections.get(s, [])
        if not items:
            continue
        lines.append(f"  {SECTION_TITLES[s]}:")
        for i in items:
            lead = f"[{i.urgency}] " if i.urgency else ""
            lead += f"refer to {i.refer_to}: " if i.refer_to else ""
            src = i.citation.short if i.citation else (i.cited_as or "work-up")
            lines.append(f"    - {lead}{i.text} [{src}; {i.evidence_text.split(';')[0]}]")
    if plan.status == "indicated":
        lines.append("  Full plan with doses, calculations, sources and assumptions: myoscope plan FILE")
    return lines


@cache
def _env() -> Environment:
    env = Environment(loader=PackageLoader("myoscope.report", "templates"),
                      autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)
    env.filters["dose_text"] = dose_text
    env.filters["yes_no"] = _yes_no
    return env


def render_html(plans: Sequence[Plan], standalone: bool = True) -> str:
    """One HTML document (or fragment) holding ``plans``."""
    ctx: dict[str, Any] = {"plans": plans, "sections": SECTIONS, "titles": SECTION_TITLES,
                           "standalone": standalone}
    return _env().get_template("plan.html.j2").render(**ctx)
