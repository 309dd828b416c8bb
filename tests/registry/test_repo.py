"""Patients, visits, corrections and deletion, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from myoscope.errors import (
    ConfirmationRequiredError,
    PatientExistsError,
    PatientNotFoundError,
    RecordValidationError,
)
from myoscope.registry import audit, repo
from myoscope.registry.assessing import rebuild
from myoscope.registry.models import Assessment, AuditEvent, Measurement, Patient, Visit

ME = "dr-test"


def count(s: Session, model: type) -> int:
    return int(s.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
def anna(factory: sessionmaker[Session]) -> str:
    with factory.begin() as s:
        repo.add_patient(s, pseudonym="ANNA-01", sex="F", birth_date="1944-05-01", actor=ME)
    return "ANNA-01"


def test_a_visit_is_stored_in_canonical_units_with_the_unit_as_entered(factory: sessionmaker[Session],
                                                                        anna: str) -> None:
    with factory.begin() as s:
        r = repo.add_visit(s, pseudonym=anna, actor=ME, source="clinic.yaml", data={
            "date": "2025-01-10", "weight": "132 lb", "height": "160 cm", "grip_strength": [12, "14 kg"],
            "asm": 12.5, "asm_method": "dxa", "gait_speed": 0.6, "conditions": ["copd"]})
    assert r.created and r.outcomes["ewgsop2"] == "severe_sarcopenia"
    with factory() as s:
        rows = {m.measure_id: m for m in s.scalars(select(Measurement))}
        assert rows["weight"].value_num == pytest.approx(59.87419284)  # 132 x 0.45359237
        assert (rows["weight"].unit, rows["weight"].unit_entered) == ("kg", "lb")
        assert (rows["grip_strength"].value_num, rows["grip_strength"].unit_entered) == (14.0, "kg")
        assert (rows["asm"].method, rows["conditions"].value_json) == ("dxa", ["copd"])
        assert {rows[k].entered_by for k in rows} == {ME} and rows["weight"].source == "clinic.yaml"
        assert "asm_method" not in rows and "sex" not in rows and "date" not in rows
        (a,) = s.scalars(select(Assessment))
        assert a.knowledge_version and a.inputs["weight"] == pytest.approx(59.87419284)
        assert a.outcomes["ewgsop2"] == a.verdicts["ewgsop2"]["outcome"] == "severe_sarcopenia"
        assert a.verdicts["ewgsop2"]["decided"] is True and a.verdicts["ewgsop2"]["in_population"] is True
        assert a.verdicts["fearon2011"]["in_population"] is not True  # COPD, no cancer recorded


def test_the_same_visit_twice_is_stored_once(factory: sessionmaker[Session], anna: str) -> None:
    data = {"date": "2025-01-10", "weight": 60}
    with factory.begin() as s:
        first = repo.add_visit(s, pseudonym=anna, data=data, actor=ME)
    with factory.begin() as s:
        again = repo.add_visit(s, pseudonym=anna, data=dict(data), actor=ME)
        assert (again.created, again.visit_id) == (False, first.visit_id)
        assert str(again) == f"visit {first.visit_id} on 2025-01-10 was already recorded; nothing added"
        assert (count(s, Visit), count(s, Measurement), count(s, Assessment)) == (1, 1, 1)


def test_every_bad_field_is_named_at_once_and_nothing_is_written(factory: sessionmaker[Session],
                                                                 anna: str) -> None:
    with factory.begin() as s, pytest.raises(RecordValidationError) as err:
        repo.add_visit(s, pseudonym=anna, actor=ME, data={
            "sex": "male", "grip_strength": 270, "weight": "60 stone", "colour": "blue"})
    assert [str(p) for p in err.value.problems] == [
        "sex: 'male' differs from the patient's recorded sex (female)",
        "date: required: the visit date (YYYY-MM-DD)",
        "grip_strength: 270 kg is implausible (expected 0–120 kg)",
        "weight: unknown unit 'stone' (accepted: kg, g, lb, lbs)",
        "colour: unknown field",
    ]
    with factory() as s:
        assert (count(s, Visit), count(s, Measurement)) == (0, 0)


def test_a_visit_in_the_future_is_refused(factory: sessionmaker[Session], anna: str) -> None:
    with factory.begin() as s, pytest.raises(RecordValidationError, match="is in the future"):
        repo.add_visit(s, pseudonym=anna, actor=ME, data={"date": "2999-01-01", "weight": 60})


def test_a_birth_date_beyond_the_age_range_is_refused_at_registration(factory: sessionmaker[Session]) -> None:
    # registered, every visit of the patient was then refused, naming a field the visit lacks
    with factory.begin() as s, pytest.raises(RecordValidationError, match=r"birth_date: 1890-01-01 gives an age of"):
        repo.add_patient(s, pseudonym="OLD", sex="F", birth_date="1890-01-01", actor=ME)
    with factory() as s:
        assert count(s, Patient) == 0


def test_an_earlier_visit_added_later_re_assesses_the_later_visits(factory: sessionmaker[Session],
                                                                   anna: str) -> None:
    with factory.begin() as s:
        late = repo.add_visit(s, pseudonym=anna, actor=ME, data={"date": "2025-06-01", "weight": 55.0})
    with factory() as s:
        (a,) = s.scalars(select(Assessment).where(Assessment.visit_id == late.visit_id))
        assert "weight_history" not in a.inputs  # no history yet
        assert rebuild(s, visit_id=late.visit_id, actor=ME).derived["weight_loss_percent_6m"] is None
    with factory.begin() as s:
        early = repo.add_visit(s, pseudonym=anna, actor=ME, data={"date": "2025-02-01", "weight": 60.0})
        assert early.reassessed == [late.visit_id]
    with factory() as s:
        latest = s.scalars(select(Assessment).where(Assessment.visit_id == late.visit_id)
                           .order_by(Assessment.id.desc())).first()
        assert latest is not None and latest.reason == "earlier visit added"
        # (60 - 55) / 60 = 8.33 % within 6 months, from the weight stored at the earlier visit
        assert latest.inputs["weight_history"] == [{"date": "2025-02-01", "weight": 60.0}]
        assert rebuild(s, visit_id=late.visit_id, actor=ME).derived["weight_loss_percent_6m"] == 8.33
        assert count(s, Assessment) == 3  # the first assessment of the late visit is kept


def test_a_correction_is_a_new_version_and_the_old_value_stays(factory: sessionmaker[Session],
                                                               anna: str) -> None:
    with factory.begin() as s:
        v = repo.add_visit(s, pseudonym=anna, actor=ME, data={"date": "2025-01-10", "grip_strength": 31,
                                                               "gait_speed": 0.6, "height": 160})
    with factory.begin() as s:
        new = repo.correct_measurement(s, visit_id=v.visit_id, measure_id="grip_strength", value="13 kg",
                                       reason="typed 31 for 13", actor="nurse")
        assert (new.version, new.value_num, new.reason) == (2, 13.0, "typed 31 for 13")
    with factory() as s:
        versions = s.execute(select(Measurement.version, Measurement.value_num, Measurement.supersedes_id)
                             .where(Measurement.measure_id == "grip_strength").order_by(Measurement.version)).all()
        assert [(ver, val) for ver, val, _ in versions] == [(1, 31.0), (2, 13.0)]
        view = repo.show_patient(s, pseudonym=anna, actor=ME)
        (grip,) = [m for m in view.visits[0].measurements if m.measure == "grip_strength"]
        assert (grip.value, grip.version) == (13.0, 2)
        assert view.visits[0].outcomes["ewgsop2"] == "probable_sarcopenia"  # re-assessed with 13 kg
    with factory.begin() as s:
        gone = repo.correct_measurement(s, visit_id=v.visit_id, measure_id="grip_strength", value=None,
                                        reason="wrong patient", actor="nurse")
        assert (gone.version, gone.value) == (3, None)
    with factory() as s:
        view = repo.show_patient(s, pseudonym=anna, actor=ME)
        assert [m.value for m in view.visits[0].measurements if m.measure == "grip_strength"] == [None]
        assert view.visits[0].outcomes["ewgsop2"] == "indeterminate"


def test_a_bad_correction_is_refused_with_its_reason(factory: sessionmaker[Session], anna: str) -> None:
    with factory.begin() as s:
        v = repo.add_visit(s, pseudonym=anna, actor=ME, data={"date": "2025-01-10", "grip_strength": 31})
    with factory.begin() as s, pytest.raises(RecordValidationError, match="grip_strength: 500 kg is implausible"):
        repo.correct_measurement(s, visit_id=v.visit_id, measure_id="grip_strength", value=500, reason="x",
                                 actor=ME)
    with factory.begin() as s, pytest.raises(RecordValidationError, match="reason: required"):
        repo.correct_measurement(s, visit_id=v.visit_id, measure_id="grip_strength", value=20, reason=" ",
                                 actor=ME)


def test_patients_are_unique_per_organisation_and_listed(factory: sessionmaker[Session], anna: str) -> None:
    with factory.begin() as s, pytest.raises(PatientExistsError):
        repo.add_patient(s, pseudonym=anna, sex="female", actor=ME)
    with factory.begin() as s:
        repo.add_patient(s, pseudonym=anna, sex="female", organisation_name="Leeds", actor=ME)
        repo.add_patient(s, pseudonym="BOB-02", sex="M", actor=ME)
    with factory.begin() as s:
        rows = repo.list_patients(s, actor=ME)
        assert [(r.pseudonym, r.organisation, r.sex) for r in rows] == [
            ("ANNA-01", "Leeds", "female"), ("ANNA-01", "default", "female"), ("BOB-02", "default", "male")]
        with pytest.raises(Exception, match="several organisations"):
            repo.find_patient(s, pseudonym=anna)
        assert repo.find_patient(s, pseudonym=anna, organisation_name="Leeds").organisation.name == "Leeds"
    with factory.begin() as s, pytest.raises(RecordValidationError, match="sex: 'x' is not one of male, female"):
        repo.add_patient(s, pseudonym="C", sex="x", birth_date="2999-01-01", actor=ME)


def test_deleting_a_patient_is_explicit_and_removes_their_data(factory: sessionmaker[Session],
                                                               anna: str) -> None:
    with factory.begin() as s:
        repo.add_visit(s, pseudonym=anna, actor=ME, data={"date": "2025-01-10", "weight": 60, "grip_strength": 20})
    with factory.begin() as s, pytest.raises(ConfirmationRequiredError):
        repo.delete_patient(s, pseudonym=anna, actor=ME)
    with factory.begin() as s:
        assert repo.delete_patient(s, pseudonym=anna, actor=ME, confirm=True) == {
            "visits": 1, "measurements": 2, "assessments": 1}
    with factory() as s:
        assert [count(s, m) for m in (Patient, Visit, Measurement, Assessment)] == [0, 0, 0, 0]
        assert count(s, AuditEvent) > 0  # the audit log outlives the patient
        with pytest.raises(PatientNotFoundError):
            repo.find_patient(s, pseudonym=anna)


def test_show_patient_gives_visits_in_date_order_with_changes(factory: sessionmaker[Session], anna: str) -> None:
    with factory.begin() as s:
        for d, grip in (("2025-05-01", 15.0), ("2025-01-01", 21.0)):
            repo.add_visit(s, pseudonym=anna, actor=ME, data={"date": d, "grip_strength": grip})
    with factory.begin() as s:
        view = repo.show_patient(s, pseudonym=anna, actor=ME)
    assert [v.date for v in view.visits] == [date(2025, 1, 1), date(2025, 5, 1)]
    assert [a.message for a in view.changes.alerts] == [
        "Grip strength fell 6 kg in 4 months (MCID 5 kg)",
        # -6 kg over 120 days = -18.26 kg/year; a woman of 80: -0.31 kg/year (Frederiksen 2006)
        "Grip strength changing -18.26 kg/year since 2025-01-01, faster than the -0.31 kg/year expected with age"]
    assert view.summary[0]["date"] == "2025-01-01" and "ewgsop2" in view.summary[0]
    assert view.to_dict()["visits"][1]["measurements"]["grip_strength"]["value"] == 15.0
    assert str(view).startswith("Patient ANNA-01 (female, born 1944-05-01), default, 2 visit(s)")


def test_correcting_a_method_versions_its_measure(factory: sessionmaker[Session], anna: str) -> None:
    with factory.begin() as s:
        v = repo.add_visit(s, pseudonym=anna, actor=ME, data={"date": "2025-01-10", "asm": "27 lb",
                                                               "asm_method": "dxa", "height": 160})
    with factory.begin() as s:
        new = repo.correct_measurement(s, visit_id=v.visit_id, measure_id="asm_method", value="bia",
                                       reason="scanner was BIA", actor=ME)
        assert (new.measure_id, new.method, new.version, new.unit_entered) == ("asm", "bia", 2, "lb")
        assert new.value_num == pytest.approx(12.24699399)  # the value is unchanged (27 lb)
    with factory.begin() as s, pytest.raises(RecordValidationError, match="asm_method: 'ct' is not one of"):
        repo.correct_measurement(s, visit_id=v.visit_id, measure_id="asm_method", value="ct", reason="x",
                                 actor=ME)


def test_weight_loss_definitions_see_the_stored_weights(factory: sessionmaker[Session], anna: str) -> None:
    """GLIM and Fearon are evaluated by myoscope.assess on the registry's own weight series."""
    from myoscope import load_knowledge

    if "fearon2011" not in load_knowledge().definitions:
        pytest.skip("the fearon2011 definition is not in this knowledge base")
    with factory.begin() as s:
        repo.add_visit(s, pseudonym=anna, actor=ME, data={"date": "2025-01-10", "weight": 60, "height": 158})
        later = repo.add_visit(s, pseudonym=anna, actor=ME, data={"date": "2025-05-10", "weight": 55.8})
    # (60 - 55.8) / 60 = 7.0 % within 4 months: Fearon's weight criterion (> 5 %) is met
    assert later.outcomes["fearon2011"] == "cachexia"


