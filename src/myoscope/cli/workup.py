"""``myoscope workup``: likely causes, red flags, next tests and questions, for each record."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import MyoscopeError
from . import app, fail

FORMATS = ("text", "json", "patient")


@app.command("workup")
def workup_cmd(
    files: Annotated[
        list[Path], typer.Argument(help="Record files (JSON or YAML; one record or a list).")
    ],
    format: Annotated[
        str, typer.Option("--format", "-f", help="text (clinician view), json, or patient (plain language)")
    ] = "text",
) -> None:
    """Work up the likely causes of muscle wasting: ranked causes with the findings for and against
    each (stated weights, cited), red flags by urgency, next tests and the questions to ask.
    It supports and does not replace clinical diagnosis."""
    from ..pathway import workup_of
    from ..record import parse_record, read_records

    if format not in FORMATS:
        fail(f"unknown format {format!r} (expected {', '.join(FORMATS)})")
    try:
        records = [parse_record(d, source=src) for f in files for d, src in read_records(f)]
        workups = [workup_of(r) for r in records]
    except MyoscopeError as exc:
        fail(str(exc))
    if format == "json":
        payload: Any = [dict(w.to_dict(), source=w.source, id=w.record_id) for w in workups]
        typer.echo(json.dumps(payload[0] if len(payload) == 1 else payload, indent=2, ensure_ascii=False,
                              default=str))
    elif format == "patient":
        typer.echo("\n\n".join(w.patient_text() for w in workups))
    else:
        typer.echo("\n\n".join(str(w) for w in workups))
