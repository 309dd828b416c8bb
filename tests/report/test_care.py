"""Clinical review of the reports: what they say follows the plan's flags and the work-up's ranking.

1. Refractory cachexia (the plan's ``refractory_cachexia``): the clinician report draws no projection
   of muscle loss (from any face: the CLI's ageing projection, the web's scenario projection) and
   says in one line why; its work-up lists no further tests (the plan's own follow-up stays). The
   patient report gives no eating reason ("Not getting enough food"), and a bed-bound person (the
   plan's ``bed_bound``, e.g. performance status 4) reads no walking or falls consequences.
2. Tests offered to a patient come only from the hypotheses the work-up ranks first or holds with
   more than its lowest confidence: no lumbar puncture for an 83-year-old improving weeks after a
   hip fracture, where Guillain-Barré is a low-confidence second hypothesis. The clinician report
   keeps every hypothesis with its tests, ranked.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
from lxml import html as lxml_html

import myoscope
from myoscope.record import parse_record
from myoscope.report import care
from myoscope.report.document import Charts, clinician_html, patient_context, patient_html, patient_texts
from myoscope.report.service import record_report
from myoscope.workup.loader import workup_knowledge

#: Fearon 2011 refractory cachexia, decided, performance status 4 (tests/plan/test_refractory.py)
REFRACTORY: dict[str, Any] = {
    "id": "m4", "sex": "female", "age": 72, "height": "160 cm", "weight": "42 kg", "conditions": ["cancer"],
    "weight_history": [{"months_ago": 6, "weight": 50}], "performance_status": 4,
    "life_expectancy_months": 1, "cancer_unresponsive_to_treatment": True, "anorexia": True,
    "fatigue": True, "grip_strength": 10, "plan_constraints": {"cancer_treatment": ["palliative"]},
}
#: the same person bed-bound but not refractory (longer expected survival), and up and about
BED_BOUND = {**REFRACTORY, "id": "bed", "life_expectancy_months": 12}
UP = {**REFRACTORY, "id": "up", "performance_status": 3, "life_expectancy_months": 12}
#: 83, weeks after a hip fracture, improving (tests/safety/vignettes.yaml): Guillain-Barré is a
#: low-confidence second hypothesis behind disuse
HIP = {"id": "hip83", "sex": "female", "age": 83,
       "history": {"symptoms": {"weakness": True}, "tempo": "weeks", "course": "improving", "bed_rest_days": 6}}
GBS = "acute_inflammatory_neuropathy"
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><title>t</title></svg>'


@pytest.fixture(scope="module")
def refractory() -> myoscope.PathwayResult:
    return myoscope.assess(dict(REFRACTORY))


@pytest.fixture(scope="module")
def hip() -> myoscope.PathwayResult:
    return myoscope.assess(dict(HIP))


def _text(node: Any) -> str:
    return re.sub(r"\s+", " ", node.text_content()).strip()


def _section(doc: Any, sid: str) -> str:
    found = doc.xpath(f'//section[@id="{sid}"]')
    return _text(found[0]) if found else ""


def _charts() -> Charts:
    """The charts the faces add: the CLI's projection, the web's (each its kind said) and the
    registry timeline."""
    charts = Charts()
    charts.add("Projection of m4 with ageing only over 2 years: median and 5–95% band.", SVG, kind="projection")
    charts.add("Projection under the scenario 'Ageing, central rates': median and 5–95% band.", SVG,
               kind="projection")
    charts.add("Measurements over visits, with the alerts of change over time.", SVG)
    return charts


def test_flags_come_from_the_plan(refractory: myoscope.PathwayResult) -> None:
    assert care.refractory(refractory.plan) and care.bed_bound(refractory.plan)
    assert "refractory_cachexia" in care.flag_basis(refractory.plan, "refractory_cachexia")
    up = myoscope.assess(dict(UP))
    assert not care.refractory(up.plan) and not care.bed_bound(up.plan)
    assert care.plan_flag(None, "bed_bound") is None and not care.refractory(None)


def test_charts_know_a_projection_from_its_kind() -> None:
    assert [c.kind for c in _charts().items] == ["projection", "projection", "other"]
    charts = Charts()
    charts.add("No projection: no age", None)  # nothing drawn, nothing added (as before)
    assert charts.items == []


def test_refractory_clinician_report_draws_no_projection_and_says_why(
        refractory: myoscope.PathwayResult) -> None:
    doc = lxml_html.fromstring(clinician_html(refractory, charts=_charts()))
    captions = [_text(f) for f in doc.xpath('//section[@id="charts"]//figcaption')]
    assert captions == ["Measurements over visits, with the alerts of change over time."]
    note = doc.xpath('//p[@id="no-projection"]')
    assert len(note) == 1
    assert "refractory cachexia (fearon2011 outcome refractory cachexia, decided)" in _text(note[0])


def test_refractory_clinician_report_lists_no_work_up_tests_but_keeps_the_plans(
        refractory: myoscope.PathwayResult) -> None:
    doc = lxml_html.fromstring(clinician_html(refractory))
    heads = [_text(th) for th in doc.xpath('//section[@id="workup"]//thead//th')]
    assert "Next tests" not in heads and "Likely cause" in heads
    workup_text = _section(doc, "workup")
    assert refractory.workup is not None
    offered = {t.label for c in refractory.workup.candidates for t in c.next_tests}
    assert offered and not [t for t in offered if t in workup_text]
    assert "Next tests are not listed: refractory cachexia" in workup_text
    assert "what the plan still monitors is under Follow-up" in workup_text
    # the hypotheses are all still there, ranked
    assert len(doc.xpath('//section[@id="workup"]//tbody/tr')) == min(5, len(refractory.workup.candidates))
    assert refractory.plan is not None
    for item in refractory.plan.sections["follow_up"]:
        assert re.sub(r"\s+", " ", item.text) in _section(doc, "plan")


def test_cachexia_not_refractory_keeps_projection_and_tests() -> None:
    result = myoscope.assess(dict(UP))
    doc = lxml_html.fromstring(clinician_html(result, charts=_charts()))
    assert len(doc.xpath('//section[@id="charts"]//figure')) == 3
    assert not doc.xpath('//p[@id="no-projection"]') and not doc.xpath('//p[@id="no-next-tests"]')
    assert "Next tests" in [_text(th) for th in doc.xpath('//section[@id="workup"]//thead//th')]
    assert "CRP and albumin" in _section(doc, "workup")


def test_record_report_makes_no_projection_in_refractory_cachexia() -> None:
    """The service does not spend the simulation on a projection the document would leave out."""
    html = record_report(parse_record(dict(REFRACTORY), source="test"), "clinician", "html").decode()
    doc = lxml_html.fromstring(html)
    assert not doc.xpath('//section[@id="charts"]//figure') and doc.xpath('//p[@id="no-projection"]')


def test_record_report_keeps_the_projection_otherwise() -> None:
    pytest.importorskip("vl_convert")
    html = record_report(parse_record(dict(UP), source="test"), "clinician", "html").decode()
    assert "Projection of up" in html and 'id="no-projection"' not in html


def test_refractory_patient_report_gives_no_eating_reason(refractory: myoscope.PathwayResult) -> None:
    assert refractory.workup is not None
    eating = [c for c in refractory.workup.candidates if c.group in care.EATING_GROUPS]
    assert eating, "the record should raise an eating reason for the test to mean anything"
    doc = lxml_html.fromstring(patient_html(refractory))
    reasons = _section(doc, "possible-reasons")
    assert refractory.workup.candidates[0].patient_label in reasons  # cancer is still named
    for c in eating:
        assert c.patient_label not in reasons and c.patient_summary not in reasons
    # not refractory: the same reason is told
    up = myoscope.assess(dict(UP))
    assert any(c.group in care.EATING_GROUPS for c in patient_context(up)["causes"])


def _consequences() -> list[str]:
    """The sentences after the first of each meaning with a bed-bound wording (what the finding
    does to a person who walks)."""
    out = []
    for m in patient_texts()["meanings"].values():
        if not m.get("means_bed_bound"):
            continue
        rest = m["means"].split(". ", 1)
        if len(rest) == 2:
            out.append(rest[1])
    return out


@pytest.mark.parametrize("record", [REFRACTORY, BED_BOUND], ids=["refractory", "bed-bound"])
def test_bed_bound_patient_reads_no_walking_or_falls(record: dict[str, Any]) -> None:
    result = myoscope.assess(dict(record))
    assert care.bed_bound(result.plan)
    doc = lxml_html.fromstring(patient_html(result))
    means = _section(doc, "what-it-means")
    # low strength alone (EWGSOP2 probable sarcopenia) is told as weak muscles, with no walking
    assert patient_texts()["meanings"]["weak_muscles"]["means"] in means
    assert "falls" not in means and "walk" not in means
    for rest in _consequences():
        assert rest not in means, rest


def test_a_person_up_and_about_reads_the_full_meaning() -> None:
    doc = lxml_html.fromstring(patient_html(myoscope.assess(dict(UP))))
    assert patient_texts()["meanings"]["weak_muscles"]["means"] in _section(doc, "what-it-means")
    # with the muscle measured low too (EWGSOP2 sarcopenia), the full meaning, walking and falls
    measured = myoscope.assess({**UP, "asm": 12.0, "asm_method": "dxa"})
    assert measured.results["ewgsop2"].outcome in ("sarcopenia", "severe_sarcopenia")
    means = _section(lxml_html.fromstring(patient_html(measured)), "what-it-means")
    assert patient_texts()["meanings"]["sarcopenia"]["means"] in means
    assert patient_texts()["meanings"]["weak_muscles"]["means"] not in means


def test_patient_is_offered_no_tests_of_a_low_confidence_hypothesis(hip: myoscope.PathwayResult) -> None:
    w = hip.workup
    assert w is not None
    ranked = [(c.id, c.confidence) for c in w.candidates]
    lowest = workup_knowledge().spec.confidence_bands[-1].label
    gbs = w.candidate(GBS)
    assert gbs is not None and gbs.confidence == lowest and w.candidates[0].id != GBS, ranked
    tests = patient_context(hip)["tests"]
    assert tests == [t.patient_label for t in w.candidates[0].next_tests], tests
    html = patient_html(hip)
    assert "lumbar puncture" not in html and "lumbar puncture" in " ".join(t.patient_label for t in gbs.next_tests)
    # the clinician report keeps every hypothesis, ranked, with its tests
    doc = lxml_html.fromstring(clinician_html(hip))
    rows = [_text(tr) for tr in doc.xpath('//section[@id="workup"]//tbody/tr')]
    assert len(rows) == len(w.candidates) and "Lumbar puncture" in rows[[c.id for c in w.candidates].index(GBS)]


def test_the_leading_hypothesis_gives_its_tests_whatever_its_confidence(hip: myoscope.PathwayResult) -> None:
    w = hip.workup
    assert w is not None
    # Guillain-Barré ranked first, its support not known (as in a result stored before the rule)
    moved = [dataclasses.replace(c, support=None) if c.id == GBS else c for c in w.candidates]
    first_gbs = dataclasses.replace(w, candidates=sorted(moved, key=lambda c: c.id != GBS))
    assert [c.id for c in care.supported(first_gbs)] == [c.id for c in first_gbs.candidates]
    tests = care.patient_tests(first_gbs.candidates, first_gbs, hip.plan)
    assert any("lumbar puncture" in t for t in tests)
    assert [c.id for c in care.supported(w)] == [w.candidates[0].id]


def test_a_hypothesis_the_record_does_not_support_is_not_told_to_the_patient(
    hip: myoscope.PathwayResult,
) -> None:
    """Guillain-Barré with the course recorded as improving is not supported (causes.yaml
    ``support``): the plan does not treat it, the patient is not told of it, and the clinician
    report keeps it, ranked, saying what its source needs."""
    w = hip.workup
    assert w is not None
    gbs = w.candidate(GBS)
    assert gbs is not None and gbs.support is not None and gbs.support.outcome == "not_supported"
    assert care.unsupported(gbs)
    doc = lxml_html.fromstring(patient_html(hip))
    assert gbs.patient_label not in _section(doc, "possible-reasons")
    clinician = lxml_html.fromstring(clinician_html(hip))
    note = clinician.xpath('//section[@id="workup"]//small[@data-support="not_supported"]')
    assert len(note) == 1 and _text(note[0]) == f"not supported: needs {gbs.support.needs}"


def test_the_patient_reads_when_to_go_to_hospital_for_an_unconfirmed_guillain_barre(
    hip: myoscope.PathwayResult,
) -> None:
    """The plan's "soon" item for an unsupported Guillain-Barré carries a safety net (same-day
    emergency care if the weakness gets worse or spreads, or breathing or swallowing is affected;
    Leonhard 2019). The patient report tells it in the item's plain words, with its urgency,
    without naming the cause the record does not support."""
    assert hip.plan is not None
    item = next(i for i in hip.plan.sections["treat_cause"]
                if i.id == "cause_acute_inflammatory_neuropathy_unconfirmed")
    assert item.urgency == "soon" and item.patient_text
    assert [i.id for i in care.patient_actions(hip.plan)] == [item.id]
    doc = lxml_html.fromstring(patient_html(hip))
    boxes = doc.xpath('//section[@id="what-to-do"]//div[contains(@class, "plan")]')
    assert [_text(b) for b in boxes] == [item.patient_text]
    assert "soon" in boxes[0].get("class").split()
    assert "Guillain" not in _text(doc)


def test_no_safety_net_box_when_the_plan_has_none(refractory: myoscope.PathwayResult) -> None:
    """Cause items without plain words (the clinical referrals) are not copied into the patient
    report; red flags keep their own place under "Get help now"."""
    assert refractory.plan is not None
    assert not care.patient_actions(refractory.plan)
    doc = lxml_html.fromstring(patient_html(refractory))
    assert not doc.xpath('//div[contains(@class, "plan")]')


def test_a_progressing_weakness_is_told_as_the_plans_emergency_first() -> None:
    """The same person with a one-sided weakness getting worse (symmetrical or unrecorded, NG127's
    flag would itself be the emergency): Guillain-Barré is supported and the plan refers the same day. The patient reads that first, under "Get help now"; the urgent red flag
    of a weakness getting worse (whose own action says "within days") keeps its words but says to
    tell the emergency visit about it too, and the "soon" safety net is gone."""
    worse = myoscope.assess({**HIP, "history": {**HIP["history"], "course": "progressive",
                                                "distribution": ["asymmetric"]}})
    assert worse.plan is not None and worse.workup is not None
    items = care.patient_actions(worse.plan)
    assert [(i.id, i.urgency) for i in items] == [("cause_acute_inflammatory_neuropathy", "emergency")]
    doc = lxml_html.fromstring(patient_html(worse))
    assert _text(doc.xpath('//section[@id="get-help-now"]/h2')[0]) == "Get help now"
    boxes = doc.xpath('//section[@id="get-help-now"]/div')
    assert _text(boxes[0]) == items[0].patient_text and "emergency" in boxes[0].get("class").split()
    flags = {f.patient_text: f for f in worse.workup.red_flags}
    also = patient_texts()["also_tell"]
    for box in boxes[1:]:
        flag = next(f for t, f in flags.items() if _text(box).startswith(t))
        told = _text(box.xpath("./p/b")[0])
        assert told == (flag.patient_action if flag.urgency == "emergency" else also), (flag.id, told)
    assert any(f.urgency != "emergency" for f in flags.values())
    assert not doc.xpath('//section[@id="what-to-do"]//div[contains(@class, "plan")]')


def _flag(urgency: str, status: str = "active") -> Any:
    from myoscope.workup.result import RedFlag

    return RedFlag(f"f_{urgency}_{status}", "t", urgency, "a", "c", f"{urgency} {status}", f"do {urgency}",
                   status=status)


@pytest.mark.parametrize(("flags", "told", "level"), [
    # the most urgent known instruction sets the visit; a less urgent flag says to tell it too
    ([("urgent", "active"), ("soon", "active")], ["do urgent", "ALSO"], "urgent"),
    # a possible emergency keeps its own words ("if this is so"), and does not silence the others
    ([("emergency", "possible"), ("urgent", "active"), ("soon", "active")],
     ["do emergency", "do urgent", "ALSO"], "emergency"),
    # only possible flags: nothing is known to be more urgent, so each says its own action
    ([("urgent", "possible"), ("soon", "possible")], ["do urgent", "do soon"], "urgent"),
    ([("soon", "active")], ["do soon"], "soon"),
    ([], [], None),
])
def test_patient_help_speaks_with_one_voice(flags: list[tuple[str, str]], told: list[str],
                                            level: str | None) -> None:
    workup = dataclasses.make_dataclass("W", [("red_flags", list)])([_flag(u, s) for u, s in flags])
    voice = care.patient_help(workup, None, "ALSO")
    assert [h.action for h in voice.now] == told
    assert voice.level == level and voice.later == []


#: measured low strength and slow gait (a finding), so that the plan is indicated
MEASURED: dict[str, Any] = {"sex": "male", "age": 79, "height": "172 cm", "weight": "60 kg",
                            "grip_strength": 20, "gait_speed": 0.6}


def test_the_plans_swallowing_check_comes_before_the_grams_of_protein() -> None:
    """A swallowing difficulty recorded: the plan's speech and language therapy item has plain
    words (Thibault 2021); the patient reads them first under "Eat"."""
    rec = {**MEASURED, "conditions": ["stroke"],
           "history": {"symptoms": {"weakness": True, "swallowing_difficulty": True}, "tempo": "years",
                       "course": "stable"}}
    result = myoscope.assess(rec)
    assert result.plan is not None
    item = next(i for i in result.plan.sections["nutrition"] if i.id == "nut_swallowing_assessment")
    eat = patient_context(result)["eat"]
    assert eat[0] == item.patient_text and len(eat) > 1


def test_an_exercise_programme_says_to_check_with_a_clinician_first() -> None:
    """The plan's doses assume no contraindication that the record does not hold (clinician
    report); the patient reads that they should ask first, above a programme they would do
    themselves, not above a caution or staff moving the limbs of a person in bed."""
    check = patient_texts()["move_check"]["text"]
    programme = patient_context(myoscope.assess(dict(MEASURED)))
    assert programme["move_check"] == check and programme["todo"]
    doc = lxml_html.fromstring(patient_html(myoscope.assess(dict(MEASURED))))
    assert check in _section(doc, "what-to-do")
    for rec in (REFRACTORY, BED_BOUND):
        assert patient_context(myoscope.assess(dict(rec)))["move_check"] == ""


def test_no_exercise_can_help_beside_an_instruction_to_get_help_now() -> None:
    """A finding of sarcopenia in a person told to go to hospital today (weakness getting worse
    over weeks): its meaning is said without "exercise and enough protein can help"."""
    calm = patient_context(myoscope.assess(dict(MEASURED)))
    helps = patient_texts()["meanings"]["sarcopenia"]["helps"]
    assert helps in calm["found"][0]["means"]
    acute = patient_context(myoscope.assess({**MEASURED, "history": {
        "symptoms": {"weakness": True}, "tempo": "weeks", "course": "progressive"}}))
    assert acute["help_level"] == "emergency"
    assert acute["found"] and helps not in acute["found"][0]["means"]


def _plan_help(urgency: str) -> Any:
    return care.Help(f"plan {urgency}", "", urgency, kind="plan", id=f"p_{urgency}")


@pytest.mark.parametrize(("flags", "plan", "now", "later"), [
    # under an active urgent flag, the plan's "soon" safety net stays (when to go to hospital)
    ([("urgent", "active")], ["soon"], ["urgent active"], ["plan soon"]),
    # under an active emergency, a less urgent plan item is covered by the hospital visit
    ([("emergency", "active")], ["soon", "urgent"], ["emergency active"], []),
    # as urgent as an active emergency or urgent flag: the flag's words say when ("call an
    # ambulance" against "today")
    ([("emergency", "active")], ["emergency"], ["emergency active"], []),
    ([("urgent", "active")], ["urgent"], ["urgent active"], []),
    # more urgent than every active flag: the plan's words come first, the flag says to tell it
    ([("urgent", "active")], ["emergency"], ["plan emergency", "urgent active"], []),
    # a possible emergency flag does not silence the plan's urgent item
    ([("emergency", "possible")], ["urgent"], ["emergency possible", "plan urgent"], []),
    # a soon flag and a soon safety net are different things: both stay
    ([("soon", "active")], ["soon"], ["soon active"], ["plan soon"]),
])
def test_plan_items_speak_where_they_say_more_than_the_flags(
        flags: list[tuple[str, str]], plan: list[str], now: list[str], later: list[str]) -> None:
    helps = [care.Help(f"{u} {s}", f"do {u}", u, s, id=f"f_{u}") for u, s in flags]
    voice = care.one_voice([*helps, *(_plan_help(u) for u in plan)], "ALSO")
    assert [h.text for h in voice.now] == now
    assert [h.text for h in voice.later] == later


def test_an_improving_weakness_keeps_its_safety_net_beside_an_urgent_weight_loss() -> None:
    """The 83-year-old improving after a hip fracture who has also lost weight without trying:
    the urgent weight-loss flag sets the visit, and the plan's "soon" Guillain-Barré item still
    says when to go to hospital the same day (second clinical review)."""
    rec = {**HIP, "weight": "50 kg", "height": "158 cm", "weight_history": [{"months_ago": 6, "weight": 56}]}
    result = myoscope.assess(rec)
    assert result.workup is not None
    assert "unexplained_weight_loss" in {f.id for f in result.workup.red_flags if f.status == "active"}
    context = patient_context(result)
    assert [h.id for h in context["see"]] == ["cause_acute_inflammatory_neuropathy_unconfirmed"]
    assert context["help_level"] == "urgent"
    doc = lxml_html.fromstring(patient_html(result))
    assert _text(doc.xpath('//section[@id="get-help-now"]/h2')[0]) == "See a doctor soon"


def test_a_suspected_stroke_says_call_an_ambulance_once() -> None:
    """One-sided weakness over days: the stroke flag's "call an ambulance" is the instruction;
    the plan's same-day Guillain-Barré item, as urgent, is not added with its "today"."""
    result = myoscope.assess({"sex": "female", "age": 70, "history": {
        "symptoms": {"weakness": True, "limb_asymmetry": True}, "tempo": "days"}})
    context = patient_context(result)
    assert context["help_now"][0].id == "sudden_focal_weakness"
    assert not [h for h in context["help_now"] if h.kind == "plan"]
    assert "ambulance" in context["help_now"][0].action


def test_a_possible_als_without_a_flag_is_told_to_see_a_doctor_within_days() -> None:
    """Fasciculations with asymmetric weakness getting worse over months: the plan refers to a
    neurologist without delay (NICE NG42, urgent); the patient reads it in plain words under
    "See a doctor soon" (second clinical review: nothing was said before)."""
    result = myoscope.assess({"sex": "male", "age": 60, "history": {
        "symptoms": {"weakness": True, "fasciculations": True, "limb_asymmetry": True},
        "tempo": "months", "course": "progressive"}})
    assert result.plan is not None and result.plan.item("cause_als") is not None
    context = patient_context(result)
    assert "cause_als" in [h.id for h in context["help_now"]]
    assert context["help_level"] == "urgent"
