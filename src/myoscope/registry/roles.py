"""The PostgreSQL application role: everything the registry needs, and nothing over the audit log.

The triggers of migration 0002 refuse UPDATE, DELETE and TRUNCATE on ``audit_log``, but the
owner of a table can disable its triggers (``ALTER TABLE audit_log DISABLE TRIGGER ...``) or
drop it. So the role that runs migrations (the owner) must not be the role the application
runs as: the application role gets SELECT and INSERT on ``audit_log`` and no more, and the
ordinary data rights on every other table. Then neither the application nor anyone holding its
password can rewrite the log; only the owner can, and the owner's password stays with the
database administrator.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, text

from ..errors import RegistryError
from .models import AuditEvent, Base

#: tables the application reads and changes (deleting a patient cascades through them)
DATA_TABLES = tuple(t for t in Base.metadata.tables if t != AuditEvent.__tablename__)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def app_role_sql(role: str, schema: str, quote: Callable[[str], str] = _quote) -> list[str]:
    """The statements that give ``role`` the application's rights in ``schema``."""
    q = quote
    r, s = q(role), q(schema)
    tables = ", ".join(f"{s}.{q(t)}" for t in DATA_TABLES)
    return [
        f"GRANT USAGE ON SCHEMA {s} TO {r}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON {tables} TO {r}",
        f"GRANT SELECT, INSERT ON {s}.{q(AuditEvent.__tablename__)} TO {r}",
        f"GRANT SELECT ON {s}.alembic_version TO {r}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {s} TO {r}",
    ]


def grant_app_role(engine: Engine, role: str, *, dry_run: bool = False) -> list[str]:
    """Grant ``role`` the application's rights in the registry's schema; returns the SQL.

    :raises RegistryError: on SQLite, for a role that does not exist, or for the tables' owner
        (who can disable the audit triggers whatever is granted)."""
    if engine.dialect.name != "postgresql":
        raise RegistryError("application roles are a PostgreSQL feature; a SQLite file is protected "
                            "by file permissions")
    with engine.begin() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()
        owner = conn.execute(text("SELECT tableowner FROM pg_tables WHERE schemaname = :s "
                                  "AND tablename = :t"),
                             {"s": schema, "t": AuditEvent.__tablename__}).scalar_one_or_none()
        if owner is None:
            raise RegistryError(f"no registry schema in {schema}: run `myoscope db init` first")
        if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first() is None:
            raise RegistryError(f"role {role!r} does not exist: create it first "
                                f"(CREATE ROLE {role} LOGIN PASSWORD '...')")
        if role == owner:
            raise RegistryError(f"{role} owns the tables and could disable the audit triggers; the "
                                "application must run as another role")
        statements = app_role_sql(role, schema, conn.dialect.identifier_preparer.quote)
        if not dry_run:
            for sql in statements:
                conn.execute(text(sql))
    return statements
