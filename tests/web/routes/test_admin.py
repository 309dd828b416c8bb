"""Administration: users and the audit log of the admin's own organisation only."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ..conftest import PASSWORD, World, csrf_of, login


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


def _uid(world: World, username: str) -> int:
    from sqlalchemy import select

    from myoscope.registry.models import User

    with world.app.state.sessions() as s:
        uid = s.scalar(select(User.id).where(User.username == username))
    assert uid is not None
    return uid


def _user_audits(world: World, uid: int) -> list[dict[str, object]]:
    from sqlalchemy import select

    from myoscope.registry.models import AuditEvent

    with world.app.state.sessions() as s:
        rows = s.scalars(select(AuditEvent).where(AuditEvent.entity == "user", AuditEvent.action == "update",
                                                  AuditEvent.entity_id == uid).order_by(AuditEvent.id))
        return [{"actor": r.actor, **r.details} for r in rows]


def test_deactivation_ends_sessions_at_once_and_refuses_sign_in(world: World) -> None:
    with TestClient(world.app) as alice_c, TestClient(world.app) as adam_c:
        login(alice_c, "alice")
        assert alice_c.get("/patients").status_code == 200
        login(adam_c, "adam")
        token = csrf_of(adam_c.get("/admin/users").text)
        uid = _uid(world, "alice")
        r = adam_c.post(f"/admin/users/{uid}", data={"csrf_token": token, "active": "no"}, follow_redirects=False)
        assert r.status_code == 303
        # alice's open session is gone: her next request is sent to the sign-in page
        r = alice_c.get("/patients", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
        page = alice_c.get("/login")
        r = alice_c.post("/login", data={"username": "alice", "password": PASSWORD,
                                         "csrf_token": csrf_of(page.text), "next": "/patients"},
                         follow_redirects=False)
        assert r.status_code == 401  # refused like a wrong password (nothing revealed)
        assert 'data-user="alice" class="inactive"' in adam_c.get("/admin/users").text
        [row] = _user_audits(world, uid)
        assert row["actor"] == "adam" and row["before"] == {"role": "clinician", "active": True}
        assert row["after"] == {"role": "clinician", "active": False} and row["sessions_ended"] == 1
        assert row["organisation"] == "Clinic A" and row["request_id"]
        # reactivated: she signs in again
        r = adam_c.post(f"/admin/users/{uid}", data={"csrf_token": token, "active": "yes"}, follow_redirects=False)
        assert r.status_code == 303
        login(alice_c, "alice")
        assert _user_audits(world, uid)[-1]["after"] == {"role": "clinician", "active": True}


def test_role_change_takes_effect_on_the_next_request_and_is_audited(client: TestClient, world: World) -> None:
    login(client, "adam")
    token = csrf_of(client.get("/admin/users").text)
    uid = _uid(world, "rita")
    r = client.post(f"/admin/users/{uid}", data={"csrf_token": token, "role": "clinician"}, follow_redirects=False)
    assert r.status_code == 303
    [row] = _user_audits(world, uid)
    assert (row["before"], row["after"]) == ({"role": "researcher", "active": True},
                                             {"role": "clinician", "active": True})
    r = client.post(f"/admin/users/{uid}", data={"csrf_token": token, "role": "wizard"})
    assert r.status_code == 422 and "wizard" in r.text and 'data-testid="change-problems"' in r.text
    assert len(_user_audits(world, uid)) == 1  # a refused change writes nothing
    client.cookies.clear()
    login(client, "rita")
    assert client.get(f"/patients/{world.patient_a}").status_code == 200  # a clinician now
    assert client.get("/cohort").status_code == 403


def test_last_active_admin_cannot_demote_or_deactivate_themselves(client: TestClient, world: World) -> None:
    login(client, "adam")
    token = csrf_of(client.get("/admin/users").text)
    adam = _uid(world, "adam")
    for data in ({"active": "no"}, {"role": "clinician"}):
        r = client.post(f"/admin/users/{adam}", data={"csrf_token": token, **data})
        assert r.status_code == 409 and "last active admin" in r.text
    assert _user_audits(world, adam) == []
    # with a second admin, adam may step down (and is then refused the admin pages)
    rita = _uid(world, "rita")
    assert client.post(f"/admin/users/{rita}", data={"csrf_token": token, "role": "admin"},
                       follow_redirects=False).status_code == 303
    assert client.post(f"/admin/users/{adam}", data={"csrf_token": token, "role": "clinician"},
                       follow_redirects=False).status_code == 303
    assert client.get("/admin/users").status_code == 403
    # an inactive admin does not count as the remaining one
    client.cookies.clear()
    login(client, "rita")
    token = csrf_of(client.get("/admin/users").text)
    r = client.post(f"/admin/users/{rita}", data={"csrf_token": token, "active": "no"})
    assert r.status_code == 409


def test_foreign_user_is_not_found_and_csrf_is_required(client: TestClient, world: World) -> None:
    login(client, "adam")
    token = csrf_of(client.get("/admin/users").text)
    bob = _uid(world, "bob")
    for data in ({"active": "no"}, {"role": "admin"}):
        assert client.post(f"/admin/users/{bob}", data={"csrf_token": token, **data}).status_code == 404
    assert client.post("/admin/users/999999", data={"csrf_token": token, "active": "no"}).status_code == 404
    alice = _uid(world, "alice")
    assert client.post(f"/admin/users/{alice}", data={"active": "no"}).status_code == 403
    assert client.post(f"/admin/users/{alice}", data={"csrf_token": "x" * 43, "active": "no"}).status_code == 403
    assert _user_audits(world, bob) == [] and _user_audits(world, alice) == []
    with TestClient(world.app) as b:  # bob is still active and signed in fine
        login(b, "bob")
