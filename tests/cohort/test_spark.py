"""The Spark engine (local[2], small tables) gives exactly the polars engine's output."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

pytest.importorskip("pyspark")
pytest.importorskip("pyarrow")

from myoscope.cohort import run_cohort
from myoscope.cohort.spark import read_output, run_spark, spark_session
from myoscope.cohort.synth import synthesise
from myoscope.cohort.validate import REJECT_SCHEMA

DEFS = ["ewgsop2", "awgs2019", "fnih2014", "sarc_calf", "glim2019", "fried2001"]


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    session = spark_session("local[2]")
    yield session
    session.stop()


@pytest.mark.parametrize("suffix", ["parquet", "csv"])
def test_spark_output_equals_polars(spark: Any, tmp_path: Path, suffix: str) -> None:
    data = synthesise(1_500, tmp_path / f"in.{suffix}", seed=11, bad_share=0.03)
    s = run_spark(data, tmp_path / "spark.parquet", DEFS, spark=spark)
    p = run_cohort(data, tmp_path / "polars.parquet", DEFS)
    assert (s.rows_in, s.rows_classified, s.rows_rejected, s.bad_values) == (
        p.rows_in,
        p.rows_classified,
        p.rows_rejected,
        p.bad_values,
    )
    assert s.rows_in == 1_500 == s.rows_classified + s.rows_rejected and s.rows_rejected > 0
    got = read_output(tmp_path / "spark.parquet").sort("id")
    want = pl.read_parquet(tmp_path / "polars.parquet").sort("id")
    assert got.columns == want.columns
    assert got.with_columns([pl.col(c).cast(want.schema[c]) for c in got.columns]).equals(want)
    rej_s = pl.read_csv(str(tmp_path / "spark.rejects.csv" / "*.csv"), schema=REJECT_SCHEMA)
    rej_p = pl.read_csv(tmp_path / "polars.rejects.csv", schema=REJECT_SCHEMA)
    assert rej_s.equals(rej_p)
    assert s.summary is not None and p.summary is not None
    assert s.summary.prevalence.sort("definition", "group", "level", "outcome").equals(
        p.summary.prevalence.sort("definition", "group", "level", "outcome")
    )
