"""The web app in several worker processes, each listening on a socket of its own.

Why not uvicorn's ``--workers``: its workers share one listening socket, and the worker that wakes
first accepts as many of the waiting connections as it can. A burst of keep-alive connections (an
EHR's pool, a load balancer's) then stays unevenly split for as long as the connections live: 50
at once split 41 to 9 in ``benchmarks/cds_hooks.py``, so the callers on the busier worker waited
four times as long as the others, and the hook's p99 was that worker's. Here each worker binds its
own socket with ``SO_REUSEPORT``, and Linux spreads new connections over the group by a hash of
their addresses, so each worker gets about its share whatever the burst. Where connections are not
spread that way (not Linux), :func:`run` falls back to uvicorn's shared socket.

The parent only supervises: it starts the workers (``spawn``: each imports and builds the app
itself, from the same ``MYOSCOPE_*`` environment), replaces one that exits, and stops them all
on SIGINT or SIGTERM. A worker that exits with an error during start-up (a
schema out of date, say) stops the whole server rather than a restart loop; one killed by a
signal (the out-of-memory killer, an operator) is always replaced.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
import socket
import sys
import time
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from types import FrameType

from ..errors import MyoscopeError

APP = "myoscope.web.app:create_app"
#: a worker that exits with an error sooner than this after its start failed to start
START_SECONDS = 10.0
#: how long stopping workers may finish the requests in flight
STOP_SECONDS = 30.0


class ServeError(MyoscopeError):
    """The server could not start: the address is taken, or a worker failed at start-up."""


def spreads_connections() -> bool:
    """Whether the kernel spreads connections over ``SO_REUSEPORT`` listeners (Linux does; the
    BSDs and macOS give them all to one socket)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` in the ``SO_REUSEPORT`` group of that address (not yet
    listening: a bound socket joins the group's share of connections only once it listens).

    :raises ServeError: when the address cannot be bound (taken by a program outside the group)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def _worker(host: str, port: int, log_level: str) -> None:
    """One worker: its own listening socket and uvicorn serving the app factory on it."""
    import uvicorn

    sock = listening_socket(host, port)
    config = uvicorn.Config(APP, factory=True, host=host, port=port, log_level=log_level)
    uvicorn.Server(config).run(sockets=[sock])


class _Supervisor:
    def __init__(self, host: str, port: int, workers: int, log_level: str) -> None:
        self.args = (host, port, log_level)
        self.workers = workers
        self.context = multiprocessing.get_context("spawn")
        self.running: dict[BaseProcess, float] = {}
        self.stopping = False

    def start_one(self) -> None:
        proc = self.context.Process(target=_worker, args=self.args, name="myoscope-worker")
        proc.start()
        self.running[proc] = time.monotonic()

    def stop(self, signum: int | None = None, _frame: FrameType | None = None) -> None:
        self.stopping = True

    def run(self) -> None:
        previous = {s: signal.signal(s, self.stop) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            for _ in range(self.workers):
                self.start_one()
            while not self.stopping:
                for sentinel in wait([p.sentinel for p in self.running], timeout=0.5):
                    proc = next(p for p in self.running if p.sentinel == sentinel)
                    started = self.running.pop(proc)
                    proc.join()  # reaped: its exit code is known, no zombie left
                    if self.stopping:
                        continue
                    code = proc.exitcode or 0
                    if code > 0 and time.monotonic() - started < START_SECONDS:
                        raise ServeError(f"a worker failed at start-up (exit code {code})")
                    print(f"myoscope: worker {proc.pid} exited ({proc.exitcode}); starting another",
                          file=sys.stderr)
                    self.start_one()
        finally:
            self.halt()
            for s, handler in previous.items():
                signal.signal(s, handler)

    def halt(self) -> None:
        for proc in self.running:
            with contextlib.suppress(OSError):
                proc.terminate()
        deadline = time.monotonic() + STOP_SECONDS
        for proc in self.running:
            proc.join(max(0.0, deadline - time.monotonic()))
            if proc.is_alive():
                proc.kill()
                proc.join()
        self.running.clear()


def run(host: str, port: int, workers: int, log_level: str = "warning") -> None:
    """Serve the app factory (settings from the ``MYOSCOPE_*`` environment, which the workers
    inherit) in ``workers`` processes until SIGINT or SIGTERM.

    :raises ServeError: when the address is taken or a worker fails at start-up."""
    if not spreads_connections():
        import uvicorn

        uvicorn.run(APP, factory=True, host=host, port=port, workers=workers, log_level=log_level)
        return
    # a taken address is named before any worker starts. Binding alone would not tell: another
    # server of the same user listening with SO_REUSEPORT (a second myoscope on the same port)
    # would let the workers join its group and silently share its connections
    listening_socket(host, port).close()
    if _answers(host, port):
        raise ServeError(f"cannot listen on {host}:{port}: a server is already listening there")
    _Supervisor(host, port, workers, log_level).run()


def _answers(host: str, port: int) -> bool:
    """Whether something accepts connections on ``host:port`` (a wildcard address is tried on
    the loopback)."""
    target = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(host, host)
    try:
        with socket.create_connection((target, port), timeout=1.0):
            return True
    except OSError:
        return False
