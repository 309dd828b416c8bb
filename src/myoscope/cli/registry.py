"""``myoscope db|patient|visit|import|alerts``: the registry from the command line.

The database is ``--database URL`` or ``MYOSCOPE_DATABASE_URL`` (default: ./myoscope.sqlite).
The actor recorded in the audit log is ``--user`` or ``MYOSCOPE_USER`` or the login name.
"""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import MyoscopeError
from .base import App, app, fail

db_app = App(help="Create, upgrade and back up the registry database.", no_args_is_help=True)
patient_app = App(help="Register, list, show and delete patients.", no_args_is_help=True)
visit_app = App(help="Add visits and correct measurements.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(patient_app, name="patient")
app.add_typer(visit_app, name="visit")

Database = Annotated[str | None, typer.Option("--database", "-D", help="Database URL (default: "
                                              "MYOSCOPE_DATABASE_URL or ./myoscope.sqlite).")]
User = Annotated[str | None, typer.Option("--user", help="Who is acting (audit log); default "
                                          "MYOSCOPE_USER or the login name.")]
# -O, not -o: -o means --output in every command (docs/errors.md, conventions)
Org = Annotated[str | None, typer.Option("--organisation", "-O", help="Organisation (site).")]
Format = Annotated[str, typer.Option("--format", "-f", help="text or json")]


def _actor(user: str | None) -> str:
    return user or os.environ.get("MYOSCOPE_USER") or getpass.getuser()


def _format(fmt: str) -> None:
    if fmt not in ("text", "json"):
        fail(f"unknown format {fmt!r} (expected text or json)")


def _echo_json(payload: Any) -> None:
    typer.echo(json.dumps(payload, indent=2, ensure_ascii=False, default=str))


@contextmanager
def _engine(database: str | None, *, require_schema: bool = True, create: bool = False) -> Iterator[Any]:
    """An engine for the command, with errors turned into ``Error: ...`` and exit status 2.

    Only ``db init`` and ``db upgrade`` (``create=True``) may create a SQLite file: any other
    command on a missing file says so instead of leaving an empty database behind."""
    from sqlalchemy.exc import SQLAlchemyError

    from ..registry import db

    if not create:
        _require_existing(database)
    try:
        engine = db.make_engine(database)
    except (MyoscopeError, SQLAlchemyError, ValueError) as exc:
        fail(f"cannot use database {database or db.database_url()}: {exc}")
    try:
        if require_schema:
            db.require_current(engine)
        yield engine
    except MyoscopeError as exc:
        fail(str(exc))
    except SQLAlchemyError as exc:
        fail(f"database error: {getattr(exc, 'orig', None) or exc}")
    finally:
        engine.dispose()


def _require_existing(database: str | None) -> None:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from ..registry import db

    url = db.database_url(database)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        fail(f"cannot use database {url}: {exc}")
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:") \
            and not Path(parsed.database).exists():
        fail(f"no registry at {parsed.database}: run `myoscope db init` first")


def _require_row_id(value: int, what: str) -> None:
    """An id beyond the database's integer range names no row: say "no WHAT N", as for any
    unknown id, instead of asking the database (SQLite cannot bind a number beyond 64 bits and
    fails with OverflowError). The limit is the registry's one (``db.MAX_ID``), the API's too."""
    from ..registry.db import storable_id

    if not storable_id(value):
        fail(f"no {what} {value}")


@contextmanager
def _session(database: str | None) -> Iterator[Any]:
    from ..registry.db import session_factory

    with _engine(database) as engine, session_factory(engine).begin() as session:
        yield session


# --- db ---------------------------------------------------------------------------------------


@db_app.command("init")
def db_init(database: Database = None) -> None:
    """Create the registry (or bring an existing one up to date)."""
    from ..registry import db

    with _engine(database, require_schema=False, create=True) as engine:
        before = db.current_revision(engine)
        db.upgrade(engine)
        where = engine.url.render_as_string(hide_password=True)
        state = "created" if before is None else "already exists; schema up to date"
        typer.echo(f"registry {state} at {where} (schema {db.current_revision(engine)})")


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
               database: Database = None) -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    from ..registry import db

    db.check_revision(revision)  # before the engine, which may create the SQLite file
    with _engine(database, require_schema=False, create=True) as engine:
        before = db.current_revision(engine)
        db.upgrade(engine, revision)
        typer.echo(f"schema {before or 'empty'} -> {db.current_revision(engine)}")


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="Target revision (base: drop all).")],
                 yes: Annotated[bool, typer.Option("--yes", help="Confirm a downgrade that drops data or "
                                                   "the audit log's protections.")] = False,
                 backup_to: Annotated[Path | None, typer.Option(
                     "--backup", help="Where to write the backup made first (default: beside the SQLite "
                     "file, or in the working directory).")] = None,
                 database: Database = None) -> None:
    """Undo migrations down to REVISION (a destructive one needs --yes and is backed up first)."""
    from ..registry import db

    with _engine(database, require_schema=False) as engine:
        before = db.current_revision(engine)
        steps = db.destructive_steps(engine, revision)
        if steps and not yes:
            what = "; ".join(f"undoing {rev} {why}" for rev, why in steps)
            fail(f"downgrading to {revision}: {what}. Add --yes to confirm (a backup is written first)")
        saved = db.downgrade(engine, revision, confirm=yes, backup_to=backup_to)
        if saved is not None:
            typer.echo(f"backup written to {saved}")
        typer.echo(f"schema {before or 'empty'} -> {db.current_revision(engine) or 'empty'}")


