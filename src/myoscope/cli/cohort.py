"""``myoscope cohort`` (classify a table under every definition) and ``myoscope synth``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import MyoscopeError
from . import app, fail, split_ids


def _bands(text: str) -> tuple[float, ...]:
    try:
        bands = tuple(float(x) for x in text.split(",") if x.strip())
    except ValueError:
        fail(f"--age-bands: expected numbers separated by commas, got {text!r}")
    if not bands or list(bands) != sorted(bands):
        fail(f"--age-bands: expected increasing numbers, got {text!r}")
    return bands


@app.command()
def cohort(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output table (.parquet or .csv).")],
    input: Annotated[
        Path | None,
        typer.Argument(help="Table: CSV/TSV, Parquet (file or directory), Arrow IPC; Delta with Spark."),
    ] = None,
    definitions: Annotated[
        str | None, typer.Option("--definitions", "-d", help="Comma-separated definition ids (default: all).")
    ] = None,
    map: Annotated[
        str | None, typer.Option("--map", help="Mapping file, or 'ukb' / 'nhanes' for the shipped ones.")
    ] = None,
    id_column: Annotated[
        str | None, typer.Option("--id-column", help="Column that identifies a row.")
    ] = None,
    engine: Annotated[str, typer.Option("--engine", help="polars (one machine) or spark.")] = "polars",
    summary: Annotated[
        Path | None, typer.Option("--summary", help="Write prevalence and agreement (.csv or .json).")
    ] = None,
    charts: Annotated[
        Path | None,
        typer.Option("--charts", help="Directory for prevalence and agreement charts (PNG, HTML)."),
    ] = None,
    rejects: Annotated[
        Path | None, typer.Option("--rejects", help="Rejects table (default <out>.rejects.csv).")
    ] = None,
    weight: Annotated[str | None, typer.Option("--weight", help="Survey weight column.")] = None,
    strata: Annotated[str | None, typer.Option("--strata", help="Survey strata column.")] = None,
    psu: Annotated[str | None, typer.Option("--psu", help="Survey PSU (cluster) column.")] = None,
    age_bands: Annotated[
        str, typer.Option("--age-bands", help="Age band edges for the summary.")
    ] = "60,70,80",
    ignore_extra_columns: Annotated[
        bool, typer.Option("--ignore-extra-columns", help="Ignore columns that are not record fields.")
    ] = False,
    master: Annotated[str, typer.Option("--master", help="Spark master (with --engine spark).")] = "local[2]",
    spark_mode: Annotated[
        str,
        typer.Option("--spark-mode", help="native (rules as Spark SQL) or arrow (polars in Python workers)."),
    ] = "native",
    input_table: Annotated[
        str | None, typer.Option("--input-table", help="A table of the Spark catalog (with --engine spark).")
    ] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", help="Rows per streamed batch.")] = 500_000,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Classify every row of a table under each definition; write outputs, rejects and summary."""
    if engine not in ("polars", "spark"):
        fail(f"unknown engine {engine!r} (expected polars or spark)")
    if spark_mode not in ("native", "arrow"):
        fail(f"unknown Spark mode {spark_mode!r} (expected native or arrow)")
    if input_table is not None and engine != "spark":
        fail("--input-table needs --engine spark")
    if (input is None) == (input_table is None):
        fail("give an input table file, or --input-table with --engine spark (not both)")
    bands = _bands(age_bands)
    ids = split_ids(definitions)
    extra = "ignore" if ignore_extra_columns else "error"
    try:
        if engine == "spark":
            from ..cohort.spark import run_spark

            result: Any = run_spark(
                input,
                out,
                ids,
                mapping=map,
                id_column=id_column,
                master=master,
                rejects=rejects,
                extra=extra,
                weight=weight,
                strata=strata,
                psu=psu,
                age_bands=bands,
                mode=spark_mode,
                input_table=input_table,
            )
        else:
            assert input is not None
            result = _run_polars(
                input, out, ids, map, id_column, rejects, extra, weight, strata, psu, bands, batch_size, quiet
            )
    except MyoscopeError as exc:
        fail(str(exc))
    except ImportError as exc:
        fail(f"{exc.name or exc} is not installed: pip install 'myoscope[spark]'")
    if result.summary is not None and summary is not None:
        _write_summary(result.summary, summary)
    if result.summary is not None and charts is not None:
        from ..cohort.charts import write_charts

        try:
            files = write_charts(result.summary, charts)
        except ImportError:
            fail("charts need altair and vl-convert-python: pip install 'myoscope[charts]'")
        result.files += files
    typer.echo(str(result))


def _run_polars(
    input: Path,
    out: Path,
    ids: list[str] | None,
    mapping: str | None,
    id_column: str | None,
    rejects: Path | None,
    extra: str,
    weight: str | None,
    strata: str | None,
    psu: str | None,
    bands: tuple[float, ...],
    batch_size: int,
    quiet: bool,
) -> Any:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ..cohort.run import run_cohort

    with Progress(
        TextColumn("classifying"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=True,
        disable=quiet,
    ) as bar:
        task = bar.add_task("rows", total=None)
        return run_cohort(
            input,
            out,
            ids,
            mapping=mapping,
            id_column=id_column,
            extra=extra,
            rejects=rejects,
            weight=weight,
            strata=strata,
            psu=psu,
            age_bands=bands,
            batch_size=batch_size,
            progress=lambda n: bar.advance(task, n),
            total=lambda n: bar.update(task, total=n),
        )


def _write_summary(summary: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".json":
        path.write_text(json.dumps(summary.to_dict(), indent=2, default=str), "utf-8")
        return
    summary.prevalence.write_csv(path)
    summary.agreement.write_csv(path.with_name(path.stem + ".agreement.csv"))


@app.command()
def synth(
    n: Annotated[int, typer.Argument(help="Number of rows.", min=1)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output table (.parquet or .csv).")],
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same table).")] = 0,
    bad_share: Annotated[
        float, typer.Option("--bad-share", help="Share of rows given an implausible value (rejects demo).")
    ] = 0.0,
) -> None:
    """Write a synthetic cohort (cited age and sex distribution; some missing and at-cut-off values)."""
    from ..cohort.synth import synthesise

    if not 0 <= bad_share <= 1:
        fail(f"--bad-share must be between 0 and 1, got {bad_share}")
    try:
        path = synthesise(n, out, seed=seed, bad_share=bad_share)
    except MyoscopeError as exc:
        fail(str(exc))
    typer.echo(f"wrote {n:,} synthetic rows to {path}")
