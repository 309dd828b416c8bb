"""What must be seen first: the work-up's red flags and the plan's same-day referrals, in one order.

A red flag is raised by what the record shows (weakness getting worse over weeks: urgent); a
supported cause can call for more (Guillain-Barré syndrome supported by the same record: a
same-day referral). A face that showed only the red flags would say "urgent" where the plan says
"today", so every face that leads with the red flags (the patient list and page, the CLI summary,
the FHIR notes, the CDS Hooks cards) takes both from here, in this one order: most urgent first;
at one urgency an active flag, then a referral, then a flag not yet ruled out (the plan's own
order of its first section, :func:`myoscope.plan.engine.build_plan`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .plan import Plan
from .workup import Workup
from .workup.schema import URGENCY_ORDER

#: a red flag or referral as stored (``to_dict`` of a flag, :func:`referral_entry` of a referral)
Stored = Mapping[str, Any]


def order(kind: str, urgency: str | None, status: str | None = None) -> tuple[int, int]:
    """Where an entry comes: by urgency, then an active flag, a referral, a possible flag."""
    rank = URGENCY_ORDER.index(urgency) if urgency in URGENCY_ORDER else len(URGENCY_ORDER)
    return rank, 1 if kind == "referral" else 2 if status == "possible" else 0


def referral_entry(item: Any) -> dict[str, Any]:
    """A plan referral as stored and shown: id, text, urgency, where to refer, its source."""
    return {"id": item.id, "text": item.text, "urgency": item.urgency, "refer_to": item.refer_to,
            "citation": item.source_text}


def entries(flags: Sequence[Stored], referrals: Sequence[Stored]) -> list[dict[str, Any]]:
    """Stored red flags and referrals (dicts) in one list, in the order above; each entry keeps
    its fields and gains ``kind`` ("red_flag" or "referral")."""
    out = [{**f, "kind": "red_flag"} for f in flags] + [{**r, "kind": "referral"} for r in referrals]
    return sorted(out, key=lambda e: order(e["kind"], e.get("urgency"), e.get("status")))


def of_result(workup: Workup | None, plan: Plan | None) -> list[dict[str, Any]]:
    """A pathway result's red flags and its plan's same-day referrals, in the order above."""
    flags = [f.to_dict() for f in workup.red_flags] if workup is not None else []
    referrals = [referral_entry(i) for i in plan.same_day_referrals()] if plan is not None else []
    return entries(flags, referrals)

