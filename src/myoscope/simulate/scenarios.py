"""Scenarios are data: a timeline of states and interventions, read from YAML, JSON or the CLI.

A scenario file is a mapping (or just the timeline list)::

    name: Hospital bed rest, then rehabilitation
    years: 2
    parameters: {ageing: central}          # fix a parameter or group at low/central/high
    timeline:
      - {from_day: 0, to_day: 10, state: bed_rest}
      - {from_day: 10, to_day: 94, intervention: resistance_training}
    history_points:
      - {day: -365, grip_strength: 19.5}

Validation collects every problem before raising (named fields, what was expected), so a user
fixes a file once; nothing is simulated from a half-valid scenario.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import Problem, ScenarioValidationError
from ..inputs import read_document, unusable_values
from ..measures import load_catalog
from ..record import as_date, parse_quantity
from .parameters import MODES, TrajectoryKnowledge, load_trajectory

_TOP_KEYS = {"name", "description", "years", "start_date", "parameters", "timeline", "history_points"}
_EVENT_KEYS = {"from_day", "to_day", "state", "intervention", "note"}
_MAX_YEARS = 100


@dataclass(frozen=True)
class Event:
    """One timeline entry: a state or an intervention over ``[from_day, to_day)``."""

    kind: str  # "state" or "intervention"
    name: str  # canonical id
    from_day: int
    to_day: int | None  # None: until the end of the projection
    note: str | None = None

    def end(self, horizon: float) -> float:
        return horizon if self.to_day is None else min(float(self.to_day), horizon)

    def describe(self) -> str:
        span = (
            f"day {self.from_day}–{self.to_day}" if self.to_day is not None else f"from day {self.from_day}"
        )
        return f"{span}: {self.name.replace('_', ' ')}"


@dataclass(frozen=True)
class HistoryPoint:
    """A past measurement drawn beside the projection (``day`` relative to the start, or a date)."""

    values: dict[str, float]
    day: float | None = None
    on: date | None = None


@dataclass(frozen=True)
class Scenario:
    name: str
    events: tuple[Event, ...] = ()
    parameters: dict[str, str] = field(default_factory=dict)  # parameter id -> mode
    years: float | None = None
    start_date: date | None = None
    description: str | None = None
    history: tuple[HistoryPoint, ...] = ()
    source: str | None = None

    def states(self) -> list[Event]:
        return [e for e in self.events if e.kind == "state"]

    def interventions(self) -> list[Event]:
        return [e for e in self.events if e.kind == "intervention"]

    def check_horizon(self, horizon_days: int) -> None:
        """Events that start at or after the horizon would silently not happen: refuse them."""
        problems = [
            Problem(
                f"timeline[{i}].from_day",
                f"day {e.from_day} is not before the end of the projection (day {horizon_days})",
            )
            for i, e in enumerate(self.events)
            if e.from_day >= horizon_days
        ]
        if problems:
            raise ScenarioValidationError(problems, self.source)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _events(raw: Any, kb: TrajectoryKnowledge, problems: list[Problem]) -> list[tuple[int, Event]]:
    if not isinstance(raw, list):
        problems.append(Problem("timeline", "expected a list of {from_day, to_day, state | intervention}"))
        return []
    known_states = ", ".join(kb.spec.states)
    known_iv = ", ".join(kb.spec.interventions)
    out: list[tuple[int, Event]] = []
    for i, entry in enumerate(raw):
        path = f"timeline[{i}]"
        if not isinstance(entry, Mapping):
            problems.append(Problem(path, "expected {from_day, to_day, state | intervention}"))
            continue
        bad = sorted(set(map(str, entry)) - _EVENT_KEYS)
        if bad:
            problems.append(
                Problem(path, f"unknown key(s) {', '.join(bad)} (expected {', '.join(sorted(_EVENT_KEYS))})")
            )
        has_state, has_iv = entry.get("state") is not None, entry.get("intervention") is not None
        if has_state == has_iv:
            problems.append(Problem(path, "give exactly one of state or intervention"))
            continue
        kind = "state" if has_state else "intervention"
        name = str(entry[kind])
        if kind == "state":
            canonical = kb.state_id(name)
            if canonical is None:
                problems.append(
                    Problem(
                        f"{path}.state",
                        f"unknown state {name!r} (known: {known_states}; interventions: {known_iv})",
                    )
                )
        else:
            canonical = name if name in kb.spec.interventions else None
            if canonical is None:
                problems.append(
                    Problem(f"{path}.intervention", f"unknown intervention {name!r} (known: {known_iv})")
                )
        start: Any = entry.get("from_day")
        stop: Any = entry.get("to_day")
        ok = True
        if not _is_int(start) or start < 0:
            problems.append(
                Problem(f"{path}.from_day", f"expected a whole number of days >= 0, got {start!r}")
            )
            ok = False
        if stop is not None and (not _is_int(stop) or (_is_int(start) and stop <= start)):
            problems.append(
                Problem(f"{path}.to_day", f"expected a whole number of days after from_day, got {stop!r}")
            )
            ok = False
        if (
            canonical is not None
            and kind == "state"
            and stop is None
            and kb.spec.states[canonical].kind == "disuse"
        ):
            problems.append(
                Problem(f"{path}.to_day", f"required for {canonical} (a disuse episode has an end)")
            )
            ok = False
        note = entry.get("note")
        if ok and canonical is not None:
            out.append(
                (
                    i,
                    Event(
                        kind,
                        canonical,
                        int(start),
                        None if stop is None else int(stop),
                        None if note is None else str(note),
                    ),
                )
            )
    return out


def overlap(a: Event, b: Event) -> bool:
    a_end = float("inf") if a.to_day is None else a.to_day
    b_end = float("inf") if b.to_day is None else b.to_day
    return a.from_day < b_end and b.from_day < a_end


def _consistency(events: list[tuple[int, Event]], kb: TrajectoryKnowledge, problems: list[Problem]) -> None:
    """Overlaps that the model cannot represent, and interventions outside their setting."""
    disuse = [(i, e) for i, e in events if e.kind == "state" and kb.spec.states[e.name].kind == "disuse"]
    for n, (i, a) in enumerate(events):
        for j, b in events[n + 1 :]:
            if overlap(a, b) and (
                a.name == b.name
                or (
                    a.kind == b.kind == "state"
                    and kb.spec.states[a.name].kind == "disuse"
                    and kb.spec.states[b.name].kind == "disuse"
                )
            ):
                problems.append(
                    Problem(
                        f"timeline[{j}]",
                        f"{b.name} overlaps timeline[{i}] ({a.name}); "
                        "disuse episodes and repeats of one entry cannot overlap",
                    )
                )
    for i, e in events:
        if e.kind != "intervention":
            continue
        spec = kb.spec.interventions[e.name]
        for j, d in disuse:
            if d.name in spec.not_during and overlap(e, d):
                problems.append(
                    Problem(
                        f"timeline[{i}]",
                        f"{e.name} overlaps timeline[{j}] ({d.name}); its effect "
                        f"during {d.name} is not in the evidence",
                    )
                )
        if spec.only_during:
            inside = any(
                d.name in spec.only_during
                and d.to_day is not None
                and d.from_day <= e.from_day
                and e.to_day is not None
                and e.to_day <= d.to_day
                for _, d in disuse
            )
            if not inside:
                problems.append(
                    Problem(
                        f"timeline[{i}]",
                        f"{e.name} must lie within a {' or '.join(spec.only_during)} entry (with an end day)",
                    )
                )


def _parameters(raw: Any, kb: TrajectoryKnowledge, problems: list[Problem]) -> dict[str, str]:
    if not isinstance(raw, Mapping):
        problems.append(
            Problem("parameters", "expected a mapping of parameter (or group) to low, central, high or drawn")
        )
        return {}
    out: dict[str, str] = {}
    for key, mode in raw.items():
        ids = kb.expand(str(key))
        if not ids:
            problems.append(
                Problem(
                    f"parameters.{key}",
                    f"unknown parameter or group (groups: {', '.join(kb.spec.parameter_groups)})",
                )
            )
        if mode not in MODES:
            problems.append(Problem(f"parameters.{key}", f"{mode!r} is not one of {', '.join(MODES)}"))
        elif ids:
            out.update(dict.fromkeys(ids, str(mode)))
    return out


def _history(raw: Any, kb: TrajectoryKnowledge, problems: list[Problem]) -> list[HistoryPoint]:
    if not isinstance(raw, list):
        problems.append(Problem("history_points", "expected a list of {day | date, measure: value}"))
        return []
    cat = load_catalog()
    allowed = [
        q.measure
        for q in kb.spec.quantities.values()
        if q.measure is not None and q.measure in cat.measures and q.follows != "none"
    ]
    out: list[HistoryPoint] = []
    for i, entry in enumerate(raw):
        path = f"history_points[{i}]"
        if not isinstance(entry, Mapping):
            problems.append(Problem(path, "expected {day | date, measure: value}"))
            continue
        day, on = entry.get("day"), None
        if (day is None) == (entry.get("date") is None):
            problems.append(Problem(path, "give exactly one of day (<= 0, relative to the start) or date"))
        elif day is not None and (isinstance(day, bool) or not isinstance(day, int | float) or day > 0):
            problems.append(Problem(f"{path}.day", f"expected a number of days <= 0, got {day!r}"))
        elif entry.get("date") is not None:
            on = as_date(entry["date"])
            if on is None:
                problems.append(Problem(f"{path}.date", f"expected a date YYYY-MM-DD, got {entry['date']!r}"))
        values: dict[str, float] = {}
        for key, val in entry.items():
            if key in ("day", "date"):
                continue
            if key not in allowed:
                problems.append(
                    Problem(f"{path}.{key}", f"not a projected measurement (expected {', '.join(allowed)})")
                )
                continue
            warnings: list[Problem] = []
            q = parse_quantity(cat.measures[str(key)], val, f"{path}.{key}", problems, warnings)
            if q is not None:
                values[str(key)] = q[0]
        if not set(map(str, entry)) - {"day", "date"}:
            problems.append(Problem(path, f"no measurement (expected one of {', '.join(allowed)})"))
        elif values:
            out.append(HistoryPoint(values=values, day=None if day is None else float(day), on=on))
    return out


def parse_scenario(
    data: Any,
    source: str | None = None,
    name: str | None = None,
    knowledge: TrajectoryKnowledge | None = None,
    problems: list[Problem] | None = None,
) -> Scenario:
    """Validate scenario data (a mapping, or a bare timeline list).

    ``problems`` found earlier (e.g. unreadable ``--event`` texts) are reported with the rest.

    :raises ScenarioValidationError: naming every bad field at once.
    """
    kb = knowledge or load_trajectory()
    if isinstance(data, list):
        data = {"timeline": data}
    if data is None:
        data = {}
    problems = list(problems or [])
    if not isinstance(data, Mapping):
        raise ScenarioValidationError(
            [*problems, Problem("(scenario)", "expected a mapping or a timeline list")], source
        )
    bad = sorted(set(map(str, data)) - _TOP_KEYS)
    if bad:
        problems.append(Problem(", ".join(bad), f"unknown key(s) (expected {', '.join(sorted(_TOP_KEYS))})"))
    years = data.get("years")
    if years is not None and (
        isinstance(years, bool) or not isinstance(years, int | float) or not 0 < years <= _MAX_YEARS
    ):
        problems.append(Problem("years", f"expected a number of years in (0, {_MAX_YEARS}], got {years!r}"))
        years = None
    start = None
    if data.get("start_date") is not None:
        start = as_date(data["start_date"])
        if start is None:
            problems.append(Problem("start_date", f"expected a date YYYY-MM-DD, got {data['start_date']!r}"))
    events = _events(data.get("timeline", []), kb, problems)
    _consistency(events, kb, problems)
    params = _parameters(data.get("parameters", {}), kb, problems)
    history = _history(data.get("history_points", []), kb, problems)
    if problems:
        raise ScenarioValidationError(problems, source)
    label = str(data.get("name") or name or ("ageing only" if not events else "scenario"))
    return Scenario(
        name=label,
        events=tuple(sorted((e for _, e in events), key=lambda e: (e.from_day, e.kind != "state"))),
        parameters=params,
        years=None if years is None else float(years),
        start_date=start,
        description=None if data.get("description") is None else str(data["description"]),
        history=tuple(history),
        source=source,
    )


def read_scenario_data(path: str | Path) -> Any:
    """The content of a scenario file (YAML or JSON), read by the one input reader.

    :raises InputFileError: unreadable or malformed file. :raises ScenarioValidationError: values
    no validator can use (NaN, infinities, huge integers), each named by its path.
    """
    data = read_document(path)
    unusable = unusable_values(data)
    if unusable:
        raise ScenarioValidationError(unusable, str(path))
    return data


def load_scenario(path: str | Path, knowledge: TrajectoryKnowledge | None = None) -> Scenario:
    """Read and validate a scenario file (YAML or JSON)."""
    p = Path(path)
    return parse_scenario(
        read_scenario_data(p), source=str(p), name=p.stem.replace("_", " "), knowledge=knowledge
    )


__all__ = [
    "Event",
    "HistoryPoint",
    "Scenario",
    "load_scenario",
    "parse_scenario",
    "read_scenario_data",
]
