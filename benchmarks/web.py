"""The web app under bounded load on loopback: the patient page and quick assess, beside a static file.

The app runs as a real server (`myoscope serve`, 2 worker processes by default) on a
temporary SQLite file and, when a PostgreSQL URL is given or found (scripts/test-services.sh), on
PostgreSQL too, seeded with the demo patients. An httpx async client in this process keeps N
requests in flight for a fixed time per endpoint: N simulated users, each signed in with a session
of their own, each going round the demo patients. Every request's latency is recorded.

Baseline, measured in the same run and the same way: GET /static/style.css (a static file through
the same middleware: the cost of the server, the middleware and the client themselves). The
patient page is measured twice in the same run: with the page cache off
(``MYOSCOPE_PAGE_CACHE_SIZE=0``: every request rebuilds the latest visit's full result from its
stored inputs and renders its verdicts, work-up and plan, as before the cache existed) and on (the
default). The machine's cores are shared by the workers and the client, so the latencies are for
this whole set-up, not for the server alone; the load average is printed with them. The server's
CPU time per request (its processes' user + system time over the run, from /proc, divided by
the requests served) is printed too: on a machine shared with other work it is the steadier
figure for comparing two runs.

First, in this process (TestClient, one request at a time): the CPU time per request of the static
file and of the patient page with the cache off and on; process CPU time hardly depends on what
else the machine runs.

Usage: python benchmarks/web.py [--seconds S] [--users 50,200] [--think S] [--workers 2]
                                [--backends sqlite,postgresql] [--pg URL]
                                [--endpoints static,patient-nocache,patient,assess]
                                [--in-process N]   (--backends '' runs the in-process part only)
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import re
import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from _loopback import free_port, serve, server_cpu_seconds

ROOT = Path(__file__).resolve().parents[1]
QUICK = {"sex": "female", "age": "81", "grip_strength": "12", "height": "160", "asm": "12",
         "asm_method": "dxa", "gait_speed": "0.6"}
ENDPOINTS = ("static", "patient-nocache", "patient", "assess")


def seed(url: str) -> None:
    from myoscope.web import demo
    from myoscope.web.app import create_app
    from myoscope.web.settings import WebSettings

    app = create_app(WebSettings(database_url=url, migrate_on_start=True))
    with app.state.sessions.begin() as s:
        demo.seed(s, app.state.passwords, ROOT / "examples")
    app.state.engine.dispose()


def start(url: str, port: int, workers: int, cache: bool) -> subprocess.Popen[bytes]:
    env = {**os.environ, "MYOSCOPE_DATABASE_URL": url, "MYOSCOPE_SECRET_KEY": uuid.uuid4().hex,
           "MYOSCOPE_PAGE_CACHE_SIZE": "256" if cache else "0",
           # sign-in is not what is measured: N users sign in from one address within a second
           "MYOSCOPE_LOGIN_MAX_FAILURES": "1000"}
    return serve(env, port, "/login", workers)


async def sign_in_all(base: str, users: int) -> tuple[list[httpx.Cookies], list[str], list[int]]:
    """``users`` sessions of the demo clinician (each its own cookie), each session's CSRF token
    (quick assess posts with it: a token of another session is refused) and the demo patients' ids."""
    from myoscope.web import demo

    async def one(c: httpx.AsyncClient) -> tuple[httpx.Cookies, str, str]:
        token = re.search(r'name="csrf_token" value="([^"]+)"', (await c.get("/login")).text)
        assert token
        page = await c.post("/login", data={"username": "demo", "password": demo.DEMO_PASSWORD,
                                            "csrf_token": token.group(1)})
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert csrf, "sign-in failed"
        return c.cookies, csrf.group(1), page.text

    out = []
    for start_at in range(0, users, 10):
        batch = range(start_at, min(users, start_at + 10))
        clients = [httpx.AsyncClient(base_url=base, follow_redirects=True, timeout=120) for _ in batch]
        out += await asyncio.gather(*(one(c) for c in clients))
        for c in clients:
            await c.aclose()
    pids = sorted({int(p) for p in re.findall(r'href="/patients/(\d+)"', out[0][2])})
    return [c for c, _, _ in out], [t for _, t, _ in out], pids


