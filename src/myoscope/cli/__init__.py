"""Command-line interface: a thin layer over the library (no clinical logic here).

One error path for every command (docs/errors.md): a problem a user can cause prints ``Error: ...``
on standard error and exits with status 2 (:data:`EXIT_USAGE`), never a traceback; anything else is
a bug, reported as ``Error: internal error ...`` with status 1 (the traceback with
``MYOSCOPE_DEBUG=1``). Usage mistakes (an unknown option) take the same ``Error:`` form. Each
feature registers its commands from its own module (``cli/<feature>.py``), imported at the end.
"""

from __future__ import annotations

import os
import sys

from .base import EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, App, app, fail, report, split_ids

__all__ = ["EXIT_INTERNAL", "EXIT_OK", "EXIT_USAGE", "App", "app", "fail", "main", "report", "split_ids"]


def main() -> None:
    try:
        app()
    except BrokenPipeError:  # e.g. `myoscope assess ... | head`
        # Python flushes stdout at exit and would complain again on the closed pipe
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)


# Command modules register themselves on `app`; keep this list sorted.
from . import assess, cohort, fhir, imports, plan, registry, reports, simulate, tokens, web, workup  # noqa: E402, F401
