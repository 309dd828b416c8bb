"""Command-line interface: a thin layer over the library (no clinical logic here).

Errors a user can cause print ``Error: ...`` on standard error and exit with status 2. Each
feature registers its commands from its own module (``cli/<feature>.py``), imported at the end.
"""

from __future__ import annotations

import sys
from typing import NoReturn

import typer

app = typer.Typer(
    name="myoscope",
    help="Muscle wasting: assess under every consensus definition, explained and cited.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_USAGE = 2


def fail(message: str) -> NoReturn:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(EXIT_USAGE)


def split_ids(definitions: str | None) -> list[str] | None:
    if not definitions:
        return None
    return [d.strip() for d in definitions.split(",") if d.strip()]


def main() -> None:
    try:
        app()
    except BrokenPipeError:  # e.g. `myoscope assess ... | head`
        sys.exit(0)


# Command modules register themselves on `app`; keep this list sorted.
from . import assess, cohort, plan, registry, simulate, web, workup  # noqa: E402, F401
