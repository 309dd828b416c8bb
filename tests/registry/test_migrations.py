"""Migrations upgrade and downgrade on both backends, and the models match what they build."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from myoscope.registry import db
from myoscope.registry.models import Base

TABLES = {"organisations", "users", "patients", "visits", "measurements", "assessments", "audit_log",
          "web_sessions", "login_attempts"}


def tables(engine: object) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}  # type: ignore[arg-type]


def insert_audit_row(conn: object) -> None:
    conn.execute(text("INSERT INTO audit_log (at, actor, action, entity, details) "  # type: ignore[attr-defined]
                      "VALUES (CURRENT_TIMESTAMP, 't', 'create', 'x', '{}')"))


def test_upgrade_downgrade_upgrade(empty_url: str) -> None:
    engine = db.make_engine(empty_url)
    assert db.current_revision(engine) is None
    db.upgrade(engine)
    assert db.current_revision(engine) == db.head_revision() == "0003_web"
    assert tables(engine) == TABLES

    # at head the audit log refuses UPDATE; at 0001 (no triggers yet) the database allows it
    with engine.begin() as conn:
        insert_audit_row(conn)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'x'"))
    db.downgrade(engine, "0001")
    assert db.current_revision(engine) == "0001"
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'changed'"))
        assert conn.execute(text("SELECT actor FROM audit_log")).scalar_one() == "changed"

    db.downgrade(engine, "base")
    assert db.current_revision(engine) is None
    assert tables(engine) == set()
    db.upgrade(engine)
    assert tables(engine) == TABLES
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        insert_audit_row(conn)
        conn.execute(text("DELETE FROM audit_log"))
    engine.dispose()


def test_models_match_the_migrations(db_url: str) -> None:
    engine = db.make_engine(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    engine.dispose()
    assert diff == []


def test_code_refuses_a_database_behind_it(empty_url: str) -> None:
    from myoscope.errors import RegistryError

    engine = db.make_engine(empty_url)
    with pytest.raises(RegistryError, match="no registry schema"):
        db.require_current(engine)
    db.upgrade(engine, "0001")
    with pytest.raises(RegistryError, match="schema is at 0001, the code needs 0003_web"):
        db.require_current(engine)
    engine.dispose()
