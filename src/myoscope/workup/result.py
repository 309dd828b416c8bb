"""Result objects of the cause work-up: ``Workup`` and its parts (the interface others code against).

Every item carries its citation as text, so that a rendering or a JSON consumer never needs the
knowledge base to say where a statement comes from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from ..rules.logic import Truth


@dataclass(frozen=True)
class FindingHit:
    """One finding as it bears on one cause: its stated weight, truth and citations."""

    id: str
    text: str
    direction: str  # "for" or "against" this cause
    weight: int
    truth: Truth
    citation: str  # why this finding counts for / against this cause
    source: str  # where the finding's definition (and any threshold) comes from
    patient_text: str = ""
    asks: tuple[str, ...] = ()  # missing facts, when unknown

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"asks": list(self.asks)}


@dataclass(frozen=True)
class TestItem:
    id: str
    label: str
    patient_label: str
    why: str
    citation: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class CriteriaResult:
    """A published criterion set evaluated three-valued on what the record holds."""

    id: str
    title: str
    kind: str
    outcome: str  # all: met | not_met | undecided; score: the band reached by the known items
    decided: bool
    parts: tuple[dict[str, Any], ...]
    citation: str
    note: str | None = None
    score: float | None = None
    max_score: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"parts": list(self.parts)}


@dataclass(frozen=True)
class Support:
    """Whether the record shows what the cause's cited source needs before acting on it
    (``support`` in causes.yaml): ``supported``, ``not_supported`` or ``undecided`` (a fact is
    missing; ``asks`` names it). The plan does not treat a cause that is not supported."""

    outcome: str
    needs: str
    citation: str
    asks: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"asks": list(self.asks)}


@dataclass(frozen=True)
class Candidate:
    """One possible cause, ranked by its score with everything that produced the score."""

    id: str
    label: str
    patient_label: str
    patient_summary: str
    group: str
    score: int
    score_range: tuple[int, int]
    confidence: str
    known_fraction: float
    findings_for: tuple[FindingHit, ...]
    findings_against: tuple[FindingHit, ...]
    unknown_findings: tuple[FindingHit, ...]
    course: str
    reversible: str
    reversible_note: str
    next_tests: tuple[TestItem, ...]
    criteria: tuple[CriteriaResult, ...]
    citations: tuple[str, ...]
    source: str
    #: None when the cause states no support rule
    support: Support | None = None
    #: the record already holds the diagnosis (the cause's ``diagnosed_by`` finding): the tests
    #: that would make it are left out of ``next_tests``
    diagnosed: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "label": self.label, "group": self.group, "score": self.score,
            "score_range": list(self.score_range), "confidence": self.confidence,
            "known_fraction": self.known_fraction,
            "findings_for": [f.to_dict() for f in self.findings_for],
            "findings_against": [f.to_dict() for f in self.findings_against],
            "unknown_findings": [f.to_dict() for f in self.unknown_findings],
            "course": self.course, "reversible": self.reversible, "reversible_note": self.reversible_note,
            "next_tests": [t.to_dict() for t in self.next_tests],
            "criteria": [c.to_dict() for c in self.criteria],
            "citations": list(self.citations), "source": self.source,
            "patient_label": self.patient_label, "patient_summary": self.patient_summary,
            "support": None if self.support is None else self.support.to_dict(),
            "diagnosed": self.diagnosed,
        }


@dataclass(frozen=True)
class RedFlag:
    id: str
    text: str
    urgency: str
    action: str
    citation: str
    patient_text: str
    patient_action: str
    defers_exercise: bool = False
    #: "active", or "possible": not ruled out because a fact is missing (causes.yaml
    #: ``possible_when``); its texts say so and ``ask`` holds the questions that settle it
    status: str = "active"
    ask: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"ask": list(self.ask)}


@dataclass(frozen=True)
class Question:
    """Something to ask or measure because its absence keeps findings unknown."""

    id: str  # the fact (e.g. history.symptoms.fasciculations)
    text: str
    patient_text: str
    weight: int  # total stated weight of the unknown findings it would decide
    red_flag: bool  # it could reveal a red flag
    because: tuple[str, ...]  # cause or red-flag ids it bears on

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"because": list(self.because)}


@dataclass
class Workup:
    """The cause work-up for one record: ranked candidates, red flags and questions to ask."""

    candidates: list[Candidate]
    red_flags: list[RedFlag]
    set_aside: list[dict[str, Any]]
    disclaimer: str
    patient_disclaimer: str
    knowledge_version: str
    history_recorded: bool
    weights_note: str
    confidence_note: str
    record_id: str | None = None
    source: str | None = None
    support_note: str = ""
    notes: list[str] = field(default_factory=list)
    references: dict[str, str] = field(default_factory=dict)  # reference id -> full citation
    question_builder: Callable[[], list[Question]] | None = field(default=None, repr=False, compare=False)
    _questions: list[Question] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def questions(self) -> list[Question]:
        """What to ask or measure next, most informative first (built on first use)."""
        if self._questions is None:
            self._questions = self.question_builder() if self.question_builder else []
        return self._questions

    @property
    def summary(self) -> list[dict[str, Any]]:
        """One row per candidate, best first: rank, id, label, score, confidence."""
        return [{"rank": i, "cause": c.id, "label": c.label, "score": c.score, "confidence": c.confidence}
                for i, c in enumerate(self.candidates, 1)]

    def candidate(self, cause_id: str) -> Candidate | None:
        return next((c for c in self.candidates if c.id == cause_id), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "disclaimer": self.disclaimer,
            "knowledge_version": self.knowledge_version,
            "history_recorded": self.history_recorded,
            "red_flags": [r.to_dict() for r in self.red_flags],
            "candidates": [c.to_dict() for c in self.candidates],
            "set_aside": self.set_aside,
            "questions": [q.to_dict() for q in self.questions],
            "notes": self.notes,
            "method": {"weights": self.weights_note, "confidence": self.confidence_note,
                       "support": self.support_note},
            "references": self.references,
        }

    def __str__(self) -> str:
        from ..report.workup import render_clinician

        return render_clinician(self)

    def patient_text(self) -> str:
        from ..report.workup import render_patient

        return render_patient(self)

    def _repr_html_(self) -> str:
        from ..report.jupyter import workup_html

        return workup_html(self)
