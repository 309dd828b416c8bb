"""Spark engine (extra ``[spark]``): the rules compiled to native Spark SQL expressions.

:func:`run_spark` reads the input with Spark's own readers (Parquet, CSV, Delta, or a table of
the metastore), classifies it with :class:`~myoscope.cohort.spark_kernel.SparkKernel` (no Python
worker, no UDF: the plan runs in the executors' JVMs), writes the output and the rejects with
Spark's writers, and computes the summary from aggregates made by Spark. The driver holds the plan
and a few hundred aggregate rows, never the data. The same outcomes as the polars engine and as
``assess`` on each record (tests/cohort/test_spark.py). ``mode="arrow"`` runs the polars kernel in
Python workers instead (``cohort/spark_arrow.py``; see there for the cases it still serves).
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import uuid
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import polars as pl

from ..errors import CohortInputError, InputFileError
from ..knowledge import load_knowledge
from .io import (
    BLANK_CELL,
    CSV_NULLS,
    SHOWN_ROWS,
    check_flat,
    check_header,
    check_names,
    csv_separator,
    layout,
    malformed_rows,
)
from .kernel import AGE, PSU, ROW, SEX, STRATA, WEIGHT
from .mapping import load_mapping
from .run import CohortRun, refuse_duplicate_ids, why_nothing
from .stats import POPULATION_SCHEMA, band_labels, case_outcomes, kappa_from_cells, summarise_parts

if TYPE_CHECKING:
    from pyspark.sql import Column, SparkSession
    from pyspark.sql import DataFrame as SparkFrame

    from .spark_kernel import SparkKernel

MAX_RECORDS_PER_BATCH = 200_000
MODES = ("native", "arrow")
#: input column types that native mode reads as text
AS_TEXT = ("void", "binary")
#: the column where Spark's CSV reader keeps the text of a row whose cells do not match the header
MALFORMED = "__malformed"
#: Spark's whole-stage code generation fuses a stage's projections into one Java method, and a
#: method the JIT does not compile runs interpreted, ten times slower or worse. A JVM started
#: without ``-XX:-DontCompileHugeMethods`` compiles no method beyond 8,000 bytes of bytecode; with
#: the flag (the sessions made here) its compilers still give up on some larger ones (C1 "out of
#: virtual registers", C2 "out of nodes": 20,376 to 26,818 bytes in the benchmark, where EWGSOP2
#: with EWGSOP1 took 35 s instead of 7 s), while they compiled 14,048 and 17,090. A stage whose
#: method would be larger than the limit falls back to per-projection code, whose methods Spark
#: splits small (slower than compiled whole-stage code, far faster than interpreted; measured in
#: docs/cohort.md).
HUGE_METHOD_LIMIT = "8000"
COMPILED_METHOD_LIMIT = "20000"
METHOD_LIMIT = "spark.sql.codegen.hugeMethodLimit"
#: Spark's own default for the limit (no limit in practice): any other value that is not one of
#: the two above was set by the user for their own session, and is kept
SPARK_METHOD_LIMIT = "65535"
HUGE_METHODS_FLAG = "-XX:-DontCompileHugeMethods"
#: Catalyst evaluates a projection of an in-memory frame (``createDataFrame``) on the driver,
#: interpreted, while optimising; over the classification plan that takes minutes. Excluded in
#: the sessions made here, so in-memory frames run through the compiled path like files do.
LOCAL_RELATION_RULE = "org.apache.spark.sql.catalyst.optimizer.ConvertToLocalRelation"
#: Spark 4 refuses to read a file with a time-of-day column (Parquet ``TIME``) unless this is on,
#: even when the column is not used; polars reads such a file. On, Spark reads it as ``time``,
#: which the validation treats as polars does (an unused column ignored, a time of day where a
#: number or a date is expected rejected with the same line). A Spark without it ignores the key.
TIME_TYPE = "spark.sql.timeType.enabled"
#: PySpark records the Python call site of every ``functions``/``Column`` call for its error
#: messages, several calls into the JVM each; the native plan is built from thousands of them.
#: Off in the sessions made here (PySpark reads it once, at its first such call).
DEBUG_CALL_SITES = "spark.python.sql.dataFrameDebugging.enabled"
#: a master that names a Spark Connect server, its default port, and how long to wait for it
CONNECT_SCHEME = "sc://"
CONNECT_PORT = 15002
CONNECT_TIMEOUT = 10.0
#: Spark's default number of shuffle partitions
SHUFFLE_PARTITIONS = 200


def spark_session(master: str = "local[2]", app_name: str = "myoscope") -> SparkSession:
    """A SparkSession for local or cluster runs (Python workers, for ``arrow`` mode, run this
    interpreter). The JVM may compile huge generated methods (``-XX:-DontCompileHugeMethods``).
    A master of the form ``sc://host:port`` connects to a Spark Connect server instead (the
    server's JVM options are its own)."""
    from pyspark.sql import SparkSession

    if master.startswith(CONNECT_SCHEME):
        _reach(master)
        return SparkSession.builder.remote(master).appName(app_name).getOrCreate()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    if master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")

    jvm = HUGE_METHODS_FLAG
    return (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", str(MAX_RECORDS_PER_BATCH))
        .config("spark.ui.enabled", "false")
        .config(DEBUG_CALL_SITES, "false")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.sql.optimizer.excludedRules", LOCAL_RELATION_RULE)
        .config("spark.driver.extraJavaOptions", jvm)
        .config("spark.executor.extraJavaOptions", jvm)
        .getOrCreate()
    )


