"""Records shared by tests of several faces (web, API, CDS Hooks, FHIR), each with why it matters."""

from __future__ import annotations

from typing import Any

#: one-sided weakness getting worse over weeks, every other red-flag question answered "no": the
#: work-up's flag (rapidly progressive asymmetric weakness) is urgent, while Guillain-Barré
#: syndrome, supported by the same record, is a same-day referral in the plan (interventions.yaml,
#: Leonhard 2019). A face that showed only the red flags would say "urgent" where the plan says
#: "today". (A symmetrical or unrecorded distribution raises NG127's immediate flag itself.)
WEEKS_PROGRESSIVE: dict[str, Any] = {
    "height": 180, "weight": 82, "grip_strength": 19,
    "history": {
        "symptoms": {"weakness": True, "numbness_tingling": True, "bladder_bowel_dysfunction": False,
                     "saddle_numbness": False, "breathing_difficulty": False, "swallowing_difficulty": False,
                     "speech_difficulty": False, "back_pain": False},
        "tempo": "weeks", "course": "progressive", "distribution": ["asymmetric"],
        "signs": {"sensory_level": False},
    },
}
