"""Browser tests: the app served by uvicorn on a free loopback port, driven by Debian's Chromium.

Chromium is ``/usr/bin/chromium`` (Debian's ``chromium`` package; ``make test`` installs it);
Playwright never downloads a browser here. The server runs in a thread on a socket bound to
port 0, over a temporary SQLite file seeded with the demo patients. Screenshots of every page go
to ``test-results/browser/`` (gitignored) or ``$MYOSCOPE_SCREENSHOTS``.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)
playwright_api = pytest.importorskip("playwright.sync_api")

from myoscope.web import demo  # noqa: E402

from ..conftest import settings_for  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import uvicorn

    from myoscope.web.app import create_app

    app = create_app(settings_for(tmp_path_factory.mktemp("browser") / "web.sqlite"))
    with app.state.sessions.begin() as s:
        demo.seed(s, app.state.passwords, ROOT / "examples", today=date.today() - timedelta(days=30))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    assert server.started, "the test server did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: object, base_url: str) -> Iterator[object]:
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture(scope="session")
def screens() -> Path:
    out = Path(os.environ.get("MYOSCOPE_SCREENSHOTS") or ROOT / "test-results" / "browser")
    out.mkdir(parents=True, exist_ok=True)
    return out


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core, installed from the npm registry at test time (package.json pins it; no lock file)."""
    here = Path(__file__).parent
    script = here / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        import shutil
        import subprocess

        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed (needed for axe-core)")
        subprocess.run([npm, "install", "--no-package-lock", "--no-audit", "--no-fund"], cwd=here, check=True,
                       capture_output=True, timeout=300)
    return script.read_text("utf-8")
