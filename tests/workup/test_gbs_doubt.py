"""Clinical reviewer: features that cast doubt on Guillain-Barré syndrome weigh against it.

The GBS cause (`acute_inflammatory_neuropathy`) scored +3 from a tempo of days or weeks alone. A
man of 45 with weakness of one leg after a 6-week ankle cast (tempo weeks, course improving,
distribution focal) kept GBS at score 2, and the plan gave "[emergency] Refer to emergency
department and neurology (same day): Possible Guillain-Barré syndrome" beside a physiotherapy
programme for disuse.

Asbury & Cornblath 1990 (read in two reproductions, secondary) require "progressive motor weakness
of more than one limb" and list, as features casting doubt on the diagnosis, marked persistent
asymmetry of weakness, persistent bladder or bowel dysfunction, bladder or bowel dysfunction at
onset, and a sharp sensory level. Weakness confined to one limb or region (`weakness_focal`) and new
bladder or bowel dysfunction are now cited findings against GBS, beside the sensory level and
asymmetry already there. With them the reviewer's record sets GBS aside (score <= 0), so the plan's
same-day emergency item is not given; the typical GBS records keep GBS first with the score they had.
Missing is unknown: an unrecorded distribution neither adds nor subtracts.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from myoscope import assess
from myoscope.workup.loader import workup_knowledge
from myoscope.workup.predicates import compile_predicate

from .records import run, with_history

GBS = "acute_inflammatory_neuropathy"

#: the reviewer's record (a 6-week below-knee cast; history schema of history.yaml)
CAST: dict[str, Any] = {
    "sex": "male", "age": 45,
    "history": {"symptoms": {"weakness": True}, "tempo": "weeks", "course": "improving",
                "distribution": ["focal"], "immobilisation_days": 42,
                "notes": "6-week below-knee cast for an ankle fracture; weakness and wasting of that leg"}}

#: the first GBS safety vignette (tests/safety/vignettes.yaml): score 3 + 2 + 3 + 2 + 1 = 11
TYPICAL: dict[str, Any] = {
    "sex": "male", "age": 45,
    "history": {"symptoms": {"weakness": True, "numbness_tingling": True}, "tempo": "days",
                "course": "progressive", "distribution": ["generalised"], "signs": {"reflexes": "absent"}}}


def test_doubt_features_are_cited_findings_against_gbs() -> None:
    spec = workup_knowledge().spec
    assert "weakness_focal" in spec.findings
    against = {link.finding: link for link in spec.causes[GBS].against}
    for fid in ("weakness_focal", "bladder_bowel_dysfunction", "sensory_level", "weakness_asymmetric"):
        assert fid in against, sorted(against)
        assert against[fid].ref == "asbury_1990_gbs" and against[fid].at, fid
    # failing a required feature weighs as brisk reflexes (required: areflexia) does
    assert against["weakness_focal"].weight == against["reflexes_brisk"].weight == 2
    assert "more than one limb" in against["weakness_focal"].at
    assert against["bladder_bowel_dysfunction"].weight == 1
    assert "bladder or bowel dysfunction at onset" in against["bladder_bowel_dysfunction"].at


def test_reviewer_cast_record_sets_gbs_aside() -> None:
    w = run(CAST)
    assert GBS not in [c.id for c in w.candidates], [(c.id, c.score) for c in w.candidates]
    set_aside = {s["id"]: s for s in w.set_aside}
    assert GBS in set_aside and set_aside[GBS]["score"] <= 0, w.set_aside
    assert w.candidates and w.candidates[0].id == "disuse_atrophy"


def test_reviewer_cast_record_plan_has_no_emergency_gbs_referral() -> None:
    a = assess(copy.deepcopy(CAST))
    assert a.plan is not None
    assert GBS not in [c.id for c in a.plan.causes]
    assert a.plan.item("cause_acute_inflammatory_neuropathy") is None
    emergency = [i.id for items in a.plan.sections.values() for i in items if getattr(i, "urgency", None) == "emergency"]
    assert emergency == [], emergency


def test_measured_cast_record_plans_for_disuse_without_the_gbs_referral() -> None:
    """With a low grip the plan is indicated: the disuse item and the resistance programme, no
    same-day GBS referral beside them (before, both were given)."""
    record = copy.deepcopy(CAST) | {"grip_strength": 20, "height": 178, "weight": 80}
    a = assess(record)
    assert a.plan is not None and a.plan.status == "indicated", a.plan.reason
    assert [c.id for c in a.plan.causes] == ["disuse_atrophy"]
    assert a.plan.item("cause_disuse_atrophy") is not None
    assert a.plan.item("cause_acute_inflammatory_neuropathy") is None
    assert a.plan.item("ex_resistance") is not None


def test_typical_gbs_keeps_its_score_and_a_focal_variant_loses_the_focal_weight() -> None:
    typical = run(TYPICAL).candidate(GBS)
    assert typical is not None and typical.score == 11
    assert not {f.id for f in typical.findings_against}
    focal = run(with_history(TYPICAL, distribution=["focal"])).candidate(GBS)
    assert focal is not None
    # loses generalised (+2), gains focal (-2) and asymmetric (-1)
    assert focal.score == 11 - 2 - 2 - 1, focal.score
    assert {f.id for f in focal.findings_against} == {"weakness_focal", "weakness_asymmetric"}


def test_new_bladder_or_bowel_dysfunction_counts_against_gbs_but_keeps_it_listed() -> None:
    record = with_history(TYPICAL, symptoms={"weakness": True, "numbness_tingling": True, "bladder_bowel_dysfunction": True})
    gbs = run(record).candidate(GBS)
    assert gbs is not None and gbs.score == 11 - 1
    assert "bladder_bowel_dysfunction" in {f.id for f in gbs.findings_against}


def test_an_unrecorded_distribution_is_unknown_not_focal() -> None:
    w = run(with_history(CAST, distribution=None))
    gbs = w.candidate(GBS)
    assert gbs is not None and gbs.score == 3  # the tempo alone; neither for nor against
    assert "weakness_focal" in {f.id for f in gbs.unknown_findings}
    assert "history.distribution" in {q.id for q in w.questions}


@pytest.mark.parametrize(("distribution", "expected"), [
    (["focal"], True), (["focal", "distal"], True), (["generalised", "focal"], False),
    (["asymmetric"], False), (["generalised"], False), ([], False), (None, None),
])
def test_weakness_focal_truth_table(distribution: list[str] | None, expected: bool | None) -> None:
    """Focal is weakness of one limb or region; recorded with generalised it is contradictory and
    does not count; an unrecorded distribution is unknown."""
    when = workup_knowledge().spec.findings["weakness_focal"].when
    facts = {} if distribution is None else {"history.distribution": distribution}
    truth, _missing = compile_predicate(when).evaluate(facts, lambda fid: (None, ()))
    assert truth is expected
