"""Template helpers: how values, verdicts and urgencies are written on a page (no decisions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from ..knowledge import load_knowledge
from ..measures import load_catalog
from .patients import badge_kind

#: definitions shown as badges in the patient list (the patient page shows every definition)
LIST_DEFINITIONS = ("ewgsop2", "glim2019", "fearon2011", "fried2001", "sarc_f")


def fmt(value: Any) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return ", ".join(f"{k.replace('_', ' ')} {fmt(v)}" for k, v in value.items())
    if isinstance(value, list):  # an empty list was recorded as none ("conditions: []")
        return ", ".join(fmt(v) for v in value) if value else "none"
    return str(value)


def measured(value: Any, measure: str) -> str:
    """A stored value as the measure is reported: to its catalog precision (a weight typed as
    52.5 lb is stored as 23.8136 kg and shown as 23.8), anything else as :func:`fmt`."""
    precision = load_catalog().precision_of(measure) if isinstance(value, float) else None
    return fmt(round(value, precision) if precision is not None else value)


def words(value: Any) -> str:
    return str(value).replace("_", " ")


def label(measure: str) -> str:
    """How a field is named to people: a measure by the catalog, a history path (``history.tempo``)
    by knowledge/history.yaml."""
    if measure.startswith("history."):
        from ..workup.history import load_history_schema

        field = load_history_schema().paths().get(measure[len("history."):])
        if field is not None:
            return field.form_label or field.label
    return load_catalog().label_of(measure)


@dataclass(frozen=True)
class SarcFAnswer:
    label: str
    question: str
    value: Any
    answer: str  # the instrument's wording of the answer, or "" when the value is not its points


def sarc_f_answers(value: Any) -> list[SarcFAnswer]:
    """A stored or entered SARC-F (``{"strength": 2, ...}``) item by item, in the instrument's
    order, each with its wording from the catalog: what a page shows instead of the item ids."""
    if not isinstance(value, dict):
        return []
    sf = load_catalog().sarc_f
    order = [i for i in sf.items if i in value] + [k for k in value if k not in sf.items]
    out = []
    for key in order:
        item, v = sf.item(key), value[key]
        points = v if isinstance(v, int) and not isinstance(v, bool) else None
        out.append(SarcFAnswer(item.label, item.question, v, item.answer(points) if points is not None and
                               points in item.answers else ""))
    return out


@cache
def titles() -> dict[str, str]:
    return {d.id: d.title for d in load_knowledge().definitions.values()}


def title(definition: str) -> str:
    return titles().get(definition, definition)


def sources(value: Any) -> str:
    """A visit's provenance as sentences: 'l3_muscle_area from comp2comp (metrics.csv, row 3, ...)'."""
    from ..provenance import describe

    if not isinstance(value, dict):
        return fmt(value)
    return "; ".join(describe(m, e) for m, e in value.items() if isinstance(e, dict))


FILTERS = {
    "fmt": fmt,
    "measured": measured,
    "words": words,
    "label": label,
    "deftitle": title,
    "sources": sources,
    "sarc_f_answers": sarc_f_answers,
}


def untranslated(message: str, **values: Any) -> str:
    """``_`` on pages that pass no translation (the clinician pages are English only)."""
    return message.format(**values) if values else message


GLOBALS = {"badge_kind": badge_kind, "LIST_DEFINITIONS": LIST_DEFINITIONS, "_": untranslated}
