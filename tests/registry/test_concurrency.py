"""Several writer processes at once: every visit, measurement, assessment and audit row arrives."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from myoscope.registry import repo
from myoscope.registry.models import AuditEvent, Measurement, Visit

HELPER = Path(__file__).parent / "helpers" / "add_visits.py"
WRITERS, PER_WRITER = 4, 6
PATIENTS = ["C1", "C2", "C3"]


def test_concurrent_writers_lose_nothing(factory: sessionmaker[Session], db_url: str) -> None:
    with factory.begin() as s:
        for p in PATIENTS:
            repo.add_patient(s, pseudonym=p, sex="male", birth_date="1950-01-01", actor="setup")
    procs = [subprocess.Popen([sys.executable, str(HELPER), db_url, str(w), str(PER_WRITER), *PATIENTS],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for w in range(WRITERS)]
    outputs = [p.communicate(timeout=600) for p in procs]
    for p, (_out, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err
    total = WRITERS * PER_WRITER
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Visit)) == total
        assert s.scalar(select(func.count()).select_from(Measurement)) == 2 * total
        dates = s.scalars(select(Visit.visit_date)).all()
        assert len(set(dates)) == total
        creates = s.execute(select(AuditEvent.actor, func.count()).where(AuditEvent.entity == "visit")
                            .group_by(AuditEvent.actor)).all()
        assert sorted(creates) == [(f"writer-{w}", PER_WRITER) for w in range(WRITERS)]
        for p in PATIENTS:  # every visit of every patient has a current assessment
            view = repo.show_patient(s, pseudonym=p, actor="check")
            assert all(v.outcomes for v in view.visits)
        s.rollback()