@db_app.command("roles")
def db_roles(role: Annotated[str, typer.Argument(help="The (existing) role the application connects as.")],
             sql: Annotated[bool, typer.Option("--sql", help="Print the statements instead of running them."
                                               )] = False,
             database: Database = None) -> None:
    """PostgreSQL: grant ROLE the application's rights; on audit_log only SELECT and INSERT."""
    from ..registry.roles import grant_app_role

    with _engine(database) as engine:
        statements = grant_app_role(engine, role, dry_run=sql)
    if sql:
        typer.echo(";\n".join(statements) + ";")
    else:
        typer.echo(f"granted {role} the application's rights ({len(statements)} statements); it cannot "
                   "update, delete or truncate audit_log, nor disable its triggers")


@db_app.command("reassess")
def db_reassess(database: Database = None, user: User = None) -> None:
    """Assess again, with the installed knowledge, every visit whose current assessment was made
    with other knowledge (or before the plan's same-day referrals were stored); one transaction a
    patient, each new assessment audited, the old ones kept."""
    from ..knowledge import load_knowledge
    from ..registry import repo
    from ..registry.db import session_factory

    actor = _actor(user)
    with _engine(database) as engine:
        sessions = session_factory(engine)
        with sessions() as s:
            patients = repo.stale_patients(s)
        visits = 0
        for pid in patients:
            with sessions.begin() as s:
                visits += repo.reassess_stale(s, patient_id=pid, actor=actor)
    version = load_knowledge().version
    if not patients:
        typer.echo(f"nothing to reassess: every visit's current assessment uses knowledge {version}")
    else:
        typer.echo(f"reassessed {visits} visit(s) of {len(patients)} patient(s) with knowledge {version}")


@db_app.command("status")
def db_status(database: Database = None) -> None:
    """Show the schema revision of the database and of the code."""
    from ..registry import db

    with _engine(database, require_schema=False) as engine:
        typer.echo(f"database {engine.url.render_as_string(hide_password=True)}: schema "
                   f"{db.current_revision(engine) or 'empty'} (code: {db.head_revision()})")


@db_app.command("backup")
def db_backup(destination: Annotated[Path, typer.Argument(help="New file to write the backup to.")],
              database: Database = None) -> None:
    """Write a consistent backup while the registry stays in use (SQLite copy or pg_dump)."""
    from ..outputs import check_output
    from ..registry import db

    check_output(destination, option="backup")
    with _engine(database) as engine:
        out = db.backup(engine, destination)
        typer.echo(f"backup written to {out} ({out.stat().st_size} bytes)")


# --- patients ---------------------------------------------------------------------------------


@patient_app.command("add")
def patient_add(
    pseudonym: Annotated[str, typer.Argument(help="Pseudonymous id (never a name or hospital number).")],
    sex: Annotated[str, typer.Option("--sex", help="male or female (M/F)")],
    birth_date: Annotated[str | None, typer.Option("--birth-date", help="YYYY-MM-DD")] = None,
    organisation: Org = None, database: Database = None, user: User = None,
) -> None:
    """Register a patient."""
    from ..registry import repo

    with _session(database) as s:
        p = repo.add_patient(s, pseudonym=pseudonym, sex=sex, birth_date=birth_date, actor=_actor(user),
                             organisation_name=organisation or repo.DEFAULT_ORGANISATION)
        typer.echo(f"added patient {p.pseudonym} ({p.sex}) to {organisation or repo.DEFAULT_ORGANISATION}")


Limit = Annotated[int, typer.Option("--limit", "-n", min=0, help="Rows per page (0: all).")]
After = Annotated[str | None, typer.Option("--after", help="Page token printed by the previous page.")]


def _page_limit(limit: int) -> int | None:
    """``--limit`` as the registry takes it: None for all; a number beyond any row count (which
    SQLite could not even bind past 64 bits) is all rows too, so it is capped at ``db.MAX_ID``."""
    from ..registry.db import MAX_ID

    return min(limit, MAX_ID) if limit else None


