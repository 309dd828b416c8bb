"""The native Spark engine (local[2], small tables) gives exactly the polars engine's output,
rejects and summary, reading with Spark's own readers (Parquet, CSV, a catalog table)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import polars as pl
import pytest

pytest.importorskip("pyspark")
pytest.importorskip("pyarrow")

from myoscope.cohort import run_cohort
from myoscope.cohort.spark import read_output, run_spark
from myoscope.cohort.synth import synthesise
from myoscope.cohort.validate import REJECT_SCHEMA
from myoscope.errors import InputFileError

DEFS = ["ewgsop2", "awgs2019", "fnih2014", "sarc_calf", "glim2019", "fried2001"]


@pytest.mark.parametrize(("suffix", "mode"), [("parquet", "native"), ("csv", "native"), ("parquet", "arrow")])
def test_spark_output_equals_polars(spark: Any, tmp_path: Path, suffix: str, mode: str) -> None:
    data = synthesise(600, tmp_path / f"in.{suffix}", seed=11, bad_share=0.03)
    s = run_spark(data, tmp_path / "spark.parquet", DEFS, spark=spark, mode=mode)
    p = run_cohort(data, tmp_path / "polars.parquet", DEFS)
    assert (s.rows_in, s.rows_classified, s.rows_rejected, s.bad_values) == (
        p.rows_in,
        p.rows_classified,
        p.rows_rejected,
        p.bad_values,
    )
    assert s.rows_in == 600 == s.rows_classified + s.rows_rejected and s.rows_rejected > 0
    got = read_output(tmp_path / "spark.parquet").sort("id")
    want = pl.read_parquet(tmp_path / "polars.parquet").sort("id")
    assert got.columns == want.columns
    assert got.with_columns([pl.col(c).cast(want.schema[c]) for c in got.columns]).equals(want)
    rej_s = pl.read_csv(str(tmp_path / "spark.rejects.csv" / "*.csv"), schema=REJECT_SCHEMA)
    rej_p = pl.read_csv(tmp_path / "polars.rejects.csv", schema=REJECT_SCHEMA)
    assert rej_s.equals(rej_p)
    assert s.summary is not None and p.summary is not None
    order = ["definition", "group", "level", "outcome"]
    assert s.summary.prevalence.sort(order).equals(p.summary.prevalence.sort(order))
    assert s.summary.agreement.equals(p.summary.agreement)
    # in_population and its counts: no Asian ancestry recorded leaves AWGS unknown on every row,
    # Fried's older adults (65 and over) are ruled in and out by the age
    assert s.summary.population.equals(p.summary.population)
    population = {r["definition"]: r for r in p.summary.population.iter_rows(named=True)}
    assert population["awgs2019"]["not_established"] == p.rows_classified
    assert population["fried2001"]["ruled_out"] == want.filter(~pl.col("fried2001_in_population")).height > 0
    assert population["ewgsop2"]["not_established"] == population["ewgsop2"]["ruled_out"] == 0


def test_catalog_table_and_tsv_output(spark: Any, tmp_path: Path) -> None:
    # a .tsv output is tab-separated in both engines (polars wrote commas, Spark Parquet)
    data = synthesise(300, tmp_path / "in.parquet", seed=5, bad_share=0.02)
    spark.read.parquet(str(data)).createOrReplaceTempView("myoscope_test_cohort")
    s = run_spark(
        None,
        tmp_path / "out.tsv",
        ["ewgsop2", "sarc_f"],
        spark=spark,
        input_table="myoscope_test_cohort",
        mode="native",
    )
    p = run_cohort(data, tmp_path / "polars.tsv", ["ewgsop2", "sarc_f"])
    assert (s.rows_in, s.rows_classified, s.rows_rejected) == (p.rows_in, p.rows_classified, p.rows_rejected)
    got = pl.read_csv(str(tmp_path / "out.tsv" / "*.csv"), infer_schema=False, separator="\t").sort("id")
    want = pl.read_csv(tmp_path / "polars.tsv", infer_schema=False, separator="\t").sort("id")
    assert got.width == want.width == 9
    diff = got.join(want.select(got.columns), on="id", suffix="_p").filter(
        pl.any_horizontal([pl.col(c).ne_missing(pl.col(f"{c}_p")) for c in got.columns if c != "id"])
    )
    first = diff.row(0, named=True) if diff.height else {}
    assert diff.height == 0, {
        c: (first[c], first[f"{c}_p"]) for c in got.columns if c != "id" and first[c] != first[f"{c}_p"]
    }
    with pytest.raises(InputFileError, match="cannot read table no_such_table"):
        run_spark(None, tmp_path / "x.parquet", spark=spark, input_table="no_such_table", mode="native")


def test_weighted_summary_equals_polars_and_collects_only_aggregates(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Survey-weighted prevalence and the kappa matrix from Spark's aggregations equal polars'
    (weights summed in another order: equal to rounding), and every result the driver receives
    during the run comes from an aggregation, never a collect of classified rows."""
    from pyspark.sql.classic.dataframe import DataFrame  # what the local session's frames are

    raw = synthesise(800, tmp_path / "raw.parquet", seed=23, bad_share=0.02)
    frame = pl.read_parquet(raw)
    n = frame.height
    # a few weights missing, negative, infinite (rejected alike) or 0 (in the data, not the estimate)
    odd = {0: None, 1: -1.0, 2: math.inf, 3: 0.0, 4: math.nan}  # a Parquet NaN is missing
    frame = frame.with_columns(
        svy_w=pl.Series([odd.get(i % 97, 0.5 + (i * 37 % 101) / 13.0) for i in range(n)]),
        svy_strata=pl.Series([i % 3 for i in range(n)]),
        svy_psu=pl.Series([i * 7 % 5 for i in range(n)]),
    )
    data = tmp_path / "in.parquet"
    frame.write_parquet(data)
    design = {"weight": "svy_w", "strata": "svy_strata", "psu": "svy_psu"}

    collected: list[str] = []
    real_collect = DataFrame.collect

    def spy(self: Any) -> Any:
        plan = self._jdf.queryExecution().optimizedPlan()
        while plan.nodeName() in ("GlobalLimit", "LocalLimit", "Project", "Sort", "Filter"):
            plan = plan.children().apply(0)
        collected.append(plan.nodeName())
        return real_collect(self)

    monkeypatch.setattr(DataFrame, "collect", spy)
    s = run_spark(data, tmp_path / "spark.parquet", DEFS, spark=spark, mode="native", **design)
    monkeypatch.undo()
    p = run_cohort(data, tmp_path / "polars.parquet", DEFS, **design)
    assert collected and set(collected) == {"Aggregate"}, collected
    assert s.summary is not None and p.summary is not None and s.summary.weighted
    order = ["definition", "group", "level", "outcome"]
    from polars.testing import assert_frame_equal

    assert_frame_equal(s.summary.prevalence.sort(order), p.summary.prevalence.sort(order), rel_tol=1e-9)
    assert_frame_equal(s.summary.agreement, p.summary.agreement, rel_tol=1e-9)
    rej_s = pl.read_csv(f"{s.rejects_path}/*.csv", schema=REJECT_SCHEMA)
    assert rej_s.equals(pl.read_csv(p.rejects_path, schema=REJECT_SCHEMA))
    assert set(rej_s.filter(pl.col("column") == "svy_w")["reason"]) == {
        "missing: a survey-weighted estimate needs each row's weight",
        "-1.0 is not a survey weight (expected a finite number, 0 or more)",
        "inf is not a survey weight (expected a finite number, 0 or more)",
    }


