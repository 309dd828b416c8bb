"""A body pydantic refuses still has the service's own checks run on the rest of it, and a
correction names an unknown measure together with the bad values of the known ones: one answer
names every bad field (the reviewer's cases: the rest used to surface only on a second request)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from .conftest import ApiWorld


def fields_of(r: Any, status: int = 422) -> list[str]:
    assert r.status_code == status, r.text[:300]
    return [p["field"] for p in r.json()["error"]["problems"]]


def test_a_new_patient_names_type_and_registry_problems_at_once(client: TestClient, api: ApiWorld) -> None:
    h = api.headers("alice")
    r = client.post(
        "/api/v1/patients", json={"pseudonym": "mb2", "sex": "x", "birth_date": "bad", "zzz": 1}, headers=h
    )
    assert fields_of(r) == ["body.zzz", "body.sex", "body.birth_date"]
    r = client.post("/api/v1/patients", json={"pseudonym": 123, "sex": "x", "birth_date": "bad"}, headers=h)
    assert fields_of(r) == ["body.pseudonym", "body.sex", "body.birth_date"]
    # a key pydantic named is not named twice (missing sex: pydantic's; no registry "required")
    r = client.post("/api/v1/patients", json={"pseudonym": "p\x00", "zzz": 1}, headers=h)
    assert fields_of(r) == ["body.sex", "body.zzz", "body.pseudonym"]
    assert client.get("/api/v1/patients?q=mb2", headers=h).json()["patients"] == []


def test_a_correction_names_unknown_measures_and_bad_values_at_once(
    client: TestClient, api: ApiWorld
) -> None:
    h = api.headers("alice")
    url = f"/api/v1/patients/{api.world.patient_a}/visits/{api.world.visit_a}/corrections"
    r = client.post(url, json={"changes": {"zzz": 1, "grip_strength": 1e300}, "reason": "x"}, headers=h)
    assert fields_of(r) == ["changes.zzz", "grip_strength"]
    # refused by pydantic (reason not text): the unknown measure is still named
    r = client.post(url, json={"changes": {"zzz": 1}, "reason": 5}, headers=h)
    assert fields_of(r) == ["body.reason", "body.changes.zzz"]


def test_simulate_names_the_records_problems_with_the_options(client: TestClient, api: ApiWorld) -> None:
    r = client.post(
        "/api/v1/simulate", json={"record": {"sex": "x", "age": 70}, "draws": 0}, headers=api.headers("alice")
    )
    assert fields_of(r) == ["body.draws", "body.record.sex"]
    r = client.post(
        "/api/v1/simulate",
        json={"record": {"sex": "male", "age": 70}, "draws": 0},
        headers=api.headers("alice"),
    )
    assert fields_of(r) == ["body.draws"]
