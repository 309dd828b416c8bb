"""The FHIR code table (``knowledge/interop/fhir.yaml``), validated and indexed.

Declared once in data so that a code is changed in one place, and each code carries its citation
and how far it was checked (``status``). The loader refuses a code whose reference is not in the
knowledge base's references, as the definitions loader does.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..errors import KnowledgeError
from ..knowledge.loader import load_knowledge
from ..yamlio import load_yaml


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Window(_Strict):
    latest_within_days: int = Field(ge=1)
    per_measure_days: dict[str, int] = Field(default_factory=dict)
    weight_history_days: int = Field(ge=1)
    weight_history_max: int = Field(ge=0)

    def days_for(self, measure: str) -> int:
        return self.per_measure_days.get(measure, self.latest_within_days)


class ObservationCode(_Strict):
    code: str
    measure: str
    display: str
    status: Literal["verified", "design", "myoscope"]
    source: str
    side: Literal["right", "left"] | None = None
    #: a measure myoscope computes itself (BMI): read, reported, not used
    derived: bool = False


class ConditionCode(_Strict):
    id: str
    code: str
    display: str
    source: str
    when: dict[str, list[str]]


class Systems(_Strict):
    loinc: str
    ucum: str
    icd10cm: str
    measure: str
    definition: str
    outcome: str
    observation_category: str
    interpretation: str
    condition_verification: str
    condition_clinical: str


class FhirCodes(_Strict):
    version: str
    systems: Systems
    window: Window
    observations: list[ObservationCode]
    conditions: list[ConditionCode]

    def by_loinc(self) -> dict[str, ObservationCode]:
        return {o.code: o for o in self.observations}

    def loinc_of(self, measure: str) -> ObservationCode | None:
        """The (first) LOINC code declared for a measure, sides excluded."""
        return next((o for o in self.observations if o.measure == measure and o.side is None), None)


@cache
def load_codes() -> FhirCodes:
    """The code table, checked against the references and the definitions' vocabularies.

    :raises KnowledgeError: for an uncited code, an unknown definition or outcome.
    """
    text = resources.files("myoscope.knowledge").joinpath("interop/fhir.yaml").read_text("utf-8")
    try:
        codes = FhirCodes.model_validate(load_yaml(text))
    except ValueError as exc:
        raise KnowledgeError(f"interop/fhir.yaml: {exc}") from exc
    kb = load_knowledge()
    cited: list[tuple[str, str]] = [(o.code, o.source) for o in codes.observations]
    cited += [(c.code, c.source) for c in codes.conditions]
    for code, source in cited:
        if source not in kb.references:
            raise KnowledgeError(f"interop/fhir.yaml: {code}: unknown reference {source!r}")
    for cond in codes.conditions:
        for definition, outcomes in cond.when.items():
            d = kb.definitions.get(definition)
            if d is None:
                raise KnowledgeError(f"interop/fhir.yaml: {cond.id}: unknown definition {definition!r}")
            bad = [o for o in outcomes if o not in d.vocabulary]
            if bad:
                raise KnowledgeError(f"interop/fhir.yaml: {cond.id}: {definition} has no outcome {bad[0]!r}")
    return codes
