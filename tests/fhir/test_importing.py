"""FHIR in: the Synthea-shaped fixture Bundles become records; every entry not used is reported."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

pytest.importorskip("fhir.resources")

from myoscope.fhir.importing import FhirInputError, import_bundle
from myoscope.record import parse_record

FIXTURES = Path(__file__).parents[1] / "fixtures" / "fhir"
LB = 0.45359237


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text("utf-8"))


def reasons(result, ref: str) -> list[str]:
    return [d.reason for d in result.dropped if d.ref == ref]


def test_us_units_convert_exactly_and_the_best_grip_is_used() -> None:
    r = import_bundle(load("maria_us_units.json"))
    rec = r.record
    assert rec["sex"] == "female" and rec["birth_date"] == "1944-05-01" and rec["date"] == "2025-03-10"
    assert rec["weight"] == pytest.approx(110 * LB) and rec["height"] == pytest.approx(62 * 2.54)
    assert sorted(rec["grip_strength"]) == pytest.approx([28 * LB, 31 * LB])
    assert parse_record(rec).values["grip_strength"] == pytest.approx(31 * LB)  # the best of the two hands
    assert rec["asm_method"] == "dxa"


def test_weight_history_from_older_weights_within_the_window() -> None:
    r = import_bundle(load("maria_us_units.json"))
    assert r.record["weight_history"] == [
        {"date": "2024-09-12", "weight": pytest.approx(121 * LB)},
        {"date": "2024-03-01", "weight": pytest.approx(125 * LB)},
    ]
    assert any("beyond the 730-day history window" in x for x in reasons(r, "Observation/w-old"))


def test_nothing_is_dropped_silently() -> None:
    r = import_bundle(load("maria_us_units.json"))
    assert [u.ref for u in r.unknown] == ["Observation/bp-systolic"]
    assert r.unknown[0].codes == ("http://loinc.org|8480-6",)
    assert any("entered-in-error" in x for x in reasons(r, "Observation/gait-error"))
    assert any("duplicate of Observation/w-now" in x for x in reasons(r, "Observation/w-now-dup"))
    assert any("computes it from weight and height" in x for x in reasons(r, "Observation/bmi"))
    assert any("Condition" in n for n in r.notes)
    assert r.record["gait_speed"] == 0.6  # the entered-in-error 1.4 m/s is not used
    looked_at = {u.ref for u in r.unknown} | {d.ref for d in r.dropped} | {v.ref for v in r.used + r.history}
    assert len(looked_at) == 15  # every Observation of the fixture is accounted for


def test_missing_is_unknown_never_zero() -> None:
    r = import_bundle(load("tom_missing_measures.json"))
    assert "grip_strength" not in r.record and "height" not in r.record and "gait_speed" not in r.record
    assert r.record["tug_time"] == 14.5
    assert any("value absent (not-performed): unknown" in x for x in reasons(r, "Observation/grip-absent"))
    assert any("more than 1825 days" in x for x in reasons(r, "Observation/h-old"))


def test_disagreeing_values_at_one_time_leave_the_measure_unknown() -> None:
    r = import_bundle(load("ana_conflicts.json"))
    assert "weight" not in r.record
    assert any("values disagree" in x for x in reasons(r, "Observation/w1"))
    assert any("unknown UCUM unit '[smoot]'" in x for x in reasons(r, "Observation/h"))
    assert r.record["gait_speed"] == pytest.approx(0.7)  # 70 cm/s
    assert r.record["crp"] == pytest.approx(30.0)  # 3 mg/dL
    assert next(v for v in r.used if v.measure == "crp").note == "preliminary result"


def test_the_window_is_relative_to_the_assessment_date() -> None:
    r = import_bundle(load("tom_missing_measures.json"), as_of=date(2025, 9, 1))
    assert "weight" not in r.record  # 2025-05-02 is more than 90 days before
    assert any("more than 90 days" in x for x in reasons(r, "Observation/w"))


def test_not_fhir_is_an_error_naming_the_entry() -> None:
    with pytest.raises(FhirInputError, match="expected a FHIR Bundle"):
        import_bundle({"weight": 70})
    with pytest.raises(FhirInputError, match=r"entry\[0\]"):
        import_bundle({"resourceType": "Bundle", "type": "collection", "entry": [{"resource": 3}]})


def _observation(oid: str, subject: str | None, loinc: str, value: float, unit: str) -> dict:
    return {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": loinc}]},
        **({"subject": {"reference": subject}} if subject else {}),
        "effectiveDateTime": "2025-01-01",
        "valueQuantity": {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit},
    }


@pytest.mark.parametrize("born", ["1944", "1944-05"])
def test_a_birth_date_of_a_year_or_a_month_leaves_the_age_unknown(born: str) -> None:
    # FHIR allows both; before, date.fromisoformat raised (a 500 in $assess and CDS Hooks)
    patient = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": born}
    r = import_bundle([patient, _observation("w", "Patient/p1", "29463-7", 60, "kg")])
    assert "birth_date" not in r.record and "age" not in r.record
    assert f"Patient.birthDate {born} is not a full date: age unknown" in r.notes
    assert r.record["weight"] == 60


@pytest.mark.parametrize("born", ["2026-02-30", "19500101", 5])
def test_an_invalid_patient_is_refused_naming_its_field(born: object) -> None:
    # before, the Patient was dropped and the only error was "sex: required", though gender was given
    patient = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": born}
    with pytest.raises(FhirInputError) as exc:
        import_bundle([patient, _observation("w", "Patient/p1", "29463-7", 60, "kg")])
    [problem] = exc.value.problems
    assert problem.path == "Patient/p1"
    assert problem.message.startswith("not a valid R4 Patient: birthDate")


def test_observations_of_two_subjects_without_a_patient_id_are_refused() -> None:
    # before, one's weight and another's height became one record, both "used"
    weight = _observation("w", "Patient/A", "29463-7", 60, "kg")
    height = _observation("h", "Patient/B", "8302-2", 160, "cm")
    for patient in ({"resourceType": "Patient", "gender": "female"}, None):
        with pytest.raises(FhirInputError) as exc:
            import_bundle([r for r in (patient, weight, height) if r])
        assert [(p.path, p.message.split(":")[0]) for p in exc.value.problems] == [
            ("Observation/w", "subject Patient/A"),
            ("Observation/h", "subject Patient/B"),
        ]
    # one subject, written relative or absolute, and an Observation without one: read
    height["subject"]["reference"] = "https://ehr.example/fhir/Patient/A"
    r = import_bundle([weight, height, _observation("g", None, "8302-2", 160, "cm")])
    assert (r.record["weight"], r.record["height"]) == (60, 160)


def test_an_invalid_observation_is_dropped_with_the_reason() -> None:
    data = load("tom_missing_measures.json")
    data["entry"][1]["resource"]["status"] = None
    data["entry"][1]["resource"]["valueQuantity"]["value"] = "heavy"
    r = import_bundle(data)
    assert "weight" not in r.record
    assert any(x.startswith("not a valid R4 Observation") for x in reasons(r, "Observation/w"))


def test_parameters_input_is_opened() -> None:
    bundle = load("tom_missing_measures.json")
    r = import_bundle({"resourceType": "Parameters", "parameter": [{"name": "bundle", "resource": bundle}]})
    assert r.record["weight"] == 68.0 and r.patient_ref == "Patient/tom"


def test_a_panel_is_opened_into_the_components_myoscope_reads() -> None:
    r = import_bundle(load("lee_panels.json"))
    assert sorted(r.record["grip_strength"]) == pytest.approx([55 * LB, 60 * LB])
    assert {v.ref for v in r.used if v.measure == "grip_strength"} == {
        "Observation/grip-panel#component[0]", "Observation/grip-panel#component[1]"}
    # the blood-pressure panel has no component myoscope reads: reported, with its codes
    assert [(u.ref, u.codes) for u in r.unknown] == [
        ("Observation/grip-panel#component[2]", ("http://loinc.org|84418-3",)),  # a score myoscope does not read
        ("Observation/bp", ("http://loinc.org|85354-9",)),
    ]


def test_the_date_is_where_it_was_measured() -> None:
    r = import_bundle(load("lee_panels.json"))  # 21:30 in New York on 2 April is 02:30 UTC on 3 April
    assert r.as_of == date(2025, 4, 2) and r.record["date"] == "2025-04-02"
