"""Administration: users and the audit log of the admin's own organisation only."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ..conftest import World, csrf_of, login


def test_admin_adds_a_user_who_can_sign_in(client: TestClient, world: World) -> None:
    login(client, "adam")
    page = client.get("/admin/users")
    assert "alice" in page.text and "bob" not in page.text  # own organisation only
    token = csrf_of(page.text)
    r = client.post("/admin/users", data={"csrf_token": token, "username": "", "password": "short",
                                          "role": "wizard"})
    assert r.status_code == 422
    for field in ("username", "password", "role"):
        assert f'data-testid="problem-{field}"' in r.text
    r = client.post("/admin/users", data={"csrf_token": token, "username": "carol", "password": "x" * 14,
                                          "role": "clinician"}, follow_redirects=False)
    assert r.status_code == 303
    r = client.post("/admin/users", data={"csrf_token": token, "username": "carol", "password": "x" * 14,
                                          "role": "clinician"})
    assert r.status_code == 409
    client.cookies.clear()
    login(client, "carol", "x" * 14)
    assert "pa-001" in client.get("/patients").text


def test_audit_log_is_scoped_filtered_and_itself_audited(client: TestClient, world: World) -> None:
    login(client, "alice")
    client.get(f"/patients/{world.patient_a}")
    client.cookies.clear()
    login(client, "bob")
    client.get(f"/patients/{world.patient_b}")
    client.cookies.clear()
    login(client, "adam")
    text = client.get("/admin/audit?actor=alice&action=read&entity=patient").text
    assert text.count('data-testid="audit-row"') == 1 and "bob" not in text
    assert "bob" not in client.get("/admin/audit").text  # another organisation's rows are not shown
    assert client.get(f"/admin/audit?patient={world.patient_b}").text.count('data-testid="audit-row"') == 0
    assert 'data-testid="audit-row"' in client.get("/admin/audit?entity=audit_log").text
    assert client.get("/admin/audit?patient=").status_code == 200
    assert client.get("/admin/audit?patient=abc").status_code == 400
