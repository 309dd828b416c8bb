"""CDS Hooks fixtures: client keys (RSA and EC), signed tokens, the app with one client
configured, and a local FHIR server stub (a FastAPI app reached through httpx's ASGI transport)."""

from __future__ import annotations

import json
import time
import uuid
import warnings
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("jwt")
warnings.filterwarnings("ignore", message=".*httpx2.*")

import httpx  # noqa: E402
import jwt  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, rsa  # noqa: E402
from fastapi import FastAPI, Request  # noqa: E402
from fastapi.responses import JSONResponse  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from myoscope.web.app import create_app  # noqa: E402
from myoscope.web.settings import WebSettings  # noqa: E402

FIXTURES = Path(__file__).parents[1] / "fixtures" / "fhir"
BASE = "https://myoscope.test"
ISS = "https://ehr.test"
HOOK_URL = f"{BASE}/cds-services/myoscope-patient-view"

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP384R1())


def jwks() -> dict[str, Any]:
    keys = []
    for kid, key in (("rsa-1", RSA_KEY), ("ec-1", EC_KEY)):
        jwk = json.loads(jwt.algorithms.get_default_algorithms()["RS384" if kid == "rsa-1" else "ES384"]
                         .to_jwk(key.public_key()))
        keys.append({**jwk, "kid": kid})
    return {"keys": keys}


def token(aud: str = HOOK_URL, iss: str = ISS, exp: float | None = None, jti: str | None = None,
          alg: str = "RS384", key: Any = None, kid: str | None = None) -> str:
    now = time.time()
    claims = {"iss": iss, "aud": aud, "iat": int(now), "exp": int(exp if exp is not None else now + 300),
              "jti": jti or uuid.uuid4().hex, "sub": "client"}
    if key is None:
        key = RSA_KEY if alg.startswith("RS") else EC_KEY
    headers = {"kid": kid or ("rsa-1" if alg.startswith("RS") else "ec-1")}
    return jwt.encode(claims, key, algorithm=alg, headers=headers)


def bundle(name: str) -> dict[str, Any]:
    """A fixture Bundle with its Observations moved to end today (the hook assesses as of today,
    and only the last 90 days count)."""
    data = json.loads((FIXTURES / name).read_text("utf-8"))
    obs = [e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "Observation"]
    newest = max(date.fromisoformat(o["effectiveDateTime"][:10]) for o in obs)
    shift = datetime.now(UTC).date() - newest
    for o in obs:
        day = date.fromisoformat(o["effectiveDateTime"][:10]) + shift
        o["effectiveDateTime"] = day.isoformat() + o["effectiveDateTime"][10:]
    return data


def fhir_stub() -> FastAPI:
    """A FHIR server serving the fixture Bundles: Patient read and Observation search."""
    data = {"maria": bundle("maria_us_units.json"), "tom": bundle("tom_missing_measures.json")}
    stub = FastAPI()
    stub.state.auth = []

    @stub.get("/fhir/Patient/{pid}")
    def patient(pid: str, request: Request) -> JSONResponse:
        stub.state.auth.append(request.headers.get("authorization"))
        b = data.get(pid)
        if b is None:
            return JSONResponse({"resourceType": "OperationOutcome", "issue": []}, status_code=404)
        return JSONResponse(next(e["resource"] for e in b["entry"] if e["resource"]["resourceType"] == "Patient"))

    @stub.get("/fhir/Observation")
    def observations(patient: str) -> JSONResponse:
        b = data.get(patient, {"entry": []})
        entries = [e for e in b["entry"] if e["resource"]["resourceType"] == "Observation"]
        return JSONResponse({"resourceType": "Bundle", "type": "searchset", "entry": entries})

    return stub


def cds_app(database_url: str) -> FastAPI:
    """The web app with one CDS client configured, its FHIR server the local stub. Two apps on one
    database stand for two workers of one deployment."""
    settings = WebSettings.model_validate({
        "database_url": database_url, "migrate_on_start": True,
        "secret_key": "test-secret-key-0123456789", "public_base_url": BASE,
        "smart_launch_url": f"{BASE}/smart/launch",
        "cds_clients": json.dumps([{"iss": ISS, "jwks": jwks()}]),
    })
    app = create_app(settings)
    app.state.fhir_stub = fhir_stub()
    app.state.cds_http_transport = httpx.ASGITransport(app=app.state.fhir_stub)
    return app


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    return TestClient(cds_app(f"sqlite:///{tmp_path / 'cds.sqlite'}"), base_url=BASE)


def hook_body(prefetch: bool = True, patient: str = "maria", server: bool = False, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
                            "context": {"userId": "Practitioner/1", "patientId": patient}, **extra}
    if prefetch:
        b = bundle("maria_us_units.json")
        body["prefetch"] = {
            "patient": next(e["resource"] for e in b["entry"] if e["resource"]["resourceType"] == "Patient"),
            "observations": {"resourceType": "Bundle", "type": "searchset",
                             "entry": [e for e in b["entry"] if e["resource"]["resourceType"] == "Observation"]},
        }
    if server:
        body["fhirServer"] = "http://ehr.test/fhir"
        body["fhirAuthorization"] = {"access_token": "abc", "token_type": "Bearer", "expires_in": 300,
                                     "scope": "patient/Observation.read", "subject": "myoscope"}
    return body