def _reach(url: str) -> None:
    """Refuse a Spark Connect server that does not answer (PySpark's client would retry for
    minutes before failing). The URL is read as PySpark reads it. :raises InputFileError:"""
    try:
        parts = urlparse("http" + url[len("sc") :])
        where = (parts.hostname or "", parts.port or CONNECT_PORT)
    except ValueError as exc:
        raise InputFileError(f"{url} is not a Spark Connect URL (sc://host:port): {exc}") from None
    try:
        with socket.create_connection(where, timeout=CONNECT_TIMEOUT):
            pass
    except OSError as exc:
        raise InputFileError(f"cannot reach the Spark Connect server {url}: {exc}") from None


def is_connect(session: SparkSession) -> bool:
    """Whether ``session`` is a Spark Connect client (Databricks' standard access mode and
    serverless compute, ``sc://`` masters): it has no ``sparkContext`` and no JVM of its own."""
    return type(session).__module__.startswith("pyspark.sql.connect")


def configure(session: SparkSession) -> None:
    """Settings the classification query needs on any session (a cluster's too); a method limit
    that the user set is left as it is. Set before the input is read (``TIME_TYPE``). A managed
    Spark Connect server may refuse to change a setting (Databricks' serverless compute accepts
    only some): the run then goes on without it, slower, or refusing a time-of-day column."""
    from pyspark.errors import PySparkException

    conf = session.conf  # the session's settings include the context's (Spark Connect has no context)
    local = (conf.get("spark.master", None) or "").startswith("local")
    options = "spark.driver.extraJavaOptions" if local else "spark.executor.extraJavaOptions"
    flags = conf.get(options, None) or ""
    wanted = {TIME_TYPE: "true"}
    if conf.get(METHOD_LIMIT) in (SPARK_METHOD_LIMIT, HUGE_METHOD_LIMIT, COMPILED_METHOD_LIMIT):
        wanted[METHOD_LIMIT] = COMPILED_METHOD_LIMIT if HUGE_METHODS_FLAG in flags else HUGE_METHOD_LIMIT
    rules = [r for r in (conf.get("spark.sql.optimizer.excludedRules", "") or "").split(",") if r]
    if LOCAL_RELATION_RULE not in rules:
        wanted["spark.sql.optimizer.excludedRules"] = ",".join([*rules, LOCAL_RELATION_RULE])
    for key, value in wanted.items():
        with contextlib.suppress(PySparkException):
            conf.set(key, value)


def input_format(path: str) -> str:
    """``csv``, ``tsv``, ``delta`` or ``parquet`` for a path or URI."""
    p = path.lower().rstrip("/")
    if p.endswith((".csv", ".txt")):
        return "csv"
    if p.endswith(".tsv"):
        return "tsv"
    if p.endswith(".delta") or (Path(path) / "_delta_log").is_dir():
        return "delta"
    return "parquet"


