"""The native Spark kernel: raw rows in, classified rows and rejects out, as Spark plans.

The mirror of :class:`myoscope.cohort.kernel.Kernel` in Spark SQL columns: validation
(``validate_spark``), derived measures (``derive_spark``) and every definition compiled by
``rules.compile_spark``. Nothing runs in Python per row or per batch: the driver only builds the
plan, and Spark's executors run it in the JVM, so a cluster scales it like any SQL query.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyspark.sql import functions as F

from ..errors import InputFileError
from ..knowledge import Knowledge
from ..rules.compile_polars import column_name
from ..rules.compile_spark import CompiledSparkDefinition, apply_all, balanced, compile_definitions
from .derive_spark import SparkDeriveContext, derive_stages, unmirrored
from .io import Layout
from .kernel import AGE, PSU, ROW, SEX, STRATA, WEIGHT, no_flat_form
from .tables import TableColumn, history_names, table_columns
from .validate_spark import SparkValidator, column

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

BAD = "__bad"
NESTED = ("array", "map", "struct")
CELLS = "__cells"


class SparkTableColumns:
    """The compiler's view of the validated table (``compile_spark.SparkColumns``)."""

    def __init__(self, knowledge: Knowledge, history: int) -> None:
        self.cat = knowledge.catalog
        self.history = history
        self.derived_inputs = {
            d.id: d.inputs for d in self.cat.derived.values() if d.id not in self.cat.measures
        }

    def value(self, measure: str) -> Column:
        if no_flat_form(self.cat, measure):
            return F.lit(None)
        return F.col(column_name(measure))

    def _kind(self, measure: str) -> str | None:
        m = self.cat.measures.get(measure)
        return m.kind if m is not None else None

    def missing(self, measure: str) -> Column:
        kind = self._kind(measure)
        if kind == "sarc_f":
            items = [F.col(f"sarc_f_{i}").isNull() for i in self.cat.sarc_f.items]
            return balanced(lambda a, b: a & b, items)
        if kind == "weight_history":
            if not self.history:
                return F.lit(True)
            names = [history_names(k)[0] for k in range(1, self.history + 1)]
            return balanced(lambda a, b: a & b, [F.col(n).isNull() for n in names])
        return self.value(measure).isNull()

    def plain(self, measure: str) -> bool:
        return self._kind(measure) not in ("sarc_f", "weight_history")

    def inputs(self, measure: str) -> tuple[str, ...]:
        return self.derived_inputs.get(measure, (measure,))

    def categories(self, measure: str) -> tuple[str, ...] | None:
        m = self.cat.measures.get(measure)
        return m.values if m is not None and m.kind == "enum" else None


def _null_column(c: TableColumn) -> Column:
    dtype = {"enum": "string", "bool": "boolean", "text": "string", "date": "date"}.get(c.kind, "double")
    if c.kind == "conditions":
        dtype = "array<string>"
    return F.lit(None).cast(dtype).alias(c.name)


