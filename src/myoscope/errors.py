"""Named exceptions.

Every failure a user can cause has its own class so that faces (CLI, web) can turn it into a
clear message without parsing strings, and tests can assert on the class.
"""

from __future__ import annotations

from dataclasses import dataclass


class MyoscopeError(Exception):
    """Base class of every error raised on purpose by myoscope."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where, what was given, what was expected."""

    path: str
    message: str

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
    """An input file cannot be read or parsed."""


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