def test_all_null_column_and_no_staging_left(spark: Any, tmp_path: Path) -> None:
    """A column with no value at all (Spark's void type, which Parquet cannot hold) is read as
    missing, the rows are staged and classified as polars classifies them, and the staging
    directory beside the output is gone afterwards."""
    from pyspark.sql import functions as F

    data = synthesise(200, tmp_path / "in.parquet", seed=3, bad_share=0.05)
    frame = spark.read.parquet(str(data)).withColumn("gait_speed", F.lit(None))
    assert dict(frame.dtypes)["gait_speed"] == "void"
    out = tmp_path / "out" / "spark.parquet"
    s = run_spark(frame, out, ["ewgsop2", "sarc_calf"], spark=spark, mode="native")
    nulled = pl.read_parquet(data).with_columns(gait_speed=pl.lit(None, pl.Float64))
    nulled.write_parquet(tmp_path / "nulled.parquet")
    p = run_cohort(tmp_path / "nulled.parquet", tmp_path / "polars.parquet", ["ewgsop2", "sarc_calf"])
    assert (s.rows_classified, s.rows_rejected) == (
        p.rows_classified,
        p.rows_rejected,
    ) and s.rows_rejected > 0
    got = read_output(out).sort("id")
    want = pl.read_parquet(tmp_path / "polars.parquet").sort("id")
    assert got.with_columns([pl.col(c).cast(want.schema[c]) for c in got.columns]).equals(want)
    assert sorted(p.name for p in out.parent.iterdir()) == ["spark.parquet", "spark.rejects.csv"]


