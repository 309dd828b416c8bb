"""The same app on the real PostgreSQL server (when MYOSCOPE_TEST_DATABASE_URL is set): the list's
red flags read inside the stored JSON, the patient page, organisation isolation."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ..conftest import World, build_world, login

PG = os.environ.get("MYOSCOPE_TEST_DATABASE_URL")
pytestmark = pytest.mark.skipif(not PG, reason="MYOSCOPE_TEST_DATABASE_URL is not set")


@pytest.fixture
def pg_world(tmp_path: Path) -> Iterator[World]:
    assert PG
    schema = f"myo_web_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(PG)
    url = url.set(query={**url.query, "options": f"-csearch_path={schema}"})
    world = build_world(Path("unused"), database_url=url.render_as_string(hide_password=False))
    try:
        yield world
    finally:
        world.app.state.engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_pages_and_isolation_on_postgresql(pg_world: World) -> None:
    with TestClient(pg_world.app) as c:
        login(c, "alice")
        listing = c.get("/patients")
        assert "pa-001" in listing.text and "pb-001" not in listing.text
        assert 'data-testid="verdict-ewgsop2"' in c.get(f"/patients/{pg_world.patient_a}").text
        assert c.get(f"/patients/{pg_world.patient_b}").status_code == 404
        assert c.get(f"/patients/{pg_world.patient_a}/timeline.svg").headers["content-type"].startswith("image/svg")
