"""Spark engine: native Spark SQL vs ``mapInArrow`` vs polars, in one run; driver memory at scale.

1. The same synthetic Parquet file (ROWS rows, default 2,000,000) under the 8 sarcopenia
   definitions, each engine writing its output, rejects and summary:
   - polars (``run_cohort``, streaming), the baseline;
   - native Spark (``run_spark``, ``local[2]``), timed once with the JVM start-up (a fresh child
     process: session, JVM, run) and once in a warm session, after two runs (the JIT still
     compiles the generated code during the second);
   - ``mapInArrow`` (``--spark-mode arrow``), in a fresh child process like native Spark, and in
     the warm session after one run of its own.
   Ratios: mapInArrow / native (warm, and with JVM start-up) and native / polars (warm, and with
   JVM start-up).
2. The same file under 2 definitions (EWGSOP2, EWGSOP1): polars, and native Spark in a fresh
   process (its first run, where the JIT compiles the generated code). Fewer definitions make
   one fused stage whose Java method the JIT may fail to compile (``cohort/spark.py``,
   ``COMPILED_METHOD_LIMIT``); this line shows that run's cost.
3. BIG rows (default 30,000,000) through native Spark in a child process, with the peak resident
   memory of the Python driver and of the JVM (VmHWM, polled from /proc; in ``local`` mode the
   JVM is driver and executors at once) and ``spark.driver.memory`` at 1g.
4. With SCALE (rows, more than ROWS; default 0 skips it): polars, and both Spark modes in the
   warm session, on SCALE rows too, and each engine's cost per further million rows (the
   difference between the two sizes, so that what a run costs whatever its size, such as
   building the plan or scheduling its jobs, cancels out). It tells a gap in the cost of each
   row from one in the cost of each run.

5. With CONNECT 1 (default 0): native Spark as a Spark Connect client (what a Databricks notebook
   in standard access mode or on serverless compute gets), against a local Spark Connect server
   in another process (``local[2]``, the same JVM flag, 2 GB), on the same ROWS rows: a session's
   first run and its third, warm, against the classic warm session of part 1.

Usage: python benchmarks/spark.py [ROWS] [BIG] [SCALE] [CONNECT]     (BIG 0 skips part 3)
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SARCOPENIA = ["ewgsop2", "ewgsop1", "awgs2019", "fnih2014", "sdoc2020", "iwgs2011", "sarc_f", "sarc_calf"]

CHILD = """
import json, os, sys, time
t0 = time.perf_counter()
# the driver's heap is fixed when its JVM starts: a builder option set here would not reach
# spark_session()'s builder (PySpark makes a new one each time)
os.environ["PYSPARK_SUBMIT_ARGS"] = f"--driver-memory {sys.argv[4]} pyspark-shell"
from myoscope.cohort.spark import run_spark, spark_session
spark = spark_session("local[2]")
spark.sparkContext.setLogLevel("ERROR")
assert spark.sparkContext.getConf().get("spark.driver.memory") == sys.argv[4]
t1 = time.perf_counter()
run = run_spark(sys.argv[1], sys.argv[2], sys.argv[3].split(","), spark=spark, mode=sys.argv[5])
t2 = time.perf_counter()
print(json.dumps({"start": t1 - t0, "run": t2 - t1, "rows": run.rows_in, "classified": run.rows_classified}))
"""


CONNECT_SERVER = """
import socket, sys
from pyspark.sql import SparkSession

with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
SparkSession.builder.master("local[2]").config(
    "spark.plugins", "org.apache.spark.sql.connect.SparkConnectPlugin"
).config("spark.connect.grpc.binding.port", str(port)).config("spark.driver.memory", "2g").config(
    "spark.driver.extraJavaOptions", "-XX:-DontCompileHugeMethods"
).config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "8").getOrCreate()
print(port, flush=True)
sys.stdin.read()
"""

CONNECT_CLIENT = """
import json, sys, time
from myoscope.cohort.spark import run_spark, spark_session

