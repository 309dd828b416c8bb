"""The API's request and response shapes (OpenAPI); the documents themselves come from services.

Response models describe the documents for clients and for schemathesis' conformance check;
they allow extra keys where a document grows with the knowledge (verdicts, work-up, plan), and
the routes return the services' documents as they are (``responses=``, not ``response_model``),
so the JSON is byte for byte what the CLI prints.

A body whose values the service validates beyond their JSON types has a ``domain_problems``
class method: when pydantic refuses the body the route (and so the service's checks) never runs,
and the request-validation handler (:mod:`myoscope.api.errors`) calls it with the raw body, so
one envelope names what pydantic refused *and* what the service would have said of the rest
(rather than the rest only on a second request). Problems are named under the body's keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..errors import MyoscopeError, Problem, ProblemsError

RECORD_HELP = ("A record (DESIGN §5, docs/record.md): field → value; a quantity as a number in the "
               "canonical unit, '154 lb', or {'value': 154, 'unit': 'lb'}. Unknown fields are errors.")
EXAMPLE_RECORD = {"id": "maria", "sex": "female", "age": 81, "height": "158 cm", "weight": "52 kg",
                  "grip_strength": "13 kg", "gait_speed": "0.6 m/s", "asm": "12.5 kg", "asm_method": "dxa"}


def _text(body: Mapping[str, Any], key: str) -> str | None:
    value = body.get(key)
    return value if isinstance(value, str) else None


def record_problems(record: Any, path: str) -> list[Problem]:
    """What the record parser says of ``record`` (a mapping), named under ``path``."""
    from ..record import parse_record

    if not isinstance(record, Mapping):
        return []
    try:
        parse_record(dict(record), source="request body")
    except ProblemsError as exc:
        # a problem of the whole record ("(record)") is the record's own, named by its key
        return [
            Problem(path if p.path == "(record)" else f"{path}.{p.path}", p.message) for p in exc.problems
        ]
    except MyoscopeError as exc:  # an unknown unit and the like: one problem for the record
        return [Problem(path, str(exc)[:500])]
    return []


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class AssessmentOut(Open):
    """``myoscope assess --format json``: every definition's verdict, the work-up and the plan."""

    myoscope_version: str
    knowledge_version: str
    record: dict[str, Any]
    derived: dict[str, Any]
    warnings: list[str]
    results: dict[str, dict[str, Any]]
    workup: dict[str, Any] | None = None
    plan: dict[str, Any] | None = None


class WorkupOut(Open):
    """``myoscope workup --format json``."""

    source: str | None
    id: str | None


class PlanOut(Open):
    """``myoscope plan --format json``."""


class SimulationOut(Open):
    """``myoscope simulate --format json``."""


class SimulateIn(BaseModel):
    """A record and the projection's options (the options of ``myoscope simulate``)."""

    model_config = ConfigDict(extra="forbid")
    record: dict[str, Any] = Field(description=RECORD_HELP)
    scenario: dict[str, Any] | list[Any] | None = Field(
        None, description="A scenario (docs/simulate.md), or a bare timeline list; null: ageing only.")
    events: list[str] = Field(default_factory=list, max_length=50,
                              description="Timeline entries NAME@FROM-TO, e.g. bed_rest@0-10.")
    ageing: str | None = Field(None, description="Fix the ageing rates at low, central or high.")
    years: float | None = Field(None, gt=0, le=30, description="Horizon in years (default: scenario, or 10).")
    draws: int = Field(1000, ge=1, le=2000, description="Monte Carlo draws (the API allows at most 2 000).")
    seed: int = Field(0, ge=0, le=2**32 - 1, description="Random seed (same seed, same result).")
    step: str = Field("day", description="day or month")
    definitions: list[str] | None = Field(
        None, max_length=30, description="Definitions whose cut-offs to track (default: ewgsop2).")
    fix: list[str] | str | None = Field(None, description="Parameters held at their central value, or 'all'.")
    evidence: bool = Field(True, description="Add what the evidence shows about the source article's claims.")

    @classmethod
    def domain_problems(cls, body: Mapping[str, Any]) -> list[Problem]:
        """The record's own problems (the projection's options need the whole projection)."""
        return record_problems(body.get("record"), "record")


class PatientIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pseudonym: str = Field(max_length=100, description="Pseudonymous id (never a name or hospital number).")
    # the schema names the usual values; the registry validates (and names the problem) itself,
    # as it does for the CLI and the pages
    sex: str = Field(max_length=10, description="male or female (M/F)",
                     json_schema_extra={"examples": ["female"], "enum": ["male", "female", "M", "F"]})
    birth_date: str | None = Field(None, max_length=10, description="YYYY-MM-DD",
                                   json_schema_extra={"format": "date"})

    @classmethod
    def domain_problems(cls, body: Mapping[str, Any]) -> list[Problem]:
        """The registry's checks of a new patient (:func:`myoscope.registry.repo.patient_problems`)
        on the values that are text; a value of another type is pydantic's to name."""
        from ..registry.repo import patient_problems

        return patient_problems(_text(body, "pseudonym") or "", _text(body, "sex"),
                                _text(body, "birth_date"))[0]


