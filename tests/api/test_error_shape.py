"""Every error producer of the API answers the one envelope (DESIGN §13), pinned by one helper:
``{"error": {"code", "message", "problems": [{"field", "problem", "expected"}]}}``, JSON, the
status right, never the request body echoed, never a traceback or an exception's text."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from .conftest import ApiWorld

SECRET = "do-not-echo-this-7f3a"


def assert_envelope(r: Any, status: int, code: str, fields: list[str] | None = None) -> dict[str, Any]:
    assert r.status_code == status, (r.status_code, r.text[:300])
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "problems"}
    err = body["error"]
    assert err["code"] == code and isinstance(err["message"], str) and err["message"]
    for p in err["problems"]:
        assert set(p) == {"field", "problem", "expected"}
        assert isinstance(p["field"], str) and isinstance(p["problem"], str)
        assert p["expected"] is None or isinstance(p["expected"], str)
    if fields is not None:
        assert [p["field"] for p in err["problems"]] == fields
    assert SECRET not in r.text and "Traceback" not in r.text
    return dict(err)


def test_authentication_and_roles(client: TestClient, api: ApiWorld) -> None:
    r = client.get("/api/v1/patients")
    assert_envelope(r, 401, "unauthorized")
    assert r.headers["www-authenticate"] == 'Bearer realm="myoscope"'
    r = client.get("/api/v1/patients", headers={"Authorization": f"Bearer {SECRET}"})
    assert_envelope(r, 401, "unauthorized")
    assert 'error="invalid_token"' in r.headers["www-authenticate"]
    assert_envelope(client.get("/api/v1/audit", headers=api.headers("alice")), 403, "forbidden")


def test_routing(client: TestClient, api: ApiWorld) -> None:
    h = api.headers("alice")
    assert_envelope(client.get(f"/api/v1/{SECRET}", headers=h), 404, "not_found")
    assert_envelope(client.delete("/api/v1/patients", headers=h), 405, "method_not_allowed")
    assert_envelope(client.get(f"/api/v1/patients/{api.world.patient_b}", headers=h), 404, "not_found")
    assert_envelope(client.get(f"/api/v1/patients/{api.world.patient_a}/visits/{api.world.visit_b}",
                               headers=h), 404, "not_found")


def test_request_validation_names_fields_and_echoes_nothing(client: TestClient, api: ApiWorld) -> None:
    h = api.headers("alice")
    err = assert_envelope(client.get("/api/v1/patients?limit=0&after=" + "x" * 600, headers=h), 422,
                          "invalid_request", ["limit", "after"])
    assert err["problems"][0]["expected"] == "ge 1"
    assert_envelope(client.get("/api/v1/patients/abc", headers=h), 422, "invalid_request", ["patient_id"])
    assert_envelope(client.get(f"/api/v1/patients/{2**40}", headers=h), 422, "invalid_request", ["patient_id"])
    assert_envelope(client.post("/api/v1/patients", json={"pseudonym": SECRET, "sex": 1, "extra": SECRET},
                                headers=h), 422, "invalid_request", ["body.sex", "body.extra"])
    assert_envelope(client.post("/api/v1/assess", json=[SECRET], headers=h), 422, "invalid_request", ["body"])
    assert_envelope(client.post("/api/v1/assess", headers=h), 422, "invalid_request", ["body"])
    assert_envelope(client.post("/api/v1/assess", content=b'{"sex": "' + SECRET.encode(),
                                headers={**h, "Content-Type": "application/json"}), 400, "bad_request", ["body"])


def test_bad_records_name_every_problem(client: TestClient, api: ApiWorld) -> None:
    h = api.headers("alice")
    bad = {"sex": "x", "age": 300, "grip_strength": "12 furlongs", "shoe": SECRET}
    for route in ("assess", "workup", "plan"):
        err = assert_envelope(client.post(f"/api/v1/{route}", json=bad, headers=h), 422, "invalid_record",
                              ["sex", "age", "grip_strength", "shoe"])
        assert err["message"] == "invalid record (4 problems)"
        assert err["problems"][1]["expected"] == "0–125 years"
    err = assert_envelope(client.post(f"/api/v1/patients/{api.world.patient_a}/visits", json={"weight": -5},
                                      headers=h), 422, "invalid_record")
    assert {p["field"] for p in err["problems"]} == {"weight", "date"}


def test_the_cli_and_the_api_name_the_same_problems(client: TestClient, api: ApiWorld, tmp_path: Any) -> None:
    import json

    from typer.testing import CliRunner

    from myoscope.cli import app

    bad = {"sex": "x", "age": 300, "gait_speed": "fast"}
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    cli = CliRunner().invoke(app, ["assess", str(tmp_path / "bad.json"), "--format", "json"])
    api_problems = client.post("/api/v1/assess", json=bad, headers=api.headers("alice")).json()["error"]["problems"]
    for p in api_problems:
        assert f"  - {p['field']}: {p['problem']}" in cli.stderr


def test_registry_and_pathway_errors(client: TestClient, api: ApiWorld) -> None:
    h = api.headers("alice")
    assert_envelope(client.post("/api/v1/patients", json={"pseudonym": "pa-001", "sex": "F"}, headers=h), 409,
                    "conflict", ["pseudonym"])
    assert_envelope(client.post("/api/v1/patients", json={"pseudonym": " ", "sex": "x", "birth_date": "2999-01-01"},
                                headers=h), 422, "invalid_record", ["pseudonym", "sex", "birth_date"])
    assert_envelope(client.post("/api/v1/assess?definitions=nope", json={"sex": "male"}, headers=h), 422,
                    "invalid_request", ["definitions"])
    assert_envelope(client.post("/api/v1/simulate", json={"record": {"sex": "male"}, "draws": 5}, headers=h),
                    422, "cannot_simulate")
    assert_envelope(client.post("/api/v1/simulate", json={"record": {"sex": "male", "age": 70}, "draws": 5,
                                                          "events": ["moonwalk@0-3"]}, headers=h),
                    422, "invalid_scenario")
    assert_envelope(client.get("/api/v1/patients?after=WyJ4Il0x", headers=h), 400, "bad_request")
    url = f"/api/v1/patients/{api.world.patient_a}/visits/{api.world.visit_a}/corrections"
    assert_envelope(client.post(url, json={"changes": {"weight": "51 kg"}, "reason": "r"},
                                headers={**h, "If-Match": '"old"'}), 412, "precondition_failed")


def test_an_unexpected_error_is_a_500_envelope_with_no_internals(client: TestClient, api: ApiWorld,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from myoscope import payloads

    def boom(*_: Any, **__: Any) -> Any:
        raise RuntimeError(f"database password is {SECRET}")

    monkeypatch.setattr(payloads, "plan_json", boom)
    r = client.post("/api/v1/plan", json={"sex": "male"}, headers=api.headers("alice"))
    err = assert_envelope(r, 500, "internal_error")
    assert r.headers["x-request-id"] in err["message"] and "RuntimeError" not in r.text


def test_a_cross_site_cookie_request_is_refused_as_an_envelope(client: TestClient, api: ApiWorld) -> None:
    r = client.post("/api/v1/assess", json={"sex": "male"}, headers={"Sec-Fetch-Site": "cross-site",
                                                                     "Cookie": "myoscope_session=x"})
    assert_envelope(r, 403, "forbidden")


def test_every_route_declares_the_envelope(api: ApiWorld) -> None:
    from myoscope.api.app import create_api

    schema = create_api(api.world.app.state).openapi()
    assert schema["components"]["schemas"]["ErrorEnvelope"]["required"] == ["error"]
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            codes = set(op["responses"])
            assert "500" in codes, (method, path)
            if path != "/health":
                assert {"401", "403", "422"} <= codes, (method, path)
            for code in codes - {"200", "201", "304"}:
                ref = op["responses"][code]["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/ErrorEnvelope"), (method, path, code)


def test_text_a_database_cannot_store_is_a_4xx_not_a_crash(client: TestClient, api: ApiWorld) -> None:
    """A NUL byte (PostgreSQL refuses it) in a query or a correction; a lone surrogate in a record."""
    import json

    h = api.headers("alice")
    assert_envelope(client.get("/api/v1/patients?q=a%00b", headers=h), 422, "invalid_request", ["q"])
    assert_envelope(client.get("/api/v1/patients?after=WyJcdTAwMDAiXQ", headers=h), 400, "bad_request")
    url = f"/api/v1/patients/{api.world.patient_a}/visits/{api.world.visit_a}/corrections"
    assert_envelope(client.post(url, json={"changes": {"weight": "51 kg"}, "reason": "typo\x00"}, headers=h),
                    422, "invalid_record", ["reason"])
    r = client.post("/api/v1/assess", content=b'{"id": "\\ud800", "sex": "male"}',
                    headers={**h, "Content-Type": "application/json"})
    assert r.status_code in (200, 422), r.text[:300]
    json.loads(r.content)  # valid JSON either way (the surrogate written back as its escape)


def test_simulate_options_are_checked_by_the_projection(client: TestClient, api: ApiWorld) -> None:
    """Unknown names to fix were answered 200 with "fixed" claiming them; they are a 422 naming
    them and what can be given, as unknown scenario parameters are (the check is the library's,
    so the CLI's --fix says the same). The seed is bounded by the request schema."""
    h = api.headers("alice")
    record = {"sex": "male", "age": 70, "grip_strength": 30}
    for fix in ("nope,zzz", ["nope", "zzz"]):
        err = assert_envelope(
            client.post("/api/v1/simulate", json={"record": record, "draws": 10, "fix": fix}, headers=h),
            422,
            "invalid_scenario",
            ["fix"],
        )
        problem = err["problems"][0]
        assert problem["problem"].startswith(
            "unknown parameter(s) 'nope', 'zzz' (expected all, a group: ageing;"
        )
        assert "ageing_mass_rate" in problem["expected"]
    err = assert_envelope(
        client.post("/api/v1/simulate", json={"record": record, "draws": 10, "seed": -1}, headers=h),
        422,
        "invalid_request",
        ["body.seed"],
    )
    assert err["problems"][0]["expected"] == "ge 0"
    r = client.post(
        "/api/v1/simulate",
        json={"record": record, "draws": 10, "years": 1, "fix": "ageing", "evidence": False},
        headers=h,
    )
    assert r.status_code == 200, r.text[:300]
    assert r.json()["settings"]["fixed"] == ["ageing_mass_rate", "ageing_strength_rate"]
