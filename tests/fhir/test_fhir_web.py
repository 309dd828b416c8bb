"""``POST /fhir/$assess`` and ``GET /fhir/metadata``: FHIR in, FHIR out; errors as OperationOutcome."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("fhir.resources")
warnings.filterwarnings("ignore", message=".*httpx2.*")

from fastapi.testclient import TestClient  # noqa: E402

from myoscope.fhir import r4b  # noqa: E402
from myoscope.fhir.capability import capability_statement  # noqa: E402
from myoscope.web.app import create_app  # noqa: E402
from myoscope.web.settings import WebSettings  # noqa: E402

FIXTURES = Path(__file__).parents[1] / "fixtures" / "fhir"
MARIA = (FIXTURES / "maria_us_units.json").read_bytes()


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    settings = WebSettings.model_validate({"database_url": f"sqlite:///{tmp_path / 'f.sqlite'}",
                                           "migrate_on_start": True, "fhir_max_bytes": 20_000,
                                           "secret_key": "test-secret-key-0123456789"})
    return TestClient(create_app(settings))


def fhir_post(client: TestClient, body: bytes, query: str = "") -> object:
    return client.post(f"/fhir/$assess{query}", content=body,
                       headers={"Content-Type": "application/fhir+json", "Origin": "https://ehr.example"})


def test_assess_returns_a_bundle_with_the_import_report(client: TestClient) -> None:
    r = fhir_post(client, MARIA)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/fhir+json")
    bundle = r.json()
    assert r4b.to_json(r4b.parse_resource(bundle)) == bundle
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds.count("Condition") == 1 and kinds[-1] == "OperationOutcome"
    report = bundle["entry"][-1]["resource"]["issue"]
    assert any(i["expression"] == ["Observation/bp-systolic"] and i["code"] == "code-invalid" for i in report)


def test_assess_can_return_the_assessment_json(client: TestClient) -> None:
    r = fhir_post(client, MARIA, "?_result=assessment")
    body = r.json()
    assert r.status_code == 200 and body["results"]["ewgsop2"]["outcome"] == "severe_sarcopenia"
    assert body["fhir_import"]["unknown"][0]["ref"] == "Observation/bp-systolic"


def test_a_patient_without_sex_is_422_naming_the_field(client: TestClient) -> None:
    data = json.loads(MARIA)
    data["entry"][0]["resource"]["gender"] = "unknown"
    r = fhir_post(client, json.dumps(data).encode())
    assert r.status_code == 422 and r.json()["resourceType"] == "OperationOutcome"
    assert any(i.get("expression") == ["sex"] for i in r.json()["issue"])


def test_bad_bodies_are_operation_outcomes(client: TestClient) -> None:
    r = fhir_post(client, b"not json")
    assert r.status_code == 400 and r.json()["issue"][0]["code"] == "invalid"
    r = fhir_post(client, b'{"weight": 70}')
    assert r.status_code == 400 and "expected a FHIR Bundle" in json.dumps(r.json())
    r = fhir_post(client, b" " * 30_000)
    assert r.status_code == 413 and r.json()["issue"][0]["code"] == "too-costly"
    r = client.get("/fhir/Patient/1")
    assert r.status_code == 404 and r.json()["resourceType"] == "OperationOutcome"


def test_metadata(client: TestClient) -> None:
    r = client.get("/fhir/metadata")
    assert r.status_code == 200 and r.json() == capability_statement()


def test_a_bad_query_is_an_operation_outcome(client: TestClient) -> None:
    r = fhir_post(client, MARIA, "?_result=pdf")
    assert r.status_code == 400 and r.json()["resourceType"] == "OperationOutcome"
