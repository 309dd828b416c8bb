"""Ordered outcomes: outcome, decided, possible_outcomes and decisive_measures (DESIGN §7)."""

from __future__ import annotations

from typing import Any

from myoscope import assess


def ew2(**fields: Any) -> Any:
    return assess({"sex": "female", **fields}, ["ewgsop2"]).results["ewgsop2"]


def test_nothing_measured_is_indeterminate_with_every_decisive_measure() -> None:
    r = ew2()
    assert r.outcome == "indeterminate" and r.decided is False
    assert r.possible_outcomes == ["severe_sarcopenia", "sarcopenia", "probable_sarcopenia", "no_sarcopenia"]
    assert r.decisive_measures[:2] == ["grip_strength", "chair_stand_time"]
    assert "asm" in r.decisive_measures


def test_provisional_outcome_is_not_decided() -> None:
    r = ew2(grip_strength=12)
    assert r.outcome == "probable_sarcopenia" and r.decided is False
    assert r.possible_outcomes == ["severe_sarcopenia", "sarcopenia", "probable_sarcopenia"]
    assert r.decisive_measures[0] == "asm"


def test_normal_mass_keeps_probable_and_decides_it() -> None:
    r = ew2(grip_strength=12, asm=16, asm_method="dxa", height=160)
    assert r.outcome == "probable_sarcopenia" and r.decided is True
    assert r.possible_outcomes == [] and r.decisive_measures == []


def test_low_mass_without_performance_is_sarcopenia_not_decided() -> None:
    r = ew2(grip_strength=12, asm=13, asm_method="dxa", height=160)
    assert r.outcome == "sarcopenia" and r.decided is False
    assert r.possible_outcomes == ["severe_sarcopenia", "sarcopenia"]
    assert r.decisive_measures == ["gait_speed", "sppb", "tug_time", "walk_400m_completed", "walk_400m_time"]


def test_normal_strength_decides_no_sarcopenia_even_with_low_mass() -> None:
    r = ew2(grip_strength=20, asm=10, asm_method="dxa", height=160, gait_speed=0.5)
    assert r.outcome == "no_sarcopenia" and r.decided is True


def test_components_and_json_shape() -> None:
    r = ew2(grip_strength=12)
    d = r.to_dict()
    assert set(d) == {"outcome", "decided", "possible_outcomes", "decisive_measures", "components",
                      "trace", "citation", "caveats", "in_population"}
    assert d["components"]["low_grip"] is True and d["components"]["low_mass"] is None


def test_caveat_only_when_it_applies() -> None:
    def awgs(**f: Any) -> Any:
        return assess({"sex": "male", "age": 70, **f}, ["awgs2019"]).results["awgs2019"]
    weak = {"grip_strength": 20}  # possible sarcopenia under AWGS 2019
    assert awgs(asian=False, **weak).caveats and not awgs(asian=True, **weak).caveats
    unknown = awgs(**weak)  # ancestry unknown: the population is not established, and says so
    assert unknown.in_population is None and unknown.caveats and not unknown.usable
    assert not awgs(asian=False).caveats  # nothing measured: no verdict to qualify
