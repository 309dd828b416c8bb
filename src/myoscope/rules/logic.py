"""Three-valued truth: ``True``, ``False`` and ``None`` (unknown, because an input is missing).

Plain ``bool | None`` rather than an enum keeps the hot path fast and maps one-to-one onto
polars' nullable booleans, which use the same Kleene semantics (dependencies.md §1).
"""

from __future__ import annotations

from collections.abc import Iterable

Truth = bool | None


def not3(a: Truth) -> Truth:
    return None if a is None else not a


def all3(values: Iterable[Truth]) -> Truth:
    """Kleene AND: false if any is false; else unknown if any is unknown; else true."""
    unknown = False
    for v in values:
        if v is False:
            return False
        if v is None:
            unknown = True
    return None if unknown else True


def any3(values: Iterable[Truth]) -> Truth:
    """Kleene OR: true if any is true; else unknown if any is unknown; else false."""
    unknown = False
    for v in values:
        if v is True:
            return True
        if v is None:
            unknown = True
    return None if unknown else False


def alternatives3(values: Iterable[Truth]) -> Truth:
    """Several tests of ONE construct (e.g. grip or chair stand for strength).

    True if any measured test is abnormal; false if at least one was measured and none is
    abnormal; unknown only when none was measured. This is how clinicians use alternative
    tests (DESIGN §7) and differs from Kleene OR, which would stay unknown.
    """
    seen_false = False
    for v in values:
        if v is True:
            return True
        if v is False:
            seen_false = True
    return False if seen_false else None


def at_least3(n: int, values: Iterable[Truth]) -> Truth:
    """True if at least ``n`` are true; false if even all unknowns true could not reach ``n``."""
    vals = list(values)
    true = sum(1 for v in vals if v is True)
    unknown = sum(1 for v in vals if v is None)
    if true >= n:
        return True
    if true + unknown < n:
        return False
    return None
