"""``myoscope cohort`` (classify a table under every definition) and ``myoscope synth``."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import MyoscopeError, quote
from ..outputs import Outputs, check_output
from .base import app, fail, split_ids


def _bands(text: str) -> tuple[float, ...]:
    try:
        bands = tuple(float(x) for x in text.split(",") if x.strip())
    except ValueError:
        fail(f"--age-bands: expected numbers separated by commas, got {quote(text)}")
    if (
        not bands
        or not all(math.isfinite(b) and 0 <= b <= 130 for b in bands)
        or list(bands) != sorted(set(bands))
    ):
        fail(f"--age-bands: expected increasing ages between 0 and 130, got {quote(text)}")
    return bands


@app.command()
def cohort(
    input: Annotated[
        Path | None,
        typer.Argument(help="Table: CSV/TSV, Parquet (file or directory), Arrow IPC; Delta with Spark."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--output", "--out", "-o", help="Output table: .parquet or .csv.")
    ] = None,
    definitions: Annotated[
        str | None, typer.Option("--definitions", "-d", help="Comma-separated definition ids (default: all).")
    ] = None,
    map: Annotated[
        str | None,
        typer.Option(
            "--map",
            help="Mapping file, 'ukb' / 'nhanes' for the shipped ones, or "
            "redcap:DICT.csv (a REDCap data dictionary).",
        ),
    ] = None,
    id_column: Annotated[
        str | None, typer.Option("--id-column", help="Column that identifies a row.")
    ] = None,
    engine: Annotated[str, typer.Option("--engine", help="polars (one machine) or spark.")] = "polars",
    summary: Annotated[
        Path | None,
        typer.Option("--summary", help="Write prevalence, agreement and population counts (.csv or .json)."),
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
    master: Annotated[
        str,
        typer.Option("--master", help="Spark master (with --engine spark); sc://host:port: Spark Connect."),
    ] = "local[2]",
    batch_size: Annotated[
        int, typer.Option("--batch-size", help="Rows per streamed batch.", min=1)
    ] = 500_000,
    allow_duplicate_ids: Annotated[
        bool, typer.Option("--allow-duplicate-ids", help="Accept an id on several rows (repeated measures).")
    ] = False,
    spark_mode: Annotated[
        str,
        typer.Option(
            "--spark-mode",
            help="native (rules as Spark SQL columns, no Python on the workers) or "
            "arrow (the polars kernel in Python workers: units in cells; docs/cohort.md).",
        ),
    ] = "native",
    input_table: Annotated[
        str | None, typer.Option("--input-table", help="A table of the Spark catalog (with --engine spark).")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Classify every row of a table under each definition; write outputs, rejects and summary.

    The outputs appear only when the run succeeds (written under temporary names, then renamed);
    no output may be the input, and nothing is written when not one row can be classified."""
    if engine not in ("polars", "spark"):
        fail(f"unknown engine {engine!r} (expected polars or spark)")
    if spark_mode not in ("native", "arrow"):
        fail(f"unknown Spark mode {spark_mode!r} (expected native or arrow)")
    if input_table is not None and engine != "spark":
        fail("--input-table needs --engine spark")
    if (input is None) == (input_table is None):
        fail("give an input table file, or --input-table with --engine spark (not both)")
    if out is None:
        fail("--output is required (the classified table, .parquet or .csv)")
    bands = _bands(age_bands)
    ids = split_ids(definitions)
    extra = "ignore" if ignore_extra_columns else "error"
    from ..cohort.mapping import redcap_dictionary_path
    from ..cohort.run import rejects_path_for

    inputs = [input, redcap_dictionary_path(map) or (map if map and Path(map).suffix else None)]
    check_output(out, inputs, "--output")
    if summary is not None:
        # the rejects' default place too: a summary there would replace them
        others: dict[str, Path | None] = {"--output": out, "--rejects": rejects or rejects_path_for(out)}
        check_output(summary, inputs, "--summary", others)
        for beside in _summary_paths(summary)[1:]:  # the CSV summary's agreement and population
            check_output(beside, inputs, "--summary", {**others, "--summary": summary})
    if charts is not None and not (charts.is_dir() or charts.parent.is_dir()):
        fail(f"--charts {charts}: folder {charts.parent} does not exist (create it first)")
    if charts is not None and charts.exists() and not charts.is_dir():
        # found only after the run, it stopped with a traceback and the outputs already written
        fail(f"--charts {charts} is a file; give a folder for the charts")
    outputs = Outputs()
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
                allow_duplicate_ids=allow_duplicate_ids,
            )
        else:
            assert input is not None
            result = _run_polars(
                input,
                out,
                ids,
                map,
                id_column,
                rejects,
                extra,
                weight,
                strata,
                psu,
                bands,
                batch_size,
                quiet,
                allow_duplicate_ids,
                outputs,
            )
        if result.summary is not None and summary is not None:
            _write_summary(result.summary, summary, outputs)
        outputs.commit()
    except MyoscopeError as exc:
        outputs.discard()
        fail(str(exc))
    except ImportError as exc:
        outputs.discard()
        fail(f"{exc.name or exc} is not installed: pip install 'myoscope[spark]'")
    except BaseException:
        outputs.discard()
        raise
    if result.summary is not None and charts is not None:
        from ..report.cohort_chart import write_charts

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
    allow_duplicate_ids: bool,
    outputs: Outputs,
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
            allow_duplicate_ids=allow_duplicate_ids,
            outputs=outputs,
        )


def _summary_paths(path: Path) -> list[Path]:
    """The files ``--summary path`` writes: one ``.json``, or the prevalence CSV with
    ``<name>.agreement.csv`` and ``<name>.population.csv`` beside it."""
    if path.suffix.lower() == ".json":
        return [path]
    return [path, *(path.with_name(f"{path.stem}.{part}.csv") for part in ("agreement", "population"))]


def _write_summary(summary: Any, path: Path, outputs: Outputs) -> None:
    if path.suffix.lower() == ".json":
        outputs.add(path).write_text(json.dumps(summary.to_dict(), indent=2, default=str), "utf-8")
        return
    prevalence, agreement, population = _summary_paths(path)
    summary.prevalence.write_csv(outputs.add(prevalence))
    summary.agreement.write_csv(outputs.add(agreement))
    summary.population.write_csv(outputs.add(population))


@app.command()
def synth(
    n: Annotated[int, typer.Argument(help="Number of rows.", min=1)],
    out: Annotated[Path, typer.Option("--output", "--out", "-o", help="Output table (.parquet or .csv).")],
    seed: Annotated[
        int, typer.Option("--seed", min=0, help="Random seed, 0 or more (same seed, same table).")
    ] = 0,
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
