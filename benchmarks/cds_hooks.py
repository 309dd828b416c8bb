"""The CDS Hooks patient-view service under bounded load on loopback, beside a trivial endpoint.

The web app runs as a real server (``myoscope serve --workers 2``, SQLite) with one CDS client
configured (an ES384 key made for the run). A keep-alive HTTP/1.1 client (``_loopback.Connection``)
in this process keeps N calls in flight (N = 50, then 200) for a fixed time per endpoint and records
each call's latency. Each hook call carries its own signed JWT (a fresh ``jti``: replays are
refused), signed before the timed run so that signing does not load the client during it, and the
patient's data as prefetch (the worked example of docs/cds-hooks.md moved to end today). Baseline,
measured in the same run and the same way: GET /cds-services (the constant discovery document
through the same middleware). The 2 cores are shared by the 2 workers and the client, so the figures
are for this whole set-up. Goal (issue 15): hook p99 under 200 ms at 50 concurrent. The client runs
at a higher scheduling priority than the workers (``BENCH_CLIENT_NICE``, default -5; 0: the same),
so that an answer does not wait for the client to get a core (``_loopback.prioritise_client``).

Usage: python benchmarks/cds_hooks.py [SECONDS_PER_RUN] [MEAN_PAUSE_S]   (pause 0: back to back)
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import jwt
from _loopback import free_port, line, load, pace, prioritise_client, serve, think_arg, warm
from cryptography.hazmat.primitives.asymmetric import ec

ROOT = Path(__file__).resolve().parents[1]
USERS = (50, 200)
ISS = "https://bench-ehr.example"
HOOK = "/cds-services/myoscope-patient-view"


def example_request() -> dict[str, Any]:
    """docs/cds-hooks.md's request with its Observations moved so that the newest is today."""
    text = (ROOT / "docs" / "cds-hooks.md").read_text("utf-8")
    found = re.search(r"<!-- example:request -->\n```json\n(.*?)\n```", text, re.S)
    assert found
    body: dict[str, Any] = json.loads(found.group(1))
    obs = [e["resource"] for e in body["prefetch"]["observations"]["entry"]]
    newest = max(date.fromisoformat(o["effectiveDateTime"]) for o in obs)
    shift = datetime.now(UTC).date() - newest
    for o in obs:
        o["effectiveDateTime"] = (date.fromisoformat(o["effectiveDateTime"]) + shift).isoformat()
    return body


def start(port: int, key: ec.EllipticCurvePrivateKey, db: str) -> subprocess.Popen[bytes]:
    jwk = {**json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key())), "kid": "bench"}
    env = {**os.environ, "MYOSCOPE_DATABASE_URL": db, "MYOSCOPE_SECRET_KEY": uuid.uuid4().hex,
           "MYOSCOPE_MIGRATE_ON_START": "true", "MYOSCOPE_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
           "MYOSCOPE_CDS_CLIENTS": json.dumps([{"iss": ISS, "jwks": {"keys": [jwk]}}])}
    # migrate once before the workers start (two workers migrating at once would race)
    subprocess.run([sys.executable, "-m", "myoscope", "db", "init", "-D", db], env=env, check=True,
                   capture_output=True)
    env["MYOSCOPE_MIGRATE_ON_START"] = "false"
    return serve(env, port, "/cds-services")


def tokens(key: ec.EllipticCurvePrivateKey, aud: str, n: int) -> list[str]:
    now = int(time.time())
    return [jwt.encode({"iss": ISS, "aud": aud, "iat": now, "exp": now + 900, "jti": uuid.uuid4().hex},
                       key, algorithm="ES384", headers={"kid": "bench"}) for _ in range(n)]


def _signed(pool: list[str]) -> Callable[[], dict[str, str] | None]:
    """Each call's own token (a fresh jti); None once the pool is spent."""

    def headers() -> dict[str, str] | None:
        return {"Authorization": f"Bearer {pool.pop()}"} if pool else None

    return headers


def in_process(body: dict[str, Any], n: int = 100) -> None:
    """The hook's own work per call, without the server: FHIR import, the pathway and the cards
    (one thread), beside building the discovery document the same number of times."""
    from myoscope.cdshooks.cards import CardContext, cards_for
    from myoscope.cdshooks.fetching import from_prefetch
    from myoscope.cdshooks.routes import services
    from myoscope.fhir.service import assess_fhir

    ctx = CardContext("https://myoscope.example.org", "ex1")

    def hook() -> None:
        resources = from_prefetch(body["prefetch"], "ex1")
        cards_for(assess_fhir(resources), ctx)

    def discovery() -> None:
        [s.model_dump(exclude_none=True) for s in services()]

    hook()
    figures = {}
    for label, f in (("discovery (baseline)", discovery), ("patient-view hook", hook)):
        times = []
        for _ in range(n):
            t = time.perf_counter()
            f()
            times.append(time.perf_counter() - t)
        q = statistics.quantiles(times, n=100, method="inclusive")
        figures[label] = (q[49] * 1000, q[98] * 1000)
    base = figures["discovery (baseline)"][0]
    for label, (p50, p99) in figures.items():
        print(f"in process, one thread  {label:21} p50 {p50:7.2f} ms  p99 {p99:7.2f} ms  "
              f"({p50 / base:6.1f} x baseline)", flush=True)


def main() -> None:
    import tempfile

    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 8.0
    think = think_arg(2)
    key = ec.generate_private_key(ec.SECP384R1())
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    body = example_request()
    print(f"CDS Hooks patient-view: 2 worker processes, {seconds:g} s per run, {pace(think)}, "
          f"{os.cpu_count()} cores shared "
          f"with the client; load average before the run {os.getloadavg()[0]:.1f}")
    in_process(body)
    with tempfile.TemporaryDirectory() as tmp:
        proc = start(port, key, f"sqlite:///{Path(tmp) / 'bench.sqlite'}")
        print(prioritise_client())
        try:
            warm(base, "GET", "/cds-services")
            warm(base, "POST", HOOK, body=body, per_call=_signed(tokens(key, base + HOOK, 8)))
            for users in USERS:
                baseline = asyncio.run(load(base, users, seconds, "GET", "/cds-services", think=think,
                                            server_pid=proc.pid))
                signed = _signed(tokens(key, base + HOOK, int(seconds * 800)))  # above what 2 cores answer
                hook = asyncio.run(load(base, users, seconds, "POST", HOOK, body=body, per_call=signed,
                                        think=think, server_pid=proc.pid))
                for label, r in (("discovery (baseline)", baseline), ("patient-view hook", hook)):
                    print(line(users, label, r, baseline["rps"]), flush=True)
        finally:
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
