"""One order for the red flags and the plan's same-day referrals, on every face."""

from __future__ import annotations

from myoscope.alarms import entries, of_result
from myoscope.pathway import run_pathway

from .records import WEEKS_PROGRESSIVE


def test_most_urgent_first_then_active_flag_referral_possible_flag() -> None:
    flags = [{"urgency": "urgent", "text": "F", "status": "active"},
             {"urgency": "emergency", "text": "P", "status": "possible"},
             {"urgency": "emergency", "text": "A"}]  # a flag stored before `status` existed is active
    referrals = [{"urgency": "urgent", "text": "U"}, {"urgency": "emergency", "text": "R"}]
    got = entries(flags, referrals)
    assert [e["text"] for e in got] == ["A", "R", "P", "F", "U"]
    assert [e["kind"] for e in got] == ["red_flag", "referral", "red_flag", "red_flag", "referral"]


def test_a_supported_guillain_barre_referral_comes_before_the_urgent_flag() -> None:
    result = run_pathway({"sex": "male", "age": 56, **WEEKS_PROGRESSIVE})
    got = [(e["kind"], e["id"], e["urgency"]) for e in of_result(result.workup, result.plan)]
    assert got == [("referral", "cause_acute_inflammatory_neuropathy", "emergency"),
                   ("red_flag", "rapidly_progressive_asymmetric_weakness", "urgent")]
    assert got[0][1] not in {i.id for i in result.plan.items() if i.kind == "red_flag"}  # type: ignore[union-attr]
    # no plan (the work-up alone): the flags only
    assert [e["kind"] for e in of_result(result.workup, None)] == ["red_flag"]