def read(spark: SparkSession, path: str | Path) -> SparkFrame:
    """Read a table with Spark's readers: CSV cells as text (as the polars engine reads them),
    Parquet, or Delta (``delta-spark`` on the session). :raises InputFileError:"""
    from pyspark.errors import AnalysisException

    p = str(path)
    fmt = input_format(p)
    try:
        if fmt in ("csv", "tsv"):
            return _read_csv(spark, p, "\t" if fmt == "tsv" else ",")
        if fmt == "delta":
            return spark.read.format("delta").load(p)
        return spark.read.parquet(p)
    except AnalysisException as exc:
        raise InputFileError(f"cannot read {p}: {str(exc).splitlines()[0]}") from None


def _read_csv(spark: SparkSession, p: str, sep: str) -> SparkFrame:
    """A CSV read as the polars engine reads it (``io._csv_chunks``): cells as text, a quoted
    cell may hold line breaks and doubled quotes (RFC 4180), and a row with more or fewer cells
    than the header, or a quote never closed, is refused with the polars engine's message, where
    Spark's reader would pad or cut the row, or read the rest of the file into one cell. Line
    breaks in quoted cells make Spark read each file in one task (``multiLine``; ``spread``
    shares the rows out again). The checks cost two more passes over the file, one of them as
    plain lines. :raises CohortInputError:"""
    import csv
    import io

    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, StructField, StructType

    from .validate_spark import column

    # Spark's own escape is a backslash, where polars and RFC 4180 double the quote
    options: dict[str, bool | str] = {"sep": sep, "escape": '"', "multiLine": True}
    # Spark renames a column named twice or left unnamed (age0, _c4): its header is read as a
    # row first and refused as the polars engine refuses it
    header = spark.read.options(**options).csv(p, header=False).first()
    if header is None:
        raise CohortInputError(f"{p}: empty file")
    names = [c or "" for c in header]
    check_header(names, p)
    check_names(names)  # before MALFORMED joins them
    # quotes counted per file (a directory may hold several): an odd count leaves one open
    lines = spark.read.text(p)
    quotes = F.sum(F.length("value") - F.length(F.replace("value", F.lit('"'))))
    odd = lines.groupBy("_metadata.file_path").agg((quotes % 2 == 1).alias("odd")).filter("odd")
    if odd.limit(1).collect():
        raise CohortInputError(f"{p}: a quote opened near the end of the file is never closed")
    schema = StructType([StructField(c, StringType()) for c in [*names, MALFORMED]])
    frame = spark.read.options(**options).csv(
        p, header=True, schema=schema, mode="PERMISSIVE", columnNameOfCorruptRecord=MALFORMED
    )
    # Spark refuses a query that reads only the malformed rows' text, and its reader checks the
    # cells of only the columns that a query reads: the first query reads every column, and the
    # rows are held (in the rare case that one is malformed) while they are numbered and counted
    malformed = F.col(MALFORMED).isNotNull()
    if frame.filter(malformed).limit(1).collect():
        held = frame.persist()
        try:
            bad = with_row_numbers(held)[0].filter(malformed)
            first = bad.orderBy(ROW).limit(SHOWN_ROWS).collect()
            total = bad.count()
        finally:
            held.unpersist()
        shown = [
            (int(r[ROW]), len(next(csv.reader(io.StringIO(r[MALFORMED], newline=""), delimiter=sep))))
            for r in first
        ]
        raise malformed_rows(p, len(names), shown, total)
    return frame.select(
        [
            F.when(column(c).isin(CSV_NULLS) | column(c).rlike(BLANK_CELL), None)
            .otherwise(column(c))
            .alias(c)
            for c in names
        ]
    )


def read_table(spark: SparkSession, name: str) -> SparkFrame:
    """A table of the session's catalog (Hive metastore, Unity Catalog). :raises InputFileError:"""
    from pyspark.errors import AnalysisException

    try:
        return spark.table(name)
    except AnalysisException as exc:
        raise InputFileError(f"cannot read table {name}: {str(exc).splitlines()[0]}") from None


