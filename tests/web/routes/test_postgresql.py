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