class SparkKernel:
    """Validation, derivation and the compiled definitions for one input layout, as Spark plans.

    :raises InputFileError: when a derived measure of the catalog has no Spark function.
    """

    def __init__(
        self,
        knowledge: Knowledge,
        schema: dict[str, str],
        lay: Layout,
        definitions: list[str] | None = None,
    ) -> None:
        missing = unmirrored(knowledge.catalog)
        if missing:
            raise InputFileError(
                f"the native Spark engine has no function for the derived measure(s) {', '.join(missing)} "
                "(cohort/derive_spark.py): run with --spark-mode arrow"
            )
        self.kb = knowledge
        self.schema = schema
        self.layout = lay
        self.definitions = knowledge.select(definitions)
        self.columns = table_columns(knowledge.catalog, lay.history)
        validation = SparkValidator(knowledge.catalog, schema, lay.sources).build(lay.history, lay.weight)
        self.checks = validation.checks
        self.weight = validation.weight
        self.id_column = lay.id_column or ROW
        self.inputs: list[str] = []  # the input's columns, known once flagged() has seen it
        typed = dict(validation.typed)
        for name, col in self.columns.items():
            if name not in typed:
                typed[name] = _null_column(col)
        typed.pop(self.id_column, None)
        self.typed = typed
        self.derived = derive_stages(SparkDeriveContext(knowledge.catalog, lay.history))
        self.compiled: list[CompiledSparkDefinition] = compile_definitions(
            self.definitions, SparkTableColumns(knowledge, lay.history)
        )

    @property
    def ids(self) -> list[str]:
        return [c.id for c in self.compiled]

    def output_columns(self, signature: bool = False) -> list[str]:
        """The output's columns; with ``signature``, each definition's outcome code and signature
        words instead of its outcome, decided, decisive measures and in_population (the code
        holds outcome, decided and in_population: :meth:`classified`)."""
        out = [self.id_column]
        for c in self.compiled:
            if signature:
                out += [c.code_column, *c.signature_columns()]
            else:
                out += [c.id, f"{c.id}_decided", f"{c.id}_decisive", f"{c.id}_in_population"]
        return out

    def summary_columns(self) -> list[str]:
        return [SEX, AGE] + [
            k
            for k, v in ((WEIGHT, self.layout.weight), (STRATA, self.layout.strata), (PSU, self.layout.psu))
            if v
        ]

    def flagged(self, frame: DataFrame) -> DataFrame:
        """The input with ``__bad`` (the row fails a check) and the typed values (``__t_*``)."""
        bad = balanced(lambda a, b: a | b, [c.bad for c in self.checks]) if self.checks else F.lit(False)
        typed = [e.alias(f"__t_{n}") for n, e in self.typed.items()]
        self.inputs = [c for c in frame.columns if c != ROW]
        return frame.select("*", *typed, bad.alias(BAD))

    def classified(
        self,
        flagged: DataFrame,
        summary_keys: bool = True,
        with_rejects: bool = False,
        signature: bool = False,
    ) -> DataFrame:
        """The rows that pass validation: id (or row), outcome, decided, decisive measures and
        in_population per definition, then (with ``summary_keys``) ``__sex``, ``__age`` and the
        survey columns.

        With ``with_rejects`` every row is kept, with ``__bad``, ``row`` and, on a bad row only,
        ``__cells``, its input cells as they were read (:meth:`rejects_of` turns them into reject
        lines): one pass over the input then gives both the classified rows (``__bad`` false)
        and the rejects, instead of a second pass that validates every row again. The cells are
        kept rather than the reject texts, which would be formatted for every row (Spark
        evaluates expressions shared by several checks ahead of their conditions). The outcome
        columns of a bad row are computed (its bad values are null in the typed columns, like
        missing ones) and never read.

        With ``signature`` each definition has its outcome code and signature words instead,
        which :meth:`with_lists` turns into outcomes, decided flags and lists (a list once per
        distinct signature)."""
        keep = [column(self.id_column)]
        if with_rejects and self.id_column != ROW:
            keep.append(F.col(ROW))
        survey = [
            (self.weight if dst == WEIGHT and self.weight is not None else column(src)).alias(dst)
            for dst, src in (
                (WEIGHT, self.layout.weight),
                (STRATA, self.layout.strata),
                (PSU, self.layout.psu),
            )
            if src
        ]
        rows = flagged if with_rejects else flagged.filter(~F.col(BAD))
        cells = F.struct(*[column(c) for c in self.inputs])
        extra = [F.col(BAD), F.when(F.col(BAD), cells).alias(CELLS)] if with_rejects else []
        frame = rows.select(*keep, *survey, *[F.col(f"__t_{n}").alias(n) for n in self.typed], *extra)
        for stage in self.derived:
            frame = frame.withColumns(stage)
        carried = [self.id_column, "sex", "age", *self.summary_columns()[2:], ROW, BAD, CELLS]
        frame = apply_all(frame, self.compiled, carried, signature)
        keys = [
            F.col("sex").alias(SEX),
            F.col("age").alias(AGE),
            *[F.col(k) for k in self.summary_columns()[2:]],
        ]
        tail = [F.col(c) for c in (ROW, BAD, CELLS) if c != self.id_column] if with_rejects else []
        return frame.select(
            *[column(x) for x in self.output_columns(signature)], *(keys if summary_keys else []), *tail
        )

    def with_lists(self, frame: DataFrame, signatures: DataFrame | None = None) -> DataFrame:
        """The output columns of ``frame`` (classified with ``signature``, and stored, as a staged
        table or a persisted frame: it may be read twice, and Catalyst would otherwise optimise
        the whole classification again under each read): the outcome codes decoded (outcome,
        decided and in_population), the decisive measures as lists.

        A cohort has few distinct signatures per definition against millions of rows (18 for
        EWGSOP2 in the benchmark's 2,000,000): the distinct (definition, signature) pairs come
        from one aggregation, of ``signatures`` (any frame with the same signature words, such as
        the summary's combinations, which saves a pass over the rows) or else of ``frame``; the
        driver turns each into its list (as the polars engine does), and a small table per
        definition is broadcast and joined back on the words. Splitting and deduplicating every
        row's measures in the plan took about 6 s of a 14 s classification (docs/cohort.md)."""
        if not self.compiled:
            return frame.select([column(c) for c in self.output_columns()])
        entries = [
            F.struct(F.lit(i).alias("d"), F.array(*[F.col(w) for w in c.signature_columns()]).alias("w"))
            for i, c in enumerate(self.compiled)
        ]
        source = frame if signatures is None else signatures
        exploded = source.select(F.explode(F.array(*entries)).alias("p"))
        pairs = exploded.select("p.d", "p.w").distinct().collect()
        spark = frame.sparkSession
        for i, c in enumerate(self.compiled):
            words = c.signature_columns()
            keys = [f"__k{w}" for w in range(len(words))]
            rows = [(*p["w"], c.decisive_of(p["w"])) for p in pairs if p["d"] == i]
            schema = ", ".join([*(f"{k} long" for k in keys), "__list array<string>"])
            table = spark.createDataFrame(rows or [(*[0] * len(keys), [])], schema)
            on = [F.col(w) == F.col(k) for w, k in zip(words, keys, strict=True)]
            frame = (
                frame.join(F.broadcast(table), on, "left")
                .withColumn(f"{c.id}_decisive", F.col("__list"))
                .drop("__list", *keys, *words)
            )
        decoded = {n: e for c in self.compiled for n, e in c.decoded(F.col(c.code_column)).items()}
        return frame.withColumns(decoded).select([column(c) for c in self.output_columns()])

    def _lines(self) -> Column:
        """The reject lines of a row, one per check (null where the check passes), in check
        order, as structs (column, value, reason, __k); read from the input's columns."""
        return F.array(
            *[
                F.when(
                    c.bad,
                    F.struct(
                        F.lit(c.column).alias("column"),
                        c.value.cast("string").alias("value"),
                        c.reason.cast("string").alias("reason"),
                        F.lit(k).alias("__k"),
                    ),
                )
                for k, c in enumerate(self.checks)
            ]
        )

    def rejected(self, flagged: DataFrame) -> DataFrame:
        """One line per bad value (row, column, value, reason), in check order within a row."""
        if not self.checks:
            return self._no_rejects(flagged)
        return self._explode(flagged.filter(F.col(BAD)))

    def rejects_of(self, stored: DataFrame) -> DataFrame:
        """The reject lines (row, column, value, reason, __k) of the bad rows of ``stored`` (made
        by :meth:`classified` ``with_rejects``), from the input cells they keep."""
        if not self.checks:
            return self._no_rejects(stored)
        cells = [F.col(CELLS).getField(c).alias(c) for c in self.inputs]
        bad = stored.filter(F.col(BAD)).select(F.col(ROW), *cells)
        return self._explode(bad)

    def _explode(self, bad: DataFrame) -> DataFrame:
        """One line per failed check of the rows of ``bad`` (which have the input's columns)."""
        return bad.select(
            F.col(ROW).cast("long").alias(ROW),
            F.explode(F.filter(self._lines(), lambda x: x.isNotNull())).alias("r"),
        ).select(ROW, "r.column", "r.value", "r.reason", "r.__k")

    @staticmethod
    def _no_rejects(frame: DataFrame) -> DataFrame:
        return frame.limit(0).select(
            F.col(ROW).cast("long").alias(ROW),
            *[F.lit(None).cast("string").alias(c) for c in ("column", "value", "reason")],
            F.lit(0).alias("__k"),
        )


def spark_schema(frame: DataFrame) -> dict[str, str]:
    """Column -> Spark type name (``DataType.simpleString()``)."""
    return {f.name: f.dataType.simpleString() for f in frame.schema.fields}


def nested_columns(frame: DataFrame) -> list[str]:
    """The columns of ``frame`` that hold arrays, maps or structs (``io.check_flat`` refuses them)."""
    return [f.name for f in frame.schema.fields if f.dataType.simpleString().startswith(NESTED)]


__all__ = ["BAD", "SparkKernel", "SparkTableColumns", "nested_columns", "spark_schema"]
