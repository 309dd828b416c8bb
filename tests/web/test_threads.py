"""The served app bounds its worker threads (``WebSettings.threads``): the default limiter of the
app's event loop, which serves sync routes, sync dependencies and ``run_in_threadpool``."""

from __future__ import annotations

from pathlib import Path

import anyio.to_thread
import pytest
from fastapi.testclient import TestClient

from myoscope.web.app import create_app

from .conftest import settings_for


async def _tokens() -> float:
    return anyio.to_thread.current_default_thread_limiter().total_tokens


@pytest.mark.parametrize("threads", [1, 4])
def test_the_event_loop_gets_the_configured_thread_limit(tmp_path: Path, threads: int) -> None:
    app = create_app(settings_for(tmp_path / "t.sqlite", threads=threads))
    with TestClient(app) as client:
        assert client.portal is not None
        assert client.portal.call(_tokens) == threads  # in the app's event loop
        assert client.get("/login").status_code == 200  # a sync route still runs


def test_the_default_is_a_few_threads_not_anyios_forty(tmp_path: Path) -> None:
    assert settings_for(tmp_path / "d.sqlite").threads == 4
