"""A bounded, thread-safe cache of what the patient page derives from one stored assessment.

The latest visit's full result (traces, work-up, plan) is rebuilt from the assessment row's
stored inputs under its knowledge version, and its verdicts, work-up and plan are rendered from
that result alone (nothing of the user or the request is in them). An assessment row is never
changed (re-assessment adds a row), so what is derived from one is the same on every request: it
is kept under a key made of the row's identity (id, visit, creation time, the knowledge version
that made it) and the installed knowledge version. A new visit, a correction or a re-assessment
makes a new row and so a new key; nothing needs invalidating, and the least recently used entries
leave when the cache is full. Size 0 turns it off (every request rebuilds and renders, as the
benchmark's "cache off" run does).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Any, TypeVar

from ..knowledge import load_knowledge
from ..registry.models import Assessment

T = TypeVar("T")


class PageCache:
    """Least-recently-used entries, at most ``size`` of them (one per worker process)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_make(self, key: Hashable, make: Callable[[], T]) -> T:
        """The entry for ``key``, made by ``make()`` on a miss (outside the lock: two threads may
        both make it; the results are equal, so either is kept)."""
        if self.size <= 0:
            return make()
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key]  # type: ignore[no-any-return]
            self.misses += 1
        value = make()
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._data)


def assessment_key(row: Assessment) -> tuple[Any, ...]:
    """What identifies an assessment row's derived content: the row (its id with its visit and
    creation time, so a reused id after a deletion is another key) and both knowledge versions."""
    created: datetime = row.created_at
    return (row.id, row.visit_id, created.isoformat(), row.knowledge_version, load_knowledge().version)
