"""The feedback endpoint refuses what it would store wrongly: an outcomeTimestamp that is no
instant, and text no database column holds (a NUL, a lone surrogate), on SQLite and, when
MYOSCOPE_TEST_DATABASE_URL is set, on the real PostgreSQL server (which refuses a NUL itself)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from myoscope.registry.models import CdsFeedback

from ..registry.conftest import BACKENDS, pg_schema
from .conftest import BASE, cds_app, token

URL = "/cds-services/myoscope-patient-view/feedback"
WHEN = "2026-12-05T10:00:00Z"


@pytest.fixture(params=BACKENDS)
def client(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TestClient]:
    """The app on each backend; server errors come back as the 500 a caller would see."""
    sqlite = f"sqlite:///{tmp_path / 'feedback.sqlite'}"
    with nullcontext(sqlite) if request.param == "sqlite" else pg_schema("myo_fb") as url:
        app = cds_app(url)
        with TestClient(app, base_url=BASE, raise_server_exceptions=False) as c:
            yield c
        app.state.engine.dispose()


def post(client: TestClient, body: dict[str, Any] | str) -> Any:
    headers = {"Authorization": f"Bearer {token(aud=BASE + URL)}", "Content-Type": "application/json"}
    content = body if isinstance(body, str) else json.dumps(body)
    return client.post(URL, content=content, headers=headers)


def stored(client: TestClient) -> int:
    with client.app.state.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(CdsFeedback)) or 0)


def fields(r: Any) -> dict[str, str]:
    assert r.status_code == 400, r.text
    return {p["field"]: p["problem"] for p in r.json()["error"]["problems"]}


@pytest.mark.parametrize("when", ["not a timestamp!", "2026-12-05", "2026-12-05T10:00:00",
                                  "2026-02-30T10:00:00Z", "2026-12-05 10:00:00Z", "٢٠٢٦-12-05T10:00:00Z"])
def test_an_outcome_timestamp_that_is_no_instant_is_a_400(client: TestClient, when: str) -> None:
    r = post(client, {"feedback": [{"card": "a", "outcome": "accepted", "outcomeTimestamp": when}]})
    assert "ISO 8601" in fields(r)["feedback.0.outcomeTimestamp"]
    assert stored(client) == 0


@pytest.mark.parametrize("when", [WHEN, "2026-12-05T10:00:00.123+01:00", "2026-12-05T10:00:00-05:00"])
def test_an_instant_with_its_offset_is_stored_as_given(client: TestClient, when: str) -> None:
    r = post(client, {"feedback": [{"card": "a", "outcome": "accepted", "outcomeTimestamp": when}]})
    assert r.status_code == 200 and r.json() == {"stored": 1}
    with client.app.state.sessions() as s:
        assert s.scalars(select(CdsFeedback.outcome_timestamp)).all() == [when]


def test_nul_and_lone_surrogates_are_refused_naming_every_field(client: TestClient) -> None:
    body = {"feedback": [
        {"card": "a\u0000b", "outcome": "overridden", "outcomeTimestamp": "later today",
         "overrideReason": {"userComment": "x\u0000y", "reason": {"code": "c\u0000", "system": "s"},
                            "note": "n\u0000"}},
        {"card": "c", "outcome": "accepted", "outcomeTimestamp": WHEN, "acceptedSuggestions": [{"id": "s\u0000"}]},
    ]}
    problems = fields(post(client, body))
    assert "ISO 8601" in problems.pop("feedback.0.outcomeTimestamp")
    assert problems == {
        "feedback.0.card": "contains a NUL character",
        "feedback.0.overrideReason.userComment": "contains a NUL character",
        "feedback.0.overrideReason.reason.code": "contains a NUL character",
        "feedback.0.overrideReason.note": "contains a NUL character",
        "feedback.1.acceptedSuggestions.0.id": "contains a NUL character",
    }
    # JSON's \\ud800 escape: a lone surrogate, named once (not again by pydantic's own complaint)
    item = json.dumps({"card": "a@", "outcome": "overridden", "outcomeTimestamp": WHEN,
                       "overrideReason": {"userComment": "@"}})
    raw = '{"feedback": [' + item.replace('a@', 'a\\ud800').replace('"@"', '"\\udc00"') + ']}'
    assert fields(post(client, raw)) == {
        "feedback.0.card": "contains a lone surrogate (not valid Unicode text)",
        "feedback.0.overrideReason.userComment": "contains a lone surrogate (not valid Unicode text)",
    }
    assert stored(client) == 0
