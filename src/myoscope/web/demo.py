"""Demo data for ``make demo``: invented patients (none real) built from the example records.

Each of the example records (``examples/*.yaml`` and ``examples/demo/*.yaml``) becomes two
patients with three visits a year apart, the earlier visits' values set from the
latest by a declining or an improving course, so that the list, the badges, the charts and the
change alerts have something to show. The factors below shape invented data only; they are not
clinical figures.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from ..record import read_records
from ..registry import repo
from .accounts import Passwords, create_user, ensure_organisation

DEMO_ORGANISATION = "Demo clinic"
OTHER_ORGANISATION = "Other clinic"
DEMO_USERS = (
    ("demo", "clinician", DEMO_ORGANISATION),
    ("demo-admin", "admin", DEMO_ORGANISATION),
    ("demo-researcher", "researcher", DEMO_ORGANISATION),
    ("other", "clinician", OTHER_ORGANISATION),
)
DEMO_PASSWORD = "demo-password-123"
#: earlier visits' values relative to the latest, by course (invented demo data)
COURSES = {"declining": (1.15, 1.07), "improving": (0.9, 0.95)}
SCALED = ("grip_strength", "gait_speed", "asm", "calf_circumference", "weight")
INVERSE = ("chair_stand_time", "tug_time")
ACTOR = "demo-seed"


def _values(data: dict[str, Any], factor: float) -> dict[str, Any]:
    out = {k: v for k, v in data.items() if k not in ("id", "weight_history", "age", "sex")}
    for k in SCALED:
        if isinstance(out.get(k), list):
            out[k] = max(out[k])
        if isinstance(out.get(k), int | float):
            out[k] = round(out[k] * factor, 2)
    for k in INVERSE:
        if isinstance(out.get(k), int | float):
            out[k] = round(out[k] / factor, 2)
    return out


def example_records(root: Path) -> list[dict[str, Any]]:
    files = sorted(root.glob("*.yaml")) + sorted((root / "demo").glob("*.yaml"))
    return [d for f in files for d, _src in read_records(f)]


def seed(session: Session, passwords: Passwords, examples: Path, today: date | None = None) -> int:
    """Add the demo users and patients (idempotent: skipped when the demo user exists)."""
    from sqlalchemy import select

    from ..registry.models import User

    if session.scalar(select(User.id).where(User.username == DEMO_USERS[0][0])) is not None:
        return 0
    for name, role, org in DEMO_USERS:
        create_user(
            session,
            passwords,
            username=name,
            password=DEMO_PASSWORD,
            role=role,
            organisation=org,
            actor=ACTOR,
        )
    ensure_organisation(session, OTHER_ORGANISATION)
    on = today or date.today()
    made = 0
    for data in example_records(examples):
        for course, (f_old, f_mid) in COURSES.items():
            pseudonym = f"{str(data.get('id', 'demo')).removeprefix('example-')}-{course}"
            age = data.get("age")
            born = date(on.year - int(age) - 1, 6, 1) if isinstance(age, int | float) else None
            repo.add_patient(
                session,
                pseudonym=pseudonym,
                sex=str(data["sex"]),
                birth_date=born,
                organisation_name=DEMO_ORGANISATION,
                actor=ACTOR,
            )
            for days_ago, factor in ((730, f_old), (365, f_mid), (0, 1.0)):
                repo.add_visit(
                    session,
                    pseudonym=pseudonym,
                    data=_values(data, factor),
                    organisation_name=DEMO_ORGANISATION,
                    visit_date=on - timedelta(days=days_ago),
                    source="demo",
                    actor=ACTOR,
                )
            made += 1
    return made