def test_the_full_assessment_is_rebuilt_from_what_is_stored(factory: sessionmaker[Session], anna: str) -> None:
    from myoscope.errors import RegistryError
    from myoscope.pathway import run_pathway as assess
    from myoscope.registry.assessing import assess_stored

    with factory.begin() as s:
        repo.add_visit(s, pseudonym=anna, actor=ME, data={"date": "2025-01-10", "weight": 60, "height": 160,
                                                          "grip_strength": 14, "gait_speed": 0.6})
        v = repo.add_visit(s, pseudonym=anna, actor=ME, data={"date": "2025-05-10", "weight": 55,
                                                              "grip_strength": 13})
    with factory.begin() as s:
        row = s.scalars(select(Assessment).where(Assessment.visit_id == v.visit_id)).one()
        full = rebuild(s, visit_id=v.visit_id, actor="reader")
        # the same assessment as assessing the stored inputs afresh, traces, work-up and plan included
        assert full.to_dict() == assess(row.inputs).to_dict()
        assert {k: r.outcome for k, r in full.results.items()} == row.outcomes
        assert full.results["fearon2011"].trace and full.plan is not None
        assert len(str(row.verdicts)) + len(str(row.inputs)) < len(str(full.to_dict())) / 10
        assert audit.events(s)[-1].entity == "assessment" and audit.events(s)[-1].action == "read"
        # a row made by another knowledge version cannot be rebuilt exactly: refused, not guessed
        older = assess_stored(row.inputs, "old")
        s.add(Assessment(visit_id=v.visit_id, knowledge_version="0.0-older", myoscope_version="0",
                         reason="test", outcomes={k: r.outcome for k, r in older.results.items()},
                         verdicts=row.verdicts, inputs=row.inputs, red_flags=row.red_flags))
        s.flush()
        with pytest.raises(RegistryError, match=r"assessed with knowledge 0\.0-older; this installation has"):
            rebuild(s, visit_id=v.visit_id, actor="reader")


