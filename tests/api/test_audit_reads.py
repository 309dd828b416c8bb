"""Every read of patient data through the API writes the audit row the web app writes for it:
who, which patient, the organisation, the address, the request id (the response's
X-Request-Id), and ``via: api``; in the request's transaction."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from myoscope.registry.models import AuditEvent

from .conftest import ApiWorld


def rows_of(api: ApiWorld, request_id: str) -> list[AuditEvent]:
    with api.world.app.state.sessions() as s:
        return [e for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))
                if e.details.get("request_id") == request_id]


READS: list[tuple[str, str, dict[str, Any]]] = [
    # path, entity, what the row must hold (besides actor, request id and via)
    ("/patients", "patient_list", {"patient_ids": ["{pa}"]}),
    ("/patients/{pa}", "patient", {"patient_id": "{pa}", "entity_id": "{pa}"}),
    ("/patients/{pa}/visits", "patient", {"patient_id": "{pa}", "visit_ids": ["{va}"]}),
    ("/patients/{pa}/visits/{va}", "visit", {"patient_id": "{pa}", "entity_id": "{va}"}),
    ("/patients/{pa}/visits/{va}/assessment", "assessment", {"patient_id": "{pa}", "visit_id": "{va}"}),
    ("/alerts", "alerts", {"organisation": "Clinic A"}),
    ("/audit", "audit_log", {}),
]


@pytest.mark.parametrize(("path", "entity", "holds"), READS, ids=[r[0] for r in READS])
def test_each_read_is_audited(client: TestClient, api: ApiWorld, path: str, entity: str,
                              holds: dict[str, Any]) -> None:
    ids = {"{pa}": api.world.patient_a, "{va}": api.world.visit_a}

    def fill(v: Any) -> Any:
        return [fill(x) for x in v] if isinstance(v, list) else ids.get(v, v) if isinstance(v, str) else v

    for k, v in ids.items():
        path = path.replace(k, str(v))
    user = "adam" if entity == "audit_log" else "alice"
    r = client.get(f"/api/v1{path}", headers=api.headers(user))
    assert r.status_code == 200, r.text[:200]
    rows = rows_of(api, r.headers["x-request-id"])
    assert [(e.action, e.entity, e.actor) for e in rows] == [("read", entity, user)]
    row = rows[0]
    assert row.details["via"] == "api" and row.details["address"] == "testclient"
    flat = {"patient_id": row.patient_id, "entity_id": row.entity_id, **row.details}
    for key, value in holds.items():
        assert flat[key] == fill(value), (key, flat)
    if entity not in ("alerts",):
        assert row.details["organisation"] == "Clinic A"


def test_a_refused_or_foreign_read_is_not_a_read(client: TestClient, api: ApiWorld) -> None:
    r = client.get(f"/api/v1/patients/{api.world.patient_b}", headers=api.headers("alice"))
    assert r.status_code == 404 and rows_of(api, r.headers["x-request-id"]) == []
    r = client.get(f"/api/v1/patients/{api.world.patient_a}", headers=api.headers("rita"))
    assert r.status_code == 403 and rows_of(api, r.headers["x-request-id"]) == []


def test_writes_are_audited_with_the_request(client: TestClient, api: ApiWorld) -> None:
    r = client.post("/api/v1/patients", json={"pseudonym": "api-7", "sex": "male"}, headers=api.headers("alice"))
    assert r.status_code == 201 and r.headers["location"] == f"/api/v1/patients/{r.json()['id']}"
    rows = [(e.action, e.entity) for e in rows_of(api, r.headers["x-request-id"])]
    assert rows == [("create", "api_request"), ("read", "patient")]
    with api.world.app.state.sessions() as s:  # and the registry's own row of the new patient
        created = s.scalars(select(AuditEvent).where(AuditEvent.entity == "patient",
                                                     AuditEvent.action == "create")).all()
    assert [e.details["pseudonym"] for e in created][-1] == "api-7"
