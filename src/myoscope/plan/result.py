"""The plan a clinician can hand over: result objects with ``summary``, ``to_dict()``, ``__str__``
and ``to_html()``.

A plan has seven sections (treat the cause, exercise, nutrition, physiotherapy, not recommended,
goals, follow-up). Every item carries its citation and the strength of evidence as the source
grades it; computed nutrition numbers carry the arithmetic that produced them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .loader import Citation
from .nutrition import Target
from .schema import SECTIONS

SECTION_TITLES: dict[str, str] = {
    "treat_cause": "Treat the cause",
    "exercise": "Exercise",
    "nutrition": "Nutrition",
    "physiotherapy": "Physiotherapy",
    "not_recommended": "Not recommended (weak or animal-only evidence)",
    "goals": "Goals",
    "follow_up": "Follow-up",
}


@dataclass
class PlanItem:
    """One line of the plan, with its dose fields, source and evidence."""

    id: str
    section: str
    kind: str
    text: str
    citation: Citation | None
    evidence: dict[str, Any]
    dose: dict[str, list[float | None]] = field(default_factory=dict)
    refer_to: str | None = None
    urgency: str | None = None
    repeat: list[str] = field(default_factory=list)
    repeat_other: list[str] = field(default_factory=list)
    interval: str | None = None
    interval_weeks: list[float | None] | None = None
    assumptions: list[str] = field(default_factory=list)
    source: str = "knowledge"  # knowledge | work-up
    cited_as: str | None = None  # a work-up citation given as text
    target: Target | None = None
    #: plain words for the patient report, from the knowledge file (None: not for patients)
    patient_text: str | None = None

    @property
    def summary(self) -> str:
        return self.text

    @property
    def source_text(self) -> str:
        if self.citation is not None:
            return str(self.citation)
        return self.cited_as or "work-up"

    @property
    def evidence_text(self) -> str:
        e = self.evidence
        parts = [e.get("grade") or e.get("strength", "not graded").replace("_", " ")]
        if e.get("certainty"):
            parts.append(f"certainty {e['certainty'].replace('_', ' ')}")
        if e.get("read"):
            parts.append(f"read: {e['read'].replace('_', ' ')}")
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "kind": self.kind, "text": self.text}
        if self.dose:
            out["dose"] = self.dose
        for key in ("refer_to", "urgency", "interval"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.interval_weeks is not None:
            out["interval_weeks"] = self.interval_weeks
        if self.repeat:
            out["repeat"] = self.repeat
        if self.repeat_other:
            out["repeat_other"] = self.repeat_other
        if self.target is not None:  # the full target is in the plan's `nutrition` block
            out["target"] = self.target.kind
            out["calculation"] = self.target.calculation or None
        out["citation"] = self.citation.to_dict() if self.citation else {"text": self.cited_as}
        out["evidence"] = self.evidence
        out["source"] = self.source
        if self.assumptions:
            out["assumptions"] = self.assumptions
        return out

    def __str__(self) -> str:
        return f"{self.text} [{self.source_text}; {self.evidence_text}]"


@dataclass(frozen=True)
class CauseView:
    """A cause the plan treats, and why it is in the plan."""

    id: str
    label: str
    source: str  # work-up | condition | constraint
    course: str
    confidence: str | None = None
    reversible: str | None = None
    #: the work-up's support outcome (supported or undecided; a cause not supported is not
    #: treated); None when the cause states no support rule or comes from a recorded condition
    support: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "source": self.source, "course": self.course,
                "confidence": self.confidence, "reversible": self.reversible, "support": self.support}


@dataclass(frozen=True)
class ConstraintView:
    """A constraint the plan used: its value (None = unknown) and where the value came from."""

    id: str
    value: bool | None
    basis: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "value": self.value, "basis": self.basis}


DISCLAIMER = ("Decision support for clinicians, not a prescription: every item is cited with the "
              "strength of its evidence and the clinician decides. Doses assume no contraindication "
              "that the record does not hold.")


@dataclass
class Plan:
    """The treatment plan for one record."""

    status: str  # indicated | not_indicated | undetermined | not_applicable (no definition applies)
    reason: str
    causes: list[CauseView]
    constraints: list[ConstraintView]
    sections: dict[str, list[PlanItem]]
    nutrition: dict[str, Target]
    assumptions: list[str]
    knowledge_version: str
    record_id: str | None = None
    source: str | None = None
    decisive_measures: list[str] = field(default_factory=list)
    disclaimer: str = DISCLAIMER

    def items(self) -> list[PlanItem]:
        return [i for s in SECTIONS for i in self.sections.get(s, [])]

    def item(self, item_id: str) -> PlanItem | None:
        return next((i for i in self.items() if i.id == item_id), None)

    def same_day_referrals(self) -> list[PlanItem]:
        """The plan's own emergency items for a cause: not the work-up's red flags (the plan repeats
        those), but what the plan adds to them.

        A face that shows the red flags shows these beside them, since a supported cause can call
        for more than any flag raised: weakness getting worse over weeks raises an urgent flag,
        while Guillain-Barré syndrome supported by the same record is a same-day referral. Its
        urgent items are not among them: a known ALS or myositis would read "urgent" at every
        visit, and a suspected one has urgent red flags of its own (suspected MND, myositis)."""
        return [i for i in self.sections.get("treat_cause", [])
                if i.kind != "red_flag" and i.urgency == "emergency"]

    @property
    def summary(self) -> list[dict[str, Any]]:
        """One row per item: section, kind, text, source, evidence."""
        return [{"section": i.section, "kind": i.kind, "text": i.text, "source": i.source_text,
                 "evidence": i.evidence_text} for i in self.items()]

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "reason": self.reason,
            "knowledge_version": self.knowledge_version,
            "causes": [c.to_dict() for c in self.causes],
            "constraints": [c.to_dict() for c in self.constraints],
            "nutrition": {k: t.to_dict() for k, t in self.nutrition.items()},
            "sections": {s: [i.to_dict() for i in self.sections.get(s, [])] for s in SECTIONS},
            "assumptions": self.assumptions,
            "decisive_measures": self.decisive_measures,
            "disclaimer": self.disclaimer,
        }

    def __str__(self) -> str:
        from ..report.plan import render_text

        return render_text(self)

    def to_html(self, standalone: bool = True) -> str:
        from ..report.plan import render_html

        return render_html([self], standalone=standalone)

    def _repr_html_(self) -> str:
        from ..report.plan import render_html

        return render_html([self], standalone=False)
