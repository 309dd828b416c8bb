"""Classify whole cohorts under every definition: in memory (:func:`classify`) or streamed from a
file to a file (:func:`run_cohort`), with a rejects table and the summary.

Every row is accounted for: rows in = rows classified + rows rejected, and the result says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from ..errors import CohortInputError, OutputFileError, quote
from ..knowledge import Knowledge, load_knowledge
from ..outputs import Outputs, check_output
from .cells import CONVERTED_SCHEMA, converted_lines, sum_converted
from .io import (
    Layout,
    as_text,
    batches,
    check_flat,
    count_rows,
    csv_separator,
    for_csv,
    layout,
    output_format,
    scan,
)
from .kernel import DECISIVE, ROW, Batch, Kernel, strip_summary
from .mapping import Mapping, load_mapping
from .stats import Summary, merge_population, population_counts, summarise
from .validate import REJECT_SCHEMA

DEFAULT_BATCH = 500_000
Progress = Callable[[int], None]


@dataclass
class CohortResult:
    """The classified table, the rejects and the accounting of rows (in memory)."""

    table: pl.DataFrame
    rejects: pl.DataFrame
    rows_in: int
    definitions: list[str]
    summary_keys: pl.DataFrame = field(repr=False, default_factory=pl.DataFrame)
    unmirrored: list[str] = field(default_factory=list)
    converted: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=CONVERTED_SCHEMA))

    @property
    def rows_rejected(self) -> int:
        return self.rejects.get_column(ROW).n_unique() if self.rejects.height else 0

    @property
    def rows_classified(self) -> int:
        return self.table.height

    @property
    def accounting(self) -> str:
        return (
            f"rows in {self.rows_in:,} = classified {self.rows_classified:,} + rejected "
            f"{self.rows_rejected:,} ({self.rejects.height:,} bad value"
            f"{'s' if self.rejects.height != 1 else ''})"
        )

    @property
    def summary(self) -> pl.DataFrame:
        """Outcome counts per definition (all classified rows)."""
        parts = [
            self.table.group_by(d)
            .len()
            .rename({d: "outcome", "len": "n"})
            .with_columns(pl.col("outcome").cast(pl.String), pl.lit(d).alias("definition"))
            for d in self.definitions
        ]
        return pl.concat(parts).select("definition", "outcome", "n").sort("definition", "outcome")

    def _repr_html_(self) -> str:
        from ..report.jupyter import cohort_run_html

        return cohort_run_html(self)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows_in": self.rows_in,
            "rows_classified": self.rows_classified,
            "rows_rejected": self.rows_rejected,
            "definitions": self.definitions,
            "rejects": self.rejects.to_dicts(),
            "converted": self.converted.to_dicts(),
        }

    def __str__(self) -> str:
        return "\n".join([self.accounting, *converted_lines(self.converted)])


def _prepare(
    data: Any,
    knowledge: Knowledge | None,
    mapping: str | Path | Mapping | None,
    id_column: str | None,
    extra: str,
    definitions: list[str] | None,
    survey: dict[str, str | None],
) -> tuple[pl.LazyFrame, Kernel]:
    kb = knowledge or load_knowledge()
    lf = scan(data)
    schema: dict[str, Any] = dict(lf.collect_schema())
    check_flat([name for name, dtype in schema.items() if dtype.is_nested()])
    mp = load_mapping(mapping) if isinstance(mapping, str | Path) else mapping
    lay: Layout = layout(schema, kb.catalog, mp, id_column, extra, **survey)
    lf = lf.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))
    schema[ROW] = pl.Int64
    return lf, Kernel(kb, schema, lay, definitions)


class Classifier:
    """A kernel bound to one input schema, reusable across frames with that schema."""

    def __init__(
        self,
        schema: dict[str, Any],
        definitions: list[str] | None = None,
        *,
        mapping: str | Path | Mapping | None = None,
        id_column: str | None = None,
        knowledge: Knowledge | None = None,
        extra: str = "error",
        weight: str | None = None,
        strata: str | None = None,
        psu: str | None = None,
    ) -> None:
        kb = knowledge or load_knowledge()
        mp = load_mapping(mapping) if isinstance(mapping, str | Path) else mapping
        # the types its frames will have once read (``scan`` reads bytes, dictionaries and
        # durations as text)
        schema = dict(as_text(pl.LazyFrame(schema=schema)).collect_schema())
        lay = layout(schema, kb.catalog, mp, id_column, extra, weight, strata, psu)
        self.kernel = Kernel(kb, {**schema, ROW: pl.Int64}, lay, definitions)

    def __call__(self, data: Any) -> CohortResult:
        lf = scan(data).with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))
        kernel = self.kernel
        batch: Batch = kernel.run(lf.collect())
        return CohortResult(
            table=strip_summary(batch.table),
            rejects=batch.rejects,
            rows_in=batch.rows_in,
            definitions=[c.id for c in kernel.compiled],
            summary_keys=batch.table.select(
                [c for c in batch.table.columns if c.startswith("__")] + [c.id for c in kernel.compiled]
            ),
            unmirrored=kernel.unmirrored,
            converted=batch.converted,
        )


def classify(
    data: Any,
    definitions: list[str] | None = None,
    *,
    mapping: str | Path | Mapping | None = None,
    id_column: str | None = None,
    knowledge: Knowledge | None = None,
    extra: str = "error",
    weight: str | None = None,
    strata: str | None = None,
    psu: str | None = None,
) -> CohortResult:
    """Classify every row of ``data`` (a frame or a file) in memory.

    :raises InputFileError: for an unreadable input, unknown columns or a bad mapping.
    :raises UnknownDefinitionError: for an unknown definition id.
    """
    lf = scan(data)
    return Classifier(
        dict(lf.collect_schema()),
        definitions,
        mapping=mapping,
        id_column=id_column,
        knowledge=knowledge,
        extra=extra,
        weight=weight,
        strata=strata,
        psu=psu,
    )(lf)


@dataclass
class CohortRun:
    """What :func:`run_cohort` wrote and counted."""

    output: Path | str
    rejects_path: Path | str
    rows_in: int
    rows_classified: int
    rows_rejected: int
    bad_values: int
    definitions: list[str]
    summary: Summary | None = None
    files: list[Path] = field(default_factory=list)
    unmirrored: list[str] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)
    converted: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=CONVERTED_SCHEMA))

    @property
    def accounting(self) -> str:
        return (
            f"rows in {self.rows_in:,} = classified {self.rows_classified:,} + rejected "
            f"{self.rows_rejected:,} ({self.bad_values:,} bad value{'s' if self.bad_values != 1 else ''})"
        )

    def _repr_html_(self) -> str:
        from ..report.jupyter import cohort_summary_html

        head = f"<p>{self.accounting}</p>"
        return head + (cohort_summary_html(self.summary) if self.summary is not None else "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "output": str(self.output),
            "rejects": str(self.rejects_path),
            "rows_in": self.rows_in,
            "rows_classified": self.rows_classified,
            "rows_rejected": self.rows_rejected,
            "bad_values": self.bad_values,
            "definitions": self.definitions,
            "files": [str(f) for f in self.files],
            "converted": self.converted.to_dicts(),
        }

    def __str__(self) -> str:
        lines = [f"wrote {self.output}", f"rejects in {self.rejects_path}"]
        if self.unmapped:
            lines.append(f"not in the input (left missing): {', '.join(self.unmapped)}")
        if self.summary is not None:
            lines += ["", str(self.summary)]
        lines += ["", self.accounting, *converted_lines(self.converted)]
        return "\n".join(lines)


def rejects_path_for(out: Path) -> Path:
    return out.with_name(out.name.removesuffix(out.suffix) + ".rejects.csv")


def run_cohort(
    data: Any,
    out: str | Path,
    definitions: list[str] | None = None,
    *,
    mapping: str | Path | Mapping | None = None,
    id_column: str | None = None,
    knowledge: Knowledge | None = None,
    extra: str = "error",
    rejects: str | Path | None = None,
    summary: bool = True,
    weight: str | None = None,
    strata: str | None = None,
    psu: str | None = None,
    age_bands: tuple[float, ...] = (60, 70, 80),
    batch_size: int = DEFAULT_BATCH,
    progress: Progress | None = None,
    total: Callable[[int | None], None] | None = None,
    allow_duplicate_ids: bool = False,
    outputs: Outputs | None = None,
) -> CohortRun:
    """Stream ``data`` through the kernel in batches and write the outputs.

    The classified rows go to ``out`` (Parquet or CSV), the rejects to ``rejects`` (CSV; default
    ``<out>.rejects.csv``). Memory stays bounded by ``batch_size`` whatever the input size.

    Both files are written under temporary names and appear only when the run succeeds (with
    ``outputs`` given, when the caller commits it), so a failed run leaves no file and leaves
    earlier files of those names untouched. An output may not be an input.

    :raises CohortInputError: an unreadable input, malformed CSV rows, duplicate ids (unless
        ``allow_duplicate_ids``), or not one row classified (the message says why).
    :raises OutputFileError: an output in a missing folder, or equal to an input.
    """
    out = Path(out)
    fmt = output_format(out)
    rej_path = Path(rejects) if rejects else rejects_path_for(out)
    if batch_size < 1:
        raise CohortInputError(f"batch size must be at least 1, got {batch_size}")
    inputs = [data if isinstance(data, str | Path) else None,
              mapping if isinstance(mapping, str | Path) and Path(mapping).suffix else None]
    check_output(out, inputs, "output")
    check_output(rej_path, inputs, "rejects", {"output": out})
    own = outputs is None
    files = outputs if outputs is not None else Outputs()
    try:
        result = _run(data, out, fmt, rej_path, files, definitions, mapping, id_column, knowledge, extra,
                      summary, {"weight": weight, "strata": strata, "psu": psu}, age_bands, batch_size,
                      progress, total, allow_duplicate_ids)
    except (pl.exceptions.PolarsError, OSError) as exc:
        written = {str(tmp): target for tmp, target in files.pending}
        files.discard()
        failed = str(getattr(exc, "filename", "") or "")
        if isinstance(exc, OSError) and failed in written:
            raise OutputFileError(f"cannot write {written[failed]}: {exc.strerror or exc}") from None
        name = data if isinstance(data, str | Path) else "the input table"
        raise CohortInputError(f"cannot read {name}: {_first_line(exc)}") from None
    except BaseException:
        files.discard()
        raise
    if own:
        files.commit()
    return result


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]


def _run(
    data: Any,
    out: Path,
    fmt: str,
    rej_path: Path,
    files: Outputs,
    definitions: list[str] | None,
    mapping: str | Path | Mapping | None,
    id_column: str | None,
    knowledge: Knowledge | None,
    extra: str,
    summary: bool,
    survey: dict[str, str | None],
    age_bands: tuple[float, ...],
    batch_size: int,
    progress: Progress | None,
    total: Callable[[int | None], None] | None,
    allow_duplicate_ids: bool,
) -> CohortRun:
    _, kernel = _prepare(data, knowledge, mapping, id_column, extra, definitions, survey)
    if total is not None:
        total(count_rows(data))
    counts = {"in": 0, "ok": 0, "rejected": 0, "bad": 0}
    groups: list[pl.DataFrame] = []
    population: list[pl.DataFrame] = []
    keys = kernel.summary_columns()
    ids = [c.id for c in kernel.compiled]
    id_col = kernel.layout.id_column
    seen_ids: list[pl.DataFrame] = []
    reasons: list[pl.DataFrame] = []
    converted: list[pl.DataFrame] = []
    tmp_out, tmp_rej = files.add(out), files.add(rej_path)

    with tmp_rej.open("w", encoding="utf-8", newline="") as rej_file:
        pl.DataFrame(schema=REJECT_SCHEMA).write_csv(rej_file)

        failure: list[BaseException] = []

        def classified() -> Any:
            # An exception raised inside polars' sink leaves its writer finishing the file in the
            # background, after the caller has cleaned up; so stop the stream and raise afterwards.
            try:
                yield from _classify_batches()
            except Exception as exc:
                failure.append(exc)

        def _classify_batches() -> Any:
            for raw in batches(data, batch_size, ROW):
                counts["in"] += raw.height  # counted by the reader, independently of the kernel
                if id_col is not None and not allow_duplicate_ids:
                    seen_ids.append(raw.select(pl.col(id_col).cast(pl.String).alias("id"), ROW))
                b = kernel.run(raw)
                counts["ok"] += b.table.height
                counts["rejected"] += b.rejected_rows
                counts["bad"] += b.rejects.height
                converted.append(b.converted)
                if b.rejects.height:
                    b.rejects.write_csv(rej_file, include_header=False)
                    reasons.append(b.rejects.group_by("column", "reason").len())
                if summary:
                    groups.append(_group(b.table, keys, ids, age_bands))
                    population.append(population_counts(b.table, ids))
                if progress is not None:
                    progress(raw.height)
                table = strip_summary(b.table)
                yield for_csv(table) if fmt == "csv" else table

        _sink(classified(), kernel, tmp_out, fmt)
        if failure:
            raise failure[0]

    if seen_ids:
        _refuse_duplicates(pl.concat(seen_ids), id_col or "id")
    if counts["ok"] == 0:
        raise CohortInputError(why_nothing(counts["in"], reasons))
    result = CohortRun(
        out,
        rej_path,
        counts["in"],
        counts["ok"],
        counts["rejected"],
        counts["bad"],
        ids,
        unmirrored=kernel.unmirrored,
        unmapped=kernel.layout.unmapped,
        converted=sum_converted(converted),
    )
    if summary:
        result.summary = summarise(
            _merge(groups, keys, ids), kernel, age_bands, population=merge_population(population, ids)
        )
    return result


def _refuse_duplicates(seen: pl.DataFrame, column: str) -> None:
    dupes = (
        seen.filter(pl.col("id").is_not_null() & pl.col("id").is_duplicated())
        .group_by("id", maintain_order=True)
        .agg(pl.col(ROW).sort())
    )
    refuse_duplicate_ids(dupes.height, [(r["id"], r[ROW]) for r in dupes.head(5).to_dicts()], column)


def refuse_duplicate_ids(count: int, first: list[tuple[str, list[int]]], column: str) -> None:
    """Refuse ``count`` ids seen on several rows, naming the ``first`` five (id, sorted rows), in
    the order of their first row. :raises CohortInputError:"""
    if not count:
        return
    shown = "; ".join(f"{quote(i, 40)} (rows {', '.join(map(str, rows[:5]))})" for i, rows in first[:5])
    more = f" and {count - 5} more" if count > 5 else ""
    raise CohortInputError(
        f"{count} id(s) in column {column!r} appear more than once: {shown}{more}; each row "
        "must be one person at one time (or pass --allow-duplicate-ids)"
    )


def why_nothing(rows_in: int, reasons: list[pl.DataFrame]) -> str:
    """Why a run classified no row, from frames of (column, reason, len) reject counts."""
    if rows_in == 0:
        return "no row to classify: the table has no data rows"
    top = pl.DataFrame()
    if reasons:  # ties in a fixed order, so that every engine names the same problems
        top = (
            pl.concat(reasons)
            .group_by("column", "reason")
            .agg(pl.col("len").sum())
            .sort(["len", "column", "reason"], descending=[True, False, False])
        )
    why = "; ".join(
        f"{r['column']}: {str(r['reason'])[:120]} ({r['len']:,} rows)" for r in top.head(5).to_dicts()
    )
    return f"not one of {rows_in:,} rows could be classified, so nothing was written" + (
        f"; most common problems: {why}" if why else "")


def _sink(frames: Any, kernel: Kernel, out: Path, fmt: str) -> None:
    """Write a stream of frames to one file through polars' streaming sink (no pyarrow needed)."""
    from polars.io.plugins import register_io_source

    schema = _output_schema(kernel, fmt)

    def source(with_columns: Any, predicate: Any, n_rows: Any, batch_size: Any) -> Any:
        for f in frames:
            yield f.cast(dict(schema), strict=False)

    lazy = register_io_source(source, schema=schema)
    if fmt == "parquet":
        lazy.sink_parquet(out)
    else:
        lazy.sink_csv(out, separator=csv_separator(out))


