"""The web app's cross-site check lets a bearer-token request to the API through (it carries no
ambient credential: a cookie-less request another site cannot make a browser send with a token)
and still refuses every cross-site request that carries a cookie, and every cross-site page post."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from .conftest import ApiWorld

CROSS = [{"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}, {"Origin": "null"}]
RECORD = {"sex": "male", "age": 70}


@pytest.mark.parametrize("cross", CROSS)
def test_header_matrix(client: TestClient, api: ApiWorld, cross: dict[str, str]) -> None:
    bearer = api.headers("alice")
    # bearer, no cookie: through, whatever the origin
    assert client.post("/api/v1/assess", json=RECORD, headers={**bearer, **cross}).status_code == 200
    # bearer with a cookie: checked, refused
    client.cookies.set("myoscope_session", "anything")
    assert client.post("/api/v1/assess", json=RECORD, headers={**bearer, **cross}).status_code == 403
    client.cookies.clear()
    # no bearer: checked, refused (the API would say 401 after the check)
    assert client.post("/api/v1/assess", json=RECORD, headers=cross).status_code == 403
    # the exemption is the API's only: a page post with a bearer header is checked
    assert client.post("/patients", data={"pseudonym": "x"}, headers={**bearer, **cross}).status_code == 403


def test_same_site_requests_pass_and_pages_still_need_their_csrf_token(client: TestClient, api: ApiWorld) -> None:
    from ..web.conftest import login

    same = {"Sec-Fetch-Site": "same-origin"}
    assert client.post("/api/v1/assess", json=RECORD, headers={**api.headers("alice"), **same}).status_code == 200
    login(client, "alice")
    r = client.post("/patients", data={"pseudonym": "csrf-less", "sex": "male"}, headers=same)
    assert r.status_code == 403 and "security token" in r.text  # the cookie session's CSRF token is required
