"""Template helpers: how values, verdicts and urgencies are written on a page (no decisions)."""

from __future__ import annotations

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
    if isinstance(value, list):
        return ", ".join(fmt(v) for v in value)
    return str(value)


def words(value: Any) -> str:
    return str(value).replace("_", " ")


def label(measure: str) -> str:
    return load_catalog().label_of(measure)


@cache
def titles() -> dict[str, str]:
    return {d.id: d.title for d in load_knowledge().definitions.values()}


def title(definition: str) -> str:
    return titles().get(definition, definition)


FILTERS = {"fmt": fmt, "words": words, "label": label, "deftitle": title}
def untranslated(message: str, **values: Any) -> str:
    """``_`` on pages that pass no translation (the clinician pages are English only)."""
    return message.format(**values) if values else message


GLOBALS = {"badge_kind": badge_kind, "LIST_DEFINITIONS": LIST_DEFINITIONS, "_": untranslated}
