"""The Assessment result object: summary, to_dict, readable text, every definition present."""

from __future__ import annotations

import json

from myoscope import assess, load_knowledge, parse_record


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
    text = a.detail()
    assert text.startswith("myoscope assessment: record (id x)")
    assert "EWGSOP2 — revised European consensus on sarcopenia (2019)" in text
    assert "Measure next:" in text


def test_warnings_are_reported() -> None:
    a = assess({"sex": "male", "grip_strength": 92})
    assert a.to_dict()["warnings"] == ["grip_strength: 92 kg is unusual (usually 2–80 kg); check it"]
    assert "Warning: grip_strength: 92 kg is unusual" in a.detail()


def test_a_bare_assessments_str_is_the_summary_and_detail_the_trace() -> None:
    from myoscope.assess import Assessment
    from myoscope.assess import assess as assess_definitions

    a = assess_definitions({"id": "x", "sex": "female", "age": 80, "grip_strength": 12, "gait_speed": 0.6})
    assert type(a) is Assessment
    text, trace = str(a), a.detail()
    assert "Verdicts that apply" in text and "--detail" in text and "Measure next:" not in text
    assert trace.startswith("myoscope assessment: record (id x)") and "Measure next:" in trace
    assert len(text.splitlines()) < 60 < len(trace.splitlines())


def test_a_value_entered_in_another_unit_is_shown_with_what_was_entered() -> None:
    """``grip_strength: 80 lb``: the trace, the detail text and the summary give the converted
    value and what was entered; a canonical unit under another spelling (``70 KG``) is no
    conversion and is not repeated."""
    from myoscope.report.assessment import assessment_text
    from myoscope.report.summary import summary_text
    from myoscope.report.trace import describe_entry

    rec = parse_record({"sex": "male", "age": 70, "grip_strength": "80 lb", "height": {"value": 5.9, "unit": "ft"},
                        "weight": "70 KG"})
    a = assess(rec, ["ewgsop2"])
    (grip,) = [e for e in a.results["ewgsop2"].trace if e.get("measure") == "grip_strength"]
    assert grip["value"] == 36.2873896 and grip["entered"] == {"value": 80.0, "unit": "lb"}
    assert describe_entry(grip).startswith("Low grip strength: 36.3 kg (entered 80 lb); met if under 27 kg")
    assert rec.entered("weight") is None and rec.entered("height") == (5.9, "ft")
    text = assessment_text(a)
    assert "grip_strength 36.2874 kg (entered 80 lb), height 179.832 cm (entered 5.9 ft), weight 70 kg" in text
    assert "Entered in other units: grip strength (best trial) 36.3 kg (entered 80 lb); height 179.8 cm " \
           "(entered 5.9 ft)" in summary_text(a, width=200)
    plain = assess(parse_record({"sex": "male", "age": 70, "grip_strength": 36.3}), ["ewgsop2"])
    assert all("entered" not in e for e in plain.results["ewgsop2"].trace)
    assert "Entered in other units" not in summary_text(plain, width=200)
