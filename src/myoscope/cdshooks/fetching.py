"""The patient's data for a hook: from ``prefetch`` when the EHR sent it, else read from
``fhirServer`` with the ``fhirAuthorization`` token (httpx, with a timeout), else nothing.

Prefetch templates ask for the Patient and the Observations whose codes myoscope reads
(``knowledge/interop/fhir.yaml``), newest first.
"""

from __future__ import annotations

from typing import Any

import httpx

from ..fhir.codes import load_codes

#: at most this many pages of an Observation search are followed
MAX_PAGES = 5


def observation_query(patient: str) -> str:
    codes = load_codes()
    loinc = ",".join(f"{codes.systems.loinc}|{o.code}" for o in codes.observations)
    return f"Observation?patient={patient}&code={loinc}&_sort=-date&_count=200"


def prefetch_templates() -> dict[str, str]:
    return {
        "patient": "Patient/{{context.patientId}}",
        "observations": observation_query("{{context.patientId}}"),
    }


def from_prefetch(prefetch: dict[str, Any] | None, patient_id: str) -> list[dict[str, Any]] | None:
    """The resources of the prefetch, or None when a key is missing or null (the client could not
    prefetch it: then the server is asked) or when the Patient is not the context's patient."""
    if not prefetch or prefetch.get("patient") is None or prefetch.get("observations") is None:
        return None
    out: list[dict[str, Any]] = []
    patient, observations = prefetch["patient"], prefetch["observations"]
    if not (
        isinstance(patient, dict)
        and patient.get("resourceType") == "Patient"
        and patient.get("id") == patient_id
    ):
        return None
    out.append(patient)
    if isinstance(observations, dict):
        out += [
            e["resource"]
            for e in observations.get("entry") or []
            if isinstance(e, dict) and isinstance(e.get("resource"), dict)
        ]
    return out


class FhirServerError(Exception):
    """The FHIR server could not be read (status, timeout, not JSON)."""


async def from_server(
    server: str,
    patient: str,
    token: str | None,
    timeout: float,
    transport: httpx.AsyncBaseTransport | None = None,
) -> list[dict[str, Any]]:
    """The Patient and its Observations from the EHR's FHIR server.

    :raises FhirServerError: naming what failed (the hook then answers with what it can)."""
    headers = {"Accept": "application/fhir+json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        async with httpx.AsyncClient(timeout=timeout, transport=transport, headers=headers) as client:
            p = await client.get(f"{server}/Patient/{patient}")
            if p.status_code != 200:
                raise FhirServerError(f"Patient read answered {p.status_code}")
            out: list[dict[str, Any]] = [p.json()]
            url: str | None = f"{server}/{observation_query(patient)}"
            for _ in range(MAX_PAGES):
                if url is None:
                    break
                r = await client.get(url)
                if r.status_code != 200:
                    raise FhirServerError(f"Observation search answered {r.status_code}")
                page = r.json()
                out += [e["resource"] for e in page.get("entry") or [] if isinstance(e.get("resource"), dict)]
                url = next(
                    (link.get("url") for link in page.get("link") or [] if link.get("relation") == "next"),
                    None,
                )
            return out
    except httpx.HTTPError as exc:
        raise FhirServerError(f"{type(exc).__name__} reading the FHIR server") from None
    except ValueError:
        raise FhirServerError("the FHIR server did not answer JSON") from None
