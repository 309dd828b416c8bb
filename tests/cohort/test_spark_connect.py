"""The native Spark engine on a Spark Connect session, the kind that Databricks' standard access
mode and serverless compute give a notebook: no ``sparkContext``, no JVM in the client, and a plan
sent as protobuf messages. It gives the polars engine's output, rejects and summary.

A Spark Connect client turns every later PySpark ``functions`` call of its process into a remote
one, so the run happens in a child process, connected with ``sc://`` to a local Spark Connect
server that another child process runs on a free port."""

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

#: a local Spark Connect server on a free port (a classic session with Spark's Connect plugin),
#: until its standard input closes; PySpark refuses a Spark Connect client in a process that has
#: a classic session, so the client runs in a process of its own
SERVER = """
import socket, sys
from pyspark.sql import SparkSession

with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
server = (
    SparkSession.builder.master("local[2]")
    .config("spark.plugins", "org.apache.spark.sql.connect.SparkConnectPlugin")
    .config("spark.connect.grpc.binding.port", str(port))
    .config("spark.default.parallelism", "3")
    .config("spark.ui.enabled", "false")
    .getOrCreate()
)
print(port, flush=True)
sys.stdin.read()
"""

CLIENT = """
import json, subprocess, sys
from myoscope.cohort.spark import is_connect, parallelism, run_spark, spark_session

folder, url, names = sys.argv[1], sys.argv[2], sys.argv[3:]
spark = spark_session(url)
runs = {}
for name in names:
    run = run_spark(f"{folder}/{name}", f"{folder}/out_{name}.parquet", DEFS, spark=spark)
    runs[name] = [run.rows_in, run.rows_classified, run.rows_rejected, run.bad_values]
    run.summary.prevalence.write_parquet(f"{folder}/prevalence_{name}.parquet")
    run.summary.agreement.write_parquet(f"{folder}/agreement_{name}.parquet")
cli = subprocess.run(
    [sys.executable, "-m", "myoscope", "cohort", f"{folder}/in.csv", "-o", f"{folder}/cli.parquet",
     "--engine", "spark", "--master", url, "--definitions", ",".join(DEFS)],
    capture_output=True, text=True,
)
print(json.dumps({"connect": is_connect(spark), "parallelism": parallelism(spark), "runs": runs,
                  "cli": [cli.returncode, cli.stdout + cli.stderr]}))
"""


def test_native_spark_on_spark_connect_equals_polars(tmp_path: Path) -> None:
    data = synthesise(400, tmp_path / "in.parquet", seed=21, bad_share=0.04)
    pl.read_parquet(data).write_csv(tmp_path / "in.csv")
    with subprocess.Popen(
        [sys.executable, "-c", SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as server:
        assert server.stdout is not None and server.stdin is not None
        url = f"sc://127.0.0.1:{server.stdout.readline().strip()}"
        try:
            done = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    f"DEFS = {DEFS!r}\n{CLIENT}",
                    str(tmp_path),
                    url,
                    "in.parquet",
                    "in.csv",
                ],
                capture_output=True,
                text=True,
                timeout=1200,
            )
        finally:
            server.stdin.close()
            server.wait(timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["connect"] is True
    assert report["parallelism"] == 3  # the server's spark.default.parallelism, read without a context
    order = ["definition", "group", "level", "outcome"]
    for name in ("in.parquet", "in.csv"):
        p = run_cohort(tmp_path / name, tmp_path / f"polars_{name}.parquet", DEFS)
        assert report["runs"][name] == [p.rows_in, p.rows_classified, p.rows_rejected, p.bad_values]
        assert p.rows_rejected > 0 and p.summary is not None
        got = read_output(tmp_path / f"out_{name}.parquet").sort("id")
        want = pl.read_parquet(tmp_path / f"polars_{name}.parquet").sort("id")
        assert got.columns == want.columns
        assert got.with_columns([pl.col(c).cast(want.schema[c]) for c in got.columns]).equals(want)
        rej_s = pl.read_csv(str(tmp_path / f"out_{name}.rejects.csv" / "*.csv"), schema=REJECT_SCHEMA)
        assert rej_s.equals(pl.read_csv(p.rejects_path, schema=REJECT_SCHEMA))
        prevalence = pl.read_parquet(tmp_path / f"prevalence_{name}.parquet")
        assert prevalence.sort(order).equals(p.summary.prevalence.cast(prevalence.schema).sort(order))
        assert pl.read_parquet(tmp_path / f"agreement_{name}.parquet").equals(p.summary.agreement)
    assert not [f for f in tmp_path.iterdir() if ".staging-" in f.name]
    # the command line reaches the same server with --master sc://...
    code, text = report["cli"]
    assert code == 0, text
    cli = read_output(tmp_path / "cli.parquet").sort("id")
    assert cli.equals(read_output(tmp_path / "out_in.csv.parquet").sort("id"))


def test_a_spark_connect_server_that_does_not_answer_is_refused_at_once() -> None:
    """PySpark's client would retry for minutes; no session is made (a Spark Connect client in
    this process would turn every later classic Spark call of the suite into a remote one)."""
    with pytest.raises(InputFileError, match=r"cannot reach the Spark Connect server sc://127\.0\.0\.1:1:"):
        spark_session("sc://127.0.0.1:1")
    with pytest.raises(InputFileError, match="is not a Spark Connect URL"):
        spark_session("sc://localhost:port")