class PatientCorrectionIn(BaseModel):
    """A correction of a patient's sex or birth date: a field left out is kept; ``birth_date``
    null makes it unknown."""

    model_config = ConfigDict(extra="forbid")
    sex: str | None = Field(None, max_length=10, description="The corrected sex: male or female (M/F).",
                            json_schema_extra={"examples": ["male"], "enum": ["male", "female", "M", "F"]})
    birth_date: str | None = Field(None, max_length=10, description="The corrected birth date, YYYY-MM-DD; "
                                   "null: not known; left out: kept.", json_schema_extra={"format": "date"})
    reason: str = Field(max_length=1000, description="Why the patient is corrected (kept in the audit log).")

    @classmethod
    def domain_problems(cls, body: Mapping[str, Any]) -> list[Problem]:
        """The registry's checks of the new values and the reason, on the values that are text."""
        from ..registry.repo import patient_problems

        found = patient_problems("-", _text(body, "sex"), _text(body, "birth_date"))[0]
        reason = _text(body, "reason")
        if reason is not None and not reason.strip():
            found.insert(0, Problem("reason", "required: why the patient is corrected"))
        return found


class PatientRowOut(BaseModel):
    id: int
    pseudonym: str
    sex: str
    birth_date: str | None
    age: int | None
    visits: int
    last_visit: str | None
    outcomes: dict[str, str]
    red_flags: int
    #: how many of ``red_flags`` are possible (not yet ruled out: a fact is missing), not active
    possible_red_flags: int
    urgency: str | None
    #: "emergency" when the plan refers for a cause the same day, which can be more urgent than
    #: every red flag; None when it does not or the assessment predates its storing
    referral_urgency: str | None
    #: false when the latest visit holds no history: no red flag was looked for, so ``red_flags``
    #: 0 means "not screened", not "none" (the web list says so)
    screened: bool


class PatientListOut(BaseModel):
    patients: list[PatientRowOut]
    next_after: str | None


class PatientOut(Open):
    """A patient: visits, the latest visit's full result, red flags, the plan's same-day referrals,
    alerts and change over time."""

    id: int
    pseudonym: str
    sex: str
    birth_date: str | None
    age: int | None
    visits: list[dict[str, Any]]
    latest: dict[str, Any] | None
    stale: str | None
    red_flags: list[dict[str, Any]]
    referrals: list[dict[str, Any]]
    alerts: list[dict[str, Any]]
    changes: dict[str, Any]


class PatientCorrectionOut(BaseModel):
    corrected: dict[str, Any] = Field(description="Each changed field with its old and new value, and "
                                      "how many visits were re-assessed.")
    patient: PatientOut


class VisitOut(Open):
    id: int
    patient_id: int
    date: str
    setting: str | None
    source: str | None
    measurements: dict[str, dict[str, Any]]
    outcomes: dict[str, str]
    knowledge_version: str | None
    red_flags: list[dict[str, Any]]
    referrals: list[dict[str, Any]]


class VisitListOut(BaseModel):
    visits: list[VisitOut]
    next_after: str | None


class VisitCreatedOut(BaseModel):
    visit_id: int
    created: bool
    date: str
    outcomes: dict[str, str]
    reassessed: list[int]


class CorrectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    changes: dict[str, Any] = Field(description="Measure → new value (as in a record); null retracts it.")
    reason: str = Field(max_length=1000, description="Why the visit is corrected (kept with each version).")

    @classmethod
    def domain_problems(cls, body: Mapping[str, Any]) -> list[Problem]:
        """What can be said of the changes without the stored visit: measures a correction
        cannot change, and text a database cannot store (the values need the visit itself)."""
        from ..web.visit_records import change_problems

        changes = body.get("changes")
        return change_problems(changes if isinstance(changes, Mapping) else {}, _text(body, "reason"))


class CorrectionOut(BaseModel):
    corrected: list[str]
    visit: VisitOut


class AlertsOut(BaseModel):
    patients_scanned: int
    latest_only: bool
    alerts: list[dict[str, Any]]
    next_after: str | None


class AuditRowOut(BaseModel):
    id: int
    at: str
    actor: str
    action: str
    entity: str
    entity_id: int | None
    patient_id: int | None
    details: dict[str, Any]


class AuditOut(BaseModel):
    rows: list[AuditRowOut]
    total: int
    page: int
    pages: int


class HealthOut(BaseModel):
    status: str
    version: str


class MeOut(BaseModel):
    username: str
    display_name: str
    role: str
    organisation: str | None
