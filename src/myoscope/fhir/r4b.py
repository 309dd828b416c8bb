"""The single import point for fhir.resources' R4B models.

R4B (4.3.0) and R4 (4.0.1) have the same elements for every resource used here (Patient,
Observation, Condition, RiskAssessment, GuidanceResponse, CarePlan, Bundle, OperationOutcome,
CapabilityStatement); fhir.resources 8 ships no R4 package, so R4B stands in for it and the
CapabilityStatement declares 4.0.1 (dependencies.md §3). Importing from one module keeps a
future switch of package in one place.
"""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.guidanceresponse import GuidanceResponse
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.resource import Resource
from fhir.resources.R4B.riskassessment import RiskAssessment

#: the FHIR version myoscope speaks (R4; see the module docstring)
FHIR_VERSION = "4.0.1"


def parse_resource(data: dict[str, Any]) -> Resource:
    """A resource of any type from its JSON dict, validated by its R4B model.

    :raises ValueError: for an unknown ``resourceType`` or an invalid resource (pydantic's
        ``ValidationError`` is a ``ValueError``).
    """
    kind = data.get("resourceType")
    if not isinstance(kind, str):
        raise ValueError("resourceType is missing")
    try:
        model = get_fhir_model_class(kind)
    except (KeyError, ValueError) as exc:
        raise ValueError(f"unknown resourceType {kind!r}") from exc
    resource = model.model_validate(data)
    if not isinstance(resource, Resource):
        raise ValueError(f"{kind} is not a resource type")
    return resource


def to_json(resource: Resource) -> dict[str, Any]:
    """A resource as plain JSON (what a server would send), without empty elements."""
    out: dict[str, Any] = resource.model_dump(mode="json", exclude_none=True, by_alias=True)
    return out


__all__ = [
    "FHIR_VERSION",
    "Bundle",
    "CapabilityStatement",
    "CarePlan",
    "Condition",
    "GuidanceResponse",
    "Observation",
    "OperationOutcome",
    "Patient",
    "Resource",
    "RiskAssessment",
    "parse_resource",
    "to_json",
]
