"""Every route × role × own/foreign organisation → the expected status (a route missing fails)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from ..conftest import World, csrf_of, login

# (method, path template) → {role: status for the own organisation's patient (or user)}; foreign is
# 404 for every role the route admits; the others are refused (403) before any lookup.
MATRIX: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/patients"): {"clinician": 200, "admin": 200, "researcher": 403},
    ("GET", "/patients/new"): {"clinician": 200, "admin": 200, "researcher": 403},
    ("GET", "/patients/{patient_id}"): {"clinician": 200, "admin": 200, "researcher": 403},
    ("GET", "/patients/{patient_id}/timeline.svg"): {"clinician": 200, "admin": 200, "researcher": 403},
    ("GET", "/patients/{patient_id}/projection.svg"): {"clinician": 200, "admin": 200, "researcher": 403},
    ("GET", "/patients/{patient_id}/report.{fmt}"): {"clinician": 200, "admin": 200, "researcher": 403},
    ("GET", "/patients/{patient_id}/edit"): {"clinician": 200, "admin": 200, "researcher": 403},
    ("POST", "/patients/{patient_id}/edit"): {"clinician": 422, "admin": 422, "researcher": 403},
    ("GET", "/patients/{patient_id}/visits/new"): {"clinician": 200, "admin": 200, "researcher": 403},
    ("POST", "/patients/{patient_id}/visits"): {"clinician": 422, "admin": 422, "researcher": 403},
    ("POST", "/patients/{patient_id}/visits/import"): {"clinician": 422, "admin": 422, "researcher": 403},
    ("GET", "/assess"): {"clinician": 200, "admin": 200, "researcher": 403},
    ("GET", "/cohort"): {"clinician": 403, "admin": 200, "researcher": 200},
    ("POST", "/cohort"): {"clinician": 403, "admin": 422, "researcher": 422},
    ("GET", "/cohort/{job_id}"): {"clinician": 403, "admin": 404, "researcher": 404},
    ("GET", "/cohort/{job_id}/files/{name}"): {"clinician": 403, "admin": 404, "researcher": 404},
    ("GET", "/admin/users"): {"clinician": 403, "admin": 200, "researcher": 403},
    ("GET", "/admin/audit"): {"clinician": 403, "admin": 200, "researcher": 403},
    ("POST", "/admin/users"): {"clinician": 403, "admin": 422, "researcher": 403},
    ("POST", "/admin/users/{user_id}"): {"clinician": 403, "admin": 422, "researcher": 403},
    ("GET", "/patients/{patient_id}/visits/{visit_id}/correct"): {"clinician": 200, "admin": 200, "researcher": 403},
    ("POST", "/patients/{patient_id}/visits/{visit_id}/correct"): {"clinician": 422, "admin": 422,
                                                                   "researcher": 403},
}
PUBLIC = {("GET", "/"), ("GET", "/login"), ("POST", "/login"), ("POST", "/logout"), ("POST", "/patients"),
          ("POST", "/assess"),
          # the FHIR CapabilityStatement: no patient data (tests/fhir/test_fhir_web.py)
          ("GET", "/fhir/metadata")}
#: machine routes behind the JSON API's bearer token, never the session (tests/fhir/test_fhir_web.py
#: holds their token × role matrix): a signed-in browser without a token gets 401
TOKEN = {("POST", "/fhir/$assess")}
#: the public self-check and guide: open without sign-in, no patient data (test_public.py)
ANONYMOUS = {("GET", "/check"), ("POST", "/check/story"), ("POST", "/check/signs"), ("POST", "/check/questions"),
             ("POST", "/check/result"), ("POST", "/check/summary"),
             ("POST", "/check/summary.pdf"), ("GET", "/learn"), ("GET", "/learn/{cause_id}")}
USERS = {"clinician": "alice", "admin": "adam", "researcher": "rita"}


def test_every_route_is_in_the_matrix(world: World) -> None:
    from myoscope.web.routes import ROUTERS

    routes = {(m, r.path) for router in ROUTERS for r in router.routes
              for m in (getattr(r, "methods", None) or ()) if m != "HEAD"}
    assert routes
    assert routes == set(MATRIX) | PUBLIC | ANONYMOUS | TOKEN


def test_the_public_pages_need_no_sign_in_and_their_forms_need_their_token(client: TestClient) -> None:
    for method, template in sorted(ANONYMOUS):
        path = template.replace("{cause_id}", "als")
        if method == "GET":
            assert client.get(path, follow_redirects=False).status_code == 200, path
        else:  # no check token: refused, whoever asks
            assert client.post(path, data={"csrf_token": "x"}, follow_redirects=False).status_code == 400, path


@pytest.mark.parametrize("role", sorted(USERS))
def test_a_session_is_not_a_token(client: TestClient, role: str) -> None:
    login(client, USERS[role])
    for method, path in sorted(TOKEN):
        r = client.request(method, path, content=b"{}", headers={"Content-Type": "application/fhir+json"})
        assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer"), (role, path)


@pytest.mark.parametrize("role", sorted(USERS))
def test_access_matrix(client: TestClient, world: World, role: str) -> None:
    login(client, USERS[role])
    token = csrf_of(client.get("/cohort" if role == "researcher" else "/patients").text)
    own_user, foreign_user = _user_ids(world, "alice"), _user_ids(world, "bob")
    for (method, template), expected in MATRIX.items():
        for pid, vid, uid, want in (
            (world.patient_a, world.visit_a, own_user, expected[role]),
            (world.patient_b, world.visit_b, foreign_user, 404 if expected[role] != 403 else 403),
        ):
            scoped = "{patient_id}" in template or "{user_id}" in template
            if not scoped and pid == world.patient_b:
                continue
            path = (template.replace("{patient_id}", str(pid)).replace("{visit_id}", str(vid))
                    .replace("{user_id}", str(uid))
                    .replace("{job_id}", "no-such-job").replace("{name}", "classified.csv")
                    .replace("{fmt}", "html"))
            if method == "GET":
                r = client.get(path, follow_redirects=False)
            else:
                r = client.post(path, data={"csrf_token": token}, follow_redirects=False)
            assert r.status_code == want, (role, method, path, r.status_code)
            if "svg" in path and want == 200:
                assert r.headers["content-type"].startswith("image/svg+xml")


def _user_ids(world: World, username: str) -> int:
    from sqlalchemy import select

    from myoscope.registry.models import User

    with world.app.state.sessions() as s:
        uid = s.scalar(select(User.id).where(User.username == username))
    assert uid is not None
    return uid


def test_bad_url_parts_are_4xx_pages(alice: TestClient) -> None:
    for path in ("/patients/abc", "/patients?page=0", "/patients?sort=evil", "/nowhere"):
        r = alice.get(path)
        assert 400 <= r.status_code < 500 and "<h1>" in r.text, path
