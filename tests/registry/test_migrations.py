"""Migrations upgrade and downgrade on both backends, and the models match what they build."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import DBAPIError

from myoscope.errors import ConfirmationRequiredError
from myoscope.pathway import run_pathway as assess
from myoscope.registry import db
from myoscope.registry.assessing import rebuild
from myoscope.registry.models import Assessment, Base

TABLES = {"organisations", "users", "patients", "visits", "measurements", "assessments", "audit_log",
          "web_sessions", "login_attempts", "api_tokens", "cds_feedback", "cds_jti"}


def tables(engine: object) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}  # type: ignore[arg-type]


def insert_audit_row(conn: object) -> None:
    conn.execute(text("INSERT INTO audit_log (at, actor, action, entity, details) "  # type: ignore[attr-defined]
                      "VALUES (CURRENT_TIMESTAMP, 't', 'create', 'x', '{}')"))


def test_upgrade_downgrade_upgrade(empty_url: str, tmp_path: Path) -> None:
    engine = db.make_engine(empty_url)
    assert db.current_revision(engine) is None
    db.upgrade(engine)
    assert db.current_revision(engine) == db.head_revision() == "0009"
    assert tables(engine) == TABLES

    # at head the audit log refuses UPDATE; at 0001 (no triggers yet) the database allows it
    with engine.begin() as conn:
        insert_audit_row(conn)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'x'"))
    with pytest.raises(ConfirmationRequiredError, match="undoing 0002 removes the triggers"):
        db.downgrade(engine, "0001")
    assert db.current_revision(engine) == "0009"  # refused: nothing undone
    saved = db.downgrade(engine, "0001", confirm=True, backup_to=tmp_path / "before-0001")
    assert saved == tmp_path / "before-0001" and saved.stat().st_size > 0
    assert db.current_revision(engine) == "0001"
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'changed'"))
        assert conn.execute(text("SELECT actor FROM audit_log")).scalar_one() == "changed"

    with pytest.raises(ConfirmationRequiredError, match="drops every table"):
        db.downgrade(engine, "base")
    db.downgrade(engine, "base", confirm=True, backup_to=tmp_path / "before-base")
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
    with pytest.raises(RegistryError, match="schema is at 0001, the code needs 0009"):
        db.require_current(engine)
    engine.dispose()


def test_0004_keeps_verdicts_and_inputs_of_stored_assessments(empty_url: str) -> None:
    """Rows written by 0003's schema (full JSON with traces) are converted, not lost."""
    engine = db.make_engine(empty_url)
    db.upgrade(engine, "0003")
    full = assess({"sex": "female", "age": 80, "date": "2025-01-10", "grip_strength": 14, "gait_speed": 0.6,
                   "asm": 12.5, "asm_method": "dxa", "height": 160})
    payload = json.loads(json.dumps(full.to_dict(), default=str))
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO organisations (name, created_at) VALUES ('o', CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO patients (organisation_id, pseudonym, sex, created_at, created_by) "
                          "VALUES (1, 'P', 'female', CURRENT_TIMESTAMP, 't')"))
        conn.execute(text("INSERT INTO visits (patient_id, visit_date, content_hash, created_at, created_by) "
                          "VALUES (1, '2025-01-10', 'h', CURRENT_TIMESTAMP, 't')"))
        conn.execute(text("INSERT INTO assessments (visit_id, created_at, knowledge_version, myoscope_version, "
                          "reason, outcomes, result) VALUES (1, CURRENT_TIMESTAMP, :k, :m, 'visit added', "
                          ":o, :r)"), {"k": full.knowledge_version, "m": full.myoscope_version,
                                       "o": json.dumps({k: r.outcome for k, r in full.results.items()}),
                                       "r": json.dumps(payload)})
    db.upgrade(engine)
    with db.session_factory(engine)() as s:
        row = s.scalars(select(Assessment)).one()
        assert row.inputs == payload["record"] and row.red_flags == payload["workup"]["red_flags"]
        assert row.verdicts["ewgsop2"] == {"outcome": "severe_sarcopenia", "decided": True,
                                           "decisive_measures": [], "possible_outcomes": [],
                                           "in_population": True}
        rebuilt = rebuild(s, visit_id=1, actor="t")  # the trace comes back from the inputs
        assert rebuilt.results["ewgsop2"].trace == full.results["ewgsop2"].trace
        s.rollback()
    db.downgrade(engine, "0003")
    with engine.connect() as conn:
        raw = conn.execute(text("SELECT result FROM assessments")).scalar_one()
    back = raw if isinstance(raw, dict) else json.loads(raw)  # psycopg decodes json itself
    assert back["record"] == payload["record"] and back["results"]["ewgsop2"]["outcome"] == "severe_sarcopenia"
    engine.dispose()
