"""Assess one record under every consensus definition (DESIGN §6).

``assess`` validates, derives and evaluates each definition with its trace; it knows only
definitions. The whole pathway (assess → work-up → plan) is run by :mod:`myoscope.pathway`,
which sits above this module, the work-up and the plan, so that none of them imports another
in a circle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .derive import derive
from .equations import estimate_note
from .knowledge import Knowledge, load_knowledge
from .record import Record, parse_record
from .rules.evaluate import DefinitionResult
from .rules.nodes import Context, Score
from .version import __version__


@dataclass
class Assessment:
    """Every definition's verdict for one record, with the inputs and knowledge version used."""

    record: Record
    derived: dict[str, Any]
    results: dict[str, DefinitionResult]
    knowledge_version: str
    myoscope_version: str = __version__
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def summary(self) -> list[dict[str, Any]]:
        """One row per definition: id, outcome, decided, decisive measures."""
        return [
            {"definition": r.id, "outcome": r.outcome, "decided": r.decided,
             "decisive_measures": ", ".join(r.decisive_measures)}
            for r in self.results.values()
        ]

    def usable_outcomes(self) -> dict[str, str]:
        """The outcomes the work-up, the plan and the alerts may rest on: those of definitions
        whose population the record establishes (a Fearon verdict without cancer is not one)."""
        return {k: r.outcome for k, r in self.results.items() if r.usable}

    def to_dict(self) -> dict[str, Any]:
        return {
            "myoscope_version": self.myoscope_version,
            "knowledge_version": self.knowledge_version,
            "record": _jsonable(self.record.values),
            "derived": self.derived,
            "warnings": [str(w) for w in self.record.warnings],
            "results": {k: r.to_dict() for k, r in self.results.items()},
            **self.extras,
        }

    def __str__(self) -> str:
        """The one-screen summary, as ``myoscope assess`` prints by default (a full trace of
        seventeen definitions is hundreds of lines: too much for ``print(a)``)."""
        from .report.summary import summary_text

        return summary_text(self)

    def detail(self) -> str:
        """The full trace: every definition's comparisons, caveats and what to measure next
        (``myoscope assess --detail``)."""
        from .report.assessment import assessment_text

        return assessment_text(self)

    def _repr_html_(self) -> str:
        from .report.jupyter import assessment_html

        return assessment_html(self)


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in values.items():
        if isinstance(v, date):
            out[k] = v.isoformat()
        elif isinstance(v, list):
            out[k] = [
                {kk: (vv.isoformat() if isinstance(vv, date) else vv) for kk, vv in x.items()}
                if isinstance(x, dict) else x
                for x in v
            ]
        else:
            out[k] = v
    return out


def assess(
    record: Record | Mapping[str, Any],
    definitions: list[str] | None = None,
    knowledge: Knowledge | None = None,
) -> Assessment:
    """Assess ``record`` under ``definitions`` (default: all non-variant definitions).

    Definitions only: :func:`myoscope.pathway.run_pathway` adds the work-up and the plan.

    :raises RecordValidationError: when ``record`` is a dict with invalid fields (including
        ``plan_constraints``).
    :raises UnknownDefinitionError: for an unknown definition id.
    """
    kb = knowledge or load_knowledge()
    rec = record if isinstance(record, Record) else parse_record(record)
    derived = derive(rec, kb.catalog)
    values = dict(rec.values)
    for k, v in derived.items():
        if v is not None or k not in values:
            values[k] = v
    # A derived measure that can also be measured directly (gait speed) is itself what to measure.
    inputs = {d.id: d.inputs for d in kb.catalog.derived.values() if d.id not in kb.catalog.measures}
    results: dict[str, DefinitionResult] = {}
    missing_cache: dict[str, list[str]] = {}
    for definition in kb.select(definitions):
        ctx = Context(values, inputs, rec.values, missing_cache)
        results[definition.id] = definition.evaluate(ctx)
        _flag_estimates(results[definition.id].trace)
        _flag_provenance(results[definition.id].trace, rec, kb)
        _flag_entered(results[definition.id].trace, rec, kb)
        for node in definition.components.values():
            if isinstance(node, Score) and derived.get(node.total_measure) is None:
                total = ctx.totals.get(node.key)
                if total is not None and node.total_measure in derived:
                    derived[node.total_measure] = total
    return Assessment(record=rec, derived=derived, results=results, knowledge_version=kb.version)


def _flag_entered(trace: list[dict[str, Any]], rec: Record, kb: Knowledge) -> None:
    """A comparison of a value entered in another unit (``grip_strength: 80 lb``) carries what
    was entered (``"entered": {"value": 80, "unit": "lb"}``), so that the reader sees the number
    they typed beside the converted one the cut-off was applied to."""
    for entry in trace:
        measure = entry.get("measure")
        if entry.get("type") != "compare" or not isinstance(measure, str):
            continue
        if entry.get("value") is None or entry.get("value") != rec.values.get(measure):
            continue  # a derived or estimated value, not the one entered
        got = rec.entered(measure, kb.catalog)
        if got is not None:
            entry["entered"] = {"value": got[0], "unit": got[1]}


def _flag_estimates(trace: list[dict[str, Any]]) -> None:
    """A comparison that used an estimate (e.g. ASM from BIA raw values) says so in the trace."""
    for entry in trace:
        note = estimate_note(str(entry.get("measure") or ""))
        if note and entry.get("value") is not None:
            entry["estimate"] = note
            entry.setdefault("notes", []).append(note)


def _flag_provenance(trace: list[dict[str, Any]], rec: Record, kb: Knowledge) -> None:
    """A comparison whose value (or an input of it) was imported from a measuring tool names the
    tool, file, row and level in the trace (docs/imports.md)."""
    if not rec.values.get("provenance"):
        return
    from .provenance import describe, trace_notes

    for entry in trace:
        measure = str(entry.get("measure") or "")
        if not measure or entry.get("value") is None:
            continue
        found = trace_notes(list(kb.catalog.raw_inputs(measure.split(".")[0])), rec.values)
        if found:
            entry["provenance"] = found
            entry.setdefault("notes", []).extend(
                describe(f["measure"], f) for f in found)

