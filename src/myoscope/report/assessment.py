"""The full text of an assessment (``--detail``): the record, the derived values and every
definition's trace, then the work-up and the plan sections of the pathway.

The default text is the one-screen summary (:mod:`myoscope.report.summary`); this is the trace a
reader asks for to check a verdict line by line.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from ..knowledge import Knowledge, load_knowledge
from ..measures import fmt_value
from .trace import render

if TYPE_CHECKING:
    from ..assess import Assessment
    from ..pathway import PathwayResult


def assessment_text(a: Assessment, knowledge: Knowledge | None = None) -> str:
    """Every definition in full, with its trace (the explanation)."""
    kb = knowledge or load_knowledge()
    cat = kb.catalog
    title = a.record.source or "record"
    if a.record.id:
        title += f" (id {a.record.id})"
    lines = [f"myoscope assessment: {title}",
             f"myoscope {a.myoscope_version}, knowledge {a.knowledge_version}"]
    shown = []
    for k, v in a.record.values.items():
        if k in ("id", "sarc_f", "weight_history", "history", "plan_constraints", "provenance"):
            continue
        unit = cat.unit_of(k)
        got = a.record.entered(k, cat)
        shown.append(f"{k} {fmt_value(v.isoformat() if isinstance(v, date) else v)}"
                     + (f" {unit}" if unit and not isinstance(v, bool | str) else "")
                     + (f" (entered {fmt_value(got[0])} {got[1]})" if got else ""))
    lines.append("Record: " + ", ".join(shown))
    der = [f"{k} {fmt_value(v)}" for k, v in a.derived.items() if v is not None]
    lines.append("Derived: " + (", ".join(der) if der else "none"))
    for w in a.record.warnings:
        lines.append(f"Warning: {w}")
    for r in a.results.values():
        lines.append("")
        lines += render(r, cat)
    return "\n".join(lines)


def pathway_text(result: PathwayResult) -> str:
    """The assessment in full, then the work-up and the plan sections (``assess --detail``)."""
    from .plan import render_compact
    from .workup import render_section

    lines = [assessment_text(result)]
    if result.workup is not None:
        lines += ["", *render_section(result.workup)]
    if result.plan is not None:
        lines += ["", *render_compact(result.plan)]
    return "\n".join(lines)
