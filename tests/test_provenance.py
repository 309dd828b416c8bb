"""A hand correction of an imported value replaces its provenance entry (who, when); a retracted
value loses it; a typed value (no entry) gets none."""

from __future__ import annotations

from myoscope.provenance import BY_HAND, corrected, describe

BLOCK = {"l3_muscle_area": {"tool": "comp2comp", "file": "m.csv", "row": 3, "level": "L3"},
         "l3_muscle_attenuation": {"tool": "comp2comp", "file": "m.csv", "row": 3}}


def test_corrected_replaces_only_the_corrected_entry() -> None:
    out = corrected(BLOCK, "l3_muscle_area", 150.0, by="alice", at="2026-12-05T14:50:12+00:00")
    assert out is not None
    assert out["l3_muscle_area"] == {"tool": BY_HAND, "by": "alice", "at": "2026-12-05T14:50:12+00:00"}
    assert out["l3_muscle_attenuation"] == BLOCK["l3_muscle_attenuation"]
    assert BLOCK["l3_muscle_area"]["tool"] == "comp2comp"  # the input is not changed
    assert describe("l3_muscle_area", out["l3_muscle_area"]) == (
        "l3_muscle_area corrected by hand by alice at 2026-12-05T14:50:12+00:00")


def test_retraction_drops_the_entry_and_typed_values_get_none() -> None:
    out = corrected(BLOCK, "l3_muscle_attenuation", None, by="a", at="t")
    assert out is not None and set(out) == {"l3_muscle_area"}
    assert corrected(out, "l3_muscle_area", None, by="a", at="t") is None
    assert corrected(BLOCK, "grip_strength", 30, by="a", at="t") == BLOCK
    assert corrected(None, "grip_strength", 30, by="a", at="t") is None
