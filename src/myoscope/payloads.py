"""The JSON documents of the record commands: one function per command, for every face.

``myoscope assess|workup|plan|simulate --format json`` print these documents, and the HTTP API's
``POST /api/v1/assess|workup|plan|simulate`` return them, so the two cannot drift apart (a test
holds them equal on the example records). :func:`dumps` is the one JSON text encoding of both.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from .pathway import plan_of, run_pathway, workup_of
from .record import Record


def dumps(payload: Any, indent: int | None = 2) -> str:
    """JSON text as the CLI prints it (dates and other values as text, non-ASCII kept)."""
    return json.dumps(payload, indent=indent, ensure_ascii=False, default=str)


def assess_json(record: Record | Mapping[str, Any], definitions: list[str] | None = None) -> dict[str, Any]:
    """The assessment contract (DESIGN §6): every definition's verdict, the work-up and the plan."""
    return run_pathway(record, definitions).to_dict()


def workup_json(record: Record | Mapping[str, Any]) -> dict[str, Any]:
    """The cause work-up, with the record's id and source."""
    w = workup_of(record)
    return dict(w.to_dict(), source=w.source, id=w.record_id)


def plan_json(record: Record | Mapping[str, Any]) -> dict[str, Any]:
    """The treatment plan."""
    return plan_of(record).to_dict()


def projection_of(
    record: Record,
    *,
    scenario: Any = None,
    scenario_name: str = "command-line timeline",
    scenario_source: str = "command line",
    events: Sequence[str] = (),
    ageing: str | None = None,
    years: float | None = None,
    draws: int = 1000,
    seed: int = 0,
    step: str = "day",
    definitions: list[str] | None = None,
    fixed: Collection[str] | str = (),
) -> Any:
    """A projection of ``record``: the scenario's data (a mapping, or a bare timeline list), with
    ``events`` (``NAME@FROM-TO``) added to its timeline, ``ageing`` fixing its ageing rates and
    ``fixed`` (``"all"``, or parameter ids or groups, a list or comma-separated) held central.

    :raises ScenarioValidationError: naming every bad field of the scenario, events and ``fixed``.
    :raises SimulationError: when the projection cannot be made as asked."""
    from .simulate import simulate
    from .simulate.event_specs import events_from_specs
    from .simulate.parameters import fixed_parameters, load_trajectory
    from .simulate.scenarios import parse_scenario

    data: Any = {"timeline": scenario} if isinstance(scenario, list) else scenario
    entries, problems = events_from_specs(list(events))
    problems += fixed_parameters(load_trajectory(), fixed)[1]
    # the options are merged only into a mapping whose parts can take them; anything else (a file
    # holding just "hello" or 5, a timeline that is not a list) goes to parse_scenario as it is,
    # which names it with the options' own problems
    if isinstance(data, Mapping | None):
        data = dict(data or {})
        if entries and isinstance(data.get("timeline"), list | None):
            data["timeline"] = [*(data.get("timeline") or []), *entries]
        if ageing is not None and isinstance(data.get("parameters"), Mapping | None):
            data["parameters"] = {**(data.get("parameters") or {}), "ageing": ageing}
    scen = parse_scenario(data, source=scenario_source, name=scenario_name, problems=problems)
    return simulate(record, scen, years=years, draws=draws, seed=seed, step=step, definitions=definitions,
                    fixed=fixed)


def simulate_json(projection: Any, *, evidence: bool = True, seed: int = 0) -> dict[str, Any]:
    """A projection's document, with what the evidence shows about the source article's claims."""
    from .simulate.evidence import evaluate_claims

    payload: dict[str, Any] = projection.to_dict()
    if evidence:
        claims = evaluate_claims(seed=seed)
        payload["evidence"] = {"claims": [c.to_dict() for c in claims[0]],
                               "calibration": [c.to_dict() for c in claims[1]]}
    return payload


__all__ = ["assess_json", "dumps", "plan_json", "projection_of", "simulate_json", "workup_json"]
