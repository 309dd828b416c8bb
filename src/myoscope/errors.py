"""Named exceptions.

Every failure a user can cause has its own class so that faces (CLI, web) can turn it into a
clear message without parsing strings, and tests can assert on the class.
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

#: At most this many characters of a bad value are quoted in a message: an input is never echoed
#: whole (a megabyte string, or a structure built to be large, would flood the terminal).
QUOTE_LIMIT = 80


def quote(value: Any, limit: int = QUOTE_LIMIT) -> str:
    """A bad value as a message shows it: a bounded ``repr`` cut to ``limit`` characters.

    ``reprlib`` renders at most a few items per level and a few levels, so the cost of a message
    never depends on the size of what was given (a structure with shared parts can be huge)."""
    if isinstance(value, date):
        return repr(value.isoformat())
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 3.33 * limit:
        return f"a number of about {int(value.bit_length() * 0.30103) + 1} digits"  # str() may refuse it
    text = _REPR.repr(value)
    if isinstance(value, str) and len(value) > limit:
        return text[:limit] + f"... ({len(value):,} characters)"
    return text if len(text) <= limit else text[:limit] + "..."


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxlist, _REPR.maxdict, _REPR.maxtuple, _REPR.maxset = 3, 5, 5, 5, 5
_REPR.maxstring, _REPR.maxother, _REPR.maxlong = QUOTE_LIMIT + 2, QUOTE_LIMIT, QUOTE_LIMIT


class MyoscopeError(Exception):
    """Base class of every error raised on purpose by myoscope."""


def N_(message: str) -> str:
    """Mark a message for the translation catalogue (babel.cfg) without translating it here: a
    face that speaks the reader's language translates it when it shows it (docs/self-check.md)."""
    return message


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where, what was given, what was expected.

    A problem made by :meth:`of` also keeps its message before the values went in (``template``,
    a catalogue message) and those values, so that a page can show it in the reader's language
    around the values as given (:meth:`translated`); they take no part in equality."""

    path: str
    message: str
    template: str | None = field(default=None, compare=False, repr=False)
    values: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, path: str, template: str, **values: Any) -> Problem:
        """The problem whose message is ``template`` with ``values`` put in (named placeholders)."""
        shown = {k: str(v) for k, v in values.items()}
        return cls(path, template.format(**shown), template, shown)

    def translated(self, gettext: Callable[..., str]) -> str:
        """The message through ``gettext(template, **values)`` (the web's ``gettext_for``); as it
        is when the problem has no template."""
        return gettext(self.template, **self.values) if self.template else self.message

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class ProblemsError(MyoscopeError):
    """An input with one or more invalid fields. All problems are collected, never just the first."""

    what = "input"

    def __init__(self, problems: list[Problem], source: str | None = None) -> None:
        self.problems = problems
        self.source = source
        where = f" {source}" if source else ""
        n = len(problems)
        lines = [f"invalid {self.what}{where} ({n} problem{'s' if n != 1 else ''}):"]
        lines += [f"  - {p}" for p in problems]
        super().__init__("\n".join(lines))


class RecordValidationError(ProblemsError):
    """A record has one or more invalid fields."""

    what = "record"


class UnknownUnitError(MyoscopeError):
    """A unit that is not accepted for a measure."""


class KnowledgeError(MyoscopeError):
    """A knowledge file is malformed, uncited, or refers to something that does not exist."""


class UnknownDefinitionError(MyoscopeError):
    """A definition id that the knowledge base does not hold."""


class InputFileError(MyoscopeError):
    """An input file cannot be read or parsed (not UTF-8, bad syntax, aliases, duplicate keys...).

    The message names the file and, where the parser knows it, the line and column; it never
    quotes the file's lines."""


class OutputFileError(MyoscopeError):
    """An output cannot be written as asked (missing folder, same path as an input, no space)."""


class CohortInputError(InputFileError):
    """A cohort table that cannot be classified: unreadable, malformed rows, duplicate ids, or not
    one row classifiable. Nothing is written."""


class MeasuresImportError(ProblemsError):
    """A measuring tool's output with bad rows or values (each named by row and column); nothing
    is imported unless partial import was asked for."""

    what = "import"


class NothingToImportError(InputFileError):
    """A tool's output that holds no value the record can take honestly (e.g. TotalSegmentator
    volumes, no L3 row); the message says why and what to give instead."""


class SliceLevelError(InputFileError):
    """A slice given as L3 whose DICOM description or mask header names another vertebral level;
    the message names each level and where it was read. Nothing is imported."""


class MissingDependencyError(MyoscopeError):
    """An optional package a format needs is not installed (the message names the extra)."""


class ScenarioValidationError(ProblemsError):
    """A simulation scenario has one or more invalid fields."""

    what = "scenario"


class SimulationError(MyoscopeError):
    """A projection cannot be made as asked (e.g. the age that selects the ageing rates is missing)."""


class RegistryError(MyoscopeError):
    """A registry operation that cannot be done as asked (base of the registry's errors)."""


class PatientNotFoundError(RegistryError):
    """No patient with that pseudonym (in that organisation)."""


class PatientExistsError(RegistryError):
    """A patient with that pseudonym already exists in the organisation."""


class VisitNotFoundError(RegistryError):
    """No visit with that id (or no such measurement in it)."""


class AuditLogImmutableError(RegistryError):
    """Something tried to change or delete an audit-log row or a stored measurement version."""


class ImportWriteError(RegistryError):
    """The database refused a row of an import after it passed validation (the row is named)."""


class ConfirmationRequiredError(RegistryError):
    """A destructive operation (deleting a patient) was asked for without explicit confirmation."""


class ReportError(MyoscopeError):
    """A report cannot be made as asked (unknown audience, page size or format; PDF support missing)."""


class NothingToReportError(ReportError):
    """A stored patient's report was asked for before any visit was recorded (nothing assessed yet)."""
