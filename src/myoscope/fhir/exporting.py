"""A pathway result → FHIR R4 resources (docs/fhir.md).

Each verdict is an Observation (code: the definition in the myoscope CodeSystem; value: the
outcome; ``preliminary`` while undecided; ``derivedFrom`` the input Observations when they came
from FHIR); a decided verdict that names a diagnosis becomes a Condition with verificationStatus
``provisional`` (codes and their citations in ``knowledge/interop/fhir.yaml``); the invocation is
a GuidanceResponse (``data-required`` while measures are missing); the plan a draft CarePlan; a
projection's cut-off crossings a RiskAssessment. Every resource is built through the R4B models,
so an invalid one fails here, not at the receiver.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any

from ..alarms import of_result
from ..assess import Assessment
from ..knowledge import load_knowledge
from ..measures import fmt_value, load_catalog
from ..plan import Plan
from ..rules.evaluate import DefinitionResult
from ..workup import Workup
from . import r4b
from .codes import FhirCodes, load_codes

if TYPE_CHECKING:
    from ..simulate.projection import Projection

UNDECIDED = ("indeterminate",)
GUIDANCE_MODULE = "https://myoscope.org/fhir/guidance/pathway"


@cache
def _finding_outcomes() -> dict[str, frozenset[str]]:
    """Outcomes that count as a muscle-wasting finding per definition (interventions.yaml)."""
    from ..plan.loader import load_plan_knowledge

    return {k: frozenset(v) for k, v in load_plan_knowledge().spec.findings.items()}


def interpretation(definition: str, outcome: str) -> str | None:
    """v3 ObservationInterpretation: POS for a finding, IND while undecided, NEG otherwise."""
    if outcome == "not_applicable":
        return None
    if outcome in UNDECIDED:
        return "IND"
    return "POS" if outcome in _finding_outcomes().get(definition, frozenset()) else "NEG"


def is_finding(definition: str, outcome: str) -> bool:
    return outcome in _finding_outcomes().get(definition, frozenset())


def trace_summary(result: DefinitionResult, limit: int = 12) -> list[str]:
    """The comparisons of a verdict, one line each: ``grip_strength 12.7 kg < 16 -> true``."""
    out: list[str] = []
    for entry in result.trace:
        measure = entry.get("measure")
        if not measure:
            continue
        value = entry.get("value")
        shown = "unknown" if value is None else fmt_value(value)
        unit = f" {entry['unit']}" if entry.get("unit") and value is not None else ""
        res = {True: "true", False: "false", None: "unknown"}.get(
            entry.get("result"), str(entry.get("result"))
        )
        out.append(
            f"{measure} {shown}{unit} {entry.get('comparator', '')} {fmt_value(entry.get('cutoff'))}"
            f" -> {res}".replace("  ", " ")
        )
        if len(out) >= limit:
            break
    return out


def _measures_of(result: DefinitionResult) -> list[str]:
    """The raw measures a verdict read (derived measures unfolded to what was measured)."""
    cat = load_catalog()
    out: list[str] = []
    for entry in result.trace:
        m = entry.get("measure")
        if not m:
            continue
        for raw in cat.raw_inputs(m) or (m,):
            if raw not in out:
                out.append(raw)
    return out


def _cc(system: str, code: str, display: str | None = None, text: str | None = None) -> dict[str, Any]:
    coding: dict[str, Any] = {"system": system, "code": code}
    if display:
        coding["display"] = display
    out: dict[str, Any] = {"coding": [coding]}
    if text:
        out["text"] = text
    return out


def verdict_observation(
    result: DefinitionResult,
    patient_ref: str,
    when: date,
    input_refs: Mapping[str, list[str]] | None = None,
    codes: FhirCodes | None = None,
) -> r4b.Observation:
    """One definition's verdict as an Observation."""
    table = codes or load_codes()
    sy = table.systems
    kb = load_knowledge()
    definition = kb.definitions.get(result.id)
    category = "survey" if definition is not None and definition.kind == "screening" else "exam"
    lines = [f"Source: {result.citation}"]
    if not result.decided:
        lines.append(
            "Undecided; still possible: "
            + ", ".join(result.possible_outcomes)
            + (
                "; decisive measures: " + ", ".join(result.decisive_measures)
                if result.decisive_measures
                else ""
            )
        )
    lines += [f"Caveat: {c}" for c in result.caveats]
    trace = trace_summary(result)
    if trace:
        lines.append("Trace: " + "; ".join(trace))
    derived_from = []
    for measure in _measures_of(result):
        for ref in (input_refs or {}).get(measure, []):
            if {"reference": ref} not in derived_from:
                derived_from.append({"reference": ref})
    data: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"myoscope-{result.id}".replace("_", "-"),
        "status": "final" if result.decided else "preliminary",
        "category": [_cc(sy.observation_category, category)],
        "code": _cc(sy.definition, result.id, result.title),
        "subject": {"reference": patient_ref},
        "effectiveDateTime": when.isoformat(),
        "valueCodeableConcept": _cc(sy.outcome, result.outcome, result.outcome.replace("_", " ")),
        "note": [{"text": "\n".join(lines)}],
    }
    interp = interpretation(result.id, result.outcome)
    if interp:
        data["interpretation"] = [_cc(sy.interpretation, interp)]
    if derived_from:
        data["derivedFrom"] = derived_from
    return r4b.Observation.model_validate(data)


