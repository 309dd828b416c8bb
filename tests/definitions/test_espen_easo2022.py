"""ESPEN/EASO 2022 sarcopenic obesity: screening, functional step, body-composition step, stage.

The consensus names no single cut-off for any step (it lists candidates by population), so each
step is the clinician's recorded result; unrecorded steps are undecided, with a clear reason."""

from __future__ import annotations

from typing import Any

import pytest

from myoscope import assess
from myoscope.rules.evaluate import DefinitionResult

ALL_POSITIVE: dict[str, Any] = {"high_bmi_or_waist": True, "sarcopenia_suspected": True,
                                "so_low_muscle_function": True, "so_high_fat_mass": True,
                                "so_low_muscle_mass": True}


def so(**fields: Any) -> DefinitionResult:
    return assess({"sex": "female", "age": 72, **fields}, ["espen_easo2022"]).results["espen_easo2022"]


@pytest.mark.parametrize(("complications", "outcome"), [
    (True, "sarcopenic_obesity_stage_2"), (False, "sarcopenic_obesity_stage_1"),
])
def test_stage_by_complications(complications: bool, outcome: str) -> None:
    r = so(**ALL_POSITIVE, so_complications=complications)
    assert (r.outcome, r.decided) == (outcome, True)


@pytest.mark.parametrize("negative", ["high_bmi_or_waist", "so_low_muscle_function", "so_high_fat_mass",
                                      "so_low_muscle_mass"])
def test_any_step_negative_rules_it_out(negative: str) -> None:
    r = so(**{**ALL_POSITIVE, negative: False})
    assert (r.outcome, r.decided) == ("no_sarcopenic_obesity", True)


def test_sarc_f_positive_is_a_surrogate_of_sarcopenia() -> None:
    sarc_f = {"strength": 1, "assistance_walking": 1, "rise_from_chair": 1, "climb_stairs": 1, "falls": 0}
    fields = {**ALL_POSITIVE, "sarc_f": sarc_f, "so_complications": False}
    del fields["sarcopenia_suspected"]
    r = so(**fields)
    assert (r.outcome, r.decided) == ("sarcopenic_obesity_stage_1", True)
    sarc_f["strength"] = 0  # 3 points: negative, and suspicion unrecorded -> surrogate unknown
    r = so(**fields)
    assert r.outcome == "indeterminate" and r.decisive_measures == ["sarcopenia_suspected"]


def test_unrecorded_body_composition_is_undecided_with_the_reason() -> None:
    fields = {k: v for k, v in ALL_POSITIVE.items() if k not in ("so_high_fat_mass", "so_low_muscle_mass")}
    r = so(**fields, fat_mass_percent=42)  # a measured value is not judged without a named cut-off
    assert r.outcome == "indeterminate"
    assert r.decisive_measures == ["so_high_fat_mass", "so_low_muscle_mass", "so_complications"]
    entry = next(e for e in r.trace if e["node"] == "high_fat_mass")
    assert "names no single fat mass cut-off" in entry["notes"][0]