def test_red_flags_are_stored_with_the_verdicts(factory: sessionmaker[Session]) -> None:
    """Safety information a patient list must show is kept, not only rebuilt on demand."""
    history = {"symptoms": {"weakness": True, "cramps": True, "numbness_tingling": False,
                            "visual_disturbance": False},
               "onset_age": 57, "tempo": "months", "course": "progressive", "distribution": ["asymmetric"],
               "signs": {"upper_motor_neuron": ["cervical"], "lower_motor_neuron": ["cervical"],
                         "sensory_loss": False}}
    with factory.begin() as s:
        repo.add_patient(s, pseudonym="M1", sex="male", birth_date="1967-01-01", actor=ME)
        v = repo.add_visit(s, pseudonym="M1", actor=ME, data={"date": "2025-01-01", "history": history})
        quiet = repo.add_visit(s, pseudonym="M1", actor=ME, data={"date": "2025-03-01", "weight": 70})
    with factory.begin() as s:
        row = s.scalars(select(Assessment).where(Assessment.visit_id == v.visit_id)).one()
        assert [(f["id"], f["urgency"]) for f in row.red_flags] == [("suspected_mnd", "urgent")]
        full = rebuild(s, visit_id=v.visit_id, actor=ME)
        assert full.workup is not None and row.red_flags == [f.to_dict() for f in full.workup.red_flags]
        assert s.scalars(select(Assessment.red_flags).where(Assessment.visit_id == quiet.visit_id)).one() == []


