"""The web app under bounded load on loopback: the patient page and quick assess, beside a static file.

The app runs as a real server (uvicorn, 2 worker processes, the app factory) on SQLite and, when
a PostgreSQL URL is given or found (scripts/test-services.sh), on PostgreSQL too, seeded with the
demo patients. An httpx async client in this process keeps N requests in flight (N = 50, then 200
"users", one signed-in session) for a fixed time per endpoint and records each request's latency.
Baseline, measured in the same run and the same way: GET /static/style.css (a static file through
the same middleware). The machine has 2 cores shared by the 2 workers and the client, so the
figures are for this whole set-up, not for the server alone. The patient page is its HTML (the
two charts are separate image requests, not included).

Usage: python benchmarks/web.py [SECONDS_PER_RUN] [POSTGRESQL_URL]
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
USERS = (50, 200)
QUICK = {"sex": "female", "age": "81", "grip_strength": "12", "height": "160", "asm": "12",
         "asm_method": "dxa", "gait_speed": "0.6"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed(url: str) -> None:
    from myoscope.web import demo
    from myoscope.web.app import create_app
    from myoscope.web.settings import WebSettings

    app = create_app(WebSettings(database_url=url, migrate_on_start=True))
    with app.state.sessions.begin() as s:
        demo.seed(s, app.state.passwords, ROOT / "examples")
    app.state.engine.dispose()


def start(url: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "MYOSCOPE_DATABASE_URL": url, "MYOSCOPE_SECRET_KEY": uuid.uuid4().hex}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "myoscope.web.app:create_app",
                             "--host", "127.0.0.1", "--port", str(port), "--workers", "2", "--log-level",
                             "warning"], env=env)
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start")


def sign_in(base: str) -> tuple[httpx.Cookies, str, int]:
    from myoscope.web import demo

    with httpx.Client(base_url=base, follow_redirects=True, timeout=30) as c:
        token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
        assert token
        page = c.post("/login", data={"username": "demo", "password": demo.DEMO_PASSWORD,
                                      "csrf_token": token.group(1)})
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        pid = re.search(r'href="/patients/(\d+)"', page.text)
        assert csrf and pid, "sign-in failed"
        return c.cookies, csrf.group(1), int(pid.group(1))


async def load(base: str, cookies: httpx.Cookies, users: int, seconds: float, method: str, path: str,
               data: dict[str, str] | None) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    async with httpx.AsyncClient(base_url=base, cookies=cookies, limits=limits, timeout=60) as client:
        stop = time.perf_counter() + seconds

        async def user() -> None:
            nonlocal errors
            while time.perf_counter() < stop:
                t = time.perf_counter()
                try:
                    r = await client.request(method, path, data=data)
                except httpx.TransportError:  # a dropped connection counts as an error, not a crash
                    errors += 1
                    continue
                latencies.append(time.perf_counter() - t)
                errors += r.status_code != 200

        t0 = time.perf_counter()
        await asyncio.gather(*(user() for _ in range(users)))
        elapsed = time.perf_counter() - t0
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    return {"n": len(latencies), "errors": errors, "rps": len(latencies) / elapsed, "p50": q[49] * 1000,
            "p95": q[94] * 1000, "p99": q[98] * 1000}


def run_backend(name: str, url: str, seconds: float) -> None:
    seed(url)
    port = free_port()
    proc = start(url, port)
    base = f"http://127.0.0.1:{port}"
    try:
        cookies, csrf, pid = sign_in(base)
        endpoints = [("static (baseline)", "GET", "/static/style.css", None),
                     ("patient page", "GET", f"/patients/{pid}", None),
                     ("quick assess", "POST", "/assess", {**QUICK, "csrf_token": csrf})]
        for users in USERS:
            base_rps = None
            for label, method, path, data in endpoints:
                r = asyncio.run(load(base, cookies, users, seconds, method, path, data))
                base_rps = base_rps or r["rps"]
                print(f"{name:10} {users:4} users  {label:18} {r['n']:6} req  {r['rps']:7.1f} req/s "
                      f"({r['rps'] / base_rps:5.3f} of static)  p50 {r['p50']:7.1f} ms  "
                      f"p95 {r['p95']:7.1f} ms  p99 {r['p99']:7.1f} ms  errors {r['errors']}", flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 8.0
    pg = sys.argv[2] if len(sys.argv) > 2 else os.environ.get("MYOSCOPE_TEST_DATABASE_URL")
    if pg is None:
        found = subprocess.run([str(ROOT / "scripts" / "test-services.sh")], capture_output=True, text=True)
        pg = found.stdout.strip() or None
    print(f"web app: 2 uvicorn workers, {seconds:g} s per run, {os.cpu_count()} cores shared with the "
          f"client; load average before the run {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        run_backend("sqlite", f"sqlite:///{Path(tmp) / 'bench.sqlite'}", seconds)
    if not pg:
        print("postgresql: no server found; skipped")
        return
    from sqlalchemy import create_engine, text

    schema = f"bench_web_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        sep = "&" if "?" in pg else "?"
        run_backend("postgresql", f"{pg}{sep}options=-csearch_path%3D{schema}", seconds)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
