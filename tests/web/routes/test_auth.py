"""Sign-in, sessions, CSRF, security headers and login throttling."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from myoscope.registry.models import AuditEvent, WebSession

from ..conftest import PASSWORD, World, build_world, csrf_of, login


def test_pages_need_a_session(client: TestClient) -> None:
    r = client.get("/patients/1", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/patients/1"


def test_cookie_flags_rotation_and_logout(client: TestClient, world: World) -> None:
    page = client.get("/login")
    assert "httponly" in page.headers["set-cookie"].lower()
    r = client.post("/login", data={"username": "alice", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
                    follow_redirects=False)
    cookie = r.headers["set-cookie"].lower()
    assert "myoscope_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    first = client.cookies.get("myoscope_session")
    login(client, "alice")  # signing in again replaces the session (rotation)
    second = client.cookies.get("myoscope_session")
    assert first != second
    with world.app.state.sessions() as s:
        assert len(list(s.scalars(select(WebSession)))) == 1
    token = csrf_of(client.get("/patients").text)
    assert client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert client.get("/patients", follow_redirects=False).status_code == 303
    with world.app.state.sessions() as s:
        assert list(s.scalars(select(WebSession))) == []


def test_wrong_password_and_login_csrf(client: TestClient) -> None:
    page = client.get("/login")
    r = client.post("/login", data={"username": "alice", "password": "wrong", "csrf_token": csrf_of(page.text)})
    assert r.status_code == 401 and "Wrong user name or password" in r.text
    r = client.post("/login", data={"username": "alice", "password": PASSWORD, "csrf_token": "forged"})
    assert r.status_code == 403


def test_brute_force_is_refused_after_the_limit(tmp_path: Path) -> None:
    world = build_world(tmp_path / "w.sqlite", login_max_failures=3)
    with TestClient(world.app) as c:
        codes = []
        for _ in range(4):
            page = c.get("/login")
            codes.append(c.post("/login", data={"username": "alice", "password": "guess",
                                                "csrf_token": csrf_of(page.text)}).status_code)
        assert codes == [401, 401, 401, 429]
        page = c.get("/login")  # even the right password waits out the window
        r = c.post("/login", data={"username": "alice", "password": PASSWORD, "csrf_token": csrf_of(page.text)})
        assert r.status_code == 429 and "Too many failed sign-ins" in r.text


def test_idle_session_expires(tmp_path: Path) -> None:
    world = build_world(tmp_path / "w.sqlite", session_idle_minutes=1)
    with TestClient(world.app) as c:
        login(c, "alice")
        with world.app.state.sessions.begin() as s:
            ws = s.scalars(select(WebSession)).one()
            from datetime import timedelta

            ws.last_seen_at = ws.last_seen_at - timedelta(minutes=5)
        assert c.get("/patients", follow_redirects=False).status_code == 303


def test_csrf_token_required_on_every_form(alice: TestClient, world: World) -> None:
    for path, data in (("/logout", {}), ("/patients", {"pseudonym": "x", "sex": "female"}),
                       (f"/patients/{world.patient_a}/visits", {"date": "2026-01-01"}), ("/assess", {})):
        assert alice.post(path, data=data).status_code == 403, path
        assert alice.post(path, data={**data, "csrf_token": "wrong"}).status_code == 403, path


def test_cross_site_posts_are_refused_by_headers(alice: TestClient) -> None:
    token = csrf_of(alice.get("/patients").text)
    cases = {(("sec-fetch-site", "cross-site"),): 403, (("origin", "http://evil.example"),): 403,
             (("sec-fetch-site", "same-origin"),): 303, (("origin", "http://testserver"),): 303, (): 303}
    for i, (headers, status) in enumerate(cases.items()):
        r = alice.post("/patients", data={"pseudonym": f"p-{i}", "sex": "female",
                                          "csrf_token": token}, headers=dict(headers), follow_redirects=False)
        assert r.status_code == status, headers


def test_security_headers(alice: TestClient) -> None:
    r = alice.get("/patients")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"
    assert r.headers["cache-control"] == "no-store"
    assert "<script" not in r.text  # no script at all, inline or not


def test_sign_in_is_audited(alice: TestClient, world: World) -> None:
    with world.app.state.sessions() as s:
        rows = list(s.scalars(select(AuditEvent).where(AuditEvent.entity == "session")))
    assert rows and rows[-1].actor == "alice" and rows[-1].details["address"] == "testclient"


def test_open_redirect_is_refused(client: TestClient) -> None:
    page = client.get("/login")
    r = client.post("/login", data={"username": "alice", "password": PASSWORD, "csrf_token": csrf_of(page.text),
                                    "next": "//evil.example/x"}, follow_redirects=False)
    assert r.headers["location"] == "/patients"