def test_the_plans_same_day_referrals_are_stored_beside_the_red_flags(factory: sessionmaker[Session]) -> None:
    """A supported cause's same-day referral can outrank every red flag: the list must see it too."""
    from ..records import WEEKS_PROGRESSIVE

    with factory.begin() as s:
        repo.add_patient(s, pseudonym="G1", sex="male", birth_date="1970-01-01", actor=ME)
        v = repo.add_visit(s, pseudonym="G1", actor=ME, data={"date": "2026-06-01", **WEEKS_PROGRESSIVE})
        quiet = repo.add_visit(s, pseudonym="G1", actor=ME, data={"date": "2026-09-01", "weight": 80})
    with factory.begin() as s:
        row = s.scalars(select(Assessment).where(Assessment.visit_id == v.visit_id)).one()
        assert [(f["id"], f["urgency"]) for f in row.red_flags] == [("rapidly_progressive_asymmetric_weakness", "urgent")]
        assert [(r["id"], r["urgency"], r["refer_to"]) for r in row.referrals or []] == [
            ("cause_acute_inflammatory_neuropathy", "emergency", "emergency department and neurology (same day)")]
        full = rebuild(s, visit_id=v.visit_id, actor=ME)
        assert full.plan is not None and [r["text"] for r in row.referrals or []] == [
            i.text for i in full.plan.same_day_referrals()]
        # the later visit carries no history: no referral, stored as an empty list (known), not None
        assert s.scalars(select(Assessment.referrals).where(Assessment.visit_id == quiet.visit_id)).one() == []


