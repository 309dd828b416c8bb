"""Cards from a pathway result: the plan's same-day referrals have cards of their own beside the red
flags, with the indicator their urgency sets."""

from __future__ import annotations

from datetime import date

from myoscope.cdshooks.cards import CardContext, alarm_cards, cards_for
from myoscope.fhir.importing import ImportResult
from myoscope.fhir.service import FhirAssessment
from myoscope.pathway import run_pathway

from ..records import WEEKS_PROGRESSIVE as WEEKS

CTX = CardContext(base_url="https://myoscope.test", patient_id="p1")


def _done(data: dict[str, object], plan: bool = True) -> FhirAssessment:
    record = {"id": "p1", "sex": "male", "age": 56, **data}
    imported = ImportResult(record=record, as_of=date(2026, 6, 1))
    return FhirAssessment(imported=imported, result=run_pathway(record, plan=plan))


def test_a_same_day_referral_gets_a_critical_card_above_the_urgent_flag() -> None:
    # weakness getting worse over weeks: the flag is urgent (a warning), Guillain-Barré syndrome
    # supported by the same record a same-day referral (critical), which must not go unseen
    cards = cards_for(_done(WEEKS), CTX)
    assert cards[0].indicator == "critical" and cards[0].summary.startswith("Referral (emergency): Possible Guillain")
    assert "Refer to: emergency department and neurology (same day)" in (cards[0].detail or "")
    flag = next(c for c in cards if c.summary.startswith("Red flag (urgent)"))
    assert flag.indicator == "warning"


def test_no_plan_no_referral_card() -> None:
    without = [c.summary for c in alarm_cards(_done(WEEKS, plan=False), CTX)]
    assert without == ["Red flag (urgent): One-sided or focal weakness getting worse over weeks"]
    # a record with no cause calling for a same-day referral has no such card
    plain = _done({"height": 170, "weight": 70, "grip_strength": 30})
    assert not [c for c in alarm_cards(plain, CTX) if c.summary.startswith("Referral")]
