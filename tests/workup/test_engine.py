"""The work-up engine: three-valued scoring, confidence, questions, criteria and the result object."""

from __future__ import annotations

import json
from typing import Any

from myoscope import assess
from myoscope.record import parse_record
from myoscope.workup import Workup, workup
from myoscope.workup.loader import workup_knowledge

DISCLAIMER = "supports and does not replace clinical diagnosis"

ALS: dict[str, Any] = {
    "sex": "male", "age": 58, "conditions": [],
    "history": {
        "symptoms": {"weakness": True, "cramps": True, "numbness_tingling": False, "visual_disturbance": False},
        "onset_age": 57, "tempo": "months", "course": "progressive", "distribution": ["asymmetric"],
        "signs": {"upper_motor_neuron": ["cervical"], "lower_motor_neuron": ["cervical"], "sensory_loss": False},
    },
}


def run(record: dict[str, Any]) -> Workup:
    return workup(parse_record(record, source="t"))


def with_symptom(value: bool | None) -> dict[str, Any]:
    rec = json.loads(json.dumps(ALS))
    if value is not None:
        rec["history"]["symptoms"]["fasciculations"] = value
    return rec


def test_a_record_without_history_still_works_and_returns_questions() -> None:
    w = run({"sex": "female", "age": 81, "grip_strength": 15.2})
    assert w.history_recorded is False
    assert w.notes and "No history was recorded" in w.notes[0]
    assert [c.id for c in w.candidates] == ["age_related_sarcopenia"]
    assert w.candidates[0].confidence == "low"
    asked = {q.id for q in w.questions}
    assert {"history.tempo", "history.symptoms.breathing_difficulty", "conditions", "weight"} <= asked
    assert any(q.red_flag for q in w.questions)
    assert DISCLAIMER in str(w)


def test_a_bare_record_lists_no_cause_and_asks_for_the_basics() -> None:
    w = run({"sex": "male"})
    assert w.candidates == [] and w.red_flags == []
    asked = [q.id for q in w.questions]
    assert "age" in asked and "history.signs.upper_motor_neuron" in asked
    assert "Possible causes: none supported by what is recorded." in str(w)


def test_a_missing_finding_neither_adds_nor_subtracts_but_lowers_confidence_and_asks() -> None:
    missing, absent, present = (run(with_symptom(v)).candidate("als") for v in (None, False, True))
    assert missing is not None and absent is not None and present is not None
    assert missing.score == absent.score == present.score - 1  # fasciculations: +1 for ALS
    assert missing.known_fraction < absent.known_fraction
    # unknown "for" evidence widens only the top of the range, by its weight
    assert missing.score_range == (absent.score_range[0], absent.score_range[1] + 1)
    assert "fasciculations" in [h.id for h in missing.unknown_findings]
    assert "fasciculations" not in [h.id for h in absent.unknown_findings]
    asked = {q.id for q in run(with_symptom(None)).questions}
    assert "history.symptoms.fasciculations" in asked
    assert "history.symptoms.fasciculations" not in {q.id for q in run(with_symptom(False)).questions}


def test_scores_are_the_stated_weights_and_every_item_is_cited() -> None:
    wk = workup_knowledge()
    w = run(ALS)
    assert w.candidates
    for c in w.candidates:
        cause = wk.spec.causes[c.id]
        weights = {link.finding: link.weight for link in (*cause.supports, *cause.against)}
        assert c.score == sum(h.weight for h in c.findings_for) - sum(h.weight for h in c.findings_against)
        assert all(weights[h.id] == h.weight for h in (*c.findings_for, *c.findings_against))
        lo, hi = c.score_range
        assert lo == c.score - sum(h.weight for h in c.unknown_findings if h.direction == "against")
        assert hi == c.score + sum(h.weight for h in c.unknown_findings if h.direction == "for")
        for h in (*c.findings_for, *c.findings_against, *c.unknown_findings):
            assert h.citation and h.source
        assert all(t.citation for t in c.next_tests) and c.next_tests
        assert c.citations and c.source
    assert all(r.citation for r in w.red_flags)
    assert w.references and all(text for text in w.references.values())


def test_ranking_is_by_score() -> None:
    w = run({"sex": "female", "age": 70, "conditions": ["cancer"], "height": 160, "weight": 50,
             "weight_history": [{"months_ago": 6, "weight": 56}], "history": {"bed_rest_days": 7}})
    scores = [c.score for c in w.candidates]
    assert scores == sorted(scores, reverse=True) and w.candidates[0].id == "cancer_cachexia"
    assert w.summary[0] == {"rank": 1, "cause": "cancer_cachexia", "label": "Cancer cachexia",
                            "score": scores[0], "confidence": w.candidates[0].confidence}


