"""Command-line interface: a thin layer over the library (no clinical logic here).

Errors a user can cause print ``Error: ...`` on standard error and exit with status 2.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from .errors import MyoscopeError

app = typer.Typer(
    name="myoscope",
    help="Muscle wasting: assess under every consensus definition, explained and cited.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_USAGE = 2


def fail(message: str) -> None:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(EXIT_USAGE)


def _ids(definitions: str | None) -> list[str] | None:
    if not definitions:
        return None
    return [d.strip() for d in definitions.split(",") if d.strip()]


@app.command()
def assess(
    files: Annotated[list[Path], typer.Argument(help="Record files (JSON or YAML; one record or a list).")],
    format: Annotated[str, typer.Option("--format", "-f", help="text or json")] = "text",
    definitions: Annotated[
        str | None, typer.Option("--definitions", "-d", help="Comma-separated definition ids (default: all).")
    ] = None,
) -> None:
    """Assess each record under every consensus definition."""
    from .assess import assess as run
    from .record import parse_record, read_records

    if format not in ("text", "json"):
        fail(f"unknown format {format!r} (expected text or json)")
    try:
        ids = _ids(definitions)
        records = [parse_record(d, source=src) for f in files for d, src in read_records(f)]
        results = [run(r, ids) for r in records]
    except MyoscopeError as exc:
        fail(str(exc))
    if format == "json":
        payload: Any = results[0].to_dict() if len(results) == 1 else [r.to_dict() for r in results]
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False, default=str))
    else:
        typer.echo("\n\n".join(str(r) for r in results))


@app.command("definitions")
def definitions_cmd(
    definition_id: Annotated[str | None, typer.Argument(help="Show one definition in full.")] = None,
) -> None:
    """List the definitions, or show one with its cut-offs and references."""
    from .knowledge import load_knowledge
    from .knowledge.describe import describe_definition, list_definitions

    kb = load_knowledge()
    try:
        text = describe_definition(kb, definition_id) if definition_id else list_definitions(kb)
    except MyoscopeError as exc:
        fail(str(exc))
    typer.echo(text)


def main() -> None:
    try:
        app()
    except BrokenPipeError:  # e.g. `myoscope assess ... | head`
        sys.exit(0)