def with_row_numbers(frame: SparkFrame) -> tuple[SparkFrame, int]:
    """Add ``row``: 1-based position in read order (partition offsets plus index in partition).
    Returns the frame and its row count (counted per partition, the only rows-sized pass the
    driver asks for: it receives one number per partition)."""
    from pyspark.sql import functions as F

    tagged = frame.withColumn("__pid", F.spark_partition_id()).withColumn(
        "__mid", F.monotonically_increasing_id()
    )
    counts = sorted(tuple(r) for r in tagged.groupBy("__pid").count().collect())
    offsets, total = [], 0
    for pid, n in counts:
        offsets.append((pid, total))
        total += n
    spark = frame.sparkSession
    table = spark.createDataFrame(offsets or [(0, 0)], "__pid int, __offset long")
    local = F.col("__mid").bitwiseAND(F.lit((1 << 33) - 1))
    numbered = (
        tagged.join(F.broadcast(table), "__pid")
        .withColumn(ROW, (F.col("__offset") + local + 1).cast("long"))
        .drop("__pid", "__mid", "__offset")
    )
    return numbered, total


def spread(frame: SparkFrame, data: object) -> SparkFrame:
    """``frame`` (numbered) spread over the session's cores when ``data`` is a CSV path: Spark
    reads each CSV file in one task (``multiLine``: quoted cells may hold line breaks), and every
    later step of a file's rows would run in that task too, on one core."""
    if not isinstance(data, str | Path) or input_format(str(data)) not in ("csv", "tsv"):
        return frame
    return frame.repartition(parallelism(frame.sparkSession))


def parallelism(session: SparkSession) -> int:
    """How many tasks keep the session's cores busy: the context's default parallelism, or, on
    Spark Connect, which has no context, ``spark.default.parallelism`` or else the number of
    shuffle partitions (a Databricks ``auto`` counts as Spark's default, 200)."""
    if not is_connect(session):
        return int(session.sparkContext.defaultParallelism)
    for key in ("spark.default.parallelism", "spark.sql.shuffle.partitions"):
        value = session.conf.get(key, None) or ""
        if value.isdigit():
            return int(value)
    return SHUFFLE_PARTITIONS


def output_format(path: str) -> str:
    """``parquet`` (default), ``csv`` (``.csv`` or ``.tsv``) or ``delta``, from the output's name."""
    p = path.lower().rstrip("/")
    if p.endswith((".csv", ".tsv")):
        return "csv"
    if p.endswith(".delta"):
        return "delta"
    return "parquet"


#: how Spark writes and reads the CSV files it makes (output, rejects) as RFC 4180 says and the
#: polars engine, pandas and spreadsheets read them: a quote inside a quoted cell is doubled
#: (Spark's own escape is a backslash: ``5'4"`` was written ``"5'4\""``), and a quoted cell may
#: hold a line break
CSV_OPTIONS: dict[str, Any] = {"header": True, "escape": '"'}


def write_csv(frame: SparkFrame, path: str, sep: str = ",") -> None:
    """``frame`` as CSV part files under ``path`` (:data:`CSV_OPTIONS`)."""
    frame.write.mode("overwrite").options(**CSV_OPTIONS, sep=sep).csv(path)


def write(frame: SparkFrame, path: str, fmt: str) -> None:
    """Write with Spark's writers (a directory of part files; Delta as a Delta table)."""
    from pyspark.sql import functions as F

    from .validate_spark import column

    if fmt == "csv":  # CSV has no lists: the decisive measures are joined with ";"
        lists = [f.name for f in frame.schema.fields if f.dataType.simpleString().startswith("array")]
        frame = frame.withColumns({c: F.array_join(column(c), ";") for c in lists})
        write_csv(frame, path, csv_separator(path))
    elif fmt == "delta":
        frame.write.mode("overwrite").format("delta").save(path)
    else:
        frame.write.mode("overwrite").parquet(path)


