"""Import a CSV and kill this process with SIGKILL in the middle of the Nth patient's transaction.

Used by test_kill.py. The import writes each patient's visits in one INSERT and their
measurements in the next, in one transaction per patient. The kill comes from an SQLAlchemy
event once the Nth patient's visits and measurements were sent, before the assessments and the
commit: the database then holds visit rows and measurements that were never committed. Nothing here replaces a real component: the process
really dies (kill -9) and the database's own recovery decides what survives.
Usage: python import_and_die.py URL CSV N [GROUP]   (GROUP: patients per transaction)
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from sqlalchemy import event

from myoscope.registry import db, imports

url, csv_path, die_at = sys.argv[1], sys.argv[2], int(sys.argv[3])
if len(sys.argv) > 4:
    imports.GROUP = int(sys.argv[4])
engine = db.make_engine(url)
seen = {"patients": 0}


@event.listens_for(engine, "after_cursor_execute")
def _die_mid_patient(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    sql = statement.lstrip().upper()
    if sql.startswith("INSERT INTO PATIENTS"):  # one per patient's transaction (get-or-create)
        seen["patients"] += 1
    elif sql.startswith("INSERT INTO MEASUREMENTS") and seen["patients"] == die_at:
        sys.stdout.write("dying\n")
        sys.stdout.flush()
        os.kill(os.getpid(), signal.SIGKILL)


with db.session_factory(engine)() as session:
    imports.import_csv(session, path=csv_path, actor="importer")
print("finished")
