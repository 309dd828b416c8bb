"""Treatment plan: treat the cause, exercise with dose, nutrition targets computed from the
record, physiotherapy, what not to do, goals and follow-up, each item cited (docs/plan.md).

``make_plan(assessment, workup=None, constraints=None)`` is the entry point; ``build_plan`` takes
plain inputs for testing the engine on its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .adapt import causes_from_workup, inputs_from_assessment
from .engine import CauseInput, PlanInputs, RedFlagInput, build_plan
from .loader import PlanKnowledge, load_plan_knowledge
from .result import Plan, PlanItem

if TYPE_CHECKING:
    from ..assess import Assessment
    from ..record import Record


def make_plan(
    assessment: Assessment | Record | Mapping[str, Any],
    workup: Any = None,
    constraints: Mapping[str, Any] | None = None,
    knowledge: PlanKnowledge | None = None,
) -> Plan:
    """The plan for one assessed record.

    ``assessment`` may also be a record (or a record dict), which is then assessed. ``workup`` is
    a work-up result (object or dict); without one, causes come from the record's conditions.
    ``constraints`` adds to or overrides the record's ``plan_constraints``.

    :raises RecordValidationError: for an invalid record or invalid plan constraints.
    """
    from ..assess import Assessment, assess

    a = assessment if isinstance(assessment, Assessment) else assess(assessment)
    return build_plan(inputs_from_assessment(a, workup, constraints, knowledge), knowledge)


__all__ = ["CauseInput", "Plan", "PlanInputs", "PlanItem", "PlanKnowledge", "RedFlagInput",
           "build_plan", "causes_from_workup", "inputs_from_assessment", "load_plan_knowledge",
           "make_plan"]
