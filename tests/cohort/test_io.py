"""Inputs: CSV, Parquet (file or directory), Arrow IPC, polars, pandas and pyarrow frames."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from myoscope import load_knowledge
from myoscope.cohort import Classifier, classify
from myoscope.cohort.tables import record_to_row, row_to_record, table_columns
from myoscope.errors import InputFileError

ROWS = {
    "id": ["p1", "p2"],
    "sex": ["female", "male"],
    "grip_strength": [14.0, 40.0],
    "gait_speed": [0.6, 1.2],
}


def outcomes(data: object, **kw: object) -> list[str]:
    return classify(data, ["ewgsop2", "sdoc2020"], **kw).table["sdoc2020"].to_list()  # type: ignore[arg-type]


def test_every_input_kind_gives_the_same_result(tmp_path: Path) -> None:
    df = pl.DataFrame(ROWS)
    df.write_csv(tmp_path / "a.csv")
    df.write_parquet(tmp_path / "a.parquet")
    df.write_ipc(tmp_path / "a.arrow")
    (tmp_path / "dir").mkdir()
    df.write_parquet(tmp_path / "dir" / "part-0.parquet")
    want = outcomes(df)
    assert want == ["sarcopenia", "no_sarcopenia"]
    for source in (
        tmp_path / "a.csv",
        tmp_path / "a.parquet",
        tmp_path / "a.arrow",
        tmp_path / "dir",
        df.lazy(),
        str(tmp_path / "a.csv"),
    ):
        assert outcomes(source) == want, source
    pd = pytest.importorskip("pandas")
    pa = pytest.importorskip("pyarrow")
    assert outcomes(pd.DataFrame(ROWS)) == want
    assert outcomes(pa.table(ROWS)) == want


def test_nan_and_csv_missing_markers_are_missing(tmp_path: Path) -> None:
    (tmp_path / "m.csv").write_text("sex,grip_strength\nmale,NA\nfemale,\nmale,NaN\n", encoding="utf-8")
    r = classify(tmp_path / "m.csv", ["ewgsop2"])
    assert r.rows_rejected == 0 and set(r.table["ewgsop2"].to_list()) == {"indeterminate"}


def test_id_column_and_row_numbers() -> None:
    df = pl.DataFrame({"person": [7, 8], "sex": ["male", "female"]})
    assert classify(df, ["ewgsop2"], id_column="person").table.columns[0] == "person"
    no_id = classify(pl.DataFrame({"sex": ["male", "female"]}), ["ewgsop2"])
    assert no_id.table["row"].to_list() == [1, 2]
    with pytest.raises(InputFileError, match="id column 'nope' is not in the input"):
        classify(df, ["ewgsop2"], id_column="nope")


def test_extra_columns_are_refused_unless_ignored() -> None:
    df = pl.DataFrame({"sex": ["male"], "notes": ["x"]})
    with pytest.raises(InputFileError, match="unknown column"):
        classify(df, ["ewgsop2"])
    assert classify(df, ["ewgsop2"], extra="ignore").rows_classified == 1


def test_flat_columns_round_trip_to_records() -> None:
    cat = load_knowledge().catalog
    rec = {
        "sex": "female",
        "sarc_f": {"strength": 1, "falls": 2},
        "weight_history": [{"months_ago": 6.0, "weight": 60.0}, {"months_ago": 12.0, "weight": 62.0}],
    }
    row = record_to_row(rec, cat)
    assert row == {
        "sex": "female",
        "sarc_f_strength": 1,
        "sarc_f_falls": 2,
        "weight_previous": 60.0,
        "weight_previous_months_ago": 6.0,
        "weight_previous_2": 62.0,
        "weight_previous_2_months_ago": 12.0,
    }
    assert row_to_record(row, cat) == rec
    assert set(row) <= set(table_columns(cat, history=2))


def test_a_directory_of_parquet_files_with_differing_columns_is_named(tmp_path: Path) -> None:
    """One table per directory: a file with other columns or types is named before anything
    runs (polars' own message spoke of its Python API)."""
    from myoscope.cohort.io import scan

    d = tmp_path / "parts"
    d.mkdir()
    pl.DataFrame({"sex": ["male"], "age": [70.0]}).write_parquet(d / "a.parquet")
    pl.DataFrame({"sex": ["male"], "age": ["70"], "grip_strength": [20.0]}).write_parquet(d / "b.parquet")
    with pytest.raises(InputFileError) as err:
        scan(d)
    assert str(err.value) == (
        f"{d}: the Parquet files differ in their columns (b.parquet: columns not in a.parquet: grip_strength; "
        "other types for age (String, not Float64)); a directory must hold one table"
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("row", "the input has a column named 'row', which the engine uses for row numbers"),
        ("__bad", "column(s) __bad: names of the form __name are reserved for the engine's own columns"),
    ],
)
def test_a_column_named_like_the_engines_own_is_refused(name: str, message: str) -> None:
    # before, "row" stopped polars with a clash of names and "__bad" with a type error
    df = pl.DataFrame({"id": ["a"], "sex": ["male"], "grip_strength": [30.0], name: [1]})
    with pytest.raises(InputFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        classify(df, ["ewgsop2"], extra="ignore")


def test_pandas_index_column_is_an_extra_column() -> None:
    # pandas writes a filtered frame's index to Parquet as __index_level_0__
    df = pl.DataFrame({"sex": ["male"], "grip_strength": [30.0], "__index_level_0__": [7]})
    assert classify(df, ["ewgsop2"], extra="ignore").rows_classified == 1


def test_text_stored_as_bytes_is_read_as_text(tmp_path: Path) -> None:
    # before, a Parquet binary column was read as bytes and every cell rejected (b'male' is not a
    # sex); Spark's readers read it as text
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    table = pa.table(
        {
            "id": ["p1", "p2", "p3", "p4"],
            "sex": pa.array([b"female", b"male", None, b"\xff\xfe"], pa.binary()),
            "grip_strength": pa.array([b"14", b"40", b"22", b"30"], pa.binary()),
        }
    )
    pq.write_table(table, tmp_path / "bytes.parquet")
    r = classify(tmp_path / "bytes.parquet", ["ewgsop2"], id_column="id")
    text = pl.DataFrame({"id": ["p1", "p2"], "sex": ["female", "male"], "grip_strength": ["14", "40"]})
    assert r.table.equals(classify(text, ["ewgsop2"], id_column="id").table)
    # a missing cell stays missing; bytes that are not UTF-8 are a bad value, shown as Spark shows
    # them (each invalid byte replaced by U+FFFD)
    assert r.rejects.select("row", "column", "value").rows() == [(3, "sex", None), (4, "sex", "\ufffd\ufffd")]


def test_dictionary_columns_are_read_as_their_text(tmp_path: Path) -> None:
    # pandas' category columns and R's factors are written as Parquet dictionaries, which polars
    # reads as Categorical; before, every number in one was rejected ("cannot read 0.6 as a
    # number"), where the same text in a plain column, or in Spark, is read
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    table = pa.table({c: pa.array([str(v) for v in vs]).dictionary_encode() for c, vs in ROWS.items()})
    pq.write_table(table, tmp_path / "factors.parquet")
    assert pl.read_parquet_schema(tmp_path / "factors.parquet")["gait_speed"] == pl.Categorical
    r = classify(tmp_path / "factors.parquet", ["ewgsop2", "sdoc2020"], id_column="id")
    assert r.rejects.is_empty()
    assert r.table.equals(classify(pl.DataFrame(ROWS), ["ewgsop2", "sdoc2020"], id_column="id").table)
    # a Classifier made for the frame's own types reads it the same way
    frame = pl.DataFrame(ROWS).with_columns(pl.col("sex", "gait_speed").cast(pl.String).cast(pl.Categorical))
    read = Classifier(dict(frame.schema), ["ewgsop2", "sdoc2020"])(frame)
    assert read.table["sdoc2020"].to_list() == outcomes(pl.DataFrame(ROWS))


def test_a_duration_is_a_bad_value_named_in_iso_8601() -> None:
    # a time span (pandas' visit date minus birth date) is no number of years; polars has no cast
    # from it to text, and the run stopped with polars' own message
    import datetime as dt

    df = pl.DataFrame({**ROWS, "age": [dt.timedelta(days=25567), None]})
    r = classify(df, ["ewgsop2"])
    assert r.rejects.rows() == [(1, "age", "P25567D", "cannot read P25567D as a number in years")]
    assert r.rows_classified == 1
