"""docs/cds-hooks.md's worked examples are executed: discovery exact, the hook's answer exact
(card uuids aside, as of the documented date)."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import myoscope.cdshooks.routes as routes
from myoscope.web.app import create_app
from myoscope.web.settings import WebSettings

from .conftest import ISS, jwks, token

DOC = Path(__file__).parents[2] / "docs" / "cds-hooks.md"
BASE = "https://myoscope.example.org"


def example(name: str) -> object:
    text = DOC.read_text("utf-8")
    found = re.search(rf"<!-- example:{name} -->\n```json\n(.*?)\n```", text, re.S)
    assert found, name
    return json.loads(found.group(1))


def without_uuids(o: object) -> object:
    if isinstance(o, dict):
        return {k: without_uuids(v) for k, v in o.items() if k != "uuid"}
    if isinstance(o, list):
        return [without_uuids(x) for x in o]
    return o


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setattr(routes, "today", lambda: date(2026, 12, 5))
    settings = WebSettings.model_validate({
        "database_url": f"sqlite:///{tmp_path / 'd.sqlite'}", "migrate_on_start": True,
        "secret_key": "test-secret-key-0123456789", "public_base_url": BASE,
        "cds_clients": json.dumps([{"iss": ISS, "jwks": jwks()}])})
    return TestClient(create_app(settings), base_url=BASE)


def test_discovery_example(client: TestClient) -> None:
    assert client.get("/cds-services").json() == example("discovery")


def test_hook_example(client: TestClient) -> None:
    url = f"{BASE}/cds-services/myoscope-patient-view"
    r = client.post("/cds-services/myoscope-patient-view", json=example("request"),
                    headers={"Authorization": f"Bearer {token(aud=url)}"})
    assert r.status_code == 200
    assert without_uuids(r.json()) == example("response")
