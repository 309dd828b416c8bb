"""The native Spark engine on a Spark Connect session, the kind that Databricks' standard access
mode and serverless compute give a notebook: no ``sparkContext``, no JVM in the client, and a plan
sent as protobuf messages. It gives the polars engine's output, rejects and summary.

A Spark Connect client cannot share a process with a classic session (PySpark then routes every
``functions`` call to Spark Connect), so the run happens in a child process that starts its own
local Spark Connect server (``SparkSession.builder.remote("local[2]")``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

pytest.importorskip("pyspark")
pytest.importorskip("pyarrow")
pytest.importorskip("grpc")  # Spark Connect's client (pyspark[connect])

from myoscope.cohort import run_cohort
from myoscope.cohort.spark import read_output, spark_session
from myoscope.cohort.synth import synthesise
from myoscope.cohort.validate import REJECT_SCHEMA
from myoscope.errors import InputFileError

#: the definitions with the deepest rule trees and the most checks of the knowledge base's (a
#: chain of 50 nested calls is beyond what Spark Connect's client can send)
DEFS = ["ewgsop2", "glim2019", "fried2001", "sarc_f"]

CHILD = """
import json, subprocess, sys
from pyspark.sql import SparkSession
from myoscope.cohort.spark import is_connect, parallelism, run_spark

spark = SparkSession.builder.remote("local[2]").getOrCreate()
runs = {}
for name in sys.argv[2:]:
    run = run_spark(f"{sys.argv[1]}/{name}", f"{sys.argv[1]}/out_{name}.parquet", DEFS, spark=spark)
    runs[name] = [run.rows_in, run.rows_classified, run.rows_rejected, run.bad_values, str(run.summary)]
cli = subprocess.run(
    [sys.executable, "-m", "myoscope", "cohort", f"{sys.argv[1]}/in.csv", "-o", f"{sys.argv[1]}/cli.parquet",
     "--engine", "spark", "--master", "sc://localhost:15002", "--definitions", ",".join(DEFS)],
    capture_output=True, text=True,
)
print(json.dumps({"connect": is_connect(spark), "parallelism": parallelism(spark), "runs": runs,
                  "cli": [cli.returncode, cli.stdout + cli.stderr]}))
"""


def test_native_spark_on_spark_connect_equals_polars(tmp_path: Path) -> None:
    data = synthesise(400, tmp_path / "in.parquet", seed=21, bad_share=0.04)
    pl.read_parquet(data).write_csv(tmp_path / "in.csv")
    script = f"DEFS = {DEFS!r}\n{CHILD}"
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path), "in.parquet", "in.csv"],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["connect"] is True
    assert report["parallelism"] > 0
    for name in ("in.parquet", "in.csv"):
        p = run_cohort(tmp_path / name, tmp_path / f"polars_{name}.parquet", DEFS)
        rows_in, classified, rejected, bad, summary = report["runs"][name]
        assert (rows_in, classified, rejected, bad) == (
            p.rows_in,
            p.rows_classified,
            p.rows_rejected,
            p.bad_values,
        )
        assert rejected > 0 and summary == str(p.summary)
        got = read_output(tmp_path / f"out_{name}.parquet").sort("id")
        want = pl.read_parquet(tmp_path / f"polars_{name}.parquet").sort("id")
        assert got.columns == want.columns
        assert got.with_columns([pl.col(c).cast(want.schema[c]) for c in got.columns]).equals(want)
        rej_s = pl.read_csv(str(tmp_path / f"out_{name}.rejects.csv" / "*.csv"), schema=REJECT_SCHEMA)
        assert rej_s.equals(pl.read_csv(p.rejects_path, schema=REJECT_SCHEMA))
        # the rows were staged as a local checkpoint: nothing is left beside the output
        assert not [f for f in tmp_path.iterdir() if ".staging-" in f.name]
    # the command line reaches the same server with --master sc://...
    code, text = report["cli"]
    assert code == 0, text
    assert (
        read_output(tmp_path / "cli.parquet")
        .sort("id")
        .equals(read_output(tmp_path / "out_in.csv.parquet").sort("id"))
    )


def test_a_spark_connect_server_that_does_not_answer_is_refused_at_once() -> None:
    """PySpark's client would retry for minutes; no session is made (a Spark Connect client in
    this process would turn every later classic Spark call of the suite into a remote one)."""
    with pytest.raises(InputFileError, match=r"cannot reach the Spark Connect server sc://127\.0\.0\.1:1:"):
        spark_session("sc://127.0.0.1:1")
    with pytest.raises(InputFileError, match="cannot reach the Spark Connect server"):
        spark_session("sc://localhost:port")