async def load(base: str, cookies: list[httpx.Cookies], csrfs: list[str], seconds: float, method: str,
               paths: list[str], data: dict[str, str] | None, think: float) -> dict[str, Any]:
    """Each user sends a request, waits for the answer, then (``think`` > 0) reads the page for a
    random 0.5 to 1.5 times ``think`` seconds before the next one, as a person does; ``think`` 0
    keeps every user's next request in flight at once (the server saturated)."""
    latencies: list[float] = []
    errors = 0
    # every user's client is made before the clock starts: making one (its SSL context) takes
    # milliseconds of this event loop, and made inside the run they delayed the first answers
    # of the users already running by up to 150 ms, a tail that was the client's, not the server's
    clients = [httpx.AsyncClient(base_url=base, cookies=cookies[i], timeout=120) for i in range(len(cookies))]

    async def user(i: int, client: httpx.AsyncClient) -> None:
        nonlocal errors
        rng = random.Random(i)
        form = {**data, "csrf_token": csrfs[i]} if data is not None else None
        if think:  # users arrive spread over one think time, not all in the first instant
            await asyncio.sleep(rng.uniform(0, think))
        for n in itertools.count(i):
            if time.perf_counter() >= stop:
                return
            t = time.perf_counter()
            try:
                r = await client.request(method, paths[n % len(paths)], data=form)
            except httpx.TransportError:  # a dropped connection counts as an error, not a crash
                errors += 1
                continue
            latencies.append(time.perf_counter() - t)
            errors += r.status_code != 200
            if think:
                await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))

    t0 = time.perf_counter()
    stop = t0 + seconds
    try:
        await asyncio.gather(*(user(i, c) for i, c in enumerate(clients)))
    finally:
        for c in clients:
            await c.aclose()
    elapsed = time.perf_counter() - t0
    q = statistics.quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1 else [0.0] * 99
    return {"n": len(latencies), "errors": errors, "rps": len(latencies) / elapsed, "p50": q[49] * 1000,
            "p95": q[94] * 1000, "p99": q[98] * 1000}


def in_process(requests: int) -> None:
    """CPU per request of the app in this process (TestClient, one request at a time): the
    static file, the patient page with the cache off and on. Process CPU time hardly depends on
    what else the machine runs, so this before/after holds on a busy machine too."""
    from fastapi.testclient import TestClient

    from myoscope.web import demo
    from myoscope.web.app import create_app
    from myoscope.web.settings import WebSettings

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'p.sqlite'}"
        app = create_app(WebSettings(database_url=url, migrate_on_start=True, argon2_time_cost=1,
                                     argon2_memory_kib=64))
        with app.state.sessions.begin() as s:
            demo.seed(s, app.state.passwords, ROOT / "examples")
        with TestClient(app) as c:
            token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
            assert token
            page = c.post("/login", data={"username": "demo", "password": demo.DEMO_PASSWORD,
                                          "csrf_token": token.group(1)}).text
            ids = sorted({int(x) for x in re.findall(r'href="/patients/(\d+)"', page)})
            paths = [f"/patients/{p}" for p in ids]
            size = app.state.page_cache.size
            charts = [f"{p}/timeline.svg" for p in paths]
            runs = [("static", ["/static/style.css"], size), ("patient, cache off", paths, 0),
                    ("patient, cache on", paths, size), ("timeline, cache off", charts, 0),
                    ("timeline, cache on", charts, size)]
            base = None
            for label, urls, cache in runs:
                app.state.page_cache.size = cache
                for u in urls:  # warm: modules loaded; with the cache on, every patient cached
                    c.get(u)
                t0, c0 = time.perf_counter(), time.process_time()
                for i in range(requests):
                    assert c.get(urls[i % len(urls)]).status_code == 200
                cpu = 1000 * (time.process_time() - c0) / requests
                wall = 1000 * (time.perf_counter() - t0) / requests
                base = base or cpu
                print(f"in-process {label:20} CPU {cpu:6.2f} ms/req ({cpu / base:5.2f}x static)  "
                      f"wall {wall:6.2f} ms/req  load {os.getloadavg()[0]:.1f}", flush=True)
        app.state.engine.dispose()


