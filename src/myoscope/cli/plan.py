"""``myoscope plan``: the treatment plan for each record, as text, JSON or HTML."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import MyoscopeError
from . import app, fail

FORMATS = ("text", "json", "html")


@app.command("plan")
def plan_cmd(
    files: Annotated[
        list[Path], typer.Argument(help="Record files (JSON or YAML; one record or a list).")
    ],
    format: Annotated[str, typer.Option("--format", "-f", help="text, json or html")] = "text",
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout.")
    ] = None,
) -> None:
    """Make the treatment plan for each record: treat the cause, exercise, nutrition, physiotherapy,
    what not to do, goals and follow-up, every item cited."""
    from ..pathway import plan_of
    from ..plan.render import render_html
    from ..record import parse_record, read_records

    if format not in FORMATS:
        fail(f"unknown format {format!r} (expected {', '.join(FORMATS)})")
    try:
        records = [parse_record(d, source=src) for f in files for d, src in read_records(f)]
        plans = [plan_of(r) for r in records]
    except MyoscopeError as exc:
        fail(str(exc))
    if format == "json":
        payload: Any = plans[0].to_dict() if len(plans) == 1 else [p.to_dict() for p in plans]
        text = json.dumps(payload, indent=2, ensure_ascii=False, default=str)
    elif format == "html":
        text = render_html(plans).rstrip("\n")
    else:
        text = "\n\n".join(str(p) for p in plans)
    if out is None:
        typer.echo(text)
        return
    try:
        out.write_text(text + "\n", "utf-8")
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror}")
