"""``myoscope workup``: likely causes, red flags, next tests and questions, for each record."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .base import app, fail
from .records import FILES_HELP, JsonStream, RecordBatch, TextStream

FORMATS = ("text", "json", "patient")


@app.command("workup")
def workup_cmd(
    files: Annotated[
        list[Path], typer.Argument(help=FILES_HELP)
    ],
    format: Annotated[
        str, typer.Option("--format", "-f", help="text (clinician view), json, or patient (plain language)")
    ] = "text",
    detail: Annotated[
        bool, typer.Option("--detail", "-v", help="Print the full work-up (every finding, weight and "
                           "citation) instead of the one-screen summary.")
    ] = False,
) -> None:
    """Work up the likely causes of muscle wasting: ranked causes with the findings for and against
    each (stated weights, cited), red flags by urgency, next tests and the questions to ask.
    It supports and does not replace clinical diagnosis."""
    from ..pathway import run_pathway
    from ..payloads import workup_json
    from ..report.summary import summary_text

    if format not in FORMATS:
        fail(f"unknown format {format!r} (expected {', '.join(FORMATS)})")
    batch = RecordBatch(files)
    out: JsonStream | TextStream = JsonStream() if format == "json" else TextStream()
    for record in batch:
        if isinstance(out, JsonStream):
            out.add(workup_json(record))  # the API's POST /workup returns the same document
        else:
            result = run_pathway(record, plan=False)
            w = result.workup
            assert w is not None
            out.add(w.patient_text() if format == "patient" else str(w) if detail
                    else summary_text(result, command="myoscope workup"))
    if isinstance(out, JsonStream):
        out.close(empty_list=not batch.bad)
    batch.finish()
