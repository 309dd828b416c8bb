"""The HTTP API under bounded load on loopback: POST /api/v1/assess beside GET /api/v1/health.

The web app (which mounts the API) runs as a real server (``myoscope serve --workers 2``) on a
temporary SQLite file with one clinician and an API token. A keep-alive HTTP/1.1 client
(``_loopback.Connection``) in this process keeps N requests in flight (N = 50, then 200) for a fixed
time per target and records each request's latency; it prints p50/p95/p99, requests per second and
the ratio to the baseline (GET /api/v1/health: no token, no database, the same middleware), measured
in the same run the same way. The machine has 2 cores shared by the 2 workers and the client, so the
figures are for this whole set-up, not for the server alone. The client runs at a higher scheduling
priority than the workers (``BENCH_CLIENT_NICE``, default -5; 0: the same), so that an answer does
not wait for the client to get a core (``_loopback.prioritise_client``).

Usage: python benchmarks/api.py [SECONDS_PER_RUN] [MEAN_PAUSE_S]   (pause 0: back to back)
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _loopback import free_port, line, load, pace, prioritise_client, serve, think_arg, warm

ROOT = Path(__file__).resolve().parents[1]
CONCURRENCY = (50, 200)
#: an older woman's visit (examples/maria_severe.yaml's measures): every definition, work-up, plan
RECORD = {"id": "bench", "sex": "female", "age": 81, "height": "158 cm", "weight": "52 kg",
          "grip_strength": "13 kg", "gait_speed": "0.6 m/s", "asm": "12.5 kg", "asm_method": "dxa",
          "chair_stand_time": 17, "calf_circumference": "30 cm"}


@dataclass
class Target:
    """One endpoint under load; ``auth`` adds the API token (the baseline needs none)."""

    label: str
    method: str
    path: str
    json: Any = None
    auth: bool = True
    headers: dict[str, str] = field(default_factory=dict)


#: What is measured, baseline first (every ratio is to it).
#: (The CDS Hooks service has its own benchmark, cds_hooks.py: each call needs a fresh signed JWT.)
TARGETS: list[Target] = [
    Target("health (baseline)", "GET", "/api/v1/health", auth=False),
    Target("assess", "POST", "/api/v1/assess", json=RECORD),
]


def seed(url: str) -> str:
    """A clinician and an API token in a new registry; returns the token."""
    from myoscope.registry.tokens import create_token
    from myoscope.web.accounts import create_user
    from myoscope.web.app import create_app
    from myoscope.web.settings import WebSettings

    app = create_app(WebSettings(database_url=url, migrate_on_start=True, argon2_time_cost=1,
                                 argon2_memory_kib=64))
    with app.state.sessions.begin() as s:
        create_user(s, app.state.passwords, username="bench", password="a-long-bench-password",
                    role="clinician", organisation="Bench clinic", actor="benchmark")
        token, _ = create_token(s, username="bench", name="benchmark", actor="benchmark")
    app.state.engine.dispose()
    return token


def start(url: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "MYOSCOPE_DATABASE_URL": url, "MYOSCOPE_SECRET_KEY": uuid.uuid4().hex}
    return serve(env, port, "/api/v1/health")


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 8.0
    think = think_arg(2)
    print(f"API: 2 worker processes on SQLite, {seconds:g} s per run, {pace(think)}, "
          f"{os.cpu_count()} cores shared with the "
          f"client; load average before the run {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        token = seed(url)
        port = free_port()
        proc = start(url, port)
        base = f"http://127.0.0.1:{port}"
        print(prioritise_client())
        try:
            auth = {"Authorization": f"Bearer {token}"}
            for target in TARGETS:
                warm(base, target.method, target.path, body=target.json,
                     headers={**(auth if target.auth else {}), **target.headers})
            for users in CONCURRENCY:
                base_rps = None
                for target in TARGETS:
                    headers = {**(auth if target.auth else {}), **target.headers}
                    r = asyncio.run(load(base, users, seconds, target.method, target.path, body=target.json,
                                         headers=headers, think=think, server_pid=proc.pid))
                    base_rps = base_rps or r["rps"]
                    print(line(users, target.label, r, base_rps), flush=True)
        finally:
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
