"""Reports follow-ups: plan item notes and the reason of a plan not indicated in the clinician
report, "girl"/"boy" under the plan's adult threshold, possible red flags marked as such."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from lxml import html as lxml_html

import myoscope
from myoscope.assess import assess as assess_only
from myoscope.plan.loader import load_plan_knowledge
from myoscope.report.document import clinician_html, clinician_pdf, patient_html
from myoscope.report.summary import summary_text, who, words

ADULT_AGE = load_plan_knowledge().spec.thresholds["adult"].value  # the `child` flag's threshold
# a young adult: guidance written for people over 65 is applied outside its population (a note)
YOUNG = {"id": "young", "sex": "male", "age": 40, "height": "178 cm", "weight": "80 kg", "grip_strength": 20}
# verdicts reached but no population established: the plan is undetermined, record the age first
GRIP_ONLY = {"id": "grip-low-only", "sex": "male", "grip_strength": 20}
# one red flag holds (swallowing difficulty over days), others are possible (not yet ruled out)
FLAGS = {"id": "flags", "sex": "male", "age": 45, "height": "178 cm", "weight": "80 kg", "grip_strength": 18,
         "history": {"symptoms": {"weakness": True, "numbness_tingling": True, "swallowing_difficulty": True},
                     "tempo": "days", "distribution": ["generalised"]}}


def _text(node: Any) -> str:
    return re.sub(r"\s+", " ", node.text_content()).strip()


def test_clinician_report_shows_each_item_note_under_its_item() -> None:
    result = myoscope.assess(YOUNG)
    assert result.plan is not None
    noted = [i for i in result.plan.items() if i.assumptions]
    assert any("applied here outside that population" in a for i in noted for a in i.assumptions)
    doc = lxml_html.fromstring(clinician_html(result))
    cells = [_text(td) for td in doc.xpath('//section[@id="plan"]//tr/td[1]')]
    for item in noted:
        cell = next(c for c in cells if c.startswith(re.sub(r"\s+", " ", item.text)[:60]))
        for note in item.assumptions:
            assert "Note: " + re.sub(r"\s+", " ", note).strip() in cell, (item.id, note)


def test_clinician_report_gives_the_reason_of_a_plan_not_indicated_in_summary_and_plan() -> None:
    result = myoscope.assess(GRIP_ONLY)
    assert result.plan is not None and result.plan.status == "undetermined"
    reason = words(result.plan.reason)
    assert "age" in result.plan.decisive_measures[:2]
    doc = lxml_html.fromstring(clinician_html(result))
    assert reason in _text(doc.xpath('//section[@id="summary"]')[0])
    first = doc.xpath('//section[@id="plan"]/p')[0]  # where the plan section begins
    assert _text(first) == reason and "muted" not in (first.get("class") or "")


def test_an_indicated_plan_keeps_its_reason_muted_and_out_of_the_summary() -> None:
    result = myoscope.assess(YOUNG)
    assert result.plan is not None and result.plan.status == "indicated"
    doc = lxml_html.fromstring(clinician_html(result))
    assert words(result.plan.reason) not in _text(doc.xpath('//section[@id="summary"]')[0])
    assert doc.xpath('//section[@id="plan"]/p')[0].get("class") == "muted"


@pytest.mark.parametrize(
    ("sex", "age", "word"),
    [
        ("female", ADULT_AGE - 8, "girl"),
        ("male", ADULT_AGE - 1, "boy"),
        ("female", ADULT_AGE, "woman"),
        ("male", ADULT_AGE + 22, "man"),
        ("female", None, "female"),  # an unknown age does not make an adult
        ("male", None, "male"),
    ],
)
def test_who_says_girl_or_boy_under_the_plan_adult_threshold(sex: str, age: float | None, word: str) -> None:
    rec: dict[str, Any] = {"id": "p", "sex": sex, "grip_strength": 12}
    if age is not None:
        rec["age"] = age
    for result in (myoscope.assess(rec), assess_only(rec)):  # with a plan, and definitions only
        assert who(result).startswith(f"p: {word}, "), who(result)
    assert summary_text(myoscope.assess(rec), width=100).splitlines()[0].startswith(f"myoscope — p: {word}, ")


def test_possible_red_flags_are_marked_possible_in_both_reports() -> None:
    result = myoscope.assess(FLAGS)
    assert result.workup is not None
    statuses = {f.status for f in result.workup.red_flags}
    assert statuses == {"active", "possible"}
    n_possible = sum(f.status == "possible" for f in result.workup.red_flags)
    doc = lxml_html.fromstring(clinician_html(result))
    boxes = doc.xpath('//section[@id="red-flags"]/div[not(contains(@class, "referral"))]')
    assert len(boxes) == len(result.workup.red_flags)
    # the plan's same-day referrals share the box, each labelled as one (not as a possible flag)
    assert result.plan is not None and result.plan.same_day_referrals()
    referrals = doc.xpath('//section[@id="red-flags"]/div[contains(@class, "referral")]')
    assert len(referrals) == len(result.plan.same_day_referrals())
    assert all(_text(r.xpath('./span[@class="status"]')[0]) == "plan referral" for r in referrals)
    for box in boxes:
        label = box.xpath('./span[@class="status"]')
        possible = "possible" in box.get("class").split()
        assert bool(label) == possible and (not label or _text(label[0]) == "possible")
        # the urgency label (and its colour class) stays on every flag
        assert box.xpath('./span[@class="urgency"]') and box.get("class").split()[1] in (
            "emergency", "urgent", "soon", "routine")
    assert sum("possible" in b.get("class").split() for b in boxes) == n_possible
    patient = lxml_html.fromstring(patient_html(result))
    assert len(patient.xpath('//section[@id="get-help-now"]/div[contains(@class, "possible")]')) == n_possible
    assert len(patient.xpath('//section[@id="get-help-now"]/div[contains(@class, "red-flag")]')) == len(
        result.workup.red_flags)


def test_possible_label_is_in_the_clinician_pdf_next_to_the_urgency() -> None:
    from pypdf import PdfReader

    data = clinician_pdf(myoscope.assess(FLAGS))
    text = re.sub(r"\s+", " ", "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages))
    assert "EMERGENCY POSSIBLE Possible, not yet ruled out" in text
    assert text.index("POSSIBLE") < text.index("Summary")


def test_definitions_outside_their_population_end_with_one_full_stop() -> None:
    result = myoscope.assess({"id": "child", "sex": "female", "age": ADULT_AGE - 8, "grip_strength": 12})
    caveats = [r.caveats[0] for r in result.results.values() if r.caveats]
    assert any(c.endswith(".") for c in caveats)  # the caveats carry their own full stop
    doc = lxml_html.fromstring(clinician_html(result))
    outside = _text(doc.xpath('//section[@id="summary"]/p[@class="muted"]')[0])
    assert "not applicable" in outside and ".." not in outside
