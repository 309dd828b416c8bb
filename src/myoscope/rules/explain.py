"""Render a definition result as text. The explanation is the trace, nothing else (DESIGN §7)."""

from __future__ import annotations

from typing import Any

from ..measures import Catalog
from .evaluate import DefinitionResult

_MARK = {True: "yes", False: "no", None: "unknown"}


def fmt_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def describe_entry(e: dict[str, Any]) -> str:
    """One trace entry as a sentence: 'Low grip strength: 14 kg < 16 (sex == female) -> yes'."""
    result = _MARK[e.get("result")]
    if e["type"] in ("compare", "score"):
        unit = f" {e['unit']}" if e.get("unit") and e["unit"] != "points" else ""
        if e.get("value") is None and e.get("range"):
            lo, hi = e["range"]
            value = f"{e['measure']} between {lo:g} and {hi:g} (items missing)"
        elif e.get("value") is None:
            value = f"{e['measure']} not measured"
        else:
            value = f"{e['measure']} {fmt_value(e['value'])}{unit}"
        cut = e.get("cutoff")
        cut_s = (
            " or ".join(fmt_value(c) for c in cut)
            if isinstance(cut, list)
            else (fmt_value(cut) if cut is not None else "(none)")
        )
        applies = f" ({e['cutoff_applies_to']})" if e.get("cutoff_applies_to") not in (None, "all") else ""
        text = f"{e['label']}: {value}; met if {e['comparator']} {cut_s}{unit}{applies} -> {result}"
        text += f"  [{e['citation']}]"
        for note in e.get("notes", []):
            text += f"\n      note: {note}"
        return text
    if e["type"] == "population":
        seen = ", ".join(f"{m} {fmt_value(v)}" for m, v in e["values"].items())
        return f"{e['label']}: outside it ({seen}: {' and '.join(e['conditions'])})  [{e['citation']}]"
    parts = ", ".join(e.get("parts", []))
    kind = f"at least {e['n']} of" if e["type"] == "at_least" else e["type"]
    return f"{e['label']}: {kind} ({parts}) -> {result}"


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
        lines.append(f"{indent}  - {describe_entry(e)}")
    if result.decisive_measures:
        lines.append(f"{indent}Measure next:")
        for m in result.decisive_measures:
            lines.append(f"{indent}  - {m}: {catalog.next_step(m.split('.')[0])}")
    for c in result.caveats:
        lines.append(f"{indent}Caveat: {c}")
    lines.append(f"{indent}Source: {result.citation}")
    return lines