def run_spark(
    data: str | Path | SparkFrame | None,
    out: str | Path,
    definitions: list[str] | None = None,
    *,
    mapping: str | None = None,
    id_column: str | None = None,
    master: str = "local[2]",
    rejects: str | Path | None = None,
    extra: str = "error",
    weight: str | None = None,
    strata: str | None = None,
    psu: str | None = None,
    age_bands: tuple[float, ...] = (60, 70, 80),
    spark: SparkSession | None = None,
    mode: str = "native",
    input_table: str | None = None,
    allow_duplicate_ids: bool = False,
) -> CohortRun:
    """Classify ``data`` (a path, a Spark frame, or ``input_table``) with Spark.

    Writes ``out`` (Parquet directory; ``.csv`` or ``.delta`` by its name) and the rejects (a CSV
    directory, default ``<out>.rejects.csv``); in native mode the classified rows are staged in
    ``<out>.staging-*`` beside ``out`` while it runs (a local checkpoint on Spark Connect).
    :raises InputFileError: for bad input or options, an id on several rows (unless
    ``allow_duplicate_ids``), or not one row classified.
    """
    if mode not in MODES:
        raise InputFileError(f"unknown Spark mode {mode!r} (expected {' or '.join(MODES)})")
    if mode == "arrow":
        if input_table is not None:
            raise InputFileError("--input-table needs the native Spark mode")
        from .spark_arrow import run_arrow

        assert data is not None
        return run_arrow(
            data,
            out,
            definitions,
            mapping=mapping,
            id_column=id_column,
            master=master,
            rejects=rejects,
            extra=extra,
            weight=weight,
            strata=strata,
            psu=psu,
            age_bands=age_bands,
            spark=spark,
            allow_duplicate_ids=allow_duplicate_ids,
        )
    from pyspark.sql import functions as F

    from .spark_kernel import BAD, SparkKernel, nested_columns, spark_schema
    from .validate_spark import as_text, column

    session = spark or spark_session(master)
    configure(session)
    if input_table is not None:
        source = read_table(session, input_table)
    elif data is None:
        raise InputFileError("give an input path or --input-table")
    else:
        source = data if not isinstance(data, str | Path) else read(session, data)
    check_names(source.columns)
    check_flat(nested_columns(source))
    if any(t in AS_TEXT for _, t in source.dtypes):
        # a column with no value at all has Spark's void type, which the staging Parquet cannot
        # hold (its cells are all missing either way), and text that a writer stored as bytes is
        # binary: both are read as text, like a CSV column (io.as_text in polars)
        source = source.select(
            [as_text(c, t).alias(c) if t in AS_TEXT else column(c) for c, t in source.dtypes]
        )
    frame, rows_in = with_row_numbers(source)
    frame = spread(frame, data)
    schema = spark_schema(frame)
    kb = load_knowledge()
    lay = layout(
        {k: v for k, v in schema.items() if k != ROW},
        kb.catalog,
        load_mapping(mapping) if mapping else None,
        id_column,
        extra,
        weight,
        strata,
        psu,
    )
    if lay.id_column and not allow_duplicate_ids:
        refuse_duplicates(frame, lay.id_column)
    kernel = SparkKernel(kb, schema, lay, definitions)
    flagged = kernel.flagged(frame)
    # validated and classified once, into a staging table: the output, the rejects and the
    # summary read it (each only the columns it needs) instead of running validation and rules
    # again; bad rows carry their input cells for the reject lines
    out_path = str(out)  # kept as text: dbfs:/, s3://, abfss:// locations are not local paths
    rej_path = str(rejects) if rejects else _rejects_location(out_path)
    stored, release = _stage(session, kernel.classified(flagged, with_rejects=True, signature=True), out_path)
    try:
        classified = stored.filter(~F.col(BAD))
        # the summary's combinations also carry the signature words: one aggregation gives both
        # the summary and the distinct signatures that become decisive lists
        combos = _combos(classified, kernel, age_bands).persist()
        try:
            rejected = kernel.rejects_of(stored)
            summary, rows_classified = _summary(combos, kernel, age_bands)
            refuse_nothing_classified(rows_in, rows_classified, rejected)  # before anything is written
            write(kernel.with_lists(classified, combos), out_path, output_format(out_path))
        finally:
            combos.unpersist()
        # one sorted CSV file: the (few) reject lines go to one partition and are sorted there
        write_csv(rejected.repartition(1).sortWithinPartitions(ROW, "__k").drop("__k"), rej_path)
        counts = session.read.options(**CSV_OPTIONS, multiLine=True).csv(
            rej_path, schema="row long, column string, value string, reason string"
        )
        tally = counts.agg(F.countDistinct(ROW).alias("rows"), F.count(F.lit(1)).alias("values")).first()
        rows_rejected, bad_values = (int(tally["rows"]), int(tally["values"])) if tally else (0, 0)
    except BaseException:
        # the run's own error is the one to report: a failure to delete must not replace it
        with contextlib.suppress(Exception):
            release()
        raise
    release()
    run = CohortRun(
        out_path,
        rej_path,
        rows_in,
        rows_classified,
        rows_rejected,
        bad_values,
        kernel.ids,
        unmapped=lay.unmapped,
    )
    run.summary = summary
    return run