def conditions(
    assessment: Assessment, patient_ref: str, when: date, codes: FhirCodes | None = None
) -> list[r4b.Condition]:
    """Provisional Conditions for the decided, in-population verdicts the code table names."""
    return [r4b.Condition.model_validate(c) for c in condition_data(assessment, patient_ref, when, codes)]


def condition_data(
    assessment: Assessment, patient_ref: str, when: date, codes: FhirCodes | None = None
) -> list[dict[str, Any]]:
    """The JSON of :func:`conditions`, in the form ``r4b.to_json`` gives after validation (tested),
    for a face that only sends it on (a CDS card's suggestion): building and dumping the models
    costs more than the rest of the card."""
    table = codes or load_codes()
    sy = table.systems
    kb = load_knowledge()
    out: list[dict[str, Any]] = []
    for spec in table.conditions:
        because = [
            r
            for d, outcomes in spec.when.items()
            if (r := assessment.results.get(d)) is not None
            and r.decided
            and r.usable
            and r.outcome in outcomes
        ]
        if not because:
            continue
        ref = kb.references[spec.source]
        out.append(
            {
                "resourceType": "Condition",
                "id": f"myoscope-{spec.id}".replace("_", "-"),
                "clinicalStatus": _cc(sy.condition_clinical, "active"),
                "verificationStatus": _cc(sy.condition_verification, "provisional"),
                "category": [
                    _cc("http://terminology.hl7.org/CodeSystem/condition-category", "problem-list-item")
                ],
                "code": _cc(sy.icd10cm, spec.code, spec.display),
                "subject": {"reference": patient_ref},
                "recordedDate": when.isoformat(),
                "evidence": [
                    {
                        "detail": [
                            {"reference": f"Observation/myoscope-{r.id}".replace("_", "-")} for r in because
                        ]
                    }
                ],
                "note": [
                    {
                        "text": "Suggested by myoscope from "
                        + ", ".join(f"{r.id} {r.outcome}" for r in because)
                        + "; "
                        f"a clinician confirms or refutes it. Code: {ref.short()}"
                    }
                ],
            }
        )
    return out


def alarm_notes(workup: Workup | None, plan: Plan | None, actions: bool = True) -> list[str]:
    """The red flags and the plan's same-day referrals as notes, in :mod:`myoscope.alarms`' order: a
    supported cause's same-day referral can outrank every flag, and a reader meets the first note
    first."""
    out = []
    for e in of_result(workup, plan):
        if e["kind"] == "referral":
            then = f" Refer to: {e['refer_to']}." if actions and e.get("refer_to") else ""
            out.append(f"REFERRAL ({e['urgency']}): {e['text']}{then}")
        else:
            then = f" Action: {e['action']}" if actions else ""
            out.append(f"RED FLAG ({e['urgency']}): {e['text']}{then}")
    return out


def care_plan(plan: Plan, patient_ref: str, workup: Workup | None = None) -> r4b.CarePlan:
    """The plan as a draft CarePlan (intent proposal): one activity per item (the plan's order,
    most urgent first), the red flags and same-day referrals first among the notes."""
    notes = alarm_notes(workup, plan)
    notes.append(f"Plan status {plan.status}: {plan.reason}")
    notes.append(plan.disclaimer)
    activities = [
        {
            "detail": {
                "status": "not-started",
                "description": f"[{item.section}] {item.text}"
                + (f" (source: {item.source_text})" if item.source_text else ""),
            }
        }
        for item in plan.items()
    ]
    data: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": "myoscope-plan",
        "status": "draft",
        "intent": "proposal",
        "title": "myoscope muscle-wasting plan",
        "description": plan.reason,
        "subject": {"reference": patient_ref},
        "note": [{"text": n} for n in notes],
    }
    if activities:
        data["activity"] = activities
    return r4b.CarePlan.model_validate(data)


