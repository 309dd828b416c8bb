"""Web app fixtures: an app on a temporary SQLite file with two organisations, in-process.

Organisation A ("Clinic A") has a clinician, an admin and a researcher, and a patient with one
visit; organisation B ("Clinic B") has a clinician and a patient of its own. Password hashing
uses argon2's lowest cost here (the app's default cost is pwdlib's recommended one).
"""

from __future__ import annotations

import contextlib
import re
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
warnings.filterwarnings("ignore", message=".*httpx2.*")

from fastapi import FastAPI  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from myoscope.registry import repo  # noqa: E402
from myoscope.web.accounts import create_user  # noqa: E402
from myoscope.web.app import create_app  # noqa: E402
from myoscope.web.settings import WebSettings  # noqa: E402

PASSWORD = "a-long-test-password"
VISIT = {
    "height": "160 cm",
    "weight": "50 kg",
    "grip_strength": "12 kg",
    "gait_speed": 0.6,
    "asm": 12,
    "asm_method": "dxa",
    "chair_stand_time": 17,
}


@dataclass
class World:
    app: FastAPI
    patient_a: int
    patient_b: int
    visit_a: int
    visit_b: int


def settings_for(path: Path, **extra: object) -> WebSettings:
    values: dict[str, object] = {"database_url": f"sqlite:///{path}", "migrate_on_start": True,
                                 "argon2_time_cost": 1, "argon2_memory_kib": 64,
                                 "secret_key": "test-secret-key-0123456789", **extra}
    return WebSettings.model_validate(values)


@contextlib.contextmanager
def world_in_pg_schema(pg_url: str, prefix: str) -> Iterator[World]:
    """A world on the real PostgreSQL server, in a schema of its own dropped afterwards (tests
    on the shared server never see each other's rows)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(pg_url)
    url = url.set(query={**url.query, "options": f"-csearch_path={schema}"})
    world = build_world(Path("unused"), database_url=url.render_as_string(hide_password=False))
    try:
        yield world
    finally:
        world.app.state.engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def build_world(path: Path, **extra: object) -> World:
    app = create_app(settings_for(path, **extra))
    pw = app.state.passwords
    with app.state.sessions.begin() as s:
        for name, role, org in (
            ("alice", "clinician", "Clinic A"),
            ("adam", "admin", "Clinic A"),
            ("rita", "researcher", "Clinic A"),
            ("bob", "clinician", "Clinic B"),
        ):
            create_user(s, pw, username=name, password=PASSWORD, role=role, organisation=org, actor="test")
        a = repo.add_patient(
            s,
            pseudonym="pa-001",
            sex="female",
            birth_date=date(1944, 3, 1),
            organisation_name="Clinic A",
            actor="test",
        )
        b = repo.add_patient(
            s,
            pseudonym="pb-001",
            sex="male",
            birth_date=date(1950, 5, 5),
            organisation_name="Clinic B",
            actor="test",
        )
        va = repo.add_visit(
            s,
            pseudonym="pa-001",
            data=VISIT,
            organisation_name="Clinic A",
            visit_date=date(2026, 6, 1),
            actor="test",
        )
        vb = repo.add_visit(
            s,
            pseudonym="pb-001",
            data=VISIT,
            organisation_name="Clinic B",
            visit_date=date(2026, 6, 1),
            actor="test",
        )
        ids = (a.id, b.id, va.visit_id, vb.visit_id)
    return World(app, *ids)


@pytest.fixture
def world(tmp_path: Path) -> World:
    return build_world(tmp_path / "web.sqlite")


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with TestClient(world.app, base_url="http://testserver") as c:
        yield c


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]*)"', html)
    assert m, "no CSRF token in the page"
    return m.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD) -> TestClient:
    page = client.get("/login")
    r = client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": csrf_of(page.text),
            "next": "/patients",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return client


@pytest.fixture
def alice(client: TestClient) -> TestClient:
    return login(client, "alice")
