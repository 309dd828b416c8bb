"""The ``jti`` replay check of CDS Hooks client JWTs, kept in the registry database.

A token's (iss, jti) is INSERTed into ``cds_jti``, whose primary key is the pair: the database
lets exactly one INSERT of a pair succeed, so a replay is refused whichever worker or process it
reaches (a per-process cache would let a token through once per worker). An IntegrityError is
the replay. Rows whose ``exp`` (plus the leeway the signature check grants) has passed can no
longer match a token that verifies, so they are purged, at most once a minute per process.

A pair whose row has expired but is not yet purged is not a replay (its token could not verify
any more; a client that reuses a jti after expiry gets it accepted once more): on that rare
conflict the expired row is deleted and the INSERT tried once again.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine, and_, delete, insert
from sqlalchemy.exc import IntegrityError

from ..registry.models import CdsJti
from .security import MAX_ID_LENGTH, MAX_TIME, CdsAuthError


class ReplayedTokenError(CdsAuthError):
    """The (iss, jti) pair of a token was seen before (answered 401 by the hook)."""


@dataclass
class JtiLedger:
    """Records each (iss, jti) once in ``cds_jti`` of the registry at ``engine``."""

    engine: Engine
    leeway: float = 30.0
    purge_every: float = 60.0
    clock: Callable[[], float] = time.time
    _purged: float = field(default=float("-inf"))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    #: one INSERT at a time per process: threads racing for SQLite's write lock wait in its busy
    #: handler's sleeps (up to 100 ms each), which made the hook's p99 seconds under load
    _write: threading.Lock = field(default_factory=threading.Lock)

    def once(self, iss: str, jti: str, exp: float) -> None:
        """Accept ``jti`` of ``iss`` the first time only.

        :raises ReplayedTokenError: when the pair was seen and has not expired.
        :raises ValueError: for an iss or jti longer than the columns, or an ``exp`` the ``exp``
            column cannot hold (the verifier refuses such a token before it gets here)."""
        if len(iss) > MAX_ID_LENGTH or len(jti) > MAX_ID_LENGTH:
            raise ValueError(f"iss and jti may have at most {MAX_ID_LENGTH} characters")
        if not 0 <= exp <= MAX_TIME:  # NaN fails the comparison too
            raise ValueError(f"exp must be a time between 0 and {MAX_TIME}")
        now = self.clock()
        self._purge(now)
        row = {"iss": iss, "jti": jti, "exp": math.ceil(exp)}
        if self._insert(row):
            return
        # the pair is there: a replay, unless its row has expired and only awaits the purge
        with self.engine.begin() as conn:
            gone = conn.execute(
                delete(CdsJti).where(
                    and_(CdsJti.iss == iss, CdsJti.jti == jti, CdsJti.exp < now - self.leeway)
                )
            ).rowcount
        if not gone or not self._insert(row):
            raise ReplayedTokenError("JWT replayed (jti already used)")

    def _insert(self, row: dict[str, object]) -> bool:
        try:
            with self._write, self.engine.begin() as conn:
                conn.execute(insert(CdsJti).values(**row))
        except IntegrityError:
            return False
        return True

    def _purge(self, now: float) -> None:
        with self._lock:
            if now - self._purged < self.purge_every:
                return
            self._purged = now
        with self.engine.begin() as conn:
            conn.execute(delete(CdsJti).where(CdsJti.exp < now - self.leeway))
