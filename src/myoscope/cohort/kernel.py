"""The cohort kernel: one batch of raw rows in, classified rows and rejects out.

The same kernel runs for an in-memory frame, for each batch of a streamed file and inside Spark's
``mapInArrow``, so every engine gives identical results by construction. Steps: validate
(vectorised catalog rules) -> derive (polars mirrors of ``derive.py``) -> every compiled
definition -> decisive measures from the slot signatures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from ..knowledge import Knowledge
from ..measures import Catalog
from ..rules.compile_polars import CompiledDefinition, column_name, compile_definitions
from .cells import CONVERTED_SCHEMA, read_cells
from .derive_polars import DeriveContext, derive_stages, unmirrored
from .io import ROW, Layout
from .tables import TableColumn, history_names, row_to_record, table_columns
from .validate import REJECT_SCHEMA, Validator

SEX, AGE = "__sex", "__age"
#: Decisive measures: a list of measure ids, categorical (cheap to build and to write; a list of
#: strings when read back by other tools).
DECISIVE = pl.List(pl.Categorical)
WEIGHT, STRATA, PSU = "__weight", "__strata", "__psu"


class TableColumns:
    """The compiler's view of the validated table (``compile_polars.Columns``)."""

    def __init__(self, knowledge: Knowledge, history: int) -> None:
        self.cat = knowledge.catalog
        self.history = history
        # as assess.py: a derived measure that can also be measured (gait speed) is its own input
        self.derived_inputs = {
            d.id: d.inputs for d in self.cat.derived.values() if d.id not in self.cat.measures
        }

    def value(self, measure: str) -> pl.Expr:
        if no_flat_form(self.cat, measure):
            return pl.lit(None)
        return pl.col(column_name(measure))

    def missing(self, measure: str) -> pl.Expr:
        m = self.cat.measures.get(measure)
        if m is not None and m.kind == "sarc_f":
            return pl.all_horizontal([pl.col(f"sarc_f_{i}").is_null() for i in self.cat.sarc_f.items])
        if m is not None and m.kind == "weight_history":
            if not self.history:
                return pl.lit(True)
            return pl.all_horizontal(
                [pl.col(history_names(i)[0]).is_null() for i in range(1, self.history + 1)]
            )
        return self.value(measure).is_null()

    def inputs(self, measure: str) -> tuple[str, ...]:
        return self.derived_inputs.get(measure, (measure,))

    def categories(self, measure: str) -> tuple[str, ...] | None:
        m = self.cat.measures.get(measure)
        return m.values if m is not None and m.kind == "enum" else None


def no_flat_form(catalog: Catalog, measure: str) -> bool:
    """Whether ``measure`` is a field of an object block (``history.icu_days``): such blocks have
    no table columns (tables.py), so a table row never records it and it is unknown, as it is
    for the record the row stands for (``row_to_record``)."""
    head, dot, _ = measure.partition(".")
    m = catalog.measures.get(head)
    return bool(dot) and m is not None and m.kind == "object"


def _null_column(c: TableColumn, knowledge: Knowledge) -> pl.Expr:
    kind = c.kind
    if kind == "enum":
        dtype: Any = pl.Enum(list(knowledge.catalog.measures[c.measure].values))
    elif kind == "bool":
        dtype = pl.Boolean
    elif kind == "text":
        dtype = pl.String
    elif kind == "date":
        dtype = pl.Date
    elif kind == "conditions":
        dtype = pl.List(pl.String)
    else:
        dtype = pl.Float64
    return pl.lit(None, dtype).alias(c.name)


@dataclass
class Batch:
    """The kernel's result for one batch."""

    table: pl.DataFrame  # id (or row), outputs per definition, plus summary keys (__sex, __age ...)
    rejects: pl.DataFrame  # row, column, value, reason
    rows_in: int
    #: cells that carried their own unit and were converted (column, unit, cells), any row
    converted: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=CONVERTED_SCHEMA))

    @property
    def rejected_rows(self) -> int:
        return self.rejects.get_column(ROW).n_unique() if self.rejects.height else 0