@patient_app.command("list")
def patient_list(organisation: Org = None, limit: Limit = 100, after: After = None, format: Format = "text",
                 database: Database = None, user: User = None) -> None:
    """List patients with their number of visits and last visit, a page at a time."""
    from ..registry import repo

    _format(format)
    with _session(database) as s:
        page = repo.list_patients(s, organisation_name=organisation, limit=_page_limit(limit), after=after,
                                  actor=_actor(user))
    if format == "json":
        _echo_json(page.to_dict())
    else:
        typer.echo(str(page))


@patient_app.command("show")
def patient_show(
    pseudonym: Annotated[str, typer.Argument(help="Patient pseudonym.")],
    organisation: Org = None, format: Format = "text",
    chart: Annotated[Path | None, typer.Option("--chart", help="Also write the timeline "
                                               "(.png, .svg, .html or .json).")] = None,
    database: Database = None, user: User = None,
) -> None:
    """Show a patient's visits, assessments, change over time and alerts."""
    from ..outputs import check_output, replacing
    from ..registry import repo

    _format(format)
    if chart is not None:
        check_output(chart, option="--chart")
    with _session(database) as s:
        view = repo.show_patient(s, pseudonym=pseudonym, organisation_name=organisation, actor=_actor(user))
    if chart is not None:
        from ..report.registry_chart import save_timeline

        try:
            with replacing(chart) as tmp:
                save_timeline(view.changes, tmp)
        except MyoscopeError as exc:
            fail(str(exc))
    if format == "json":
        _echo_json(view.to_dict())
    else:
        typer.echo(str(view))
    if chart is not None:
        typer.echo(f"timeline written to {chart}", err=format == "json")


@patient_app.command("correct")
def patient_correct(
    pseudonym: Annotated[str, typer.Argument(help="Patient pseudonym.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the patient is corrected.")] = "",
    sex: Annotated[str | None, typer.Option("--sex", help="The corrected sex: male or female (M/F).")] = None,
    birth_date: Annotated[str | None, typer.Option("--birth-date", help="The corrected birth date, "
                                                   "YYYY-MM-DD.")] = None,
    birth_date_unknown: Annotated[bool, typer.Option("--birth-date-unknown",
                                                     help="The recorded birth date is wrong and the right "
                                                     "one is not known.")] = False,
    organisation: Org = None, database: Database = None, user: User = None,
) -> None:
    """Correct a patient's sex or birth date (audited); every visit is assessed again."""
    from ..registry import repo

    if birth_date is not None and birth_date_unknown:
        fail("give --birth-date or --birth-date-unknown, not both")
    if sex is None and birth_date is None and not birth_date_unknown:
        fail("give --sex, --birth-date or --birth-date-unknown")
    born = None if birth_date_unknown else repo.KEEP if birth_date is None else birth_date
    with _session(database) as s:
        p = repo.find_patient(s, pseudonym=pseudonym, organisation_name=organisation, actor=_actor(user))
        done = repo.correct_patient(s, patient_id=p.id, sex=sex, birth_date=born, reason=reason,
                                    actor=_actor(user))
    typer.echo(str(done))


@patient_app.command("delete")
def patient_delete(pseudonym: Annotated[str, typer.Argument(help="Patient pseudonym.")],
                   organisation: Org = None,
                   yes: Annotated[bool, typer.Option("--yes", help="Confirm: delete all of this "
                                                     "patient's data.")] = False,
                   database: Database = None, user: User = None) -> None:
    """Delete a patient and all their data (audited; needs --yes)."""
    from ..registry import repo

    if not yes:
        fail(f"deleting patient {pseudonym} removes all their visits and measurements; add --yes to confirm")
    with _session(database) as s:
        counts = repo.delete_patient(s, pseudonym=pseudonym, organisation_name=organisation,
                                     actor=_actor(user), confirm=True)
    typer.echo(f"deleted patient {pseudonym}: {counts['visits']} visit(s), {counts['measurements']} "
               f"measurement(s), {counts['assessments']} assessment(s)")


# --- visits, import, alerts -------------------------------------------------------------------


