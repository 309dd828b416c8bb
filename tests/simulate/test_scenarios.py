"""Scenarios are data: every bad field named at once, and nothing simulated from a bad one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from myoscope.errors import ScenarioValidationError, SimulationError
from myoscope.simulate import simulate
from myoscope.simulate.event_specs import event_from_spec
from myoscope.simulate.scenarios import load_scenario, parse_scenario


def problems(data: Any) -> list[str]:
    with pytest.raises(ScenarioValidationError) as exc:
        parse_scenario(data)
    return [str(p) for p in exc.value.problems]


def test_every_bad_field_is_named_at_once() -> None:
    found = problems({
        "name": "bad", "years": -1, "colour": "blue", "parameters": {"ageing": "extreme", "nope": "high"},
        "timeline": [
            {"from_day": 0, "to_day": 10, "state": "bed_rst"},
            {"from_day": -2, "to_day": 5, "intervention": "resistance_training"},
            {"from_day": 3, "state": "icu"},
            {"from_day": 1, "to_day": 2, "state": "bed_rest", "intervention": "protein"},
            {"from_day": 4, "to_day": 2, "intervention": "protein", "dose": 30},
        ],
        "history_points": [{"day": 5, "grip_strength": 300}],
    })
    expected = [
        "colour: unknown key(s)",
        "years: expected a number of years in (0, 100], got -1",
        "timeline[0].state: unknown state 'bed_rst'",
        "timeline[1].from_day: expected a whole number of days >= 0, got -2",
        "timeline[2].to_day: required for icu (a disuse episode has an end)",
        "timeline[3]: give exactly one of state or intervention",
        "timeline[4]: unknown key(s) dose",
        "timeline[4].to_day: expected a whole number of days after from_day, got 2",
        "parameters.ageing: 'extreme' is not one of low, central, high, drawn",
        "parameters.nope: unknown parameter or group",
        "history_points[0].day: expected a number of days <= 0, got 5",
        "history_points[0].grip_strength: 300 kg is implausible",
    ]
    for text in expected:
        assert any(f.startswith(text) for f in found), (text, found)
    assert len(found) == len(expected)


def test_model_limits_are_refused_with_the_entries_named() -> None:
    found = problems([
        {"from_day": 0, "to_day": 10, "state": "bed_rest"},
        {"from_day": 5, "to_day": 15, "state": "cast"},
        {"from_day": 8, "to_day": 20, "intervention": "resistance_training"},
        {"from_day": 30, "to_day": 40, "intervention": "nmes"},
    ])
    assert found == [
        "timeline[1]: immobilisation overlaps timeline[0] (bed_rest); disuse episodes and repeats of one "
        "entry cannot overlap",
        "timeline[2]: resistance_training overlaps timeline[0] (bed_rest); its effect during bed_rest is not "
        "in the evidence",
        "timeline[2]: resistance_training overlaps timeline[1] (immobilisation); its effect during "
        "immobilisation is not in the evidence",
        "timeline[3]: nmes must lie within a icu entry (with an end day)",
    ]


def test_aliases_open_ends_and_a_bare_timeline_list() -> None:
    s = parse_scenario([{"from_day": 0, "to_day": 14, "state": "cast"},
                        {"from_day": 14, "intervention": "resistance_training"}])
    assert [(e.name, e.from_day, e.to_day) for e in s.events] == [
        ("immobilisation", 0, 14), ("resistance_training", 14, None)]


def test_command_line_event_specs() -> None:
    assert event_from_spec("bed_rest@0-10") == {"from_day": 0, "to_day": 10, "state": "bed_rest"}
    assert event_from_spec("resistance_training@10-") == {"from_day": 10, "intervention": "resistance_training"}
    with pytest.raises(ScenarioValidationError, match="expected NAME@FROM-TO"):
        event_from_spec("bed rest for ten days")


def test_events_beyond_the_horizon_and_dates_without_a_start_are_refused(older_woman: dict[str, Any]) -> None:
    with pytest.raises(ScenarioValidationError, match=r"timeline\[0\].from_day: day 400 is not before the end"):
        simulate(older_woman, [{"from_day": 400, "to_day": 410, "state": "bed_rest"}], years=1, draws=10)
    no_date = {k: v for k, v in older_woman.items() if k != "date"}
    with pytest.raises(ScenarioValidationError, match=r"history_points\[0\].date: needs a start date"):
        simulate(no_date, {"history_points": [{"date": "2024-01-01", "grip_strength": 18}]}, years=1, draws=10)


def test_missing_age_is_unknown_not_a_default(older_woman: dict[str, Any]) -> None:
    record = {k: v for k, v in older_woman.items() if k != "age"}
    with pytest.raises(SimulationError, match="the record has no age"):
        simulate(record, None, draws=10)
    with pytest.raises(SimulationError, match="draws must be a whole number from 1 to 1000000, got 0"):
        simulate(older_woman, None, draws=0)


def test_example_scenarios_all_load() -> None:
    paths = sorted((Path(__file__).parents[2] / "examples" / "scenarios").glob("*.yaml"))
    assert len(paths) >= 6
    for p in paths:
        assert load_scenario(p).name