def refuse_duplicates(frame: SparkFrame, id_column: str) -> None:
    """The polars engine's check that no id is on two rows (``run.refuse_duplicate_ids``), as one
    Spark aggregation over the id column; the rows of the first five are fetched only when there
    are any. :raises CohortInputError:"""
    from pyspark.sql import functions as F

    from .validate_spark import column

    ids = frame.select(column(id_column).cast("string").alias("id"), F.col(ROW)).filter(
        F.col("id").isNotNull()
    )
    dupes = (
        ids.groupBy("id").agg(F.count(F.lit(1)).alias("n"), F.min(ROW).alias("first")).filter(F.col("n") > 1)
    )
    count = dupes.count()
    first = []
    if count:
        top = F.broadcast(dupes.orderBy("first").limit(5).select("id", "first"))
        rows = ids.join(top, "id").groupBy("id", "first").agg(F.sort_array(F.collect_list(ROW)).alias("rows"))
        first = [(r["id"], list(r["rows"])) for r in rows.orderBy("first").collect()]
    refuse_duplicate_ids(count, first, id_column)


def collected(rows: list[Any], schema: dict[str, Any], strict: bool = True) -> pl.DataFrame:
    """Rows that a Spark ``collect`` returned (aggregates, never the data) as a polars frame with
    ``schema``: with no row, an empty frame that still has its columns."""
    return pl.DataFrame([r.asDict() for r in rows], schema=schema, strict=strict)


def refuse_nothing_classified(rows_in: int, rows_classified: int, rejects: SparkFrame) -> None:
    """As the polars engine does: when not one row could be classified, say why, with the most
    common reject reasons (counted by Spark). Called before the run writes anything.
    :raises CohortInputError:"""
    if rows_classified:
        return
    from pyspark.sql import functions as F

    top = (
        rejects.groupBy("column", "reason")
        .agg(F.count(F.lit(1)).alias("len"))
        .orderBy(F.desc("len"), "column", "reason")
        .limit(5)
        .collect()
    )
    reasons = collected(top, {"column": pl.String, "reason": pl.String, "len": pl.Int64})
    raise CohortInputError(why_nothing(rows_in, [reasons]))


def _band(age: Column, bands: tuple[float, ...]) -> Column:
    """``stats.band_expr`` in Spark."""
    from pyspark.sql import functions as F

    labels = band_labels(bands)
    out: Any = F.when(age.isNull(), F.lit("unknown"))
    for edge, label in zip(bands, labels, strict=False):
        out = out.when(age < edge, F.lit(label))
    result: Column = out.otherwise(F.lit(labels[-1]))
    return result


def _combos(classified: SparkFrame, kernel: SparkKernel, bands: tuple[float, ...]) -> SparkFrame:
    """The classified rows grouped by their domain and survey keys, every definition's outcome code
    and signature words (count, sum of weights, sum of squared weights): rows collapse into the few
    thousand combinations that occur, in one hash aggregation with no per-row explosion. The
    codes become outcomes and in_population after grouping, on those few rows."""
    from pyspark.sql import functions as F

    keys = kernel.summary_columns()
    design = [k for k in (STRATA, PSU) if k in keys]
    w = F.col(WEIGHT).cast("double") if WEIGHT in keys else F.lit(1.0)
    words = [s for c in kernel.compiled for s in c.signature_columns()]
    codes = [c.code_column for c in kernel.compiled]
    groups = [SEX, "__band", *design, *codes, *words]
    outcomes = [
        c.decoded(F.col(c.code_column))[name].alias(name)
        for c in kernel.compiled
        for name in (c.id, f"{c.id}_in_population")
    ]
    return (
        classified.select(
            SEX, _band(F.col(AGE), bands).alias("__band"), *design, *codes, *words, w.alias("__w")
        )
        .groupBy(*groups)
        .agg(
            F.count(F.lit(1)).alias("__n"),
            F.sum("__w").alias("__sw"),
            F.sum(F.col("__w") * F.col("__w")).alias("__sw2"),
        )
        .select(SEX, "__band", *design, *outcomes, *words, "__n", "__sw", "__sw2")
    )


