"""The HTTP API under bounded load on loopback: POST /api/v1/assess beside GET /api/v1/health.

The web app (which mounts the API) runs as a real server (uvicorn, 2 worker processes, the app
factory) on a temporary SQLite file with one clinician and an API token. An httpx async client
in this process keeps N requests in flight (N = 50, then 200) for a fixed time per target and
records each request's latency; it prints p50/p95/p99, requests per second and the ratio to the
baseline (GET /api/v1/health: no token, no database, the same middleware), measured in the same
run the same way. The machine has 2 cores shared by the 2 workers and the client, so the figures
are for this whole set-up, not for the server alone.

Usage: python benchmarks/api.py [SECONDS_PER_RUN]
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

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
#: HOOK for the CDS Hooks service (issue 15b): append its target here, e.g.
#:   Target("cds patient-view", "POST", "/cds-services/myoscope-patient-view", json=CDS_REQUEST,
#:          auth=False, headers={"Authorization": f"Bearer {signed_jwt}"})
#: and it is loaded, timed and printed beside the others in the same run.
TARGETS: list[Target] = [
    Target("health (baseline)", "GET", "/api/v1/health", auth=False),
    Target("assess", "POST", "/api/v1/assess", json=RECORD),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "myoscope.web.app:create_app",
                             "--host", "127.0.0.1", "--port", str(port), "--workers", "2", "--log-level",
                             "warning"], env=env)
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start")


async def load(base: str, token: str, users: int, seconds: float, target: Target) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    kinds: Counter[str] = Counter()
    headers = {**({"Authorization": f"Bearer {token}"} if target.auth else {}), **target.headers}
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60, headers=headers) as client:
        stop = time.perf_counter() + seconds

        async def user() -> None:
            nonlocal errors
            while time.perf_counter() < stop:
                t = time.perf_counter()
                try:
                    r = await client.request(target.method, target.path, json=target.json)
                except httpx.TransportError as exc:  # a dropped connection is an error, not a crash
                    errors += 1
                    kinds[type(exc).__name__] += 1
                    continue
                latencies.append(time.perf_counter() - t)
                if r.status_code != 200:
                    errors += 1
                    kinds[str(r.status_code)] += 1

        t0 = time.perf_counter()
        await asyncio.gather(*(user() for _ in range(users)))
        elapsed = time.perf_counter() - t0
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    return {"n": len(latencies), "errors": errors, "kinds": dict(kinds), "rps": len(latencies) / elapsed,
            "p50": q[49] * 1000, "p95": q[94] * 1000, "p99": q[98] * 1000}


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 8.0
    print(f"API: 2 uvicorn workers on SQLite, {seconds:g} s per run, {os.cpu_count()} cores shared with the "
          f"client; load average before the run {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        token = seed(url)
        port = free_port()
        proc = start(url, port)
        base = f"http://127.0.0.1:{port}"
        try:
            for users in CONCURRENCY:
                base_rps = None
                for target in TARGETS:
                    r = asyncio.run(load(base, token, users, seconds, target))
                    base_rps = base_rps or r["rps"]
                    print(f"{users:4} concurrent  {target.label:18} {r['n']:6} req  {r['rps']:7.1f} req/s "
                          f"({r['rps'] / base_rps:5.3f} of baseline)  p50 {r['p50']:7.1f} ms  "
                          f"p95 {r['p95']:7.1f} ms  p99 {r['p99']:7.1f} ms  errors {r['errors']}"
                          + (f" {r['kinds']}" if r["kinds"] else ""), flush=True)
        finally:
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
