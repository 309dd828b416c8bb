"""Every API route × role × own/foreign organisation → the expected status (a route missing fails).

The roles are the web app's: clinicians and admins see patient data and run the pathway, a
researcher is refused (403) before anything is looked up, only an admin reads the audit log. A
patient or visit of another organisation is 404, exactly as one that does not exist.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from .conftest import USERS, ApiWorld

RECORD = {"sex": "female", "age": 80, "grip_strength": "12 kg"}
P, V = "{patient_id}", "{visit_id}"
# (method, path) → (body, {role: status with own organisation's ids}); with the foreign
# organisation's ids every role that passes the role check gets 404.
MATRIX: dict[tuple[str, str], tuple[Any, dict[str, int]]] = {
    ("GET", "/me"): (None, {"clinician": 200, "admin": 200, "researcher": 200}),
    ("POST", "/assess"): (RECORD, {"clinician": 200, "admin": 200, "researcher": 403}),
    ("POST", "/workup"): (RECORD, {"clinician": 200, "admin": 200, "researcher": 403}),
    ("POST", "/plan"): (RECORD, {"clinician": 200, "admin": 200, "researcher": 403}),
    ("POST", "/simulate"): ({"record": {}}, {"clinician": 422, "admin": 422, "researcher": 403}),
    ("GET", "/patients"): (None, {"clinician": 200, "admin": 200, "researcher": 403}),
    ("POST", "/patients"): ({"pseudonym": "", "sex": "F"}, {"clinician": 422, "admin": 422, "researcher": 403}),
    ("GET", f"/patients/{P}"): (None, {"clinician": 200, "admin": 200, "researcher": 403}),
    ("PATCH", f"/patients/{P}"): ({"reason": ""}, {"clinician": 422, "admin": 422, "researcher": 403}),
    ("GET", f"/patients/{P}/visits"): (None, {"clinician": 200, "admin": 200, "researcher": 403}),
    ("POST", f"/patients/{P}/visits"): ({}, {"clinician": 422, "admin": 422, "researcher": 403}),
    ("GET", f"/patients/{P}/visits/{V}"): (None, {"clinician": 200, "admin": 200, "researcher": 403}),
    ("GET", f"/patients/{P}/visits/{V}/assessment"): (None, {"clinician": 200, "admin": 200,
                                                            "researcher": 403}),
    ("POST", f"/patients/{P}/visits/{V}/corrections"): ({"changes": {}, "reason": ""},
                                                       {"clinician": 422, "admin": 422, "researcher": 403}),
    ("GET", f"/patients/{P}/report"): (None, {"clinician": 200, "admin": 200, "researcher": 403}),
    ("POST", "/report"): (RECORD, {"clinician": 200, "admin": 200, "researcher": 403}),
    ("GET", "/alerts"): (None, {"clinician": 200, "admin": 200, "researcher": 403}),
    ("GET", "/audit"): (None, {"clinician": 403, "admin": 200, "researcher": 403}),
}
PUBLIC = {("GET", "/health"), ("GET", "/openapi.json")}


def test_every_route_is_in_the_matrix(api: ApiWorld) -> None:
    from myoscope.api.v1 import ROUTERS

    routes = {(m, r.path) for router in ROUTERS for r in router.routes
              for m in (getattr(r, "methods", None) or ()) if m != "HEAD"}
    assert routes and routes == set(MATRIX) | (PUBLIC - {("GET", "/openapi.json")})


@pytest.mark.parametrize("role", ["clinician", "admin", "researcher"])
def test_access_matrix(client: TestClient, api: ApiWorld, role: str) -> None:
    w = api.world
    headers = api.headers(USERS[role])
    for (method, template), (body, expected) in MATRIX.items():
        cases = [(w.patient_a, w.visit_a, expected[role])]
        hidden = 403 if expected[role] == 403 else 404  # the role check comes before any lookup
        if P in template:  # another organisation's patient and visit
            cases.append((w.patient_b, w.visit_b, hidden))
        if V in template:  # our patient with another organisation's visit id
            cases.append((w.patient_a, w.visit_b, hidden))
        for pid, vid, want in cases:
            path = "/api/v1" + template.replace(P, str(pid)).replace(V, str(vid))
            r = client.request(method, path, json=body, headers=headers)
            assert r.status_code == want, (role, method, path, r.status_code, r.text[:200])
            if r.status_code >= 400:
                assert set(r.json()) == {"error"}, path


def test_the_foreign_organisation_sees_its_own_and_not_ours(client: TestClient, api: ApiWorld) -> None:
    w, bob = api.world, api.headers("bob")
    assert client.get(f"/api/v1/patients/{w.patient_b}", headers=bob).status_code == 200
    assert client.get(f"/api/v1/patients/{w.patient_a}", headers=bob).status_code == 404
    assert [p["pseudonym"] for p in client.get("/api/v1/patients", headers=bob).json()["patients"]] == ["pb-001"]
    # an unknown id and a foreign id answer the same bytes: the id reveals nothing
    unknown = client.get("/api/v1/patients/999999", headers=bob)
    foreign = client.get(f"/api/v1/patients/{w.patient_a}", headers=bob)
    assert unknown.json() == foreign.json()


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic eDp5"},
                                     {"Authorization": "Bearer myo_AAAAAAAAAAAA_" + "a" * 43}])
def test_every_protected_route_needs_a_valid_token(client: TestClient, api: ApiWorld,
                                                   headers: dict[str, str]) -> None:
    w = api.world
    for (method, template), (body, _) in MATRIX.items():
        path = "/api/v1" + template.replace(P, str(w.patient_a)).replace(V, str(w.visit_a))
        r = client.request(method, path, json=body, headers=headers)
        assert r.status_code == 401, (method, path, r.status_code)
        assert r.headers["www-authenticate"].startswith("Bearer")
        assert r.json()["error"]["code"] == "unauthorized"


def test_the_session_cookie_is_not_an_api_credential(client: TestClient, api: ApiWorld) -> None:
    from ..web.conftest import login

    login(client, "alice")
    assert client.get("/patients").status_code == 200  # signed in to the pages
    assert client.get("/api/v1/patients").status_code == 401  # but the API wants a token


def test_public_routes_need_no_token(client: TestClient) -> None:
    for method, path in sorted(PUBLIC):
        r = client.request(method, f"/api/v1{path}")
        assert r.status_code == 200, path
    assert client.get("/api/v1/health").json()["status"] == "ok"
