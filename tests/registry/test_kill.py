"""A process killed (SIGKILL) in the middle of an import leaves whole visits only; a rerun resumes."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from myoscope.registry.imports import import_csv
from myoscope.registry.models import Assessment, Measurement, Patient, Visit

HELPER = Path(__file__).parent / "helpers" / "import_and_die.py"
ROWS = 8


def csv_text() -> str:
    lines = ["patient,sex,birth_date,date,weight,grip_strength,gait_speed"]
    lines += [f"K{i % 3},F,1950-01-01,2025-0{1 + i % 9}-{10 + i:02d},{60 - i / 2},{22 - i / 4},0.9"
              for i in range(ROWS)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("group", [1, None], ids=["one-patient-transactions", "default-groups"])
def test_kill_9_mid_import_leaves_no_partial_visit(factory: sessionmaker[Session], db_url: str,
                                                   tmp_path: Path, group: int | None) -> None:
    path = tmp_path / "visits.csv"
    path.write_text(csv_text())
    proc = subprocess.run([sys.executable, str(HELPER), db_url, str(path), "2",
                           *([str(group)] if group else [])], capture_output=True, text=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    # killed while the second patient's measurements were being inserted (a patient's visits are
    # written in one INSERT, their measurements in another; whole patients per transaction)
    assert proc.stdout.strip() == "dying"
    # with a transaction per patient the first patient's three visits survive; with the default
    # groups (all three patients in one) nothing does: whole patients only, either way
    survivors = 3 if group == 1 else 0

    with factory() as s:
        visits = s.scalars(select(Visit)).all()
        assert len(visits) == survivors  # nothing of the second patient
        for v in visits:
            assert {m.measure_id for m in v.measurements} == {"weight", "grip_strength", "gait_speed"}
            assert len(v.assessments) == 1
        orphans = s.scalar(select(func.count()).select_from(Measurement)
                           .where(Measurement.visit_id.not_in(select(Visit.id))))
        assert orphans == 0

    with factory() as s:
        resumed = import_csv(s, path=path, actor="importer")
    assert (resumed.created, resumed.skipped) == (ROWS - survivors, survivors)
    with factory() as s:
        assert [s.scalar(select(func.count()).select_from(m)) for m in (Patient, Visit, Measurement, Assessment)] == [
            3, ROWS, 3 * ROWS, ROWS]