def test_gold_coast_is_never_met_from_a_history_and_not_met_when_not_progressive() -> None:
    crit = run(ALS).candidate("als").criteria[0]  # type: ignore[union-attr]
    assert crit.id == "gold_coast_als" and crit.outcome == "undecided" and not crit.decided
    assert [p["result"] for p in crit.parts] == ["unknown", "met", "unknown"]  # milestones not asked
    stable = json.loads(json.dumps(ALS))
    stable["history"]["course"] = "stable"
    stable["history"]["symptoms"]["fasciculations"] = True
    crit = run(stable).candidate("als").criteria[0]  # type: ignore[union-attr]
    assert crit.outcome == "not_met" and crit.decided


def test_eular_acr_score_is_decided_only_when_unknown_items_cannot_change_the_band() -> None:
    history: dict[str, Any] = {
        "onset_age": 52, "signs": {"heliotrope_rash": True, "gottron_papules": True,
                                   "proximal_weakness_arms": True, "proximal_weakness_legs": True},
        "labs": {"ck": 3000, "ck_upper_limit": 170}}
    crit = run({"sex": "female", "age": 52, "history": history}).candidate("inflammatory_myopathy").criteria[0]  # type: ignore[union-attr]
    assert crit.score == 10.1  # 2.1 + 3.1 + 2.1 + 0.7 + 0.8 + 1.3
    assert crit.outcome.startswith("definite") and crit.decided
    partial = {"onset_age": 45, "signs": {"heliotrope_rash": True}}
    crit = run({"sex": "female", "age": 45, "history": partial}).candidate("inflammatory_myopathy").criteria[0]  # type: ignore[union-attr]
    assert crit.score == 5.2 and crit.outcome.startswith("below") and not crit.decided
    assert crit.max_score is not None and crit.max_score > 7.5


def test_questions_for_derived_measures_ask_for_their_inputs() -> None:
    w = run({"sex": "female", "age": 75, "conditions": ["ckd"]})
    asked = {q.id for q in w.questions}
    assert {"weight", "height", "albumin"} <= asked and "bmi" not in asked


def test_result_object_views_and_json() -> None:
    w = run(ALS)
    d = json.loads(json.dumps(w.to_dict()))
    assert set(d) == {"disclaimer", "knowledge_version", "history_recorded", "red_flags", "candidates",
                      "set_aside", "questions", "notes", "method", "references"}
    assert DISCLAIMER in d["disclaimer"]
    first = d["candidates"][0]
    assert {"id", "label", "score", "confidence", "findings_for", "findings_against", "unknown_findings",
            "course", "reversible", "next_tests", "citations"} <= set(first)
    assert first["reversible"] in ("yes", "partly", "no", "uncertain")
    assert "This is not a diagnosis" in w.patient_text()
    assert "score" not in w.patient_text()


def test_assess_carries_the_workup_in_json_and_text() -> None:
    rec = parse_record(ALS, source="t")
    a = assess(rec, plan=False)
    assert a.workup is not None
    assert a.to_dict()["workup"] == workup(rec).to_dict()
    assert "Cause work-up (supports, does not replace, clinical diagnosis" in a.detail()
    off = assess(rec, plan=False, cause_workup=False)
    assert off.workup is None and "workup" not in off.to_dict()
    assert workup(rec, off).to_dict() == a.to_dict()["workup"]


def test_a_next_test_whose_result_is_recorded_is_not_offered() -> None:
    """Issue 11: 'Next test: CRP and albumin' when both are recorded is noise."""
    from myoscope import assess

    base = {"sex": "female", "age": 80, "weight": 50, "height": 160, "conditions": ["copd"],
            "weight_history": [{"months_ago": 6, "weight": 56}], "history": {"intake": "reduced"}}

    def tests(rec: dict[str, object]) -> set[str]:
        w = assess(rec).workup
        assert w is not None
        return {t.id for c in w.candidates for t in c.next_tests}

    without = tests(base)
    assert "crp_albumin" in without
    assert "crp_albumin" in tests({**base, "crp": 12})  # albumin still missing
    done = tests({**base, "crp": 12, "albumin": 3.1})
    assert "crp_albumin" not in done and "weight_history" not in done