def test_staging_removed_when_the_run_fails(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run that fails after staging its rows and computing the summary's combinations (here
    in writing the output) leaves no staging directory and no cached combinations behind."""
    import myoscope.cohort.spark as spark_module

    def fail(*args: Any) -> Any:
        raise RuntimeError("output failed")

    monkeypatch.setattr(spark_module, "write", fail)
    data = synthesise(100, tmp_path / "in.parquet", seed=4)
    out = tmp_path / "out" / "spark.parquet"
    cached = spark.sparkContext._jsc.getPersistentRDDs().size()
    with pytest.raises(RuntimeError, match="output failed"):
        run_spark(data, out, ["sarc_calf"], spark=spark, mode="native")
    assert not [p for p in out.parent.iterdir() if ".staging-" in p.name]
    assert spark.sparkContext._jsc.getPersistentRDDs().size() == cached


def test_a_failed_clean_up_does_not_hide_the_runs_error(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the run fails and deleting its staging directory fails too, the run's error is the
    one raised."""
    import myoscope.cohort.spark as spark_module

    def fail(*args: Any) -> Any:
        raise RuntimeError("summary failed")

    def cannot_delete(*args: Any) -> None:
        raise OSError("cannot delete")

    monkeypatch.setattr(spark_module, "_summary", fail)
    monkeypatch.setattr(spark_module, "_remove", cannot_delete)
    data = synthesise(100, tmp_path / "in.parquet", seed=4)
    with pytest.raises(RuntimeError, match="summary failed"):
        run_spark(data, tmp_path / "out" / "spark.parquet", ["sarc_calf"], spark=spark, mode="native")


