"""``myoscope assess``, ``myoscope definitions`` and ``myoscope measures``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import MyoscopeError
from .base import app, fail, split_ids
from .records import FILES_HELP, JsonStream, RecordBatch, TextStream


@app.command()
def assess(
    files: Annotated[list[Path], typer.Argument(help=FILES_HELP)],
    format: Annotated[str, typer.Option("--format", "-f", help="text or json")] = "text",
    definitions: Annotated[
        str | None, typer.Option("--definitions", "-d", help="Comma-separated definition ids (default: all).")
    ] = None,
    detail: Annotated[
        bool, typer.Option("--detail", "-v", help="Print every definition's full trace, the work-up and "
                           "the plan instead of the one-screen summary.")
    ] = False,
) -> None:
    """Assess each record under every consensus definition.

    The text is a one-screen summary per record (red flags first, the verdicts that apply, the top
    causes, the plan's headlines); ``--detail`` prints the full trace. Several records end with a
    table of their verdicts. Records are assessed and printed one at a time; a bad record or file is
    named on standard error and the others are still assessed (exit status 2 at the end)."""
    from ..knowledge import load_knowledge
    from ..pathway import run_pathway as run
    from ..payloads import assess_json

    if format not in ("text", "json"):
        fail(f"unknown format {format!r} (expected text or json)")
    ids = split_ids(definitions)
    for d in ids or ():
        load_knowledge().definition(d)  # an unknown id fails before any record is read
    batch = RecordBatch(files)
    from ..report.summary import batch_table

    json_out, text_out = JsonStream(), TextStream()
    done = []
    for record in batch:
        if format == "json":
            json_out.add(assess_json(record, ids))  # the API's POST /assess returns the same document
        else:
            result = run(record, ids)
            text_out.add(result.detail() if detail else str(result))
            done.append(result)
    if format == "json":
        json_out.close(empty_list=not batch.bad)
    elif len(done) > 1:
        text_out.add(batch_table(done))
    batch.finish()


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