def run_backend(name: str, url: str, args: argparse.Namespace) -> None:
    seed(url)
    # the cache-off server first, then the default one, on the same database
    wanted = [e for e in ENDPOINTS if e in args.endpoints]
    # each server measures the static baseline first, so each figure has a baseline of its own run
    groups = [(False, ["static", "patient-nocache"] if "patient-nocache" in wanted else []),
              (True, [e for e in wanted if e != "patient-nocache"])]
    for users in args.users:
        for cache, endpoints in groups:
            if not endpoints:
                continue
            base_rps: float | None = None
            port = free_port()
            proc = start(url, port, args.workers, cache)
            base = f"http://127.0.0.1:{port}"
            try:
                cookies, csrfs, pids = asyncio.run(sign_in_all(base, users))
                patients = [f"/patients/{p}" for p in pids]
                plan = {"static": ("GET", ["/static/style.css"], None),
                        "patient-nocache": ("GET", patients, None), "patient": ("GET", patients, None),
                        "assess": ("POST", ["/assess"], dict(QUICK))}
                for label in endpoints:
                    method, paths, data = plan[label]
                    # warm-up, not counted: every path a few times over new connections, so that
                    # each worker has imported its modules and (cache on) holds every patient
                    for _ in range(2 * args.workers):
                        for path in paths:
                            form = {**data, "csrf_token": csrfs[0]} if data is not None else None
                            httpx.request(method, base + path, cookies=cookies[0], data=form, timeout=120)
                    cpu0 = server_cpu_seconds(proc.pid)
                    r = asyncio.run(load(base, cookies, csrfs, args.seconds, method, paths, data, args.think))
                    r["cpu_ms"] = 1000 * (server_cpu_seconds(proc.pid) - cpu0) / max(1, r["n"])
                    if label == "static":
                        base_rps = r["rps"]
                        label = f"static (cache {'on' if cache else 'off'})"
                    ratio = f"({r['rps'] / base_rps:5.3f} of static)" if base_rps else ""
                    print(f"{name:10} {users:4} users  {label:16} {r['n']:6} req  {r['rps']:7.1f} req/s "
                          f"{ratio:18} p50 {r['p50']:7.1f} ms  p95 {r['p95']:7.1f} ms  "
                          f"p99 {r['p99']:7.1f} ms  server CPU {r['cpu_ms']:6.2f} ms/req  "
                          f"errors {r['errors']}  load {os.getloadavg()[0]:.1f}",
                          flush=True)
            finally:
                proc.terminate()
                proc.wait(timeout=30)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=8.0)
    p.add_argument("--users", type=lambda s: [int(x) for x in s.split(",")], default=[50, 200])
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--think", type=float, default=0.0, metavar="S",
                   help="each user's mean pause between requests (0: none, the server saturated)")
    p.add_argument("--backends", type=lambda s: s.split(","), default=["sqlite", "postgresql"])
    p.add_argument("--endpoints", type=lambda s: s.split(","), default=list(ENDPOINTS))
    p.add_argument("--pg", default=os.environ.get("MYOSCOPE_TEST_DATABASE_URL"))
    p.add_argument("--in-process", type=int, default=120, metavar="N",
                   help="requests per in-process CPU measurement (0 skips it)")
    args = p.parse_args()
    if args.in_process:
        in_process(args.in_process)
    if not args.backends or args.backends == [""]:
        return
    pause = f"each user pauses {args.think:g} s on average between requests" if args.think else \
        "no pause between a user's requests (the server saturated)"
    print(f"web app: {args.workers} worker(s), {args.seconds:g} s per run, {pause}, {os.cpu_count()} "
          f"cores shared with the client; load average before the run {os.getloadavg()[0]:.1f}")
    if "sqlite" in args.backends:
        with tempfile.TemporaryDirectory() as tmp:
            run_backend("sqlite", f"sqlite:///{Path(tmp) / 'bench.sqlite'}", args)
    if "postgresql" not in args.backends:
        return
    pg = args.pg
    if pg is None:
        found = subprocess.run([str(ROOT / "scripts" / "test-services.sh")], capture_output=True, text=True)
        pg = found.stdout.strip() or None
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
        run_backend("postgresql", f"{pg}{sep}options=-csearch_path%3D{schema}", args)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
