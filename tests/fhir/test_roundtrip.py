"""FHIR out: every resource is valid R4B, serialises, re-parses and is equal; codes as declared."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("fhir.resources")

from myoscope.fhir import r4b
from myoscope.fhir.exporting import condition_data, risk_assessment
from myoscope.fhir.service import assess_fhir
from myoscope.simulate import simulate

FIXTURES = Path(__file__).parents[1] / "fixtures" / "fhir"


@pytest.fixture(scope="module")
def maria():
    return assess_fhir(json.loads((FIXTURES / "maria_us_units.json").read_text("utf-8")))


def test_every_resource_round_trips(maria) -> None:
    resources = maria.resources()
    kinds = {r.get_resource_type() for r in resources}
    assert {"Observation", "Condition", "CarePlan", "GuidanceResponse"} <= kinds
    for res in resources:
        data = r4b.to_json(res)
        again = r4b.parse_resource(json.loads(json.dumps(data)))
        assert r4b.to_json(again) == data
        assert again == res
    bundle = maria.bundle()
    assert r4b.to_json(r4b.parse_resource(bundle)) == bundle


def test_verdicts_are_observations_with_their_inputs(maria) -> None:
    obs = {r.id: r for r in maria.resources() if r.get_resource_type() == "Observation"}
    ew = obs["myoscope-ewgsop2"]
    assert ew.status == "final" and ew.valueCodeableConcept.coding[0].code == "severe_sarcopenia"
    assert ew.interpretation[0].coding[0].code == "POS"
    assert {"Observation/grip-r", "Observation/grip-l", "Observation/gait", "Observation/asm"} <= {
        d.reference for d in ew.derivedFrom}
    assert "doi:10.1093/ageing/afy169" in ew.note[0].text and "Trace: grip_strength" in ew.note[0].text
    sarc_f = obs["myoscope-sarc-f"]
    assert sarc_f.status == "preliminary" and sarc_f.interpretation[0].coding[0].code == "IND"
    assert sarc_f.category[0].coding[0].code == "survey"


def test_conditions_are_provisional_and_only_for_usable_decided_verdicts(maria) -> None:
    conds = [r for r in maria.resources() if r.get_resource_type() == "Condition"]
    assert [c.code.coding[0].code for c in conds] == ["M62.84"]
    c = conds[0]
    assert c.verificationStatus.coding[0].code == "provisional"
    assert c.code.coding[0].system == "http://hl7.org/fhir/sid/icd-10-cm"
    # Fearon says cachexia, but no cancer is recorded: no E88.A rests on it
    assert maria.result.results["fearon2011"].outcome == "cachexia"
    assert all(cc.code.coding[0].code != "E88.A" for cc in conds)


def test_condition_data_is_the_validated_conditions_json(maria) -> None:
    """A CDS card sends ``condition_data`` on unvalidated: it must be what validation and
    ``to_json`` would give, key for key."""
    data = condition_data(maria.result, maria.patient_ref, maria.imported.as_of)
    assert [d["code"]["coding"][0]["code"] for d in data] == ["M62.84"]
    for d in data:
        assert r4b.to_json(r4b.Condition.model_validate(d)) == d


def test_guidance_lists_what_is_missing(maria) -> None:
    g = next(r for r in maria.resources() if r.get_resource_type() == "GuidanceResponse")
    assert g.status == "data-required" and g.result.reference == "CarePlan/myoscope-plan"
    wanted = {cf.code[0].code for d in g.dataRequirement for cf in d.codeFilter}
    assert "calf_circumference" in wanted and "grip_strength" not in wanted
    assert any(n.text.startswith("RED FLAG (urgent)") for n in g.note)


def test_projection_crossings_are_a_risk_assessment(maria) -> None:
    proj = simulate(maria.imported.record, draws=30)
    ra = risk_assessment(proj, maria.patient_ref, maria.imported.as_of)
    data = r4b.to_json(ra)
    assert r4b.to_json(r4b.parse_resource(data)) == data
    assert ra.prediction and all(0 <= float(p.probabilityDecimal) <= 1 for p in ra.prediction)


def test_a_same_day_referral_heads_the_notes_of_the_care_plan_and_the_guidance() -> None:
    # the plan's emergency referral (Guillain-Barré syndrome supported) outranks the urgent flag
    from datetime import date

    from myoscope.fhir.exporting import export_resources
    from myoscope.pathway import run_pathway

    from ..records import WEEKS_PROGRESSIVE

    result = run_pathway({"id": "p1", "sex": "male", "age": 56, **WEEKS_PROGRESSIVE})
    resources = {r.get_resource_type(): r for r in export_resources(result, "Patient/p1", date(2026, 6, 1))}
    for kind in ("CarePlan", "GuidanceResponse"):
        notes = [n.text for n in resources[kind].note]
        assert notes[0].startswith("REFERRAL (emergency): Possible Guillain-Barré syndrome"), kind
        assert notes[1].startswith("RED FLAG (urgent): One-sided or focal weakness getting worse"), kind
    assert "Refer to: emergency department and neurology (same day)." in resources["CarePlan"].note[0].text
    assert resources["CarePlan"].activity[0].detail.description.startswith("[treat_cause] Possible Guillain")
