"""Hypothesis strategies for random records: nulls, values exactly at every published cut-off,
mixed DXA/BIA, and every state of each definition's population (age missing, under 18 and at
each age bound; Asian ancestry true, false or unrecorded; conditions absent, none, or naming
those that establish a population). Built from the measures catalog and the knowledge base, so
new fields and new definitions are covered without editing this file."""

from __future__ import annotations

from functools import cache
from typing import Any

import polars as pl
from hypothesis import strategies as st

from myoscope import load_knowledge
from myoscope.cohort.synth import cut_points
from myoscope.cohort.tables import history_names

HISTORY = 3  # weight-history pairs in generated tables


def _quantity(mid: str) -> st.SearchStrategy[Any]:
    m = load_knowledge().catalog.measures[mid]
    assert m.range is not None
    lo, hi = m.range
    cuts = [c for c in cut_points().get(mid, []) if lo <= c <= hi]
    if m.integer:
        values: st.SearchStrategy[Any] = st.integers(int(lo), int(hi)).map(float)
    else:
        decimals = max(m.precision or 0, 1) + 1
        values = st.one_of(
            st.floats(lo, hi, allow_nan=False).map(lambda x: round(x, decimals)),
            st.floats(lo, hi, allow_nan=False),
        )
    choices = [values, st.sampled_from([lo, hi])]
    if cuts:
        choices.insert(0, st.sampled_from(cuts))
    return st.one_of(*choices)


@cache
def population_values() -> dict[str, tuple[Any, ...]]:
    """Per measure, the values that the definitions' populations compare it with (the age bounds
    of ``excludes`` and ``established_by``, ``asian``, the conditions and settings that establish
    a population), read from the knowledge base."""
    out: dict[str, list[Any]] = {}
    for d in load_knowledge().definitions.values():
        p = d.population
        for c in [*p.excludes, *(c for alt in p.established_by for c in alt)]:
            values = list(c.value) if c.op in ("in", "includes") else [c.value]
            seen = out.setdefault(c.measure, [])
            seen += [v for v in values if v not in seen]
    return {m: tuple(v) for m, v in out.items()}


def _age() -> st.SearchStrategy[float]:
    """Ages on both sides of every population bound (17.9 and 18, 64.9 and 65, ...), and any."""
    bounds = [float(v) for v in population_values().get("age", ())]
    near = sorted({x for b in bounds for x in (b, round(b - 0.1, 1))})
    return st.one_of(st.sampled_from(near), _quantity("age"))


@cache
def _population_conditions() -> tuple[tuple[str, ...], ...]:
    """The condition lists that establish a population (``includes``), each once: cancer for
    Fearon 2011 and the CT definitions, Evans' chronic illnesses, critical illness for MRC ICU-AW."""
    known = load_knowledge().catalog.conditions
    out: list[tuple[str, ...]] = []
    for d in load_knowledge().definitions.values():
        for alt in d.population.established_by:
            for c in alt:
                named = tuple(x for x in c.value if x in known) if c.op == "includes" else ()
                if named and named not in out:
                    out.append(named)
    return tuple(out)


def _conditions() -> st.SearchStrategy[list[str]]:
    """A list of condition ids, often naming one that establishes a population (one list of
    :func:`_population_conditions` drawn first, so a one-condition list such as cancer is as
    likely as a long one); the empty list (none recorded) too."""
    known = list(load_knowledge().catalog.conditions)
    groups = _population_conditions()
    ids = st.sampled_from(known)
    if groups:
        ids = st.one_of(st.sampled_from(groups).flatmap(st.sampled_from), ids)
    return st.lists(ids, max_size=3, unique=True)


def _usual(mid: str, lo: float, hi: float, decimals: int) -> st.SearchStrategy[float]:
    """Values in a realistic span so that derived measures land near their cut-offs."""
    return st.floats(lo, hi, allow_nan=False).map(lambda x: round(x, decimals))


@st.composite
def records(draw: st.DrawFn) -> dict[str, Any]:
    """One valid record (canonical values) with a random subset of fields missing."""
    kb = load_knowledge()
    cat = kb.catalog
    rec: dict[str, Any] = {"sex": draw(st.sampled_from(["male", "female"]))}
    present = st.booleans()
    for mid, m in cat.measures.items():
        if mid in ("sex", "id") or not draw(present):
            continue
        if m.kind == "quantity":
            if mid == "age":
                rec[mid] = draw(_age())
            elif mid == "height":
                rec[mid] = draw(st.one_of(_usual(mid, 140, 200, 1), _quantity(mid)))
            elif mid in ("asm", "weight"):
                rec[mid] = draw(
                    st.one_of(
                        _usual(mid, 10, 35, 2) if mid == "asm" else _usual(mid, 40, 110, 1), _quantity(mid)
                    )
                )
            else:
                rec[mid] = draw(_quantity(mid))
        elif m.kind == "enum":
            rec[mid] = draw(st.sampled_from(list(m.values)))
        elif m.kind == "bool":
            rec[mid] = draw(st.booleans())
        elif m.kind == "conditions":
            rec[mid] = draw(_conditions())
        elif m.kind == "sarc_f":
            items = {i: draw(st.integers(0, 2)) for i in cat.sarc_f.items if draw(st.booleans())}
            if items:
                rec[mid] = items
        elif m.kind == "weight_history":
            n = draw(st.integers(0, HISTORY))
            hist = [
                {
                    "months_ago": draw(st.sampled_from([0.0, 1.0, 3.0, 6.0, 6.5, 12.0, 13.0, 24.0])),
                    "weight": draw(st.one_of(_usual("weight", 40, 110, 1), _quantity("weight"))),
                }
                for _ in range(n)
            ]
            if hist:
                rec[mid] = hist
    if rec.get("asm") is not None and rec.get("asm_method") is None:
        rec["asm_method"] = draw(st.sampled_from(["dxa", "bia"]))
    grades = cat.derived["mrc_sum_score"].inputs if "mrc_sum_score" in cat.derived else ()
    if "mrc_sum_score" in rec and grades and all(g in rec for g in grades):
        # a sum given beside all twelve grades must equal them (record.py refuses otherwise); the
        # fields are drawn independently, so make the pair consistent as a valid record is
        rec["mrc_sum_score"] = sum(rec[g] for g in grades)
    return rec


@cache
def table_schema() -> dict[str, Any]:
    """A fixed raw schema holding every table column, so one compiled kernel serves all tests."""
    cat = load_knowledge().catalog
    schema: dict[str, Any] = {"id": pl.String}
    for mid, m in cat.measures.items():
        if mid == "id":
            continue
        if m.kind == "quantity":
            schema[mid] = pl.Float64
        elif m.kind == "enum":
            schema[mid] = pl.String
        elif m.kind == "bool":
            schema[mid] = pl.Boolean
        elif m.kind == "conditions":
            schema[mid] = pl.String  # ids joined with ";" (tables.record_to_row)
        elif m.kind == "sarc_f":
            for item in cat.sarc_f.items:
                schema[f"sarc_f_{item}"] = pl.Float64
        elif m.kind == "weight_history":
            for i in range(1, HISTORY + 1):
                w, mo = history_names(i)
                schema[w] = pl.Float64
                schema[mo] = pl.Float64
    return schema


def frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    schema = table_schema()
    data = {c: [r.get(c) for r in rows] for c in schema}
    return pl.DataFrame(data, schema=schema)
