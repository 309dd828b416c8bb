"""The served app freezes its start-up objects (``WebSettings.gc_freeze``); run in a child process,
since a freeze lasts for the process and the suite itself turns it off."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CHILD = """
import gc, sys
from fastapi.testclient import TestClient
from myoscope.web.app import create_app
from myoscope.web.settings import WebSettings
app = create_app(WebSettings(database_url=sys.argv[1], migrate_on_start=True))
before = gc.get_freeze_count()
with TestClient(app) as c:
    assert c.get("/login").status_code == 200
    print(before, gc.get_freeze_count())
"""


def _freeze_counts(tmp_path: Path, setting: str) -> tuple[int, int]:
    env = {**os.environ, "MYOSCOPE_GC_FREEZE": setting}
    out = subprocess.run([sys.executable, "-c", CHILD, f"sqlite:///{tmp_path / setting}.sqlite"], env=env,
                         capture_output=True, text=True, check=True).stdout.split()
    return int(out[0]), int(out[1])


def test_start_up_freezes_the_long_lived_objects(tmp_path: Path) -> None:
    before, after = _freeze_counts(tmp_path, "true")
    assert before == 0 and after > 50_000  # modules, the knowledge base, templates


def test_the_setting_turns_it_off(tmp_path: Path) -> None:
    assert _freeze_counts(tmp_path, "false") == (0, 0)