def test_a_recorded_diagnosis_is_not_sent_for_the_tests_that_would_make_it() -> None:
    # suspected ALS: the referral and the investigations of the Gold Coast criteria
    suspected = next(c for c in run(ALS).candidates if c.id == "als")
    assert suspected.diagnosed is False
    assert [t.id for t in suspected.next_tests] == ["neurology_referral", "emg_ncs", "mri_brain_spine", "ck"]
    # recorded ALS: none of them (it was diagnosed by them)
    known = next(c for c in run({**ALS, "conditions": ["als"]}).candidates if c.id == "als")
    assert known.diagnosed is True and known.next_tests == ()
    assert known.to_dict()["diagnosed"] is True
    # recorded myositis: the screening for its lung disease stays, the diagnostic tests go
    myositis = next(c for c in run({"sex": "female", "age": 50, "conditions": ["inflammatory_myopathy"]}).candidates
                    if c.id == "inflammatory_myopathy")
    assert myositis.diagnosed is True and [t.id for t in myositis.next_tests] == ["ild_screening"]
    # recorded neuropathy: its cause may still be unknown, so the bloods for the common causes stay
    neuropathy = next(c for c in run({"sex": "female", "age": 70, "conditions": ["peripheral_neuropathy"]}).candidates
                      if c.id == "peripheral_neuropathy")
    assert [t.id for t in neuropathy.next_tests] == ["neuropathy_bloods"]


def test_a_recorded_diagnosis_ranks_before_sarcopenia_of_ageing() -> None:
    # 63, weak grip, ALS recorded, symptoms over years: ageing scores more (age, low strength,
    # tempo), but sarcopenia is primary only when no other cause is evident (EWGSOP2)
    record = {"sex": "male", "age": 63, "height": 176, "weight": 68, "grip_strength": 21, "conditions": ["als"],
              "history": {"symptoms": {"weakness": True}, "tempo": "years", "course": "progressive"}}
    ranked = run(record).candidates
    ageing = next(c for c in ranked if c.id == "age_related_sarcopenia")
    assert ranked[0].id == "als" and ranked[0].diagnosed and ageing.score > ranked[0].score
    assert ranked[-1] is ageing
    # without the recorded diagnosis the score decides, as before
    assert run({**record, "conditions": []}).candidates[0].id == "age_related_sarcopenia"
    # a recorded diagnosis does not outrank a new acute cause: weakness getting worse over weeks
    acute = run({**record, "history": {"symptoms": {"weakness": True}, "tempo": "weeks", "course": "progressive",
                                       "distribution": ["generalised"]}}).candidates
    assert acute[0].id == "acute_inflammatory_neuropathy" and acute[0].score > acute[1].score


def test_a_childs_bmi_is_not_read_against_glims_adult_thresholds() -> None:
    # BMI 15.4 at 8 years is not low BMI under GLIM (its thresholds are for adults)
    boy = run({"sex": "male", "age": 8, "height": 125, "weight": 24, "conditions": ["duchenne_muscular_dystrophy"]})
    assert [c.id for c in boy.candidates] == ["muscular_dystrophy"]
    # with no age recorded, a BMI of 17.6 still counts (an unknown age is not a child)
    assert [c.id for c in run({"sex": "female", "height": 160, "weight": 45}).candidates] == ["malnutrition"]


def test_a_recorded_disease_explains_the_signs_that_would_suggest_another() -> None:
    sma = {"sex": "male", "age": 28, "height": 170, "weight": 55, "grip_strength": 10,
           "conditions": ["spinal_muscular_atrophy"],
           "history": {"symptoms": {"weakness": True, "delayed_motor_milestones": True}, "tempo": "years",
                       "course": "progressive",
                       "signs": {"lower_motor_neuron": ["cervical", "lumbosacral"], "reflexes": "reduced"}}}
    known = run(sma)
    # lower motor neuron signs in two regions: a recorded SMA explains them (no MND flag, ALS set aside)
    assert [f.id for f in known.red_flags] == [] and [c.id for c in known.candidates] == ["spinal_muscular_atrophy"]
    assert "als" in {s["id"] for s in known.set_aside}
    assert [f.id for f in run({**sma, "conditions": []}).red_flags] == ["suspected_mnd"]
    # a recorded myositis with proximal weakness and a raised CK is followed, not suspected
    myositis = {"sex": "female", "age": 55, "height": 165, "weight": 60, "grip_strength": 14,
                "conditions": ["inflammatory_myopathy"],
                "history": {"symptoms": {"weakness": True}, "tempo": "years", "course": "stable",
                            "distribution": ["proximal"], "labs": {"ck": 300, "ck_upper_limit": 200}}}
    assert [f.id for f in run(myositis).red_flags] == []
    assert [f.id for f in run({**myositis, "conditions": []}).red_flags] == ["suspected_myositis"]