@visit_app.command("add")
def visit_add(
    patient: Annotated[str, typer.Argument(help="Patient pseudonym.")],
    file: Annotated[Path, typer.Argument(help="One record (JSON or YAML).")],
    visit_date: Annotated[str | None, typer.Option("--date", help="Visit date if the file has none.")] = None,
    setting: Annotated[
        str | None,
        typer.Option("--setting", help="community, hospital, icu or nursing_home (if the file has none)."),
    ] = None,
    organisation: Org = None, database: Database = None, user: User = None,
) -> None:
    """Add a visit from a record file; it is assessed, and later visits re-assessed."""
    from ..registry import repo

    try:
        on = date.fromisoformat(visit_date) if visit_date else None
    except ValueError:
        fail(f"--date: expected YYYY-MM-DD, got {visit_date!r}")
    with _session(database) as s:
        result = repo.add_visit_file(s, pseudonym=patient, path=file, organisation_name=organisation,
                                     visit_date=on, setting=setting, actor=_actor(user))
    typer.echo(str(result))


@visit_app.command("correct")
def visit_correct(
    visit_id: Annotated[int, typer.Argument(help="Visit id (from patient show).")],
    measure: Annotated[str, typer.Argument(help="Measure id, e.g. grip_strength.")],
    value: Annotated[str | None, typer.Argument(
        help="New value, e.g. '23.5 kg' (omit with --retract).")] = None,
    reason: Annotated[str, typer.Option("--reason", help="Why the value is corrected.")] = "",
    retract: Annotated[bool, typer.Option(
        "--retract", help="The value should not have been recorded.")] = False,
    database: Database = None, user: User = None,
) -> None:
    """Correct a measurement: a new version is stored; the old one is kept."""
    from ..registry import repo

    if (value is None) != retract:
        fail("give a new VALUE, or --retract (not both)")
    parsed: Any = value
    if value is not None:
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            parsed = value
    with _session(database) as s:
        _require_row_id(visit_id, "visit")
        m = repo.correct_measurement(s, visit_id=visit_id, measure_id=measure, value=parsed, reason=reason,
                                     actor=_actor(user))
    shown = "retracted" if m.value is None else f"{m.value:g} {m.unit}" if m.unit else str(m.value)
    typer.echo(f"visit {visit_id}: {measure} {shown} (version {m.version}); visit re-assessed")


@visit_app.command("assessment")
def visit_assessment(visit_id: Annotated[int, typer.Argument(help="The visit id (patient show).")],
                     format: Format = "text", database: Database = None,
                     user: User = None) -> None:
    """Show a visit's full assessment (traces, work-up, plan), rebuilt from its stored inputs."""
    from ..registry.assessing import rebuild
    from ..report.assessment import assessment_text as render_text

    _format(format)
    with _session(database) as s:
        _require_row_id(visit_id, "assessed visit")
        full = rebuild(s, visit_id=visit_id, actor=_actor(user))
    if format == "json":
        _echo_json(full.to_dict())
    else:
        typer.echo(render_text(full))


@app.command("import")
def import_cmd(csv_file: Annotated[Path, typer.Argument(help="CSV or Excel: one row per visit.")],
               mapping: Annotated[str | None, typer.Option(
                   "--map", help="Read the file through a device map: a YAML file, or a shipped "
                                 "format (comp2comp, mosamatic2, dxa-hologic, dxa-nhanes, inbody); "
                                 "docs/imports.md.")] = None,
               sheet: Annotated[str | None, typer.Option(
                   "--sheet", help="Excel: the sheet (default: the first).")] = None,
               dictionary: Annotated[Path | None, typer.Option(
                   "--dictionary", help="REDCap: the data dictionary (CSV); --map is then optional.")] = None,
               organisation: Org = None, database: Database = None, user: User = None) -> None:
    """Import visits from a CSV or Excel file, or any tool's table through a device map (the same
    file twice adds nothing)."""
    from ..registry import imports, repo

    with _engine(database) as engine:
        from ..registry.db import session_factory

        with session_factory(engine)() as s:
            result = imports.import_csv(s, path=csv_file, actor=_actor(user),
                                        organisation_name=organisation or repo.DEFAULT_ORGANISATION,
                                        mapping=mapping, sheet=sheet, dictionary=dictionary)
    typer.echo(str(result))


@app.command("alerts")
def alerts_cmd(organisation: Org = None, all_visits: Annotated[bool, typer.Option(
                   "--all", help="Alerts at every visit, not only each patient's latest.")] = False,
               limit: Annotated[int, typer.Option("--limit", "-n", min=0, help="Stop after the patient "
                                                  "whose alerts reach this many (0: scan everyone).")] = 100,
               after: After = None, format: Format = "text", database: Database = None,
               user: User = None) -> None:
    """List patients whose latest visit shows a meaningful decline or weight loss, a page at a time."""
    from ..registry.alerts import compute_alerts

    _format(format)
    with _session(database) as s:
        report = compute_alerts(s, organisation_name=organisation, latest_only=not all_visits,
                                limit=_page_limit(limit), after=after, actor=_actor(user))
    if format == "json":
        _echo_json(report.to_dict())
    else:
        typer.echo(str(report))
