"""Human-readable listings of the knowledge base (``myoscope definitions``)."""

from __future__ import annotations

from ..measures import fmt_value
from ..rules.evaluate import Definition
from ..rules.nodes import Compare, Composite, Node, Ref, Score
from .loader import Knowledge


def list_definitions(kb: Knowledge) -> str:
    """One line per definition (id, year, title) and the population it was made for under it:
    a clinician choosing between AWGS 2019 and AWGS 2025 needs the year and the age range first."""
    lines = [f"Knowledge version {kb.version}", ""]
    width = max(len(d) for d in kb.definitions)
    for d in kb.definitions.values():
        extra = f" (variant of {d.variant_of})" if d.variant_of else ""
        lines.append(f"{d.id.ljust(width)}  {d.version:<4}  {d.title}{extra}")
        lines.append(f"{'':{width}}        for: {population_text(d)}")
    return "\n".join(lines)


def population_text(d: Definition) -> str:
    """The population in words, with the records it excludes: "Older adults (not applicable:
    age < 18)"."""
    p = d.population
    excluded = ", ".join(str(c) for c in p.excludes)
    return f"{p.text} (not applicable: {excluded})" if excluded else p.text


def describe_definition(kb: Knowledge, definition_id: str) -> str:
    d = kb.definition(definition_id)
    lines = [f"{d.id}: {d.title}", f"Version {d.version}; population: {population_text(d)}",
             f"Outcomes: {', '.join(d.vocabulary)}", "", "Components:"]
    for name, node in d.components.items():
        lines += _describe(name, node)
    lines += ["", "Rules (first true wins):"]
    for label, cond in d.outcomes:
        lines.append(f"  {label} when {expr_text(cond)}")
    if d.caveats:
        lines += ["", "Caveats:"] + [f"  - {c.text}" for c in d.caveats]
    if d.notes:
        lines += ["", "Notes:"] + [f"  - {n}" for n in d.notes]
    refs = sorted({d.source.ref} | {n.source.ref for n in d.components.values()
                                    if isinstance(n, Compare | Score)})
    lines += ["", "References:"] + [f"  - {kb.references[r].full()}" for r in refs]
    return "\n".join(lines)


def _describe(name: str, node: Node) -> list[str]:
    if isinstance(node, Compare):
        cuts = "; ".join(
            f"{c.describe()}: no published cut-off" if c.value is None else
            f"{c.describe()}: {node.comparator} {fmt_value(c.value)}" + (f" {node.unit}" if node.unit else "")
            for c in node.cutoffs
        )
        alt = (f" (comparator unsettled: {node.comparator} or {node.unconfirmed_comparator})"
               if node.unconfirmed_comparator else "")
        return [f"  {name}: {node.label} — {node.measure} [{cuts}]{alt} ({node.source})"]
    if isinstance(node, Score):
        return [f"  {name}: {node.label} — {node.total_measure} {node.comparator} {node.cutoff:g} "
                f"({node.source})"]
    return [f"  {name}: {node.label} — {expr_text(node)}"]


def expr_text(node: Node) -> str:
    """A rule tree in one line, components by name: ``all(low_grip, low_mass)``."""
    if isinstance(node, Ref):
        return node.target.name or node.label
    if isinstance(node, Composite):
        inner = ", ".join(expr_text(p) for p in node.parts)
        if node.kind == "at_least":
            return f"at least {node.n} of ({inner})"
        return f"{node.kind}({inner})"
    return node.name or node.label
