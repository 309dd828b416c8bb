"""``--spark-mode arrow``: the polars kernel inside ``mapInArrow``, in Python workers.

Each Spark task hands its Arrow batches to :class:`~myoscope.cohort.kernel.Kernel`, the very kernel
the polars engine uses. The native engine (``cohort/spark.py``) is the default: no Python on the
executors, a table of the catalog as input, and as fast once the session is warm (docs/cohort.md).
This mode remains for the cases it still serves, named in the docs: units written in the cells
(``32 kg``), which the polars kernel converts and the native engine rejects saying so; a derived
measure added to the catalog with a polars function (or none: derive.py row by row) but no Spark
function yet, which the native engine refuses, naming it; and one run in a fresh JVM on a small
machine, where the native plan's first compilation by the JIT costs more than Python workers do.
Workers need myoscope and polars installed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from ..knowledge import load_knowledge
from .cells import CONVERTED_SCHEMA, read_cells, sum_converted
from .io import check_flat, check_names, layout
from .kernel import AGE, ROW, SEX, Kernel
from .mapping import load_mapping
from .run import CohortRun, _merge
from .spark import (
    _rejects_location,
    collected,
    configure,
    read,
    refuse_duplicates,
    refuse_nothing_classified,
    spark_session,
    spread,
    with_row_numbers,
    write_csv,
)
from .stats import POPULATION_SCHEMA, band_expr, summarise
from .validate import REJECT_SCHEMA

if TYPE_CHECKING:
    from pyspark.sql import Column, SparkSession
    from pyspark.sql import DataFrame as SparkFrame


#: Spark types that the polars kernel reads as another type (bytes: ``validate_spark.as_text``)
CASTS = {"timestamp": "date", "timestamp_ntz": "date"}


def _readable(name: str, kind: str) -> Column:
    """Input column ``name`` of Spark type ``kind`` as the type the polars kernel reads."""
    from .validate_spark import as_text, column

    if kind == "binary":
        return as_text(name, kind)
    return column(name).cast(CASTS[kind]) if kind in CASTS else column(name)


def _polars_schema(frame: SparkFrame) -> dict[str, Any]:
    import pyarrow as pa  # type: ignore[import-untyped]
    from pyspark.sql.pandas.types import to_arrow_schema

    empty = pa.schema(to_arrow_schema(frame.schema)).empty_table()
    return dict(pl.from_arrow(empty).schema)  # type: ignore[union-attr]


@cache
def _kernel(spec: tuple[Any, ...]) -> Kernel:
    """Build (once per worker process) the kernel for a frozen description of the run."""
    schema_items, definitions, mapping, id_column, extra, weight, strata, psu = spec
    schema = {k: _dtype(v) for k, v in schema_items}
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
    return Kernel(kb, schema, lay, list(definitions) if definitions else None)


def _dtype(text: str) -> Any:
    """The polars type named ``text`` (``str`` of the type), text for any other. Decimals keep
    their precision, as the polars engine reads them: cast to doubles, whole-number ids beyond
    2**53 (an Oracle ``NUMBER``, an unsigned 64-bit id that Spark reads as ``decimal(20,0)``)
    lost their last digits, and two such ids could become one."""
    decimal = re.fullmatch(r"Decimal\(precision=(\d+), scale=(\d+)\)", text)
    if decimal:
        return pl.Decimal(int(decimal[1]), int(decimal[2]))
    return {
        "String": pl.String,
        "Float64": pl.Float64,
        "Float32": pl.Float32,
        "Int64": pl.Int64,
        "Int32": pl.Int32,
        "Int16": pl.Int16,
        "Int8": pl.Int8,
        "Boolean": pl.Boolean,
        "Date": pl.Date,
        "Time": pl.Time,
    }.get(text, pl.String)


def _batch(batch: Any, names: dict[str, str]) -> pl.DataFrame:
    """An Arrow record batch as polars, its columns named back (those of ``names`` it holds)."""
    frame = pl.from_arrow(batch)
    assert isinstance(frame, pl.DataFrame)
    return frame.rename(names, strict=False)


def _arrow(frame: pl.DataFrame, target: Any) -> Iterator[Any]:
    plain = frame.with_columns(
        [pl.col(c).cast(pl.String) for c, t in frame.schema.items() if isinstance(t, pl.Enum)]
        + [pl.col(c).cast(pl.List(pl.String)) for c, t in frame.schema.items() if isinstance(t, pl.List)]
    )
    table = plain.to_arrow(compat_level=pl.CompatLevel.oldest()).cast(target)
    yield from table.to_batches()


def run_arrow(
    data: str | Path | SparkFrame,
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
    allow_duplicate_ids: bool = False,
) -> CohortRun:
    """Classify ``data`` in Python workers; write ``out`` (a Parquet directory) and the rejects."""
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_schema

    from .spark_kernel import nested_columns
    from .validate_spark import column

    session = spark or spark_session(master)
    configure(session)
    source: SparkFrame = data if not isinstance(data, str | Path) else read(session, data)
    check_names(source.columns)
    check_flat(nested_columns(source))
    # the kernel is built for the types that _dtype names; the others are read as the polars engine
    # reads them from a file: timestamps as dates, bytes as text
    source = source.select([_readable(n, t.split("(")[0]).alias(n) for n, t in source.dtypes])
    frame = spread(with_row_numbers(source)[0], data)
    schema = _polars_schema(frame)
    # PySpark's mapInArrow finds each input column by its name, where a dot (UK Biobank's 31-0.0)
    # reads as a struct field: the workers receive the columns by position and name them back
    plain = [f"__c{i}" for i in range(len(frame.columns))]
    restore = dict(zip(plain, frame.columns, strict=True))
    by_position = frame.toDF(*plain)
    spec = (
        tuple((k, str(v)) for k, v in schema.items()),
        tuple(definitions or ()),
        mapping,
        id_column,
        extra,
        weight,
        strata,
        psu,
    )
    kernel = _kernel(spec)
    if kernel.layout.id_column and not allow_duplicate_ids:
        refuse_duplicates(frame, kernel.layout.id_column)
    ids = [c.id for c in kernel.compiled]
    sample = kernel.run(pl.DataFrame(schema=schema))  # an empty batch fixes the output schema
    out_pl = sample.table.with_columns(pl.lit(None, pl.String).alias("__band"))
    out_arrow = _plain_arrow_schema(out_pl)
    rej_arrow = _plain_arrow_schema(pl.DataFrame(schema=REJECT_SCHEMA))
    # Spark's Arrow types have no unsigned integers: the counts travel as int64
    conv_arrow = _plain_arrow_schema(pl.DataFrame(schema={**CONVERTED_SCHEMA, "cells": pl.Int64}))

    def classify(batches: Iterator[Any]) -> Iterator[Any]:
        k = _kernel(spec)
        for rb in batches:
            b = k.run(_batch(rb, restore))
            table = b.table.with_columns(band_expr(pl.col(AGE), age_bands).alias("__band"))
            yield from _arrow(table, out_arrow)

    def reject(batches: Iterator[Any]) -> Iterator[Any]:
        k = _kernel(spec)
        for rb in batches:
            cells, _ = read_cells(_batch(rb, restore), k.cells)
            yield from _arrow(k.rejected(cells.lazy()), rej_arrow)

    def convert(batches: Iterator[Any]) -> Iterator[Any]:
        k = _kernel(spec)
        for rb in batches:
            _, converted = read_cells(_batch(rb, restore), k.cells)
            yield from _arrow(converted.with_columns(pl.col("cells").cast(pl.Int64)), conv_arrow)

    result = by_position.mapInArrow(classify, from_arrow_schema(out_arrow)).cache()
    rejected = by_position.mapInArrow(reject, from_arrow_schema(rej_arrow)).cache()
    try:  # the cached rows are released also when the run fails or is refused
        rows_in, rows_classified = frame.count(), result.count()
        refuse_nothing_classified(rows_in, rows_classified, rejected)  # before anything is written
        out_path = str(out)  # kept as text: dbfs:/, s3://, hdfs:// locations are not local paths
        result.select([column(c) for c in result.columns if not c.startswith("__")]).write.mode(
            "overwrite"
        ).parquet(out_path)
        rej_path = str(rejects) if rejects else _rejects_location(out_path)
        write_csv(rejected.orderBy(ROW).coalesce(1), rej_path)
        keys = [k for k in kernel.summary_columns() if k not in (AGE, "__weight")]
        w = F.col("__weight").cast("double") if "__weight" in kernel.summary_columns() else F.lit(1.0)
        # the population counts ride on the same aggregation: rows whose in_population is
        # unknown (__u) or false (__f), per definition
        tallies = {}
        for i, d in enumerate(ids):
            established = F.col(f"{d}_in_population")
            tallies[f"__u{i}"] = F.count(F.when(established.isNull(), F.lit(1)))
            tallies[f"__f{i}"] = F.count(F.when(~established, F.lit(1)))
        groups_rows = (
            result.groupBy(*[F.col(k).cast("string").alias(k) for k in [*keys, "__band", *ids]])
            .agg(
                F.count(F.lit(1)).alias("n"),
                F.sum(w).alias("w"),
                F.sum(w * w).alias("w2"),
                *[e.alias(n) for n, e in tallies.items()],
            )
            .collect()
        )
        counted = {"n": pl.Int64, "w": pl.Float64, "w2": pl.Float64, **dict.fromkeys(tallies, pl.Int64)}
        groups = collected(groups_rows, {**dict.fromkeys([*keys, "__band", *ids], pl.String), **counted})
        population = pl.DataFrame(
            {
                "definition": ids,
                "n": [rows_classified] * len(ids),
                "not_established": [int(groups.get_column(f"__u{i}").sum()) for i in range(len(ids))],
                "ruled_out": [int(groups.get_column(f"__f{i}").sum()) for i in range(len(ids))],
            },
            schema=POPULATION_SCHEMA,
        )
        converted = pl.DataFrame(schema=CONVERTED_SCHEMA)
        if kernel.cells:  # the cells that carried a unit, counted over the text quantity columns only
            rows = (
                by_position.select(*[plain[frame.columns.index(c)] for c in kernel.cells])
                .mapInArrow(convert, from_arrow_schema(conv_arrow))
                .groupBy("column", "unit")
                .agg(F.sum("cells").alias("cells"))
                .collect()
            )
            counts = collected(rows, CONVERTED_SCHEMA, strict=False)
            converted = sum_converted([counts])
        sexes = list(kernel.kb.catalog.measures["sex"].values)
        groups = groups.with_columns(pl.col(SEX).cast(pl.Enum(sexes)))
        run = CohortRun(
            out_path,
            rej_path,
            rows_in,
            rows_classified,
            rejected.select(ROW).distinct().count(),
            rejected.count(),
            ids,
            unmirrored=kernel.unmirrored,
            unmapped=kernel.layout.unmapped,
            converted=converted,
        )
        run.summary = summarise(
            _merge([groups], kernel.summary_columns(), ids), kernel, age_bands, population=population
        )
        return run
    finally:
        result.unpersist()
        rejected.unpersist()


def _plain_arrow_schema(frame: pl.DataFrame) -> Any:
    plain = frame.with_columns(
        [pl.col(c).cast(pl.String) for c, t in frame.schema.items() if isinstance(t, pl.Enum)]
        + [pl.col(c).cast(pl.List(pl.String)) for c, t in frame.schema.items() if isinstance(t, pl.List)]
    )
    import pyarrow as pa  # type: ignore[import-untyped]

    schema = plain.to_arrow(compat_level=pl.CompatLevel.oldest()).schema
    fields = []
    for f in schema:  # Spark's Arrow types: string (not large_string), list (not large_list)
        t = f.type
        if pa.types.is_large_string(t):
            t = pa.string()
        elif pa.types.is_large_list(t):
            t = pa.list_(pa.string())
        fields.append(pa.field(f.name, t))
    return pa.schema(fields)


__all__ = ["run_arrow"]
