"""The native Spark engine (local[2], small tables) gives exactly the polars engine's output,
rejects and summary, reading with Spark's own readers (Parquet, CSV, a catalog table)."""

from __future__ import annotations

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


def test_catalog_table_and_csv_output(spark: Any, tmp_path: Path) -> None:
    data = synthesise(300, tmp_path / "in.parquet", seed=5, bad_share=0.02)
    spark.read.parquet(str(data)).createOrReplaceTempView("myoscope_test_cohort")
    s = run_spark(
        None, tmp_path / "out.csv", ["ewgsop2", "sarc_f"], spark=spark, input_table="myoscope_test_cohort",
        mode="native",
    )
    p = run_cohort(data, tmp_path / "polars.csv", ["ewgsop2", "sarc_f"])
    assert (s.rows_in, s.rows_classified, s.rows_rejected) == (p.rows_in, p.rows_classified, p.rows_rejected)
    got = pl.read_csv(str(tmp_path / "out.csv" / "*.csv"), infer_schema=False).sort("id")
    want = pl.read_csv(tmp_path / "polars.csv", infer_schema=False).sort("id")
    diff = got.join(want.select(got.columns), on="id", suffix="_p").filter(
        pl.any_horizontal([pl.col(c).ne_missing(pl.col(f"{c}_p")) for c in got.columns if c != "id"])
    )
    first = diff.row(0, named=True) if diff.height else {}
    assert diff.height == 0, {
        c: (first[c], first[f"{c}_p"]) for c in got.columns if c != "id" and first[c] != first[f"{c}_p"]
    }
    with pytest.raises(InputFileError, match="cannot read table no_such_table"):
        run_spark(None, tmp_path / "x.parquet", spark=spark, input_table="no_such_table", mode="native")
