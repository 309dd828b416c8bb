"""CSV import: flat columns, all problems at once, and idempotence (the same file twice adds nothing)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy import text as sqltext
from sqlalchemy.orm import Session, sessionmaker

from myoscope.errors import ImportWriteError, InputFileError, RecordValidationError
from myoscope.record import age_on
from myoscope.registry import audit, repo
from myoscope.registry.imports import import_csv, row_to_record
from myoscope.registry.models import Assessment, AuditEvent, Measurement, Patient, Visit

CSV = """patient,sex,birth_date,date,weight,height,grip_strength,gait_speed,sarc_f_strength,sarc_f_falls,weight_previous,weight_previous_months_ago
A1,F,1944-05-01,2025-01-10,60,160,22,0.9,1,0,62,6
A1,F,1944-05-01,2025-05-10,132 lb,,16,0.8,,,,
B2,M,1950-02-03,2025-03-01,80,175,38 kg,1.1,0,0,,
"""


def counts(s: Session) -> list[int]:
    return [int(s.scalar(select(func.count()).select_from(m)) or 0)
            for m in (Patient, Visit, Measurement, Assessment)]


def write(tmp_path: Path, text: str, name: str = "visits.csv") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_flat_columns_become_a_record() -> None:
    assert row_to_record({"sarc_f_strength": "1", "sarc_f_falls_past_year": "2", "weight_previous": "62",
                          "weight_previous_months_ago": "6", "grip_strength": "", "weight": "60 kg"}) == {
        "weight": "60 kg", "sarc_f": {"strength": 1, "falls_past_year": 2},
        "weight_history": [{"weight": "62", "months_ago": 6.0}]}


def test_import_then_import_again_adds_nothing(factory: sessionmaker[Session], tmp_path: Path) -> None:
    path = write(tmp_path, CSV)
    with factory() as s:
        first = import_csv(s, path=path, actor="importer")
    assert (first.rows, first.created, first.skipped, first.patients_created) == (3, 3, 0, 2)
    with factory() as s:
        after_first = counts(s)
        n_audit = len(audit.events(s))
        grip = s.scalars(select(Measurement).where(Measurement.measure_id == "weight")
                         .order_by(Measurement.id)).all()
        assert [(m.value_num, m.unit_entered) for m in grip] == [(60.0, "kg"), (59.87419284, "lb"), (80.0, "kg")]
        view = repo.show_patient(s, pseudonym="A1", actor="t")
        assert view.visits[0].source == "visits.csv:2"
        s.rollback()
    with factory() as s:
        again = import_csv(s, path=path, actor="importer")
    assert (again.created, again.skipped, again.patients_created) == (0, 3, 0)
    assert str(again) == f"{path}: 3 row(s); 0 visit(s) added, 3 already present; 0 new patient(s)"
    with factory() as s:
        assert counts(s) == after_first == [2, 3, 14, 3]
        assert len(audit.events(s)) == n_audit  # nothing written, nothing to audit


def test_every_bad_cell_is_reported_and_nothing_is_written(factory: sessionmaker[Session],
                                                           tmp_path: Path) -> None:
    bad = CSV + "C3,,,2025-01-01,60,,,,,,,\nA1,M,1944-05-01,2025-06-01,60,,300,,,,,\n,F,,2025-01-01,,,,,,,,\n"
    path = write(tmp_path, bad)
    with factory() as s, pytest.raises(RecordValidationError) as err:
        import_csv(s, path=path, actor="importer")
    assert [str(p) for p in err.value.problems] == [
        "line 5, sex: required for new patient C3",
        "line 6: sex or birth_date of A1 differs from an earlier row",
        "line 6, grip_strength: 300 kg is implausible (expected 0–120 kg)",
        "line 7, patient: required",
    ]
    with factory() as s:
        assert counts(s) == [0, 0, 0, 0]
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_rows_must_agree_with_a_registered_patient(factory: sessionmaker[Session], tmp_path: Path) -> None:
    with factory.begin() as s:
        repo.add_patient(s, pseudonym="A1", sex="male", birth_date="1944-05-01", actor="t")
    with factory() as s, pytest.raises(RecordValidationError,
                                       match="line 2, sex: 'F' differs from the patient's recorded sex"):
        import_csv(s, path=write(tmp_path, CSV), actor="importer")


def test_unreadable_files_are_named(factory: sessionmaker[Session], tmp_path: Path) -> None:
    with factory() as s:
        with pytest.raises(InputFileError, match="missing column"):
            import_csv(s, path=write(tmp_path, "patient,weight\nA,60\n"), actor="t")
        with pytest.raises(InputFileError, match="cannot read"):
            import_csv(s, path=tmp_path / "nope.csv", actor="t")


# --- every row-level check runs before anything is written -----------------------------------------


def test_checks_that_once_ran_mid_file_now_run_before_anything_is_written(
        factory: sessionmaker[Session], tmp_path: Path) -> None:
    with factory.begin() as s:
        repo.add_patient(s, pseudonym="A1", sex="female", birth_date="1944-05-01", actor="t")
    text = ("patient,id,sex,birth_date,date,weight\n"
            "B2,,M,1950-02-03,2025-01-01,80\n"          # fine, and would have been committed first
            "A1,B2,,,2025-02-01,60\n"                   # an id naming another patient
            "A1,,,1944-05-02,2025-03-01,60\n"           # another birth date than the registered one
            "A1,,F,1944-05-01,2025-04-01,60\n")         # agrees (F is female): no problem
    with factory() as s, pytest.raises(RecordValidationError) as err:
        import_csv(s, path=write(tmp_path, text), actor="importer")
    assert [str(p) for p in err.value.problems] == [
        "line 3, id: 'B2' is not this patient (A1)",
        "line 4, birth_date: 1944-05-02 differs from the patient's recorded birth date (1944-05-01)",
    ]
    with factory() as s:
        assert counts(s) == [1, 0, 0, 0]


def test_database_limits_are_checked_alike_on_every_backend(factory: sessionmaker[Session],
                                                            tmp_path: Path) -> None:
    """PostgreSQL refuses these; SQLite would store them: both backends now refuse them up front."""
    long_name = "P" * 5000
    text = (f"patient,sex,date,weight,setting\n"
            f"OK1,F,2025-01-01,60,\n"
            f"{long_name},F,2025-01-01,60,\n"
            f"NUL\x00,F,2025-01-01,60,\n"
            f"OK2,F,2025-01-01,60,clinic\x00\n")
    with factory() as s, pytest.raises(RecordValidationError) as err:
        import_csv(s, path=write(tmp_path, text), actor="importer")
    assert [str(p) for p in err.value.problems] == [
        "line 3, pseudonym: 5000 characters; at most 100 are stored",
        "line 4, pseudonym: contains a NUL byte (not allowed in stored text)",
        "line 5, setting: contains a NUL byte (not allowed in stored text)",
        "line 5, setting: 'clinic\\x00' is not one of community, hospital, icu, nursing_home",
    ]
    with factory() as s:
        assert counts(s) == [0, 0, 0, 0]
    with factory() as s, pytest.raises(RecordValidationError, match="user: 101 characters; at most 100"):
        import_csv(s, path=write(tmp_path, "patient,sex,date\nOK1,F,2025-01-01\n"), actor="u" * 101)
    with factory.begin() as s, pytest.raises(RecordValidationError, match="pseudonym: 5000 characters"):
        repo.add_patient(s, pseudonym=long_name, sex="F", actor="t")


def test_a_database_error_names_the_row_and_keeps_the_patients_before(
        factory: sessionmaker[Session], engine: Engine, tmp_path: Path) -> None:
    """A refusal validation cannot foresee (here a trigger standing in for a full disk or a
    constraint added by a DBA) names the row; earlier patients stay committed, and a rerun resumes."""
    refuse = {"sqlite": ["CREATE TRIGGER refuse_77 BEFORE INSERT ON measurements WHEN NEW.value_num = 77.7 "
                         "BEGIN SELECT RAISE(ABORT, 'no 77.7 here'); END"],
              "postgresql": ["CREATE FUNCTION refuse_77() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                             "IF NEW.value_num = 77.7 THEN RAISE EXCEPTION 'no 77.7 here'; END IF; "
                             "RETURN NEW; END $$",
                             "CREATE TRIGGER refuse_77 BEFORE INSERT ON measurements FOR EACH ROW "
                             "EXECUTE FUNCTION refuse_77()"]}
    with engine.begin() as conn:
        for sql in refuse[engine.dialect.name]:
            conn.execute(sqltext(sql))
    text = ("patient,sex,date,weight\n"
            "A1,F,2025-01-01,60\nB2,M,2025-01-01,80\nB2,M,2025-02-01,77.7\nC3,F,2025-01-01,70\n")
    path = write(tmp_path, text)
    with factory() as s, pytest.raises(ImportWriteError) as err:
        import_csv(s, path=path, actor="importer")
    assert str(err.value).startswith(f"{path}, line 4 (patient B2): the database refused it: ")
    assert "no 77.7 here" in str(err.value)
    with factory() as s:
        assert [p.pseudonym for p in s.scalars(select(Patient))] == ["A1"]  # B2 rolled back whole
    with engine.begin() as conn:
        conn.execute(sqltext("DROP TRIGGER refuse_77" + (" ON measurements" if engine.dialect.name ==
                                                         "postgresql" else "")))
    with factory() as s:
        resumed = import_csv(s, path=path, actor="importer")
    assert (resumed.created, resumed.skipped, resumed.patients_created) == (3, 1, 2)


@pytest.mark.parametrize(("cells", "expected"), [
    ("Q2,2025-01-01,x,,999", ["line 2, sex: 'x' is not one of male, female",
                              "line 2, grip_strength: 999 kg is implausible (expected 0–120 kg)"]),
    ("Q2,,x,,999", ["line 2, sex: 'x' is not one of male, female",
                    "line 2, date: required: the visit date (YYYY-MM-DD)",
                    "line 2, grip_strength: 999 kg is implausible (expected 0–120 kg)"]),
    ("Q2,2025-01-01,,inf,999", ["line 2, sex: required for new patient Q2",
                                "line 2, weight: cannot read 'inf' as a quantity (e.g. '70 kg')",
                                "line 2, grip_strength: 999 kg is implausible (expected 0–120 kg)"]),
    (",2025-01-01,x,inf,999", ["line 2, patient: required", "line 2, sex: 'x' is not one of male, female",
                               "line 2, weight: cannot read 'inf' as a quantity (e.g. '70 kg')",
                               "line 2, grip_strength: 999 kg is implausible (expected 0–120 kg)"]),
])
def test_a_bad_or_missing_patient_or_sex_hides_nothing_else_of_its_row(
        factory: sessionmaker[Session], tmp_path: Path, cells: str, expected: list[str]) -> None:
    """A row whose patient cannot be known still has its other cells checked: every bad field of
    the row is named at once (checked against a stand-in identity)."""
    path = write(tmp_path, f"patient,date,sex,weight,grip_strength\n{cells}\n")
    with factory() as s, pytest.raises(RecordValidationError) as err:
        import_csv(s, path=path, actor="importer")
    assert sorted(str(p) for p in err.value.problems) == sorted(expected)


def test_a_bad_birth_date_of_a_new_patient_hides_nothing_else_and_a_good_one_still_gives_the_age(
        factory: sessionmaker[Session], tmp_path: Path) -> None:
    path = write(tmp_path, "patient,date,sex,birth_date,grip_strength\n"
                           "Q3,2025-01-01,female,someday,999\nQ4,2025-01-01,,1850-01-01,20\n")
    with factory() as s, pytest.raises(RecordValidationError) as err:
        import_csv(s, path=path, actor="importer")
    # a new patient's birth date is checked as of today, as registration checks it
    today = date.today()
    assert [str(p) for p in err.value.problems] == [
        "line 2, birth_date: expected a date YYYY-MM-DD, got 'someday'",
        "line 2, grip_strength: 999 kg is implausible (expected 0–120 kg)",
        "line 3, sex: required for new patient Q4",
        f"line 3, birth_date: 1850-01-01 gives an age of {age_on(date(1850, 1, 1), today)} years on "
        f"{today.isoformat()}, which is implausible (expected 0–125 years)",
    ]


def test_rows_with_too_few_and_too_many_cells_are_named_together(
        factory: sessionmaker[Session], tmp_path: Path) -> None:
    path = write(tmp_path, "patient,date,sex,grip_strength\nQ7,2025-01-01,female,20,extra\nQ8,2025-01-01\n")
    with factory() as s, pytest.raises(InputFileError) as err:
        import_csv(s, path=path, actor="importer")
    assert str(err.value) == (f"{path}: fewer cells than header columns on line(s) 3; "
                              "more cells than header columns on line(s) 2")


@pytest.mark.parametrize("day", ["2025-13-01", "", "soon"])
def test_a_bad_date_is_the_one_problem_not_what_follows_from_it(
        factory: sessionmaker[Session], tmp_path: Path, day: str) -> None:
    """Without a readable visit date the birth date (and a previous weight's date) cannot be
    turned into an age or a time before the visit: saying so would name a second, false mistake."""
    path = write(tmp_path, "patient,date,sex,birth_date,weight_previous,weight_previous_date,grip_strength\n"
                           f"Q9,{day},female,1950-01-01,70,2024-01-01,20\n")
    with factory() as s, pytest.raises(RecordValidationError) as err:
        import_csv(s, path=path, actor="importer")
    (only,) = err.value.problems
    assert only.path == "line 2, date"
