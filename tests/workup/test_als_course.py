"""Reviewer defect M7, follow-up: a course recorded as stable counts against ALS.

ALS is progressive by definition: the Gold Coast criteria's first criterion is "progressive motor
impairment documented by history or repeated clinical assessment, preceded by normal motor function"
(Shefner 2020, read in Turner 2022, Box 1). The M7 record (swallowing difficulty, stable for years,
an old stroke) no longer raises the NG42 bulbar flag, but the bulbar finding alone kept ALS a
candidate (score 2), and the plan referred the person to the MND team. `course_stable` is now a
finding against ALS with the weight of `course_improving`; a progressive course keeps ALS, and an
unrecorded course is unknown (it neither adds nor subtracts).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from myoscope import assess
from myoscope.record import parse_record
from myoscope.workup import Workup, workup
from myoscope.workup.loader import workup_knowledge

#: the reviewer's M7 record (tests/workup/test_flags_stroke.py)
M7: dict[str, Any] = {
    "sex": "male", "age": 80, "height": "172 cm", "weight": "58 kg", "grip_strength": 20, "gait_speed": 0.6,
    "conditions": ["stroke"],
    "history": {"symptoms": {"swallowing_difficulty": True}, "tempo": "years", "course": "stable"}}


def run(record: dict[str, Any]) -> Workup:
    return workup(parse_record(copy.deepcopy(record), source="test"))


def with_course(course: str | None) -> dict[str, Any]:
    record = copy.deepcopy(M7)
    if course is None:
        record["history"].pop("course")
    else:
        record["history"]["course"] = course
    return record


def test_course_stable_is_a_cited_finding_against_als() -> None:
    spec = workup_knowledge().spec
    assert "course_stable" in spec.findings
    against = {link.finding: link for link in spec.causes["als"].against}
    assert "course_stable" in against, sorted(against)
    link = against["course_stable"]
    assert link.weight == against["course_improving"].weight  # as a course that is not progressive
    assert link.ref == "turner_2022_gold_coast_emg" and "progressive motor impairment" in link.at


def test_reviewer_record_m7_does_not_list_als_and_the_plan_does_not_refer_to_the_mnd_team() -> None:
    w = run(M7)
    assert "als" not in [c.id for c in w.candidates], [(c.id, c.score) for c in w.candidates]
    set_aside = {s["id"]: s for s in w.set_aside}
    assert "als" in set_aside and set_aside["als"]["score"] <= 0
    a = assess(copy.deepcopy(M7))
    assert a.plan is not None
    assert "als" not in [c.id for c in a.plan.causes]
    ids = [i.id for items in a.plan.sections.values() for i in items]
    assert not [i for i in ids if "als" in i.split("_")], ids
    assert "age_related_sarcopenia" in [c.id for c in a.plan.causes]


def test_a_progressive_course_keeps_als_and_ranks_it_above_the_stable_course() -> None:
    progressive = run(with_course("progressive")).candidate("als")
    assert progressive is not None and progressive.score > 0
    assert "course_stable" not in {f.id for f in progressive.findings_against}


def test_an_unrecorded_course_is_unknown_not_stable() -> None:
    """Missing is unknown: without a course the bulbar finding keeps ALS listed, and the course
    is asked."""
    w = run(with_course(None))
    als = w.candidate("als")
    assert als is not None and als.score == 2
    assert "course_stable" in {f.id for f in als.unknown_findings}
    assert "history.course" in {q.id for q in w.questions}


def without_stroke(record: dict[str, Any]) -> dict[str, Any]:
    """The course's own weight: with the recorded stroke a course that is not progressive also
    makes `stroke_not_progressing` true (its own weight, tests/workup/test_support.py)."""
    return record | {"conditions": []}


@pytest.mark.parametrize(("course", "delta"), [("stable", -2), ("improving", -2), ("relapsing_remitting", -2),
                                               ("progressive", 2)])
def test_each_recorded_course_moves_the_als_score_by_its_stated_weight(course: str, delta: int) -> None:
    base = run(without_stroke(with_course(None))).candidate("als")
    assert base is not None
    w = run(without_stroke(with_course(course)))
    moved = w.candidate("als")
    score = moved.score if moved is not None else next(s["score"] for s in w.set_aside if s["id"] == "als")
    assert score == base.score + delta
