"""The committed ``docs/openapi.json`` is the schema the API generates and serves."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from myoscope.api.app import openapi_text

from .conftest import ApiWorld

COMMITTED = Path(__file__).parents[2] / "docs" / "openapi.json"


def test_committed_schema_is_current() -> None:
    assert COMMITTED.read_text("utf-8") == openapi_text(), (
        "docs/openapi.json is stale: python -c \"from myoscope.api.app import openapi_text; "
        "print(openapi_text(), end='')\" > docs/openapi.json")


def test_the_app_serves_it_without_a_token_and_only_api_operations(client: TestClient, api: ApiWorld) -> None:
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200 and r.json() == json.loads(COMMITTED.read_text("utf-8"))
    schema = r.json()
    assert schema["servers"] == [{"url": "/api/v1"}]
    assert not any(p.startswith(("/login", "/admin", "/cohort", "/api")) for p in schema["paths"])
    assert schema["components"]["securitySchemes"]["token"] == {
        "type": "http", "scheme": "bearer",
        "description": "An API token from `myoscope token create`: `Authorization: Bearer myo_...`"}
    ids = [op["operationId"] for ops in schema["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids)) and "assess" in ids and "correct_visit" in ids
    # the web app itself still publishes no schema and no interactive docs (they would need a CDN)
    for path in ("/openapi.json", "/docs", "/api/v1/docs", "/api/v1/redoc"):
        assert client.get(path).status_code == 404, path
