"""Conditions in words: ``women, DXA or BIA``, ``BMI 23–26``, ``age 65 or over``.

A cut-off that applies to a group names the group. Readers of a report (and of the trace) see the
group in the words a clinician would use, never the engine's syntax (``sex == female``,
``asm_method in ('dxa', 'bia')``). Labels come from the measure catalog; the few words below are
vocabulary, not clinical numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Any

from ..measures import fmt_value, load_catalog

if TYPE_CHECKING:
    from .nodes import Condition

#: short names a clinician writes (the catalog's labels are the long form)
_SHORT = {
    "bmi": "BMI",
    "age": "age",
    "height": "height",
    "weight": "weight",
    "crp": "CRP",
    "asmi": "ASM/height²",
    "alm_bmi": "ALM/BMI",
    "mrc_sum_score": "MRC sum score",
}
#: method and setting values as written in reports
_VALUES = {"dxa": "DXA", "bia": "BIA", "ct": "CT", "icu": "ICU", "nursing_home": "nursing home"}
_SEX = {"female": "women", "male": "men"}
_NO_UNIT = {"age", "bmi", "years", "points", "ratio", None}


def _value(v: Any) -> str:
    return _VALUES.get(str(v), str(v).replace("_", " "))


def _name(measure: str) -> str:
    if measure in _SHORT:
        return _SHORT[measure]
    return load_catalog().label_of(measure).lower() if load_catalog().label_of(measure) else measure


def _num(measure: str, v: Any) -> str:
    unit = load_catalog().unit_of(measure)
    shown = fmt_value(float(v)) if isinstance(v, int | float) and not isinstance(v, bool) else fmt_value(v)
    return shown if measure in _NO_UNIT or unit in _NO_UNIT else f"{shown} {unit}"


_ONE = {
    "<": "under {v}",
    "<=": "{v} or less",
    ">": "over {v}",
    ">=": "{v} or over",
    "==": "{v}",
    "!=": "not {v}",
}


def _one_measure(measure: str, conds: list[Condition]) -> str:
    if measure == "sex" and len(conds) == 1 and conds[0].op == "==":
        return _SEX.get(str(conds[0].value), str(conds[0].value))
    if measure == "asian" and len(conds) == 1 and conds[0].op == "==":
        return "Asian" if conds[0].value else "not Asian"
    if measure == "conditions":
        names = [_value(v) for c in conds for v in (c.value if isinstance(c.value, tuple) else (c.value,))]
        return "with " + " or ".join(names)
    if measure.endswith("_method") or measure == "setting":
        c = conds[0]
        vals = c.value if isinstance(c.value, tuple) else (c.value,)
        text = " or ".join(_value(v) for v in vals)
        return ("not " + text) if c.op == "!=" else text
    name = _name(measure)
    if len(conds) == 1 and isinstance(conds[0].value, bool):
        return name if conds[0].value == (conds[0].op == "==") else f"no {name}"
    ops = {c.op: c.value for c in conds}
    lo = next(((op, v) for op, v in ops.items() if op in (">", ">=")), None)
    hi = next(((op, v) for op, v in ops.items() if op in ("<", "<=")), None)
    if lo and hi and len(conds) == 2:
        low = _num(measure, lo[1]).split(" ")[0]
        if lo[0] == ">=" and hi[0] == "<=":
            return f"{name} {low}–{_num(measure, hi[1])}"
        left = f"{name} {'over ' if lo[0] == '>' else ''}{low}"
        return f"{left} to {'under ' if hi[0] == '<' else ''}{_num(measure, hi[1])}"
    parts = []
    for c in conds:
        if c.op in ("in", "includes"):
            parts.append(f"{name} " + " or ".join(_value(v) for v in c.value))
        else:
            parts.append(f"{name} " + _ONE.get(c.op, c.op + " {v}").format(v=_num(measure, c.value)))
    return " and ".join(parts)


@cache
def conditions_in_words(conditions: tuple[Condition, ...]) -> str:
    """The group the conditions select, in words; ``all`` when there is none."""
    if not conditions:
        return "all"
    by_measure: dict[str, list[Condition]] = {}
    for c in conditions:
        by_measure.setdefault(c.measure, []).append(c)
    return ", ".join(_one_measure(m, cs) for m, cs in by_measure.items())


def condition_in_words(c: Condition) -> str:
    return conditions_in_words((c,))


def join_words(items: Iterable[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    xs = [x for x in items if x]
    return xs[0] if len(xs) == 1 else ", ".join(xs[:-1]) + " and " + xs[-1] if xs else ""
