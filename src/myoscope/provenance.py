"""Where a value came from: the measuring tool, file, row and level behind a record's measures.

A record may carry ``provenance``: a map from a measure id to ``{tool, file, row, level, ...}``.
It is what ``myoscope import-measures`` writes beside each value it reads from a tool's output,
so that a verdict resting on an L3 muscle area can say it came from row 4 of a Comp2Comp file,
not from a person's typing. The block is validated with the record (unknown keys, a row that is
not a line number, provenance for a measure the record does not hold are problems) and the
assessment trace shows it for every comparison that used such a value (:func:`trace_notes`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import Problem, quote
from .measures import Catalog

FIELD = "provenance"
#: text keys of one entry; ``tool`` is required; ``by`` and ``at`` say who corrected a value by
#: hand and when (:func:`corrected`)
TEXT_KEYS = ("tool", "file", "level", "column", "sheet", "method", "note", "by", "at")
#: ``row``: the line or sheet row the value was read from (the header is row 1)
INT_KEYS = ("row",)
#: ``raw``: numbers kept as read (e.g. a BIA device's segmental impedances), name -> number
OBJECT_KEYS = ("raw",)
MAX_TEXT = 500
#: the ``tool`` of a value a person corrected after it was imported
BY_HAND = "corrected by hand"


def parse_block(
    raw: Any, problems: list[Problem], warnings: list[Problem], cat: Catalog
) -> dict[str, Any] | None:
    """Validate a ``provenance`` block (the record parser calls this, see measures.yaml)."""
    if not isinstance(raw, Mapping):
        problems.append(Problem(FIELD, "expected an object: measure -> {tool, file, row, level}"))
        return None
    before = len(problems)
    out: dict[str, Any] = {}
    for measure, entry in raw.items():
        path = f"{FIELD}.{measure}"
        if str(measure) not in cat.measures or str(measure) == FIELD:
            problems.append(Problem(path, "not a record field"))
            continue
        if not isinstance(entry, Mapping):
            problems.append(Problem(path, "expected {tool, file, row, level}"))
            continue
        parsed = _entry(path, entry, problems)
        if parsed is not None:
            out[str(measure)] = parsed
    return out if len(problems) == before else None


def _entry(path: str, entry: Mapping[str, Any], problems: list[Problem]) -> dict[str, Any] | None:
    before = len(problems)
    out: dict[str, Any] = {}
    for key, value in entry.items():
        where = f"{path}.{key}"
        if value is None:
            continue
        if key in TEXT_KEYS:
            if (
                isinstance(value, bool)
                or not isinstance(value, str | int | float)
                or len(str(value)) > MAX_TEXT
            ):
                problems.append(
                    Problem(where, f"expected text (at most {MAX_TEXT} characters), got {quote(value)}")
                )
            else:
                out[key] = str(value)
        elif key in INT_KEYS:
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                problems.append(Problem(where, f"expected a row number (1 or more), got {quote(value)}"))
            else:
                out[key] = value
        elif key in OBJECT_KEYS:
            if not isinstance(value, Mapping) or not all(
                isinstance(v, int | float) and not isinstance(v, bool) for v in value.values()
            ):
                problems.append(Problem(where, "expected an object of name -> number"))
            else:
                out[key] = {str(k): float(v) for k, v in value.items()}
        else:
            known = ", ".join((*TEXT_KEYS, *INT_KEYS, *OBJECT_KEYS))
            problems.append(Problem(where, f"unknown key (expected {known})"))
    if "tool" not in out and len(problems) == before:
        problems.append(Problem(f"{path}.tool", "required (the tool or device that measured the value)"))
    return out if len(problems) == before else None


def check_against(values: Mapping[str, Any], problems: list[Problem]) -> None:
    """Provenance names only measures the record holds (a source for nothing is a slip)."""
    block = values.get(FIELD) or {}
    for measure in block:
        if values.get(measure) is None:
            problems.append(Problem(f"{FIELD}.{measure}", f"the record has no value of {measure}"))


def corrected(block: Mapping[str, Any] | None, measure: str, value: Any, *, by: str,
              at: str) -> dict[str, Any] | None:
    """The provenance block after ``measure`` was corrected by hand to ``value`` (None retracts).

    An imported value that a person corrects is no longer the tool's: keeping the file, row and
    level beside it would make the trace vouch for a number the tool never wrote. Its entry
    becomes ``{tool: corrected by hand, by, at}``; a retracted value loses its entry (provenance
    for a value the record does not hold is a problem). Only imported values are touched: a
    typed value had no entry and gets none. The replaced entry is not lost: the registry keeps
    the block's earlier version and audits the change. Returns None when no entry is left."""
    out = {str(k): dict(v) for k, v in (block or {}).items() if isinstance(v, Mapping)}
    if measure == FIELD or measure not in out:
        return out or None
    if value is None:
        del out[measure]
    else:
        out[measure] = {"tool": BY_HAND, "by": by, "at": at}
    return out or None


def describe(measure: str, entry: Mapping[str, Any]) -> str:
    """'l3_muscle_area from comp2comp (metrics.csv, row 4, level L3, column Muscle CSA (cm^2))'."""
    if entry.get("tool") == BY_HAND:
        who = f" by {entry['by']}" if entry.get("by") else ""
        when = f" at {entry['at']}" if entry.get("at") else ""
        return f"{measure} {BY_HAND}{who}{when}"
    parts = [str(entry["file"])] if entry.get("file") else []
    if entry.get("sheet"):
        parts.append(f"sheet {entry['sheet']}")
    if entry.get("row"):
        parts.append(f"row {entry['row']}")
    if entry.get("level"):
        parts.append(f"level {entry['level']}")
    if entry.get("column"):
        parts.append(f"column {entry['column']}")
    if entry.get("method"):
        parts.append(str(entry["method"]))
    where = f" ({', '.join(parts)})" if parts else ""
    return f"{measure} from {entry.get('tool')}{where}"


def trace_notes(measures: list[str], values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The provenance entries of ``measures`` (the raw inputs of a compared value), in order."""
    block = values.get(FIELD) or {}
    return [{"measure": m, **block[m]} for m in measures if m in block]


__all__ = ["BY_HAND", "FIELD", "check_against", "corrected", "describe", "parse_block", "trace_notes"]
