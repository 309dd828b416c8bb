"""Reviewer defects M3 and M7 (red flags).

M3: sudden-onset or focal weakness of recent onset is an emergency (possible stroke or TIA:
NICE NG128 rapid recognition, NG127 limb weakness); `history.tempo: hours` is a value, and the
acute flags that fire for days fire for hours too. A chronic asymmetric pattern (years, stable, an
old stroke) does not raise the stroke flag.

M7: the NG42 bulbar flag is about progressive, unexplained bulbar symptoms; swallowing difficulty
recorded as stable over years with a recorded stroke does not raise it (and so does not defer
rehabilitation), while any of those three facts missing or different leaves the flag as it was.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from myoscope import assess
from myoscope.record import parse_record
from myoscope.workup import workup
from myoscope.workup.history import validate_history
from myoscope.workup.loader import workup_knowledge

STROKE_FLAG = "sudden_focal_weakness"

#: the reviewer's M3 record
M3 = {"sex": "male", "age": 72, "grip_strength": 20,
      "history": {"symptoms": {"weakness": True, "limb_asymmetry": True}, "tempo": "days", "course": "stable",
                  "distribution": ["asymmetric"]}}
#: the reviewer's M7 record
M7 = {"sex": "male", "age": 80, "height": "172 cm", "weight": "58 kg", "grip_strength": 20, "gait_speed": 0.6,
      "conditions": ["stroke"],
      "history": {"symptoms": {"swallowing_difficulty": True}, "tempo": "years", "course": "stable"}}


def _active(record: dict[str, Any]) -> dict[str, Any]:
    """The red flags that fire (not those only "possible" because a fact is missing)."""
    w = workup(parse_record(copy.deepcopy(record), source="test"))
    return {r.id: r for r in w.red_flags if getattr(r, "status", "active") == "active"}


def test_hours_is_a_tempo_value_and_sudden_means_hours() -> None:
    assert validate_history({"tempo": "hours"}) == {"tempo": "hours"}
    assert validate_history({"tempo": "sudden"}) == {"tempo": "hours"}


def test_reviewer_record_m3_raises_the_stroke_emergency_and_defers_exercise() -> None:
    flags = _active(M3)
    assert STROKE_FLAG in flags, sorted(flags)
    flag = flags[STROKE_FLAG]
    assert flag.urgency == "emergency" and flag.defers_exercise
    assert "stroke" in flag.action.lower() and "FAST" in flag.action
    assert flag.patient_text and flag.patient_action
    a = assess(copy.deepcopy(M3))
    assert a.workup is not None and a.plan is not None
    assert a.workup.red_flags[0].urgency == "emergency"
    assert [i.id for i in a.plan.sections["exercise"]] == ["ex_deferred"]


@pytest.mark.parametrize("history", [
    {"symptoms": {"weakness": True}, "tempo": "hours"},  # new weakness over hours, side not recorded
    {"tempo": "hours", "course": "stable", "distribution": ["generalised"]},
    {"symptoms": {"limb_asymmetry": True}, "tempo": "hours", "course": "improving"},  # a resolving deficit (TIA?)
    {"tempo": "days", "distribution": ["focal"]},  # focal weakness over days
])
def test_sudden_or_recent_focal_weakness_is_the_stroke_emergency(history: dict[str, Any]) -> None:
    assert STROKE_FLAG in _active({"sex": "female", "age": 60, "history": history})


@pytest.mark.parametrize("history", [
    # the old-stroke pattern: asymmetric, stable for years, stroke recorded
    {"symptoms": {"weakness": True, "limb_asymmetry": True}, "tempo": "years", "course": "stable",
     "distribution": ["asymmetric"]},
    {"symptoms": {"limb_asymmetry": True}, "tempo": "months", "course": "progressive"},  # MND-like, urgent elsewhere
    {"symptoms": {"limb_asymmetry": True}, "tempo": "weeks", "course": "progressive"},
    {"symptoms": {"weakness": True, "limb_asymmetry": False}, "tempo": "days", "distribution": ["generalised"]},
])
def test_chronic_or_symmetric_weakness_is_not_the_stroke_flag(history: dict[str, Any]) -> None:
    assert STROKE_FLAG in workup_knowledge().spec.red_flags  # the flag exists; it must not fire here
    assert STROKE_FLAG not in _active({"sex": "male", "age": 75, "conditions": ["stroke"], "history": history})


def test_unknown_tempo_leaves_the_stroke_flag_undecided_and_asks_it_first() -> None:
    """Missing is unknown: one-sided weakness without a tempo neither fires nor rules out the flag;
    the tempo question bears on it and counts as a red-flag question."""
    w = workup(parse_record({"sex": "male", "age": 70, "history": {"symptoms": {"limb_asymmetry": True}}},
                            source="test"))
    assert STROKE_FLAG not in {r.id for r in w.red_flags if getattr(r, "status", "active") == "active"}
    tempo = next(q for q in w.questions if q.id == "history.tempo")
    assert tempo.red_flag and STROKE_FLAG in tempo.because


@pytest.mark.parametrize(("history", "extra", "expected"), [
    ({"symptoms": {"weakness": True, "breathing_difficulty": True}, "tempo": "hours", "course": "progressive"}, {},
     {"acute_bulbar_or_respiratory", "acute_weakness_over_days", STROKE_FLAG}),
    ({"symptoms": {"swallowing_difficulty": True}, "tempo": "hours"}, {}, {"acute_bulbar_or_respiratory"}),
    ({"tempo": "hours", "labs": {"ck": 6000, "ck_upper_limit": 200}}, {}, {"muscle_injury_acute"}),
])
def test_the_acute_flags_fire_for_hours_as_for_days(history: dict[str, Any], extra: dict[str, Any],
                                                    expected: set[str]) -> None:
    flags = _active({"sex": "male", "age": 45, "conditions": [], "history": history, **extra})
    assert expected <= set(flags), sorted(flags)


def test_reviewer_record_m7_is_not_the_mnd_bulbar_flag_and_rehabilitation_is_not_deferred() -> None:
    flags = _active(M7)
    assert "bulbar_symptoms" not in flags, sorted(flags)
    assert not any(f.defers_exercise for f in flags.values()), sorted(flags)
    a = assess(copy.deepcopy(M7))
    assert a.plan is not None
    assert "ex_deferred" not in [i.id for i in a.plan.sections["exercise"]]


@pytest.mark.parametrize("change", [
    lambda r: r["history"].pop("course"),  # course unknown
    lambda r: r["history"].pop("tempo"),  # tempo unknown
    lambda r: r.pop("conditions"),  # conditions unknown
    lambda r: r.update(conditions=[]),  # no stroke
    lambda r: r["history"].update(course="progressive"),
    lambda r: r["history"].update(tempo="weeks"),
    lambda r: r["history"].update(symptoms={"speech_difficulty": True}, course="progressive"),
], ids=["course-unknown", "tempo-unknown", "conditions-unknown", "no-stroke", "progressive", "weeks",
        "progressive-speech"])
def test_the_bulbar_flag_stays_unless_all_three_facts_explain_it(change: Any) -> None:
    """Only a recorded stable course, over months or years, with a recorded stroke sets the NG42
    flag aside (a stroke 8 months ago with stable dysphagia is not a new MND presentation);
    the M7 record itself does not raise it (so this test fails on the old knowledge)."""
    assert "bulbar_symptoms" not in _active(M7)
    record = copy.deepcopy(M7)
    change(record)
    flags = _active(record)
    assert "bulbar_symptoms" in flags, sorted(flags)
    assert flags["bulbar_symptoms"].urgency == "urgent" and flags["bulbar_symptoms"].defers_exercise
