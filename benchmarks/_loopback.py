"""Shared by the loopback load benchmarks (``api.py``, ``cds_hooks.py``, ``web.py``): a free port, the app
factory served by uvicorn, and N concurrent clients timing one endpoint for a fixed time.

Not a benchmark itself (``make bench`` skips files starting with ``_``).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_cpu_seconds(root: int) -> float:
    """CPU seconds (user + system) used so far by the server: the uvicorn process and its workers
    (read from /proc). Unlike latency, the CPU a request costs barely depends on what else the
    machine is running, so it is the figure to compare on a shared machine."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(stat.parent.name), int(fields[1])
        if pid == root or ppid == root:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def serve(env: dict[str, str], port: int, ready: str, workers: int = 2) -> subprocess.Popen[bytes]:
    """``myoscope serve`` with ``workers`` worker processes (settings from ``env``); returns once
    ``ready`` (a path) answers 200."""
    proc = subprocess.Popen([sys.executable, "-m", "myoscope", "serve", "--host", "127.0.0.1",
                             "--port", str(port), "--workers", str(workers)], env=env,
                            stdout=subprocess.DEVNULL)
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}{ready}", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start")


class Connection:
    """One keep-alive HTTP/1.1 connection, written on asyncio streams.

    Why not httpx: with the client on the same 2 cores as the server, the trivial discovery
    document served 240 req/s to httpx's async client and 2,665 req/s to this one (measured
    2026-12-05): the figures measured the client. This one only writes the request and reads the status, the
    headers and a ``Content-Length`` or chunked body, which is all the app sends."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> int:
        """Send one request, read its whole answer; the status code."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}",
                 *(f"{k}: {v}" for k, v in headers.items())]
        if body is not None:
            lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b""))
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split()[1])
        fields = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in head[1:] if h)}
        if fields.get("transfer-encoding", "").lower() == "chunked":
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                await self.reader.readexactly(size + 2)
            await self.reader.readuntil(b"\r\n")
        else:
            await self.reader.readexactly(int(fields.get("content-length", "0")))
        if fields.get("connection", "").lower() == "close":
            self.close()
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def load(base: str, users: int, seconds: float, method: str, path: str, *, body: Any = None,
               headers: dict[str, str] | None = None,
               per_call: Callable[[], dict[str, str] | None] | None = None,
               think: float = 0.0, server_pid: int | None = None) -> dict[str, Any]:
    """``users`` clients, each on its own keep-alive connection (:class:`Connection`), calling
    ``method path`` for ``seconds``; ``per_call`` gives each call's own headers (a fresh signed
    token), and None when it has none left. With ``think`` 0 each client calls back to back
    (``users`` calls always in flight: the server saturated); otherwise each pauses a random 0.5
    to 1.5 times ``think`` seconds after each answer, as a person between two charts does, and
    the clients start spread over one such pause. With ``server_pid`` (the server's root
    process), the server's CPU time per answered request is measured too (``cpu_ms``)."""
    latencies: list[float] = []
    errors = 0
    kinds: Counter[str] = Counter()
    where = urlsplit(base)
    data = None if body is None else json.dumps(body).encode("utf-8")
    stop = time.perf_counter() + seconds

    async def user(rng: random.Random) -> None:
        nonlocal errors
        conn = Connection(where.hostname or "127.0.0.1", where.port or 80)
        if think:
            await asyncio.sleep(rng.uniform(0, think))
        while time.perf_counter() < stop:
            extra = per_call() if per_call is not None else {}
            if extra is None:
                break  # out of per-call credentials: the run ends early (the count says so)
            t = time.perf_counter()
            try:
                status = await conn.request(method, path, data, {**(headers or {}), **extra})
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                # a dropped connection is an error, not a crash; the next call reconnects
                errors += 1
                kinds[type(exc).__name__] += 1
                conn.close()
                continue
            latencies.append(time.perf_counter() - t)
            if status != 200:
                errors += 1
                kinds[str(status)] += 1
            if think:
                await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))
        conn.close()

    cpu0 = server_cpu_seconds(server_pid) if server_pid else 0.0
    t0 = time.perf_counter()
    await asyncio.gather(*(user(random.Random(i)) for i in range(users)))
    elapsed = time.perf_counter() - t0
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    result = {"n": len(latencies), "errors": errors, "kinds": dict(kinds), "rps": len(latencies) / elapsed,
              "p50": q[49] * 1000, "p95": q[94] * 1000, "p99": q[98] * 1000}
    if server_pid:
        result["cpu_ms"] = 1000 * (server_cpu_seconds(server_pid) - cpu0) / max(1, len(latencies))
    return result


def warm(base: str, method: str, path: str, *, body: Any = None, headers: dict[str, str] | None = None,
         per_call: Callable[[], dict[str, str] | None] | None = None, calls: int = 8) -> None:
    """Not timed: ``calls`` calls, each on a new connection so that every worker gets some,
    so that the workers have imported their modules and loaded the knowledge before the run."""
    for _ in range(calls):
        extra = per_call() if per_call is not None else {}
        httpx.request(method, base + path, json=body, headers={**(headers or {}), **(extra or {})},
                      timeout=120)


def prioritise_client() -> str:
    """Raise this process (the clients) above the server's workers, once they are started, by
    ``BENCH_CLIENT_NICE`` (default -5; 0 leaves it). Why: the clients share the two cores with
    the server, and an answer that waits in the socket for the client to get a core would count
    as the server's latency; raised, the client reads each answer when it arrives and sends the
    next call, using the same CPU as before. Says what was done (lowering a nice value needs
    root or CAP_SYS_NICE)."""
    step = int(os.environ.get("BENCH_CLIENT_NICE", "-5"))
    if step == 0:
        return "client at the server's priority"
    try:
        os.nice(step)
    except OSError:
        return "client at the server's priority (raising it was not permitted)"
    return f"client raised to nice {os.nice(0)} (BENCH_CLIENT_NICE)"


def think_arg(position: int) -> float:
    """The optional mean pause per client (``sys.argv[position]``, seconds; 0: none)."""
    return float(sys.argv[position]) if len(sys.argv) > position else 0.0


def pace(think: float) -> str:
    return (f"each client pauses {think:g} s on average between calls" if think
            else "no pause between a client's calls (the server saturated)")


def line(users: int, label: str, r: dict[str, Any], baseline_rps: float) -> str:
    """One printed result: count, requests/s and its ratio to the baseline, percentiles, errors."""
    return (f"{users:4} concurrent  {label:21} {r['n']:6} req  {r['rps']:7.1f} req/s "
            f"({r['rps'] / baseline_rps:5.3f} of baseline)  p50 {r['p50']:7.1f} ms  "
            f"p95 {r['p95']:7.1f} ms  p99 {r['p99']:7.1f} ms  "
            + (f"server CPU {r['cpu_ms']:5.2f} ms/req  " if "cpu_ms" in r else "")
            + f"errors {r['errors']}"
            + (f" {r['kinds']}" if r["kinds"] else ""))
