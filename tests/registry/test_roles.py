"""The PostgreSQL application role: it runs the registry, and cannot rewrite the audit log."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from myoscope.errors import RegistryError
from myoscope.registry import db, repo
from myoscope.registry.roles import grant_app_role


@pytest.fixture
def app_role(engine: Engine) -> Iterator[str]:
    """A fresh login role (trust authentication on the test server), dropped afterwards."""
    if engine.dialect.name != "postgresql":
        pytest.skip("roles are a PostgreSQL feature")
    role = f"myo_app_{uuid.uuid4().hex[:10]}"
    with engine.begin() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN"))
    yield role
    with engine.begin() as conn:
        conn.execute(text(f"DROP OWNED BY {role}"))
        conn.execute(text(f"DROP ROLE {role}"))


def test_sqlite_has_no_roles(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("the SQLite case")
    with pytest.raises(RegistryError, match="PostgreSQL feature"):
        grant_app_role(engine, "anyone")


def test_the_application_role_works_but_cannot_touch_the_audit_log(engine: Engine, db_url: str,
                                                                   app_role: str) -> None:
    with pytest.raises(RegistryError, match="does not exist"):
        grant_app_role(engine, app_role + "_missing")
    owner = make_url(db_url).username or "postgres"
    with pytest.raises(RegistryError, match="owns the tables"):
        grant_app_role(engine, owner)
    statements = grant_app_role(engine, app_role)
    assert any(s.startswith("GRANT SELECT, INSERT ON ") and s.endswith(f".audit_log TO {app_role}")
               for s in statements)

    app_url = make_url(db_url).set(username=app_role).render_as_string(hide_password=False)
    app = db.make_engine(app_url)
    db.require_current(app)  # it may read the schema version
    from myoscope.cdshooks.replay import JtiLedger, ReplayedTokenError

    now = [1_000_000_000.0]  # the CDS Hooks replay check: its INSERT, the refusal of a replay,
    ledger = JtiLedger(app, clock=lambda: now[0])  # and the purge's DELETE of expired rows
    ledger.once("https://ehr.test", "old", now[0] + 60)
    with pytest.raises(ReplayedTokenError):
        ledger.once("https://ehr.test", "old", now[0] + 60)
    now[0] += 3600
    ledger.once("https://ehr.test", "new", now[0] + 60)
    with app.connect() as conn:
        assert conn.execute(text("SELECT jti FROM cds_jti")).scalars().all() == ["new"]
    with db.session_factory(app).begin() as s:  # and do the registry's work, audited
        repo.add_patient(s, pseudonym="P1", sex="F", birth_date="1950-01-01", actor="app")
        repo.add_visit(s, pseudonym="P1", data={"date": "2025-01-01", "weight": 60}, actor="app")
    with db.session_factory(app).begin() as s:
        repo.delete_patient(s, pseudonym="P1", actor="app", confirm=True)
    for sql, refusal in [("UPDATE audit_log SET actor = 'mallory'", "permission denied"),
                         ("DELETE FROM audit_log", "permission denied"),
                         ("TRUNCATE audit_log", "permission denied"),
                         ("ALTER TABLE audit_log DISABLE TRIGGER USER", "must be owner"),
                         ("DROP TABLE audit_log", "must be owner")]:
        with pytest.raises(DBAPIError, match=refusal), app.begin() as conn:
            conn.execute(text(sql))
    with app.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one() == 4  # patient, visit, assessment, delete
    app.dispose()

    # what the docs warn of: the owner can switch the triggers off, so the application must not be it
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        conn.execute(text("UPDATE audit_log SET actor = 'owner'"))
        conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
