"""Crossing dates: cut-offs read from the definitions, and a case checkable by hand."""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

import pytest

from myoscope import load_knowledge
from myoscope.simulate import simulate


def grip_cutoff(sex: str) -> float:
    """EWGSOP2's low-grip cut-off for ``sex``, as the knowledge base holds it."""
    node = load_knowledge().definition("ewgsop2").components["low_grip"]
    return next(float(c.value) for c in node.cutoffs  # type: ignore[attr-defined]
                if any(cond.measure == "sex" and cond.value == sex for cond in c.when))


def test_grip_crossing_day_checkable_by_hand() -> None:
    """A 72-year-old man with grip 28 kg, ageing only, every parameter at its central value.

    At 70-79 y the central strength rate is 3.0%/yr (Goodpaster 2006), so grip(t) = 28 e^(-0.03 t/365.25).
    EWGSOP2's cut-off is grip < 27 kg, compared at 0.1 kg precision: grip rounds below 27.0 once it is
    below 26.95 kg, i.e. from t = 365.25 ln(28/26.95) / 0.03 = 465.3 days, so day 466.
    """
    cutoff = grip_cutoff("male")
    assert cutoff == 27
    by_formula = math.ceil(365.25 * math.log(28 / (cutoff - 0.05)) / 0.03)
    by_rounding = next(d for d in range(1000) if round(28 * math.exp(-0.03 * d / 365.25), 1) < cutoff)
    assert by_formula == by_rounding == 466

    p = simulate({"sex": "male", "age": 72, "grip_strength": 28}, None, years=2, draws=50, seed=5, fixed="all")
    (grip,) = [c for c in p.crossings if c.spec.component == "low_grip"]
    assert (grip.spec.comparator, grip.spec.cutoff) == ("<", cutoff)
    assert grip.status == "crosses" and grip.probability == 1.0
    assert grip.central_day == grip.median_day == grip.p5_day == grip.p95_day == 466
    assert "Cruz-Jentoft" in grip.spec.citation and "Table 3" in grip.spec.citation


def test_cutoffs_follow_the_person_and_dates_follow_the_record(older_woman: dict[str, Any]) -> None:
    p = simulate(older_woman, [{"from_day": 0, "to_day": 10, "state": "bed_rest"}], years=1, draws=200, seed=2)
    by = {c.spec.component: c for c in p.crossings}
    assert by["low_grip"].spec.cutoff == grip_cutoff("female") == 16
    assert by["low_asm"].status == "met_at_start"  # 14.15 kg < 15 kg at the start
    assert by["low_asmi"].spec.cutoff == 5.5 and by["low_asmi"].status == "crosses"
    c = by["low_grip"].to_dict()
    assert c["median_date"] == (date(2025, 1, 10) + timedelta(days=c["median_day"])).isoformat()
    assert by["slow_gait"].status == "unknown" and "gait speed" in (by["slow_gait"].spec.reason or "")


def test_a_quantity_not_measured_is_not_projected_and_its_crossing_is_unknown() -> None:
    p = simulate({"sex": "female", "age": 80, "grip_strength": 15}, None, years=1, draws=20)
    assert "asm" not in p.series and "asmi" not in p.series
    assert "not measured (asm missing)" in p.not_projected["asm"]
    assert "not measured (asm, height missing)" in p.not_projected["asmi"]
    by = {c.spec.component: c for c in p.crossings}
    assert by["low_asm"].status == "unknown" and by["low_grip"].status == "met_at_start"


def test_other_definitions_bring_their_own_cutoffs() -> None:
    record = {"sex": "male", "age": 75, "grip_strength": 36, "asian": False}
    p = simulate(record, None, years=1, draws=20, definitions=["ewgsop2", "sdoc2020"])
    cut = {(c.spec.definition, c.spec.component): c.spec.cutoff for c in p.crossings if c.spec.measure == "grip_strength"}
    sdoc = load_knowledge().definition("sdoc2020")
    sdoc_grip = [n for n in sdoc.components.values() if getattr(n, "measure", None) == "grip_strength"]
    assert sdoc_grip, "sdoc2020 has a grip cut-off"
    assert {k: v for k, v in cut.items() if k[0] == "sdoc2020"}
    assert cut[("ewgsop2", "low_grip")] == 27


@pytest.mark.parametrize("step", ["day", "month"])
def test_crossing_days_are_simulated_days(older_woman: dict[str, Any], step: str) -> None:
    p = simulate(older_woman, None, years=5, draws=100, seed=3, step=step)
    days = set(float(d) for d in p.days)
    for c in p.crossings:
        for d in (c.median_day, c.p5_day, c.p95_day, c.central_day):
            assert d is None or d in days
