"""``myoscope report``: the clinician or patient report of a record or a stored patient, as PDF or HTML."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .base import app, fail


@app.command("report")
def report_cmd(
    record: Annotated[
        Path | None,
        typer.Argument(
            help="Record file (JSON or YAML, one record); - for standard input. Or use --patient."
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--output", "--out", "-o", help="The report file: .pdf or .html.")
    ] = None,
    audience: Annotated[str, typer.Option("--audience", "-a", help="clinician or patient")] = "clinician",
    patient: Annotated[
        str | None,
        typer.Option("--patient", "-p", help="A stored patient's pseudonym (the registry's latest visit)."),
    ] = None,
    assessor: Annotated[str | None, typer.Option("--assessor", help="Name printed in the header.")] = None,
    page_size: Annotated[str, typer.Option("--page-size", help="A4 or Letter")] = "A4",
    projection: Annotated[
        bool,
        typer.Option("--projection/--no-projection", help="Include the ageing projection chart (clinician)."),
    ] = True,
    organisation: Annotated[
        str | None, typer.Option("--organisation", "-O", help="Organisation (site).")
    ] = None,
    database: Annotated[
        str | None, typer.Option("--database", "-D", help="Database URL (with --patient).")
    ] = None,
    user: Annotated[str | None, typer.Option("--user", help="Who is acting (audit log).")] = None,
) -> None:
    """Write the clinician report (red flags first, verdicts, charts, work-up, plan with doses,
    references, signature) or the patient report (plain language) as PDF or HTML."""
    from ..errors import ReportError
    from ..outputs import check_output
    from ..record import load_records, parse_record
    from ..report.document import Charts, write_report
    from ..report.service import check_request, record_report

    if out is None:
        fail("--output is required (a .pdf or .html file)")
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("pdf", "html"):
        fail(f"--output {out} does not end in .pdf or .html")
    if (record is None) == (patient is None):
        fail("give a RECORD file or --patient PSEUDONYM (one of them)")
    try:
        check_request(audience, fmt, page_size)
    except ReportError as exc:
        fail(str(exc))
    check_output(out, [record], "--output")
    charts = Charts()
    if patient is not None:
        from .registry import _actor, _session

        with _session(database) as s:
            from ..report.registry_report import latest_visit_record

            data, changes = latest_visit_record(
                s, pseudonym=patient, organisation_name=organisation, actor=_actor(user)
            )
        rec = parse_record(data, source=f"patient {patient}")
        if audience == "clinician":
            from ..report.charts import REPORT_PANEL_HEIGHT
            from ..report.registry_chart import timeline_chart
            from ..report.svg import svg_of

            charts.add(
                "Measurements over visits, with the alerts of change over time.",
                svg_of(timeline_chart(changes, height=REPORT_PANEL_HEIGHT), f"Measurements of {patient}",
                       "Timeline"),
            )
    else:
        records = load_records(str(record))
        if len(records) != 1:
            fail(f"{record} holds {len(records)} records; a report is made for one")
        rec = records[0]
    data_out = record_report(rec, audience, fmt, assessor=assessor, page_size=page_size, charts=charts,
                             projection=projection)
    write_report(out, data_out)
    typer.echo(f"Wrote {out}")
