"""The CapabilityStatement served at ``/fhir/metadata``: what this server does, nothing more.

Built from the operations the FHIR router declares (one ``$assess`` system operation), the
resource types ``$assess`` reads and returns, and how a client authenticates (``rest.security``);
pinned by an exact-JSON test.
"""

from __future__ import annotations

from typing import Any

from .. import __version__
from . import r4b

ASSESS_DEFINITION = "https://myoscope.org/fhir/OperationDefinition/assess"
#: how a client authenticates: the JSON API's bearer token (no OAuth, no SMART: so the service is
#: named in text, not by a restful-security-service code); no CORS headers are sent
SECURITY: dict[str, Any] = {
    "cors": False,
    "service": [{"text": "Bearer API token (myoscope token create)"}],
    "description": "$assess needs `Authorization: Bearer <token>`, an API token of a clinician or "
    "admin (the JSON API's tokens); without a valid one it answers 401 with `WWW-Authenticate: "
    "Bearer` and an OperationOutcome, with another role 403. Each assessment is audited. "
    "`metadata` needs no token.",
}


def capability_statement(date: str = "2026-12-05") -> dict[str, Any]:
    """The statement as JSON (``date`` is the release date of this description, not today)."""
    statement = r4b.CapabilityStatement.model_validate(
        {
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": date,
            "publisher": "The myoscope developers",
            "kind": "instance",
            "software": {"name": "myoscope", "version": __version__},
            "implementation": {"description": "myoscope: muscle wasting assessment (FHIR in and out)"},
            "fhirVersion": r4b.FHIR_VERSION,
            "format": ["application/fhir+json", "json"],
            "rest": [
                {
                    "mode": "server",
                    "documentation": "POST a Bundle (or Patient plus Observations) to $assess; "
                    "see docs/fhir.md.",
                    "security": SECURITY,
                    "resource": [
                        {"type": "Patient", "documentation": "read from the $assess input"},
                        {
                            "type": "Observation",
                            "documentation": "read from the $assess input; verdicts are returned",
                        },
                        {"type": "Condition", "documentation": "returned, verificationStatus provisional"},
                        {"type": "CarePlan", "documentation": "returned, status draft"},
                        {"type": "GuidanceResponse", "documentation": "returned, one per invocation"},
                    ],
                    "operation": [{"name": "assess", "definition": ASSESS_DEFINITION}],
                }
            ],
        }
    )
    return r4b.to_json(statement)
