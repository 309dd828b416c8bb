"""Whether a knowledge item or rule applies, given the flags and the causes being treated.

``flags_none`` passes when a flag is false *or unknown* (an item is not withheld because a
constraint was not recorded), but the flags named in ``flags_unknown_note`` are then reported as
assumptions, so the reader sees "bed-bound not recorded: assumed not bed-bound" (or, for a flag whose value
an undecided verdict left unknown, that verdict).
"""

from __future__ import annotations

from collections.abc import Collection

from .constraints import Flags
from .schema import WhenSpec


def holds(when: WhenSpec, flags: Flags, causes: Collection[str], supported: Collection[str] = (),
          weak: Collection[str] = (), diagnosed: Collection[str] = (),
          suspected: Collection[str] = ()) -> tuple[bool, list[str]]:
    """(applies, assumptions made because a flag was unknown). ``causes`` are the causes treated,
    ``supported`` those of them whose support holds or is undecided, ``weak`` the work-up candidates
    whose support is known not to hold, ``diagnosed`` the treated causes recorded as a condition
    and ``suspected`` the others (schema.WhenSpec)."""
    tests = ((when.causes_any, causes), (when.causes_supported, supported), (when.causes_weak, weak),
             (when.causes_diagnosed, diagnosed), (when.causes_suspected, suspected))
    for wanted, among in tests:
        if wanted and not any(c in among for c in wanted):
            return False, []
    if any(not flags.true(x) for x in when.flags_all):
        return False, []
    if when.flags_any and not any(flags.true(x) for x in when.flags_any):
        return False, []
    if any(flags.true(x) for x in when.flags_none):
        return False, []
    notes = [_unknown_note(x, flags) for x in when.flags_unknown_note if flags.get(x) is None]
    return True, notes


def _unknown_note(name: str, flags: Flags) -> str:
    """'bed-bound not recorded: assumed not bed-bound', or, when the flag's basis says more than
    "not recorded" (an undecided verdict), that basis in brackets."""
    word = name.replace("_", "-")
    basis = flags.basis.get(name, "")
    if not basis or basis.startswith("not recorded"):
        return f"{word} not recorded: assumed not {word}"
    return f"{word} unknown ({basis}): assumed not {word}"
