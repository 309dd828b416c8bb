"""``POST /fhir/$assess`` and ``GET /fhir/metadata``: FHIR in, FHIR out; errors as OperationOutcome.

``$assess`` needs an API bearer token of a clinician or admin (401 with ``WWW-Authenticate``
without one, 403 for a researcher) and audits each assessment; ``metadata`` is public."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("fhir.resources")
warnings.filterwarnings("ignore", message=".*httpx2.*")

from fastapi.testclient import TestClient  # noqa: E402
from httpx import Response  # noqa: E402
from sqlalchemy import select  # noqa: E402

from myoscope.fhir import r4b  # noqa: E402
from myoscope.fhir.capability import capability_statement  # noqa: E402
from myoscope.registry.models import AuditEvent  # noqa: E402
from myoscope.registry.tokens import create_token, revoke_token  # noqa: E402

from ..web.conftest import World, build_world, login  # noqa: E402

FIXTURES = Path(__file__).parents[1] / "fixtures" / "fhir"
MARIA = (FIXTURES / "maria_us_units.json").read_bytes()


@dataclass
class Fhir:
    client: TestClient
    world: World
    tokens: dict[str, str]  # username -> token

    def post(self, body: bytes, query: str = "", user: str | None = "alice",
             token: str | None = None) -> Response:
        headers = {"Content-Type": "application/fhir+json", "Origin": "https://ehr.example"}
        if token is not None or user is not None:
            headers["Authorization"] = f"Bearer {token or self.tokens[str(user)]}"
        return self.client.post(f"/fhir/$assess{query}", content=body, headers=headers)

    def audit_rows(self, request_id: str) -> list[AuditEvent]:
        with self.world.app.state.sessions() as s:
            return [e for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))
                    if e.details.get("request_id") == request_id]


@pytest.fixture
def fhir(tmp_path: Path) -> Iterator[Fhir]:
    world = build_world(tmp_path / "f.sqlite", fhir_max_bytes=20_000)
    with world.app.state.sessions.begin() as s:
        tokens = {name: create_token(s, username=name, name="EHR bridge", actor="test")[0]
                  for name in ("alice", "adam", "rita")}
    with TestClient(world.app, base_url="http://testserver") as c:
        yield Fhir(c, world, tokens)


def test_assess_returns_a_bundle_with_the_import_report(fhir: Fhir) -> None:
    r = fhir.post(MARIA)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/fhir+json")
    bundle = r.json()
    assert r4b.to_json(r4b.parse_resource(bundle)) == bundle
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds.count("Condition") == 1 and kinds[-1] == "OperationOutcome"
    report = bundle["entry"][-1]["resource"]["issue"]
    assert any(i["expression"] == ["Observation/bp-systolic"] and i["code"] == "code-invalid" for i in report)


def test_assess_can_return_the_assessment_json(fhir: Fhir) -> None:
    r = fhir.post(MARIA, "?_result=assessment")
    body = r.json()
    assert r.status_code == 200 and body["results"]["ewgsop2"]["outcome"] == "severe_sarcopenia"
    assert body["fhir_import"]["unknown"][0]["ref"] == "Observation/bp-systolic"


def test_a_patient_without_sex_is_422_naming_the_field(fhir: Fhir) -> None:
    data = json.loads(MARIA)
    data["entry"][0]["resource"]["gender"] = "unknown"
    r = fhir.post(json.dumps(data).encode())
    assert r.status_code == 422 and r.json()["resourceType"] == "OperationOutcome"
    assert any(i.get("expression") == ["sex"] for i in r.json()["issue"])


def test_bad_bodies_are_operation_outcomes(fhir: Fhir) -> None:
    r = fhir.post(b"not json")
    assert r.status_code == 400 and r.json()["issue"][0]["code"] == "invalid"
    r = fhir.post(b'{"weight": 70}')
    assert r.status_code == 400 and "expected a FHIR Bundle" in json.dumps(r.json())
    r = fhir.post(b" " * 30_000)
    assert r.status_code == 413 and r.json()["issue"][0]["code"] == "too-costly"
    r = fhir.post(b"[" * 5_000 + b"]" * 5_000)  # deeper than Python's parser goes: it was a 500
    assert r.status_code == 400 and "JSON nested too deeply" in json.dumps(r.json())
    r = fhir.client.get("/fhir/Patient/1")
    assert r.status_code == 404 and r.json()["resourceType"] == "OperationOutcome"


def test_metadata_is_public(fhir: Fhir) -> None:
    r = fhir.client.get("/fhir/metadata")
    assert r.status_code == 200 and r.json() == capability_statement()
    assert r.json()["rest"][0]["security"]["cors"] is False


def test_a_bad_query_is_an_operation_outcome(fhir: Fhir) -> None:
    r = fhir.post(MARIA, "?_result=pdf")
    assert r.status_code == 400 and r.json()["resourceType"] == "OperationOutcome"


# --- authentication --------------------------------------------------------------------------


def _is_login_outcome(r: Response, error: str | None = None) -> None:
    assert r.status_code == 401 and r.headers["content-type"].startswith("application/fhir+json")
    assert r.json()["resourceType"] == "OperationOutcome" and r.json()["issue"][0]["code"] == "login"
    challenge = r.headers["www-authenticate"]
    assert challenge.startswith("Bearer ")
    assert (f'error="{error}"' in challenge) if error else ("error=" not in challenge)


def test_assess_without_a_token_is_401_with_a_challenge(fhir: Fhir) -> None:
    r = fhir.post(MARIA, user=None)
    _is_login_outcome(r)
    assert "Authorization: Bearer" in r.json()["issue"][0]["diagnostics"]
    assert fhir.audit_rows(r.headers["x-request-id"]) == []
    # checked before the query: an unauthenticated caller learns nothing about the parameters
    _is_login_outcome(fhir.post(MARIA, "?_result=pdf", user=None))


def test_an_unknown_malformed_or_revoked_token_is_401(fhir: Fhir) -> None:
    _is_login_outcome(fhir.post(MARIA, token="not-a-token"), "invalid_token")
    forged = fhir.tokens["alice"][:-4] + "AAAA"
    _is_login_outcome(fhir.post(MARIA, token=forged), "invalid_token")
    with fhir.world.app.state.sessions.begin() as s:
        from myoscope.registry.tokens import list_tokens

        alice = next(t for t in list_tokens(s, username="alice"))
        revoke_token(s, token_id=alice.id, actor="test")
    _is_login_outcome(fhir.post(MARIA), "invalid_token")


def test_a_session_cookie_is_not_a_token(fhir: Fhir) -> None:
    login(fhir.client, "alice")  # signed in to the pages: still no access to the FHIR face
    _is_login_outcome(fhir.post(MARIA, user=None))


def test_a_researcher_token_is_403(fhir: Fhir) -> None:
    r = fhir.post(MARIA, user="rita")
    assert r.status_code == 403 and r.json()["issue"][0]["code"] == "forbidden"
    assert fhir.audit_rows(r.headers["x-request-id"]) == []


# --- audit -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("user", "query"), [("alice", ""), ("adam", "?_result=assessment")])
def test_each_assessment_is_audited_as_stateless(fhir: Fhir, user: str, query: str) -> None:
    r = fhir.post(MARIA, query, user=user)
    assert r.status_code == 200
    rows = fhir.audit_rows(r.headers["x-request-id"])
    assert [(e.actor, e.action, e.entity, e.entity_id, e.patient_id) for e in rows] == [
        (user, "create", "assessment", None, None)]
    details = rows[0].details
    assert details["via"] == "fhir" and details["stateless"] is True
    assert details["organisation"] == "Clinic A" and details["address"] == "testclient"
    assert details["operation"] == "fhir $assess"
    assert details["result"] == ("assessment" if query else "bundle")
    assert (details["used"], details["unknown"]) == (8, 1)


def test_the_admin_sees_the_assessment_in_the_organisation_audit_log(fhir: Fhir) -> None:
    r = fhir.post(MARIA)
    log = fhir.client.get("/api/v1/audit?entity=assessment&actor=alice",
                          headers={"Authorization": f"Bearer {fhir.tokens['adam']}"})
    assert log.status_code == 200, log.text[:200]
    rows = [row for row in log.json()["rows"] if row["details"].get("request_id") == r.headers["x-request-id"]]
    assert len(rows) == 1 and rows[0]["details"]["stateless"] is True


def test_a_refused_assessment_is_not_audited(fhir: Fhir) -> None:
    data = json.loads(MARIA)
    data["entry"][0]["resource"]["gender"] = "unknown"
    for r in (fhir.post(json.dumps(data).encode()), fhir.post(b"not json")):
        assert r.status_code in (400, 422) and fhir.audit_rows(r.headers["x-request-id"]) == []
