"""Where the registry lives and how to reach it: engine, sessions, migrations, backup.

SQLite by default (a file, no set-up) and PostgreSQL for teams, chosen by one URL:
``--database`` or ``MYOSCOPE_DATABASE_URL`` (e.g. ``postgresql+psycopg://user@host/db``).

SQLite is set up for several writers: WAL journal (readers never block the writer), foreign
keys on (they are off by default, and cascading deletes depend on them), a busy timeout, and
``BEGIN IMMEDIATE`` for every transaction so that two writers queue for the write lock instead
of one failing with "database is locked" when it tries to upgrade a read lock.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from ..errors import ConfirmationRequiredError, RegistryError

ENV_URL = "MYOSCOPE_DATABASE_URL"
DEFAULT_FILE = "myoscope.sqlite"
SQLITE_BUSY_MS = 60_000
MIGRATIONS = Path(__file__).parent / "migrations"
#: The largest row id: PostgreSQL's INTEGER (ids are serial columns there). A number beyond it
#: names no row, and SQLite cannot even be asked about one beyond 64 bits (OverflowError), so a
#: face answers "not found" for it without asking; the API and the pages bound path ids here too.
MAX_ID = 2**31 - 1


def storable_id(value: int) -> bool:
    """Whether ``value`` can be the id of a row (1 to :data:`MAX_ID`); if not, no row has it."""
    return 1 <= value <= MAX_ID


def database_url(url: str | None = None) -> str:
    """The URL to use: the one given, else ``MYOSCOPE_DATABASE_URL``, else ./myoscope.sqlite."""
    if url:
        return url
    env = os.environ.get(ENV_URL)
    if env:
        return env
    return f"sqlite:///{Path(DEFAULT_FILE).resolve()}"


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """An engine for ``url`` (see :func:`database_url`) with the settings the registry relies on."""
    resolved = make_url(database_url(url))
    if resolved.get_backend_name() == "sqlite":
        if resolved.database in (None, "", ":memory:"):
            raise RegistryError("the registry needs a SQLite file, not an in-memory database")
        engine = create_engine(resolved, connect_args={"timeout": SQLITE_BUSY_MS / 1000}, **kwargs)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(resolved, pool_pre_ping=True, **kwargs)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" event issues BEGIN itself
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions of the registry's own class, which carries the audit-log guards."""
    from .audit import RegistrySession

    return sessionmaker(engine, class_=RegistrySession, expire_on_commit=False)


# --- migrations ---------------------------------------------------------------------------


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def known_revisions() -> list[str]:
    """Every name a migration target can take: base, head and each revision, oldest first."""
    scripts = ScriptDirectory.from_config(alembic_config())
    return ["base", "head", *reversed([s.revision for s in scripts.walk_revisions()])]


@contextmanager
def _revision_errors(action: str, revision: str) -> Iterator[None]:
    """Alembic's refusals (an unknown revision, a step past the last, a downgrade "up") as a
    :class:`RegistryError` naming the revision and the known ones: they are the user's typo,
    not a bug, and alembic's own message names neither what exists nor what to type."""
    try:
        yield
    except CommandError as exc:
        known = ", ".join(known_revisions())
        if "Can't locate revision" in str(exc) or "No such revision" in str(exc):
            raise RegistryError(f"unknown revision {revision!r} (known: {known})") from None
        raise RegistryError(f"cannot {action} to {revision!r}: {exc} (known revisions: {known})") from None


