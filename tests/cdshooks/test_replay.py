"""The jti replay check lives in the registry database (``cds_jti``), so it holds across workers:
on SQLite and, when MYOSCOPE_TEST_DATABASE_URL is set, on the real PostgreSQL server. Two apps (or
two engines) on one database stand for two uvicorn workers of one deployment."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from myoscope.cdshooks.replay import JtiLedger, ReplayedTokenError
from myoscope.registry import db
from myoscope.registry.models import CdsJti

from ..registry.conftest import BACKENDS, pg_schema
from .conftest import BASE, ISS, cds_app, hook_body, token

URL = "/cds-services/myoscope-patient-view"
T0 = 1_800_000_000.0  # a fixed "now" for the ledger's clock


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated registry on each backend (PostgreSQL: a schema of its own, dropped after)."""
    sqlite = f"sqlite:///{tmp_path / 'replay.sqlite'}"
    with nullcontext(sqlite) if request.param == "sqlite" else pg_schema("myo_jti") as url:
        engine = db.make_engine(url)
        db.upgrade(engine)
        engine.dispose()
        yield url


@pytest.fixture
def engines(db_url: str) -> Iterator[list[Engine]]:
    """Two engines on one database: two workers' connection pools."""
    pair = [db.make_engine(db_url), db.make_engine(db_url)]
    yield pair
    for e in pair:
        e.dispose()


def rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(CdsJti)).scalar_one())


def test_a_jti_is_accepted_once_across_workers(engines: list[Engine]) -> None:
    one, two = (JtiLedger(e, clock=lambda: T0) for e in engines)
    one.once(ISS, "abc", T0 + 300)
    with pytest.raises(ReplayedTokenError, match="replayed"):
        two.once(ISS, "abc", T0 + 300)  # the other worker: refused too
    with pytest.raises(ReplayedTokenError):
        one.once(ISS, "abc", T0 + 300)
    two.once(ISS, "abd", T0 + 300)  # another jti, and the same jti of another issuer, pass
    two.once("https://other-ehr.test", "abc", T0 + 300)
    assert rows(engines[0]) == 3


def test_concurrent_replays_let_exactly_one_through(engines: list[Engine]) -> None:
    """Eight threads on two pools present one token at once: the unique key decides, not a
    check-then-insert race."""
    ledgers = [JtiLedger(e, clock=lambda: T0) for e in engines]
    results: list[str] = []
    start = threading.Barrier(8)

    def present(i: int) -> None:
        start.wait()
        try:
            ledgers[i % 2].once(ISS, "race", T0 + 300)
            results.append("accepted")
        except ReplayedTokenError:
            results.append("replayed")

    threads = [threading.Thread(target=present, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["accepted"] + ["replayed"] * 7


def test_expired_rows_are_purged(engines: list[Engine]) -> None:
    now = [T0]
    ledger = JtiLedger(engines[0], leeway=30, purge_every=60, clock=lambda: now[0])
    ledger.once(ISS, "old", T0 + 10)
    ledger.once(ISS, "new", T0 + 600)
    assert rows(engines[0]) == 2
    now[0] = T0 + 45  # "old" is past exp + leeway, but the last purge was under a minute ago
    ledger.once(ISS, "x", T0 + 600)
    assert rows(engines[0]) == 3
    now[0] = T0 + 61  # a minute on: the next call purges what can no longer verify
    ledger.once(ISS, "y", T0 + 600)
    with engines[0].connect() as conn:
        assert sorted(conn.execute(select(CdsJti.jti)).scalars()) == ["new", "x", "y"]


def test_an_expired_row_awaiting_the_purge_is_not_a_replay(engines: list[Engine]) -> None:
    now = [T0]
    ledger = JtiLedger(engines[0], leeway=30, purge_every=3600, clock=lambda: now[0])
    ledger.once(ISS, "reused", T0 + 10)
    now[0] = T0 + 100  # the first token can no longer verify; a new one reuses its jti
    ledger.once(ISS, "reused", T0 + 400)
    with pytest.raises(ReplayedTokenError):  # and that new token is itself accepted once
        ledger.once(ISS, "reused", T0 + 400)
    assert rows(engines[0]) == 1


def test_over_long_ids_are_refused_not_truncated(engines: list[Engine]) -> None:
    with pytest.raises(ValueError, match="255"):
        JtiLedger(engines[0]).once(ISS, "j" * 256, T0)


def test_two_apps_on_one_registry_refuse_a_replay(db_url: str) -> None:
    """The whole hook: worker A answers a token, worker B refuses it (401, reason named)."""
    tok = token(jti="shared-once")
    with TestClient(cds_app(db_url), base_url=BASE) as a, TestClient(cds_app(db_url), base_url=BASE) as b:
        headers = {"Authorization": f"Bearer {tok}"}
        assert a.post(URL, json=hook_body(), headers=headers).status_code == 200
        r = b.post(URL, json=hook_body(), headers=headers)
        assert r.status_code == 401 and "replayed" in r.json()["error"]["message"]
        assert r.headers["www-authenticate"] == "Bearer"
        long = b.post(URL, json=hook_body(), headers={"Authorization": f"Bearer {token(jti='j' * 256)}"})
        assert long.status_code == 401 and "longer than 255" in long.json()["error"]["message"]
