"""The whole clinical pathway for one record: assess → work-up → plan (DESIGN §3, layer 5).

This is the one service every face calls (the CLI, the web app, the HTTP API). It sits above
:mod:`myoscope.assess` (definitions only), :mod:`myoscope.workup` and :mod:`myoscope.plan`, and
none of them imports it, so the pathway has no import circle: ``assess`` knows only definitions,
the work-up reads the assessment's outcomes, the plan reads both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .assess import Assessment
from .assess import assess as assess_definitions
from .knowledge import Knowledge
from .plan import Plan, make_plan
from .record import Record
from .workup import Workup
from .workup.engine import run_workup


@dataclass
class PathwayResult(Assessment):
    """An assessment with the cause work-up and the treatment plan made from it.

    It is an :class:`~myoscope.assess.Assessment` (every definition's verdict), so code that reads
    verdicts takes either; ``to_dict`` is the assessment contract with ``workup`` and ``plan``
    (DESIGN §6), and ``str`` is the assessment's text followed by the two sections.
    """

    workup: Workup | None = None
    plan: Plan | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            **super().to_dict(),
            **({"workup": self.workup.to_dict()} if self.workup is not None else {}),
            **({"plan": self.plan.to_dict()} if self.plan is not None else {}),
        }

    def __str__(self) -> str:
        from .report.summary import summary_text

        return summary_text(self)

    def detail(self) -> str:
        """The full trace: every definition's comparisons, the work-up and the plan in full."""
        from .report.assessment import pathway_text

        return pathway_text(self)

    def _repr_html_(self) -> str:
        from .report.jupyter import assessment_html

        return assessment_html(self)


def run_pathway(
    record: Record | Mapping[str, Any],
    definitions: list[str] | None = None,
    knowledge: Knowledge | None = None,
    plan: bool = True,
    cause_workup: bool = True,
) -> PathwayResult:
    """Assess ``record`` under ``definitions``, work up the causes, and make the plan.

    ``cause_workup=False`` skips the work-up (the plan then treats the record's recorded
    conditions); ``plan=False`` skips the plan.

    :raises RecordValidationError: for a record with invalid fields (every one named).
    :raises UnknownDefinitionError: for an unknown definition id.
    """
    a = assess_definitions(record, definitions, knowledge)
    result = PathwayResult(record=a.record, derived=a.derived, results=a.results,
                           knowledge_version=a.knowledge_version, myoscope_version=a.myoscope_version,
                           extras=a.extras)
    if cause_workup:
        # only verdicts within their definition's population are evidence (DESIGN §13)
        result.workup = run_workup(a.record, a.derived, a.usable_outcomes())
    if plan:
        # the work-up result, when present, names the causes the plan treats
        result.plan = make_plan(result, result.workup)
    return result


def workup_of(record: Record | Mapping[str, Any]) -> Workup:
    """The cause work-up of one record (assessed first, without a plan)."""
    result = run_pathway(record, plan=False)
    assert result.workup is not None
    return result.workup


def plan_of(record: Record | Mapping[str, Any]) -> Plan:
    """The treatment plan of one record, made from its assessment and work-up."""
    result = run_pathway(record)
    assert result.plan is not None
    return result.plan


#: the public name: ``myoscope.assess(record)`` runs the whole pathway
assess = run_pathway

__all__ = ["PathwayResult", "assess", "assess_definitions", "plan_of", "run_pathway", "workup_of"]
