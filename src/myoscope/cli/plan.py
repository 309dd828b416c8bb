"""``myoscope plan``: the treatment plan for each record, as text, JSON or HTML."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ..outputs import check_output, write_text
from .base import app, fail
from .records import FILES_HELP, RecordBatch, dumps

FORMATS = ("text", "json", "html")


@app.command("plan")
def plan_cmd(
    files: Annotated[
        list[Path], typer.Argument(help=FILES_HELP)
    ],
    format: Annotated[str, typer.Option("--format", "-f", help="text, json or html")] = "text",
    out: Annotated[
        Path | None,
        typer.Option("--output", "--out", "-o", help="Write to this file instead of standard output."),
    ] = None,
    detail: Annotated[
        bool, typer.Option("--detail", "-v", help="Print the full plan (doses, calculations, sources, "
                           "assumptions) instead of the one-screen summary.")
    ] = False,
) -> None:
    """Make the treatment plan for each record: treat the cause, exercise, nutrition, physiotherapy,
    what not to do, goals and follow-up, every item cited."""
    from ..pathway import run_pathway
    from ..payloads import plan_json
    from ..report.plan import render_html
    from ..report.summary import summary_text

    if format not in FORMATS:
        fail(f"unknown format {format!r} (expected {', '.join(FORMATS)})")
    if out is not None:
        check_output(out, files, "--output")
    batch = RecordBatch(files)
    if format == "json":  # the API's POST /plan returns the same document
        plans: list[Any] = [plan_json(r) for r in batch]
        text = dumps(plans[0] if len(plans) == 1 else plans)
    else:
        results = [run_pathway(r) for r in batch]
        plans = [r.plan for r in results if r.plan is not None]
        if format == "html":
            text = render_html(plans).rstrip("\n")
        else:
            text = "\n\n".join(str(p) for p in plans) if detail else "\n\n".join(
                summary_text(r, command="myoscope plan") for r in results)
    if plans or not batch.bad:
        if out is None:
            typer.echo(text)
        else:
            write_text(out, text + "\n", files, "--output")
    batch.finish()
