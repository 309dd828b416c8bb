"""The CapabilityStatement at /fhir/metadata, pinned as exact JSON (a change to it is deliberate)."""

from __future__ import annotations

import pytest

pytest.importorskip("fhir.resources")

from myoscope import __version__
from myoscope.fhir.capability import capability_statement

EXPECTED = {
    "resourceType": "CapabilityStatement",
    "status": "active",
    "date": "2026-12-05",
    "publisher": "The myoscope developers",
    "kind": "instance",
    "software": {
        "name": "myoscope",
        "version": __version__
    },
    "implementation": {
        "description": "myoscope: muscle wasting assessment (FHIR in and out)"
    },
    "fhirVersion": "4.0.1",
    "format": [
        "application/fhir+json",
        "json"
    ],
    "rest": [
        {
            "mode": "server",
            "documentation": "POST a Bundle (or Patient plus Observations) to $assess; see docs/fhir.md.",
            "security": {
                "cors": False,
                "service": [
                    {
                        "text": "Bearer API token (myoscope token create)"
                    }
                ],
                "description": "$assess needs `Authorization: Bearer <token>`, an API token of a clinician or "
                "admin (the JSON API's tokens); without a valid one it answers 401 with `WWW-Authenticate: "
                "Bearer` and an OperationOutcome, with another role 403. Each assessment is audited. "
                "`metadata` needs no token."
            },
            "resource": [
                {
                    "type": "Patient",
                    "documentation": "read from the $assess input"
                },
                {
                    "type": "Observation",
                    "documentation": "read from the $assess input; verdicts are returned"
                },
                {
                    "type": "Condition",
                    "documentation": "returned, verificationStatus provisional"
                },
                {
                    "type": "CarePlan",
                    "documentation": "returned, status draft"
                },
                {
                    "type": "GuidanceResponse",
                    "documentation": "returned, one per invocation"
                }
            ],
            "operation": [
                {
                    "name": "assess",
                    "definition": "https://myoscope.org/fhir/OperationDefinition/assess"
                }
            ]
        }
    ]
}


def test_capability_statement_is_pinned() -> None:
    assert capability_statement() == EXPECTED
    assert EXPECTED["fhirVersion"] == "4.0.1"
