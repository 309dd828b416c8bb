"""The result of reading a measuring tool's output: record fragments with their provenance."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from ..errors import Problem


@dataclass
class ImportedRecord:
    """The fields read for one person (quantities as ``{"value", "unit"}`` in canonical units) and
    where each came from. A fragment: sex, age and the rest come from elsewhere (a visit form)."""

    values: dict[str, Any]
    provenance: dict[str, dict[str, Any]]
    row: int | None = None

    @property
    def id(self) -> str | None:
        v = self.values.get("id")
        return None if v is None else str(v)

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.values)
        if self.provenance:
            out["provenance"] = {k: dict(v) for k, v in self.provenance.items()}
        return out


@dataclass
class MeasuresImport:
    """What ``import-measures`` read from one file: records, notes (what was not read and why)
    and, with partial import, the bad rows that were left out."""

    file: str
    format: str
    tool: str
    records: list[ImportedRecord] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)

    @property
    def summary(self) -> list[dict[str, Any]]:
        """One row per imported value: record id, field, value, unit, row, level."""
        rows = []
        for r in self.records:
            for k, v in r.values.items():
                if k == "id":
                    continue
                prov = r.provenance.get(k, {})
                value, unit = (v.get("value"), v.get("unit")) if isinstance(v, dict) else (v, None)
                rows.append(
                    {
                        "id": r.id,
                        "field": k,
                        "value": value,
                        "unit": unit,
                        "row": prov.get("row"),
                        "level": prov.get("level"),
                        "column": prov.get("column"),
                    }
                )
        return rows

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "format": self.format,
            "tool": self.tool,
            "records": [r.to_dict() for r in self.records],
            "notes": list(self.notes),
            "skipped": [{"where": p.path, "problem": p.message} for p in self.skipped],
        }

    def document(self) -> Any:
        """What the output file holds: one record, or a list of them (both read by ``assess``)."""
        docs = [r.to_dict() for r in self.records]
        return docs[0] if len(docs) == 1 else docs

    def __str__(self) -> str:
        n = len(self.records)
        lines = [f"{self.file}: {self.tool} ({self.format}), {n} record{'s' if n != 1 else ''}"]
        for row in self.summary:
            where = ", ".join(
                x
                for x in (
                    f"row {row['row']}" if row["row"] else "",
                    f"level {row['level']}" if row["level"] else "",
                )
                if x
            )
            unit = f" {row['unit']}" if row["unit"] else ""
            who = f"{row['id']}: " if row["id"] else ""
            lines.append(
                f"  {who}{row['field']} = {row['value']}{unit}" + (f"  [{where}]" if where else "")
            )
        lines += [f"Note: {n_}" for n_ in self.notes]
        lines += [f"Skipped: {p}" for p in self.skipped]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = "<tr><th>id</th><th>field</th><th>value</th><th>unit</th><th>row</th><th>level</th></tr>"
        body = "".join(
            "<tr>"
            + "".join(
                f"<td>{html.escape('' if r[k] is None else str(r[k]))}</td>"
                for k in ("id", "field", "value", "unit", "row", "level")
            )
            + "</tr>"
            for r in self.summary
        )
        notes = "".join(f"<p>{html.escape(n)}</p>" for n in self.notes)
        return f"<table>{head}{body}</table>{notes}"


__all__ = ["ImportedRecord", "MeasuresImport"]