def check_revision(revision: str) -> None:
    """Refuse a revision that names no migration before a database is touched (``db upgrade``
    may create a SQLite file, which a typo should not leave behind). A relative step (``+1``,
    ``-1``) depends on the database's revision, so it is checked when it is applied.

    :raises RegistryError: naming the revision and the known ones."""
    if "+" in revision or "-" in revision:
        return
    with _revision_errors("use", revision):
        ScriptDirectory.from_config(alembic_config()).get_revisions(revision)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` (creating it on an empty database).

    :raises RegistryError: for a revision that does not exist or cannot be reached upward."""
    cfg = alembic_config()
    with _revision_errors("upgrade", revision), engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def destructive_steps(engine: Engine, revision: str) -> list[tuple[str, str]]:
    """The migrations a downgrade to ``revision`` would undo that lose data or protections.

    Each migration says so itself (its ``destructive_downgrade``), as (revision, why) pairs.

    :raises RegistryError: for a revision that does not exist."""
    scripts = ScriptDirectory.from_config(alembic_config())
    with _revision_errors("downgrade", revision):
        # checked even on an empty database, so a typo is named before anything else happens
        found = None if revision == "base" else scripts.get_revision(revision)
    current = current_revision(engine)
    if current is None:
        return []
    target = found.revision if found is not None else None
    steps: list[tuple[str, str]] = []
    for script in scripts.walk_revisions(base="base", head=current):
        if script.revision == target:
            break
        why = getattr(script.module, "destructive_downgrade", None)
        if why:
            steps.append((script.revision, why))
    return steps


def default_backup_path(engine: Engine, revision: str) -> Path:
    """Where a downgrade's backup goes unless told: beside the SQLite file, or in the working
    directory for PostgreSQL (``pg_dump`` custom format), stamped with the time."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database:
        db_file = Path(url.database)
        return db_file.with_name(f"{db_file.name}.before-downgrade-{revision}-{stamp}.bak")
    return Path(f"myoscope-{url.database}-before-downgrade-{revision}-{stamp}.dump").resolve()


def downgrade(engine: Engine, revision: str, *, confirm: bool = False,
              backup_to: str | Path | None = None) -> Path | None:
    """Undo migrations down to ``revision``; returns the backup written first, if any.

    A downgrade that undoes a destructive migration (dropping tables, or the triggers that keep
    the audit log append-only) needs ``confirm=True`` and is preceded by a backup (to
    ``backup_to``, or :func:`default_backup_path`); if the backup fails, nothing is undone.

    :raises ConfirmationRequiredError: for a destructive downgrade without ``confirm``.
    :raises RegistryError: for a revision that does not exist or cannot be reached downward."""
    steps = destructive_steps(engine, revision)
    saved: Path | None = None
    if steps:
        if not confirm:
            what = "; ".join(f"undoing {rev} {why}" for rev, why in steps)
            raise ConfirmationRequiredError(f"downgrading to {revision}: {what}. Confirm it (a backup "
                                            "is written first)")
        saved = backup(engine, backup_to or default_backup_path(engine, revision))
    cfg = alembic_config()
    with _revision_errors("downgrade", revision), engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
    return saved


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def require_current(engine: Engine) -> None:
    """Refuse to work on a database whose schema is missing or behind the code."""
    rev = current_revision(engine)
    if rev is None:
        raise RegistryError("the database has no registry schema: run `myoscope db init` first")
    if rev != head_revision():
        raise RegistryError(f"the database schema is at {rev}, the code needs {head_revision()}: "
                            "run `myoscope db upgrade`")


# --- backup -------------------------------------------------------------------------------


def backup(engine: Engine, destination: str | Path) -> Path:
    """Write a consistent copy of the registry to ``destination`` while it stays in use.

    SQLite: the online backup API (a page-by-page copy under a read lock, safe with writers).
    PostgreSQL: ``pg_dump`` in custom format (restore with ``pg_restore``); only the schema on
    the connection's search_path when one is set.
    """
    dest = Path(destination)
    if dest.exists():
        raise RegistryError(f"{dest} exists; choose a new file for the backup")
    url = engine.url
    if url.get_backend_name() == "sqlite":
        src = sqlite3.connect(str(url.database), timeout=SQLITE_BUSY_MS / 1000)
        out = sqlite3.connect(str(dest))
        try:
            with out:
                src.backup(out)
        finally:
            out.close()
            src.close()
        return dest
    if url.get_backend_name() == "postgresql":
        return _pg_dump(engine, dest)
    raise RegistryError(f"backup is not supported for {url.get_backend_name()}")


def _pg_dump(engine: Engine, dest: Path) -> Path:
    exe = shutil.which("pg_dump")
    if exe is None:
        raise RegistryError("pg_dump is not installed (Debian: apt-get install postgresql-client)")
    url = engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    args = [exe, "--format=custom", f"--file={dest}", "--no-owner",
            f"--host={url.host or 'localhost'}", f"--port={url.port or 5432}",
            f"--username={url.username or 'postgres'}", f"--dbname={url.database}"]
    options = url.query.get("options")
    schema = _search_path_schema(options if isinstance(options, str) else None)
    if schema:
        args.append(f"--schema={schema}")
    proc = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RegistryError(f"pg_dump failed: {proc.stderr.strip()}")
    return dest


def _search_path_schema(options: str | None) -> str | None:
    """The first schema in ``-csearch_path=...`` connection options, if any."""
    if not options:
        return None
    for part in unquote(options).split():
        if part.startswith("-csearch_path="):
            return part.split("=", 1)[1].split(",")[0].strip() or None
    return None
