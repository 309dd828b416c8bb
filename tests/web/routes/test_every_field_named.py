"""A form with several bad fields comes back filled in, naming every one of them: a limit
declared on the form (a too-long pseudonym or user name, an ``active`` that is not yes/no) used
to answer a bare 400 page naming only itself, the other fields and what was typed lost."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from myoscope.registry.limits import max_length
from myoscope.registry.models import Patient, User
from myoscope.web.accounts import PASSWORD_MIN

from ..conftest import World, csrf_of, login


def problem_text(html: str, field: str) -> str:
    m = re.search(rf'data-testid="problem-{field}">([^<]*)<', html)
    assert m, f"no problem shown for {field}"
    return m.group(1)


def test_a_new_patient_names_every_bad_field_with_the_form_filled(alice: TestClient) -> None:
    token = csrf_of(alice.get("/patients/new").text)
    long = "p" * 101
    r = alice.post(
        "/patients", data={"csrf_token": token, "pseudonym": long, "sex": "zzz", "birth_date": "bad"}
    )
    assert r.status_code == 422
    assert 'data-testid="patient-form"' in r.text and f'value="{long}"' in r.text
    for field in ("pseudonym", "sex", "birth_date"):
        assert f'data-testid="problem-{field}"' in r.text, field


def test_adding_a_user_names_every_bad_field_with_the_form_filled(client: TestClient) -> None:
    login(client, "adam")
    token = csrf_of(client.get("/admin/users").text)
    long = "u" * 101
    r = client.post(
        "/admin/users",
        data={
            "csrf_token": token,
            "username": long,
            "display_name": "d" * 201,
            "password": "short",
            "role": "god",
        },
    )
    assert r.status_code == 422
    assert f'value="{long}"' in r.text
    for field in ("username", "display_name", "password", "role"):
        assert f'data-testid="problem-{field}"' in r.text, field


@pytest.mark.parametrize("too_long", [False, True])
def test_a_user_name_is_named_as_too_long_or_as_missing_not_both(client: TestClient, too_long: bool) -> None:
    """Only what is wrong: a name one character too long was "required, at most 100 characters"."""
    login(client, "adam")
    token = csrf_of(client.get("/admin/users").text)
    limit = max_length(User.username)
    assert limit is not None
    r = client.post("/admin/users", data={"csrf_token": token, "username": "u" * (limit + 1) if too_long else " ",
                                          "password": "x" * 14, "role": "clinician"})
    assert r.status_code == 422
    said = problem_text(r.text, "username")
    assert ("required" in said, f"at most {limit}" in said) == (not too_long, too_long), said
    assert f"Password (at least {PASSWORD_MIN} characters)" in r.text  # the rule the check applies


@pytest.mark.parametrize("too_long", [False, True])
def test_a_pseudonym_is_named_as_too_long_or_as_missing_not_both(alice: TestClient, too_long: bool) -> None:
    token = csrf_of(alice.get("/patients/new").text)
    limit = max_length(Patient.pseudonym)
    assert limit is not None
    r = alice.post("/patients", data={"csrf_token": token, "pseudonym": "p" * (limit + 1) if too_long else " ",
                                      "sex": "female"})
    assert r.status_code == 422
    said = problem_text(r.text, "pseudonym")
    assert ("required" in said, f"at most {limit}" in said) == (not too_long, too_long), said


def test_changing_a_user_names_the_role_and_active_at_once(client: TestClient, world: World) -> None:
    login(client, "adam")
    token = csrf_of(client.get("/admin/users").text)
    r = client.post("/admin/users/3", data={"csrf_token": token, "role": "god", "active": "maybe"})
    assert r.status_code == 422 and 'data-testid="change-problems"' in r.text
    box = r.text.split('data-testid="change-problems"', 1)[1].split("</div>", 1)[0]
    assert "role:" in box and "active:" in box


def test_a_nul_in_the_address_is_a_400_page(client: TestClient) -> None:
    """SQLite took it (a 200); PostgreSQL cannot compare it (tests/web/routes/test_postgresql.py)."""
    login(client, "adam")
    for url in ("/patients?q=%00", "/admin/audit?actor=%00", "/admin/audit?entity=a%00"):
        r = client.get(url)
        assert r.status_code == 400 and "NUL" in r.text, url
        # the signed-in header, as on every other page: navigation and a working sign-out
        assert 'data-testid="who"' in r.text and 'data-testid="nav-audit"' in r.text, url
    r = client.post("/logout", data={"csrf_token": csrf_of(r.text)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"


def test_the_nul_page_is_still_a_400_when_the_session_cannot_be_read(client: TestClient) -> None:
    """The header is read on the way to the refusal: a database failing then loses the header,
    not the page (never a 500)."""
    login(client, "adam")

    def broken() -> None:
        raise OperationalError("SELECT", {}, Exception("database is down"))

    client.app.state.sessions = broken  # type: ignore[attr-defined]
    r = client.get("/patients?q=%00")
    assert r.status_code == 400 and "NUL" in r.text and 'data-testid="who"' not in r.text
