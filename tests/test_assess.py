"""The Assessment result object: summary, to_dict, readable text, every definition present."""

from __future__ import annotations

import json

from myoscope import assess, load_knowledge


def test_result_object() -> None:
    a = assess({"id": "x", "sex": "male", "grip_strength": 20, "sarc_f": {
        "strength": 1, "assistance_walking": 1, "rise_from_chair": 1, "climb_stairs": 1, "falls": 1},
        "calf_circumference": 31})
    assert [row["definition"] for row in a.summary] == load_knowledge().default_ids()
    row = next(r for r in a.summary if r["definition"] == "ewgsop2")
    assert row["outcome"] == "probable_sarcopenia" and row["decided"] is False
    d = a.to_dict()
    json.dumps(d)  # JSON-ready
    assert d["derived"]["sarc_f"] == 5 and d["derived"]["sarc_calf"] == 15
    text = a.detail() if hasattr(a, "detail") else str(a)
    assert text.startswith("myoscope assessment: record (id x)")
    assert "EWGSOP2 — revised European consensus on sarcopenia (2019)" in text
    assert "Measure next:" in text


def test_warnings_are_reported() -> None:
    a = assess({"sex": "male", "grip_strength": 92})
    assert a.to_dict()["warnings"] == ["grip_strength: 92 kg is unusual (usually 2–80 kg); check it"]
    assert "Warning: grip_strength: 92 kg is unusual" in (a.detail() if hasattr(a, "detail") else str(a))