def _summary(combos: SparkFrame, kernel: SparkKernel, bands: tuple[float, ...]) -> tuple[Any, int]:
    """Prevalence and agreement from the combinations of :func:`_combos`, in Spark.

    Each combination is exploded into one entry per definition (its outcome, with the domain and
    survey keys), one per definition whose population it does not establish or rules out, and
    one per pair of definitions with declared case outcomes (the cell of their 2x2 table, when
    neither is indeterminate), and a ``groupBy`` adds them up. The driver receives those
    aggregates (a few hundred rows, however many input rows) and turns them into proportions,
    intervals, kappas and the population counts."""
    from pyspark.sql import functions as F

    ids = kernel.ids
    cases = case_outcomes()
    keys = kernel.summary_columns()
    weighted = WEIGHT in keys
    design = [k for k in (STRATA, PSU) if k in keys]
    null = F.lit(None).cast("string")

    def entry(kind: str, a: str, outcome: Column, domain: bool) -> Column:
        fields = [
            F.lit(kind).alias("kind"),
            F.lit(a).alias("key"),
            outcome.alias("cell"),
            (F.col(SEX) if domain else null).alias(SEX),
            (F.col("__band") if domain else null).alias("__band"),
            *[(F.col(k).cast("string") if domain else null).alias(k) for k in design],
        ]
        return F.struct(*fields)

    entries = [entry("p", d, F.col(d), True) for d in ids]
    for d in ids:  # the population counts: rows whose in_population is unknown or false
        established = F.col(f"{d}_in_population")
        cell = F.when(established.isNull(), F.lit("unknown")).when(~established, F.lit("false"))
        entries.append(entry("i", d, cell, False))
    usable = [d for d in ids if d in cases]
    for i, a in enumerate(usable):
        for b in usable[i + 1 :]:
            ca = F.col(a).isin(list(cases[a]))
            cb = F.col(b).isin(list(cases[b]))
            cell = F.when((F.col(a) == "indeterminate") | (F.col(b) == "indeterminate"), null).otherwise(
                F.concat(
                    F.when(ca, F.lit("y")).otherwise(F.lit("n")), F.when(cb, F.lit("y")).otherwise(F.lit("n"))
                )
            )
            entries.append(entry("k", f"{a}\t{b}", cell, False))
    exploded = combos.select(F.explode(F.array(*entries)).alias("e"), "__n", "__sw", "__sw2").select(
        "e.*", "__n", "__sw", "__sw2"
    )
    rows = (
        exploded.filter(F.col("cell").isNotNull())
        .groupBy("kind", "key", "cell", SEX, "__band", *design)
        .agg(
            F.sum("__n").alias("n"),
            F.sum("__sw").alias("w"),
            F.sum("__sw2").alias("w2"),
        )
        .collect()
    )
    agg = collected(
        rows,
        {
            "kind": pl.String,
            "key": pl.String,
            "cell": pl.String,
            SEX: pl.String,
            "__band": pl.String,
            **dict.fromkeys(design, pl.String),
            "n": pl.Int64,
            "w": pl.Float64,
            "w2": pl.Float64,
        },
    )
    prevalence = agg.filter(pl.col("kind") == "p")
    rows_classified = int(prevalence.filter(pl.col("key") == ids[0]).get_column("n").sum()) if ids else 0
    parts = {d: prevalence.filter(pl.col("key") == d).rename({"cell": d}).drop("kind", "key") for d in ids}
    sexes = list(kernel.kb.catalog.measures["sex"].values)
    parts = {d: p.with_columns(pl.col(SEX).cast(pl.Enum(sexes))) for d, p in parts.items()}
    pairs = agg.filter(pl.col("kind") == "k")
    agreement_rows = []
    for i, a in enumerate(usable):
        for b in usable[i + 1 :]:
            cells = pairs.filter(pl.col("key") == f"{a}\t{b}")
            col = "w" if weighted else "n"
            t = {r["cell"]: r[col] for r in cells.iter_rows(named=True)}
            n = int(cells.get_column("n").sum()) if cells.height else 0
            agreement_rows.append({"definition_a": a, "definition_b": b, **kappa_from_cells(t, n)})
    agreement = pl.DataFrame(
        agreement_rows,
        schema={
            "definition_a": pl.String,
            "definition_b": pl.String,
            "n": pl.Int64,
            "observed_agreement": pl.Float64,
            "kappa": pl.Float64,
        },
    )
    vocab = {c.id: c.vocabulary for c in kernel.compiled}
    counts = agg.filter(pl.col("kind") == "i").iter_rows(named=True)
    tally = {(r["key"], r["cell"]): int(r["n"]) for r in counts}
    population = pl.DataFrame(
        {
            "definition": ids,
            "n": [rows_classified] * len(ids),
            "not_established": [tally.get((d, "unknown"), 0) for d in ids],
            "ruled_out": [tally.get((d, "false"), 0) for d in ids],
        },
        schema=POPULATION_SCHEMA,
    )
    summary = summarise_parts(parts, agreement, vocab, weighted, bands, cases, population)
    return summary, rows_classified


