"""Schema of ``knowledge/causes.yaml``: unknown keys are errors and every item carries a citation.

pydantic checks the shape (``extra="forbid"``, required ``source`` / ``ref`` + ``at`` on every
finding, link, test, course and red flag); ``loader.py`` checks that each citation names a known
reference and that every finding, test, fact and criterion referred to exists.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Urgency = Literal["emergency", "urgent", "soon", "routine"]
Reversible = Literal["yes", "partly", "no", "uncertain"]
CauseGroup = Literal["ageing", "disuse", "critical_illness", "nutrition", "cachexia", "neuromuscular",
                     "neurological", "mimic"]

#: Most urgent first: the order red flags are shown in.
URGENCY_ORDER: tuple[str, ...] = ("emergency", "urgent", "soon", "routine")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Cite(Strict):
    """A citation: a reference id (references/*.yaml) and where in it (table, page, section)."""

    ref: str = Field(min_length=1)
    locator: str = Field(min_length=1)


class QuestionSpec(Strict):
    ask: str
    patient: str


class FindingSpec(Strict):
    """A named, three-valued observation: true, false, or unknown when its inputs are missing."""

    text: str
    patient: str
    when: dict[str, Any]
    source: Cite


class TestSpec(Strict):
    label: str
    patient: str
    source: Cite
    #: the record facts that hold this test's result: once recorded, it is not offered again
    #: (all of them, or any one with ``recorded_by_any``: grip or chair stands)
    recorded_by: list[str] = Field(default_factory=list)
    recorded_by_any: bool = False


class Link(Strict):
    """A finding's stated weight for or against one cause, and the citation for that link."""

    finding: str
    weight: int = Field(ge=1, le=4)
    ref: str = Field(min_length=1)
    at: str = Field(min_length=1)


class TestLink(Strict):
    test: str
    why: str
    ref: str = Field(min_length=1)
    at: str = Field(min_length=1)
    #: the test is part of making the diagnosis: not offered once the cause's ``diagnosed_by``
    #: finding holds (a recorded ALS is not sent for the EMG that would diagnose it), where a test
    #: of the diagnosis's course or complications (lung disease in myositis) still is
    confirms: bool = False


class CriteriaPart(Strict):
    label: str
    when: dict[str, Any]


class ScoreItem(Strict):
    label: str
    points: float = Field(gt=0)
    when: dict[str, Any]
    group: str | None = None  # items of one group are mutually exclusive (e.g. age bands)


class ScoreBand(Strict):
    min: float
    label: str


class CriteriaSpec(Strict):
    """A published rule set evaluated as written where the record allows (Gold Coast, EULAR/ACR)."""

    title: str
    kind: Literal["all", "score"]
    source: Cite
    parts: list[CriteriaPart] = Field(default_factory=list)
    items: list[ScoreItem] = Field(default_factory=list)
    bands: list[ScoreBand] = Field(default_factory=list)
    note: str | None = None


class SupportSpec(Strict):
    """What a cause's cited source needs before the plan acts on the hypothesis (its referral,
    its programme). Three-valued: the plan does not treat a cause whose support is known not to
    hold, and items written for a hypothesis not yet supported say what to ask and when to seek help.
    """

    #: what is needed, in words that complete "the record does not show ..."
    needs: str = Field(min_length=1)
    when: dict[str, Any]
    source: Cite


class CauseSpec(Strict):
    label: str
    patient_label: str
    patient_summary: str
    group: CauseGroup
    source: Cite
    gate: list[str] = Field(min_length=1)
    supports: list[Link] = Field(min_length=1, alias="for")
    against: list[Link] = Field(default_factory=list)
    course: str
    course_source: Cite
    reversible: Reversible
    reversible_note: str
    reversible_source: Cite
    tests: list[TestLink] = Field(min_length=1)
    #: the finding that says the diagnosis is already made (a recorded condition): its tests
    #: marked ``confirms`` are then not offered
    diagnosed_by: str | None = None
    criteria: list[str] = Field(default_factory=list)
    #: written ``support:`` (``supports`` are the findings for the cause)
    support_rule: SupportSpec | None = Field(default=None, alias="support")


class RedFlagSpec(Strict):
    text: str
    patient: str
    urgency: Urgency
    action: str
    patient_action: str
    #: whether the plan must hold standard exercise back while this flag is active (DESIGN §13);
    #: stated for every flag so that the choice is made, and tested, flag by flag
    defers_exercise: bool
    when: dict[str, Any]
    #: when ``when`` is unknown (a fact is missing) but this holds, the flag cannot be ruled out:
    #: it is shown as possible, with the questions that settle it, and gates the plan as an
    #: active flag does (safety outranks convenience: weakness over days with its course not
    #: recorded is not "no red flag")
    possible_when: dict[str, Any] | None = None
    source: Cite


class ConfidenceBand(Strict):
    min: float = Field(ge=0, le=1)
    label: str


class CausesFile(Strict):
    version: str
    weights_note: str
    confidence_note: str
    confidence_bands: list[ConfidenceBand] = Field(min_length=1)
    support_note: str
    question_note: str
    question_bonus: dict[Urgency, int]
    disclaimer: str
    patient_disclaimer: str
    results: dict[str, list[str]]
    questions: dict[str, QuestionSpec]
    findings: dict[str, FindingSpec]
    tests: dict[str, TestSpec]
    criteria: dict[str, CriteriaSpec] = Field(default_factory=dict)
    causes: dict[str, CauseSpec]
    red_flags: dict[str, RedFlagSpec]
