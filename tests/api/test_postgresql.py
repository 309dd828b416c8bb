"""The API on the real PostgreSQL server (when MYOSCOPE_TEST_DATABASE_URL is set): tokens, scoped
reads with their audit rows, paging, a correction guarded by its ETag, and the text PostgreSQL
refuses (a NUL byte) answered as a 4xx."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from myoscope.registry.tokens import create_token

from ..web.conftest import world_in_pg_schema
from .conftest import ApiWorld

PG = os.environ.get("MYOSCOPE_TEST_DATABASE_URL")
pytestmark = pytest.mark.skipif(not PG, reason="MYOSCOPE_TEST_DATABASE_URL is not set")


@pytest.fixture
def pg_api() -> Iterator[ApiWorld]:
    assert PG
    with world_in_pg_schema(PG, "myo_api") as world:
        with world.app.state.sessions.begin() as s:
            tokens = {n: create_token(s, username=n, name="pg", actor="t")[0] for n in ("alice", "adam", "bob")}
        yield ApiWorld(world, tokens)


def test_the_api_on_postgresql(pg_api: ApiWorld) -> None:
    w, h = pg_api.world, pg_api.headers("alice")
    with TestClient(w.app, raise_server_exceptions=False) as c:
        assert [p["pseudonym"] for p in c.get("/api/v1/patients", headers=h).json()["patients"]] == ["pa-001"]
        assert c.get(f"/api/v1/patients/{w.patient_b}", headers=h).status_code == 404
        for i in range(3):
            assert c.post("/api/v1/patients", json={"pseudonym": f"pg-{i}", "sex": "male"},
                          headers=h).status_code == 201
        first = c.get("/api/v1/patients?limit=2", headers=h).json()
        second = c.get(f"/api/v1/patients?limit=2&after={first['next_after']}", headers=h).json()
        assert [p["pseudonym"] for p in first["patients"] + second["patients"]] == ["pa-001", "pg-0", "pg-1",
                                                                                     "pg-2"]
        url = f"/api/v1/patients/{w.patient_a}/visits/{w.visit_a}"
        tag = c.get(url, headers=h).headers["etag"]
        body = {"changes": {"grip_strength": "14 kg"}, "reason": "typo"}
        assert c.post(f"{url}/corrections", json=body, headers={**h, "If-Match": '"x"'}).status_code == 412
        assert c.post(f"{url}/corrections", json=body, headers={**h, "If-Match": tag}).status_code == 200
        assert c.get("/api/v1/patients?q=a%00b", headers=h).status_code == 422
        assert c.post(f"{url}/corrections", json={**body, "reason": "a\x00"}, headers=h).status_code == 422
        assert c.post("/api/v1/patients", json={"pseudonym": "x\x00", "sex": "male"}, headers=h).status_code == 422
        log = c.get("/api/v1/audit?entity=visit&action=read", headers=pg_api.headers("adam")).json()
        assert log["total"] == 2 and all(r["details"]["via"] == "api" for r in log["rows"])
        assert c.get("/api/v1/alerts", headers=h).status_code == 200
        assert c.get("/api/v1/alerts?after=WyI5OTk5OTk5OTk5OTk5OTk5OTkiXQ", headers=h).status_code == 400


def test_a_report_on_postgresql_is_audited_and_scoped(pg_api: ApiWorld) -> None:
    w, h = pg_api.world, pg_api.headers("alice")
    with TestClient(w.app, raise_server_exceptions=False) as c:
        r = c.get(f"/api/v1/patients/{w.patient_a}/report?format=html&audience=patient", headers=h)
        assert r.status_code == 200 and "What we found" in r.text
        assert c.get(f"/api/v1/patients/{w.patient_b}/report", headers=h).status_code == 404
        log = c.get("/api/v1/audit?entity=report", headers=pg_api.headers("adam")).json()
        assert log["total"] == 1 and log["rows"][0]["details"]["audience"] == "patient"
