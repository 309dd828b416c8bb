"""The flat table form of the record contract (DESIGN §6 "Tables").

A table row holds the same fields as a record, flat: nested objects flatten with ``_``
(``sarc_f_strength`` ... ``sarc_f_falls``), and the weight history flattens to pairs
``weight_previous`` + ``weight_previous_months_ago``, ``weight_previous_2`` +
``weight_previous_2_months_ago``, and so on. The columns come from the measures catalog, so a
field added there is a column here without code changes.

:func:`row_to_record` is the meaning of a row: the record that ``assess`` would see. The cohort
engine is proven against it (tests/cohort/test_parity.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..measures import Catalog

SCALAR_KINDS = ("quantity", "enum", "bool", "text", "date")
HISTORY_WEIGHT = "weight_previous"
_HISTORY = re.compile(r"^weight_previous(?:_(\d+))?(_months_ago)?$")
FALLS_COUNT = "falls_past_year"
CONDITIONS_SEPARATOR = ";"


@dataclass(frozen=True)
class TableColumn:
    """One column: its name, what kind of value it holds and which catalog measure rules it."""

    name: str
    kind: str  # a scalar kind, "sarc_f_item", "falls_count", "history_weight", "history_months", "conditions"
    measure: str  # catalog measure whose unit, range and values apply
    index: int = 0  # weight-history pair number (1 for weight_previous)


def history_names(i: int) -> tuple[str, str]:
    """Column names of the ``i``-th previous weight (1-based) and its months before the record."""
    base = HISTORY_WEIGHT if i == 1 else f"{HISTORY_WEIGHT}_{i}"
    return base, f"{base}_months_ago"


def history_pairs(names: Iterable[str]) -> int:
    """How many weight-history pairs a set of column names holds (the highest pair number)."""
    n = 0
    for name in names:
        m = _HISTORY.match(name)
        if m:
            n = max(n, int(m.group(1) or 1))
    return n


def table_columns(catalog: Catalog, history: int = 1) -> dict[str, TableColumn]:
    """Every column a table may hold, by name, with ``history`` weight-history pairs."""
    out: dict[str, TableColumn] = {}
    for m in catalog.measures.values():
        if m.kind in SCALAR_KINDS:
            out[m.id] = TableColumn(m.id, m.kind, m.id)
        elif m.kind == "sarc_f":
            for item in catalog.sarc_f.items:
                out[f"sarc_f_{item}"] = TableColumn(f"sarc_f_{item}", "sarc_f_item", m.id)
            out[f"sarc_f_{FALLS_COUNT}"] = TableColumn(f"sarc_f_{FALLS_COUNT}", "falls_count", m.id)
        elif m.kind == "weight_history":
            for i in range(1, history + 1):
                w, mo = history_names(i)
                out[w] = TableColumn(w, "history_weight", "weight", i)
                out[mo] = TableColumn(mo, "history_months", m.id, i)
        elif m.kind == "conditions":
            out[m.id] = TableColumn(m.id, "conditions", m.id)
        # "object" fields (the work-up history) have no flat form
    return out


def record_to_row(record: Mapping[str, Any], catalog: Catalog) -> dict[str, Any]:
    """Flatten a record-shaped dict (canonical values, months_ago history) into a table row."""
    row: dict[str, Any] = {}
    for key, value in record.items():
        m = catalog.measures.get(key)
        if m is None or value is None:
            row[key] = value
        elif m.kind == "sarc_f":
            for item, v in dict(value).items():
                row[f"sarc_f_{item}"] = v
        elif m.kind == "weight_history":
            for i, entry in enumerate(value, start=1):
                w, mo = history_names(i)
                row[w], row[mo] = entry.get("weight"), entry.get("months_ago")
        elif m.kind == "conditions":
            row[key] = CONDITIONS_SEPARATOR.join(value) if isinstance(value, list) else value
        else:
            row[key] = value
    return row


def row_to_record(row: Mapping[str, Any], catalog: Catalog) -> dict[str, Any]:
    """The record a table row stands for: what ``assess`` sees for that row.

    Missing cells are left out (missing is unknown), SARC-F items gather into ``sarc_f`` and
    weight-history pairs into ``weight_history`` in pair order. Whole-number floats in integer
    fields become ints, as a table cannot tell 2 from 2.0.
    """
    rec: dict[str, Any] = {}
    sarc_f: dict[str, Any] = {}
    pairs: dict[int, dict[str, Any]] = {}
    for key, value in row.items():
        if value is None or (isinstance(value, float) and value != value):
            continue
        hist = _HISTORY.match(key)
        if key.startswith("sarc_f_"):
            item = key[len("sarc_f_") :]
            sarc_f[item] = _whole(value)
        elif hist:
            entry = pairs.setdefault(int(hist.group(1) or 1), {})
            entry["months_ago" if hist.group(2) else "weight"] = value
        elif (
            key in catalog.measures and catalog.measures[key].kind == "conditions" and isinstance(value, str)
        ):
            rec[key] = [c for c in value.split(CONDITIONS_SEPARATOR) if c]
        else:
            m = catalog.measures.get(key)
            rec[key] = _whole(value) if m is not None and m.integer else value
    if sarc_f:
        rec["sarc_f"] = sarc_f
    if pairs:
        rec["weight_history"] = [pairs[i] for i in sorted(pairs)]
    return rec


def _whole(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


__all__ = [
    "TableColumn",
    "history_names",
    "history_pairs",
    "record_to_row",
    "row_to_record",
    "table_columns",
]
