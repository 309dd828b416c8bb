"""PATCH a patient: the sex or birth date corrected with a reason, every visit re-assessed; a stale
If-Match, a bad value or another organisation's patient writes nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from myoscope.registry.models import Assessment

from .conftest import ApiWorld
from .test_every_problem_at_once import fields_of


def _assessments(api: ApiWorld) -> int:
    with api.world.app.state.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(Assessment)) or 0)


def test_a_correction_re_assesses_and_answers_the_new_patient_and_its_etag(client: TestClient,
                                                                           api: ApiWorld) -> None:
    h = api.headers("alice")
    url = f"/api/v1/patients/{api.world.patient_a}"
    tag = client.get(url, headers=h).headers["etag"]
    before = _assessments(api)
    body = {"sex": "male", "reason": "registered as female by mistake"}
    stale = client.patch(url, json=body, headers={**h, "If-Match": '"not-the-tag"'})
    assert stale.status_code == 412 and "the patient has changed" in stale.json()["error"]["message"]
    assert _assessments(api) == before

    done = client.patch(url, json=body, headers={**h, "If-Match": tag})
    assert done.status_code == 200, done.text
    assert done.json()["corrected"] == {"pseudonym": "pa-001", "reassessed": 1,
                                        "changed": {"sex": {"old": "female", "new": "male"}}}
    patient = done.json()["patient"]
    assert patient["sex"] == "male" and patient["birth_date"] == "1944-03-01"  # left out: kept
    assert done.headers["etag"] == client.get(url, headers=h).headers["etag"] != tag
    assert _assessments(api) == before + 1

    cleared = client.patch(url, json={"birth_date": None, "reason": "not known"}, headers=h)
    assert cleared.json()["patient"]["birth_date"] is None and cleared.json()["patient"]["sex"] == "male"


def test_every_bad_field_is_named_at_once_and_nothing_is_written(client: TestClient, api: ApiWorld) -> None:
    h = api.headers("alice")
    url = f"/api/v1/patients/{api.world.patient_a}"
    before = _assessments(api)
    assert fields_of(client.patch(url, json={"sex": "x", "birth_date": "2999-01-01", "reason": " "}, headers=h)) == [
        "reason", "sex", "birth_date"]
    # pydantic's problems and the registry's together
    assert fields_of(client.patch(url, json={"sex": 5, "birth_date": "bad", "reason": "", "zzz": 1}, headers=h)) == [
        "body.sex", "body.zzz", "body.reason", "body.birth_date"]
    assert _assessments(api) == before
    foreign = client.patch(f"/api/v1/patients/{api.world.patient_b}", json={"sex": "female", "reason": "r"}, headers=h)
    assert foreign.status_code == 404
