"""Every response carries the security headers: pages, redirects, 4xx pages, static files, a
static file that does not exist, and the 500 page of an unhandled error (which Starlette sends
from outside the app's own middleware unless the app catches it first)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from myoscope.web.app import SECURITY_HEADERS

from .conftest import build_world, login


def _assert_headers(r: object, what: str) -> None:
    headers = r.headers  # type: ignore[attr-defined]
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name) == value, (what, name, headers.get(name))
    assert len(headers.get("x-request-id", "")) == 32, what


def test_every_response_carries_the_security_headers(tmp_path: Path) -> None:
    world = build_world(tmp_path / "web.sqlite")
    app = world.app

    @app.get("/test-crash")
    def crash() -> None:
        raise RuntimeError("secret internals: /srv/db password=hunter2")

    # the default TestClient re-raises an error that reaches the server: it must not get there
    with TestClient(app) as c:
        r = c.get("/test-crash")
        assert r.status_code == 500
        _assert_headers(r, "500")
        assert "secret internals" not in r.text and "hunter2" not in r.text and "Traceback" not in r.text
        assert r.headers["x-request-id"] in r.text  # the page names the request to quote
        assert r.headers["cache-control"] == "no-store"
        for path, status in (("/static/style.css", 200), ("/static/no-such.css", 404),
                             ("/static/../app.py", 404), ("/nowhere", 404), ("/login", 200),
                             ("/patients", 303)):
            r = c.get(path, follow_redirects=False)
            assert r.status_code == status, path
            _assert_headers(r, path)
        r = c.post("/logout", headers={"origin": "https://evil.example"})
        assert r.status_code == 403
        _assert_headers(r, "cross-site refusal")
        login(c, "alice")
        for path, status in ((f"/patients/{world.patient_b}", 404), (f"/patients/{world.patient_a}", 200),
                             ("/admin/users", 403), ("/patients/abc", 400)):
            r = c.get(path)
            assert r.status_code == status, path
            _assert_headers(r, path)
        r = c.post("/patients", data={"pseudonym": "x"})  # no CSRF token
        assert r.status_code == 403
        _assert_headers(r, "csrf")
        r = c.get("/test-crash")  # signed in: the 500 page still shows no internals
        assert r.status_code == 500 and "secret internals" not in r.text
        _assert_headers(r, "500 signed in")


def test_every_asset_a_page_links_is_served_here(client: TestClient) -> None:
    """No CDN and no 404 in the browser's console: the stylesheet and the icon (a favicon 404 was
    in the web review) come from the app."""
    import re

    page = client.get("/login").text
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert "/static/favicon.svg" in assets and "/static/style.css" in assets
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
    assert not re.findall(r'(?:href|src)="(?:https?:)?//', page)