def _output_schema(kernel: Kernel, fmt: str) -> pl.Schema:
    cols: dict[str, Any] = {}
    id_dtype = kernel.schema_of_id()
    cols[kernel.id_column] = id_dtype
    for c in kernel.compiled:
        cols[c.id] = c.dtype
        cols[f"{c.id}_decided"] = pl.Boolean
        cols[f"{c.id}_decisive"] = pl.String if fmt == "csv" else DECISIVE
        cols[f"{c.id}_in_population"] = pl.Boolean  # CSV: true, false, or empty for unknown
    return pl.Schema(cols)


def _group(table: pl.DataFrame, keys: list[str], ids: list[str], bands: tuple[float, ...]) -> pl.DataFrame:
    from .stats import band_expr

    by = [k for k in keys if k not in ("__age", "__weight")]
    w = pl.col("__weight").cast(pl.Float64) if "__weight" in keys else pl.lit(1.0)
    return (
        table.with_columns(band_expr(pl.col("__age"), bands).alias("__band"))
        .group_by([*by, "__band", *ids])
        .agg(pl.len().alias("n"), w.sum().alias("w"), (w * w).sum().alias("w2"))
    )


def _merge(groups: list[pl.DataFrame], keys: list[str], ids: list[str]) -> pl.DataFrame:
    by = [k for k in keys if k not in ("__age", "__weight")] + ["__band", *ids]
    if not groups:
        return pl.DataFrame()
    return pl.concat(groups).group_by(by).agg(pl.col("n").sum(), pl.col("w").sum(), pl.col("w2").sum())


__all__ = ["CohortResult", "CohortRun", "classify", "rejects_path_for", "run_cohort"]
