"""Registry fixtures: every database test runs on SQLite (a temporary file) and, when
MYOSCOPE_TEST_DATABASE_URL is set (``make test`` sets it), on that real PostgreSQL server too.

On PostgreSQL each test gets a fresh, uniquely named schema (selected through the connection's
``search_path``), dropped after the test, so tests never see each other's rows and the shared
``test`` database is left as it was.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from myoscope.registry import db

PG_URL = os.environ.get("MYOSCOPE_TEST_DATABASE_URL")
BACKENDS = ["sqlite", *(["postgresql"] if PG_URL else [])]


def pg_schema_url(schema: str) -> str:
    assert PG_URL
    url = make_url(PG_URL)
    return url.set(query={**url.query, "options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False)


@contextmanager
def pg_schema(prefix: str) -> Iterator[str]:
    """The URL of a new, empty, uniquely named schema on the test server, dropped afterwards."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL or "")
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield pg_schema_url(schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database (no schema yet) on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'registry.sqlite'}"
        return
    with pg_schema("myo_test") as url:
        yield url


@pytest.fixture
def db_url(empty_url: str) -> str:
    """A URL of a database migrated to the latest schema."""
    engine = db.make_engine(empty_url)
    db.upgrade(engine)
    engine.dispose()
    return empty_url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    e = db.make_engine(db_url)
    yield e
    e.dispose()


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return db.session_factory(engine)




@pytest.fixture
def reference_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    """A second migrated database on the same backend as ``db_url`` (to compare two ways of
    arriving at the same data)."""
    with (nullcontext(f"sqlite:///{tmp_path / 'reference.sqlite'}") if db_url.startswith("sqlite")
          else pg_schema("myo_ref")) as url:
        engine = db.make_engine(url)
        db.upgrade(engine)
        engine.dispose()
        yield url
