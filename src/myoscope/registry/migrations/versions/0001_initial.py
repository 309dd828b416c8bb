"""Initial registry schema: organisations, users, patients, visits, measurements, assessments, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None
#: why undoing this migration loses data: `myoscope db downgrade` then needs --yes and a backup
destructive_downgrade = "drops every table, the patients' data and the audit log included"

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_organisations"),
        sa.UniqueConstraint("name", name="uq_organisations_name"),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(30), nullable=False),
        sa.Column("password_hash", sa.String(300), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name="fk_users_organisation_id_organisations"),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("username", name="uq_users_username"),
    )
    op.create_table(
        "patients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("pseudonym", sa.String(100), nullable=False),
        sa.Column("sex", sa.String(6), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name="fk_patients_organisation_id_organisations"),
        sa.PrimaryKeyConstraint("id", name="pk_patients"),
        sa.UniqueConstraint("organisation_id", "pseudonym", name="uq_patients_org_pseudonym"),
    )
    op.create_index("ix_patients_organisation_id", "patients", ["organisation_id"])
    op.create_table(
        "visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("visit_date", sa.Date(), nullable=False),
        sa.Column("setting", sa.String(20), nullable=True),
        sa.Column("source", sa.String(500), nullable=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"], ondelete="CASCADE",
                                name="fk_visits_patient_id_patients"),
        sa.PrimaryKeyConstraint("id", name="pk_visits"),
        sa.UniqueConstraint("patient_id", "content_hash", name="uq_visits_patient_content"),
    )
    op.create_index("ix_visits_patient_date", "visits", ["patient_id", "visit_date"])
    op.create_table(
        "measurements",
        sa.Column("id", BigId, nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.String(60), nullable=False),
        sa.Column("value_num", sa.Float(), nullable=True),
        sa.Column("value_json", sa.JSON(), nullable=True),
        sa.Column("unit", sa.String(20), nullable=True),
        sa.Column("unit_entered", sa.String(20), nullable=True),
        sa.Column("method", sa.String(20), nullable=True),
        sa.Column("source", sa.String(500), nullable=True),
        sa.Column("entered_by", sa.String(100), nullable=False),
        sa.Column("entered_at", TS, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("supersedes_id", BigId, nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["visit_id"], ["visits.id"], ondelete="CASCADE",
                                name="fk_measurements_visit_id_visits"),
        sa.ForeignKeyConstraint(["supersedes_id"], ["measurements.id"], ondelete="CASCADE",
                                name="fk_measurements_supersedes_id_measurements"),
        sa.PrimaryKeyConstraint("id", name="pk_measurements"),
    )
    op.create_index("ix_measurements_visit_measure", "measurements", ["visit_id", "measure_id"])
    op.create_index("ix_measurements_supersedes_id", "measurements", ["supersedes_id"])
    op.create_table(
        "assessments",
        sa.Column("id", BigId, nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("knowledge_version", sa.String(60), nullable=False),
        sa.Column("myoscope_version", sa.String(30), nullable=False),
        sa.Column("reason", sa.String(60), nullable=False),
        sa.Column("outcomes", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["visit_id"], ["visits.id"], ondelete="CASCADE",
                                name="fk_assessments_visit_id_visits"),
        sa.PrimaryKeyConstraint("id", name="pk_assessments"),
    )
    op.create_index("ix_assessments_visit_id", "assessments", ["visit_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", BigId, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("entity", sa.String(30), nullable=False),
        sa.Column("entity_id", sa.BigInteger(), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.CheckConstraint("action IN ('create', 'read', 'update', 'delete')", name="ck_audit_log_action"),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_patient", "audit_log", ["patient_id"])


def downgrade() -> None:
    for table in ("audit_log", "assessments", "measurements", "visits", "patients", "users", "organisations"):
        op.drop_table(table)
