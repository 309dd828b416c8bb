"""Read models returned by the repository: plain result objects with ``summary``, ``to_dict`` and
a readable ``__str__``, so that the CLI and the web app show the same thing without touching ORM
objects outside a session."""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..errors import RegistryError, quote
from .audit import jsonable
from .changes import PatientChanges


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


@dataclass(frozen=True)
class PatientRow:
    id: int
    pseudonym: str
    sex: str
    birth_date: date | None
    organisation: str
    visits: int
    last_visit: date | None

    def to_dict(self) -> dict[str, Any]:
        return {"pseudonym": self.pseudonym, "sex": self.sex,
                "birth_date": self.birth_date.isoformat() if self.birth_date else None,
                "organisation": self.organisation, "visits": self.visits,
                "last_visit": self.last_visit.isoformat() if self.last_visit else None}


def encode_cursor(*key: str) -> str:
    """An opaque page token for a sort key (so that any pseudonym, even with spaces, fits)."""
    return base64.urlsafe_b64encode(json.dumps(list(key), ensure_ascii=False).encode()).decode().rstrip("=")


def decode_cursor(token: str) -> tuple[str, ...]:
    """The sort key of a page token. :raises RegistryError: for a token this code did not make."""
    try:
        key = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, UnicodeDecodeError):
        key = None
    if not isinstance(key, list) or not all(isinstance(k, str | int) for k in key):
        raise RegistryError(f"{quote(token)} is not a page token (use the one the previous page printed)")
    return tuple(str(k) for k in key)


@dataclass
class PatientPage:
    """One page of the patient list and the token of the next (None on the last page)."""

    rows: list[PatientRow]
    next_after: str | None = None

    def __iter__(self) -> Iterator[PatientRow]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: int) -> PatientRow:
        return self.rows[index]

    def to_dict(self) -> dict[str, Any]:
        return {"patients": [r.to_dict() for r in self.rows], "next_after": self.next_after}

    def __str__(self) -> str:
        if not self.rows:
            return "No patients."
        lines = [f"{r.pseudonym}\t{r.sex}\t{r.birth_date or '-'}\t{r.organisation}\t{r.visits} visit(s)"
                 f"\tlast {r.last_visit or '-'}" for r in self.rows]
        if self.next_after:
            lines.append(f"(more: --after {self.next_after})")
        return "\n".join(lines)


@dataclass(frozen=True)
class MeasurementView:
    measure: str
    value: Any
    unit: str | None
    unit_entered: str | None
    method: str | None
    version: int
    entered_by: str

    def __str__(self) -> str:
        text = ("retracted" if self.value is None
                else _fmt(self.value) + (f" {self.unit}" if self.unit else ""))
        if self.unit_entered and self.unit and self.unit_entered != self.unit:
            text += f" (entered in {self.unit_entered})"
        if self.method:
            text += f" [{self.method}]"
        if self.version > 1:
            text += f" (corrected, v{self.version})"
        return f"{self.measure} {text}"


@dataclass(frozen=True)
class VisitView:
    id: int
    date: date
    setting: str | None
    source: str | None
    measurements: list[MeasurementView]
    outcomes: dict[str, str]
    knowledge_version: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "date": self.date.isoformat(), "setting": self.setting, "source": self.source,
            "measurements": {m.measure: {"value": m.value, "unit": m.unit, "unit_entered": m.unit_entered,
                                         "method": m.method, "version": m.version}
                             for m in self.measurements},
            "outcomes": self.outcomes, "knowledge_version": self.knowledge_version,
        }


@dataclass
class PatientView:
    """One patient with every visit (current values), latest assessments and change over time."""

    row: PatientRow
    visits: list[VisitView]
    changes: PatientChanges

    @property
    def summary(self) -> list[dict[str, Any]]:
        """One row per visit: date and each definition's outcome."""
        return [{"date": v.date.isoformat(), **v.outcomes} for v in self.visits]

    def to_dict(self) -> dict[str, Any]:
        return {**self.row.to_dict(), "visits": [v.to_dict() for v in self.visits],
                "changes": self.changes.to_dict()}

    def __str__(self) -> str:
        r = self.row
        born = f", born {r.birth_date}" if r.birth_date else ""
        lines = [f"Patient {r.pseudonym} ({r.sex}{born}), {r.organisation}, {r.visits} visit(s)"]
        for v in self.visits:
            lines.append(f"Visit {v.id} on {v.date}" + (f" ({v.setting})" if v.setting else "")
                         + (f" from {v.source}" if v.source else ""))
            lines.append("  " + "; ".join(str(m) for m in v.measurements if m.measure != "weight_history"))
            if v.outcomes:
                lines.append("  " + ", ".join(f"{k}: {o}" for k, o in v.outcomes.items())
                             + f"  [knowledge {v.knowledge_version}]")
        lines.append(str(self.changes))
        return "\n".join(lines)


@dataclass
class VisitResult:
    """What adding a visit did: the visit id, whether it was new, and its assessment outcomes."""

    visit_id: int
    created: bool
    visit_date: date
    outcomes: dict[str, str] = field(default_factory=dict)
    reassessed: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        if not self.created:
            return f"visit {self.visit_id} on {self.visit_date} was already recorded; nothing added"
        text = f"added visit {self.visit_id} on {self.visit_date}"
        if self.outcomes:
            text += ": " + ", ".join(f"{k} {o}" for k, o in self.outcomes.items())
        if self.reassessed:
            text += f" (re-assessed later visits {', '.join(map(str, self.reassessed))})"
        return text


@dataclass
class PatientCorrection:
    """What correcting a patient's sex or birth date did: each changed field as (old, new), and the
    visits assessed again (every visit: each one's cut-offs and age depend on both fields)."""

    pseudonym: str
    changed: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    reassessed: int = 0

    @property
    def summary(self) -> str:
        if not self.changed:
            return f"patient {self.pseudonym}: nothing to correct"
        shown = {k: ["unknown" if v is None else jsonable(v) for v in two] for k, two in self.changed.items()}
        fields = "; ".join(f"{k} {old} -> {new}" for k, (old, new) in shown.items())
        return f"patient {self.pseudonym}: {fields}; {self.reassessed} visit(s) re-assessed"

    def to_dict(self) -> dict[str, Any]:
        changed = {k: {"old": jsonable(old), "new": jsonable(new)} for k, (old, new) in self.changed.items()}
        return {"pseudonym": self.pseudonym, "reassessed": self.reassessed, "changed": changed}

    def __str__(self) -> str:
        return self.summary

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(self.summary)}</p>"


@dataclass
class ImportResult:
    """Rows read, visits created, visits already present, patients created."""

    path: str
    rows: int = 0
    created: int = 0
    skipped: int = 0
    patients_created: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "rows": self.rows, "created": self.created, "skipped": self.skipped,
                "patients_created": self.patients_created}

    def __str__(self) -> str:
        return (f"{self.path}: {self.rows} row(s); {self.created} visit(s) added, {self.skipped} already "
                f"present; {self.patients_created} new patient(s)")