def guidance_response(
    assessment: Assessment,
    patient_ref: str,
    when: date,
    plan_ref: str | None = None,
    codes: FhirCodes | None = None,
    workup: Workup | None = None,
    plan: Plan | None = None,
) -> r4b.GuidanceResponse:
    """The invocation: ``data-required`` while a verdict waits for a measure (each one listed)."""
    table = codes or load_codes()
    missing: list[str] = []
    for r in assessment.results.values():
        missing += [m for m in r.decisive_measures if m not in missing]
    requirements = []
    for m in missing:
        loinc = table.loinc_of(m)
        code = (
            {"system": table.systems.loinc, "code": loinc.code}
            if loinc
            else {"system": table.systems.measure, "code": m}
        )
        requirements.append({"type": "Observation", "codeFilter": [{"path": "code", "code": [code]}]})
    notes = alarm_notes(workup, plan, actions=False)
    notes.append(f"myoscope {assessment.myoscope_version}, knowledge {assessment.knowledge_version}")
    data: dict[str, Any] = {
        "resourceType": "GuidanceResponse",
        "id": "myoscope-guidance",
        "moduleUri": GUIDANCE_MODULE,
        "status": "data-required" if missing else "success",
        "subject": {"reference": patient_ref},
        "occurrenceDateTime": when.isoformat(),
        "note": [{"text": n} for n in notes],
    }
    if requirements:
        data["dataRequirement"] = requirements
    if plan_ref:
        data["result"] = {"reference": plan_ref}
    return r4b.GuidanceResponse.model_validate(data)


def risk_assessment(projection: Projection, patient_ref: str, when: date) -> r4b.RiskAssessment:
    """A projection's cut-off crossings as predictions (probability within the horizon)."""
    predictions = []
    for c in projection.crossings:
        if c.probability is None:
            continue
        s = c.spec
        item: dict[str, Any] = {
            "outcome": {
                "text": f"{s.definition}: {s.label} ({s.measure} {s.comparator} {fmt_value(s.cutoff)}"
                f"{' ' + s.unit if s.unit else ''})"
            },
            "probabilityDecimal": round(c.probability, 4),
            "rationale": f"{c.status}; median {c.describe_day(c.median_day)}; source: {s.citation}",
        }
        if c.horizon_day is not None and c.start_date is not None:
            end = c.date_of(c.horizon_day)
            item["whenPeriod"] = {"start": c.start_date.isoformat(), **({"end": end} if end else {})}
        predictions.append(item)
    data: dict[str, Any] = {
        "resourceType": "RiskAssessment",
        "id": "myoscope-projection",
        "status": "preliminary",
        "subject": {"reference": patient_ref},
        "occurrenceDateTime": when.isoformat(),
        "method": {"text": f"myoscope projection, scenario {projection.scenario.name}"},
        "note": [{"text": c} for c in projection.caveats] or None,
    }
    if predictions:
        data["prediction"] = predictions
    return r4b.RiskAssessment.model_validate({k: v for k, v in data.items() if v is not None})


def export_resources(
    result: Assessment,
    patient_ref: str,
    when: date,
    input_refs: Mapping[str, list[str]] | None = None,
    projection: Projection | None = None,
) -> list[r4b.Resource]:
    """Every resource for one pathway result, in a stable order (verdicts, conditions, plan,
    projection, guidance)."""
    out: list[r4b.Resource] = [
        verdict_observation(r, patient_ref, when, input_refs) for r in result.results.values()
    ]
    out += conditions(result, patient_ref, when)
    plan: Plan | None = getattr(result, "plan", None)
    workup: Workup | None = getattr(result, "workup", None)
    if plan is not None:
        out.append(care_plan(plan, patient_ref, workup))
    if projection is not None:
        out.append(risk_assessment(projection, patient_ref, when))
    out.append(
        guidance_response(
            result, patient_ref, when, "CarePlan/myoscope-plan" if plan else None, workup=workup, plan=plan
        )
    )
    return out


def export_bundle(resources: list[r4b.Resource], bundle_id: str = "myoscope-result") -> r4b.Bundle:
    """A ``collection`` Bundle of the resources, each with its relative fullUrl."""
    entries = [
        {"fullUrl": f"{res.get_resource_type()}/{res.id}", "resource": r4b.to_json(res)} for res in resources
    ]
    bundle: r4b.Bundle = r4b.Bundle.model_validate(
        {"resourceType": "Bundle", "id": bundle_id, "type": "collection", "entry": entries}
    )
    return bundle
