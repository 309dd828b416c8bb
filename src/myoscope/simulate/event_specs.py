"""Timeline entries written on the command line: ``bed_rest@0-10``, ``resistance_training@10-``."""

from __future__ import annotations

import re
from typing import Any

from ..errors import Problem, ScenarioValidationError
from .parameters import TrajectoryKnowledge, load_trajectory

_EVENT_SPEC = re.compile(r"^\s*([A-Za-z_]+)\s*@\s*(\d+)\s*(?:-\s*(\d*)\s*)?$")


def event_from_spec(spec: str, knowledge: TrajectoryKnowledge | None = None) -> dict[str, Any]:
    """``bed_rest@0-10`` or ``resistance_training@10-`` (open-ended) -> a timeline entry.

    :raises ScenarioValidationError: when the text cannot be read.
    """
    kb = knowledge or load_trajectory()
    m = _EVENT_SPEC.match(spec)
    if not m:
        raise ScenarioValidationError(
            [
                Problem(
                    f"--event {spec!r}",
                    "expected NAME@FROM-TO or NAME@FROM- (e.g. bed_rest@0-10, resistance_training@10-)",
                )
            ]
        )
    name, start, stop = m.group(1), int(m.group(2)), m.group(3)
    key = "intervention" if name in kb.spec.interventions else "state"
    entry: dict[str, Any] = {"from_day": start, key: name}
    if stop:
        entry["to_day"] = int(stop)
    return entry


def events_from_specs(
    specs: list[str], knowledge: TrajectoryKnowledge | None = None
) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Several ``--event`` texts -> (timeline entries, problems with the unreadable ones), so that
    the caller reports them together with the scenario's other problems."""
    out: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for spec in specs:
        try:
            out.append(event_from_spec(spec, knowledge))
        except ScenarioValidationError as exc:
            problems += exc.problems
    return out, problems


__all__ = ["event_from_spec", "events_from_specs"]