def test_method_limit_follows_the_jvm_flag(spark: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The session made here runs a JVM that compiles huge methods, so whole-stage code may reach
    the larger limit; a JVM without the flag gets HotSpot's own limit (cohort/spark.py)."""
    import myoscope.cohort.spark as spark_module

    args = (
        spark.sparkContext._jvm.java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()
    )
    assert spark_module.HUGE_METHODS_FLAG in list(args)
    limit = spark_module.METHOD_LIMIT
    spark_module.configure(spark)
    assert spark.conf.get(limit) == spark_module.COMPILED_METHOD_LIMIT
    monkeypatch.setattr(spark_module, "HUGE_METHODS_FLAG", "-XX:+SomeOtherFlag")
    spark_module.configure(spark)
    assert spark.conf.get(limit) == spark_module.HUGE_METHOD_LIMIT == "8000"
    monkeypatch.undo()
    spark_module.configure(spark)
    assert spark.conf.get(limit) == spark_module.COMPILED_METHOD_LIMIT


def test_a_method_limit_the_user_set_is_kept(spark: Any) -> None:
    from myoscope.cohort.spark import COMPILED_METHOD_LIMIT, METHOD_LIMIT, SPARK_METHOD_LIMIT, configure

    spark.conf.set(METHOD_LIMIT, "12345")
    try:
        configure(spark)
        assert spark.conf.get(METHOD_LIMIT) == "12345"
    finally:
        spark.conf.unset(METHOD_LIMIT)
    assert spark.conf.get(METHOD_LIMIT) == SPARK_METHOD_LIMIT  # Spark's default, so ours is set
    configure(spark)
    assert spark.conf.get(METHOD_LIMIT) == COMPILED_METHOD_LIMIT


MAPPED = {
    # NHANES: sex codes, grams of lean mass summed over four limbs, grip as the best of six
    # trials, a 20-foot walk; one row with a sex code outside the coding, one with nothing measured
    "nhanes": pl.DataFrame(
        {
            "SEQN": [11, 12, 13, 14],
            "RIAGENDR": [2, 1, 3, 1],
            "RIDAGEYR": [81.0, 67.0, 70.0, None],
            "BMXHT": [152.0, 176.0, 160.0, None],
            "BMXWT": [49.5, 82.0, 60.0, None],
            "MGXH1T1": [11.0, 39.0, 20.0, None],
            "MGXH1T2": [None, 41.5, None, None],
            "MGXH1T3": [12.5, None, None, None],
            "MGXH2T1": [10.0, 37.0, None, None],
            "MGXH2T2": [None, None, None, None],
            "MGXH2T3": [None, None, None, None],
            "DXDLALE": [1500.0, 2900.0, None, None],
            "DXDRALE": [1550.0, 3000.0, None, None],
            "DXDLLLE": [4800.0, 8600.0, None, None],
            "DXDRLLE": [4700.0, 8800.0, None, None],
            "MSXWTIME": [11.5, 4.2, None, None],
        }
    ),
    # UK Biobank field ids: sex coded 0/1 (9 is outside the coding), left and right grip
    "ukb": pl.DataFrame(
        {
            "eid": [5, 6, 7, 8],
            "31-0.0": [1, 0, 9, 0],
            "21003-0.0": [70.0, 64.0, 58.0, 75.0],
            "50-0.0": [181.0, 158.0, 170.0, 150.0],
            "46-0.0": [25.0, 17.0, 30.0, None],
            "47-0.0": [29.0, 15.5, 31.0, 12.0],
        }
    ),
}


@pytest.mark.parametrize(
    ("name", "suffix", "mode"),
    [("nhanes", "parquet", None), ("ukb", "parquet", None), ("ukb", "csv", None), ("ukb", "csv", "arrow")],
)
def test_a_mapping_reads_like_polars(
    spark: Any, tmp_path: Path, name: str, suffix: str, mode: str | None
) -> None:
    # UK Biobank's column names hold dots (31-0.0), which Spark reads as struct fields unless
    # quoted; mode None is the default (native)
    data = tmp_path / f"in.{suffix}"
    getattr(MAPPED[name], f"write_{suffix}")(data)
    defs = ["ewgsop2", "fnih2014", "iwgs2011"]
    options = {"mode": mode} if mode else {}
    s = run_spark(data, tmp_path / "spark.parquet", defs, mapping=name, spark=spark, **options)
    p = run_cohort(data, tmp_path / "polars.parquet", defs, mapping=name)
    assert (s.rows_in, s.rows_classified, s.rows_rejected) == (p.rows_in, p.rows_classified, p.rows_rejected)
    assert s.rows_rejected == 1 and s.rows_classified == 3
    want = pl.read_parquet(tmp_path / "polars.parquet")
    key = want.columns[0]
    got = read_output(tmp_path / "spark.parquet").sort(key)
    assert got.columns == want.columns
    assert got.with_columns([pl.col(c).cast(want.schema[c]) for c in got.columns]).equals(want.sort(key))
    rej_s = pl.read_csv(str(tmp_path / "spark.rejects.csv" / "*.csv"), schema=REJECT_SCHEMA)
    assert rej_s.equals(pl.read_csv(tmp_path / "polars.rejects.csv", schema=REJECT_SCHEMA))


@pytest.mark.parametrize("mode", ["native", "arrow"])
def test_bad_headers_reserved_names_and_malformed_rows_are_refused_as_polars_refuses_them(
    spark: Any, tmp_path: Path, mode: str
) -> None:
    # Spark's CSV reader renames a column named twice (age0, age3) or unnamed (_c3) silently
    cases = {
        "twice": "id,sex,age,age\na,male,70,71\n",
        "unnamed": "id,sex,age,\na,male,70,1\n",
        "reserved": "id,sex,age,__bad\na,male,70,1\n",
        "reserved by Spark's reader": "id,sex,age,__malformed\na,male,70,1\n",
        "row": "id,sex,age,row\na,male,70,1\n",
        # Spark's reader made a 0-byte file a table with no columns (AnalysisException), and
        # padded a short row or cut a long one where polars refuses both
        "empty": "",
        "ragged": "id,sex,age\na,male,70,1\nb,female\nc,male,71\n",
        "many ragged": "id,sex,age\n" + "a,male\n" * 7,
    }
    for name, text in cases.items():
        data = tmp_path / f"{name}.csv"
        data.write_text(text, encoding="utf-8")
        with pytest.raises(InputFileError) as polars_error:
            run_cohort(data, tmp_path / f"{name}.parquet", ["ewgsop2"], extra="ignore")
        with pytest.raises(InputFileError) as spark_error:
            run_spark(
                data, tmp_path / f"{name}_s.parquet", ["ewgsop2"], spark=spark, mode=mode, extra="ignore"
            )
        assert str(spark_error.value) == str(polars_error.value), name
    # pandas' index column, written to Parquet from a filtered frame, is an ordinary extra column
    indexed = tmp_path / "indexed.parquet"
    pl.DataFrame({"sex": ["male"], "grip_strength": [30.0], "__index_level_0__": [7]}).write_parquet(indexed)
    s = run_spark(
        indexed, tmp_path / "indexed_s.parquet", ["ewgsop2"], spark=spark, mode=mode, extra="ignore"
    )
    assert s.rows_classified == 1


@pytest.mark.parametrize("mode", ["native", "arrow"])
def test_csv_cells_with_line_breaks_are_read_as_polars_reads_them(
    spark: Any, tmp_path: Path, mode: str
) -> None:
    # Spark's reader split a record at a line break inside quotes (3 rows, wrong reject lines),
    # and read a backslash before a quote as an escape, where polars doubles quotes (RFC 4180)
    data = tmp_path / "breaks.csv"
    text = '\ufeffid,sex,grip_strength,note\r\na,"ma\nle",20,"C:\\dir\\"\r\nb,female,14,"say ""hi"""\r\n'
    data.write_text(text, encoding="utf-8")
    s = run_spark(data, tmp_path / "s.parquet", ["ewgsop2"], spark=spark, mode=mode, extra="ignore")
    p = run_cohort(data, tmp_path / "p.parquet", ["ewgsop2"], extra="ignore")
    assert (
        (s.rows_in, s.rows_classified, s.rows_rejected)
        == (p.rows_in, p.rows_classified, p.rows_rejected)
        == (2, 1, 1)
    )
    rej_s = pl.read_csv(f"{s.rejects_path}/*.csv", schema=REJECT_SCHEMA)
    assert rej_s.equals(pl.read_csv(p.rejects_path, schema=REJECT_SCHEMA))
    assert rej_s.rows() == [(1, "sex", "ma\nle", "ma\nle is not one of male, female")]
    assert read_output(tmp_path / "s.parquet").equals(pl.read_parquet(tmp_path / "p.parquet"))
    # a quote never closed: Spark's reader took the rest of the file into one cell
    data.write_text('id,sex,grip_strength\na,male,"20\nb,female,14\n', encoding="utf-8")
    with pytest.raises(InputFileError, match="a quote may be left open"):
        run_cohort(data, tmp_path / "p2.parquet", ["ewgsop2"])
    with pytest.raises(InputFileError, match="a quote opened near the end of the file is never closed"):
        run_spark(data, tmp_path / "s2.parquet", ["ewgsop2"], spark=spark, mode=mode)


def test_a_csv_read_in_one_task_is_spread_over_the_cores(spark: Any, tmp_path: Path) -> None:
    from myoscope.cohort.spark import read, spread, with_row_numbers

    # a CSV file is one task (quoted cells may hold line breaks); its rows ran on one core
    data = tmp_path / "one.csv"
    data.write_text("id,sex\n" + "".join(f"{i},male\n" for i in range(100)), encoding="utf-8")
    frame, _ = with_row_numbers(read(spark, data))
    assert frame.rdd.getNumPartitions() == 1
    cores = spark.sparkContext.defaultParallelism
    spread_out = spread(frame, data)
    assert cores > 1 and spread_out.rdd.getNumPartitions() == cores
    assert sorted(r["row"] for r in spread_out.select("row").collect()) == list(range(1, 101))
    assert spread(frame, tmp_path / "one.parquet") is frame


@pytest.mark.parametrize("mode", ["native", "arrow"])
def test_whole_decimal_ids_keep_every_digit(spark: Any, tmp_path: Path, mode: str) -> None:
    import decimal

    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    # an Oracle NUMBER id beyond 2**53: arrow mode read decimals as doubles, so these two ids
    # became one (9007199254740992.0) in its output
    ids = [decimal.Decimal(2**53 + 1), decimal.Decimal(2**53)]
    data = tmp_path / "ids.parquet"
    pq.write_table(
        pa.table(
            {
                "id": pa.array(ids, pa.decimal128(38, 0)),
                "sex": ["male", "female"],
                "grip_strength": [20.0, 14.0],
            }
        ),
        data,
    )
    run_spark(data, tmp_path / "s.parquet", ["ewgsop2"], spark=spark, mode=mode)
    run_cohort(data, tmp_path / "p.parquet", ["ewgsop2"])
    got = read_output(tmp_path / "s.parquet").sort("id")
    assert got["id"].to_list() == sorted(ids)
    assert got.equals(pl.read_parquet(tmp_path / "p.parquet").sort("id"))


@pytest.mark.parametrize("mode", ["native", "arrow"])
def test_column_types_nested_columns_and_no_row_classified_as_polars(
    spark: Any, tmp_path: Path, mode: str
) -> None:
    import datetime as dt
    import decimal

    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    # decimals and timestamps are read as polars reads them (arrow mode's kernel stopped on them),
    # text stored as bytes and numbers in a dictionary as Spark reads them (polars rejected every
    # row: b'male' is no sex, "22" in a Categorical no number)
    typed = tmp_path / "typed.parquet"
    pq.write_table(
        pa.table(
            {
                "id": ["a", "b"],
                "sex": pa.array([b"male", b"female"], pa.binary()),
                "age": pa.array([decimal.Decimal("70.5"), decimal.Decimal("81.0")], pa.decimal128(5, 1)),
                "date": pa.array([dt.datetime(2024, 1, 2, 10), dt.datetime(2024, 3, 4)], pa.timestamp("us")),
                # a dictionary (pandas' category, R's factor): Spark reads its text, as polars now does
                "grip_strength": pa.array(["22", "14"]).dictionary_encode(),
            }
        ),
        typed,
    )
    s = run_spark(typed, tmp_path / "typed_s.parquet", ["ewgsop2"], spark=spark, mode=mode)
    p = run_cohort(typed, tmp_path / "typed_p.parquet", ["ewgsop2"])
    assert (s.rows_classified, s.rows_rejected) == (p.rows_classified, p.rows_rejected) == (2, 0)
    got = read_output(tmp_path / "typed_s.parquet").sort("id")
    assert got.equals(pl.read_parquet(tmp_path / "typed_p.parquet").sort("id"))
    # bytes that are not UTF-8: the same reject line (arrow mode's kernel crashed on them)
    pq.write_table(pa.table({"id": ["a", "b"], "sex": pa.array([b"male", b"\xff\xfe"], pa.binary())}), typed)
    s = run_spark(typed, tmp_path / "bytes_s.parquet", ["ewgsop2"], spark=spark, mode=mode)
    p = run_cohort(typed, tmp_path / "bytes_p.parquet", ["ewgsop2"])
    assert s.rows_classified == p.rows_classified == 1
    rej_s = pl.read_csv(f"{s.rejects_path}/*.csv", schema=REJECT_SCHEMA)
    assert rej_s.equals(pl.read_csv(p.rejects_path, schema=REJECT_SCHEMA))
    assert rej_s.rows() == [(2, "sex", "\ufffd\ufffd", "\ufffd\ufffd is not one of male, female")]
    # times of day (Spark refused the whole file, used or not): an unused one ignored, and one
    # where a date is expected the same reject line as polars, shown without its fraction of a
    # second (polars writes time64[ns], pandas time64[us])
    times = {
        "id": ["a", "b"],
        "sex": ["male", "female"],
        "date": pa.array([dt.time(9, 0, 0, 500), None], pa.time64("us")),
        "visit": pa.array([dt.time(10, 30), None], pa.time64("ns")),
    }
    pq.write_table(pa.table(times), typed)
    s = run_spark(typed, tmp_path / "time_s.parquet", ["ewgsop2"], spark=spark, mode=mode, extra="ignore")
    p = run_cohort(typed, tmp_path / "time_p.parquet", ["ewgsop2"], extra="ignore")
    assert s.rows_classified == p.rows_classified == 1
    rej_s = pl.read_csv(f"{s.rejects_path}/*.csv", schema=REJECT_SCHEMA)
    assert rej_s.equals(pl.read_csv(p.rejects_path, schema=REJECT_SCHEMA))
    assert rej_s.rows() == [(1, "date", "09:00:00", "expected a date YYYY-MM-DD, got 09:00:00")]
    # a column of lists is refused, used or not, with the polars engine's message
    nested = tmp_path / "nested.parquet"
    pq.write_table(pa.table({"id": ["a"], "sex": ["male"], "tags": [["x", "y"]]}), nested)
    with pytest.raises(InputFileError) as polars_error:
        run_cohort(nested, tmp_path / "n.parquet", ["ewgsop2"], extra="ignore")
    with pytest.raises(InputFileError) as spark_error:
        run_spark(nested, tmp_path / "n_s.parquet", ["ewgsop2"], spark=spark, mode=mode, extra="ignore")
    assert str(spark_error.value) == str(polars_error.value)
    # not one row classified: the same refusal as polars, and nothing left written
    hopeless = tmp_path / "hopeless.parquet"
    pl.DataFrame({"id": ["a", "b"], "sex": ["male", "x"], "grip_strength": [-3.0, 500.0]}).write_parquet(
        hopeless
    )
    with pytest.raises(InputFileError) as polars_error:
        run_cohort(hopeless, tmp_path / "h.parquet", ["ewgsop2"])
    cached = spark.sparkContext._jsc.getPersistentRDDs().size()
    with pytest.raises(InputFileError) as spark_error:
        run_spark(hopeless, tmp_path / "h_s.parquet", ["ewgsop2"], spark=spark, mode=mode)
    assert spark.sparkContext._jsc.getPersistentRDDs().size() == cached  # no cached rows left behind
    assert str(spark_error.value).startswith("not one of 2 rows could be classified, so nothing was written")
    assert str(spark_error.value) == str(polars_error.value)
    assert not (tmp_path / "h_s.parquet").exists() and not (tmp_path / "h_s.rejects.csv").exists()


@pytest.mark.parametrize("mode", ["native", "arrow"])
def test_an_id_on_several_rows_is_refused_as_polars_refuses_it(spark: Any, tmp_path: Path, mode: str) -> None:
    data = tmp_path / "ids.parquet"
    ids = ["p1", "p2", "p1", "p3", "p2", "p1", None, None, *[f"q{i}" for i in range(6) for _ in (0, 1)]]
    pl.DataFrame({"id": ids, "sex": ["female"] * len(ids), "grip_strength": [15.0] * len(ids)}).write_parquet(
        data
    )
    with pytest.raises(InputFileError) as polars_error:
        run_cohort(data, tmp_path / "p.parquet", ["ewgsop2"])
    with pytest.raises(InputFileError) as spark_error:
        run_spark(data, tmp_path / "s.parquet", ["ewgsop2"], spark=spark, mode=mode)
    assert str(spark_error.value).startswith(
        "8 id(s) in column 'id' appear more than once: 'p1' (rows 1, 3, 6)"
    )
    assert str(spark_error.value) == str(polars_error.value)
    s = run_spark(data, tmp_path / "s.parquet", ["ewgsop2"], spark=spark, mode=mode, allow_duplicate_ids=True)
    assert s.rows_classified == len(ids)


def test_date_rules_reject_as_polars_rejects(spark: Any, tmp_path: Path) -> None:
    # a date in the future, an age against its birth date, a birth date after the record's date,
    # and an implausible age from a birth date (1800: 225 years), each the polars engine's line
    from datetime import date, timedelta

    later = (date.today() + timedelta(days=400)).isoformat()
    on = "2025-01-01"
    data = tmp_path / "dates.csv"
    pl.DataFrame(
        {
            "id": ["a", "b", "c", "d", "e", "f", "g"],
            "sex": ["male"] * 7,
            "age": ["70", "60", None, None, None, "75", None],
            "date": [later, on, on, on, None, on, on],
            "birth_date": [
                None,
                "1950-01-01",
                "2025-06-01",
                "1800-01-01",
                "1950-01-01",
                "1950-01-01",
                "1925-01-01",
            ],
        }
    ).write_csv(data)
    s = run_spark(data, tmp_path / "s.parquet", ["ewgsop2"], spark=spark)
    p = run_cohort(data, tmp_path / "p.parquet", ["ewgsop2"])
    rej_s = pl.read_csv(f"{s.rejects_path}/*.csv", schema=REJECT_SCHEMA)
    assert rej_s.equals(pl.read_csv(p.rejects_path, schema=REJECT_SCHEMA))
    assert rej_s.select("row", "column").rows() == [
        (1, "date"),
        (2, "age"),
        (3, "birth_date"),
        (4, "birth_date"),
        (5, "birth_date"),
    ]
    assert (
        rej_s.row(3)[3]
        == "1800-01-01 gives an age of 225 years on 2025-01-01, which is implausible (expected 0–125 years)"
    )
    assert (
        read_output(tmp_path / "s.parquet")
        .sort("id")
        .equals(pl.read_parquet(tmp_path / "p.parquet").sort("id"))
    )


@pytest.mark.parametrize("name", ["out.parquet", "cohort.csv.parquet", "out.delta", "out", "v1.2.csv"])
def test_rejects_are_named_as_the_polars_engine_names_them(name: str) -> None:
    """``x.csv.parquet`` loses only its last suffix (Spark's run wrote ``x.rejects.csv``), for a
    local path and a URI alike."""
    from myoscope.cohort.run import rejects_path_for
    from myoscope.cohort.spark import _rejects_location

    want = rejects_path_for(Path("data") / name)
    assert _rejects_location(f"data/{name}") == str(want)
    assert _rejects_location(f"s3://bucket/data/{name}/") == f"s3://bucket/{want}"
