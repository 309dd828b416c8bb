"""The vectorised model: same as the pure-Python reference, deterministic, and honest bands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from myoscope.simulate import simulate
from myoscope.simulate.model import Engine
from myoscope.simulate.montecarlo import draw_table
from myoscope.simulate.parameters import TrajectoryKnowledge
from myoscope.simulate.plan import build_plan
from myoscope.simulate.reference import run_draw
from myoscope.simulate.scenarios import load_scenario, parse_scenario

SCENARIOS = sorted((Path(__file__).parents[2] / "examples" / "scenarios").glob("*.yaml"))

# Every state and intervention, back to back and overlapping where the model allows it.
EVERYTHING = {"timeline": [
    {"from_day": 5, "to_day": 19, "state": "cast"},
    {"from_day": 30, "to_day": 45, "state": "icu"},
    {"from_day": 32, "to_day": 40, "intervention": "nmes"},
    {"from_day": 60, "to_day": 150, "intervention": "resistance_training"},
    {"from_day": 60, "to_day": 300, "intervention": "protein"},
    {"from_day": 100, "state": "copd"},
    {"from_day": 200, "state": "cancer_cachexia"},
    {"from_day": 400, "to_day": 410, "state": "bed_rest"},
    {"from_day": 410, "to_day": 420, "state": "bed_rest"},
]}


@pytest.mark.parametrize("step", ["day", "month"])
def test_vectorised_engine_equals_the_pure_python_reference_for_every_draw(
        kb: TrajectoryKnowledge, step: str) -> None:
    scenario = parse_scenario(EVERYTHING, knowledge=kb)
    _, steps = build_plan(scenario, kb, 69.5, 800, step)  # crosses the 70-y band boundary
    table = draw_table(kb, "female", 8, seed=3)
    outs = list(Engine(steps, table).run())
    mass = np.array([o.muscle_mass for _, _, o in outs])
    strength = np.array([o.strength for _, _, o in outs])
    for j in range(table.size):
        ref_mass, ref_strength = run_draw(steps, table, j)
        np.testing.assert_allclose(mass[:, j], ref_mass, rtol=1e-12)
        np.testing.assert_allclose(strength[:, j], ref_strength, rtol=1e-12)


def test_daily_and_monthly_steps_agree_at_shared_days(kb: TrajectoryKnowledge) -> None:
    scenario = parse_scenario(EVERYTHING, knowledge=kb)
    results = {}
    for step in ("day", "month"):
        _, steps = build_plan(scenario, kb, 72.0, 800, step)
        outs = {t: o for _, t, o in Engine(steps, draw_table(kb, "male", 4, seed=1)).run()}
        results[step] = outs
    for day in (45.0, 150.0, 420.0, 800.0):  # timeline boundaries and the end are on both grids
        np.testing.assert_allclose(results["day"][day].strength, results["month"][day].strength, rtol=1e-9)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_band_contains_the_central_run_and_the_median(path: Path, older_woman: dict[str, Any]) -> None:
    projection = simulate(older_woman, load_scenario(path), years=2, draws=400, seed=7)
    for s in projection.series.values():
        tol = 1e-9 * np.maximum(1, np.abs(s.central))
        assert np.all(s.p5 <= s.median + tol) and np.all(s.median <= s.p95 + tol), s.quantity
        assert np.all(s.p5 <= s.central + tol) and np.all(s.central <= s.p95 + tol), s.quantity


def test_band_narrows_when_parameters_are_fixed(older_woman: dict[str, Any]) -> None:
    scenario = {"timeline": [{"from_day": 0, "to_day": 10, "state": "bed_rest"}]}

    def width(fixed: Any) -> np.ndarray:
        s = simulate(older_woman, scenario, years=3, draws=500, seed=11, fixed=fixed).series["strength"]
        return s.p95 - s.p5

    free = width(())
    ageing_fixed = width(["ageing_mass_rate", "ageing_strength_rate", "women_mass_multiplier",
                          "women_strength_multiplier"])
    disuse_fixed = width(["bed_rest_initial_rate", "bed_rest_late_rate", "disuse_decay_time",
                          "strength_ratio_early"])
    all_fixed = width("all")
    # years later the spread is the ageing rates'; at the end of the bed rest it is the disuse ones'
    assert ageing_fixed[-1] < 0.1 * free[-1] and ageing_fixed.mean() < free.mean()
    assert disuse_fixed[10] < 0.5 * free[10]
    assert np.all(all_fixed == 0)


def test_same_seed_same_result_and_another_seed_differs(older_woman: dict[str, Any]) -> None:
    scenario = load_scenario(SCENARIOS[0])
    a = simulate(older_woman, scenario, years=1, draws=300, seed=42).to_dict()
    b = simulate(older_woman, scenario, years=1, draws=300, seed=42).to_dict()
    c = simulate(older_woman, scenario, years=1, draws=300, seed=43).to_dict()
    assert a == b
    assert a["series"]["strength"]["p95"] != c["series"]["strength"]["p95"]


def test_training_raises_and_a_leg_cast_leaves_whole_body_quantities_alone(older_woman: dict[str, Any]) -> None:
    rest = {"timeline": [{"from_day": 0, "to_day": 10, "state": "bed_rest"}]}
    rehab = {"timeline": [*rest["timeline"], {"from_day": 10, "to_day": 94, "intervention": "resistance_training"}]}
    plain = simulate(older_woman, rest, years=1, draws=200, seed=1)
    trained = simulate(older_woman, rehab, years=1, draws=200, seed=1)
    i = plain.index_of(94)
    assert trained.series["strength"].median[i] > plain.series["strength"].median[i] + 15
    assert trained.series["grip_strength"].median[i] > plain.series["grip_strength"].median[i]

    cast = simulate(older_woman, {"timeline": [{"from_day": 0, "to_day": 14, "state": "cast"}]},
                    years=1, draws=200, seed=1)
    ageing = simulate(older_woman, None, years=1, draws=200, seed=1)
    i = cast.index_of(14)
    assert cast.series["muscle_mass"].median[i] < 95  # the immobilised leg
    assert cast.series["asm"].median[i] == pytest.approx(ageing.series["asm"].median[i], rel=1e-12)
    assert cast.series["grip_strength"].median[i] == pytest.approx(ageing.series["grip_strength"].median[i])
