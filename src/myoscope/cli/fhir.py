"""``myoscope fhir import|export``: records from FHIR Bundles, and a registry patient as FHIR."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from .base import App, app, fail
from .registry import Database, Org, User, _actor, _session

fhir_app = App(
    help="Read FHIR R4 Bundles into records; write results as FHIR (docs/fhir.md).", no_args_is_help=True
)
app.add_typer(fhir_app, name="fhir")


def _as_of(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"--as-of: {text!r} is not a date (expected YYYY-MM-DD)")


@fhir_app.command("import")
def fhir_import(
    bundle: Annotated[
        Path, typer.Argument(help="A FHIR R4 Bundle, a Patient or a list of resources (JSON).")
    ],
    output: Annotated[
        Path | None, typer.Option("--output", "--out", "-o", help="Write the record here (.yaml or .json).")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Assessment date (default: the newest Observation's date).")
    ] = None,
    report: Annotated[
        bool,
        typer.Option(
            "--report",
            help="Print what was used, unknown and dropped "
            "(on standard error when the record goes to standard output).",
        ),
    ] = False,
) -> None:
    """Build a record from FHIR Observations (LOINC / UCUM), reporting every entry not used."""
    import yaml

    from ..fhir.importing import import_bundle
    from ..inputs import read_document
    from ..outputs import check_output, write_text
    from ..record import parse_record

    when = _as_of(as_of)
    if output is not None:
        check_output(output, [bundle])
    result = import_bundle(read_document(bundle), as_of=when)
    parse_record(result.record, source=str(bundle))  # every bad field named; nothing written
    as_json = output is not None and output.suffix.lower() == ".json"
    text = (
        json.dumps(result.record, indent=2) + "\n"
        if as_json
        else yaml.safe_dump(result.record, sort_keys=False, allow_unicode=True)
    )
    if output is None:
        typer.echo(text, nl=False)
    else:
        write_text(output, text, [bundle])
    if report or output is not None:
        typer.echo(str(result), err=output is None)


@fhir_app.command("export")
def fhir_export(
    patient: Annotated[str, typer.Option("--patient", help="Registry patient pseudonym.")],
    organisation: Org = None,
    output: Annotated[
        Path | None, typer.Option("--output", "--out", "-o", help="Write the Bundle here.")
    ] = None,
    project: Annotated[
        bool, typer.Option("--project", help="Add a RiskAssessment of the projected cut-off crossings "
                           "(ageing only; docs/simulate.md).")
    ] = False,
    database: Database = None,
    user: User = None,
) -> None:
    """Write a registry patient's latest assessed visit as a FHIR Bundle (verdict Observations,
    provisional Conditions, CarePlan, GuidanceResponse; with --project a RiskAssessment)."""
    from ..fhir import r4b
    from ..fhir.exporting import export_bundle, export_resources
    from ..outputs import check_output, write_text
    from ..registry import repo
    from ..registry.assessing import rebuild

    if output is not None:
        check_output(output)
    with _session(database) as s:
        view = repo.show_patient(s, pseudonym=patient, organisation_name=organisation, actor=_actor(user))
        assessed = [v for v in view.visits if v.outcomes]
        if not assessed:
            fail(f"patient {patient} has no assessed visit")
        latest = max(assessed, key=lambda v: (v.date, v.id))
        full = rebuild(s, visit_id=latest.id, actor=_actor(user))
    projection = None
    if project:
        from ..simulate import simulate

        projection = simulate(full.record)
    resources = export_resources(full, f"Patient/{patient}", latest.date, projection=projection)
    text = (
        json.dumps(r4b.to_json(export_bundle(resources, f"myoscope-{patient}-visit-{latest.id}")), indent=2)
        + "\n"
    )
    if output is None:
        typer.echo(text, nl=False)
    else:
        write_text(output, text)
        typer.echo(f"Bundle of {len(resources)} resources written to {output}", err=True)
