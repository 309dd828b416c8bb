"""Store an assessment's verdicts and inputs instead of its full JSON with traces.

The full assessment (every comparison of every definition, with citations) took about 90 KiB
per visit. A row now keeps each definition's outcome, decided flag, decisive measures, possible
outcomes and population flag (``verdicts``), the record assessed (``inputs``) and the cause
work-up's red flags (``red_flags``, safety information); the trace is rebuilt
from them and the recorded knowledge version on demand. Existing rows are converted: their
record becomes the inputs, their results the verdicts.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None
destructive_downgrade = None

KEPT = ("outcome", "decided", "decisive_measures", "possible_outcomes", "in_population")
BATCH = 1000

assessments = sa.table("assessments", sa.column("id", sa.BigInteger()), sa.column("result", sa.JSON()),
                       sa.column("verdicts", sa.JSON()), sa.column("inputs", sa.JSON()),
                       sa.column("red_flags", sa.JSON()),
                       sa.column("knowledge_version", sa.String()),
                       sa.column("myoscope_version", sa.String()))


def _convert(select_cols: list[sa.ColumnElement[object]], make: object) -> None:
    conn = op.get_bind()
    last = 0
    while True:
        rows = conn.execute(sa.select(assessments.c.id, *select_cols).where(assessments.c.id > last)
                            .order_by(assessments.c.id).limit(BATCH)).all()
        if not rows:
            return
        for row in rows:
            conn.execute(assessments.update().where(assessments.c.id == row[0]).values(**make(row)))  # type: ignore[operator]
        last = rows[-1][0]


def upgrade() -> None:
    with op.batch_alter_table("assessments") as batch:
        batch.add_column(sa.Column("verdicts", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("inputs", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("red_flags", sa.JSON(), nullable=True))
    _convert([assessments.c.result], lambda row: {
        "verdicts": {k: {f: r.get(f) for f in KEPT} for k, r in (row[1].get("results") or {}).items()},
        "inputs": row[1].get("record") or {},
        "red_flags": (row[1].get("workup") or {}).get("red_flags") or []})
    with op.batch_alter_table("assessments") as batch:
        batch.alter_column("verdicts", existing_type=sa.JSON(), nullable=False)
        batch.alter_column("inputs", existing_type=sa.JSON(), nullable=False)
        batch.alter_column("red_flags", existing_type=sa.JSON(), nullable=False)
        batch.drop_column("result")


def downgrade() -> None:
    with op.batch_alter_table("assessments") as batch:
        batch.add_column(sa.Column("result", sa.JSON(), nullable=True))
    _convert([assessments.c.verdicts, assessments.c.inputs, assessments.c.knowledge_version,
              assessments.c.myoscope_version, assessments.c.red_flags], lambda row: {"result": {
                  "myoscope_version": row[4], "knowledge_version": row[3], "record": row[2],
                  "results": row[1], "workup": {"red_flags": row[5]}}})
    with op.batch_alter_table("assessments") as batch:
        batch.alter_column("result", existing_type=sa.JSON(), nullable=False)
        batch.drop_column("verdicts")
        batch.drop_column("inputs")
        batch.drop_column("red_flags")
