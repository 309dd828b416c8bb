"""CDS Hooks JWT replay check shared by every worker: the (iss, jti) pairs seen, until they expire.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
#: dropping the table forgets which tokens were seen: no patient data; a token seen just before
#: could be replayed until its ``exp`` passes (client tokens live minutes)
destructive_downgrade = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cds_jti",
        sa.Column("iss", sa.String(255), nullable=False),
        sa.Column("jti", sa.String(255), nullable=False),
        sa.Column("exp", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("iss", "jti", name="pk_cds_jti"),
    )
    op.create_index("ix_cds_jti_exp", "cds_jti", ["exp"])


def downgrade() -> None:
    op.drop_index("ix_cds_jti_exp", table_name="cds_jti")
    op.drop_table("cds_jti")
