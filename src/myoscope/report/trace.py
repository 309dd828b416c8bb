"""A definition's verdict and its explanation as text. The explanation is the trace, nothing else
(DESIGN §7); this module only puts it in words: the measure's name and unit, the cut-off with the
group it applies to ("under 16 kg for women"), never the engine's syntax or ``None``.
"""

from __future__ import annotations

from typing import Any

from ..measures import Catalog, fmt_value, load_catalog
from ..rules.evaluate import DefinitionResult

_MARK = {True: "yes", False: "no", None: "unknown"}
#: comparators in words ("met if under 16 kg")
COMPARATOR_WORDS = {"<": "under", "<=": "at or under", ">": "over", ">=": "at or over", "==": "", "!=": "not"}
_NO_UNIT = ("points", "ratio", "", None)


def fmt_measure(measure: str, value: Any, catalog: Catalog | None = None) -> str:
    """A value with its unit at the catalog's reporting precision: ``5.67 kg/m2``, ``78 years``."""
    cat = catalog or load_catalog()
    base = measure.split(".")[0]
    if isinstance(value, float):
        p = cat.precision_of(base)
        value = round(value, p) if p is not None else value
    unit = cat.unit_of(base)
    shown = fmt_value(value)
    if isinstance(value, bool | str) or unit in _NO_UNIT:
        return shown
    return f"{shown} {unit}"


def entered_words(entered: Any) -> str:
    """`` (entered 80 lb)`` for a value entered in another unit (a trace entry's ``entered``)."""
    if not isinstance(entered, dict) or entered.get("value") is None:
        return ""
    return f" (entered {fmt_value(float(entered['value']))} {entered.get('unit', '')})".replace(" )", ")")


def _cutoff_words(e: dict[str, Any]) -> str:
    cut = e.get("cutoff")
    unit = e.get("unit") if e.get("unit") not in _NO_UNIT else ""
    comp = COMPARATOR_WORDS.get(e["comparator"], e["comparator"])
    if cut is None or (isinstance(cut, list) and all(c is None for c in cut)):
        return "no published cut-off for this group"
    cuts = cut if isinstance(cut, list) else [cut]
    shown = " or ".join(fmt_value(c) for c in cuts if c is not None)
    text = f"{comp} {shown}".strip() + (f" {unit}" if unit and not isinstance(cuts[0], bool | str) else "")
    applies = e.get("cutoff_applies_to")
    if applies and applies != "all":
        text += f" for {applies}"
    return text


def describe_entry(e: dict[str, Any], catalog: Catalog | None = None) -> str:
    """One trace entry as a sentence: 'Low grip strength: 14 kg; met if under 16 kg for women → yes'."""
    result = _MARK[e.get("result")]
    cat = catalog or load_catalog()
    if e["type"] in ("compare", "score"):
        if e.get("value") is None and e.get("range"):
            lo, hi = e["range"]
            value = f"between {lo:g} and {hi:g} (items missing)"
        elif e.get("value") is None:
            value = "not measured"
        else:
            unit = e.get("unit") if e.get("unit") not in _NO_UNIT else ""
            v = e["value"]
            p = cat.precision_of(str(e["measure"]).split(".")[0])
            if isinstance(v, float) and p is not None:
                v = round(v, p)
            value = fmt_value(v).replace("_", " ") + (
                f" {unit}" if unit and not isinstance(v, bool | str) else ""
            )
            value += entered_words(e.get("entered"))
        text = f"{e['label']}: {value}; met if {_cutoff_words(e)} → {result}"
        text += f"  [{e['citation']}]"
        for note in e.get("notes", []):
            text += f"\n      note: {note}"
        return text
    if e["type"] == "population":
        seen = ", ".join(
            f"{cat.label_of(m).lower()} {fmt_measure(m, v, cat)}" for m, v in e["values"].items()
        )
        return f"{e['label']}: outside it ({seen})  [{e['citation']}]"
    parts = ", ".join(str(p).replace("_", " ") for p in e.get("parts", []))
    kind = {
        "at_least": f"at least {e.get('n')} of",
        "all": "all of",
        "any": "any of",
        "alternatives": "any measured of",
        "not": "not",
    }.get(e["type"], e["type"])
    return f"{e['label']}: {kind} ({parts}) → {result}"


def render(result: DefinitionResult, catalog: Catalog, indent: str = "  ") -> list[str]:
    """A readable block for one definition: verdict, why, what to measure next, citations."""
    lines = [result.title]
    state = "decided" if result.decided else "not decided"
    lines.append(f"{indent}Outcome: {result.outcome.replace('_', ' ')} ({state})")
    if result.possible_outcomes:
        could = ", ".join(o.replace("_", " ") for o in result.possible_outcomes)
        lines.append(f"{indent}Could still be: {could}")
    lines.append(f"{indent}Why:")
    for e in result.trace:
        lines.append(f"{indent}  - {describe_entry(e, catalog)}")
    if result.decisive_measures:
        lines.append(f"{indent}Measure next:")
        for m in result.decisive_measures:
            lines.append(
                f"{indent}  - {catalog.label_of(m.split('.')[0])}: {catalog.next_step(m.split('.')[0])}"
            )
    for c in result.caveats:
        lines.append(f"{indent}Caveat: {c}")
    lines.append(f"{indent}Source: {result.citation}")
    return lines