spark = spark_session(sys.argv[1])
times = []
for i in range(3):
    t = time.perf_counter()
    run_spark(sys.argv[2], f"{sys.argv[3]}_{i}.parquet", sys.argv[4].split(","), spark=spark)
    times.append(time.perf_counter() - t)
print(json.dumps(times))
"""


def connect_runs(data: Path, out: Path) -> list[float]:
    """Part 5: three native runs of one Spark Connect session, against a local server."""
    with subprocess.Popen(
        [sys.executable, "-c", CONNECT_SERVER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as server:
        assert server.stdout is not None and server.stdin is not None
        url = f"sc://127.0.0.1:{server.stdout.readline().strip()}"
        try:
            done = subprocess.run(
                [sys.executable, "-c", CONNECT_CLIENT, url, str(data), str(out), ",".join(SARCOPENIA)],
                capture_output=True,
                text=True,
                check=True,
            )
        finally:
            server.stdin.close()
            server.wait()
    times: list[float] = json.loads(done.stdout.strip().splitlines()[-1])
    return times


def _hwm(pid: int) -> int:
    """Peak resident memory (kB) of a process, 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    try:
        out = subprocess.run(["ps", "--ppid", str(pid), "-o", "pid="], capture_output=True, text=True)
    except OSError:
        return []
    kids = [int(x) for x in out.stdout.split()]
    return kids + [g for k in kids for g in _children(k)]


def child_run(
    data: Path,
    out: Path,
    driver_memory: str = "1g",
    definitions: list[str] = SARCOPENIA,
    mode: str = "native",
) -> dict[str, float]:
    """One Spark run in a fresh process: wall time with JVM start-up, and peak memory."""
    t = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(data), str(out), ",".join(definitions), driver_memory, mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    peak_py = peak_jvm = 0
    while proc.poll() is None:
        peak_py = max(peak_py, _hwm(proc.pid))
        for k in _children(proc.pid):
            peak_jvm = max(peak_jvm, _hwm(k))
        time.sleep(0.5)
    wall = time.perf_counter() - t
    result = json.loads((proc.stdout.read() if proc.stdout else "").strip().splitlines()[-1])
    return {**result, "wall": wall, "peak_python_mb": peak_py / 1024, "peak_jvm_mb": peak_jvm / 1024}


