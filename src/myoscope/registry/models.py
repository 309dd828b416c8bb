"""The registry's tables (SQLAlchemy 2 typed ORM). The schema itself is built by the migrations.

Design rules the tables encode:
- a measurement row is never changed: a correction is a new row with ``version + 1`` that names
  the row it supersedes; the current value is the row nothing supersedes;
- an assessment row is never changed either: re-assessment adds a row (latest wins);
- the audit log has no foreign key to the patient, so it outlives a deleted patient;
- deleting a patient removes its visits, measurements and assessments by ``ON DELETE CASCADE``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

AUDIT_ACTIONS = ("create", "read", "update", "delete")

#: an integer primary key that is a rowid alias on SQLite and a bigint elsewhere
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, datetime: DateTime(timezone=True)}


class Organisation(Base):
    """A site (clinic, hospital, study centre). Pseudonyms are unique within one."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    """A person who signs in to the web app (the CLI records its actor by name)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    role: Mapped[str] = mapped_column(String(30), default="clinician")
    password_hash: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Patient(Base):
    __tablename__ = "patients"
    __table_args__ = (UniqueConstraint("organisation_id", "pseudonym", name="uq_patients_org_pseudonym"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    pseudonym: Mapped[str] = mapped_column(String(100))
    sex: Mapped[str] = mapped_column(String(6))
    birth_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))

    organisation: Mapped[Organisation] = relationship()
    visits: Mapped[list[Visit]] = relationship(
        back_populates="patient", order_by="(Visit.visit_date, Visit.id)", passive_deletes=True
    )


class Visit(Base):
    __tablename__ = "visits"
    __table_args__ = (
        UniqueConstraint("patient_id", "content_hash", name="uq_visits_patient_content"),
        Index("ix_visits_patient_date", "patient_id", "visit_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    visit_date: Mapped[date] = mapped_column(Date)
    setting: Mapped[str | None] = mapped_column(String(20))
    source: Mapped[str | None] = mapped_column(String(500))
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))

    patient: Mapped[Patient] = relationship(back_populates="visits")
    measurements: Mapped[list[Measurement]] = relationship(
        back_populates="visit", order_by="(Measurement.measure_id, Measurement.version)",
        passive_deletes=True,
    )
    assessments: Mapped[list[Assessment]] = relationship(
        back_populates="visit", order_by="Assessment.id", passive_deletes=True
    )


class Measurement(Base):
    """One value of one measure at one visit, in canonical units, with the unit as entered."""

    __tablename__ = "measurements"
    __table_args__ = (Index("ix_measurements_visit_measure", "visit_id", "measure_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"))
    measure_id: Mapped[str] = mapped_column(String(60))
    value_num: Mapped[float | None] = mapped_column(Float)
    # none_as_null: Python None is SQL NULL (not the JSON text 'null'), also in bulk inserts
    value_json: Mapped[Any] = mapped_column(JSON(none_as_null=True), nullable=True)
    unit: Mapped[str | None] = mapped_column(String(20))
    unit_entered: Mapped[str | None] = mapped_column(String(20))
    method: Mapped[str | None] = mapped_column(String(20))
    source: Mapped[str | None] = mapped_column(String(500))
    entered_by: Mapped[str] = mapped_column(String(100))
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)
    supersedes_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("measurements.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str | None] = mapped_column(Text)

    visit: Mapped[Visit] = relationship(back_populates="measurements")

    @property
    def value(self) -> Any:
        return self.value_num if self.value_num is not None else self.value_json


class Assessment(Base):
    """The assessment of a visit: what each definition decided, from which inputs, with which knowledge.

    The trace is not stored; it is rebuilt from ``inputs`` and ``knowledge_version`` on demand
    (:func:`myoscope.registry.assessing.rebuild`)."""

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    knowledge_version: Mapped[str] = mapped_column(String(60))
    myoscope_version: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(String(60))
    outcomes: Mapped[dict[str, Any]] = mapped_column(JSON)
    verdicts: Mapped[dict[str, Any]] = mapped_column(JSON)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: the cause work-up's red flags (most urgent first): safety information a list must show
    #: without rebuilding every visit
    red_flags: Mapped[list[Any]] = mapped_column(JSON)
    #: the plan's same-day (emergency) referrals for a cause (``Plan.same_day_referrals``), which a
    #: list shows beside the red flags; None for a row assessed before they were stored (unknown)
    referrals: Mapped[list[Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)

    visit: Mapped[Visit] = relationship(back_populates="assessments")


class AuditEvent(Base):
    """Append-only: who did what to which patient's data, when. Never updated, never deleted."""

    __tablename__ = "audit_log"
    __table_args__ = (
        CheckConstraint(f"action IN {AUDIT_ACTIONS!r}", name="action"),
        Index("ix_audit_log_patient", "patient_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(10))
    entity: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[int | None] = mapped_column(BigInteger)
    patient_id: Mapped[int | None] = mapped_column(Integer)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class WebSession(Base):
    """A signed-in browser session of the web app (server-side, so logout and idle expiry hold).

    The cookie carries a random token; only its keyed hash is stored, so a copy of the database
    does not let anyone sign in. Added by migration 0005."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    address: Mapped[str | None] = mapped_column(String(64))


class LoginAttempt(Base):
    """One sign-in attempt, kept to slow password guessing (per user name and per address)."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_username_at", "username", "at"),
                      Index("ix_login_attempts_address_at", "address", "at"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    success: Mapped[bool] = mapped_column(default=False)


class ApiToken(Base):
    """A machine's credential for the HTTP API, acting as one user (added by migration 0006).

    The token is ``myo_<key_id>_<secret>``; only the SHA-256 of the whole token is stored (a
    token has 256 random bits, so a fast hash is as safe as a slow one and costs a request
    microseconds), looked up by its public ``key_id``. Revoking keeps the row (who had access,
    until when); ``last_used_at`` shows a token still in use."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[str] = mapped_column(String(16), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[datetime | None] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()


class CdsFeedback(Base):
    """What a clinician did with a CDS Hooks card (accepted or overridden), as the EHR reports it.

    Holds no patient data: the card's uuid, the outcome, the accepted suggestion ids, the
    override reason and the calling client. Added by migration 0007."""

    __tablename__ = "cds_feedback"
    __table_args__ = (Index("ix_cds_feedback_card_uuid", "card_uuid"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    service_id: Mapped[str] = mapped_column(String(100))
    card_uuid: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(20))
    accepted_suggestions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    override_reason: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    outcome_timestamp: Mapped[str] = mapped_column(String(40))
    client: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class CdsJti(Base):
    """A CDS Hooks client JWT seen once: its issuer, its ``jti`` and its ``exp``.

    The primary key (iss, jti) is the replay check: a second INSERT of the same pair fails in the
    database, so every web worker and process sharing the registry refuses a replayed token,
    atomically (:mod:`myoscope.cdshooks.replay`). ``exp`` is the token's own claim (seconds since
    the epoch); rows past it (and the leeway) are purged. Holds no patient data. Migration 0008."""

    __tablename__ = "cds_jti"
    __table_args__ = (Index("ix_cds_jti_exp", "exp"),)

    iss: Mapped[str] = mapped_column(String(255), primary_key=True)
    jti: Mapped[str] = mapped_column(String(255), primary_key=True)
    exp: Mapped[int] = mapped_column(BigInteger)
