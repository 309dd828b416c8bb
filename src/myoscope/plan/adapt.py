"""Turn an assessment and a work-up result into the engine's plain inputs.

The work-up is read by duck typing (attributes or dict keys), so a ``Workup`` object and its
``to_dict()`` are both accepted and the plan package does not import the work-up package.
Which work-up candidates the plan treats is knowledge (``workup_policy`` in interventions.yaml).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..rules.evaluate import INDETERMINATE, NOT_APPLICABLE
from .constraints import validate_constraints
from .engine import CauseInput, PlanInputs, RedFlagInput
from .loader import PlanKnowledge

if TYPE_CHECKING:
    from ..assess import Assessment


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _cite_text(c: Any) -> str | None:
    """A work-up citation (object, dict, list of them, or text) as one line of text."""
    if c is None:
        return None
    if isinstance(c, str):
        return c
    if isinstance(c, list | tuple):
        parts = [t for t in (_cite_text(x) for x in c) if t]
        return "; ".join(parts) or None
    ref = _get(c, "ref") or _get(c, "text")
    where = _get(c, "locator") or _get(c, "at")
    if ref is None:
        return str(c)
    return f"{ref}, {where}" if where else str(ref)


def causes_from_workup(workup: Any, pk: PlanKnowledge) -> tuple[list[CauseInput], list[RedFlagInput]]:
    """The candidates the plan treats (policy in interventions.yaml) and every red flag."""
    policy = pk.spec.workup_policy
    causes: list[CauseInput] = []
    for rank, cand in enumerate(_get(workup, "candidates", None) or []):
        conf = _get(cand, "confidence")
        conf_label = conf if isinstance(conf, str) or conf is None else str(_get(conf, "label", conf))
        if rank >= policy.max_causes or (conf_label is not None and conf_label in policy.exclude_confidence):
            continue
        support = _get(cand, "support")
        needs = None if support is None else _get(support, "needs")
        causes.append(CauseInput(
            id=str(_get(cand, "id")), label=_get(cand, "label"), source="work-up",
            confidence=conf_label, reversible=_get(cand, "reversible"),
            citation=_cite_text(_get(cand, "source")),  # the cause's own source, not every link
            support=None if support is None else _get(support, "outcome"),
            support_needs=needs and f"{needs} ({_cite_text(_get(support, 'citation'))})",
            diagnosed=_get(cand, "diagnosed", None)))
    flags = [RedFlagInput(id=str(_get(rf, "id")), text=str(_get(rf, "text")),
                          urgency=str(_get(rf, "urgency", "routine")), action=_get(rf, "action"),
                          citation=_cite_text(_get(rf, "citation")),
                          defers_exercise=bool(_get(rf, "defers_exercise", False)),
                          status=str(_get(rf, "status", "active")))
             for rf in _get(workup, "red_flags", None) or []]
    return causes, flags


def inputs_from_assessment(assessment: Assessment, workup: Any = None,
                           constraints: Mapping[str, Any] | None = None,
                           knowledge: PlanKnowledge | None = None) -> PlanInputs:
    """Plain inputs for the engine from an assessment (and optionally a work-up result).

    :raises RecordValidationError: when the record's or the given ``plan_constraints`` are invalid.
    """
    from .loader import load_plan_knowledge

    pk = knowledge or load_plan_knowledge()
    rec = assessment.record
    values: dict[str, Any] = dict(rec.values)
    for k, v in assessment.derived.items():
        if v is not None and values.get(k) is None:  # the record's SARC-F items stay items
            values[k] = v
    raw: dict[str, Any] = dict(rec.values.get("plan_constraints") or {})
    raw.update(constraints or {})
    parsed = validate_constraints(raw, rec.source, pk) if raw else {}
    decisive: list[str] = []
    for r in assessment.results.values():
        decisive += [m for m in r.decisive_measures if m not in decisive]
    causes, red_flags = (None, []) if workup is None else causes_from_workup(workup, pk)
    unknown, fields = population_unknown(assessment, values)
    return PlanInputs(
        values=values,
        outcomes=assessment.usable_outcomes(),
        decided={k: r.decided for k, r in assessment.results.items() if r.usable},
        decisive_measures=decisive, causes=causes, red_flags=red_flags, constraints=parsed,
        record_id=rec.id, source=rec.source,
        not_applicable=[k for k, r in assessment.results.items() if r.outcome == NOT_APPLICABLE],
        population_unknown=unknown, population_fields=fields)


def population_unknown(assessment: Assessment, values: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """The definitions whose verdict stands while the record neither establishes nor rules out
    their population (``in_population`` unknown), and the fields whose values would establish it
    (those left unknown in each alternative of ``population.established_by`` not already ruled
    out). The caveats say this in prose per definition; the plan needs it as data, to say why it
    is undetermined and what to record first."""
    from ..knowledge import load_knowledge
    from ..rules.nodes import Context

    definitions = load_knowledge().definitions
    ctx = Context(dict(values), objects=dict(assessment.record.values))
    names: list[str] = []
    fields: list[str] = []
    for k, r in assessment.results.items():
        if r.in_population is not None or r.outcome in (INDETERMINATE, NOT_APPLICABLE):
            continue
        names.append(k)
        d = definitions.get(k)
        fields += [m for m in (d.population.unknown_fields(ctx) if d else []) if m not in fields]
    return names, fields
