"""Reviewer finding S3: GLIM 2019 with a recorded cancer and 16% weight loss in 6 months.

The inflammation (disease burden) criterion stays the clinician's judgement, recorded in the field
``inflammation``: GLIM's 2024 guidance (Jensen 2024, abstract) says that a disease usually
associated with inflammatory activity "may be used" to fulfil it, and a recorded condition does
not say whether this disease, now, is such. The verdict stays indeterminate and names
``inflammation``; a caveat citing the guidance now says so where a record lists cancer, heart
failure, COPD, CKD or sepsis, and is absent otherwise (an unrecorded conditions list is unknown,
not a disease).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from myoscope import assess

#: cancer, 75 -> 63 kg within 6 months (16.0%), non-volitional; nothing else etiologic recorded
S3: dict[str, Any] = {"sex": "male", "age": 66, "asian": False, "height": 175, "weight": 63,
                      "weight_loss_intentional": False, "weight_history": [{"months_ago": 6, "weight": 75}],
                      "conditions": ["cancer"]}


def glim(record: dict[str, Any]) -> Any:
    return assess(copy.deepcopy(record), ["glim2019"]).results["glim2019"]


def guidance_caveats(result: Any) -> list[str]:
    return [c for c in result.caveats if "2024 guidance" in c]


def test_reviewer_record_s3_is_indeterminate_on_inflammation_and_says_why() -> None:
    g = glim(S3)
    assert g.outcome == "indeterminate" and not g.decided
    assert "inflammation" in g.decisive_measures
    [caveat] = guidance_caveats(g)
    assert "may be used to fulfil the inflammation" in caveat
    assert "clinician's judgement" in caveat and "field inflammation" in caveat


@pytest.mark.parametrize("condition", ["cancer", "heart_failure", "copd", "ckd", "sepsis"])
def test_each_named_disease_raises_the_guidance_caveat(condition: str) -> None:
    assert guidance_caveats(glim({**S3, "conditions": [condition]}))


@pytest.mark.parametrize("conditions", [[], ["stroke"], ["diabetes"], None], ids=["none", "stroke", "diabetes",
                                                                                  "not-recorded"])
def test_no_named_disease_no_guidance_caveat(conditions: list[str] | None) -> None:
    record = {**S3, "conditions": conditions}
    if conditions is None:
        record.pop("conditions")
    assert guidance_caveats(glim(record)) == []


def test_the_recorded_judgement_decides_and_the_disease_alone_does_not() -> None:
    assert glim({**S3, "inflammation": True}).outcome == "malnutrition_stage_2"  # > 10% in 6 months
    judged_not = glim({**S3, "inflammation": False, "food_intake_percent": 100, "reduced_intake_days": 0,
                       "chronic_gi_condition": False})
    assert judged_not.outcome == "no_malnutrition" and judged_not.decided
