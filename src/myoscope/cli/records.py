"""Reading records for the record commands (assess, workup, plan): record by record, every bad one named.

A batch (``assess a.yaml bad.yaml c.yaml``) assesses the good records, prints ``Error: ...`` for
each bad record or unreadable file as it meets it, and the command exits 2 at the end. Records are
read, handled and printed one at a time, so memory stays flat in the number of records.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer

from ..errors import MyoscopeError
from ..record import Record
from .base import EXIT_USAGE, fail, report

FILES_HELP = "Record files (JSON or YAML; one record or a list); - reads standard input."


class RecordBatch:
    """The valid records of several files, in order; bad ones are reported and counted."""

    def __init__(self, files: list[Path]) -> None:
        if sum(str(f) == "-" for f in files) > 1:
            fail("standard input (-) can be read only once")
        self.files = files
        self.bad = 0
        self.good = 0

    def __iter__(self) -> Iterator[Record]:
        from ..inputs import iter_records
        from ..record import parse_record

        for f in self.files:
            try:
                for data, src in iter_records(f):
                    try:
                        record = parse_record(data, source=src)
                    except MyoscopeError as exc:
                        self._bad(exc)
                        continue
                    self.good += 1
                    yield record
            except MyoscopeError as exc:
                self._bad(exc)

    def _bad(self, exc: MyoscopeError) -> None:
        report(str(exc))
        self.bad += 1

    def finish(self) -> None:
        """Exit 2 when any record or file was bad (after the good ones were handled)."""
        if self.bad:
            if self.good or self.bad > 1:  # one bad file alone needs no summary
                n = self.bad
                report(f"{n} bad record(s) or file(s), named above; {self.good} record(s) handled")
            raise typer.Exit(EXIT_USAGE)


def dumps(payload: Any, indent: int | None = 2) -> str:
    return json.dumps(payload, indent=indent, ensure_ascii=False, default=str)


def json_indent() -> int | None:
    """Indented JSON for a person at a terminal, one line for a program reading a pipe."""
    return 2 if sys.stdout.isatty() else None


class JsonStream:
    """Print one JSON value per result as they come: a single result prints as itself, several as a
    list (the same text ``json.dumps(list, indent=2)`` gives), without holding them all."""

    def __init__(self, indent: int | None = 2) -> None:
        self.indent = indent
        self.first: Any = None
        self.n = 0

    def _item(self, payload: Any) -> str:
        text = dumps(payload, self.indent)
        if self.indent is None:
            return text
        pad = " " * self.indent
        return "\n".join(pad + line for line in text.splitlines())

    def add(self, payload: Any) -> None:
        if self.n == 0:
            self.first = payload
        elif self.n == 1:
            opening = "[\n" if self.indent is not None else "["
            typer.echo(opening + self._item(self.first), nl=False)
            self.first = None
            typer.echo(self._sep() + self._item(payload), nl=False)
        else:
            typer.echo(self._sep() + self._item(payload), nl=False)
        self.n += 1

    def _sep(self) -> str:
        return ",\n" if self.indent is not None else ", "

    def close(self, *, empty_list: bool = True) -> None:
        if self.n == 1:
            typer.echo(dumps(self.first, self.indent))
        elif self.n > 1:
            typer.echo("\n]" if self.indent is not None else "]")
        elif empty_list:
            typer.echo("[]")


class TextStream:
    """Print text blocks separated by a blank line as they come."""

    def __init__(self) -> None:
        self.n = 0

    def add(self, text: str) -> None:
        if self.n:
            typer.echo("")
        typer.echo(text)
        self.n += 1


__all__ = ["FILES_HELP", "JsonStream", "RecordBatch", "TextStream", "dumps", "json_indent"]
