"""The visit form: generated from the catalog; empty is unknown; every bad field named; nothing lost."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import select

from myoscope.measures import load_catalog
from myoscope.registry.models import Measurement, Visit
from myoscope.web.forms import record_data, visit_fields

from ..conftest import World, csrf_of


def test_every_catalog_measure_has_a_labelled_field(alice: TestClient, world: World) -> None:
    html = alice.get(f"/patients/{world.patient_a}/visits/new").text
    shown = {f.measure for f in visit_fields()}
    for m in load_catalog().measures.values():
        if m.kind in ("quantity", "bool", "enum") and m.id not in ("sex", "age"):
            assert m.id in shown, m.id
    for f in visit_fields():
        if f.kind != "conditions":
            assert f'<label for="f-{f.name}">{escape(f.label)}' in html, f.name
        if len(f.units) > 1:
            assert f'name="unit.{f.name}"' in html


def test_empty_fields_are_unknown_not_zero() -> None:
    fields = visit_fields()
    data = record_data({"grip_strength": "", "gait_speed": " ", "fatigue": "", "weight": "70",
                        "unit.weight": "lb", "sarc_f.falls": "", "conditions": []}, fields)
    assert data == {"weight": "70 lb"}


def test_bad_fields_are_all_named_and_the_form_comes_back_filled(alice: TestClient, world: World) -> None:
    url = f"/patients/{world.patient_a}/visits"
    token = csrf_of(alice.get(url + "/new").text)
    r = alice.post(url, data={"csrf_token": token, "date": "2026-07-01", "grip_strength": "abc",
                              "gait_speed": "40", "weight": "61.5", "unit.weight": "kg"})
    assert r.status_code == 422
    assert 'data-testid="problem-grip_strength"' in r.text and 'data-testid="problem-gait_speed"' in r.text
    assert 'data-testid="problem-weight"' not in r.text
    assert 'value="abc"' in r.text and 'value="61.5"' in r.text and 'value="2026-07-01"' in r.text
    with world.app.state.sessions() as s:
        assert len(list(s.scalars(select(Visit).where(Visit.patient_id == world.patient_a)))) == 1


def test_bad_date_is_named_with_the_other_fields(alice: TestClient, world: World) -> None:
    url = f"/patients/{world.patient_a}/visits"
    token = csrf_of(alice.get(url + "/new").text)
    r = alice.post(url, data={"csrf_token": token, "date": "01/07/2026", "grip_strength": "-3"})
    assert r.status_code == 422
    assert 'data-testid="problem-date"' in r.text and 'data-testid="problem-grip_strength"' in r.text


def test_a_good_visit_is_stored_in_canonical_units_and_assessed(alice: TestClient, world: World) -> None:
    url = f"/patients/{world.patient_a}/visits"
    token = csrf_of(alice.get(url + "/new").text)
    r = alice.post(url, data={"csrf_token": token, "date": "2026-09-01", "grip_strength": "22", "unit.grip_strength":
                              "lb", "gait_speed": "0.7", "sarc_f.falls": "1"}, follow_redirects=False)
    assert r.status_code == 303
    with world.app.state.sessions() as s:
        v = s.scalars(select(Visit).where(Visit.patient_id == world.patient_a, Visit.visit_date == date(2026, 9, 1))).one()
        grip = s.scalars(select(Measurement).where(Measurement.visit_id == v.id,
                                                   Measurement.measure_id == "grip_strength")).one()
    assert grip.unit == "kg" and grip.unit_entered == "lb" and abs(grip.value_num - 22 * 0.45359237) < 1e-9
    page = alice.get(r.headers["location"]).text
    assert "2026-09-01" in page
