"""One importer of the concurrent-import test: import one CSV per round, each on a start signal.

Usage: python import_file.py URL SIGNALS CSV [CSV...]
For round r (the r-th CSV) the process writes SIGNALS-ready-r, waits until SIGNALS-go-r exists,
imports the file and writes SIGNALS-done-r. Everything is imported and connected before the
first ready signal, so all importers of a round start within milliseconds of each other, and
one process serves every round (starting Python is most of the cost on a loaded machine).
Nothing is simulated: each round is a real import through the library, on the real database.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from sqlalchemy import text

from myoscope.registry import db, imports

url, signals, files = sys.argv[1], sys.argv[2], sys.argv[3:]
engine = db.make_engine(url)
with engine.connect() as conn:  # open the pool's connection before the start signal
    conn.execute(text("SELECT 1"))
for r, csv_path in enumerate(files, start=1):
    Path(f"{signals}-ready-{r}").touch()
    deadline = time.monotonic() + 300  # a test that failed never signals: do not wait forever
    while not Path(f"{signals}-go-{r}").exists():
        if time.monotonic() > deadline:
            sys.exit(f"no start signal for round {r}")
        time.sleep(0.005)
    with db.session_factory(engine)() as session:
        print(imports.import_csv(session, path=csv_path, actor=Path(csv_path).stem), flush=True)
    Path(f"{signals}-done-{r}").touch()
engine.dispose()
