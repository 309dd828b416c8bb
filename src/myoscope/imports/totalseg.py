"""TotalSegmentator ``statistics.json``: read, checked, and honestly found to hold no record field.

The file (``totalsegmentator/statistics.py``, ``get_basic_statistics``) maps each class to
``{"volume": mm³, "intensity": mean HU}``; a mask touching the scan's border is written as
``volume 0.0, intensity 0.0`` (incomplete, not zero). Whole-structure volumes are not the
cross-sectional muscle area at L3 that the CT definitions use, so nothing is imported: the
message says why, how many classes were incomplete, and which route gives an L3 area.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from ..errors import InputFileError, NothingToImportError
from ..inputs import decode, read_bytes


def check_statistics(path: str | Path) -> tuple[int, list[str]]:
    """(number of classes, the incomplete ones). :raises InputFileError: for another layout."""
    p = Path(path)
    try:
        data = json.loads(decode(read_bytes(p), str(p)))
    except json.JSONDecodeError as exc:
        raise InputFileError(f"{p}: not JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(data, Mapping) or not data:
        raise InputFileError(f"{p}: expected an object of class -> {{volume, intensity}}")
    bad = [
        str(k)
        for k, v in data.items()
        if not isinstance(v, Mapping) or not {"volume", "intensity"} <= set(v)
    ]
    if bad:
        raise InputFileError(
            f"{p}: not a TotalSegmentator statistics file (class(es) without volume and "
            f"intensity: {', '.join(bad[:5])})"
        )
    incomplete = [str(k) for k, v in data.items() if v["volume"] == 0 and v["intensity"] == 0]
    return len(data), incomplete


def import_statistics(path: str | Path) -> None:
    """Always raises :class:`NothingToImportError` (or InputFileError for a malformed file)."""
    n, incomplete = check_statistics(path)
    shown = ", ".join(incomplete[:8]) + (f" and {len(incomplete) - 8} more" if len(incomplete) > 8 else "")
    inc = (
        f"; {len(incomplete)} of them are incomplete (volume 0 and intensity 0: the mask touches the "
        f"scan's border, so TotalSegmentator left it out; not a zero): {shown}"
        if incomplete
        else ""
    )
    raise NothingToImportError(
        f"{path}: TotalSegmentator statistics hold whole-structure volumes (mm³) and mean intensities "
        f"(HU) of {n} classes{inc}. No record field maps to them honestly: the CT definitions use the "
        f"muscle cross-sectional area and attenuation on the L3 slice, which a volume is not. Export "
        f"the L3 slice and its muscle mask and run: myoscope import-measures SLICE.dcm --mask MASK "
        f"(docs/imports.md)"
    )


__all__ = ["check_statistics", "import_statistics"]
