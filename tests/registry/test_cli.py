"""Every registry command, through the real CLI, on SQLite and PostgreSQL (exact output asserted)."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from myoscope.cli import app

runner = CliRunner()


def run(url: str, *args: str, code: int = 0) -> str:
    result = runner.invoke(app, [*args], env={"MYOSCOPE_DATABASE_URL": url, "MYOSCOPE_USER": "cli-test"})
    assert result.exit_code == code, result.output + result.stderr
    return result.stdout if code == 0 else result.stderr


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_db_init_status_upgrade_downgrade(empty_url: str, tmp_path: Path) -> None:
    if empty_url.startswith("sqlite"):  # a read never creates a database file
        file = Path(empty_url.removeprefix("sqlite:///"))
        for command in (["patient", "list"], ["patient", "show", "P1"], ["alerts"], ["db", "status"]):
            assert run(empty_url, *command, code=2) == f"Error: no registry at {file}: run `myoscope db init` first\n"
        assert not file.exists()
    else:
        assert run(empty_url, "patient", "list", code=2) == (
            "Error: the database has no registry schema: run `myoscope db init` first\n")
    assert run(empty_url, "db", "init").endswith("(schema 0009)\n")
    assert run(empty_url, "db", "init").startswith("registry already exists; schema up to date at ")
    assert run(empty_url, "db", "downgrade", "0003") == "schema 0009 -> 0003\n"  # loses nothing
    assert run(empty_url, "db", "downgrade", "0001", code=2) == (
        "Error: downgrading to 0001: undoing 0003 removes the trigger that stops REPLACE rewriting audit "
        "rows (SQLite); undoing 0002 removes the triggers that keep the audit log append-only. Add --yes "
        "to confirm (a backup is written first)\n")
    backup = tmp_path / "before.bak"
    assert run(empty_url, "db", "downgrade", "0001", "--yes", "--backup", str(backup)) == (
        f"backup written to {backup}\nschema 0003 -> 0001\n")
    assert backup.stat().st_size > 0
    assert run(empty_url, "patient", "list", code=2) == (
        "Error: the database schema is at 0001, the code needs 0009: run `myoscope db upgrade`\n")
    assert run(empty_url, "db", "status").endswith(": schema 0001 (code: 0009)\n")
    assert run(empty_url, "db", "upgrade") == "schema 0001 -> 0009\n"
    assert "drops every table" in run(empty_url, "db", "downgrade", "base", code=2)
    assert run(empty_url, "db", "status").endswith(": schema 0009 (code: 0009)\n")  # nothing undone
    out = run(empty_url, "db", "downgrade", "base", "--yes", "--backup", str(tmp_path / "all.bak"))
    assert out == f"backup written to {tmp_path / 'all.bak'}\nschema 0009 -> empty\n"


def test_a_database_option_overrides_the_environment(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'other.sqlite'}"
    result = runner.invoke(app, ["db", "init", "--database", url], env={"MYOSCOPE_DATABASE_URL": "sqlite:///x"})
    assert result.exit_code == 0 and (tmp_path / "other.sqlite").exists()


def test_backup_is_a_restorable_copy(db_url: str, tmp_path: Path) -> None:
    run(db_url, "patient", "add", "P1", "--sex", "F")
    dest = tmp_path / "backup.db"
    assert run(db_url, "db", "backup", str(dest)).startswith(f"backup written to {dest} (")
    assert run(db_url, "db", "backup", str(dest), code=2) == f"Error: {dest} exists; choose a new file for the backup\n"
    if db_url.startswith("sqlite"):
        with sqlite3.connect(dest) as conn:
            assert conn.execute("SELECT pseudonym FROM patients").fetchall() == [("P1",)]
    else:
        pg_restore = shutil.which("pg_restore")
        if pg_restore is None:
            pytest.skip("pg_restore is not installed")
        listing = subprocess.run([pg_restore, "--list", str(dest)], capture_output=True, text=True, check=True)
        assert "TABLE DATA" in listing.stdout and " patients " in listing.stdout


def test_patients_and_visits(db_url: str, tmp_path: Path) -> None:
    assert run(db_url, "patient", "add", "ANNA", "--sex", "F", "--birth-date", "1944-05-01") == (
        "added patient ANNA (female) to default\n")
    assert run(db_url, "patient", "add", "ANNA", "--sex", "F", code=2) == (
        "Error: patient 'ANNA' already exists in default\n")
    v1 = write(tmp_path, "v1.yaml", "date: 2025-01-10\nweight: 132 lb\nheight: 160\ngrip_strength: 22\n")
    v2 = write(tmp_path, "v2.yaml", "date: 2025-05-10\nweight: 55.8\ngrip_strength: 16\ngait_speed: 0.8\n")
    assert run(db_url, "visit", "add", "ANNA", str(v1)).startswith("added visit 1 on 2025-01-10: ewgsop2 ")
    assert run(db_url, "visit", "add", "ANNA", str(v2)).startswith("added visit 2 on 2025-05-10: ewgsop2 ")
    assert run(db_url, "visit", "add", "ANNA", str(v2)) == (
        "visit 2 on 2025-05-10 was already recorded; nothing added\n")
    assert run(db_url, "patient", "list") == "ANNA\tfemale\t1944-05-01\tdefault\t2 visit(s)\tlast 2025-05-10\n"
    listed = json.loads(run(db_url, "patient", "list", "--format", "json"))
    assert listed == {"patients": [{"pseudonym": "ANNA", "sex": "female", "birth_date": "1944-05-01",
                                    "organisation": "default", "visits": 2, "last_visit": "2025-05-10"}],
                      "next_after": None}
    full = run(db_url, "visit", "assessment", "2")
    assert "EWGSOP2" in full and "grip_strength" in full  # the trace, rebuilt from the stored inputs
    rebuilt = json.loads(run(db_url, "visit", "assessment", "2", "--format", "json"))
    assert rebuilt["record"]["weight_history"] == [{"weight": 59.87419284, "months_ago": 3.94}]
    assert all(r["trace"] for r in rebuilt["results"].values())
    assert run(db_url, "visit", "assessment", "99", code=2) == "Error: no assessed visit 99\n"

    chart = tmp_path / "anna.svg"
    text = run(db_url, "patient", "show", "ANNA", "--chart", str(chart))
    assert "weight 59.8742 kg (entered in lb)" in text
    assert "ALERT 2025-05-10: Grip strength fell 6 kg in 4 months (MCID 5 kg)" in text
    assert text.endswith(f"timeline written to {chart}\n") and chart.read_text().startswith("<svg")
    shown = json.loads(run(db_url, "patient", "show", "ANNA", "--format", "json"))
    assert [v["date"] for v in shown["visits"]] == ["2025-01-10", "2025-05-10"]

    assert run(db_url, "visit", "correct", "2", "grip_strength", "17 kg", "--reason", "typo") == (
        "visit 2: grip_strength 17 kg (version 2); visit re-assessed\n")
    assert run(db_url, "visit", "correct", "2", "gait_speed", "--retract", "--reason", "not done") == (
        "visit 2: gait_speed retracted (version 2); visit re-assessed\n")
    assert run(db_url, "visit", "correct", "2", "gait_speed", "--reason", "x", code=2) == (
        "Error: give a new VALUE, or --retract (not both)\n")

    assert run(db_url, "patient", "delete", "ANNA", code=2) == (
        "Error: deleting patient ANNA removes all their visits and measurements; add --yes to confirm\n")
    assert run(db_url, "patient", "delete", "ANNA", "--yes") == (
        "deleted patient ANNA: 2 visit(s), 8 measurement(s), 4 assessment(s)\n")  # 6 + 2 versions
    assert run(db_url, "patient", "list") == "No patients.\n"


def _anna_with_a_visit(db_url: str, tmp_path: Path) -> None:
    run(db_url, "patient", "add", "ANNA", "--sex", "F")
    run(db_url, "visit", "add", "ANNA", str(write(tmp_path, "v.yaml", "date: 2025-01-10\ngrip_strength: 22\n")))


def test_an_id_beyond_the_database_is_not_found(db_url: str, tmp_path: Path) -> None:
    """SQLite cannot bind a number beyond 64 bits (OverflowError) and PostgreSQL's integer ends at
    2**31 - 1: such an id names no row, so every command taking one says so (exit 2)."""
    _anna_with_a_visit(db_url, tmp_path)
    for big in ("9" * 20, str(2**63), str(2**31)):
        assert run(db_url, "visit", "assessment", big, code=2) == f"Error: no assessed visit {big}\n"
        assert run(db_url, "visit", "correct", big, "grip_strength", "5", "--reason", "x", code=2) == (
            f"Error: no visit {big}\n"
        )
        assert run(db_url, "token", "revoke", big, code=2) == f"Error: no token {big}\n"
    assert run(db_url, "patient", "list", "--limit", "9" * 20).startswith("ANNA\t")  # beyond every row: all


def test_a_correction_names_every_problem_at_once(db_url: str, tmp_path: Path) -> None:
    """A missing reason and an unknown measure were named one per run (the reason first), so a
    user fixed one to meet the other; an unknown visit still comes first, on its own."""
    _anna_with_a_visit(db_url, tmp_path)
    assert run(db_url, "visit", "correct", "1", "bogus", "5", code=2) == (
        "Error: invalid record (2 problems):\n"
        "  - reason: required: why the value is corrected\n"
        "  - bogus: not a measure that a visit stores\n"
    )
    assert run(db_url, "visit", "correct", "1", "date", "5", "--reason", " ", code=2) == (
        "Error: invalid record (2 problems):\n"
        "  - reason: required: why the value is corrected\n"
        "  - date: not a measure that a visit stores\n"
    )
    assert run(db_url, "visit", "correct", "1", "grip_strength", "5", code=2) == (
        "Error: invalid record (1 problem):\n  - reason: required: why the value is corrected\n"
    )
    assert run(db_url, "visit", "correct", "7", "bogus", "5", code=2) == "Error: no visit 7\n"


def test_patient_correct_re_assesses_and_refuses_what_is_bad(db_url: str, tmp_path: Path) -> None:
    _anna_with_a_visit(db_url, tmp_path)  # grip 22 kg: low for a man, not for a woman (EWGSOP2)
    assert "ewgsop2: no_sarcopenia" in run(db_url, "patient", "show", "ANNA")
    assert run(db_url, "patient", "correct", "ANNA", "--sex", "M", "--birth-date", "1950-02-03",
               "--reason", "wrong record") == (
        "patient ANNA: sex female -> male; birth_date unknown -> 1950-02-03; 1 visit(s) re-assessed\n")
    assert "ewgsop2: probable_sarcopenia" in run(db_url, "patient", "show", "ANNA")
    assert run(db_url, "patient", "correct", "ANNA", "--sex", "x", "--birth-date", "3000-01-01", code=2) == (
        "Error: invalid record patient ANNA (3 problems):\n"
        "  - reason: required: why the patient is corrected\n"
        "  - sex: 'x' is not one of male, female\n"
        "  - birth_date: 3000-01-01 is in the future\n")
    assert run(db_url, "patient", "correct", "ANNA", "--reason", "r", code=2) == (
        "Error: give --sex, --birth-date or --birth-date-unknown\n")
    assert run(db_url, "patient", "correct", "ANNA", "--birth-date-unknown", "--reason", "not known") == (
        "patient ANNA: birth_date 1950-02-03 -> unknown; 1 visit(s) re-assessed\n")
    assert run(db_url, "patient", "correct", "NOBODY", "--sex", "F", "--reason", "r", code=2).startswith("Error: ")


def test_an_unknown_revision_is_named_with_the_known_ones(empty_url: str) -> None:
    """Alembic's CommandError was an internal error: a revision typo is the user's, named with
    the revisions there are, and it leaves no database file and no schema change behind."""
    known = "base, head, 0001, 0002, 0003, 0004, 0005, 0006, 0007, 0008, 0009"
    assert run(empty_url, "db", "upgrade", "nonsense", code=2) == (
        f"Error: unknown revision 'nonsense' (known: {known})\n"
    )
    if empty_url.startswith("sqlite"):  # the typo is named before a database file is made
        assert not Path(empty_url.removeprefix("sqlite:///")).exists()
    run(empty_url, "db", "init")
    assert (
        run(empty_url, "db", "downgrade", "9999", code=2)
        == f"Error: unknown revision '9999' (known: {known})\n"
    )
    assert run(empty_url, "db", "upgrade", "+3", code=2) == (
        f"Error: cannot upgrade to '+3': Relative revision +3 didn't produce 3 migrations (known revisions: "
        f"{known})\n"
    )
    assert run(empty_url, "db", "status").endswith(": schema 0009 (code: 0009)\n")  # nothing undone


def test_bad_input_is_reported_whole(db_url: str, tmp_path: Path) -> None:
    run(db_url, "patient", "add", "ANNA", "--sex", "F")
    bad = write(tmp_path, "bad.yaml", "date: 2025-01-10\ngrip_strength: 270\nweight: 60 stone\n")
    assert run(db_url, "visit", "add", "ANNA", str(bad), code=2) == (
        f"Error: invalid record {bad} (2 problems):\n"
        "  - grip_strength: 270 kg is implausible (expected 0–120 kg)\n"
        "  - weight: unknown unit 'stone' (accepted: kg, g, lb, lbs)\n")
    assert run(db_url, "visit", "add", "NOBODY", str(bad), code=2) == "Error: no patient 'NOBODY'\n"
    assert run(db_url, "visit", "add", "ANNA", str(bad), "--date", "10/01/2025", code=2) == (
        "Error: --date: expected YYYY-MM-DD, got '10/01/2025'\n")


def test_import_twice_and_alerts(db_url: str, tmp_path: Path) -> None:
    csv = write(tmp_path, "visits.csv",
                "patient,sex,birth_date,date,weight,grip_strength,gait_speed\n"
                "A1,F,1944-05-01,2025-01-10,60,22,0.85\n"
                "A1,F,1944-05-01,2025-05-10,55.8,16,0.80\n"
                "B2,M,1950-02-03,2025-03-01,80,38,1.1\n")
    assert run(db_url, "import", str(csv)) == (
        f"{csv}: 3 row(s); 3 visit(s) added, 0 already present; 2 new patient(s)\n")
    assert run(db_url, "import", str(csv)) == (
        f"{csv}: 3 row(s); 0 visit(s) added, 3 already present; 0 new patient(s)\n")
    # no cancer is recorded for A1: Fearon's weight criterion of cancer cachexia raises no alert
    # (DESIGN §13); the weight loss is still alerted under GLIM
    assert run(db_url, "alerts") == (
        "4 alert(s) in 2 patient(s) scanned:\n"
        "  A1  2025-05-10  Usual gait speed fell 0.05 m/s in 4 months (MCID 0.05 m/s)\n"
        "  A1  2025-05-10  Grip strength fell 6 kg in 4 months (MCID 5 kg)\n"
        "  A1  2025-05-10  Grip strength changing -18.26 kg/year since 2025-01-10, faster than the "
        "-0.31 kg/year expected with age\n"
        "  A1  2025-05-10  weight −7% in 4 months (GLIM: weight loss >5% within the past 6 months)\n")
    report = json.loads(run(db_url, "alerts", "--format", "json", "--organisation", "default"))
    assert report["patients_scanned"] == 2 and {a["kind"] for a in report["alerts"]} == {
        "decline", "rate", "weight_loss"}
    assert run(db_url, "alerts", "--organisation", "elsewhere") == "No alerts (0 patient(s) with follow-up data scanned).\n"
    first = run(db_url, "alerts", "--limit", "1").splitlines()
    assert first[0] == "4 alert(s) in 1 patient(s) scanned:" and first[-1].startswith("(more: --after ")
    token = first[-1].removeprefix("(more: --after ").removesuffix(")")
    assert run(db_url, "alerts", "--limit", "1", "--after", token) == (
        "No alerts (1 patient(s) with follow-up data scanned).\n")
    assert run(db_url, "alerts", "--after", "nonsense!", code=2) == (
        "Error: 'nonsense!' is not a page token (use the one the previous page printed)\n")
    bad = write(tmp_path, "bad.csv", "patient,date,weight\nZ9,2025-01-01,60\n")
    assert run(db_url, "import", str(bad), code=2) == (
        f"Error: invalid record {bad} (1 problem):\n  - line 2, sex: required for new patient Z9\n")


def test_db_roles(db_url: str) -> None:
    if db_url.startswith("sqlite"):
        assert run(db_url, "db", "roles", "app", code=2).startswith(
            "Error: application roles are a PostgreSQL feature")
        return
    assert run(db_url, "db", "roles", "nobody_here_42", "--sql", code=2).startswith(
        "Error: role 'nobody_here_42' does not exist: create it first")
    statements = run(db_url, "db", "roles", "postgres", code=2)
    assert statements.startswith("Error: postgres owns the tables and could disable the audit triggers")


def test_every_command_refuses_a_user_name_no_audit_row_can_hold(db_url: str, tmp_path: Path) -> None:
    """Reading commands stored an overlong --user whole in audit_log (SQLite) or failed with the
    database's own message at the audit INSERT (PostgreSQL); every command now refuses it as the
    writing ones did, before anything is read or written, naming it with the other bad fields."""
    run(db_url, "patient", "add", "ANNA", "--sex", "F")
    run(db_url, "visit", "add", "ANNA", str(write(tmp_path, "v.yaml", "date: 2025-01-10\ngrip_strength: 22\n")))
    long = ["--user", "u" * 101]
    refused = "  - user: 101 characters; at most 100 are stored\n"
    for command, source in ((["patient", "show", "ANNA"], " patient 'ANNA'"), (["patient", "list"], ""),
                            (["alerts"], ""), (["visit", "assessment", "1"], ""),
                            (["patient", "delete", "ANNA", "--yes"], " patient 'ANNA'"),
                            (["visit", "correct", "1", "grip_strength", "20", "--reason", "typo"], ""),
                            (["visit", "add", "ANNA", str(write(tmp_path, "x.yaml", "date: 2025-02-01\n"))],
                             " visit of ANNA"),
                            (["token", "revoke", "1"], "")):
        assert run(db_url, *command, *long, code=2) == f"Error: invalid record{source} (1 problem):\n{refused}"
    assert run(db_url, "patient", "show", "A" * 101, *long, code=2) == (
        f"Error: invalid record patient {'A' * 40!r} (2 problems):\n"
        "  - pseudonym: 101 characters; at most 100 are stored\n" + refused)
    assert run(db_url, "visit", "correct", "1", "bogus", "5", "--user", "a\x00b", code=2) == (
        "Error: invalid record (3 problems):\n  - reason: required: why the value is corrected\n"
        "  - bogus: not a measure that a visit stores\n"
        "  - user: contains a NUL byte (not allowed in stored text)\n")
    assert run(db_url, "visit", "add", "ANNA", str(write(tmp_path, "w.yaml", "date: 2025-03-01\ngrip_strength: 999\n")),
               *long, code=2).endswith("grip_strength: 999 kg is implausible (expected 0–120 kg)\n" + refused)
    assert "u" * 100 + "\t" not in run(db_url, "patient", "show", "ANNA", "--user", "u" * 100)  # 100 is fine
    from sqlalchemy import create_engine, func, select

    from myoscope.registry.models import AuditEvent, Measurement, Visit

    engine = create_engine(db_url)
    with engine.connect() as conn:
        assert conn.scalar(select(func.max(func.length(AuditEvent.actor)))) == 100  # nothing longer stored
        assert conn.scalar(select(func.count()).select_from(Visit)) == 1
        assert conn.scalar(select(func.count()).select_from(Measurement)) == 1  # nothing corrected
    engine.dispose()


def test_db_reassess_brings_every_visit_to_the_installed_knowledge(db_url: str, tmp_path: Path) -> None:
    from sqlalchemy import select, update

    from myoscope.knowledge import load_knowledge
    from myoscope.registry import db
    from myoscope.registry.models import Assessment, AuditEvent

    from ..records import WEEKS_PROGRESSIVE

    run(db_url, "patient", "add", "W1", "--sex", "M", "--birth-date", "1970-01-01")
    run(db_url, "patient", "add", "W2", "--sex", "F", "--birth-date", "1950-01-01")
    weeks = write(tmp_path, "w.json", json.dumps({"date": "2026-06-01", **WEEKS_PROGRESSIVE}))
    later = write(tmp_path, "later.yaml", "date: 2026-09-01\nweight: 80\n")
    plain = write(tmp_path, "plain.yaml", "date: 2026-06-01\nweight: 60\nheight: 160\ngrip_strength: 15\n")
    for patient, file in (("W1", weeks), ("W1", later), ("W2", plain)):
        run(db_url, "visit", "add", patient, str(file))
    assert run(db_url, "db", "reassess") == (
        f"nothing to reassess: every visit's current assessment uses knowledge {load_knowledge().version}\n")
    engine = db.make_engine(db_url)
    with db.session_factory(engine).begin() as s:
        # W1's first visit as an older knowledge left it; W2's as a row from before schema 0009
        s.execute(update(Assessment).where(Assessment.visit_id == 1).values(knowledge_version="0.0-older"))
        s.execute(update(Assessment).where(Assessment.visit_id == 3).values(referrals=None))
    assert run(db_url, "db", "reassess") == (
        f"reassessed 3 visit(s) of 2 patient(s) with knowledge {load_knowledge().version}\n")
    with db.session_factory(engine)() as s:
        rows = {r.visit_id: r for r in s.scalars(select(Assessment).order_by(Assessment.id))}  # the newest per visit
        assert {v: (r.reason, r.knowledge_version == load_knowledge().version) for v, r in rows.items()} == {
            1: ("knowledge upgrade", True), 2: ("knowledge upgrade", True), 3: ("knowledge upgrade", True)}
        assert [r["id"] for r in rows[1].referrals or []] == ["cause_acute_inflammatory_neuropathy"]
        assert rows[3].referrals == []
        assert s.scalar(select(AuditEvent.actor).where(AuditEvent.entity == "assessment")
                        .order_by(AuditEvent.id.desc()).limit(1)) == "cli-test"
    assert run(db_url, "db", "reassess").startswith("nothing to reassess")
