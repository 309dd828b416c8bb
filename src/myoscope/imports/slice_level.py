"""Is the slice given as L3 at L3? What the DICOM and the mask header say about the level.

The L3 route computes the muscle area that the CT definitions' cut-offs were written for; a slice
at another vertebra gives another number, and nothing downstream could notice. So the texts
that may carry a level are read: the DICOM SeriesDescription and ImageComments, and the mask
header (the SliceOmatic TAG keywords of its Appendix D carry none, so its comments and any key
a site adds, such as ``level:``; a NIfTI mask's ``descrip``). A text that names only other
vertebrae (``AX L4``) is an error naming it; a text naming L3 verifies it; a text naming L3 with
another (``L3-L4``) verifies nothing. When no text names a level, the import goes on and says
that the level was not verified, in the provenance and the notes: the web upload and batch runs
have no one to ask, and a flag the user types would be the same assertion as choosing this route,
not a check of the data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import SliceLevelError

EXPECTED = "L3"
#: a vertebra written as T1..T12 or L1..L5, with an optional space, dash or underscore
_LEVEL = re.compile(r"(?<![A-Za-z0-9])([TL])[ _-]?(\d{1,2})(?!\d)", re.IGNORECASE)
_RANGE = {"T": range(1, 13), "L": range(1, 6)}
#: the DICOM elements read (keyword, as pydicom names them)
DICOM_TEXTS = ("SeriesDescription", "ImageComments")


def levels_in(text: str) -> list[str]:
    """The vertebral levels a text names, in order, each once ('AX L3/L4' -> ['L3', 'L4'])."""
    found: list[str] = []
    for letter, number in _LEVEL.findall(text):
        letter, n = letter.upper(), int(number)
        if n in _RANGE[letter] and f"{letter}{n}" not in found:
            found.append(f"{letter}{n}")
    return found


@dataclass
class LevelCheck:
    """What the texts said: ``verified`` when one names L3 alone; ``evidence`` says where."""

    verified: bool
    evidence: list[str] = field(default_factory=list)
    unclear: list[str] = field(default_factory=list)

    @property
    def provenance_level(self) -> str:
        """The provenance ``level``: 'L3' with where it was read, or that it was not verified."""
        if self.verified:
            return f"{EXPECTED} (read in {', '.join(self.evidence)})"
        return f"{EXPECTED} (not verified)"

    @property
    def note(self) -> str:
        if self.verified:
            return f"slice level: {EXPECTED}, read in {'; '.join(self.evidence)}."
        unclear = f" ({'; '.join(self.unclear)} name several levels)" if self.unclear else ""
        return (f"slice level not verified: neither the DICOM ({' nor '.join(DICOM_TEXTS)}) nor the "
                f"mask header names the level alone{unclear}; the slice is taken to be at "
                f"{EXPECTED} because this route was chosen. Check it before relying on the "
                f"CT cut-offs.")


def check_level(texts: list[tuple[str, str]]) -> LevelCheck:
    """Check ``(where, text)`` pairs against L3. :raises SliceLevelError: naming every text that
    names another level only."""
    wrong: list[str] = []
    out = LevelCheck(verified=False)
    for where, text in texts:
        found = levels_in(text)
        if not found:
            continue
        shown = f"{where} {text.strip()[:80]!r}"
        if EXPECTED not in found:
            wrong.append(f"{shown} names {' and '.join(found)}")
        elif found == [EXPECTED]:
            out.verified = True
            out.evidence.append(where)
        else:
            out.unclear.append(shown)
    if wrong:
        raise SliceLevelError(
            f"the slice is given as {EXPECTED} but {'; '.join(wrong)}, not {EXPECTED}: the L3 "
            f"cut-offs do not apply to another level's muscle area. Use the slice at {EXPECTED} "
            f"(or correct the description)."
        )
    return out


__all__ = ["DICOM_TEXTS", "EXPECTED", "LevelCheck", "check_level", "levels_in"]
