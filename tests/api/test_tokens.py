"""API tokens: created (shown once, only a hash stored), used (last use recorded), listed (never
the secret), revoked (refused at once); expired tokens and deactivated users are refused; the
``myoscope token`` commands do the same from the command line (exact output asserted)."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from typer.testing import CliRunner

from myoscope.cli import app as cli
from myoscope.registry import tokens
from myoscope.registry.models import ApiToken, AuditEvent, User

from .conftest import ApiWorld

runner = CliRunner()
SHAPE = re.compile(r"^myo_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}$")


def test_only_the_hash_is_stored_and_the_token_works(client: TestClient, api: ApiWorld) -> None:
    token = api.tokens["alice"]
    assert SHAPE.match(token)
    with api.world.app.state.sessions() as s:
        row = s.scalar(select(ApiToken).where(ApiToken.key_id == token.split("_")[1]))
        assert row is not None and row.last_used_at is None
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token.split("_", 2)[2] not in repr([c for c in row.__dict__.values()])
    r = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert r.json() == {"username": "alice", "display_name": "alice", "role": "clinician",
                        "organisation": "Clinic A"}
    with api.world.app.state.sessions() as s:
        assert s.scalar(select(ApiToken.last_used_at).where(ApiToken.key_id == token.split("_")[1]))


def test_a_wrong_secret_with_a_real_key_id_is_refused(client: TestClient, api: ApiWorld) -> None:
    key = api.tokens["alice"].split("_")[1]
    forged = f"myo_{key}_" + "A" * 43
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"}).status_code == 401


def test_revoked_expired_and_deactivated_are_refused(client: TestClient, api: ApiWorld) -> None:
    sessions = api.world.app.state.sessions
    with sessions.begin() as s:
        fresh, row = tokens.create_token(s, username="alice", name="short-lived", actor="test", expires_days=1)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {fresh}"}).status_code == 200
    with sessions.begin() as s:  # a day later
        s.execute(update(ApiToken).where(ApiToken.id == row.id)
                  .values(expires_at=tokens.now() - timedelta(seconds=1)))
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {fresh}"}).status_code == 401

    with sessions.begin() as s:
        assert tokens.revoke_token(s, token_id=1, actor="adam").state == "revoked"
        assert tokens.revoke_token(s, token_id=1, actor="adam").state == "revoked"  # twice: harmless
    r = client.get("/api/v1/me", headers=api.headers("alice"))
    assert r.status_code == 401 and r.json()["error"]["message"] == "the token is unknown, revoked or expired"

    assert client.get("/api/v1/me", headers=api.headers("bob")).status_code == 200
    with sessions.begin() as s:
        s.execute(update(User).where(User.username == "bob").values(active=False))
    assert client.get("/api/v1/me", headers=api.headers("bob")).status_code == 401

    with sessions() as s:
        listed = {t.name: t.state for t in tokens.list_tokens(s)}
        audited = [(e.action, e.details.get("name")) for e in s.scalars(
            select(AuditEvent).where(AuditEvent.entity == "api_token").order_by(AuditEvent.id))]
    assert listed == {"test alice": "revoked", "test adam": "active", "test rita": "active",
                      "test bob": "active", "short-lived": "expired"}
    assert audited[-2:] == [("create", "short-lived"), ("update", "test alice")]  # revoked once


def test_bad_token_requests_name_every_problem(api: ApiWorld) -> None:
    import pytest

    from myoscope.registry.tokens import TokenError, TokenInputError

    with api.world.app.state.sessions.begin() as s:
        with pytest.raises(TokenInputError) as bad:
            tokens.create_token(s, username="alice", name=" ", actor="t", expires_days=0)
        assert [p.path for p in bad.value.problems] == ["name", "expires_days"]
        with pytest.raises(TokenError, match="no active user 'nobody'"):
            tokens.create_token(s, username="nobody", name="x", actor="t")
        with pytest.raises(TokenError, match="no token 999"):
            tokens.revoke_token(s, token_id=999, actor="t")


def run(url: str, *args: str, code: int = 0) -> tuple[str, str]:
    result = runner.invoke(cli, [*args], env={"MYOSCOPE_DATABASE_URL": url, "MYOSCOPE_USER": "cli-test"})
    assert result.exit_code == code, result.output + result.stderr
    return result.stdout, result.stderr


def test_token_commands(client: TestClient, api: ApiWorld, tmp_path: Path) -> None:
    url = str(api.world.app.state.engine.url)
    out, err = run(url, "token", "create", "rita", "--name", "cohort robot")
    token = out.strip()
    assert SHAPE.match(token)
    assert err == ("token 5 for rita (cohort robot); shown once: store it now. Send it as "
                   "'Authorization: Bearer <token>'.\n")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()["role"] == "researcher"

    out, _ = run(url, "token", "list", "--for", "rita")
    lines = out.splitlines()
    assert len(lines) == 2 and token.split("_", 2)[2] not in out
    assert lines[1].startswith(f"5\tmyo_{token.split('_')[1]}_…\trita\tcohort robot\tactive\tcreated ")
    assert lines[0].endswith("last used never") and "last used 20" in lines[1]

    assert run(url, "token", "revoke", "5")[0] == "token 5 (rita, cohort robot) revoked\n"
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    import json

    listed = json.loads(run(url, "token", "list", "--format", "json")[0])
    assert [(t["id"], t["state"]) for t in listed][-1] == (5, "revoked")
    assert run(url, "token", "revoke", "77", code=2)[1] == "Error: no token 77\n"
    assert run(url, "token", "create", "nobody", "--name", "x", code=2)[1] == "Error: no active user 'nobody'\n"
