"""Markdown tables that compare the definitions (``myoscope definitions --markdown``).

Generated from the knowledge files rather than written by hand, so that ``docs/definitions.md``
cannot drift from the cut-offs the engine applies: the docs test compares the page with this
output, and a changed cut-off or a new definition shows up as a stale page.
"""

from __future__ import annotations

from ..measures import fmt_value
from ..rules.nodes import Compare, Node, Ref, Score
from .describe import expr_text, population_text
from .loader import Knowledge


def sarcopenia_ids(kb: Knowledge) -> list[str]:
    """The sarcopenia definitions proper: diagnoses whose vocabulary has ``no_sarcopenia``
    (screening instruments and the other conditions are compared elsewhere)."""
    return [d.id for d in kb.definitions.values()
            if d.kind == "diagnosis" and "no_sarcopenia" in d.vocabulary]


def vocabulary_markdown(kb: Knowledge) -> str:
    """Every definition's outcome vocabulary, in the shape of DESIGN §6 (stable ids and labels)."""
    lines = ["| id | year | outcomes (most severe first; then `indeterminate`, and `not_applicable` "
             "outside the population) |",
             "|---|---|---|"]
    for d in kb.definitions.values():
        lines.append(f"| `{d.id}` | {d.version} | {', '.join(f'`{o}`' for o in d.vocabulary)} |")
    return "\n".join(lines) + "\n"


def comparison_markdown(kb: Knowledge, ids: list[str]) -> str:
    """One row per definition: population, every cut-off with its published comparator, and the
    rules that turn them into outcomes (first true wins)."""
    lines = ["| id | year | population | cut-offs (as published) | rules (first true wins) |",
             "|---|---|---|---|---|"]
    for def_id in ids:
        d = kb.definition(def_id)
        used: set[str] = set()
        for _, cond in d.outcomes:
            _reach(cond, used)
        cuts = "<br>".join(_cutoffs(name, node) + ("" if name in used else " (reported, not in the verdict)")
                           for name, node in d.components.items() if isinstance(node, Compare | Score))
        rules = "<br>".join(f"`{label}`: {expr_text(cond)}" for label, cond in d.outcomes)
        lines.append(f"| `{d.id}` | {d.version} | {population_text(d)} | {cuts} | {rules} |")
    return "\n".join(lines) + "\n"


def _reach(node: Node, seen: set[str]) -> None:
    """Names of the components a rule reads, through references."""
    if isinstance(node, Ref):
        node = node.target
    if node.name:
        seen.add(node.name)
    for child in node.children():
        _reach(child, seen)


def _cutoffs(name: str, node: Compare | Score) -> str:
    if isinstance(node, Score):
        return f"{name}: {node.total_measure} {node.comparator} {node.cutoff:g}"
    unit = f" {node.unit}" if node.unit and node.unit not in ("ratio", "points") else ""
    parts = []
    for c in node.cutoffs:
        value = "no published cut-off" if c.value is None else f"{node.comparator} {fmt_value(c.value)}{unit}"
        parts.append(value if not c.when else f"{value} ({c.describe()})")
    alt = (f" (`{node.unconfirmed_comparator}` in some sources: unsettled)"
           if node.unconfirmed_comparator else "")
    return f"{name}: {node.measure} " + "; ".join(parts) + alt


def definitions_markdown(kb: Knowledge) -> str:
    """The generated part of docs/definitions.md: vocabularies, then the sarcopenia comparison."""
    return ("### Outcome vocabularies\n\n" + vocabulary_markdown(kb)
            + "\n### Sarcopenia definitions side by side\n\n"
            + comparison_markdown(kb, sarcopenia_ids(kb)))