def _stage(session: SparkSession, frame: SparkFrame, out: str) -> tuple[SparkFrame, Callable[[], None]]:
    """``frame`` computed once and stored, and what releases it.

    A classic session writes it as a Parquet directory beside ``out`` (``<out>.staging-<random>``,
    on the cluster's storage) and deletes it through Hadoop's file systems. Spark Connect has no
    JVM on the client to delete a directory with: there the rows become a local checkpoint on the
    executors' disks. Spark's cleaner frees its blocks once the server holds no reference to it,
    at the latest when the session ends (after four runs of one session, three were still held).
    ``persist(DISK_ONLY)`` and ``unpersist`` would free them at once, but warm runs on 2,000,000
    rows took 27.7 to 42.3 s in one session, against 19.9 to 38.9 s in three (docs/cohort.md)."""
    if is_connect(session):
        from pyspark import StorageLevel

        return frame.localCheckpoint(eager=True, storageLevel=StorageLevel.DISK_ONLY), lambda: None
    staging = f"{out.rstrip('/')}.staging-{uuid.uuid4().hex[:12]}"
    try:
        frame.write.parquet(staging)
        stored = session.read.parquet(staging)
    except BaseException:
        with contextlib.suppress(Exception):
            _remove(session, staging)
        raise
    return stored, lambda: _remove(session, staging)


def _remove(session: SparkSession, path: str) -> None:
    """Delete ``path`` (a directory, local or a URI) through Hadoop's file systems."""
    jvm = session.sparkContext._jvm
    assert jvm is not None
    target = jvm.org.apache.hadoop.fs.Path(path)
    target.getFileSystem(session.sparkContext._jsc.hadoopConfiguration()).delete(target, True)


def _rejects_location(out: str) -> str:
    """``<out>.rejects.csv`` next to ``out``, its last suffix replaced as the polars engine does
    (``run.rejects_path_for``), for local paths and URIs alike."""
    stem = out.rstrip("/")
    return stem.removesuffix(PurePosixPath(stem.rsplit("/", 1)[-1]).suffix) + ".rejects.csv"


def read_output(path: str | Path) -> pl.DataFrame:
    """Read a Spark output directory (Parquet) back as one polars frame."""
    return pl.read_parquet(str(Path(path) / "*.parquet"))


__all__ = [
    "MODES",
    "collected",
    "input_format",
    "is_connect",
    "parallelism",
    "read",
    "read_output",
    "read_table",
    "refuse_duplicates",
    "refuse_nothing_classified",
    "run_spark",
    "spark_session",
    "spread",
    "with_row_numbers",
    "write",
    "write_csv",
]
