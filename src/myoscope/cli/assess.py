"""``myoscope assess``, ``myoscope definitions`` and ``myoscope measures``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import MyoscopeError
from . import app, fail, split_ids


@app.command()
def assess(
    files: Annotated[
        list[Path], typer.Argument(help="Record files (JSON or YAML; one record or a list).")
    ],
    format: Annotated[str, typer.Option("--format", "-f", help="text or json")] = "text",
    definitions: Annotated[
        str | None, typer.Option("--definitions", "-d", help="Comma-separated definition ids (default: all).")
    ] = None,
) -> None:
    """Assess each record under every consensus definition."""
    from ..assess import assess as run
    from ..record import parse_record, read_records

    if format not in ("text", "json"):
        fail(f"unknown format {format!r} (expected text or json)")
    try:
        ids = split_ids(definitions)
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
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print the outcome vocabularies and the side-by-side "
                           "table of the sarcopenia definitions (docs/definitions.md).")
    ] = False,
) -> None:
    """List the definitions (year, population), or show one with its cut-offs and references."""
    from ..knowledge import load_knowledge
    from ..knowledge.describe import describe_definition, list_definitions

    kb = load_knowledge()
    try:
        if markdown:
            from ..knowledge.comparison import definitions_markdown

            typer.echo(definitions_markdown(kb), nl=False)
            return
        text = describe_definition(kb, definition_id) if definition_id else list_definitions(kb)
    except MyoscopeError as exc:
        fail(str(exc))
    typer.echo(text)


@app.command("measures")
def measures_cmd() -> None:
    """List every record field (unit, accepted units, plausible range) and derived measure."""
    from ..measures import catalog_markdown

    typer.echo(catalog_markdown(), nl=False)
