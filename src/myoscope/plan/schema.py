"""Schema of ``knowledge/interventions.yaml``: unknown keys are errors, every item is cited.

pydantic checks the shape; ``loader.py`` checks what refers to what (references, flags, causes,
measures). Evidence is data: its strength and certainty are recorded as the source grades them,
together with what the project actually read (abstract, secondary summary, title only).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Section = Literal["treat_cause", "exercise", "nutrition", "physiotherapy", "not_recommended",
                  "goals", "follow_up"]
SECTIONS: tuple[str, ...] = ("treat_cause", "exercise", "nutrition", "physiotherapy",
                             "not_recommended", "goals", "follow_up")
Kind = Literal["recommendation", "caution", "referral", "not_recommended", "goal", "follow_up",
               "target", "red_flag", "information"]
Urgency = Literal["emergency", "urgent", "soon", "routine"]
Strength = Literal["strong", "conditional", "weak", "expert_consensus", "no_recommendation",
                   "insufficient", "animal_only", "not_graded"]
Certainty = Literal["high", "moderate", "low", "very_low"]
Read = Literal["full_text", "abstract", "secondary", "title_only"]
Comparator = Literal["<", "<=", ">", ">="]
Course = Literal["reversible", "progressive", "variable"]

#: A numeric range [min, max]; max None means "at least min".
Range = tuple[float, float | None]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CitationSpec(Strict):
    ref: str
    locator: str | None = None


class EvidenceSpec(Strict):
    """How strong the source says its recommendation is, and what the project read of it."""

    strength: Strength
    certainty: Certainty | None = None
    grade: str | None = None
    read: Read | None = None
    note: str | None = None


class WhenSpec(Strict):
    """When an item (or rule) applies. Every listed test must pass; an empty spec always passes.

    ``causes_any``: one of these causes is treated (a work-up candidate whose ``support`` is known
    not to hold is not treated). ``causes_supported``: one of these is treated and its support is
    not known to be missing (``supported``, or ``undecided``: a missing fact is unknown, not
    absent, so a same-day referral stays while it is asked). ``causes_weak``: one of these is a
    work-up candidate whose support is ``not_supported``; such an item says what to ask and when
    to seek help, and is given whatever the plan's status (it treats nothing).
    ``causes_diagnosed``: one of these is treated and its diagnosis is recorded (the work-up's
    ``diagnosed``, from causes.yaml ``diagnosed_by``; or a cause taken from a recorded condition);
    ``causes_suspected``: one of these is treated and not recorded (a hypothesis of the work-up).
    A referral "without delay if suspected" is for the second; the first is followed where it is
    already cared for.
    """

    causes_any: list[str] = Field(default_factory=list)
    causes_supported: list[str] = Field(default_factory=list)
    causes_weak: list[str] = Field(default_factory=list)
    causes_diagnosed: list[str] = Field(default_factory=list)
    causes_suspected: list[str] = Field(default_factory=list)
    flags_all: list[str] = Field(default_factory=list)
    flags_any: list[str] = Field(default_factory=list)
    flags_none: list[str] = Field(default_factory=list)
    flags_unknown_note: list[str] = Field(default_factory=list)

    def flags(self) -> list[str]:
        return [*self.flags_all, *self.flags_any, *self.flags_none, *self.flags_unknown_note]

    def causes(self) -> list[str]:
        return [*self.causes_any, *self.causes_supported, *self.causes_weak, *self.causes_diagnosed,
                *self.causes_suspected]


class DoseSpec(Strict):
    """Dose fields of an item; each is a [min, max] range (max null: at least min)."""

    frequency_per_week: Range | None = None
    exercises: Range | None = None
    sets: Range | None = None
    repetitions: Range | None = None
    intensity_pct_1rm: Range | None = None
    effort_0_10: Range | None = None
    load_increase_pct: Range | None = None
    minutes_per_session: Range | None = None
    weeks: Range | None = None
    kcal_per_day: Range | None = None
    protein_g_per_day: Range | None = None


class PopulationSpec(Strict):
    """The population an item's evidence comes from, as the flag that holds for it: outside it
    (the flag false) or not known to be in it (unknown), the plan says so beside the item."""

    flag: str
    #: lower-case clause, e.g. "the evidence comes from mechanically ventilated adults in intensive care"
    text: str = Field(min_length=1)


class ItemSpec(Strict):
    """One plan item. A citation and an evidence grading are required: uncited items are refused."""

    section: Section
    kind: Kind
    text: str = Field(min_length=1)
    #: the same advice in plain words for the patient report (same source, same numbers)
    patient_text: str | None = None
    when: WhenSpec = Field(default_factory=WhenSpec)
    dose: DoseSpec | None = None
    refer_to: str | None = None
    urgency: Urgency | None = None
    repeat: list[str] = Field(default_factory=list)
    repeat_other: list[str] = Field(default_factory=list)
    interval: str | None = None
    interval_weeks: Range | None = None
    population: PopulationSpec | None = None
    citation: CitationSpec
    evidence: EvidenceSpec

    @model_validator(mode="after")
    def _referral_has_target(self) -> ItemSpec:
        if self.kind == "referral" and not (self.refer_to and self.urgency):
            raise ValueError("a referral needs refer_to and urgency")
        if self.section == "follow_up" and not self.interval:
            raise ValueError("a follow-up item needs an interval (say who sets it if no source does)")
        return self


class CauseSpec(Strict):
    label: str
    course: Course
    disease: bool
    intrinsic: bool = False
    conditions: list[str] = Field(default_factory=list)
    flags: list[str] = Field(default_factory=list)


class RuleSpec(Strict):
    """A nutrition rule (protein g/kg or energy kcal/kg); the first whose ``when`` holds applies."""

    id: str
    when: WhenSpec = Field(default_factory=WhenSpec)
    computed: bool = True
    undetermined: bool = False
    decisive: list[str] = Field(default_factory=list)
    g_per_kg: Range | None = None
    kcal_per_kg: Range | None = None
    per_meal: bool = False
    #: said with the computed amount wherever it is shown alone ("built up progressively" in ICU)
    qualifier: str | None = None
    population: PopulationSpec | None = None
    text: str
    citation: CitationSpec
    evidence: EvidenceSpec

    @model_validator(mode="after")
    def _factor(self) -> RuleSpec:
        if self.computed and self.g_per_kg is None and self.kcal_per_kg is None:
            raise ValueError("a computed rule needs g_per_kg or kcal_per_kg")
        return self


class ThresholdSpec(Strict):
    measure: str
    comparator: Comparator
    value: float
    citation: CitationSpec | None = None
    note: str | None = None


class IntakeCriterionSpec(Strict):
    """NICE CG32's "little or no nutritional intake for more than N days", read from the GLIM
    intake fields (``food_intake_percent`` over ``reduced_intake_days``): no intake (0 %) for more
    than N days meets it; a full intake (``RefeedingSpec.full_intake_percent``), or a reduction of
    N days or fewer, does not; any other amount leaves it unknown, since CG32 does not say how
    little "little" is."""

    little_or_no_intake_days: float
    note: str | None = None


class IncludesCriterionSpec(Strict):
    """A criterion met when the recorded list ``constraint`` (``plan_constraints``) holds
    ``includes``. It is never ruled out from the list: the criterion names more than the record
    holds (CG32's drugs: insulin, chemotherapy, antacids or diuretics, or alcohol misuse)."""

    constraint: str
    includes: str
    note: str | None = None


RefeedingCriterion = ThresholdSpec | IntakeCriterionSpec | IncludesCriterionSpec


class RefeedingSpec(Strict):
    citation: CitationSpec
    evidence: EvidenceSpec
    major: list[RefeedingCriterion]
    minor: list[RefeedingCriterion]
    extreme: list[RefeedingCriterion]
    #: an intake at or above this share of the requirement is not "little" (IntakeCriterionSpec)
    full_intake_percent: float
    not_in_record: list[str]
    start_kcal_per_kg: float
    extreme_start_kcal_per_kg: float
    build_up_days: Range


class LowIntakeSpec(Strict):
    citation: CitationSpec
    evidence: EvidenceSpec
    any_of: list[list[ThresholdSpec]]


class PerMealSpec(Strict):
    g: Range
    citation: CitationSpec
    evidence: EvidenceSpec


class ConstraintFieldSpec(Strict):
    kind: Literal["bool", "enum", "enum_list", "quantity", "integer"]
    label: str
    values: list[str] = Field(default_factory=list)
    aliases: dict[str, str] = Field(default_factory=dict)
    unit: str | None = None
    range: tuple[float, float] | None = None


class WorkupPolicySpec(Strict):
    """Which work-up candidates the plan treats (project policy, documented in docs/plan.md)."""

    max_causes: int = Field(ge=1)
    exclude_confidence: list[str]
    note: str


class ConditionListSpec(Strict):
    conditions: list[str]
    citation: CitationSpec


class RefractorySpec(Strict):
    """Definition outcomes that are a refractory (comfort-focused) stage, e.g. Fearon 2011
    refractory cachexia: while one is decided, the plan gives no standard training programme."""

    outcomes: dict[str, list[str]] = Field(min_length=1)
    citation: CitationSpec


class InterventionsFile(Strict):
    version: str
    workup_policy: WorkupPolicySpec
    findings: dict[str, list[str]]
    intermediate: dict[str, list[str]] = Field(default_factory=dict)
    constraint_fields: dict[str, ConstraintFieldSpec]
    thresholds: dict[str, ThresholdSpec]
    ckd_severe_stages: list[str]
    ckd_low_protein_stages: list[str]
    disease_conditions: ConditionListSpec
    refeeding: RefeedingSpec
    low_intake: LowIntakeSpec
    refractory: RefractorySpec
    flags: dict[str, str]
    causes: dict[str, CauseSpec]
    protein_rules: list[RuleSpec] = Field(min_length=1)
    energy_rules: list[RuleSpec] = Field(min_length=1)
    protein_per_meal: PerMealSpec
    items: dict[str, ItemSpec]

    @model_validator(mode="after")
    def _thresholds_cited(self) -> InterventionsFile:
        uncited = [k for k, t in self.thresholds.items() if t.citation is None]
        if uncited:
            raise ValueError(f"thresholds without a citation: {', '.join(uncited)}")
        return self
