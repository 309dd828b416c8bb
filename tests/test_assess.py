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


GRIP_LOW_ONLY = {"id": "grip-low-only", "sex": "male", "grip_strength": 20}
GRIP_NORMAL_NO_AGE = {"sex": "male", "grip_strength": 30}
CHILD_WITH_CANCER = {"sex": "female", "age": 10, "height": "140 cm", "weight": "30 kg", "conditions": ["cancer"],
                     "weight_history": [{"months_ago": 6, "weight": 33}], "fatigue": True, "anorexia": True,
                     "crp": 20, "grip_strength": 8, "gait_speed": 0.6}


def test_an_unrecorded_age_keeps_the_verdict_with_a_caveat_naming_the_age() -> None:
    a = assess(GRIP_LOW_ONLY)
    r = a.results["ewgsop2"]
    assert r.outcome == "probable_sarcopenia" and r.in_population is None and not r.usable
    assert any("age is not recorded" in c for c in r.caveats)
    assert a.to_dict()["results"]["ewgsop2"]["in_population"] is None
    assert "ewgsop2" not in a.usable_outcomes() and "fnih2014" not in a.usable_outcomes()
    assert "EWGSOP2: population not established (probable sarcopenia shown for reference)" in str(a)


def test_the_plan_does_not_rest_on_verdicts_without_an_age() -> None:
    from myoscope.pathway import plan_of

    low = plan_of(GRIP_LOW_ONLY)  # was: indicated, with the dosed adult resistance programme
    assert low.status == "undetermined" and low.item("ex_resistance") is None
    normal = plan_of(GRIP_NORMAL_NO_AGE)  # was: not indicated, resting on EWGSOP2 and FNIH
    assert normal.status == "undetermined"
    adult = plan_of({**GRIP_LOW_ONLY, "age": 70})  # with the age, the same verdict is used
    assert adult.status == "indicated" and adult.item("ex_resistance") is not None


def test_a_child_gets_no_evans_verdict_and_no_adult_plan() -> None:
    from myoscope.pathway import plan_of

    r = assess(CHILD_WITH_CANCER).results["evans2008"]
    assert r.outcome == "not_applicable" and r.decided and not r.usable
    assert "growth failure" in r.caveats[0]
    assert plan_of(CHILD_WITH_CANCER).status == "not_applicable"  # was: indicated, adult exercise