def _patient_id(s: Session, pseudonym: str) -> int:
    return repo.find_patient(s, pseudonym=pseudonym).id


def test_correcting_the_sex_re_assesses_every_visit_with_the_other_cut_offs(factory: sessionmaker[Session],
                                                                           anna: str) -> None:
    # grip 20 kg: not low for a woman (< 16 kg), low for a man (< 27 kg): EWGSOP2 (Cruz-Jentoft 2019, Table 3)
    with factory.begin() as s:
        first = repo.add_visit(s, pseudonym=anna, actor=ME, data={"date": "2025-01-10", "grip_strength": 20})
        repo.add_visit(s, pseudonym=anna, actor=ME, data={"date": "2025-06-10", "grip_strength": 20})
        assert first.outcomes["ewgsop2"] == "no_sarcopenia"
    with factory.begin() as s:
        before = count(s, Assessment)
        done = repo.correct_patient(s, patient_id=_patient_id(s, anna), sex="M", reason="registered as F by mistake",
                                    actor="nurse")
        assert done.changed == {"sex": ("female", "male")} and done.reassessed == 2
        assert str(done) == "patient ANNA-01: sex female -> male; 2 visit(s) re-assessed"
    with factory() as s:
        assert count(s, Assessment) == before + 2  # the earlier assessments are kept
        view = repo.show_patient(s, pseudonym=anna, actor=ME)
        assert {v.outcomes["ewgsop2"] for v in view.visits} == {"probable_sarcopenia"}
        rows = s.scalars(select(Assessment).order_by(Assessment.id.desc()).limit(2)).all()
        assert {r.reason for r in rows} == {repo.PATIENT_CORRECTED}
        event = s.scalars(select(AuditEvent).where(AuditEvent.entity == "patient", AuditEvent.action == "update")).one()
        assert (event.actor, event.details["reason"], event.details["sex"]) == (
            "nurse", "registered as F by mistake", {"old": "female", "new": "male"})


