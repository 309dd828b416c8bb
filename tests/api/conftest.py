"""API fixtures: the web app's two-organisation world (tests/web/conftest.py) with a token per user.

Clinic A: alice (clinician), adam (admin), rita (researcher), patient pa-001 with one visit;
Clinic B: bob (clinician), patient pb-001 with one visit. Requests go through the whole web
app in-process, so the outer middleware (request id, cross-site check) is exercised too.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient

from myoscope.registry.tokens import create_token

from ..web.conftest import World, build_world

USERS = {"clinician": "alice", "admin": "adam", "researcher": "rita", "foreign": "bob"}


@dataclass
class ApiWorld:
    world: World
    tokens: dict[str, str]  # username -> token

    def headers(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[username]}"}


def make_api_world(path: Path) -> ApiWorld:
    world = build_world(path)
    tokens = {}
    with world.app.state.sessions.begin() as s:
        for name in USERS.values():
            tokens[name] = create_token(s, username=name, name=f"test {name}", actor="test")[0]
    return ApiWorld(world, tokens)


@pytest.fixture
def api(tmp_path: Path) -> ApiWorld:
    return make_api_world(tmp_path / "api.sqlite")


@pytest.fixture
def client(api: ApiWorld) -> Iterator[TestClient]:
    with TestClient(api.world.app, base_url="http://testserver", raise_server_exceptions=False) as c:
        yield c
