"""Store each assessment's same-day referrals from the plan beside its red flags.

A supported cause can call for more than any red flag raised (weakness getting worse over weeks
raises an urgent flag, Guillain-Barré syndrome supported by the same record a same-day
referral), and the patient list shows the most urgent of both without rebuilding each visit.
Rows assessed before keep ``NULL``: not known, not "none" (re-assessing a visit fills it).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None
#: the column holds what the plan derives from the stored inputs; a later assessment makes it again
destructive_downgrade = None


def upgrade() -> None:
    with op.batch_alter_table("assessments") as batch:
        batch.add_column(sa.Column("referrals", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("assessments") as batch:
        batch.drop_column("referrals")
