"""Several writer processes at once: every visit, measurement, assessment and audit row arrives,
and concurrent importers leave exactly what one importer after the other leaves."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from myoscope.registry import db, repo
from myoscope.registry.assessing import current_assessment, current_measurements, load_visits
from myoscope.registry.imports import import_csv
from myoscope.registry.models import AuditEvent, Measurement, Patient, Visit

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


# --- concurrent importers end where a sequential import ends ------------------------------------

IMPORTER = Path(__file__).parent / "helpers" / "import_file.py"
PEOPLE = {f"Q{i}": ("F" if i % 2 else "M", f"19{40 + i}-0{1 + i % 9}-15") for i in range(6)}
HEADER = "patient,sex,birth_date,date,weight,height,grip_strength,gait_speed\n"


def importer_files(tmp_path: Path, n: int, round_: int) -> list[Path]:
    """``n`` files whose patients overlap (three of six each) and whose visits interleave in time,
    so that most visits arrive before an earlier one of the same patient and must be re-assessed;
    every file also holds one visit identical to one in every other file (stored once).

    Round 1 starts in 2024, round 2 in 2023: on a populated registry its visits come before
    the stored ones, whose weight history (so GLIM and Fearon) they change."""
    start = date(2024 if round_ == 1 else 2023, 1, 1)
    files = []
    for k in range(n):
        lines = [HEADER, f"Q0,M,1940-01-15,{start - timedelta(days=30)},82,176,30,1.0\n"]
        for j in range(3):
            p = f"Q{(k + j) % 6}"
            sex, born = PEOPLE[p]
            for v in range(2):
                step = v * n + k
                weight = 80 - step * 1.9 + j  # losses of several % within 6 months
                lines.append(f"{p},{sex},{born},{start + timedelta(days=21 * step + j)},{weight:.1f},"
                             f"{165 + j},{30 - step * 0.7:.1f},{1.1 - step * 0.02:.2f}\n")
        path = tmp_path / f"round{round_}-importer{k}.csv"
        path.write_text("".join(lines))
        files.append(path)
    return files


class Importers:
    """``n`` importer processes, one file each per round; a round starts them all at once."""

    def __init__(self, url: str, rounds: list[list[Path]], tmp_path: Path) -> None:
        self.signals = [tmp_path / f"importer{k}" for k in range(len(rounds[0]))]
        self.procs = [subprocess.Popen([sys.executable, str(IMPORTER), url, str(sig),
                                        *[str(files[k]) for files in rounds]],
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                      for k, sig in enumerate(self.signals)]

    def _wait(self, what: str, r: int) -> None:
        deadline = time.monotonic() + 240
        while not all(Path(f"{s}-{what}-{r}").exists() for s in self.signals):
            failed = [p for p in self.procs if p.poll() not in (None, 0)]
            assert not failed, failed[0].communicate()[1]
            assert time.monotonic() < deadline, f"importers not {what} in round {r}"
            time.sleep(0.01)

    def run_round(self, r: int) -> None:
        self._wait("ready", r)
        for s in self.signals:
            Path(f"{s}-go-{r}").touch()
        self._wait("done", r)

    def finish(self) -> None:
        for p in self.procs:
            _out, err = p.communicate(timeout=120)
            assert p.returncode == 0, err

    def stop(self) -> None:
        """End the importers still running (after a failed round they would wait for a signal)."""
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.communicate()


def snapshot(url: str) -> str:
    """Everything the registry holds about its patients, independent of row ids and of which
    importer wrote a row: per patient, per visit (by date and content), the current values and
    the current assessment (outcomes, verdicts, inputs, knowledge version), as canonical JSON."""
    engine = db.make_engine(url)
    out: dict[str, Any] = {}
    with db.session_factory(engine)() as s:
        for p in s.scalars(select(Patient).order_by(Patient.pseudonym)):
            visits = {}
            for v in load_visits(s, p.id):
                current = current_measurements(v.measurements)
                a = current_assessment(s, v.id)
                assert a is not None
                visits[f"{v.visit_date} {v.content_hash}"] = {
                    "setting": v.setting,
                    "values": {k: [m.value, m.unit, m.unit_entered, m.method, m.version]
                               for k, m in sorted(current.items())},
                    "assessment": [a.outcomes, a.verdicts, a.inputs, a.knowledge_version],
                }
            out[f"{p.organisation.name}/{p.pseudonym}"] = [p.sex, str(p.birth_date), visits]
        audited = s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.entity == "visit"))
        stored = s.scalar(select(func.count()).select_from(Visit))
        assert audited == stored  # one audit row per visit, none for a duplicate skipped
    engine.dispose()
    return json.dumps(out, sort_keys=True, default=str)


@pytest.mark.parametrize("n", [4, 8])
def test_concurrent_importers_end_where_a_sequential_import_ends(
        n: int, db_url: str, reference_url: str, tmp_path: Path) -> None:
    rounds = [importer_files(tmp_path, n, 1), importer_files(tmp_path, n, 2)]
    importers = Importers(db_url, rounds, tmp_path)
    engine = db.make_engine(reference_url)
    try:
        # round 1: a fresh registry (no organisation, no patients); round 2: the populated one
        for r, files in enumerate(rounds, start=1):
            importers.run_round(r)
            for f in files:
                with db.session_factory(engine)() as s:
                    import_csv(s, path=f, actor=f.stem)
            concurrent, sequential = snapshot(db_url), snapshot(reference_url)
            assert len(json.loads(sequential)) == 6
            assert concurrent == sequential, f"round {r}: the concurrent import differs from the sequential one"
        importers.finish()
    finally:
        importers.stop()
        engine.dispose()
