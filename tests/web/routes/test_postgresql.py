"""The same app on the real PostgreSQL server (when MYOSCOPE_TEST_DATABASE_URL is set): the list's
red flags read inside the stored JSON, the patient page, organisation isolation."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from ..conftest import World, login, world_in_pg_schema

PG = os.environ.get("MYOSCOPE_TEST_DATABASE_URL")
pytestmark = pytest.mark.skipif(not PG, reason="MYOSCOPE_TEST_DATABASE_URL is not set")


@pytest.fixture
def pg_world() -> Iterator[World]:
    assert PG
    with world_in_pg_schema(PG, "myo_web") as world:
        yield world


def test_pages_and_isolation_on_postgresql(pg_world: World) -> None:
    with TestClient(pg_world.app) as c:
        login(c, "alice")
        listing = c.get("/patients")
        assert "pa-001" in listing.text and "pb-001" not in listing.text
        assert 'data-testid="verdict-ewgsop2"' in c.get(f"/patients/{pg_world.patient_a}").text
        assert c.get(f"/patients/{pg_world.patient_b}").status_code == 404
        assert c.get(f"/patients/{pg_world.patient_a}/timeline.svg").headers["content-type"].startswith("image/svg")


def test_a_nul_is_refused_not_a_500_on_postgresql(pg_world: World) -> None:
    """PostgreSQL cannot compare or store a NUL character: in the address every page answers
    400 (as the API answers 422); in a form the form comes back naming the field; at sign-in it
    is a wrong user name. Each was a 500 here (and a quiet 200 on SQLite)."""
    from ..conftest import csrf_of

    with TestClient(pg_world.app, raise_server_exceptions=False) as c:
        token = csrf_of(c.get("/login").text)
        r = c.post("/login", data={"csrf_token": token, "username": "a\x00", "password": "x", "next": "/"})
        assert r.status_code == 401
        login(c, "adam")
        for url in ("/patients?q=%00", "/admin/audit?actor=%00", "/admin/audit?entity=a%00",
                    f"/patients/{pg_world.patient_a}/projection.svg?scenario=%00"):
            assert c.get(url).status_code == 400, url
        token = csrf_of(c.get("/admin/users").text)
        r = c.post("/admin/users", data={"csrf_token": token, "username": "a\x00b", "display_name": "x\x00",
                                         "role": "clinician", "password": "p" * 13})
        assert r.status_code == 422
        assert 'data-testid="problem-username"' in r.text and 'data-testid="problem-display_name"' in r.text
        r = c.post("/patients", data={"csrf_token": token, "pseudonym": "a\x00", "sex": "male"})
        assert r.status_code == 422 and 'data-testid="problem-pseudonym"' in r.text
        assert c.get("/patients?q=pa").status_code == 200  # nothing was left broken
