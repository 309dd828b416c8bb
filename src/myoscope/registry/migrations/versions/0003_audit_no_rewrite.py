"""Stop REPLACE and UPSERT from rewriting an audit row on SQLite.

``REPLACE INTO audit_log`` (and ``INSERT OR REPLACE``) with the id of an existing row deletes
that row and inserts a new one; the delete is implicit and fires no DELETE trigger (SQLite runs
triggers for it only with ``PRAGMA recursive_triggers``), so migration 0002 did not stop it. A
BEFORE INSERT trigger that refuses an id already present stops REPLACE, INSERT OR REPLACE and
``INSERT ... ON CONFLICT DO UPDATE`` alike, whatever the connection's pragmas. PostgreSQL has
no REPLACE, and its ``ON CONFLICT DO UPDATE`` fires the UPDATE trigger of 0002.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None
destructive_downgrade = "removes the trigger that stops REPLACE rewriting audit rows (SQLite)"

MESSAGE = "audit_log is append-only"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"""
            CREATE TRIGGER audit_log_no_rewrite BEFORE INSERT ON audit_log
            WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id)
            BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER audit_log_no_rewrite")
