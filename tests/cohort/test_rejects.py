"""Bad rows are rejected, named and counted: rows in = rows classified + rows rejected (DESIGN §10)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from myoscope import load_knowledge, parse_record
from myoscope.cohort import classify, run_cohort
from myoscope.cohort.tables import row_to_record
from myoscope.errors import RecordValidationError

CSV = """id,sex,age,height,weight,grip_strength,asm,asm_method,gait_speed,sppb,sarc_f_strength,weight_previous,weight_previous_months_ago
a,female,78,158,53.1,14,14.15,dxa,0.6,,1,,
b,male,81,175,70,270,,,0.9,,,,
c,,70,160,60,20,,,,,,,
d,F,72,16,60,20,,,,,,,
e,male,75,170,70,30,21,,0.8,8.5,,,
f,male,75,170,70,abc,,,fast,,3,,
g,woman,NA,170,70,25,,,,,,75,
h,male,66,170,70,,,,,,,,
"""


@pytest.fixture
def bad_csv(tmp_path: Path) -> Path:
    p = tmp_path / "cohort.csv"
    p.write_text(CSV, encoding="utf-8")
    return p


def test_rows_in_equal_classified_plus_rejected(bad_csv: Path) -> None:
    r = classify(bad_csv, ["ewgsop2"])
    assert r.rows_in == 8
    assert sorted(r.table["id"].to_list()) == ["a", "h"]
    assert r.rows_rejected == 6 and r.rows_classified == 2
    assert r.accounting == "rows in 8 = classified 2 + rejected 6 (9 bad values)"


def test_every_bad_value_is_named_with_its_reason(bad_csv: Path) -> None:
    rej = classify(bad_csv, ["ewgsop2"]).rejects
    lines = [(r["row"], r["column"], r["value"]) for r in rej.iter_rows(named=True)]
    assert lines == [
        (2, "grip_strength", "270"),
        (3, "sex", None),
        (4, "height", "16"),
        (5, "sppb", "8.5"),
        (5, "asm_method", None),
        (6, "grip_strength", "abc"),
        (6, "gait_speed", "fast"),
        (6, "sarc_f_strength", "3"),
        (7, "weight_previous_months_ago", None),
    ]
    reasons = dict(((r["row"], r["column"]), r["reason"]) for r in rej.iter_rows(named=True))
    assert reasons[(2, "grip_strength")] == "270 kg is implausible (expected 0–120 kg)"
    assert reasons[(3, "sex")] == "required (male or female)"
    assert reasons[(5, "sppb")] == "8.5 points is not a whole number of points"
    assert reasons[(6, "grip_strength")] == "cannot read abc as a number in kg"
    assert reasons[(7, "weight_previous_months_ago")].startswith(
        "weight_previous needs weight_previous_months_ago"
    )


def test_rejected_rows_are_exactly_those_the_record_parser_refuses(bad_csv: Path) -> None:
    cat = load_knowledge().catalog
    raw = pl.read_csv(bad_csv, infer_schema=False, null_values=["", "NA"])
    rejected = set(classify(bad_csv, ["ewgsop2"]).rejects["row"].to_list())
    for i, row in enumerate(raw.iter_rows(named=True), start=1):
        rec = row_to_record({k: _number(v) for k, v in row.items() if k != "id"}, cat)
        try:
            parse_record(rec)
            refused = False
        except RecordValidationError:
            refused = True
        assert refused == (i in rejected), (i, rec)


def _number(v: Any) -> Any:
    if v is None:
        return None
    try:
        return float(v)
    except ValueError:
        return v


def test_run_cohort_writes_rejects_and_reconciles(bad_csv: Path, tmp_path: Path) -> None:
    run = run_cohort(bad_csv, tmp_path / "out.csv", ["ewgsop2"], summary=False)
    assert (run.rows_in, run.rows_classified, run.rows_rejected, run.bad_values) == (8, 2, 6, 9)
    assert run.rows_in == run.rows_classified + run.rows_rejected
    written = pl.read_csv(run.rejects_path)
    assert written.columns == ["row", "column", "value", "reason"] and written.height == 9
    out = pl.read_csv(tmp_path / "out.csv")
    assert out.height == 2 and out.columns == [
        "id",
        "ewgsop2",
        "ewgsop2_decided",
        "ewgsop2_decisive",
        "ewgsop2_in_population",
    ]
    assert str(run).endswith("rows in 8 = classified 2 + rejected 6 (9 bad values)")


def test_missing_is_not_a_reject(tmp_path: Path) -> None:
    df = pl.DataFrame({"sex": ["male", "female"], "grip_strength": [None, float("nan")]})
    r = classify(df, ["ewgsop2"])
    assert r.rows_rejected == 0 and r.table["ewgsop2"].to_list() == ["indeterminate", "indeterminate"]


def test_a_csv_cell_of_blanks_is_missing_not_a_reject(tmp_path: Path) -> None:
    """An export that writes spaces into an empty cell: the value is unknown, as an empty cell
    (and a blank Excel cell) is, in every column kind, and beside a cell with a unit in it."""
    rows = "id,sex,age,height,weight,grip_strength\nr1,female,80,160,150 lb,{0}\nr2,female,{0},160,{1},20\n" \
           "r3,female,80,160,60,20\n"
    runs = []
    for name, blanks in (("blank", ("  ", "\t")), ("empty", ("", ""))):
        (tmp_path / f"{name}.csv").write_text(rows.format(*blanks), "utf-8")
        run = run_cohort(tmp_path / f"{name}.csv", tmp_path / f"{name}.out.csv", definitions=["ewgsop2"])
        assert "rejected 0 (0 bad values)" in str(run), str(run)
        runs.append(pl.read_csv(tmp_path / f"{name}.out.csv").get_column("ewgsop2").to_list())
    assert runs[0] == runs[1] and runs[0][0] == "indeterminate"


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "sex": st.sampled_from(["male", "female", "M", "x", None]),
                "grip_strength": st.sampled_from([10.0, 120.0, 120.5, -1.0, float("inf"), None]),
                "sppb": st.sampled_from([0.0, 12.0, 13.0, 7.5, None]),
                "asm": st.sampled_from([15.0, 2.0, None]),
                "asm_method": st.sampled_from(["dxa", "BIA", "ct", None]),
            }
        ),
        min_size=1,
        max_size=20,
    )
)
def test_random_bad_rows_reconcile(rows: list[dict[str, Any]]) -> None:
    cat = load_knowledge().catalog
    r = classify(
        pl.DataFrame(
            rows,
            schema={
                "sex": pl.String,
                "grip_strength": pl.Float64,
                "sppb": pl.Float64,
                "asm": pl.Float64,
                "asm_method": pl.String,
            },
        ),
        ["ewgsop2"],
    )
    assert r.rows_in == len(rows) == r.rows_classified + r.rows_rejected
    rejected = set(r.rejects["row"].to_list())
    for i, row in enumerate(rows, start=1):
        try:
            parse_record(row_to_record(row, cat))
            assert i not in rejected
        except RecordValidationError:
            assert i in rejected


def test_future_dates_and_contradicting_ages_are_rejected_as_a_record_would_be() -> None:
    """``record._finish_dates``' rules on every row: a date or birth date in the future, an age
    that contradicts the birth date and the date, an implausible age from a birth date; each bad
    row named, beside other bad rows."""
    from datetime import date, timedelta

    later = (date.today() + timedelta(days=400)).isoformat()
    rows = {
        "id": ["a", "b", "c", "d", "e", "f", "g"],
        "sex": ["male"] * 7,
        "age": ["70", "abc", "71", "60", "75", None, None],
        "date": [later, "2025-01-01", "2025-01-01", "2025-01-01", "2025-01-01", "2025-01-01", "2025-01-01"],
        "birth_date": [None, None, later, "1950-01-01", "1950-01-01", "1800-01-01", "1925-01-01"],
    }
    r = classify(pl.DataFrame(rows), ["ewgsop2"], id_column="id")
    assert r.table["id"].to_list() == ["e", "g"]
    assert r.table["ewgsop2"].to_list() == ["indeterminate", "indeterminate"]
    reasons = {(x["row"], x["column"]): x["reason"] for x in r.rejects.to_dicts()}
    assert reasons == {
        (1, "date"): f"{later} is in the future",
        (2, "age"): "cannot read abc as a number in years",
        (3, "birth_date"): f"{later} is in the future",
        (4, "age"): "60 contradicts birth_date 1950-01-01 and date 2025-01-01, which give 75",
        # an age from a birth date meets the entered age's range (0 to 125 years; 100 is read)
        (6, "birth_date"): "1800-01-01 gives an age of 225 years on 2025-01-01, which is implausible "
        "(expected 0–125 years)",
    }
    kb = load_knowledge()
    for i, row in enumerate(pl.DataFrame(rows).iter_rows(named=True), start=1):
        values = {k: v for k, v in row.items() if k != "id" and v is not None}
        try:
            parse_record(row_to_record(values, kb.catalog))
        except RecordValidationError as exc:
            assert [p.path for p in exc.problems] == [c for (n, c) in reasons if n == i]
        else:
            assert row["id"] in ("e", "g")
