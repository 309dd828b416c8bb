"""Alembic environment for the registry.

``myoscope db upgrade`` runs migrations programmatically and hands this script an open
connection (``config.attributes["connection"]``); the alembic command line, if used, falls back
to the URL myoscope would use (``MYOSCOPE_DATABASE_URL`` or the default SQLite file).
SQLite cannot ALTER most things in place, so migrations run in batch mode there.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from myoscope.registry.db import database_url, make_engine
from myoscope.registry.models import Base


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(context.config.get_main_option("sqlalchemy.url") or database_url())
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()


run_migrations_online()
