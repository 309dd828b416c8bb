"""Helpers shared by the work-up tests: run the work-up on a record dict, and vary its history."""

from __future__ import annotations

import copy
from typing import Any

from myoscope.record import parse_record
from myoscope.workup import Workup, workup


def run(record: dict[str, Any]) -> Workup:
    """The work-up of ``record`` (a copy: the caller's dict is left as it was)."""
    return workup(parse_record(copy.deepcopy(record), source="test"))


def with_history(record: dict[str, Any], **history: Any) -> dict[str, Any]:
    """A copy of ``record`` with these history keys set, or removed where the value is None."""
    out = copy.deepcopy(record)
    for key, value in history.items():
        if value is None:
            out["history"].pop(key, None)
        else:
            out["history"][key] = value
    return out
