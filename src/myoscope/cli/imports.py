"""``myoscope import-measures``: a measuring tool's output as record fields with their provenance."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from ..outputs import check_output, write_text
from .base import app


@app.command("import-measures")
def import_measures_cmd(
    file: Annotated[Path, typer.Argument(help="The tool's output: CSV, Excel, JSON, or a DICOM slice.")],
    format: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help="auto, comp2comp, mosamatic2, slice, totalsegmentator, dxa-hologic, dxa-nhanes, inbody, "
            "mapping, xlsx or redcap",
        ),
    ] = "auto",
    patient: Annotated[
        str | None,
        typer.Option(
            "--patient", help="The record id; in a file with an id column, only this patient's rows."
        ),
    ] = None,
    mask: Annotated[
        Path | None,
        typer.Option(
            "--mask", help="slice: the muscle mask (.tag, .npy, .nii, .nii.gz) of the DICOM slice."
        ),
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option(
            "--map", help="mapping, xlsx, redcap: the device map (YAML) naming columns and units "
            "(redcap: optional, the dictionary's field names and units are used without it)."
        ),
    ] = None,
    dictionary: Annotated[
        Path | None, typer.Option("--dictionary", help="redcap: the project's data dictionary (CSV).")
    ] = None,
    sheet: Annotated[
        str | None, typer.Option("--sheet", help="Excel: the sheet (default: the first).")
    ] = None,
    partial: Annotated[
        bool,
        typer.Option(
            "--partial", help="Import the good rows of a file with bad ones (the bad ones are reported)."
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of YAML.")] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--output", "--out", "-o", help="Write the record(s) to this file (YAML, or JSON for .json)."
        ),
    ] = None,
) -> None:
    """Read a measuring tool's output (CT body composition, an L3 slice and its mask, DXA, BIA, Excel,
    REDCap) into record fields, each with its provenance (tool, file, row, level). Every bad row is
    named at once; nothing is written unless every row is good (or --partial)."""
    from ..imports import import_measures

    inputs = [file, mask, mapping, dictionary]
    if out is not None:
        check_output(out, inputs, "--output")
    result = import_measures(
        file,
        format,
        patient=patient,
        mask=mask,
        sheet=sheet,
        mapping=mapping,
        dictionary=dictionary,
        partial=partial,
    )
    doc = result.document()
    text = _dump(doc, as_json or (out is not None and out.suffix.lower() == ".json"))
    if out is None:
        typer.echo(text, nl=False)
    else:
        write_text(out, text, inputs, "--output")
    for note in result.notes:
        typer.echo(f"Note: {note}", err=True)
    for p in result.skipped:
        typer.echo(f"Warning: skipped {p}", err=True)
    if out is not None:
        n = len(result.records)
        typer.echo(f"Wrote {n} record{'s' if n != 1 else ''} from {result.tool} to {out}", err=True)


def _dump(doc: Any, as_json: bool) -> str:
    if as_json:
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    return str(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