class Kernel:
    """Validation, derivation and the compiled definitions for one input layout."""

    def __init__(
        self,
        knowledge: Knowledge,
        schema: dict[str, Any],
        lay: Layout,
        definitions: list[str] | None = None,
    ) -> None:
        self.kb = knowledge
        self.schema = schema
        self.layout = lay
        self.definitions = knowledge.select(definitions)
        self.columns = table_columns(knowledge.catalog, lay.history)
        validation = Validator(knowledge.catalog, schema, lay.sources).build(lay.history, lay.weight)
        self.checks = validation.checks
        self.weight = validation.weight
        self.cells = validation.cells
        self.id_column = lay.id_column or ROW
        typed = dict(validation.typed)
        for name, col in self.columns.items():
            if name not in typed:
                typed[name] = _null_column(col, knowledge)
        typed.pop(self.id_column, None)  # the id passes through untouched
        self.record_columns = list(typed)
        ctx = DeriveContext(knowledge.catalog, lay.history)
        derived = derive_stages(ctx, self.record_columns, self._values)
        self.unmirrored = unmirrored(knowledge.catalog)
        self.compiled: list[CompiledDefinition] = compile_definitions(
            self.definitions, TableColumns(knowledge, lay.history)
        )
        # only what the chosen definitions read: every other column would be materialised (as
        # nulls, for fields the input lacks) in every batch for nothing
        need = _needed(self.compiled, derived) | {"sex", "age"}
        self.derived = [[e for e in stage if e.meta.output_name() in need] for stage in derived]
        self.typed = [e.alias(n) for n, e in typed.items() if n in need]
        self.typed_names = [n for n in typed if n in need]

    def _values(self, row: dict[str, Any]) -> dict[str, Any]:
        """A validated row as record values, for the row-by-row fallback of a derived measure."""
        rec = row_to_record({k: v for k, v in row.items() if v is not None}, self.kb.catalog)
        return rec

    def schema_of_id(self) -> Any:
        return self.schema.get(self.id_column, pl.Int64)

    # -- steps ---------------------------------------------------------------------------------

    def output_columns(self) -> list[str]:
        out = [self.id_column]
        for c in self.compiled:
            out += [c.id, f"{c.id}_decided", f"{c.id}_decisive", f"{c.id}_in_population"]
        return out

    def summary_columns(self) -> list[str]:
        return [SEX, AGE] + [
            k
            for k, v in ((WEIGHT, self.layout.weight), (STRATA, self.layout.strata), (PSU, self.layout.psu))
            if v
        ]

    def _flagged(self, lf: pl.LazyFrame) -> pl.LazyFrame:
        """Add ``__bad`` (the row fails a check) and the typed canonical values (``__t_*``),
        computed once for both the classified rows and the rejects."""
        if "__bad" in lf.collect_schema():  # already flagged (run() flags once for both plans)
            return lf
        bad = pl.any_horizontal([c.bad for c in self.checks]) if self.checks else pl.lit(False)
        typed = [e.alias(f"__t_{e.meta.output_name()}") for e in self.typed]
        return lf.with_columns([*typed, bad.alias("__bad")])

    def classified(self, lf: pl.LazyFrame) -> pl.LazyFrame:
        """The plan for the rows that pass validation: id, outcome, decided and whether the
        population is established per definition, the signature words and the summary keys.
        One plan for the whole input, so polars optimises it once however many batches stream
        through it."""
        good = self._flagged(lf).filter(~pl.col("__bad"))
        keep = [pl.col(self.id_column)] if self.id_column != ROW else [pl.col(ROW)]
        survey = [
            (self.weight if dst == WEIGHT and self.weight is not None else pl.col(src)).alias(dst)
            for dst, src in (
                (WEIGHT, self.layout.weight),
                (STRATA, self.layout.strata),
                (PSU, self.layout.psu),
            )
            if src
        ]
        ctx = good.select([*keep, *survey, *[pl.col(f"__t_{n}").alias(n) for n in self.typed_names]])
        for stage in self.derived:
            ctx = ctx.with_columns(stage)
        for c in self.compiled:
            ctx = c.apply(ctx)
        sig = [s for c in self.compiled for s in c.signature_columns]
        outs = [x for c in self.compiled for x in (c.id, f"{c.id}_decided", f"{c.id}_in_population")]
        return ctx.select(
            [
                pl.col(self.id_column),
                *[pl.col(x) for x in outs],
                *[pl.col(s) for s in sig],
                pl.col("sex").alias(SEX),
                pl.col("age").alias(AGE),
                *[pl.col(k) for k in self.summary_columns()[2:]],
            ]
        )

    def rejected(self, lf: pl.LazyFrame) -> pl.DataFrame:
        """The rejects table: one line per bad value (row, column, value, reason).

        The rejected rows are gathered first (one streaming pass; they are few in any usable
        table), then each check names its bad values among them."""
        if not self.checks:
            return pl.DataFrame(schema=REJECT_SCHEMA)
        bad = self._flagged(lf).filter(pl.col("__bad")).collect().lazy()
        parts = [
            bad.filter(c.bad).select(
                pl.col(ROW).cast(pl.Int64),
                pl.lit(c.column).alias("column"),
                c.value.cast(pl.String).alias("value"),
                c.reason.cast(pl.String).alias("reason"),
                pl.lit(k).alias("__k"),
            )
            for k, c in enumerate(self.checks)
        ]
        return pl.concat(parts).sort([ROW, "__k"]).drop("__k").collect()

    def run(self, raw: pl.DataFrame | pl.LazyFrame) -> Batch:
        """Classify ``raw`` (input columns plus ``row``) in memory.

        The text quantity columns are read cell by cell first (units written in cells), eagerly,
        so that the validation plan only references their numbers."""
        frame = raw if isinstance(raw, pl.DataFrame) else raw.collect()
        frame, converted = read_cells(frame, self.cells)
        lf = self._flagged(frame.lazy()).collect().lazy()
        rejects = self.rejected(lf)
        table = self.classified(lf).collect()
        return Batch(self.finish(table), rejects, frame.height, converted)

    def finish(self, table: pl.DataFrame) -> pl.DataFrame:
        """Turn each definition's signature words into its ordered decisive measures."""
        for c in self.compiled:
            sig = c.signature_columns
            # one key per row (the word itself, or a hash of the words), a representative row per
            # key, and a check that every row's words equal its representative's: exact, and far
            # cheaper than a join or a multi-column unique on a wide table
            keys = table.select(pl.col(sig[0]) if len(sig) == 1 else pl.struct(sig).hash()).to_series()
            first = keys.arg_unique()
            reps = table.select(sig)[first]
            lists = pl.Series(
                f"{c.id}_decisive", [c.decisive(tuple(r)) for r in reps.iter_rows()], dtype=pl.List(pl.String)
            ).cast(DECISIVE)
            index = keys.replace_strict(keys.gather(first), pl.Series(range(len(first)), dtype=pl.UInt32))
            exact = len(sig) == 1 or all(
                bool((table.get_column(w) == reps.get_column(w).gather(index)).all()) for w in sig
            )
            if exact:
                table = table.drop(sig).with_columns(lists.gather(index))
            else:  # a hash collision (never seen, but handled): join on the words themselves
                uniq = table.select(sig).unique()
                lists = pl.Series(
                    f"{c.id}_decisive",
                    [c.decisive(tuple(r)) for r in uniq.iter_rows()],
                    dtype=pl.List(pl.String),
                ).cast(DECISIVE)
                lookup = uniq.with_columns(lists)
                table = table.join(lookup, on=sig, how="left", maintain_order="left", nulls_equal=True).drop(
                    sig
                )
        ordered = self.output_columns()
        return table.select([*ordered, *[x for x in table.columns if x not in ordered]])


def _needed(compiled: list[CompiledDefinition], derived: list[list[pl.Expr]]) -> set[str]:
    """Columns the compiled definitions read, with the derived measures' inputs, transitively."""
    need: set[str] = set()
    for c in compiled:
        for e in [*(x for stage in c.stages for x in stage), *c.outputs]:
            need.update(e.meta.root_names())
    by_name = {e.meta.output_name(): e for stage in derived for e in stage}
    frontier = [n for n in need if n in by_name]
    while frontier:
        for r in by_name[frontier.pop()].meta.root_names():
            if r not in need:
                need.add(r)
                if r in by_name:
                    frontier.append(r)
    return need


def strip_summary(table: pl.DataFrame) -> pl.DataFrame:
    """The output table without the summary keys."""
    return table.select([c for c in table.columns if not c.startswith("__")])


__all__ = ["DECISIVE", "ROW", "Batch", "Kernel", "TableColumns", "no_flat_form", "strip_summary"]
