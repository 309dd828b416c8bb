"""``myoscope simulate``: project a person's muscle mass and strength under a scenario."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import MyoscopeError
from ..inputs import source_name
from ..outputs import check_output, replacing, write_text
from .base import app, fail, split_ids
from .records import dumps, json_indent

FORMATS = ("text", "json", "png", "svg", "html")


@app.command()
def simulate(
    record: Annotated[
        Path,
        typer.Option("--record", "-r", help="Record file (JSON or YAML, one record); - for standard input."),
    ],
    scenario: Annotated[
        Path | None,
        typer.Option("--scenario", "-s", help="Scenario file (YAML or JSON); default: ageing only."),
    ] = None,
    event: Annotated[
        list[str] | None,
        typer.Option(
            "--event",
            "-e",
            help="Add a timeline entry NAME@FROM-TO, e.g. bed_rest@0-10 or "
            "resistance_training@10- (repeatable).",
        ),
    ] = None,
    ageing: Annotated[
        str | None, typer.Option("--ageing", help="Fix the ageing rates at low, central or high.")
    ] = None,
    years: Annotated[
        float | None, typer.Option("--years", help="Horizon in years (default: scenario, or 10).")
    ] = None,
    draws: Annotated[int, typer.Option("--draws", help="Monte Carlo draws.")] = 1000,
    seed: Annotated[
        int, typer.Option("--seed", min=0, help="Random seed, 0 or more (same seed, same result).")
    ] = 0,
    step: Annotated[str, typer.Option("--step", help="day or month")] = "day",
    definitions: Annotated[
        str | None,
        typer.Option("--definitions", "-d", help="Definitions whose cut-offs to track (default: ewgsop2)."),
    ] = None,
    fix: Annotated[
        str | None,
        typer.Option(
            "--fix", help="Hold parameters at their central value: comma-separated ids or groups, or all."
        ),
    ] = None,
    detail: Annotated[
        bool,
        typer.Option(
            "--detail",
            "-v",
            help="Print every key day, the sources, notes, "
            "caveats and what the evidence shows instead of the one-screen "
            "summary.",
        ),
    ] = False,
    format: Annotated[str, typer.Option("--format", "-f", help="text, json, png, svg or html")] = "text",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "--out",
            "-o",
            help="Write to this file (text, json) instead of standard "
            "output; the chart file (png/svg/html), default RECORD-projection.FMT.",
        ),
    ] = None,
    evidence: Annotated[
        bool,
        typer.Option(
            "--evidence/--no-evidence",
            help="Add what the evidence shows about the source article's claims (json; text with --detail).",
        ),
    ] = True,
) -> None:
    """Project muscle mass and strength day by day, with a 5-95% band and cut-off crossing dates."""
    from ..payloads import projection_of, simulate_json
    from ..record import parse_record, read_records
    from ..simulate.evidence import evaluate_claims, render_evidence
    from ..simulate.scenarios import read_scenario_data

    if format not in FORMATS:
        fail(f"unknown format {format!r} (expected {', '.join(FORMATS)})")
    if format in ("png", "svg", "html"):
        chart_path = output or Path(f"{record.stem if str(record) != '-' else 'record'}-projection.{format}")
        if chart_path.suffix.lower() != f".{format}":
            fail(f"--output {chart_path} does not end in .{format}")
        check_output(chart_path, [record, scenario], "--output")
    elif output is not None:  # text and json go to the file as plan's do (docs/errors.md, Outputs)
        check_output(output, [record, scenario], "--output")
    try:
        records = read_records(record)
        if len(records) != 1:
            fail(f"{source_name(record)} holds {len(records)} records; simulate takes one")
        rec = parse_record(records[0][0], source=records[0][1])
        projection = projection_of(  # the API's POST /simulate makes the same projection
            rec,
            scenario=read_scenario_data(scenario) if scenario else None,
            scenario_name=scenario.stem.replace("_", " ") if scenario else "command-line timeline",
            scenario_source=str(scenario) if scenario else "command line",
            events=event or [],
            ageing=ageing,
            years=years,
            draws=draws,
            seed=seed,
            step=step,
            definitions=split_ids(definitions),
            fixed=fix or (),  # ids, groups or all: checked with the scenario (unknown ones named)
        )
        if format in ("png", "svg", "html"):
            with replacing(chart_path) as tmp:
                projection.save_chart(tmp)
            typer.echo(f"Wrote {chart_path}")
            return
        if format == "json":
            _emit(
                dumps(simulate_json(projection, evidence=evidence, seed=seed), json_indent()),
                output,
                [record, scenario],
            )
            return
        # the evidence section is part of the full text, not of the one-screen summary
        claims = evaluate_claims(seed=seed) if evidence and detail else None
    except MyoscopeError as exc:
        fail(str(exc))
    from ..report.projection import projection_summary

    text = str(projection) if detail else projection_summary(projection)
    if claims is not None:
        text += "\n\n" + render_evidence(*claims)
    _emit(text, output, [record, scenario])


def _emit(text: str, output: Path | None, inputs: list[Path | None]) -> None:
    """Print ``text``, or write it to ``output`` (whole or not at all, never over an input)."""
    if output is None:
        typer.echo(text)
    else:
        write_text(output, text + "\n", inputs, "--output")
        typer.echo(f"Wrote {output}")  # as a chart is announced