def per_row(d: Path, rows: int, scale: int, small: dict[str, float], spark: object) -> None:
    """Part 4: each engine on ``scale`` rows (Spark in the warm session), and its cost per
    further million rows against its time on ``rows`` (``small``)."""
    from myoscope.cohort.run import run_cohort
    from myoscope.cohort.spark import run_spark
    from myoscope.cohort.synth import synthesise

    data = d / "scale.parquet"
    synthesise(scale, data, seed=1, bad_share=0.01)
    big: dict[str, float] = {}
    for engine in small:
        t = time.perf_counter()
        if engine == "polars":
            run_cohort(data, d / "scale_polars.parquet", SARCOPENIA)
        else:
            run_spark(data, d / f"scale_{engine}.parquet", SARCOPENIA, spark=spark, mode=engine)
        big[engine] = time.perf_counter() - t
    data.unlink()
    per = {e: (big[e] - small[e]) / (scale - rows) * 1e6 for e in small}
    print(f"{scale:,} rows, warm: " + ", ".join(f"{e} {big[e]:.1f} s" for e in small))
    print("  per further million rows: " + ", ".join(f"{e} {per[e]:.1f} s" for e in small))
    print(
        f"  per row, native / polars: {per['native'] / per['polars']:.1f}x   "
        f"mapInArrow / native: {per['arrow'] / per['native']:.1f}x"
    )


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000_000
    big = int(sys.argv[2]) if len(sys.argv) > 2 else 30_000_000
    scale = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    connect = len(sys.argv) > 4 and sys.argv[4] == "1"
    from myoscope.cohort.run import run_cohort
    from myoscope.cohort.synth import synthesise

    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        data = d / "cohort.parquet"
        synthesise(rows, data, seed=1, bad_share=0.01)
        print(f"{rows:,} rows, {len(SARCOPENIA)} definitions, local[2]")

        t = time.perf_counter()
        p = run_cohort(data, d / "polars.parquet", SARCOPENIA)
        polars_s = time.perf_counter() - t
        print(f"  polars (baseline)              {polars_s:8.1f} s   {p.rows_classified:,} classified")

        cold = child_run(data, d / "cold.parquet")
        print(
            f"  native Spark, with JVM start   {cold['wall']:8.1f} s   (session {cold['start']:.1f} s, "
            f"classification {cold['run']:.1f} s)"
        )

        cold_arrow = child_run(data, d / "cold_arrow.parquet", mode="arrow")
        print(
            f"  mapInArrow, with JVM start     {cold_arrow['wall']:8.1f} s   "
            f"(session {cold_arrow['start']:.1f} s, classification {cold_arrow['run']:.1f} s)"
        )

        from myoscope.cohort.spark import run_spark, spark_session

        spark = spark_session("local[2]")
        spark.sparkContext.setLogLevel("ERROR")
        for _ in range(2):
            run_spark(data, d / "warmup.parquet", SARCOPENIA, spark=spark, mode="native")
        t = time.perf_counter()
        s = run_spark(data, d / "native.parquet", SARCOPENIA, spark=spark, mode="native")
        native_s = time.perf_counter() - t
        print(f"  native Spark, warm session     {native_s:8.1f} s   {s.rows_classified:,} classified")
        run_spark(data, d / "warmup.parquet", SARCOPENIA, spark=spark, mode="arrow")
        t = time.perf_counter()
        a = run_spark(data, d / "arrow.parquet", SARCOPENIA, spark=spark, mode="arrow")
        arrow_s = time.perf_counter() - t
        print(f"  mapInArrow, warm session       {arrow_s:8.1f} s   {a.rows_classified:,} classified")
        print(
            f"  mapInArrow / native: {arrow_s / native_s:.1f}x   native / polars: {native_s / polars_s:.1f}x "
            f"(warm)   {cold['wall'] / polars_s:.1f}x (with JVM start-up)"
        )
        print(f"  with JVM start-up, mapInArrow / native: {cold_arrow['wall'] / cold['wall']:.1f}x")
        if scale > rows:
            per_row(d, rows, scale, {"polars": polars_s, "native": native_s, "arrow": arrow_s}, spark)
        spark.stop()
        if connect:
            first, _, warm = connect_runs(data, d / "connect")
            print(
                f"  native Spark on Spark Connect: first run {first:.1f} s, warm {warm:.1f} s; "
                f"Spark Connect / classic (warm): {warm / native_s:.1f}x"
            )

        pair = SARCOPENIA[:2]
        t = time.perf_counter()
        run_cohort(data, d / "polars2.parquet", pair)
        polars2_s = time.perf_counter() - t
        cold2 = child_run(data, d / "cold2.parquet", definitions=pair)
        print(
            f"  2 definitions ({', '.join(pair)}): polars {polars2_s:.1f} s; native Spark with JVM start "
            f"{cold2['wall']:.1f} s (classification {cold2['run']:.1f} s), "
            f"{cold2['wall'] / polars2_s:.1f}x polars"
        )

        if big:
            big_data = d / "big.parquet"
            data.unlink()
            synthesise(big, big_data, seed=2, bad_share=0.001)
            r = child_run(big_data, d / "big_out.parquet", "1g")
            print(
                f"{big:,} rows, native Spark, driver memory 1g: {r['wall']:.1f} s with start-up "
                f"({r['rows'] / r['run']:,.0f} rows/s in the classification); peak resident memory: "
                f"Python driver {r['peak_python_mb']:.0f} MB, JVM (driver and local executors) "
                f"{r['peak_jvm_mb']:.0f} MB"
            )


if __name__ == "__main__":
    main()
