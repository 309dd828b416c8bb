"""A form with several bad fields comes back filled in, naming every one of them: a limit
declared on the form (a too-long pseudonym or user name, an ``active`` that is not yes/no) used
to answer a bare 400 page naming only itself, the other fields and what was typed lost."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ..conftest import World, csrf_of, login


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