def test_correcting_the_birth_date_changes_the_age_at_each_visit(factory: sessionmaker[Session], anna: str) -> None:
    with factory.begin() as s:
        v = repo.add_visit(s, pseudonym=anna, actor=ME, data={"date": "2025-01-10", "grip_strength": 20})
    with factory.begin() as s:
        repo.correct_patient(s, patient_id=_patient_id(s, anna), birth_date="1964-05-01", reason="typo", actor=ME)
    with factory() as s:
        assert rebuild(s, visit_id=v.visit_id, actor=ME).record.values["age"] == 60
    with factory.begin() as s:  # a blank birth date makes it unknown
        done = repo.correct_patient(s, patient_id=_patient_id(s, anna), birth_date=None, reason="not known", actor=ME)
        assert done.changed == {"birth_date": (date(1964, 5, 1), None)}
    with factory() as s:
        assert rebuild(s, visit_id=v.visit_id, actor=ME).record.values.get("age") is None


def test_a_bad_patient_correction_names_every_problem_and_writes_nothing(factory: sessionmaker[Session]) -> None:
    with factory.begin() as s:
        repo.add_patient(s, pseudonym="BEN-02", sex="male", actor=ME)
        repo.add_visit(s, pseudonym="BEN-02", actor=ME, data={"date": "2025-01-10", "age": 70, "grip_strength": 20})
    with factory() as s:
        before = (count(s, Assessment), count(s, AuditEvent))
    with factory.begin() as s, pytest.raises(RecordValidationError) as caught:
        repo.correct_patient(s, patient_id=_patient_id(s, "BEN-02"), sex="x", birth_date="2999-01-01",
                             reason=" ", actor=ME)
    assert {p.path for p in caught.value.problems} == {"reason", "sex", "birth_date"}
    # a birth date that contradicts the age stored at a visit is refused, naming that visit
    with factory.begin() as s, pytest.raises(RecordValidationError, match="visit 2025-01-10, age: 70 contradicts"):
        repo.correct_patient(s, patient_id=_patient_id(s, "BEN-02"), birth_date="1980-01-01", reason="r", actor=ME)
    with factory() as s:
        assert (count(s, Assessment), count(s, AuditEvent)) == before
        assert s.scalars(select(Patient.birth_date)).one() is None


def test_a_correction_that_changes_nothing_writes_nothing(factory: sessionmaker[Session], anna: str) -> None:
    with factory.begin() as s:
        done = repo.correct_patient(s, patient_id=_patient_id(s, anna), sex="F", birth_date="1944-05-01",
                                    reason="checked", actor=ME)
        assert (done.changed, done.reassessed, done.summary) == ({}, 0, "patient ANNA-01: nothing to correct")
