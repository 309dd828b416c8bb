"""One writer of the concurrency test: add N visits, each in its own transaction.

Usage: python add_visits.py URL WRITER N PATIENT [PATIENT...]
Visit i of writer w goes to patient i % len(patients), dated day (w * N + i) after 2020-01-01,
with a weight unique to it, so every visit has distinct content and none is a duplicate.
"""

from __future__ import annotations

import sys
from datetime import date, timedelta

from myoscope.registry import db, repo

url, writer, n, patients = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
engine = db.make_engine(url)
factory = db.session_factory(engine)
for i in range(n):
    k = writer * n + i
    with factory.begin() as s:
        repo.add_visit(s, pseudonym=patients[i % len(patients)], actor=f"writer-{writer}", data={
            "date": (date(2020, 1, 1) + timedelta(days=k)).isoformat(), "weight": 50 + k / 10,
            "grip_strength": 20 + (k % 7)})
engine.dispose()
print("done", writer)
